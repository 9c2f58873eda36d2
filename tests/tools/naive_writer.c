/*
 * naive_writer.c - the WRONG way to share an LMDB file between hosts, used by
 * tests/e2e/test_store_bindfs.sh to prove that its multi-host harness can
 * detect the failure kernboard's store is built to avoid (STORAGE.md).
 *
 * It keeps ONE LMDB environment (MDB_NOSUBDIR | MDB_NOLOCK) open across all
 * its transactions and serialises writers only with an exclusive fcntl lock
 * on a sidecar file:  lock, txn begin, get, put, commit, unlock.  On one host
 * that is enough; on a network file system (simulated by several bindfs
 * mounts, each with its own page cache) the kept mapping goes stale after
 * another "host" commits, so increments get lost or LMDB reads torn pages
 * (SIGBUS, assertion, MDB_CORRUPTED, MDB_PAGE_NOTFOUND).
 *
 * Usage:  naive_writer DATA LOCKFILE N   do N increments of key "counter"
 *         naive_writer DATA LOCKFILE 0   create DATA with counter = 0
 *         naive_writer DATA get          print the counter (fresh env, no lock)
 * Prints "done K" (increments committed) or "value V".  Exit 0 ok, 1 on any
 * LMDB or system error (message on stderr).
 *
 * Built by the test itself:  cc -O1 -o naive naive_writer.c -llmdb
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHECK(expr)                                                                                \
    do {                                                                                           \
        int rc_ = (expr);                                                                          \
        if (rc_ != MDB_SUCCESS) {                                                                  \
            fprintf(stderr, "naive_writer: %s: %s\n", #expr, mdb_strerror(rc_));                   \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static void lock_byte(int fd, short type)
{
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = 0;
    fl.l_len = 1;
    /* Poll instead of F_SETLKW: blocking waits through FUSE are less portable. */
    while (fcntl(fd, F_SETLK, &fl) != 0) {
        if (errno != EACCES && errno != EAGAIN && errno != EINTR) {
            perror("naive_writer: fcntl");
            exit(1);
        }
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
    }
}

static MDB_env *open_env(const char *path, unsigned flags)
{
    MDB_env *env;
    CHECK(mdb_env_create(&env));
    CHECK(mdb_env_set_mapsize(env, (size_t)64 << 20));
    CHECK(mdb_env_open(env, path, MDB_NOSUBDIR | MDB_NOLOCK | flags, 0600));
    return env;
}

static unsigned long long get_counter(MDB_txn *txn, MDB_dbi dbi)
{
    MDB_val k = {7, (void *)"counter"}, v;
    int rc = mdb_get(txn, dbi, &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    CHECK(rc);
    char buf[32];
    size_t n = v.mv_size < sizeof buf - 1 ? v.mv_size : sizeof buf - 1;
    memcpy(buf, v.mv_data, n);
    buf[n] = '\0';
    return strtoull(buf, NULL, 10);
}

int main(int argc, char **argv)
{
    if (argc != 4 && !(argc == 3 && strcmp(argv[2], "get") == 0)) {
        fprintf(stderr, "usage: naive_writer DATA LOCKFILE N | naive_writer DATA get\n");
        return 2;
    }
    MDB_txn *txn;
    MDB_dbi dbi;
    if (argc == 3) {
        MDB_env *env = open_env(argv[1], MDB_RDONLY);
        CHECK(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn));
        CHECK(mdb_dbi_open(txn, NULL, 0, &dbi));
        printf("value %llu\n", get_counter(txn, dbi));
        mdb_txn_abort(txn);
        mdb_env_close(env);
        return 0;
    }
    long n = strtol(argv[3], NULL, 10);
    int lfd = open(argv[2], O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lfd < 0) {
        perror("naive_writer: open lock file");
        return 1;
    }
    MDB_env *env = open_env(argv[1], 0); /* kept open: this is the bug */
    if (n == 0) {
        CHECK(mdb_txn_begin(env, NULL, 0, &txn));
        CHECK(mdb_dbi_open(txn, NULL, 0, &dbi));
        MDB_val k = {7, (void *)"counter"}, v = {1, (void *)"0"};
        CHECK(mdb_put(txn, dbi, &k, &v, 0));
        CHECK(mdb_txn_commit(txn));
        mdb_env_close(env);
        return 0;
    }
    long done = 0;
    for (long i = 0; i < n; i++) {
        lock_byte(lfd, F_WRLCK);
        CHECK(mdb_txn_begin(env, NULL, 0, &txn));
        CHECK(mdb_dbi_open(txn, NULL, 0, &dbi));
        unsigned long long c = get_counter(txn, dbi);
        char buf[32];
        int len = snprintf(buf, sizeof buf, "%llu", c + 1);
        MDB_val k = {7, (void *)"counter"}, v = {(size_t)len, buf};
        CHECK(mdb_put(txn, dbi, &k, &v, 0));
        CHECK(mdb_txn_commit(txn));
        lock_byte(lfd, F_UNLCK);
        done++;
    }
    mdb_env_close(env);
    close(lfd);
    printf("done %ld\n", done);
    return 0;
}
