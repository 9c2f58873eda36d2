/*
 * lock.c - the coordination file BOARD.lock: fcntl byte-range locks far
 * beyond end of file, the A/B header with the commit generation, and the
 * SIGBUS landing pad for mapped reads.
 */
#include "store_internal.h"
#include "kernboard/i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int kb_lk_op(int fd, off_t off, short type)
{
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = off;
    fl.l_len = 1;
    return fcntl(fd, F_SETLK, &fl);
}

bool kb_lk_try(int fd, off_t off, short type)
{
    return kb_lk_op(fd, off, type) == 0;
}

void kb_lk_unlock(int fd, off_t off)
{
    (void)kb_lk_op(fd, off, F_UNLCK);
}

/* Bounded wait with backoff: 1 ms doubling to 32 ms, until timeout_ms. */
int kb_lk_range(int fd, off_t off, short type, int timeout_ms, kb_err *e)
{
    int64_t deadline = kb_clock_ms() + timeout_ms;
    long delay_us = 1000;
    for (;;) {
        if (kb_lk_op(fd, off, type) == 0)
            return KB_OK;
        if (errno != EACCES && errno != EAGAIN && errno != EINTR)
            return kb_err_set(e, KB_EIO,
                              _("cannot lock the board's lock file: %s (does the file system "
                                "support fcntl locks? run 'kernboard doctor')"),
                              strerror(errno));
        if (kb_clock_ms() >= deadline)
            return kb_err_set(e, KB_EBUSY,
                              _("the board is busy: another user kept it locked for %d s; try "
                                "again in a moment"),
                              timeout_ms / 1000 ? timeout_ms / 1000 : 1);
        struct timespec ts = {0, delay_us * 1000};
        nanosleep(&ts, NULL);
        if (delay_us < 32000)
            delay_us *= 2;
    }
}

bool kb_lk_held_by_other(int fd, off_t off)
{
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = off;
    fl.l_len = 1;
    if (fcntl(fd, F_GETLK, &fl) != 0)
        return false;
    return fl.l_type != F_UNLCK;
}

/* Header copy: magic 8 | uuid 16 | seq 8 | generation 8 | audit_seq 8 |
 * audit_head 32 | checksum 32 (BLAKE2b-256 of the preceding 80 bytes). */
static const unsigned char kb_lk_magic[8] = {'K', 'B', 'L', 'O', 'C', 'K', 0, 1};

static void kb_lk_encode(const kb_lk_header *h, unsigned char out[KB_LK_HDR_SIZE])
{
    memset(out, 0, KB_LK_HDR_SIZE);
    memcpy(out, kb_lk_magic, 8);
    memcpy(out + 8, h->uuid, KB_UUID_LEN);
    kb_put_u64be(out + 24, h->seq);
    kb_put_u64be(out + 32, h->generation);
    kb_put_u64be(out + 40, h->audit_seq);
    memcpy(out + 48, h->audit_head, KB_HASH_LEN);
    crypto_generichash(out + 80, 32, out, 80, NULL, 0);
}

static bool kb_lk_decode(const unsigned char in[KB_LK_HDR_SIZE], kb_lk_header *h)
{
    unsigned char sum[32];
    if (memcmp(in, kb_lk_magic, 8) != 0)
        return false;
    crypto_generichash(sum, 32, in, 80, NULL, 0);
    if (sodium_memcmp(sum, in + 80, 32) != 0)
        return false;
    memcpy(h->uuid, in + 8, KB_UUID_LEN);
    h->seq = kb_get_u64be(in + 24);
    h->generation = kb_get_u64be(in + 32);
    h->audit_seq = kb_get_u64be(in + 40);
    memcpy(h->audit_head, in + 48, KB_HASH_LEN);
    return true;
}

int kb_lk_header_read(int fd, kb_lk_header *h, kb_err *e)
{
    unsigned char a[KB_LK_HDR_SIZE], b[KB_LK_HDR_SIZE];
    kb_lk_header ha, hb;
    if (pread(fd, a, sizeof a, KB_LK_HDR_A) != (ssize_t)sizeof a ||
        pread(fd, b, sizeof b, KB_LK_HDR_B) != (ssize_t)sizeof b)
        return kb_err_set(e, KB_EIO, _("cannot read the board's lock file header: %s"),
                          errno ? strerror(errno) : _("file too short"));
    bool va = kb_lk_decode(a, &ha), vb = kb_lk_decode(b, &hb);
    if (!va && !vb)
        return kb_err_set(e, KB_EDATA,
                          _("the board's lock file is damaged (no valid header); nothing was "
                            "changed. Ask everyone to close the board, then restore the board "
                            "with 'kernboard restore BACKUP BOARD'"));
    *h = (va && (!vb || ha.seq >= hb.seq)) ? ha : hb;
    return KB_OK;
}

/* Overwrite the older copy (the one not holding h->seq - 1) and fdatasync. */
int kb_lk_header_write(int fd, const kb_lk_header *h, kb_err *e)
{
    unsigned char buf[KB_LK_HDR_SIZE];
    kb_lk_encode(h, buf);
    off_t off = (h->seq & 1) ? KB_LK_HDR_B : KB_LK_HDR_A;
    if (pwrite(fd, buf, sizeof buf, off) != (ssize_t)sizeof buf || fdatasync(fd) != 0)
        return kb_err_set(e, KB_EIO, _("cannot update the board's lock file: %s"), strerror(errno));
    return KB_OK;
}

/* Make this host revalidate its cached view of the data file: taking and
 * dropping a lock on a short-lived descriptor forces NFS (and FUSE) to
 * check attributes and drop stale pages (close-to-open consistency). */
void kb_lk_revalidate(const char *data_path)
{
    int fd = open(data_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    if (kb_lk_op(fd, KB_LK_BASE, F_RDLCK) == 0)
        kb_lk_op(fd, KB_LK_BASE, F_UNLCK);
    close(fd);
}

/* ---- SIGBUS: a mapped page beyond the file's end on this host, or on a
 * vanished share.  The store arms a landing pad around every access to
 * mapped pages; the handler jumps there and the access reports an I/O
 * error.  The pad pointer is per thread; it is the store's only signal
 * state. */
static _Thread_local sigjmp_buf *kb_bus_pad;

static void kb_bus_handler(int sig)
{
    if (kb_bus_pad)
        siglongjmp(*kb_bus_pad, 1);
    signal(sig, SIG_DFL);
    raise(sig);
}

void kb_bus_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = kb_bus_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGBUS, &sa, NULL);
}

sigjmp_buf *kb_bus_arm(sigjmp_buf *pad)
{
    sigjmp_buf *prev = kb_bus_pad;
    kb_bus_pad = pad;
    return prev;
}

void kb_bus_disarm(sigjmp_buf *prev)
{
    kb_bus_pad = prev;
}
