/*
 * core_internal.h - state shared by the core's source files.
 */
#ifndef KERNBOARD_CORE_INTERNAL_H
#define KERNBOARD_CORE_INTERNAL_H

#include "kernboard/core.h"
#include "kernboard/store.h"

struct kb_board {
    kb_store *s;
    kb_stage *stages;
    size_t nstages;
    kb_dept *depts;
    size_t ndepts;
    kb_line *lines;
    size_t nlines;
    kb_user me;
    enum kb_kdf kdf; /* for keyslots this session creates */
};

/* Fixed META record keys (no names in LMDB keys). */
extern const unsigned char kb_meta_counters[KB_KEY_LEN];
extern const unsigned char kb_meta_lease_tokens[KB_KEY_LEN];

int kb_require_writer(const kb_board *b, kb_err *e);
/* Read case number inside a transaction (via the keyed index). */
int kb_case_read(kb_txn *t, uint32_t number, kb_case *out, kb_err *e);
char *kb_case_index_name(uint32_t number);
/* Inside a write transaction: refuse when someone else holds a live,
 * unexpired lease on the case, or when token (non-zero) is not the
 * caller's current lease. */
int kb_lease_check_save(kb_board *b, kb_txn *t, const kb_case *c, uint64_t token, kb_err *e);

#endif
