/* env.c - numeric settings from environment variables; see
 * kernboard/env.h. */
#include "kernboard/env.h"
#include "kernboard/i18n.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    long min, max;
} kb_env_vars[KB_ENV_COUNT] = {
    [KB_ENV_LOCK_TIMEOUT_MS] = {"KERNBOARD_LOCK_TIMEOUT_MS", 1, 3600000},
    [KB_ENV_VERIFY_THREADS] = {"KERNBOARD_VERIFY_THREADS", 1, 8},
    [KB_ENV_IDLE_LOCK_SECONDS] = {"KERNBOARD_IDLE_LOCK_SECONDS", 0, 86400},
    [KB_ENV_SNAPSHOT_CHUNK] = {"KERNBOARD_SNAPSHOT_CHUNK", 1, 1000000},
    [KB_ENV_IMPORT_CHUNK] = {"KERNBOARD_IMPORT_CHUNK", 1, 1000000},
    [KB_ENV_IMPORT_STAGED] = {"KERNBOARD_IMPORT_STAGED", 0, 100000000},
};

const char *kb_env_name(enum kb_env_var v)
{
    return kb_env_vars[v].name;
}

/* A value fit to be quoted in a one-line message: short and printable. */
static bool kb_env_quotable(const char *s)
{
    size_t n = strlen(s);
    if (n > 40)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

int kb_env_parse(enum kb_env_var v, const char *s, long *out, kb_err *e)
{
    bool ok = s[0] != '\0' && strspn(s, "0123456789") == strlen(s);
    long x = 0;
    if (ok) {
        char *end = NULL;
        errno = 0;
        x = strtol(s, &end, 10);
        ok =
            errno == 0 && end && *end == '\0' && x >= kb_env_vars[v].min && x <= kb_env_vars[v].max;
    }
    if (ok) {
        *out = x;
        return KB_OK;
    }
    if (kb_env_quotable(s))
        return kb_err_set(
            e, KB_EUSAGE,
            _("%s='%s' is not a whole number from %ld to %ld: set it to one, or unset "
              "it for the default"),
            kb_env_vars[v].name, s, kb_env_vars[v].min, kb_env_vars[v].max);
    return kb_err_set(
        e, KB_EUSAGE,
        _("%s is not a whole number from %ld to %ld: set it to one, or unset it for the "
          "default"),
        kb_env_vars[v].name, kb_env_vars[v].min, kb_env_vars[v].max);
}

int kb_env_get(enum kb_env_var v, long *out, kb_err *e)
{
    const char *s = getenv(kb_env_vars[v].name);
    if (!s || !s[0])
        return KB_OK;
    return kb_env_parse(v, s, out, e);
}

int kb_env_check(kb_err *e)
{
    for (int v = 0; v < KB_ENV_COUNT; v++) {
        long x = 0;
        int rc = kb_env_get((enum kb_env_var)v, &x, e);
        if (rc)
            return rc;
    }
    return KB_OK;
}
