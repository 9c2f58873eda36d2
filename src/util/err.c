/* err.c - error values; see kernboard/err.h. */
#include "kernboard/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void kb_err_clear(kb_err *e)
{
    if (e) {
        e->code = KB_OK;
        e->damage = false;
        e->msg[0] = '\0';
    }
}

static int kb_err_vset(kb_err *e, int code, bool damage, const char *fmt, va_list ap)
{
    if (e) {
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        e->code = code;
        e->damage = damage;
    }
    return code;
}

int kb_err_set(kb_err *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kb_err_vset(e, code, false, fmt, ap);
    va_end(ap);
    return code;
}

int kb_err_damage(kb_err *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kb_err_vset(e, KB_EDATA, true, fmt, ap);
    va_end(ap);
    return KB_EDATA;
}

int kb_err_prefix(kb_err *e, const char *fmt, ...)
{
    if (!e)
        return KB_OK;
    char prefix[KB_ERR_MSG_MAX];
    char old[KB_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    size_t n = strnlen(prefix, sizeof e->msg - 1);
    memcpy(e->msg, prefix, n);
    size_t m = strnlen(old, sizeof e->msg - 1 - n);
    memcpy(e->msg + n, old, m);
    e->msg[n + m] = '\0';
    return e->code;
}

void kb_err_replace(kb_err *e, const char *from, const char *to)
{
    if (!e || !from || !*from || !to)
        return;
    char out[KB_ERR_MSG_MAX];
    size_t n = 0, fl = strlen(from), tl = strlen(to);
    for (const char *p = e->msg; *p && n < sizeof out - 1;) {
        if (strncmp(p, from, fl) == 0) {
            size_t k = tl < sizeof out - 1 - n ? tl : sizeof out - 1 - n;
            memcpy(out + n, to, k);
            n += k;
            p += fl;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    memcpy(e->msg, out, n + 1);
}

const char *kb_status_name(int code)
{
    switch (code) {
    case KB_OK:
        return "ok";
    case KB_EUSAGE:
        return "usage";
    case KB_EDATA:
        return "bad-data";
    case KB_ENOENT:
        return "not-found";
    case KB_ESOFTWARE:
        return "internal";
    case KB_EBUSY:
        return "busy";
    case KB_ECANTCREAT:
        return "cannot-create";
    case KB_EIO:
        return "io";
    case KB_ECONFLICT:
        return "conflict";
    case KB_EPERM:
        return "permission";
    default:
        return "error";
    }
}
