/* mem.c - abort-on-OOM allocation; see kernboard/mem.h. */
#include "kernboard/mem.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void kb_oom(size_t n)
{
    fprintf(stderr, "kernboard: out of memory (%zu bytes)\n", n);
    abort();
}

void *kb_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        kb_oom(n);
    return p;
}

void *kb_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        kb_oom(count * size);
    return p;
}

void *kb_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        kb_oom(n);
    return q;
}

void *kb_reallocarray(void *p, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        kb_oom(SIZE_MAX);
    return kb_realloc(p, count * size);
}

char *kb_strdup(const char *s)
{
    return kb_memdup(s, strlen(s) + 1);
}

char *kb_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = kb_malloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void *kb_memdup(const void *p, size_t n)
{
    void *q = kb_malloc(n);
    if (n)
        memcpy(q, p, n);
    return q;
}

char *kb_asprintf(const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        kb_oom(0);
    char *s = kb_malloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return s;
}

void kb_free_ptr(void **pp)
{
    if (pp) {
        free(*pp);
        *pp = NULL;
    }
}

void kb_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    if (base && n > 1)
        qsort(base, n, size, cmp);
}
