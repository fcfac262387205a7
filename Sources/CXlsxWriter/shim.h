#ifndef HAASLEDGER_CXLSXWRITER_SHIM_H
#define HAASLEDGER_CXLSXWRITER_SHIM_H
#include <xlsxwriter.h>
#endif
