/*
 * verify.h - options and progress reports of a verify (kb_store_verify_ex,
 * kb_board_verify_ex), shared by the store and the core so the front end
 * can print them.
 */
#ifndef KERNBOARD_VERIFY_H
#define KERNBOARD_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

enum kb_verify_event {
    KB_VERIFY_NOPIN,    /* --incremental without a verified checkpoint: a full verify */
    KB_VERIFY_RESTORED, /* --incremental, but the checkpoint was discarded by a restore */
    KB_VERIFY_AUDIT,    /* a chunk of audit entries checked: done of total (seqs) */
    KB_VERIFY_RECORDS,  /* a chunk of records checked: done of total */
};

typedef void (*kb_verify_fn)(void *ctx, enum kb_verify_event ev, uint64_t done, uint64_t total);

typedef struct kb_verify_opts {
    /* check only what was appended after this client's rollback pin (the
     * last verified head): the chain from the pinned entry on, the new
     * entries' signatures and the records they name */
    bool incremental;
    kb_verify_fn progress; /* may be NULL; called between read transactions */
    void *ctx;
} kb_verify_opts;

#endif
