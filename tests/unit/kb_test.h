/*
 * kb_test.h - what the unit tests that need a board file share: a private
 * temporary directory per test (under $KB_TEST_TMP when set, else /tmp),
 * removed afterwards, and a passphrase as a kb_secret.
 */
#ifndef KB_TEST_H
#define KB_TEST_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kernboard/secret.h"

/* A new directory named after name (e.g. "stage": .../stageXXXXXX) into
 * dir. */
static inline void kb_test_dir(char *dir, size_t n, const char *name)
{
    const char *base = getenv("KB_TEST_TMP");
    char tmpl[300];
    if (base) {
        mkdir(base, 0700);
        snprintf(tmpl, sizeof tmpl, "%.200s/%.40sXXXXXX", base, name);
    } else {
        snprintf(tmpl, sizeof tmpl, "/tmp/kb%.40sXXXXXX", name);
    }
    cr_assert_not_null(mkdtemp(tmpl));
    snprintf(dir, n, "%s", tmpl);
}

static inline void kb_test_dir_remove(const char *dir)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        cr_log_warn("cleanup failed");
}

static inline kb_secret *kb_test_pass(const char *s)
{
    kb_secret *p = kb_secret_new(KB_PASSPHRASE_MAX);
    memcpy(kb_secret_data(p), s, strlen(s));
    kb_secret_set_len(p, strlen(s));
    return p;
}

#endif
