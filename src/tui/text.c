/* text.c - UTF-8, display widths, ASCII fallbacks, word wrap and the line
 * editor of the TUI; see tui_internal.h. */
#include "tui_internal.h"

#include "kernboard/buf.h"
#include "kernboard/mem.h"

#include <string.h>
#include <wchar.h>

size_t kb_tui_utf8_next(const char *str, size_t n, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        len = 2;
        v = c & 0x1F;
        min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        v = c & 0x0F;
        min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        v = c & 0x07;
        min = 0x10000;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    if (len > n) {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        v = (v << 6) | (s[k] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = 0xFFFD;
        return 1;
    }
    *cp = v;
    return len;
}

size_t kb_tui_utf8_put(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ASCII look-alikes of U+00C0..U+00FF and U+0100..U+017F. */
static const char kb_latin1[] = "AAAAAAACEEEEIIIIDNOOOOOxOUUUUYPsaaaaaaaceeeeiiiidnooooo/ouuuuypy";
static const char kb_latin_ext_a[] =
    "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjJjKkkLlLlLlLl"
    "LlNnNnNnnNnOoOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";
_Static_assert(sizeof kb_latin1 == 65, "U+00C0..U+00FF");
_Static_assert(sizeof kb_latin_ext_a == 129, "U+0100..U+017F");

static uint32_t kb_ascii_of(uint32_t cp)
{
    if (cp >= 0xC0 && cp <= 0xFF)
        return (uint32_t)kb_latin1[cp - 0xC0];
    if (cp >= 0x100 && cp <= 0x17F)
        return (uint32_t)kb_latin_ext_a[cp - 0x100];
    switch (cp) {
    case 0xA0:
        return ' ';
    case 0x2018:
    case 0x2019:
    case 0x201A:
    case 0xB4:
        return '\'';
    case 0x201C:
    case 0x201D:
    case 0x201E:
    case 0xAB:
    case 0xBB:
        return '"';
    case 0x2010:
    case 0x2011:
    case 0x2012:
    case 0x2013:
    case 0x2014:
    case 0x2212:
        return '-';
    case 0x2026:
        return '.';
    case 0x20AC:
        return 'E';
    case 0xB7:
    case 0x2022:
        return '*';
    default:
        return '?';
    }
}

uint32_t kb_tui_display_cp(uint32_t cp, bool utf8)
{
    if (cp == '\t' || cp == '\n' || cp == '\r')
        return ' ';
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
        return '?';
    if (cp < 0x80)
        return cp;
    if (!utf8)
        return kb_ascii_of(cp);
    int w = wcwidth((wchar_t)cp);
    if (w < 0)
        return 0xFFFD;
    return cp;
}

int kb_tui_cp_width(uint32_t cp, bool utf8)
{
    if (cp < 0x80 || !utf8)
        return 1;
    int w = wcwidth((wchar_t)cp);
    return w < 0 ? 1 : w > 2 ? 2 : w;
}

int kb_tui_width(const char *s, bool utf8)
{
    int w = 0;
    size_t n = strlen(s);
    while (n) {
        uint32_t cp;
        size_t k = kb_tui_utf8_next(s, n, &cp);
        w += kb_tui_cp_width(kb_tui_display_cp(cp, utf8), utf8);
        s += k;
        n -= k;
    }
    return w;
}

size_t kb_tui_fit(const char *s, int maxw, bool utf8)
{
    int w = 0;
    size_t n = strlen(s), used = 0;
    while (used < n) {
        uint32_t cp;
        size_t k = kb_tui_utf8_next(s + used, n - used, &cp);
        int cw = kb_tui_cp_width(kb_tui_display_cp(cp, utf8), utf8);
        if (w + cw > maxw)
            break;
        w += cw;
        used += k;
    }
    return used;
}

void kb_tui_append_fit(kb_buf *b, const char *s, int maxw, bool utf8)
{
    size_t fit = kb_tui_fit(s, maxw, utf8);
    if (s[fit] == '\0') {
        kb_buf_append(b, s, fit);
        return;
    }
    if (maxw > 1) /* room for the ellipsis */
        fit = kb_tui_fit(s, maxw - 1, utf8);
    char u[4];
    kb_buf_append(b, s, fit);
    kb_buf_append(b, u, kb_tui_utf8_put(kb_tui_glyph(KB_GL_ELLIPSIS, utf8), u));
}

/* ------------------------------------------------------------ wrap */

static void kb_wrap_para(const char *s, size_t n, int width, bool utf8, kb_strv *out)
{
    kb_buf line = KB_BUF_INIT;
    int lw = 0;
    size_t i = 0;
    if (n == 0) {
        kb_strv_push(out, "");
        return;
    }
    while (i < n) {
        /* skip blanks between words */
        size_t ws = i;
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        bool had_blank = i > ws;
        size_t wstart = i;
        while (i < n && s[i] != ' ' && s[i] != '\t')
            i++;
        if (i == wstart)
            break;
        char *word = kb_strndup(s + wstart, i - wstart);
        int ww = kb_tui_width(word, utf8);
        int need = ww + (lw > 0 && had_blank ? 1 : 0);
        if (lw > 0 && lw + need > width) {
            kb_strv_push(out, line.data ? line.data : "");
            kb_buf_clear(&line);
            lw = 0;
            need = ww;
        }
        if (lw > 0 && had_blank) {
            kb_buf_putc(&line, ' ');
            lw++;
        }
        /* a word longer than the line is cut */
        const char *p = word;
        while (ww > width - lw && width - lw > 0 && *p) {
            size_t fit = kb_tui_fit(p, width - lw, utf8);
            if (fit == 0) {
                if (lw == 0) {
                    uint32_t cp;
                    fit = kb_tui_utf8_next(p, strlen(p), &cp);
                } else {
                    break;
                }
            }
            kb_buf_append(&line, p, fit);
            kb_strv_push(out, line.data);
            kb_buf_clear(&line);
            lw = 0;
            p += fit;
            ww = kb_tui_width(p, utf8);
        }
        if (*p) {
            if (lw > 0 && lw + ww > width) {
                kb_strv_push(out, line.data ? line.data : "");
                kb_buf_clear(&line);
                lw = 0;
            }
            kb_buf_puts(&line, p);
            lw += ww;
        }
        kb_free(&word);
    }
    if (line.len || out->n == 0)
        kb_strv_push(out, line.data ? line.data : "");
    kb_buf_free(&line);
}

void kb_tui_wrap(const char *s, int width, bool utf8, kb_strv *out)
{
    if (width < 1)
        width = 1;
    const char *p = s;
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n && p[n - 1] == '\r')
            n--;
        kb_wrap_para(p, n, width, utf8, out);
        if (!nl)
            break;
        p = nl + 1;
    }
}

/* Columns of the start of a line's text: its leading blanks and a list
 * bullet after them ("- ", "* ", "+ ", a bullet character and a blank). */
static size_t kb_text_start(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i + 1 < n && (s[i] == '-' || s[i] == '*' || s[i] == '+') && s[i + 1] == ' ')
        i += 2;
    else if (i + 3 < n && memcmp(s + i, "\xe2\x80\xa2 ", 4) == 0) /* U+2022 */
        i += 4;
    while (i < n && s[i] == ' ')
        i++;
    return i;
}

void kb_tui_wrap_hang(const char *s, int width, bool utf8, kb_strv *out)
{
    if (width < 1)
        width = 1;
    size_t n = strlen(s);
    if (kb_tui_width(s, utf8) <= width) {
        kb_strv_push(out, s);
        return;
    }
    /* continuation rows start where the first row's text starts (after
     * its leading blanks and bullet), or in a table row ("name  text")
     * where its last column on the first row starts; when that leaves
     * fewer than 24 columns (and is past the middle), at the left */
    size_t tstart = kb_text_start(s, n);
    size_t first_end = kb_tui_fit(s, width, utf8), colstart = 0;
    for (size_t i = tstart + 1; i + 1 < first_end; i++)
        if (s[i - 1] == ' ' && s[i] == ' ' && s[i + 1] != ' ')
            colstart = i + 1;
    int limit = width - 24 > width / 2 ? width - 24 : width / 2;
    char *lead = kb_strndup(s, colstart ? colstart : tstart);
    int indent = kb_tui_width(lead, utf8);
    kb_free(&lead);
    if (colstart && indent > limit) {
        lead = kb_strndup(s, tstart);
        indent = kb_tui_width(lead, utf8);
        kb_free(&lead);
    }
    if (indent > limit)
        indent = 0;
    size_t p = 0;
    bool first = true;
    kb_buf row = KB_BUF_INIT;
    while (p < n) {
        int avail = first ? width : width - indent;
        kb_buf_clear(&row);
        if (!first)
            kb_buf_printf(&row, "%*s", indent, "");
        size_t fit = kb_tui_fit(s + p, avail, utf8);
        size_t end, next;
        if (p + fit >= n) {
            end = next = n;
        } else if (s[p + fit] == ' ' || s[p + fit] == '\t') {
            end = p + fit; /* breaks at a blank */
            next = end;
        } else {
            /* back to the last blank that fits, after the line's indent */
            size_t b = p + fit, min = first ? tstart : p;
            while (b > min && s[b - 1] != ' ' && s[b - 1] != '\t')
                b--;
            if (b > min) {
                end = b;
                next = b;
            } else { /* a word longer than the row is cut */
                if (fit == 0) {
                    uint32_t cp;
                    fit = kb_tui_utf8_next(s + p, n - p, &cp);
                }
                end = next = p + fit;
            }
        }
        while (end > p && (s[end - 1] == ' ' || s[end - 1] == '\t'))
            end--; /* no blanks at the end of a row */
        kb_buf_append(&row, s + p, end - p);
        kb_strv_push(out, row.data ? row.data : "");
        while (next < n && (s[next] == ' ' || s[next] == '\t'))
            next++; /* nor at the start of the next one */
        p = next;
        first = false;
    }
    kb_buf_free(&row);
}

/* ------------------------------------------------------------ line editor */

void kb_tui_line_init(kb_tui_line *l, const char *text)
{
    l->text = kb_strdup(text ? text : "");
    l->len = strlen(l->text);
    l->cur = l->len;
    l->suggested = false;
}

void kb_tui_line_init_suggested(kb_tui_line *l, const char *text)
{
    kb_tui_line_init(l, text);
    l->suggested = l->len > 0;
}

void kb_tui_line_free(kb_tui_line *l)
{
    kb_free(&l->text);
    l->len = l->cur = 0;
    l->suggested = false;
}

void kb_tui_line_set(kb_tui_line *l, const char *text)
{
    kb_free(&l->text);
    kb_tui_line_init(l, text);
}

void kb_tui_line_insert(kb_tui_line *l, const char *s)
{
    size_t n = strlen(s);
    if (l->suggested) { /* typing replaces the selected suggestion */
        l->suggested = false;
        l->text[0] = '\0';
        l->len = l->cur = 0;
    }
    if (l->len + n > KB_TEXT_MAX)
        return;
    l->text = kb_realloc(l->text, l->len + n + 1);
    memmove(l->text + l->cur + n, l->text + l->cur, l->len - l->cur + 1);
    memcpy(l->text + l->cur, s, n);
    l->len += n;
    l->cur += n;
}

void kb_tui_line_insert_cp(kb_tui_line *l, uint32_t cp)
{
    char buf[5];
    size_t n = kb_tui_utf8_put(cp, buf);
    buf[n] = '\0';
    kb_tui_line_insert(l, buf);
}

static size_t kb_prev_char(const kb_tui_line *l, size_t at)
{
    if (at == 0)
        return 0;
    at--;
    while (at > 0 && ((unsigned char)l->text[at] & 0xC0) == 0x80)
        at--;
    return at;
}

static size_t kb_next_char(const kb_tui_line *l, size_t at)
{
    if (at >= l->len)
        return l->len;
    uint32_t cp;
    return at + kb_tui_utf8_next(l->text + at, l->len - at, &cp);
}

static void kb_line_delete(kb_tui_line *l, size_t from, size_t to)
{
    if (to <= from)
        return;
    memmove(l->text + from, l->text + to, l->len - to + 1);
    l->len -= to - from;
    if (l->cur > to)
        l->cur -= to - from;
    else if (l->cur > from)
        l->cur = from;
}

static size_t kb_line_bol(const kb_tui_line *l)
{
    size_t i = l->cur;
    while (i > 0 && l->text[i - 1] != '\n')
        i--;
    return i;
}

static size_t kb_line_eol(const kb_tui_line *l)
{
    size_t i = l->cur;
    while (i < l->len && l->text[i] != '\n')
        i++;
    return i;
}

bool kb_tui_line_action(kb_tui_line *l, kb_action a)
{
    bool was = l->suggested;
    l->suggested = false; /* an edit keeps the suggestion as text */
    switch (a) {
    case KB_ACTION_DELETE_CHAR_BACK:
        kb_line_delete(l, kb_prev_char(l, l->cur), l->cur);
        return true;
    case KB_ACTION_DELETE_CHAR:
        kb_line_delete(l, l->cur, kb_next_char(l, l->cur));
        return true;
    case KB_ACTION_DELETE_WORD_BACK: {
        size_t i = l->cur;
        while (i > 0 && (l->text[i - 1] == ' ' || l->text[i - 1] == '\t'))
            i--;
        while (i > 0 && l->text[i - 1] != ' ' && l->text[i - 1] != '\t' && l->text[i - 1] != '\n')
            i--;
        kb_line_delete(l, i, l->cur);
        return true;
    }
    case KB_ACTION_KILL_TO_END:
        kb_line_delete(l, l->cur, kb_line_eol(l));
        return true;
    case KB_ACTION_KILL_TO_START:
        kb_line_delete(l, kb_line_bol(l), l->cur);
        return true;
    case KB_ACTION_LINE_START:
    case KB_ACTION_FIRST:
        l->cur = kb_line_bol(l);
        return true;
    case KB_ACTION_LINE_END:
    case KB_ACTION_LAST:
        l->cur = kb_line_eol(l);
        return true;
    case KB_ACTION_CURSOR_LEFT:
        l->cur = kb_prev_char(l, l->cur);
        return true;
    case KB_ACTION_CURSOR_RIGHT:
        l->cur = kb_next_char(l, l->cur);
        return true;
    default:
        l->suggested = was;
        return false;
    }
}
