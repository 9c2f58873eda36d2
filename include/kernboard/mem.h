/*
 * mem.h - allocation helpers that abort on out-of-memory.
 *
 * kernboard treats OOM as fatal (no NULL checks at call sites).  Secrets are
 * the exception: they live in the store's guarded sodium memory, never here.
 * kb_free(&p) frees and sets p to NULL.
 */
#ifndef KERNBOARD_MEM_H
#define KERNBOARD_MEM_H

#include <stddef.h>

void *kb_malloc(size_t n);
void *kb_calloc(size_t count, size_t size);
void *kb_realloc(void *p, size_t n);
void *kb_reallocarray(void *p, size_t count, size_t size);
char *kb_strdup(const char *s);
char *kb_strndup(const char *s, size_t n);
void *kb_memdup(const void *p, size_t n);
/* printf into a new string. */
char *kb_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* qsort that accepts an empty (NULL, 0) array. */
void kb_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

/* Free *pp and set it to NULL.  Takes a pointer to any object pointer. */
void kb_free_ptr(void **pp);
#define kb_free(pp) kb_free_ptr((void **)(pp))

#endif
