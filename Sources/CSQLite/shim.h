#ifndef HAASLEDGER_CSQLITE_SHIM_H
#define HAASLEDGER_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif
