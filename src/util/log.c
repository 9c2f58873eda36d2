/* log.c - file logger; see kernboard/log.h. */
#include "kernboard/log.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/paths.h"
#include "kernboard/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

struct kb_log {
    FILE *f;
    bool owned;
    enum kb_log_level min;
};

kb_log *kb_log_open(const char *path, enum kb_log_level min, kb_err *e)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        kb_err_set(e, KB_ECANTCREAT, _("cannot open log file %s: %s"), path, strerror(errno));
        return NULL;
    }
    FILE *f = fdopen(fd, "a");
    if (!f) {
        close(fd);
        kb_err_set(e, KB_ECANTCREAT, _("cannot open log file %s: %s"), path, strerror(errno));
        return NULL;
    }
    kb_log *lg = kb_calloc(1, sizeof *lg);
    lg->f = f;
    lg->owned = true;
    lg->min = min;
    return lg;
}

kb_log *kb_log_stream(FILE *f, enum kb_log_level min)
{
    kb_log *lg = kb_calloc(1, sizeof *lg);
    lg->f = f;
    lg->min = min;
    return lg;
}

void kb_log_free(kb_log **lg)
{
    if (!lg || !*lg)
        return;
    if ((*lg)->owned)
        fclose((*lg)->f);
    kb_free(lg);
}

void kb_log_msg(kb_log *lg, enum kb_log_level lvl, const char *fmt, ...)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    if (!lg || lvl < lg->min)
        return;
    char ts[KB_TIME_STRLEN];
    kb_time_format(kb_time_now(), ts);
    fprintf(lg->f, "%s [%d] %s: ", ts, (int)getpid(), names[lvl]);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(lg->f, fmt, ap);
    va_end(ap);
    fputc('\n', lg->f);
    fflush(lg->f);
}

char *kb_log_default_path(void)
{
    char *dir = kb_path_state_dir();
    char *p = kb_asprintf("%s/kernboard.log", dir);
    kb_free(&dir);
    return p;
}
