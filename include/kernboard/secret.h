/*
 * secret.h - guarded memory for passphrases.
 *
 * A kb_secret is a fixed-capacity buffer in libsodium guarded memory
 * (sodium_malloc: guard pages, mlock, zeroed on free).  Front ends read a
 * passphrase straight into one and hand it to the core; it is never copied
 * into ordinary memory, logged or put on the command line.  Implemented by
 * the store layer, which owns everything cryptographic; this header is the
 * one piece of it that front ends may use.
 */
#ifndef KERNBOARD_SECRET_H
#define KERNBOARD_SECRET_H

#include <stddef.h>
#include "kernboard/err.h"

#define KB_PASSPHRASE_MAX 1024

typedef struct kb_secret kb_secret;

/* A new, empty secret of capacity cap bytes (aborts on OOM). */
kb_secret *kb_secret_new(size_t cap);
/* Writable storage (cap bytes) and current length. */
char *kb_secret_data(kb_secret *s);
size_t kb_secret_cap(const kb_secret *s);
size_t kb_secret_len(const kb_secret *s);
void kb_secret_set_len(kb_secret *s, size_t len);
/* Read the first line of a file (no trailing newline) into a new secret.
 * A regular file that others can read or write (mode & 027) is refused with
 * KB_EPERM; a group-readable one is read with a warning on stderr. */
int kb_secret_from_file(const char *path, kb_secret **out, kb_err *e) KB_WARN_UNUSED;
/* Read a line from the terminal (/dev/tty) with echo off. */
int kb_secret_prompt(const char *prompt, kb_secret **out, kb_err *e) KB_WARN_UNUSED;
void kb_secret_free(kb_secret **s);

#endif
