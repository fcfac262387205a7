#ifndef HAASLEDGER_CSQLITE_SHIM_H
#define HAASLEDGER_CSQLITE_SHIM_H
#include <sqlite3.h>

/* sqlite3_config is variadic, which Swift cannot call. Turning memory statistics off removes the global
 * mutex every SQLite allocation takes, which two connections writing on two threads contend for.
 * Only effective before SQLite initialises; returns SQLITE_MISUSE after. */
static inline int haasledger_sqlite3_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
#endif
