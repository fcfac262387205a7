/* Raw LMDB baseline for tools/bench: the loop the event log is compared against.
 * Appends N values of VALUE_SIZE bytes under 8-byte big-endian keys with MDB_APPEND, BATCH per write
 * transaction, fully synced (no NOSYNC flags), then reads them back with one cursor.
 * Prints one JSON line: {"append_events_per_s":…, "replay_events_per_s":…}.
 * usage: lmdb_append DIR N BATCH VALUE_SIZE */
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define CHECK(call) do { int rc_ = (call); if (rc_) { fprintf(stderr, "%s: %s\n", #call, mdb_strerror(rc_)); exit(1); } } while (0)

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: %s DIR N BATCH VALUE_SIZE\n", argv[0]); return 2; }
    const char *dir = argv[1];
    long n = atol(argv[2]), batch = atol(argv[3]), size = atol(argv[4]);
    MDB_env *env; MDB_dbi dbi; MDB_txn *txn;
    CHECK(mdb_env_create(&env));
    CHECK(mdb_env_set_mapsize(env, (size_t)8 << 30));
    CHECK(mdb_env_set_maxdbs(env, 4));
    CHECK(mdb_env_open(env, dir, MDB_NOTLS, 0644));
    CHECK(mdb_txn_begin(env, NULL, 0, &txn));
    CHECK(mdb_dbi_open(txn, "events", MDB_CREATE, &dbi));
    CHECK(mdb_txn_commit(txn));

    unsigned char *value = calloc(1, size);
    memset(value, 'x', size);
    double start = now();
    for (long done = 0; done < n;) {
        CHECK(mdb_txn_begin(env, NULL, 0, &txn));
        for (long i = 0; i < batch && done < n; i++, done++) {
            uint64_t position = (uint64_t)done + 1, key = __builtin_bswap64(position);
            memcpy(value, &position, sizeof position);
            MDB_val k = {sizeof key, &key}, v = {(size_t)size, value};
            CHECK(mdb_put(txn, dbi, &k, &v, MDB_APPEND));
        }
        CHECK(mdb_txn_commit(txn));
    }
    double appendSeconds = now() - start;

    start = now();
    CHECK(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn));
    MDB_cursor *cursor;
    CHECK(mdb_cursor_open(txn, dbi, &cursor));
    MDB_val k, v;
    uint64_t checksum = 0, count = 0;
    while (mdb_cursor_get(cursor, &k, &v, count ? MDB_NEXT : MDB_FIRST) == 0) {
        checksum += ((unsigned char *)v.mv_data)[0] + v.mv_size;
        count++;
    }
    mdb_cursor_close(cursor);
    mdb_txn_abort(txn);
    double replaySeconds = now() - start;
    if ((long)count != n) { fprintf(stderr, "read back %lu of %ld\n", (unsigned long)count, n); return 1; }
    printf("{\"append_events_per_s\":%.0f,\"replay_events_per_s\":%.0f,\"checksum\":%lu}\n",
           n / appendSeconds, n / replaySeconds, (unsigned long)checksum);
    mdb_env_close(env);
    return 0;
}
