/* secret.c - passphrases in guarded memory; see kernboard/secret.h. */
#include "kernboard/secret.h"
#include "kernboard/i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

struct kb_secret {
    size_t cap;
    size_t len;
    char data[];
};

kb_secret *kb_secret_new(size_t cap)
{
    if (sodium_init() < 0)
        abort();
    /* sodium_malloc places the block at the end of a page: keep the size a
     * multiple of 16 so the struct stays aligned */
    size_t size = (sizeof(kb_secret) + cap + 1 + 15) & ~(size_t)15;
    kb_secret *s = sodium_malloc(size);
    if (!s) {
        fputs("kernboard: out of guarded memory\n", stderr);
        abort();
    }
    s->cap = cap;
    s->len = 0;
    sodium_memzero(s->data, cap + 1);
    return s;
}

char *kb_secret_data(kb_secret *s)
{
    return s->data;
}

size_t kb_secret_cap(const kb_secret *s)
{
    return s->cap;
}

size_t kb_secret_len(const kb_secret *s)
{
    return s->len;
}

void kb_secret_set_len(kb_secret *s, size_t len)
{
    s->len = len <= s->cap ? len : s->cap;
    s->data[s->len] = '\0';
}

void kb_secret_free(kb_secret **s)
{
    if (s && *s) {
        sodium_free(*s); /* zeroes the memory */
        *s = NULL;
    }
}

/* Read one line from fd into s; strips "\n" / "\r\n". */
static int kb_secret_read_line(int fd, kb_secret *s, const char *what, kb_err *e)
{
    size_t n = 0;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return kb_err_set(e, KB_EIO, _("cannot read the passphrase from %s: %s"), what,
                              strerror(errno));
        if (r == 0 || c == '\n')
            break;
        if (n >= s->cap)
            return kb_err_set(e, KB_EDATA, _("the passphrase in %s is longer than %d bytes"), what,
                              KB_PASSPHRASE_MAX);
        s->data[n++] = c;
    }
    if (n && s->data[n - 1] == '\r')
        n--;
    kb_secret_set_len(s, n);
    if (n == 0)
        return kb_err_set(e, KB_EDATA, _("the passphrase from %s is empty"), what);
    return KB_OK;
}

/* Check the permissions of the opened passphrase file (fstat on the
 * descriptor, so what is checked is what is read).  A regular file that
 * users other than the owner can read or change (mode & 027, or any world
 * bit) is refused; a group-readable one gets a warning on stderr.  Pipes and
 * terminals (/dev/stdin, <(cmd)) hold nothing at rest and are not checked. */
static int kb_secret_file_mode_ok(int fd, const char *path, kb_err *e)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return kb_err_set(e, KB_EIO, _("cannot check passphrase file %s: %s"), path,
                          strerror(errno));
    if (!S_ISREG(st.st_mode))
        return KB_OK;
    unsigned mode = (unsigned)st.st_mode & 07777u;
    if (st.st_mode & (S_IRWXO | S_IWGRP))
        return kb_err_set(e, KB_EPERM,
                          _("passphrase file %s can be read or changed by other users (mode %04o); "
                            "run 'chmod 600 %s'"),
                          path, mode, path);
    if (st.st_mode & S_IRGRP)
        fprintf(stderr,
                _("kernboard: warning: passphrase file %s is readable by its group (mode %04o); "
                  "run 'chmod 600 %s'\n"),
                path, mode, path);
    return KB_OK;
}

int kb_secret_from_file(const char *path, kb_secret **out, kb_err *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return kb_err_set(e, KB_ENOENT, _("cannot open passphrase file %s: %s"), path,
                          strerror(errno));
    int mrc = kb_secret_file_mode_ok(fd, path, e);
    if (mrc) {
        close(fd);
        return mrc;
    }
    kb_secret *s = kb_secret_new(KB_PASSPHRASE_MAX);
    int rc = kb_secret_read_line(fd, s, path, e);
    close(fd);
    if (rc) {
        kb_secret_free(&s);
        return rc;
    }
    *out = s;
    return KB_OK;
}

int kb_secret_prompt(const char *prompt, kb_secret **out, kb_err *e)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return kb_err_set(e, KB_EPERM,
                          _("no terminal to ask for the passphrase: use --passphrase-file F or "
                            "$KERNBOARD_PASSPHRASE_FILE"));
    struct termios old, raw;
    bool restore = tcgetattr(fd, &old) == 0;
    if (restore) {
        raw = old;
        raw.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
        raw.c_lflag |= ICANON;
        tcsetattr(fd, TCSAFLUSH, &raw);
    }
    if (write(fd, prompt, strlen(prompt)) < 0) {
        /* the prompt is a courtesy; reading still works */
    }
    kb_secret *s = kb_secret_new(KB_PASSPHRASE_MAX);
    int rc = kb_secret_read_line(fd, s, _("the terminal"), e);
    if (restore)
        tcsetattr(fd, TCSAFLUSH, &old);
    if (write(fd, "\n", 1) < 0) {
        /* ignore */
    }
    close(fd);
    if (rc) {
        kb_secret_free(&s);
        return rc;
    }
    *out = s;
    return KB_OK;
}
