/* Unit tests for the util layer: dates, buffers, errors, allocation helpers. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>
#include <stdlib.h>

#include "kernboard/buf.h"
#include "kernboard/env.h"
#include "kernboard/err.h"
#include "kernboard/mem.h"
#include "kernboard/timeutil.h"

Test(date, known_days)
{
    cr_assert_eq(kb_date_from_ymd(1970, 1, 1), 0);
    cr_assert_eq(kb_date_from_ymd(2000, 3, 1), 11017);
    cr_assert_eq(kb_date_from_ymd(1969, 12, 31), -1);
    cr_assert_eq(kb_date_from_ymd(2026, 11, 23), 20780);
}

Test(date, round_trip_every_day_1900_2200)
{
    for (kb_date d = kb_date_from_ymd(1900, 1, 1); d <= kb_date_from_ymd(2200, 12, 31); d++) {
        char s[KB_DATE_STRLEN];
        kb_date_format(d, s);
        kb_date back = 0;
        kb_err e;
        cr_assert_eq(kb_date_parse(s, &back, &e), KB_OK, "%s: %s", s, e.msg);
        cr_assert_eq(back, d, "%s", s);
    }
}

Test(date, leap_years)
{
    cr_assert(kb_date_valid_ymd(2024, 2, 29));
    cr_assert(kb_date_valid_ymd(2000, 2, 29));
    cr_assert_not(kb_date_valid_ymd(1900, 2, 29));
    cr_assert_not(kb_date_valid_ymd(2026, 2, 29));
}

Test(date, rejects_bad_input)
{
    const char *bad[] = {"",           "2026-1-01",  "2026-13-01",  "2026-02-30",
                         "26-01-01",   "2026/01/01", "2026-01-01x", "abcd-ef-gh",
                         "2026-00-10", "2026-01-00", "10000-01-01", "1899-12-31"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kb_date d = 42;
        kb_err e;
        kb_err_clear(&e);
        cr_assert_eq(kb_date_parse(bad[i], &d, &e), KB_EDATA, "accepted '%s'", bad[i]);
        cr_assert_eq(d, 42, "changed output for '%s'", bad[i]);
        cr_assert(strstr(e.msg, "YYYY-MM-DD"), "message names the format: %s", e.msg);
    }
}

Test(date, none_formats_empty)
{
    char s[KB_DATE_STRLEN] = "x";
    kb_date_format(KB_DATE_NONE, s);
    cr_assert_str_eq(s, "");
}

Test(time, format_and_parse)
{
    char s[KB_TIME_STRLEN];
    kb_time_format(0, s);
    cr_assert_str_eq(s, "1970-01-01T00:00:00Z");
    kb_time_format(1795305600 + 3600 * 10 + 3 * 60 + 7, s);
    cr_assert_str_eq(s, "2026-11-22T10:03:07Z");
    kb_time t;
    cr_assert_eq(kb_time_parse("2026-11-22T10:03:07Z", &t, NULL), KB_OK);
    cr_assert_eq(t, 1795305600 + 36187);
    cr_assert_eq(kb_time_parse("2026-11-22T11:03:07+01:00", &t, NULL), KB_OK);
    cr_assert_eq(t, 1795305600 + 36187);
    cr_assert_eq(kb_time_parse("2026-11-22T09:03:07-01:00", &t, NULL), KB_OK);
    cr_assert_eq(t, 1795305600 + 36187);
    kb_time_format(-1, s);
    cr_assert_str_eq(s, "1969-12-31T23:59:59Z");
}

Test(time, rejects_bad_input)
{
    const char *bad[] = {"2026-11-22",           "2026-11-22T10:03:07",
                         "2026-11-22T24:00:00Z", "2026-11-22T10:60:00Z",
                         "2026-11-22 10:03:07Z", "2026-11-22T10:03:07+0100"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kb_time t = 5;
        kb_err e;
        cr_assert_eq(kb_time_parse(bad[i], &t, &e), KB_EDATA, "accepted '%s'", bad[i]);
        cr_assert_eq(t, 5);
    }
}

/* kb_clock: the demo board writes its history on a clock of its own (its
 * context, no process-wide state); no function is the system clock. */
static int64_t test_clock(void *ctx)
{
    return *(int64_t *)ctx;
}

Test(time, a_clock_is_followed_and_the_system_clock_is_left_alone)
{
    kb_time t;
    cr_assert_eq(kb_time_parse("2020-02-05T10:30:00Z", &t, NULL), KB_OK);
    int64_t us = (int64_t)t * 1000000 + 250000;
    kb_clock c = {test_clock, &us};
    cr_assert_eq(kb_clock_now(&c), t);
    cr_assert_eq(kb_clock_now_us(&c), (int64_t)t * 1000000 + 250000);
    us = -1; /* before the epoch: rounds down */
    cr_assert_eq(kb_clock_now(&c), -1);
    cr_assert_gt(kb_time_now(), t + 86400 * 365); /* the system clock is not affected */
    cr_assert_gt(kb_clock_now(NULL), t + 86400 * 365);
    kb_clock none = {0};
    cr_assert_gt(kb_clock_now_us(&none), us + (int64_t)86400 * 365 * 1000000);
}

Test(buf, append_printf_take)
{
    kb_buf b = KB_BUF_INIT;
    for (int i = 0; i < 1000; i++)
        kb_buf_printf(&b, "%d,", i);
    cr_assert_eq(b.len, strlen(b.data));
    cr_assert(strncmp(b.data, "0,1,2,", 6) == 0);
    cr_assert(strstr(b.data, ",999,") != NULL);
    kb_buf_truncate(&b, 4);
    cr_assert_str_eq(b.data, "0,1,");
    kb_buf_putc(&b, 'x');
    kb_buf_puts(&b, "yz");
    cr_assert_str_eq(b.data, "0,1,xyz");
    char *s = kb_buf_take(&b);
    cr_assert_str_eq(s, "0,1,xyz");
    cr_assert_null(b.data);
    cr_assert_eq(b.len, 0);
    free(s);
    kb_buf_free(&b);
}

Test(buf, empty_take_is_empty_string)
{
    kb_buf b = KB_BUF_INIT;
    char *s = kb_buf_take(&b);
    cr_assert_str_eq(s, "");
    free(s);
}

Test(buf, reserve_wipe_keeps_the_contents)
{
    kb_buf b = KB_BUF_INIT;
    kb_buf_reserve_wipe(&b, 10);
    cr_assert_not_null(b.data);
    cr_assert_str_eq(b.data, "", "a fresh buffer is an empty string");
    kb_buf_puts(&b, "secret");
    size_t cap = b.cap;
    kb_buf_reserve_wipe(&b, 3); /* room enough: nothing moves */
    cr_assert_eq(b.cap, cap);
    kb_buf_reserve_wipe(&b, 5000); /* a new block, the contents copied */
    cr_assert_geq(b.cap, b.len + 5001);
    cr_assert_eq(b.len, 6);
    cr_assert_str_eq(b.data, "secret");
    kb_buf_puts(&b, " and more");
    cr_assert_str_eq(b.data, "secret and more");
    kb_buf_free(&b);
}

Test(buf, binary_and_big_endian)
{
    kb_buf b = KB_BUF_INIT;
    kb_buf_put_u16be(&b, 0x0102);
    kb_buf_put_u32be(&b, 0x03040506);
    kb_buf_put_u64be(&b, 0x0708090a0b0c0d0eULL);
    const unsigned char want[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
    cr_assert_eq(b.len, sizeof want);
    cr_assert_arr_eq(b.data, want, sizeof want);
    const unsigned char *p = (const unsigned char *)b.data;
    cr_assert_eq(kb_get_u16be(p), 0x0102);
    cr_assert_eq(kb_get_u32be(p + 2), 0x03040506u);
    cr_assert_eq(kb_get_u64be(p + 6), 0x0708090a0b0c0d0eULL);
    kb_buf_clear(&b);
    cr_assert_eq(b.len, 0);
    kb_buf_append(&b, "\0a", 2);
    cr_assert_eq(b.len, 2);
    cr_assert_eq(b.data[1], 'a');
    kb_buf_free(&b);
}

Test(err, set_returns_code_and_formats)
{
    kb_err e;
    kb_err_clear(&e);
    cr_assert_eq(e.code, KB_OK);
    cr_assert_eq(kb_err_set(&e, KB_ENOENT, "no case #%d", 12), KB_ENOENT);
    cr_assert_eq(e.code, KB_ENOENT);
    cr_assert_str_eq(e.msg, "no case #12");
    kb_err_prefix(&e, "%s: ", "show");
    cr_assert_str_eq(e.msg, "show: no case #12");
    cr_assert_eq(kb_err_set(NULL, KB_EIO, "ignored"), KB_EIO);
    cr_assert_str_eq(kb_status_name(KB_EBUSY), "busy");
}

Test(err, long_message_is_truncated_safely)
{
    kb_err e;
    char big[2000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    kb_err_set(&e, KB_EDATA, "%s", big);
    cr_assert_eq(strlen(e.msg), KB_ERR_MSG_MAX - 1);
}

Test(mem, helpers)
{
    char *s = kb_asprintf("%s-%d", "ab", 7);
    cr_assert_str_eq(s, "ab-7");
    kb_free(&s);
    cr_assert_null(s);
    char *t = kb_strndup("abcdef", 3);
    cr_assert_str_eq(t, "abc");
    kb_free(&t);
    int *v = kb_reallocarray(NULL, 10, sizeof *v);
    v[9] = 1;
    kb_free(&v);
}

/* numeric environment variables: whole numbers in the range or a usage
 * error that names the variable and the range; unset keeps the default */
Test(env, numbers_in_range_or_a_usage_error)
{
    static const char *bad[] = {"abc", "-5",   "+5",      " 5", "5 ",
                                "1e3", "0x10", "3600001", "0",  "99999999999999999999",
                                "1.5", ""};
    kb_err e;
    long v = 0;
    cr_expect_eq(kb_env_parse(KB_ENV_LOCK_TIMEOUT_MS, "1500", &v, &e), KB_OK);
    cr_expect_eq(v, 1500);
    cr_expect_eq(kb_env_parse(KB_ENV_LOCK_TIMEOUT_MS, "3600000", &v, &e), KB_OK);
    cr_expect_eq(kb_env_parse(KB_ENV_IDLE_LOCK_SECONDS, "0", &v, &e), KB_OK);
    cr_expect_eq(v, 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 42;
        cr_expect_eq(kb_env_parse(KB_ENV_LOCK_TIMEOUT_MS, bad[i], &v, &e), KB_EUSAGE, "'%s'",
                     bad[i]);
        cr_expect_eq(v, 42, "'%s' left the value", bad[i]);
        cr_expect(strstr(e.msg, "KERNBOARD_LOCK_TIMEOUT_MS") && strstr(e.msg, "1 to 3600000"),
                  "'%s': %s", bad[i], e.msg);
    }
    cr_expect_eq(kb_env_parse(KB_ENV_VERIFY_THREADS, "9", &v, &e), KB_EUSAGE);
    cr_expect(strstr(e.msg, "KERNBOARD_VERIFY_THREADS='9'") && strstr(e.msg, "1 to 8"), "%s",
              e.msg);
    /* a value that would break the one line is not quoted */
    cr_expect_eq(kb_env_parse(KB_ENV_VERIFY_THREADS, "1\n2", &v, &e), KB_EUSAGE);
    cr_expect_null(strchr(e.msg, '\n'), "%s", e.msg);

    setenv("KERNBOARD_VERIFY_THREADS", "", 1);
    v = 7;
    cr_expect_eq(kb_env_get(KB_ENV_VERIFY_THREADS, &v, &e), KB_OK);
    cr_expect_eq(v, 7, "empty keeps the default");
    unsetenv("KERNBOARD_VERIFY_THREADS");
    cr_expect_eq(kb_env_check(&e), KB_OK, "%s", e.msg);
    setenv("KERNBOARD_IDLE_LOCK_SECONDS", "soon", 1);
    cr_expect_eq(kb_env_check(&e), KB_EUSAGE);
    cr_expect(strstr(e.msg, "KERNBOARD_IDLE_LOCK_SECONDS='soon'"), "%s", e.msg);
    unsetenv("KERNBOARD_IDLE_LOCK_SECONDS");
}
