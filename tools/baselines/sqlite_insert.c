/* Raw SQLite baseline for tools/bench: N rows of (text key, text metric, real value, integer position)
 * inserted with one prepared statement in one transaction, then reports rows/s as one JSON line.
 * usage: sqlite_insert FILE N */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s FILE N\n", argv[0]); return 2; }
    long n = atol(argv[2]);
    sqlite3 *db;
    if (sqlite3_open(argv[1], &db) != SQLITE_OK) { fprintf(stderr, "open: %s\n", sqlite3_errmsg(db)); return 1; }
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                     "CREATE TABLE m (backtest_id TEXT, metric TEXT, value REAL, valid_from INTEGER)", 0, 0, 0);
    sqlite3_stmt *stmt;
    sqlite3_prepare_v2(db, "INSERT INTO m VALUES (?, ?, ?, ?)", -1, &stmt, 0);
    char key[40], metric[24];
    double start = now();
    sqlite3_exec(db, "BEGIN", 0, 0, 0);
    for (long i = 0; i < n; i++) {
        snprintf(key, sizeof key, "bt-%08ld-5f0c9a6e", i / 32);
        snprintf(metric, sizeof metric, "metric_%02ld", i % 32);
        sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, metric, -1, SQLITE_STATIC);
        sqlite3_bind_double(stmt, 3, i * 0.001);
        sqlite3_bind_int64(stmt, 4, i);
        if (sqlite3_step(stmt) != SQLITE_DONE) { fprintf(stderr, "step: %s\n", sqlite3_errmsg(db)); return 1; }
        sqlite3_reset(stmt);
    }
    sqlite3_exec(db, "COMMIT", 0, 0, 0);
    double seconds = now() - start;
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    printf("{\"rows\":%ld,\"rows_per_s\":%.0f}\n", n, n / seconds);
    return 0;
}
