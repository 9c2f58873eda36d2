/*
 * buf.h - growable byte buffer.
 *
 * A kb_buf owns its storage; data is always NUL-terminated (the terminator is
 * not counted in len) so text can be used as a C string.  Zero-initialise
 * (KB_BUF_INIT) to get an empty buffer; kb_buf_free releases it.
 */
#ifndef KERNBOARD_BUF_H
#define KERNBOARD_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kb_buf {
    char *data;
    size_t len;
    size_t cap;
} kb_buf;

#define KB_BUF_INIT                                                                                \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void kb_buf_reserve(kb_buf *b, size_t extra);
/* The same, but a buffer that must grow is copied to a new block and the
 * old one wiped before it is freed (buffers that hold plaintext). */
void kb_buf_reserve_wipe(kb_buf *b, size_t extra);
void kb_buf_append(kb_buf *b, const void *p, size_t n);
void kb_buf_puts(kb_buf *b, const char *s);
void kb_buf_putc(kb_buf *b, char c);
void kb_buf_printf(kb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kb_buf_vprintf(kb_buf *b, const char *fmt, va_list ap);
/* Big-endian fixed-width integers (for binary formats). */
void kb_buf_put_u16be(kb_buf *b, uint16_t v);
void kb_buf_put_u32be(kb_buf *b, uint32_t v);
void kb_buf_put_u64be(kb_buf *b, uint64_t v);
void kb_buf_clear(kb_buf *b);
void kb_buf_truncate(kb_buf *b, size_t len);
/* Hand the storage to the caller (NUL-terminated); b becomes empty. */
char *kb_buf_take(kb_buf *b);
void kb_buf_free(kb_buf *b);

uint16_t kb_get_u16be(const unsigned char *p);
uint32_t kb_get_u32be(const unsigned char *p);
uint64_t kb_get_u64be(const unsigned char *p);
void kb_put_u16be(unsigned char *p, uint16_t v);
void kb_put_u32be(unsigned char *p, uint32_t v);
void kb_put_u64be(unsigned char *p, uint64_t v);

#endif
