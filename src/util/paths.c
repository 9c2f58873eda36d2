/* paths.c - XDG directories and file helpers; see kernboard/paths.h. */
#include "kernboard/paths.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kb_home(void)
{
    const char *h = getenv("HOME");
    if (h && *h)
        return h;
    struct passwd *pw = getpwuid(getuid());
    return pw && pw->pw_dir ? pw->pw_dir : "/tmp";
}

static char *kb_xdg(const char *var, const char *fallback)
{
    const char *v = getenv(var);
    if (v && v[0] == '/')
        return kb_asprintf("%s/kernboard", v);
    return kb_asprintf("%s/%s/kernboard", kb_home(), fallback);
}

char *kb_path_state_dir(void)
{
    return kb_xdg("XDG_STATE_HOME", ".local/state");
}

char *kb_path_config_dir(void)
{
    return kb_xdg("XDG_CONFIG_HOME", ".config");
}

int kb_path_mkdirs(const char *path, unsigned mode, kb_err *e)
{
    char *p = kb_strdup(path);
    int rc = KB_OK;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) {
                rc = kb_err_set(e, KB_ECANTCREAT, _("cannot create directory %s: %s"), p,
                                strerror(errno));
                break;
            }
            *s = c;
            if (c == '\0')
                break;
        }
    }
    kb_free(&p);
    return rc;
}

int kb_file_read(const char *path, size_t max, char **out, size_t *len, kb_err *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return kb_err_set(e, errno == ENOENT ? KB_ENOENT : KB_EIO, _("cannot read %s: %s"), path,
                          strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = kb_malloc(cap + 1);
    for (;;) {
        if (n == cap) {
            if (cap >= max) {
                close(fd);
                kb_free(&buf);
                return kb_err_set(e, KB_EDATA, _("%s is too large (more than %zu bytes)"), path,
                                  max);
            }
            cap = cap * 2 > max ? max : cap * 2;
            buf = kb_realloc(buf, cap + 1);
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int err = errno;
            close(fd);
            kb_free(&buf);
            return kb_err_set(e, KB_EIO, _("cannot read %s: %s"), path, strerror(err));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    *out = buf;
    if (len)
        *len = n;
    return KB_OK;
}
