/* buf.c - growable byte buffer; see kernboard/buf.h. */
#include "kernboard/buf.h"
#include "kernboard/mem.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The capacity b needs for extra more bytes and the NUL; 0 when it has it. */
static size_t kb_buf_need(const kb_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    return cap;
}

void kb_buf_reserve(kb_buf *b, size_t extra)
{
    size_t cap = kb_buf_need(b, extra);
    if (!cap)
        return;
    bool fresh = b->data == NULL;
    b->data = kb_realloc(b->data, cap);
    b->cap = cap;
    if (fresh)
        b->data[b->len] = '\0';
}

void kb_buf_reserve_wipe(kb_buf *b, size_t extra)
{
    size_t cap = kb_buf_need(b, extra);
    if (!cap)
        return;
    char *nd = kb_malloc(cap);
    if (b->data) {
        memcpy(nd, b->data, b->len + 1);
        explicit_bzero(b->data, b->cap);
        kb_free(&b->data);
    } else {
        nd[b->len] = '\0';
    }
    b->data = nd;
    b->cap = cap;
}

void kb_buf_append(kb_buf *b, const void *p, size_t n)
{
    kb_buf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void kb_buf_puts(kb_buf *b, const char *s)
{
    kb_buf_append(b, s, strlen(s));
}

void kb_buf_putc(kb_buf *b, char c)
{
    kb_buf_append(b, &c, 1);
}

void kb_buf_vprintf(kb_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    if (n > 0) {
        kb_buf_reserve(b, (size_t)n);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    } else {
        kb_buf_reserve(b, 0);
        b->data[b->len] = '\0';
    }
    va_end(ap2);
}

void kb_buf_printf(kb_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kb_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void kb_put_u16be(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

void kb_put_u32be(unsigned char *p, uint32_t v)
{
    for (int i = 3; i >= 0; i--) {
        p[i] = (unsigned char)v;
        v >>= 8;
    }
}

void kb_put_u64be(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (unsigned char)v;
        v >>= 8;
    }
}

uint16_t kb_get_u16be(const unsigned char *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

uint32_t kb_get_u32be(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t kb_get_u64be(const unsigned char *p)
{
    return (uint64_t)kb_get_u32be(p) << 32 | kb_get_u32be(p + 4);
}

void kb_buf_put_u16be(kb_buf *b, uint16_t v)
{
    unsigned char t[2];
    kb_put_u16be(t, v);
    kb_buf_append(b, t, 2);
}

void kb_buf_put_u32be(kb_buf *b, uint32_t v)
{
    unsigned char t[4];
    kb_put_u32be(t, v);
    kb_buf_append(b, t, 4);
}

void kb_buf_put_u64be(kb_buf *b, uint64_t v)
{
    unsigned char t[8];
    kb_put_u64be(t, v);
    kb_buf_append(b, t, 8);
}

void kb_buf_clear(kb_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void kb_buf_truncate(kb_buf *b, size_t len)
{
    if (len < b->len) {
        b->len = len;
        b->data[len] = '\0';
    }
}

char *kb_buf_take(kb_buf *b)
{
    kb_buf_reserve(b, 0);
    char *p = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void kb_buf_free(kb_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
