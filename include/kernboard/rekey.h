/*
 * rekey.h - progress reports of a rekey (kb_store_rekey, kb_board_rekey),
 * shared by the store and the core so the front end can print them.
 */
#ifndef KERNBOARD_REKEY_H
#define KERNBOARD_REKEY_H

#include <stdint.h>

enum kb_rekey_event {
    KB_REKEY_START,    /* a new rekey: done = 0, total = values to copy */
    KB_REKEY_RESUME,   /* an interrupted rekey goes on: done of total copied */
    KB_REKEY_RESTART,  /* the board changed since the interrupted rekey began: starting over */
    KB_REKEY_PROGRESS, /* a batch was copied: done of total */
    KB_REKEY_VERIFY,   /* every value is copied; the new board is being verified */
    KB_REKEY_DONE,     /* the new board is in place */
};

/* done and total count audit entries and records together. */
typedef void (*kb_rekey_fn)(void *ctx, enum kb_rekey_event ev, uint64_t done, uint64_t total);

#endif
