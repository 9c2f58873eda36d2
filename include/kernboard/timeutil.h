/*
 * timeutil.h - ISO 8601 dates and times.
 *
 * A calendar date is kept as kb_date: days since 1970-01-01 (proleptic
 * Gregorian), KB_DATE_NONE when unset.  A moment is kb_time: seconds since
 * the Unix epoch, UTC.  Dates are formatted YYYY-MM-DD; times as
 * YYYY-MM-DDTHH:MM:SSZ.  Parsing is strict: anything else is an error that
 * says what was expected.
 */
#ifndef KERNBOARD_TIMEUTIL_H
#define KERNBOARD_TIMEUTIL_H

#include <stdint.h>
#include <stdbool.h>
#include "kernboard/err.h"

typedef int32_t kb_date;
typedef int64_t kb_time;

#define KB_DATE_NONE INT32_MIN
#define KB_DATE_STRLEN 11 /* "YYYY-MM-DD" + NUL */
#define KB_TIME_STRLEN 21 /* "YYYY-MM-DDTHH:MM:SSZ" + NUL */

bool kb_date_valid_ymd(int y, int m, int d);
kb_date kb_date_from_ymd(int y, int m, int d);
void kb_date_to_ymd(kb_date d, int *y, int *m, int *day);

/* Parse "YYYY-MM-DD" (years 1900..9999). */
int kb_date_parse(const char *s, kb_date *out, kb_err *e) KB_WARN_UNUSED;
/* A due date as people type it, relative to today: "YYYY-MM-DD",
 * "today"/"vandaag", "tomorrow"/"morgen", "7d" or "+7d" (days; "0d" is
 * today), "2w" (weeks), or a
 * weekday in English or Dutch, full or abbreviated ("friday", "fri",
 * "vrijdag", "vr"): the next such day after today.  Case-insensitive. */
int kb_date_parse_rel(const char *s, kb_date today, kb_date *out, kb_err *e) KB_WARN_UNUSED;
/* Day of the week: 0 = Sunday .. 6 = Saturday. */
int kb_date_weekday(kb_date d);
/* Writes "YYYY-MM-DD", or "" for KB_DATE_NONE. */
void kb_date_format(kb_date d, char out[KB_DATE_STRLEN]);

/* Parse "YYYY-MM-DDTHH:MM:SSZ" or with a "+HH:MM"/"-HH:MM" offset. */
int kb_time_parse(const char *s, kb_time *out, kb_err *e) KB_WARN_UNUSED;
void kb_time_format(kb_time t, char out[KB_TIME_STRLEN]);

/* Current time (UTC seconds) and today's date in local time. */
kb_time kb_time_now(void);
kb_date kb_date_today(void);
/* Date part of a moment, in local time. */
kb_date kb_date_of_time(kb_time t);
/* The moment a date starts (local midnight). */
kb_time kb_time_of_date(kb_date d);
/* "HH:MM" in local time, for messages such as "since 10:03". */
void kb_time_format_hhmm(kb_time t, char out[6]);
/* Wall-clock microseconds since the epoch (ordering keys). */
int64_t kb_time_now_us(void);
/* A clock a board stamps its writes with (kb_board_opts.clock): now_us
 * (microseconds since the epoch, called with ctx), or now_us NULL for the
 * system clock.  The demo board writes its history on a clock of its own,
 * as it would have happened over the past months; tests run meetings on a
 * fixed clock.  Owned by whoever owns ctx; no process-wide state. */
typedef struct kb_clock {
    int64_t (*now_us)(void *ctx);
    void *ctx;
} kb_clock;
/* The clock's time (c NULL or c->now_us NULL: the system clock). */
int64_t kb_clock_now_us(const kb_clock *c);
kb_time kb_clock_now(const kb_clock *c);
/* Monotonic milliseconds, for timeouts. */
int64_t kb_clock_ms(void);

#endif
