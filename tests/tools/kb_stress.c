/*
 * kb-stress - test driver: one process, one unlock, many transactions.
 *
 *   kb-stress incr BOARD USER PASSFILE CASE COUNT
 *
 * Does COUNT read-modify-write increments of the number in CASE's title
 * through the core API (read, +1, save with the version it read; on a
 * conflict, read again).  Prints "done COUNT conflicts N".  Used by the
 * concurrency and multi-host tests so that the Argon2id unlock is paid
 * once per process instead of once per increment.
 *
 * Test knobs (environment):
 *   KB_STRESS_PROGRESS=FILE  after every saved increment, FILE holds the
 *                            number done so far (written to FILE.tmp and
 *                            renamed), so a test can act on observed
 *                            progress instead of sleeping;
 *   KB_STRESS_HOLD=FILE      after an error, keep the board open (and the
 *                            session with it) until FILE exists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kernboard/core.h"
#include "kernboard/mem.h"

static void kb_stress_progress(const char *file, long done)
{
    if (!file)
        return;
    char *tmp = kb_asprintf("%s.tmp", file);
    FILE *f = fopen(tmp, "w");
    if (f) {
        fprintf(f, "%ld\n", done);
        fclose(f);
        rename(tmp, file);
    }
    kb_free(&tmp);
}

int main(int argc, char **argv)
{
    if (argc != 7 || strcmp(argv[1], "incr") != 0) {
        fprintf(stderr, "usage: kb-stress incr BOARD USER PASSFILE CASE COUNT\n");
        return 64;
    }
    kb_err e;
    kb_secret *pass = NULL;
    if (kb_secret_from_file(argv[4], &pass, &e)) {
        fprintf(stderr, "kb-stress: %s\n", e.msg);
        return e.code;
    }
    kb_board *b = NULL;
    int rc = kb_board_open(argv[2], argv[3], pass, NULL, &b, &e);
    kb_secret_free(&pass);
    if (rc) {
        fprintf(stderr, "kb-stress: %s\n", e.msg);
        return rc;
    }
    uint32_t number = (uint32_t)strtoul(argv[5], NULL, 10);
    long count = strtol(argv[6], NULL, 10), conflicts = 0, done = 0;
    while (done < count) {
        kb_case c;
        kb_case_init(&c);
        if ((rc = kb_board_case_get(b, number, &c, &e))) {
            fprintf(stderr, "kb-stress: read: %s\n", e.msg);
            break;
        }
        long v = strtol(c.title, NULL, 10);
        kb_free(&c.title);
        c.title = kb_asprintf("%ld", v + 1);
        rc = kb_board_case_save(b, &c, c.version, 0, &e);
        kb_case_free(&c);
        if (rc == KB_ECONFLICT) {
            conflicts++;
            continue;
        }
        if (rc == KB_EBUSY) /* bounded lock wait expired: try again */
            continue;
        if (rc) {
            fprintf(stderr, "kb-stress: save: %s\n", e.msg);
            break;
        }
        done++;
        kb_stress_progress(getenv("KB_STRESS_PROGRESS"), done);
    }
    const char *hold = getenv("KB_STRESS_HOLD");
    if (rc && hold) {
        fprintf(stderr, "kb-stress: holding the board open until %s exists\n", hold);
        struct timespec ts = {0, 20000000L};
        while (access(hold, F_OK) != 0)
            nanosleep(&ts, NULL);
    }
    kb_board_close(&b);
    printf("done %ld conflicts %ld\n", done, conflicts);
    return rc;
}
