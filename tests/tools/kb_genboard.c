/*
 * kb-genboard - test driver: fill a board with many small, realistic cases.
 *
 *   kb-genboard BOARD USER PASSFILE CASES [CHUNK [ACTIONS [DESCLEN]]]
 *
 * Adds CASES cases (title, description, a stage, tags, a due date) and a
 * comment on every third case, through the core's import (kb_board_import)
 * in write transactions of CHUNK cases each (default 2000), so that a
 * 100 000-case board takes seconds, not one transaction per case.  With
 * ACTIONS > 0 every ACTIONS-th case also gets an action item (owner USER)
 * and a second comment with quotes, a line break and accents; with
 * DESCLEN the descriptions are padded to about DESCLEN bytes.  Prints
 * "done CASES comments N".  Used by tests/e2e/test_rekey.sh and
 * tests/e2e/test_transfer_roundtrip.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernboard/core.h"
#include "kernboard/mem.h"

int main(int argc, char **argv)
{
    if (argc < 5 || argc > 8) {
        fprintf(stderr,
                "usage: kb-genboard BOARD USER PASSFILE CASES [CHUNK [ACTIONS [DESCLEN]]]\n");
        return 64;
    }
    kb_err e;
    kb_secret *pass = NULL;
    if (kb_secret_from_file(argv[3], &pass, &e)) {
        fprintf(stderr, "kb-genboard: %s\n", e.msg);
        return e.code;
    }
    kb_board *b = NULL;
    int rc = kb_board_open(argv[1], argv[2], pass, NULL, &b, &e);
    kb_secret_free(&pass);
    if (rc) {
        fprintf(stderr, "kb-genboard: %s\n", e.msg);
        return rc;
    }
    long total = strtol(argv[4], NULL, 10);
    long chunk = argc >= 6 ? strtol(argv[5], NULL, 10) : 2000;
    long every = argc >= 7 ? strtol(argv[6], NULL, 10) : 0;
    long desclen = argc >= 8 ? strtol(argv[7], NULL, 10) : 0;
    if (total < 0 || chunk <= 0 || every < 0 || desclen < 0 || desclen > 60000) {
        fprintf(stderr, "kb-genboard: bad CASES or CHUNK\n");
        kb_board_close(&b);
        return 64;
    }
    kb_case *cases = kb_calloc((size_t)chunk, sizeof *cases);
    kb_comment *comments = kb_calloc((size_t)chunk * 2, sizeof *comments);
    kb_action_item *actions = kb_calloc((size_t)chunk, sizeof *actions);
    uint32_t action_no = 0;
    static const char *const words[] = {"housing", "youth",  "subsidy", "permit", "school",
                                        "traffic", "health", "library", "park",   "noise"};
    long done = 0, ncomments = 0;
    while (rc == KB_OK && done < total) {
        long n = total - done < chunk ? total - done : chunk;
        size_t nc = 0, na = 0;
        for (long i = 0; i < n; i++) {
            long num = done + i + 1;
            kb_case *c = &cases[i];
            kb_case_init(c);
            c->number = (uint32_t)num;
            c->title = kb_asprintf("%s request %ld from the %s team", words[num % 10], num,
                                   words[(num / 10) % 10]);
            c->description = kb_asprintf(
                "Generated case %ld: the %s question about %s, with a short description of what "
                "was asked and by whom.",
                num, words[(num / 3) % 10], words[(num / 7) % 10]);
            while (desclen && (long)strlen(c->description) < desclen) {
                char *d = kb_asprintf(
                    "%s The %s team asked again about the %s plan.", c->description,
                    words[(num + (long)strlen(c->description)) % 10], words[(num / 5) % 10]);
                kb_free(&c->description);
                c->description = d;
            }
            c->priority = (int)(num % 4);
            kb_strv_push(&c->tags, words[(num / 11) % 10]);
            if (num % 3 == 0) {
                kb_comment *cm = &comments[nc++];
                memset(cm, 0, sizeof *cm);
                cm->case_number = (uint32_t)num;
                cm->kind = KB_ENTRY_COMMENT;
                cm->author = argv[2];
                cm->text = kb_asprintf("Called back about case %ld; waiting for the %s papers.",
                                       num, words[num % 10]);
            }
            if (every && num % every == 0) {
                kb_comment *cm = &comments[nc++];
                memset(cm, 0, sizeof *cm);
                cm->case_number = (uint32_t)num;
                cm->kind = KB_ENTRY_COMMENT;
                cm->author = argv[2];
                cm->time = 1767261600 + num; /* 2026-01-01 10:00 UTC + num s */
                cm->text = kb_asprintf("Overleg %ld: \"afspraak\" gemaakt met café Ëén\nen "
                                       "de wethouder (€ 1.500) \\ tab\tklaar.",
                                       num);
                kb_action_item *a = &actions[na++];
                kb_action_item_init(a);
                a->number = ++action_no;
                a->case_number = (uint32_t)num;
                a->text = kb_asprintf("Bel terug over %s (%ld)", words[num % 10], num);
                a->owner = kb_strdup(argv[2]);
                a->created = 1767261600 + num;
                a->done = num % 2 == 0;
            }
        }
        kb_import imp = {.cases = cases,
                         .ncases = (size_t)n,
                         .comments = comments,
                         .ncomments = nc,
                         .actions = actions,
                         .nactions = na};
        kb_import_report rep;
        rc = kb_board_import(b, &imp, false, &rep, &e);
        if (rc)
            fprintf(stderr, "kb-genboard: import at case %ld: %s\n", done + 1, e.msg);
        for (long i = 0; i < n; i++)
            kb_case_free(&cases[i]);
        for (size_t i = 0; i < nc; i++)
            kb_free(&comments[i].text);
        for (size_t i = 0; i < na; i++)
            kb_action_item_free(&actions[i]);
        done += n;
        ncomments += (long)nc;
    }
    kb_free(&cases);
    kb_free(&comments);
    kb_free(&actions);
    kb_board_close(&b);
    if (rc == KB_OK)
        printf("done %ld comments %ld\n", done, ncomments);
    return rc;
}
