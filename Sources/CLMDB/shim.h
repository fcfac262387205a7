#ifndef HAASLEDGER_CLMDB_SHIM_H
#define HAASLEDGER_CLMDB_SHIM_H
#include <lmdb.h>
#endif
