/*
 * err.h - error values with a message the user can act on.
 *
 * Every function that can fail returns an int status (KB_OK or one of the
 * KB_E* codes below) and fills an optional kb_err with a one-line message.
 * The codes are the sysexits values of SPEC.md section 5, so a front end can
 * exit with the code it got.  Messages are already translated (gettext) and
 * never contain secrets.
 */
#ifndef KERNBOARD_ERR_H
#define KERNBOARD_ERR_H

#include <stdbool.h>
#include <stddef.h>

#define KB_WARN_UNUSED __attribute__((warn_unused_result))
#define KB_PRINTF(a, b) __attribute__((format(printf, a, b)))

enum kb_status {
    KB_OK = 0,
    KB_EUSAGE = 64,     /* command line usage error */
    KB_EDATA = 65,      /* bad input data */
    KB_ENOENT = 66,     /* no such board or record */
    KB_ESOFTWARE = 70,  /* internal error (a bug) */
    KB_EBUSY = 69,      /* board busy: lock wait timed out */
    KB_ECANTCREAT = 73, /* cannot create */
    KB_EIO = 74,        /* I/O error */
    KB_ECONFLICT = 75,  /* try again: changed or being edited by someone else */
    KB_EPERM = 77,      /* wrong passphrase or not permitted */
};

#define KB_ERR_MSG_MAX 512

typedef struct kb_err {
    int code;
    /* the error comes from damaged or tampered data in the board file (its
     * message says to run verify): a front end may name the damaged page */
    bool damage;
    char msg[KB_ERR_MSG_MAX];
} kb_err;

/* Reset to "no error". e may be NULL. */
void kb_err_clear(kb_err *e);

/* Record an error and return its code, so callers can write
 * `return kb_err_set(e, KB_EDATA, "...", ...);`.  e may be NULL. */
int kb_err_set(kb_err *e, int code, const char *fmt, ...) KB_PRINTF(3, 4);

/* The same for damaged or tampered data in the board file: code KB_EDATA,
 * damage set. */
int kb_err_damage(kb_err *e, const char *fmt, ...) KB_PRINTF(2, 3);

/* Prefix an existing message with context ("import: line 3: " + msg). */
int kb_err_prefix(kb_err *e, const char *fmt, ...) KB_PRINTF(2, 3);

/* Replace every occurrence of from in the message by to (a temporary
 * file's name by the one the user gave). */
void kb_err_replace(kb_err *e, const char *from, const char *to);

/* Short English name of a status code, e.g. "usage" for KB_EUSAGE. */
const char *kb_status_name(int code);

#endif
