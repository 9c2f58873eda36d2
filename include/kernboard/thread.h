/*
 * thread.h - helper threads for CPU-bound work (decrypting a scan, signing
 * audit entries, verify, dumping an export) on both cores.
 */
#ifndef KERNBOARD_THREAD_H
#define KERNBOARD_THREAD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* Start a helper thread with the asynchronous signals (the TUI's resize,
 * interrupt) blocked, so they stay with the calling thread; false when no
 * thread could be made. */
bool kb_thread_start(pthread_t *th, void *(*fn)(void *), void *arg);

/* fn over [0, n) split into contiguous parts on up to nth threads (at most
 * 8; the calling thread takes the first part, and a part whose thread could
 * not be made); fewer than 64 items stay on the calling thread. */
typedef void (*kb_par_fn)(void *ctx, size_t from, size_t to);
void kb_par(size_t n, unsigned nth, kb_par_fn fn, void *ctx);

#endif
