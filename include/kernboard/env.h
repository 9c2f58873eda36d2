/*
 * env.h - the numeric settings read from environment variables, each with
 * its range, parsed in one place.  The front ends check them all before
 * they start (kb_env_check: a bad value is a usage error naming the
 * variable and its range, exit 64); the code that uses one reads it with
 * kb_env_get.  KERNBOARD_UNLOCK_IDLE is a duration and is read by the
 * commands (kb_cmd_key_idle).
 */
#ifndef KERNBOARD_ENV_H
#define KERNBOARD_ENV_H

#include "kernboard/err.h"

enum kb_env_var {
    KB_ENV_LOCK_TIMEOUT_MS,   /* KERNBOARD_LOCK_TIMEOUT_MS: 1 .. 3 600 000 */
    KB_ENV_VERIFY_THREADS,    /* KERNBOARD_VERIFY_THREADS: 1 .. 8 */
    KB_ENV_IDLE_LOCK_SECONDS, /* KERNBOARD_IDLE_LOCK_SECONDS: 0 .. 86 400 */
    KB_ENV_SNAPSHOT_CHUNK,    /* KERNBOARD_SNAPSHOT_CHUNK: 1 .. 1 000 000 */
    KB_ENV_IMPORT_CHUNK,      /* KERNBOARD_IMPORT_CHUNK: 1 .. 1 000 000 */
    KB_ENV_IMPORT_STAGED,     /* KERNBOARD_IMPORT_STAGED: 0 .. 100 000 000 */
    KB_ENV_COUNT
};

/* The variable's name, e.g. "KERNBOARD_LOCK_TIMEOUT_MS". */
const char *kb_env_name(enum kb_env_var v);

/* Parse s as a value of v: a whole decimal number (digits only: no sign,
 * no spaces, no exponent) in v's range.  KB_EUSAGE with a message that
 * names the variable and the range otherwise; e may be NULL. */
int kb_env_parse(enum kb_env_var v, const char *s, long *out, kb_err *e) KB_WARN_UNUSED;

/* The value of v from the environment: unset or empty leaves *out as it
 * is (the caller's default) and is KB_OK; else as kb_env_parse (on an
 * error *out is left as it is too). */
int kb_env_get(enum kb_env_var v, long *out, kb_err *e);

/* Every variable above: the first bad one as kb_env_get reports it. */
int kb_env_check(kb_err *e) KB_WARN_UNUSED;

#endif
