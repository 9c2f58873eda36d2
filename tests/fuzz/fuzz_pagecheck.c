/* libFuzzer target: the board file's structure check (src/store/
 * pagecheck.c), which reads whatever bytes a damaged file holds.  The input
 * is the file; it must come back with a report, never a crash, a hang or
 * an out-of-bounds read.  Seeds are small LMDB files that run.sh makes
 * with mdb_load (several named tables, a record big enough for an
 * overflow page). */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernboard/buf.h"
#include "kernboard/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("board", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    kb_buf rep = KB_BUF_INIT;
    size_t found = 0;
    kb_err e;
    (void)kb_store_check_file(path, &rep, &found, &e);
    if (found && rep.len == 0)
        __builtin_trap(); /* damage found must be named */
    kb_buf_free(&rep);
    close(fd);
    return 0;
}
