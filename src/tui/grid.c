/* grid.c - the cell grid every view draws into; see tui_internal.h. */
#include "tui_internal.h"

#include "kernboard/buf.h"
#include "kernboard/mem.h"

#include <string.h>
#include <strings.h>

static void kb_cell_blank(kb_gcell *c, kb_style st)
{
    memset(c, 0, sizeof *c);
    c->cp[0] = ' ';
    c->width = 1;
    c->st = st;
}

kb_grid *kb_grid_new(int w, int h, bool utf8)
{
    kb_grid *g = kb_calloc(1, sizeof *g);
    g->utf8 = utf8;
    kb_grid_resize(g, w, h);
    return g;
}

void kb_grid_free(kb_grid **g)
{
    if (!g || !*g)
        return;
    kb_free(&(*g)->cells);
    kb_free(g);
}

void kb_grid_resize(kb_grid *g, int w, int h)
{
    if (w < 1)
        w = 1;
    if (h < 1)
        h = 1;
    kb_free(&g->cells);
    g->w = w;
    g->h = h;
    g->cells = kb_calloc((size_t)w * (size_t)h, sizeof *g->cells);
    kb_grid_clear(g);
}

void kb_grid_clear(kb_grid *g)
{
    for (size_t i = 0; i < (size_t)g->w * (size_t)g->h; i++)
        kb_cell_blank(&g->cells[i], KB_PLAIN);
}

kb_gcell *kb_grid_at(kb_grid *g, int x, int y)
{
    if (x < 0 || y < 0 || x >= g->w || y >= g->h)
        return NULL;
    return &g->cells[(size_t)y * (size_t)g->w + (size_t)x];
}

const kb_gcell *kb_grid_cell(const kb_grid *g, int x, int y)
{
    if (x < 0 || y < 0 || x >= g->w || y >= g->h)
        return NULL;
    return &g->cells[(size_t)y * (size_t)g->w + (size_t)x];
}

bool kb_grid_cell_eq(const kb_gcell *a, const kb_gcell *b)
{
    return a->width == b->width && a->st.attr == b->st.attr && a->st.color == b->st.color &&
           memcmp(a->cp, b->cp, sizeof a->cp) == 0;
}

/* Before overwriting cell x: never leave half of a wide character. */
static void kb_grid_unsplit(kb_grid *g, int x, int y)
{
    kb_gcell *c = kb_grid_at(g, x, y);
    if (!c)
        return;
    if (c->width == 0) {
        kb_gcell *lead = kb_grid_at(g, x - 1, y);
        if (lead)
            kb_cell_blank(lead, lead->st);
    } else if (c->width == 2) {
        kb_gcell *cont = kb_grid_at(g, x + 1, y);
        if (cont)
            kb_cell_blank(cont, cont->st);
    }
}

void kb_grid_fill(kb_grid *g, int x, int y, int w, int h, kb_style st)
{
    for (int r = y; r < y + h; r++)
        for (int c = x; c < x + w; c++) {
            kb_gcell *cell = kb_grid_at(g, c, r);
            if (!cell)
                continue;
            if (c == x || c == x + w - 1)
                kb_grid_unsplit(g, c, r);
            kb_cell_blank(cell, st);
        }
}

/* Put one display code point at x; *last gets the cell for combining marks. */
static int kb_grid_putc_last(kb_grid *g, int x, int y, int maxx, uint32_t cp, kb_style st,
                             kb_gcell **last)
{
    uint32_t d = kb_tui_display_cp(cp, g->utf8);
    int w = kb_tui_cp_width(d, g->utf8);
    if (w == 0) {
        /* a combining mark joins the previous character */
        if (last && *last) {
            for (int i = 1; i < KB_GRID_CP_MAX; i++)
                if ((*last)->cp[i] == 0) {
                    (*last)->cp[i] = d;
                    break;
                }
        }
        return 0;
    }
    if (maxx > g->w)
        maxx = g->w;
    if (y < 0 || y >= g->h || x < 0 || x + w > maxx)
        return -1;
    kb_grid_unsplit(g, x, y);
    if (w == 2)
        kb_grid_unsplit(g, x + 1, y);
    kb_gcell *c = kb_grid_at(g, x, y);
    kb_gcell *cont = w == 2 ? kb_grid_at(g, x + 1, y) : NULL;
    if (!c || (w == 2 && !cont)) /* cannot happen after the bounds check above */
        return -1;
    memset(c, 0, sizeof *c);
    c->cp[0] = d;
    c->width = (uint8_t)w;
    c->st = st;
    if (cont) {
        memset(cont, 0, sizeof *cont);
        cont->st = st;
    }
    if (last)
        *last = c;
    return w;
}

int kb_grid_putc(kb_grid *g, int x, int y, int maxx, uint32_t cp, kb_style st)
{
    int w = kb_grid_putc_last(g, x, y, maxx, cp, st, NULL);
    return w < 0 ? 0 : w;
}

int kb_grid_put(kb_grid *g, int x, int y, int maxw, const char *s, kb_style st)
{
    if (!s || maxw <= 0)
        return 0;
    int maxx = x + maxw, col = x;
    size_t n = strlen(s);
    kb_gcell *last = NULL;
    while (n) {
        uint32_t cp;
        size_t k = kb_tui_utf8_next(s, n, &cp);
        int w = kb_grid_putc_last(g, col, y, maxx, cp, st, &last);
        if (w < 0)
            break;
        col += w;
        s += k;
        n -= k;
    }
    return col - x;
}

int kb_grid_put_cut(kb_grid *g, int x, int y, int maxw, const char *s, kb_style st)
{
    if (maxw <= 0)
        return 0;
    int used;
    if (!s)
        s = "";
    if (kb_tui_width(s, g->utf8) <= maxw) {
        used = kb_grid_put(g, x, y, maxw, s, st);
    } else {
        size_t fit = kb_tui_fit(s, maxw - 1, g->utf8);
        char *head = kb_strndup(s, fit);
        used = kb_grid_put(g, x, y, maxw - 1, head, st);
        kb_free(&head);
        used += kb_grid_putc(g, x + used, y, x + maxw, kb_tui_glyph(KB_GL_ELLIPSIS, g->utf8), st);
    }
    for (int c = x + used; c < x + maxw; c++)
        kb_grid_putc(g, c, y, x + maxw, ' ', st);
    return maxw;
}

void kb_grid_hline(kb_grid *g, int x, int y, int w, kb_style st)
{
    uint32_t h = kb_tui_glyph(KB_GL_HLINE, g->utf8);
    for (int c = x; c < x + w; c++)
        kb_grid_putc(g, c, y, x + w, h, st);
}

char *kb_grid_dump(const kb_grid *g)
{
    kb_buf out = KB_BUF_INIT;
    for (int y = 0; y < g->h; y++) {
        size_t start = out.len;
        for (int x = 0; x < g->w; x++) {
            const kb_gcell *c = kb_grid_cell(g, x, y);
            if (c->width == 0)
                continue;
            for (int i = 0; i < KB_GRID_CP_MAX && c->cp[i]; i++) {
                char u[4];
                size_t k = kb_tui_utf8_put(c->cp[i], u);
                kb_buf_append(&out, u, k);
            }
        }
        size_t end = out.len;
        while (end > start && out.data[end - 1] == ' ')
            end--;
        kb_buf_truncate(&out, end);
        kb_buf_putc(&out, '\n');
    }
    return kb_buf_take(&out);
}

uint32_t kb_tui_glyph(kb_glyph gl, bool utf8)
{
    static const uint32_t u[] = {
        [KB_GL_VLINE] = 0x2502,    [KB_GL_HLINE] = 0x2500,     [KB_GL_ELLIPSIS] = 0x2026,
        [KB_GL_EXPANDED] = 0x25BE, [KB_GL_COLLAPSED] = 0x25B8, [KB_GL_MIRROR] = '~',
        [KB_GL_BULLET] = 0x00B7,   [KB_GL_ARROW] = 0x2192,     [KB_GL_TL] = 0x250C,
        [KB_GL_TR] = 0x2510,       [KB_GL_BL] = 0x2514,        [KB_GL_BR] = 0x2518,
    };
    static const char a[] = {
        [KB_GL_VLINE] = '|',    [KB_GL_HLINE] = '-',     [KB_GL_ELLIPSIS] = '~',
        [KB_GL_EXPANDED] = 'v', [KB_GL_COLLAPSED] = '>', [KB_GL_MIRROR] = '~',
        [KB_GL_BULLET] = '*',   [KB_GL_ARROW] = '>',     [KB_GL_TL] = '+',
        [KB_GL_TR] = '+',       [KB_GL_BL] = '+',        [KB_GL_BR] = '+',
    };
    return utf8 ? u[gl] : (uint32_t)a[gl];
}

uint8_t kb_tui_dept_color(const char *name)
{
    int i = kb_colour_index(name); /* the one list of colour names (model) */
    return i < 0 ? KB_GC_LANE : (uint8_t)(KB_GC_DEPT_BLACK + i);
}
