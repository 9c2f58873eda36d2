/* timeutil.c - ISO 8601 dates and times; see kernboard/timeutil.h. */
#include "kernboard/timeutil.h"
#include "kernboard/i18n.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int kb_days_in_month(int y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

bool kb_date_valid_ymd(int y, int m, int d)
{
    return y >= 1900 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= kb_days_in_month(y, m);
}

/* Days since 1970-01-01 for a proleptic Gregorian date (era-based method). */
kb_date kb_date_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void kb_date_to_ymd(kb_date z, int *y, int *m, int *d)
{
    z += 719468;
    const int era = (z >= 0 ? z : z - 146096) / 146097;
    const int doe = z - era * 146097;
    const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static bool kb_digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool kb_parse_ymd(const char *s, int *y, int *m, int *d)
{
    return kb_digits(s, 4, y) && s[4] == '-' && kb_digits(s + 5, 2, m) && s[7] == '-' &&
           kb_digits(s + 8, 2, d) && kb_date_valid_ymd(*y, *m, *d);
}

int kb_date_parse(const char *s, kb_date *out, kb_err *e)
{
    int y, m, d;
    if (!s || strlen(s) != 10 || !kb_parse_ymd(s, &y, &m, &d))
        return kb_err_set(e, KB_EDATA, _("invalid date '%s': expected YYYY-MM-DD, e.g. 2027-01-31"),
                          s ? s : "");
    *out = kb_date_from_ymd(y, m, d);
    return KB_OK;
}

void kb_date_format(kb_date d, char out[KB_DATE_STRLEN])
{
    if (d == KB_DATE_NONE) {
        out[0] = '\0';
        return;
    }
    int y, m, day;
    kb_date_to_ymd(d, &y, &m, &day);
    snprintf(out, KB_DATE_STRLEN, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)day % 100u);
}

int kb_time_parse(const char *s, kb_time *out, kb_err *e)
{
    int y, mo, d, hh, mm, ss;
    size_t n = s ? strlen(s) : 0;
    if (n < 20 || !kb_parse_ymd(s, &y, &mo, &d) || s[10] != 'T' || !kb_digits(s + 11, 2, &hh) ||
        s[13] != ':' || !kb_digits(s + 14, 2, &mm) || s[16] != ':' || !kb_digits(s + 17, 2, &ss) ||
        hh > 23 || mm > 59 || ss > 60)
        goto bad;
    long off = 0;
    if (n == 20 && s[19] == 'Z') {
        off = 0;
    } else if (n == 25 && (s[19] == '+' || s[19] == '-') && s[22] == ':') {
        int oh, om;
        if (!kb_digits(s + 20, 2, &oh) || !kb_digits(s + 23, 2, &om) || oh > 23 || om > 59)
            goto bad;
        off = (oh * 3600L + om * 60L) * (s[19] == '-' ? -1 : 1);
    } else {
        goto bad;
    }
    *out = (kb_time)kb_date_from_ymd(y, mo, d) * 86400 + hh * 3600 + mm * 60 + ss - off;
    return KB_OK;
bad:
    return kb_err_set(
        e, KB_EDATA,
        _("invalid time '%s': expected YYYY-MM-DDTHH:MM:SSZ, e.g. 2027-01-31T09:30:00Z"),
        s ? s : "");
}

void kb_time_format(kb_time t, char out[KB_TIME_STRLEN])
{
    kb_time days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    unsigned secs = (unsigned)(t - days * 86400) % 86400u;
    int y, m, d;
    kb_date_to_ymd((kb_date)days, &y, &m, &d);
    snprintf(out, KB_TIME_STRLEN, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)y % 10000u,
             (unsigned)m % 100u, (unsigned)d % 100u, secs / 3600u % 24u, secs / 60u % 60u,
             secs % 60u);
}

kb_time kb_time_now(void)
{
    return (kb_time)time(NULL);
}

int64_t kb_clock_now_us(const kb_clock *c)
{
    return c && c->now_us ? c->now_us(c->ctx) : kb_time_now_us();
}

kb_time kb_clock_now(const kb_clock *c)
{
    if (!c || !c->now_us)
        return kb_time_now();
    int64_t us = c->now_us(c->ctx);
    return (kb_time)(us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000));
}

int64_t kb_time_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

kb_date kb_date_of_time(kb_time t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    return kb_date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

kb_time kb_time_of_date(kb_date d)
{
    int y, m, day;
    kb_date_to_ymd(d, &y, &m, &day);
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = day, .tm_isdst = -1};
    return (kb_time)mktime(&tm);
}

kb_date kb_date_today(void)
{
    return kb_date_of_time(kb_time_now());
}

void kb_time_format_hhmm(kb_time t, char out[6])
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    snprintf(out, 6, "%02u:%02u", (unsigned)tm.tm_hour % 24u, (unsigned)tm.tm_min % 60u);
}

int64_t kb_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int kb_date_weekday(kb_date d)
{
    int w = (int)((d + 4) % 7); /* 1970-01-01 was a Thursday */
    return w < 0 ? w + 7 : w;
}

static bool kb_word_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
        if (x != *b)
            return false;
    }
    return !*a && !*b;
}

int kb_date_parse_rel(const char *s, kb_date today, kb_date *out, kb_err *e)
{
    static const char *const days[7][4] = {
        {"sunday", "sun", "zondag", "zo"},      {"monday", "mon", "maandag", "ma"},
        {"tuesday", "tue", "dinsdag", "di"},    {"wednesday", "wed", "woensdag", "wo"},
        {"thursday", "thu", "donderdag", "do"}, {"friday", "fri", "vrijdag", "vr"},
        {"saturday", "sat", "zaterdag", "za"},
    };
    if (!s)
        s = "";
    size_t n = strlen(s);
    if (n == 10 && s[4] == '-')
        return kb_date_parse(s, out, e);
    if (kb_word_eq(s, "today") || kb_word_eq(s, "vandaag")) {
        *out = today;
        return KB_OK;
    }
    if (kb_word_eq(s, "tomorrow") || kb_word_eq(s, "morgen")) {
        *out = today + 1;
        return KB_OK;
    }
    const char *num = s[0] == '+' ? s + 1 : s; /* "+3d" is "3d" */
    size_t nn = strlen(num);
    if (nn >= 2 && nn <= 5) {
        char unit = num[nn - 1];
        int v = 0;
        bool digits = true;
        for (size_t i = 0; i + 1 < nn; i++) {
            if (num[i] < '0' || num[i] > '9')
                digits = false;
            else
                v = v * 10 + (num[i] - '0');
        }
        if (digits && (unit == 'd' || unit == 'D')) {
            *out = today + v;
            return KB_OK;
        }
        if (digits && (unit == 'w' || unit == 'W')) {
            *out = today + 7 * v;
            return KB_OK;
        }
    }
    for (int w = 0; w < 7; w++)
        for (int k = 0; k < 4; k++)
            if (kb_word_eq(s, days[w][k])) {
                int ahead = (w - kb_date_weekday(today) + 7) % 7;
                *out = today + (ahead ? ahead : 7);
                return KB_OK;
            }
    return kb_err_set(e, KB_EDATA,
                      _("invalid date '%s': write YYYY-MM-DD, 7d, 2w, a weekday (friday) or "
                        "tomorrow"),
                      s);
}
