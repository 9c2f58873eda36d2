/* report_chart.c - terminal charts and the text form of a report section,
 * shared by the CLI and the TUI; see kernboard/report.h. */
#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/report.h"

#include <stdio.h>
#include <string.h>

int kb_report_text_width(const char *s)
{
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
        w += (*p & 0xC0) != 0x80;
    return w;
}

/* Append at most maxw columns of s (cut at a character boundary) and pad
 * to width pad (left-aligned) or right-align with right. */
/* s in maxw columns (padded on the left when right); a longer text is cut
 * and ends in ell (the ellipsis: "…", or "~" without Unicode). */
static void kb_put_cell(kb_buf *b, const char *s, int maxw, bool right, const char *ell)
{
    int w = 0, total = 0;
    for (const unsigned char *q = (const unsigned char *)s; *q; q++)
        total += (*q & 0xC0) != 0x80;
    bool cut = total > maxw && maxw > 0;
    int fit = cut ? maxw - 1 : maxw;
    const unsigned char *p = (const unsigned char *)s, *end = p;
    while (*end) {
        if ((*end & 0xC0) != 0x80) {
            if (w == fit)
                break;
            w++;
        }
        end++;
    }
    if (right)
        for (int i = w + cut; i < maxw; i++)
            kb_buf_putc(b, ' ');
    kb_buf_append(b, s, (size_t)(end - p));
    if (cut) {
        kb_buf_puts(b, ell);
        w++;
    }
    if (!right)
        for (int i = w; i < maxw; i++)
            kb_buf_putc(b, ' ');
}

static void kb_put_cp(kb_buf *b, unsigned cp)
{
    char u[4];
    if (cp < 0x80) {
        kb_buf_putc(b, (char)cp);
        return;
    }
    u[0] = (char)(0xE0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    kb_buf_append(b, u, 3);
}

static void kb_push_buf(kb_strv *out, kb_buf *b)
{
    /* trailing blanks go */
    while (b->len && b->data[b->len - 1] == ' ')
        b->len--;
    if (b->data)
        b->data[b->len] = 0;
    kb_strv_push(out, b->data ? b->data : "");
    kb_buf_clear(b);
}

static char *kb_num_text(double v)
{
    if (v == (double)(long long)v)
        return kb_asprintf("%lld", (long long)v);
    return kb_asprintf("%.1f", v);
}

bool kb_chart_unicode_ok(bool locale_utf8, const char *term)
{
    if (!locale_utf8)
        return false;
    if (term &&
        (strncmp(term, "vt1", 3) == 0 || strncmp(term, "vt2", 3) == 0 || strcmp(term, "dumb") == 0))
        return false;
    return true;
}

void kb_chart_bars(const kb_chart_item *items, size_t n, int width, bool unicode, kb_strv *out)
{
    int lw = 1, vw = 1;
    double max = 0;
    for (size_t i = 0; i < n; i++) {
        int w = kb_report_text_width(items[i].label);
        lw = w > lw ? w : lw;
        char *t = kb_num_text(items[i].value);
        w = (int)strlen(t);
        vw = w > vw ? w : vw;
        kb_free(&t);
        max = items[i].value > max ? items[i].value : max;
    }
    if (lw > width / 3)
        lw = width / 3 > 1 ? width / 3 : 1;
    int area = width - lw - 2 - 1 - vw;
    if (area > 50) /* longer bars are not easier to compare */
        area = 50;
    if (area < 1)
        area = 1;
    kb_buf b = KB_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        kb_put_cell(&b, items[i].label, lw, false, unicode ? "\u2026" : "~");
        kb_buf_puts(&b, "  ");
        double v = items[i].value > 0 ? items[i].value : 0;
        long eighths = max > 0 ? (long)(v / max * area * 8 + 0.5) : 0;
        if (unicode) {
            for (long k = 0; k < eighths / 8; k++)
                kb_put_cp(&b, 0x2588);
            if (eighths % 8)
                kb_put_cp(&b, (unsigned)(0x2590 - eighths % 8)); /* 1/8 = U+258F ... */
        } else {
            long cells = (eighths + 4) / 8;
            if (cells == 0 && v > 0)
                cells = 1;
            for (long k = 0; k < cells; k++)
                kb_buf_putc(&b, '#');
        }
        char *t = kb_num_text(items[i].value);
        kb_buf_printf(&b, " %s", t);
        kb_free(&t);
        kb_push_buf(out, &b);
    }
    kb_buf_free(&b);
}

void kb_chart_columns(const kb_chart_item *items, size_t n, int width, int height, bool unicode,
                      kb_strv *out)
{
    if (n == 0 || height < 1)
        return;
    double max = 0;
    int vw = 1;
    for (size_t i = 0; i < n; i++) {
        max = items[i].value > max ? items[i].value : max;
        char *t = kb_num_text(items[i].value);
        vw = (int)strlen(t) > vw ? (int)strlen(t) : vw;
        kb_free(&t);
    }
    /* show the last columns that fit */
    int colw = width / (int)n;
    if (colw > 6)
        colw = 6;
    if (colw < 2)
        colw = 2;
    size_t first = 0;
    if ((size_t)(width / colw) < n)
        first = n - (size_t)(width / colw);
    kb_buf b = KB_BUF_INIT;
    /* values on top */
    for (size_t i = first; i < n; i++) {
        char *t = kb_num_text(items[i].value);
        kb_put_cell(&b, (int)strlen(t) < colw ? t : "", colw - 1, true, unicode ? "\u2026" : "~");
        kb_buf_putc(&b, ' ');
        kb_free(&t);
    }
    kb_push_buf(out, &b);
    int barw = colw - 1 > 2 ? 2 : colw - 1;
    for (int row = height - 1; row >= 0; row--) {
        for (size_t i = first; i < n; i++) {
            double v = items[i].value > 0 ? items[i].value : 0;
            long eighths = max > 0 ? (long)(v / max * height * 8 + 0.5) : 0;
            long here = eighths - (long)row * 8; /* eighths in this row */
            for (int k = 0; k < colw - 1 - barw; k++)
                kb_buf_putc(&b, ' ');
            for (int k = 0; k < barw; k++) {
                if (unicode) {
                    if (here >= 8)
                        kb_put_cp(&b, 0x2588);
                    else if (here > 0)
                        kb_put_cp(&b, (unsigned)(0x2580 + here)); /* U+2581 = 1/8 */
                    else
                        kb_buf_putc(&b, row == 0 ? '_' : ' ');
                } else {
                    long cells = (eighths + 4) / 8;
                    if (cells == 0 && v > 0)
                        cells = 1;
                    kb_buf_putc(&b, row < cells ? '#' : (row == 0 ? '_' : ' '));
                }
            }
            kb_buf_putc(&b, ' ');
        }
        kb_push_buf(out, &b);
    }
    /* labels: their last colw - 1 characters ("2026-10" -> "10") */
    for (size_t i = first; i < n; i++) {
        const char *l = items[i].label;
        int w = kb_report_text_width(l);
        while (w > colw - 1) {
            l++;
            while ((*l & 0xC0) == 0x80)
                l++;
            w--;
        }
        while (*l == '-' || *l == ' ') /* "2026-10" in 3 columns: "10" */
            l++;
        kb_put_cell(&b, l, colw - 1, true, unicode ? "\u2026" : "~");
        kb_buf_putc(&b, ' ');
    }
    kb_push_buf(out, &b);
    if (kb_report_text_width(items[first].label) > colw - 1) {
        kb_buf_printf(&b, "%s .. %s", items[first].label, items[n - 1].label);
        kb_push_buf(out, &b);
    }
    kb_buf_free(&b);
}

static bool kb_cell_right(const kb_rcell *c)
{
    return c->t == KB_RC_INT || c->t == KB_RC_NUM;
}

/* Numbers are right-aligned: a column with a number in any row. */
static bool kb_col_right(const kb_rsection *s, size_t col)
{
    for (size_t r = 0; r < s->nrows; r++)
        if (kb_cell_right(kb_rsection_cell(s, r, col)))
            return true;
    return false;
}

/* Bytes of the first cols columns of s (at most its length). */
static size_t kb_cols_bytes(const char *s, size_t n, int cols)
{
    size_t i = 0;
    int w = 0;
    while (i < n) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (w == cols)
                break;
            w++;
        }
        i++;
    }
    return i;
}

static int kb_text_width_n(const char *s, size_t n)
{
    int w = 0;
    for (size_t i = 0; i < n; i++)
        w += ((unsigned char)s[i] & 0xC0) != 0x80;
    return w;
}

/* s in lines of at most w columns, broken at blanks; a word longer than
 * a line is split over lines.  Appended to out (at least one line). */
static void kb_wrap_cell(const char *s, int w, kb_strv *out)
{
    if (w < 1)
        w = 1;
    kb_buf line = KB_BUF_INIT;
    int lw = 0;
    size_t before = out->n;
    const char *p = s;
    for (;;) {
        while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
            p++;
        if (!*p)
            break;
        const char *e = p;
        while (*e && *e != ' ' && *e != '\n' && *e != '\t' && *e != '\r')
            e++;
        size_t n = (size_t)(e - p);
        int ww = kb_text_width_n(p, n);
        if (lw && lw + 1 + ww > w) {
            kb_strv_push(out, line.data);
            kb_buf_clear(&line);
            lw = 0;
        }
        if (lw) {
            kb_buf_putc(&line, ' ');
            lw++;
        }
        while (ww > w - lw) { /* only on an empty line: a word too long */
            size_t k = kb_cols_bytes(p, n, w - lw);
            kb_buf_append(&line, p, k);
            kb_strv_push(out, line.data);
            kb_buf_clear(&line);
            lw = 0;
            p += k;
            n -= k;
            ww = kb_text_width_n(p, n);
        }
        if (n) {
            kb_buf_append(&line, p, n);
            lw += ww;
        }
        p = e;
    }
    if (lw || out->n == before)
        kb_strv_push(out, line.data ? line.data : "");
    kb_buf_free(&line);
}

/* Columns of the longest word of s. */
static int kb_longest_word(const char *s)
{
    int best = 0, w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == ' ') {
            w = 0;
            continue;
        }
        w += (*p & 0xC0) != 0x80;
        best = w > best ? w : best;
    }
    return best;
}

/* One table row (or the heading row): each visible cell wrapped to its
 * column, the lines side by side; indent blanks before the first column. */
static void kb_table_row(const kb_rsection *s, char *const *cells, const int *w, const bool *right,
                         int indent, kb_strv *out)
{
    size_t nc = s->ncols, lines = 1;
    kb_strv *wr = kb_calloc(nc + 1, sizeof *wr);
    bool first = true;
    for (size_t c = 0; c < nc; c++) {
        if (s->cols[c].data_only)
            continue;
        kb_wrap_cell(cells[c], w[c] - (first ? indent : 0), &wr[c]);
        first = false;
        lines = wr[c].n > lines ? wr[c].n : lines;
    }
    kb_buf b = KB_BUF_INIT;
    for (size_t k = 0; k < lines; k++) {
        first = true;
        for (size_t c = 0; c < nc; c++) {
            if (s->cols[c].data_only)
                continue;
            int cw = w[c];
            if (first) {
                for (int i = 0; i < indent; i++)
                    kb_buf_putc(&b, ' ');
                cw -= indent;
                first = false;
            }
            kb_put_cell(&b, k < wr[c].n ? wr[c].v[k] : "", cw, right[c], "");
            kb_buf_putc(&b, ' ');
        }
        kb_push_buf(out, &b);
    }
    for (size_t c = 0; c < nc; c++)
        kb_strv_free(&wr[c]);
    kb_free(&wr);
    kb_buf_free(&b);
}

void kb_report_section_lines(const kb_rsection *s, int width, bool unicode, kb_strv *out)
{
    kb_buf b = KB_BUF_INIT;
    kb_wrap_cell(s->title, width, out);
    size_t nc = s->ncols;
    int *w = kb_calloc(nc + 1, sizeof *w), *minw = kb_calloc(nc + 1, sizeof *minw);
    bool *right = kb_calloc(nc + 1, sizeof *right);
    char **txt = kb_calloc(nc * s->nrows + 1, sizeof *txt);
    char **labels = kb_calloc(nc + 1, sizeof *labels);
    /* rows under a heading are indented in the first column */
    int indent = s->headings ? 2 : 0;
    size_t firstcol = nc;
    for (size_t c = 0; c < nc && firstcol == nc; c++)
        if (!s->cols[c].data_only)
            firstcol = c;
    for (size_t c = 0; c < nc; c++) {
        labels[c] = s->cols[c].label;
        w[c] = kb_report_text_width(s->cols[c].label);
        right[c] = kb_col_right(s, c);
    }
    bool under = false; /* below a heading */
    for (size_t r = 0; r < s->nrows; r++) {
        under = under || (s->headings && s->headings[r]);
        for (size_t c = 0; c < nc; c++) {
            const kb_rcell *cell = kb_rsection_cell(s, r, c);
            txt[r * nc + c] = cell->t == KB_RC_NULL ? kb_strdup("-") : kb_rcell_show(cell);
            int cw = kb_report_text_width(txt[r * nc + c]) + (under && c == firstcol ? indent : 0);
            w[c] = cw > w[c] ? cw : w[c];
        }
    }
    /* fit the width in three rounds, each until the table fits: headings
     * wrap at their blanks (no cell gets narrower); then text columns wrap
     * at blanks (down to their longest word, at least 6); then long words
     * are split too (down to 6, or the heading's longest word).  In each
     * round the widest column that may still give way loses a column. */
    int *cellw = kb_calloc(nc + 1, sizeof *cellw), *wordw = kb_calloc(nc + 1, sizeof *wordw);
    under = false;
    for (size_t r = 0; r < s->nrows; r++) {
        under = under || (s->headings && s->headings[r]);
        for (size_t c = 0; c < nc; c++) {
            int ind = under && c == firstcol ? indent : 0;
            int cw = kb_report_text_width(txt[r * nc + c]) + ind,
                ww = kb_longest_word(txt[r * nc + c]) + ind;
            cellw[c] = cw > cellw[c] ? cw : cellw[c];
            wordw[c] = ww > wordw[c] ? ww : wordw[c];
        }
    }
    for (int round = 0; round < 3; round++) {
        for (size_t c = 0; c < nc; c++) {
            int lab = kb_longest_word(s->cols[c].label), m;
            if (round == 0 || right[c])
                m = cellw[c] > lab ? cellw[c] : lab;
            else if (round == 1)
                m = wordw[c] > lab ? wordw[c] : lab;
            else
                m = lab;
            if (!right[c] && round > 0 && m < 6)
                m = 6;
            if (c == firstcol && m < indent + 4)
                m = indent + 4;
            minw[c] = m < w[c] ? m : w[c];
        }
        for (;;) {
            int total = -1;
            size_t widest = nc;
            for (size_t c = 0; c < nc; c++) {
                if (s->cols[c].data_only)
                    continue;
                total += w[c] + 1;
                if (w[c] > minw[c] && (widest == nc || w[c] > w[widest]))
                    widest = c;
            }
            if (total <= width) {
                round = 3;
                break;
            }
            if (widest == nc)
                break;
            w[widest]--;
        }
    }
    kb_free(&cellw);
    kb_free(&wordw);
    if (s->nrows) {
        kb_table_row(s, labels, w, right, 0, out);
        under = false;
        for (size_t r = 0; r < s->nrows; r++) {
            if (s->headings && s->headings[r]) {
                kb_strv hl = {0};
                kb_wrap_cell(s->headings[r], width, &hl);
                for (size_t k = 0; k < hl.n; k++)
                    kb_strv_push(out, hl.v[k]);
                kb_strv_free(&hl);
                under = true;
            }
            kb_table_row(s, &txt[r * nc], w, right, under ? indent : 0, out);
        }
    } else {
        kb_buf_printf(&b, "  %s", _("(nothing to show)"));
        kb_push_buf(out, &b);
    }
    if (s->note)
        kb_wrap_cell(s->note, width, out);
    if (s->chart != KB_CHART_NONE && s->nrows) {
        kb_chart_item *items = kb_calloc(s->nrows, sizeof *items);
        size_t n = 0;
        double sum = 0;
        for (size_t r = 0; r < s->nrows; r++) {
            const kb_rcell *v = kb_rsection_cell(s, r, s->chart_value);
            items[n].label = txt[r * nc + s->chart_label];
            items[n].value = v->t == KB_RC_NUM ? v->d : v->t == KB_RC_INT ? (double)v->i : 0;
            sum += items[n].value;
            n++;
        }
        if (sum > 0) {
            kb_strv_push(out, "");
            if (s->chart == KB_CHART_BARS)
                kb_chart_bars(items, n, width, unicode, out);
            else
                kb_chart_columns(items, n, width, 6, unicode, out);
        }
        kb_free(&items);
    }
    for (size_t i = 0; i < nc * s->nrows; i++)
        kb_free(&txt[i]);
    kb_free(&txt);
    kb_free(&labels);
    kb_free(&right);
    kb_free(&minw);
    kb_free(&w);
    kb_buf_free(&b);
}
