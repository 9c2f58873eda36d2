/* view_dialog.c - the smaller screens: the conflict dialog and the
 * one-line prompts (filter, command, reason, comment), both overlays; the
 * help screen generated from the loaded keymap; and the idle-lock screen
 * (drawn by the app over every view, not a view itself). */
#include "tui_internal.h"

#include "kernboard/cmd.h"

#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------ conflict */

static void kb_conflict_close(kb_tui_app *a, void *st)
{
    kb_tui_conflict *c = st;
    (void)a;
    kb_case_free(&c->mine);
    kb_case_free(&c->theirs);
    kb_free(&c->who);
}

/* What kb_tui_view_push passes to the dialog. */
typedef struct kb_conflict_arg {
    const kb_case *mine, *theirs;
} kb_conflict_arg;

static unsigned kb_conflict_open(kb_tui_app *a, void *st, const void *arg)
{
    kb_tui_conflict *c = st;
    const kb_conflict_arg *ca = arg;
    kb_case_copy(&c->mine, ca->mine);
    kb_case_copy(&c->theirs, ca->theirs);
    kb_err e;
    if (a->board && kb_board_case_changed_by(a->board, ca->theirs->number, &c->who, &e) != KB_OK)
        kb_free(&c->who); /* unknown: "someone else" */
    for (int f = 0; f < KB_FF_COUNT; f++) {
        char *x = kb_view_form_value(ca->mine, (enum kb_tui_field)f),
             *y = kb_view_form_value(ca->theirs, (enum kb_tui_field)f);
        if (strcmp(x, y) != 0)
            c->rows[c->n++] = (size_t)f;
        c->take_theirs[f] = false;
        kb_free(&x);
        kb_free(&y);
    }
    kb_tui_list_resize(&c->list, c->n, 0);
    return KB_TUI_R_VIEW;
}

unsigned kb_view_conflict_open(kb_tui_app *a, const kb_case *mine, const kb_case *theirs)
{
    kb_conflict_arg arg = {mine, theirs};
    return kb_tui_view_push(a, &kb_tui_view_conflict, &arg);
}

kb_tui_conflict *kb_tui_conflict_state(const kb_tui_app *a)
{
    return kb_tui_view_state(a, &kb_tui_view_conflict);
}

static unsigned kb_view_conflict_resolve(kb_tui_app *a, kb_tui_conflict *c)
{
    kb_case merged, theirs;
    kb_case_copy(&merged, &c->theirs);
    kb_case_copy(&theirs, &c->theirs);
    for (size_t i = 0; i < c->n; i++)
        if (!c->take_theirs[c->rows[i]])
            kb_view_form_copy_field(&merged, &c->mine, (enum kb_tui_field)c->rows[i]);
    kb_tui_view_close(a, c);
    unsigned r = kb_view_form_save_merged(a, &merged, &theirs);
    kb_case_free(&merged);
    kb_case_free(&theirs);
    return r | KB_TUI_R_VIEW;
}

static unsigned kb_conflict_action(kb_tui_app *a, void *st, kb_action act)
{
    kb_tui_conflict *c = st;
    if (act == KB_ACTION_FIELD_NEXT)
        act = KB_ACTION_CURSOR_DOWN;
    else if (act == KB_ACTION_FIELD_PREV)
        act = KB_ACTION_CURSOR_UP;
    switch (act) {
    case KB_ACTION_CURSOR_DOWN:
    case KB_ACTION_CURSOR_UP:
        kb_tui_list_action(&c->list, act);
        return KB_TUI_R_VIEW;
    case KB_ACTION_CURSOR_LEFT:
        if (c->n)
            c->take_theirs[c->rows[c->list.sel]] = false;
        return KB_TUI_R_VIEW;
    case KB_ACTION_CURSOR_RIGHT:
        if (c->n)
            c->take_theirs[c->rows[c->list.sel]] = true;
        return KB_TUI_R_VIEW;
    case KB_ACTION_PAGE_DOWN:
    case KB_ACTION_PAGE_UP: /* the values in full: clamped when drawn */
        c->detail_top += act == KB_ACTION_PAGE_DOWN ? 5 : -5;
        if (c->detail_top < 0)
            c->detail_top = 0;
        return KB_TUI_R_VIEW;
    case KB_ACTION_SUBMIT:
        return kb_view_conflict_resolve(a, c);
    case KB_ACTION_CANCEL:
    case KB_ACTION_BACK: {
        kb_tui_view_close(a, c);
        kb_tui_form *f = kb_tui_form_state(a);
        if (f) {
            kb_free(&f->error);
            f->error = kb_strdup(_("Not saved: someone else changed this case while you "
                                   "edited it. Your input is kept."));
        }
        return KB_TUI_R_VIEW;
    }
    default:
        return KB_TUI_R_VIEW;
    }
}

static unsigned kb_conflict_text(kb_tui_app *a, void *st, uint32_t cp)
{
    kb_tui_conflict *c = st;
    (void)a;
    if (!c->n)
        return KB_TUI_R_NONE;
    bool *t = &c->take_theirs[c->rows[c->list.sel]];
    if (cp == ' ')
        *t = !*t;
    else if (cp == 'm' || cp == 'y')
        *t = false;
    else if (cp == 't')
        *t = true;
    else
        return KB_TUI_R_NONE;
    return KB_TUI_R_VIEW;
}

/* One row of the dialog: field, yours, theirs. */
typedef struct kb_conflict_draw_ctx {
    const kb_tui_app *a;
    kb_tui_conflict *c;
    int lw, cw, iw;
} kb_conflict_draw_ctx;

/* Where a cell of maxw columns starts showing value s, which shares its
 * first common bytes with the other value (longest: the wider of the
 * two): at 0 when s fits or the difference shows anyway, else late enough
 * that the differing part shows, the ends of both values too when that
 * is possible (a long shared beginning is left out). */
static size_t kb_conflict_skip(const char *s, size_t common, int longest, int maxw, bool utf8)
{
    if (kb_tui_width(s, utf8) <= maxw || maxw < 12)
        return 0;
    char *head = kb_strndup(s, common);
    int hw = kb_tui_width(head, utf8), keep = maxw / 3;
    int cols = hw - keep; /* the difference a third into the cell */
    if (longest - maxw + 1 < cols)
        cols = longest - maxw + 1; /* both ends fit: more of the start */
    size_t skip = hw + 6 > maxw && cols > 0 ? kb_tui_fit(head, cols, utf8) : 0;
    kb_free(&head);
    return skip;
}

/* Bytes both values begin with, ending on a character boundary. */
static size_t kb_conflict_common(const char *x, const char *y)
{
    size_t n = 0;
    while (x[n] && x[n] == y[n])
        n++;
    while (n > 0 && ((unsigned char)x[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static char *kb_conflict_cell(const char *mark, const char *v, size_t skip, bool utf8)
{
    char u[4];
    kb_buf b = KB_BUF_INIT;
    kb_buf_printf(&b, "[%s] ", mark);
    if (skip)
        kb_buf_append(&b, u, kb_tui_utf8_put(kb_tui_glyph(KB_GL_ELLIPSIS, utf8), u));
    kb_buf_puts(&b, v[0] ? v + skip : "-");
    for (char *p = b.data; *p; p++)
        if (*p == '\n')
            *p = ' ';
    return kb_buf_take(&b);
}

static void kb_conflict_row(void *ctx, kb_grid *g, size_t i, int x, int y, int w, bool sel)
{
    const kb_conflict_draw_ctx *d = ctx;
    const kb_tui_conflict *c = d->c;
    int lw = d->lw, cw = d->cw, iw = w;
    enum kb_tui_field f = (enum kb_tui_field)c->rows[i];
    bool th = c->take_theirs[f];
    kb_style rs = sel ? KB_STYLE(KB_GA_REVERSE, KB_GC_DEFAULT) : KB_PLAIN;
    kb_grid_fill(g, x, y, iw, 1, rs);
    char lab[96];
    snprintf(lab, sizeof lab, "%s %s", sel ? ">" : " ", kb_view_form_label(f));
    kb_grid_put_cut(g, x, y, lw + 1, lab, rs);
    char *m = kb_view_form_shown(d->a, &c->mine, f), *t = kb_view_form_shown(d->a, &c->theirs, f);
    /* both cells start at the same place: where the values differ */
    size_t common = kb_conflict_common(m, t);
    int mw = cw - 1 - 4, tw = iw - lw - 2 - cw - 4; /* after "[x] " */
    int longest = kb_tui_width(m, g->utf8) > kb_tui_width(t, g->utf8) ? kb_tui_width(m, g->utf8)
                                                                      : kb_tui_width(t, g->utf8);
    size_t sm = kb_conflict_skip(m, common, longest, mw, g->utf8),
           st = kb_conflict_skip(t, common, longest, tw, g->utf8);
    size_t skip = sm > st ? sm : st;
    char *ms = kb_conflict_cell(th ? " " : "x", m, skip, g->utf8);
    char *ts = kb_conflict_cell(th ? "x" : " ", t, skip, g->utf8);
    kb_grid_put_cut(g, x + lw + 2, y, cw - 1, ms,
                    th ? rs : KB_STYLE(rs.attr | KB_GA_BOLD, KB_GC_OK));
    kb_grid_put_cut(g, x + lw + 2 + cw, y, iw - lw - 2 - cw, ts,
                    th ? KB_STYLE(rs.attr | KB_GA_BOLD, KB_GC_OK) : rs);
    kb_free(&m);
    kb_free(&t);
    kb_free(&ms);
    kb_free(&ts);
}

/* The selected field's two values in full, wrapped to width w. */
static void kb_conflict_detail(const kb_tui_app *a, const kb_tui_conflict *c, int w, bool utf8,
                               kb_strv *out)
{
    enum kb_tui_field f = (enum kb_tui_field)c->rows[c->list.sel];
    const kb_case *who[2] = {&c->mine, &c->theirs};
    for (int k = 0; k < 2; k++) {
        char *v = kb_view_form_shown(a, who[k], f);
        char *head =
            kb_asprintf(k == 0 ? _("%s, yours:") : _("%s, theirs:"), kb_view_form_label(f));
        kb_strv_push(out, head);
        kb_strv wr = {0};
        kb_tui_wrap(v[0] ? v : _("(empty)"), w - 2, utf8, &wr);
        for (size_t i = 0; i < wr.n; i++) {
            char *l = kb_asprintf("  %s", wr.v[i]);
            kb_strv_push(out, l);
            kb_free(&l);
        }
        kb_strv_free(&wr);
        kb_free(&head);
        kb_free(&v);
    }
}

static void kb_conflict_draw(kb_tui_app *a, void *st, kb_grid *g)
{
    kb_tui_conflict *c = st;
    int bw = g->w - 4 < 100 ? g->w - 4 : 100;
    int iw = bw - 4;
    kb_strv detail = {0};
    if (c->n) {
        if (c->detail_sel != c->list.sel)
            c->detail_top = 0;
        c->detail_sel = c->list.sel;
        kb_conflict_detail(a, c, iw, g->utf8, &detail);
    }
    /* instructions, blank, heading, the rows, blank, the values in full */
    int bh = (int)c->n + 7 + (int)detail.n;
    if (bh > g->h - 2)
        bh = g->h - 2;
    if (bw < 20 || bh < 5) {
        kb_strv_free(&detail);
        return;
    }
    int x0 = (g->w - bw) / 2, y0 = (g->h - bh) / 2;
    kb_style box = KB_STYLE(0, KB_GC_DEFAULT);
    kb_grid_fill(g, x0, y0, bw, bh, box);
    kb_grid_hline(g, x0, y0, bw, KB_STYLE(KB_GA_BOLD, KB_GC_WARN));
    kb_grid_hline(g, x0, y0 + bh - 1, bw, KB_STYLE(0, KB_GC_WARN));
    for (int y = y0 + 1; y < y0 + bh - 1; y++) {
        kb_grid_putc(g, x0, y, g->w, kb_tui_glyph(KB_GL_VLINE, g->utf8), KB_STYLE(0, KB_GC_WARN));
        kb_grid_putc(g, x0 + bw - 1, y, g->w, kb_tui_glyph(KB_GL_VLINE, g->utf8),
                     KB_STYLE(0, KB_GC_WARN));
    }
    kb_grid_putc(g, x0, y0, g->w, kb_tui_glyph(KB_GL_TL, g->utf8),
                 KB_STYLE(KB_GA_BOLD, KB_GC_WARN));
    kb_grid_putc(g, x0 + bw - 1, y0, g->w, kb_tui_glyph(KB_GL_TR, g->utf8),
                 KB_STYLE(KB_GA_BOLD, KB_GC_WARN));
    kb_grid_putc(g, x0, y0 + bh - 1, g->w, kb_tui_glyph(KB_GL_BL, g->utf8),
                 KB_STYLE(0, KB_GC_WARN));
    kb_grid_putc(g, x0 + bw - 1, y0 + bh - 1, g->w, kb_tui_glyph(KB_GL_BR, g->utf8),
                 KB_STYLE(0, KB_GC_WARN));
    char *title =
        !c->who ? kb_asprintf(_(" Case #%u was changed by someone else "), c->theirs.number)
        : a->board && strcmp(c->who, kb_board_user(a->board)) == 0
            ? kb_asprintf(_(" Case #%u was changed by %s (you) "), c->theirs.number, c->who)
            : kb_asprintf(_(" Case #%u was changed by %s "), c->theirs.number, c->who);
    kb_grid_put(g, x0 + 2, y0, bw - 4, title, KB_STYLE(KB_GA_BOLD | KB_GA_REVERSE, KB_GC_WARN));
    kb_free(&title);
    int x = x0 + 2, y = y0 + 1, bottom = y0 + bh - 1;
    kb_grid_put_cut(g, x, y++, iw,
                    _("Choose per field: Left keeps yours, Right takes theirs, Space toggles."),
                    KB_PLAIN);
    kb_grid_put_cut(g, x, y++, iw, _("Enter saves the result; Esc goes back to your form."),
                    KB_PLAIN);
    y++;
    /* the widest field label, then a blank (at most a quarter of the box) */
    int lw = 16;
    for (int f = 0; f < KB_FF_COUNT; f++) {
        int fw = kb_tui_width(kb_view_form_label((enum kb_tui_field)f), g->utf8);
        if (fw > lw)
            lw = fw;
    }
    if (lw > iw / 4)
        lw = iw / 4 > 16 ? iw / 4 : 16;
    int cw = (iw - lw - 2) / 2;
    kb_style hs = KB_STYLE(KB_GA_BOLD | KB_GA_UNDERLINE, KB_GC_DEFAULT);
    kb_grid_put_cut(g, x, y, lw + 2, _("Field"), hs);
    kb_grid_put_cut(g, x + lw + 2, y, cw, _("Yours"), hs);
    kb_grid_put_cut(g, x + lw + 2 + cw, y, iw - lw - 2 - cw, _("Theirs"), hs);
    y++;
    if (!c->n) {
        kb_grid_put_cut(g, x, y, iw, _("(no field differs; Enter saves)"), KB_PLAIN);
        return;
    }
    /* the rows, then the selected field in full: when the box is too
     * small for both, the rows get at most half of it (they scroll with
     * the selection) and the values scroll with PageUp/PageDown */
    int room = bottom - y;
    int lh = (int)c->n;
    if (lh + 1 + (int)detail.n > room) {
        int half = room / 2 > 3 ? room / 2 : 3;
        lh = lh < half ? lh : half;
    }
    if (lh > room)
        lh = room;
    kb_conflict_draw_ctx d = {a, c, lw, cw, iw};
    kb_tui_list_draw(&c->list, g, x, y, iw, lh, kb_conflict_row, &d);
    y += lh + 1;
    int dh = bottom - y;
    if (dh > 0) {
        int maxtop = (int)detail.n - dh > 0 ? (int)detail.n - dh : 0;
        if (c->detail_top > maxtop)
            c->detail_top = maxtop;
        kb_style ls = KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT);
        for (int r = 0; r < dh && (size_t)(c->detail_top + r) < detail.n; r++) {
            const char *l = detail.v[c->detail_top + r];
            kb_grid_put_cut(g, x, y + r, iw, l, l[0] == ' ' ? KB_PLAIN : ls);
        }
        char keys[KB_KEY_SEQ_STRLEN];
        if (c->detail_top + dh < (int)detail.n &&
            kb_keymap_key_for(a->km, KB_CONTEXT_FORM, KB_ACTION_PAGE_DOWN, keys) == KB_OK) {
            /* TRANSLATORS: %s is a key, e.g. <PageDown> */
            char *more = kb_asprintf(_(" (%s: more) "), keys);
            int mw = kb_tui_width(more, g->utf8);
            kb_grid_put(g, x + iw - mw, y + dh - 1, mw, more, KB_STYLE(0, KB_GC_MUTED));
            kb_free(&more);
        }
    }
    kb_strv_free(&detail);
}

static kb_style kb_conflict_hints(kb_tui_app *a, void *st, kb_buf *out)
{
    (void)st;
    static const kb_action acts[] = {KB_ACTION_SUBMIT, KB_ACTION_CANCEL, KB_ACTION_CURSOR_LEFT,
                                     KB_ACTION_CURSOR_RIGHT};
    static const char *const labels[] = {N_("save"), N_("back to the form"), N_("yours"),
                                         N_("theirs")};
    kb_tui_hints_fit(a, KB_CONTEXT_FORM, acts, labels, 4, out);
    return KB_STYLE(0, KB_GC_MUTED);
}

const kb_tui_view_ops kb_tui_view_conflict = {
    .name = "conflict",
    .ctx = KB_CONTEXT_FORM,
    .state_size = sizeof(kb_tui_conflict),
    .overlay = true,
    .open = kb_conflict_open,
    .close = kb_conflict_close,
    .draw = kb_conflict_draw,
    .action = kb_conflict_action,
    .text = kb_conflict_text,
    .hints = kb_conflict_hints,
};

/* ------------------------------------------------------------ prompts */

static void kb_prompt_close(kb_tui_app *a, void *st)
{
    kb_tui_prompt *p = st;
    (void)a;
    kb_tui_line_free(&p->line);
    kb_free(&p->label);
    kb_free(&p->info);
    kb_free(&p->error);
    kb_free(&p->stage);
}

static void kb_view_prompt_update(kb_tui_app *a, kb_tui_prompt *p)
{
    kb_free(&p->info);
    kb_free(&p->error);
    if (p->kind != KB_PR_FILTER)
        return;
    kb_err e;
    kb_err_clear(&e);
    long n = kb_tui_count_matches(a, p->line.text, &e);
    if (n < 0)
        p->error = kb_strdup(e.msg);
    else
        p->info =
            kb_asprintf(dngettext(KB_TEXTDOMAIN, "%ld match", "%ld matches", (unsigned long)n), n);
}

/* What kb_tui_view_push passes to a prompt. */
typedef struct kb_prompt_arg {
    kb_tui_prompt_kind kind;
    const char *label, *text;
    uint32_t number;
    const char *stage;
    bool suggested; /* text is a suggestion (kb_tui_line.suggested) */
} kb_prompt_arg;

static unsigned kb_prompt_open(kb_tui_app *a, void *st, const void *arg)
{
    kb_tui_prompt *p = st;
    const kb_prompt_arg *pa = arg;
    p->kind = pa->kind;
    if (pa->suggested)
        kb_tui_line_init_suggested(&p->line, pa->text);
    else
        kb_tui_line_init(&p->line, pa->text);
    p->label = kb_strdup(pa->label);
    p->number = pa->number;
    p->stage = pa->stage ? kb_strdup(pa->stage) : NULL;
    p->hist = -1;
    kb_view_prompt_update(a, p);
    return KB_TUI_R_VIEW;
}

unsigned kb_view_prompt_open(kb_tui_app *a, kb_tui_prompt_kind kind, const char *label,
                             const char *text, uint32_t number, const char *stage)
{
    if ((kind == KB_PR_COMMENT &&
         kb_tui_viewer_refused(a, _("You are a viewer on this board: you cannot add comments"))) ||
        (kind == KB_PR_REASON &&
         kb_tui_viewer_refused(a, _("You are a viewer on this board: you cannot move cases"))))
        return KB_TUI_R_STATUS;
    if (kb_tui_view_is_top(a, &kb_tui_view_prompt))
        (void)kb_tui_view_pop(a); /* one prompt at a time */
    kb_prompt_arg arg = {kind, label, text, number, stage, false};
    return kb_tui_view_push(a, &kb_tui_view_prompt, &arg);
}

unsigned kb_view_prompt_open_suggested(kb_tui_app *a, kb_tui_prompt_kind kind, const char *label,
                                       const char *text, uint32_t number, const char *stage)
{
    if (kb_tui_view_is_top(a, &kb_tui_view_prompt))
        (void)kb_tui_view_pop(a);
    kb_prompt_arg arg = {kind, label, text, number, stage, true};
    return kb_tui_view_push(a, &kb_tui_view_prompt, &arg);
}

kb_tui_prompt *kb_tui_prompt_state(const kb_tui_app *a)
{
    return kb_tui_view_state(a, &kb_tui_view_prompt);
}

static kb_strv *kb_view_prompt_hist(kb_tui_app *a, const kb_tui_prompt *p)
{
    if (p->kind == KB_PR_FILTER)
        return &a->hist_filter;
    if (p->kind == KB_PR_COMMAND)
        return &a->hist_command;
    return NULL;
}

static void kb_hist_push(kb_strv *h, const char *s)
{
    if (!h || !s[0] || (h->n && strcmp(h->v[h->n - 1], s) == 0))
        return;
    kb_strv_push(h, s);
}

/* Completion candidates for the word before the cursor. */
static const char *const kb_filter_words[] = {
    "dept:", "lead:", "stage:", "line:", "owner:",  "org:", "tag:",    "hook:",   "title:", "text:",
    "conf:", "prio:", "id:",    "due<",  "review<", "has:", "overdue", "blocked", "agenda", "cross",
};
/* The ':' line's screen commands (cmdline.c); the rest of its words come
 * from the command table (kb_cmd_words). */
static const char *const kb_screen_words[] = {
    "show", "open", "new", "filter", "undo", "refresh", "lock", "quit",
};

static void kb_view_prompt_complete(kb_tui_app *a, kb_tui_prompt *p)
{
    size_t ws = p->line.cur;
    while (ws > 0 && p->line.text[ws - 1] != ' ')
        ws--;
    size_t wl = p->line.cur - ws;
    const char *word = p->line.text + ws;
    kb_strv cands = {0}, names = {0};
    if (p->kind == KB_PR_FILTER) {
        const char *colon = memchr(word, ':', wl);
        if (colon) {
            size_t fl = (size_t)(colon - word) + 1, vl = wl - fl;
            const char *v = colon + 1;
            /* codes, found by code or by name (kb_fold: any case, with
             * or without accents: "dept:econ" completes to ECO) */
            if (fl == 6 && strncmp(word, "stage:", 6) == 0)
                for (size_t i = 0; i < a->refs.nstages; i++) {
                    kb_strv_push(&cands, a->refs.stages[i].code);
                    kb_strv_push(&names, a->refs.stages[i].name ? a->refs.stages[i].name : "");
                }
            else if ((fl == 5 && strncmp(word, "dept:", 5) == 0) ||
                     (fl == 5 && strncmp(word, "lead:", 5) == 0))
                for (size_t i = 0; i < a->refs.ndepts; i++) {
                    kb_strv_push(&cands, a->refs.depts[i].code);
                    kb_strv_push(&names, a->refs.depts[i].name ? a->refs.depts[i].name : "");
                }
            else if (fl == 5 && strncmp(word, "line:", 5) == 0)
                for (size_t i = 0; i < a->refs.nlines; i++) {
                    kb_strv_push(&cands, a->refs.lines[i].code);
                    kb_strv_push(&names, a->refs.lines[i].name ? a->refs.lines[i].name : "");
                }
            ws += fl;
            wl = vl;
            word = v;
        } else {
            for (size_t i = 0; i < sizeof kb_filter_words / sizeof *kb_filter_words; i++)
                kb_strv_push(&cands, kb_filter_words[i]);
        }
    } else if (p->kind == KB_PR_COMMAND && ws == 0) {
        kb_cmd_words(NULL, true, &cands);
        for (size_t i = 0; i < sizeof kb_screen_words / sizeof *kb_screen_words; i++)
            if (!kb_strv_contains(&cands, kb_screen_words[i]))
                kb_strv_push(&cands, kb_screen_words[i]);
    } else if (p->kind == KB_PR_COMMAND) {
        /* the second word of a group: its subcommands */
        size_t fe = 0;
        while (fe < ws && p->line.text[fe] != ' ')
            fe++;
        char *first = kb_strndup(p->line.text, fe);
        if (strspn(p->line.text + fe, " ") == ws - fe) /* nothing between: word two */
            kb_cmd_words(first, true, &cands);
        kb_free(&first);
    }
    const char *match = NULL;
    size_t nmatch = 0;
    char *typed = kb_strndup(word, wl);
    char *ft = kb_fold(typed);
    size_t ftl = strlen(ft);
    kb_free(&typed);
    bool *hit = kb_calloc(cands.n ? cands.n : 1, sizeof *hit);
    for (size_t i = 0; i < cands.n; i++) {
        char *fc = kb_fold(cands.v[i]);
        char *fn = i < names.n ? kb_fold(names.v[i]) : NULL;
        hit[i] = strncmp(fc, ft, ftl) == 0 || (fn && ftl && strncmp(fn, ft, ftl) == 0);
        kb_free(&fc);
        kb_free(&fn);
        if (hit[i]) {
            match = cands.v[i];
            nmatch++;
        }
    }
    kb_free(&ft);
    if (nmatch == 1) {
        /* the typed word (perhaps a name, or without its accents) becomes
         * the candidate */
        size_t cur = p->line.cur;
        char *line = kb_asprintf("%.*s%s%s", (int)ws, p->line.text, match, p->line.text + cur);
        size_t at = ws + strlen(match);
        kb_tui_line_set(&p->line, line);
        p->line.cur = at;
        kb_free(&line);
        if (p->kind == KB_PR_COMMAND || !strchr("<:", match[strlen(match) - 1]))
            kb_tui_line_insert(&p->line, " ");
    } else if (nmatch > 1) {
        kb_buf b = KB_BUF_INIT;
        for (size_t i = 0; i < cands.n; i++)
            if (hit[i])
                kb_buf_printf(&b, "%s%s", b.len ? " " : "", cands.v[i]);
        kb_free(&p->info);
        p->info = kb_buf_take(&b);
    }
    kb_free(&hit);
    kb_strv_free(&cands);
    kb_strv_free(&names);
}

/* Why a comment or reason was not saved; a retry is offered unless the
 * user may not make the change (KB_EPERM: Enter could never work). */
static char *kb_prompt_not_saved(const kb_tui_app *a)
{
    if (a->save_rc == KB_EPERM)
        return kb_asprintf(_("Not saved: %s (Esc to close)"), a->msg);
    return kb_asprintf(_("Not saved: %s (Enter to retry, Esc to cancel)"), a->msg);
}

/* Close the prompt without doing what it asks. */
static unsigned kb_prompt_cancel(kb_tui_app *a, kb_tui_prompt *p)
{
    if (p->kind == KB_PR_REASON)
        kb_tui_msg(a, false, "%s", _("Move cancelled"));
    else if (p->kind == KB_PR_FORM_REASON)
        kb_tui_msg(a, false, "%s", _("Not saved: the new stage needs a reason"));
    else if (p->kind == KB_PR_COMMENT && p->line.text[0])
        kb_tui_msg(a, false, "%s", _("Comment discarded"));
    kb_tui_view_close(a, p);
    return KB_TUI_R_VIEW;
}

/* Text typed into a prompt whose Esc would throw it away: a comment (the
 * filter and ':' lines are commands, and Esc on a reason cancels the move
 * it was asked for). */
static bool kb_prompt_dirty(const kb_tui_prompt *p)
{
    return p->kind == KB_PR_COMMENT && p->line.text[0] && !p->line.suggested;
}

static unsigned kb_prompt_action(kb_tui_app *a, void *st, kb_action act)
{
    kb_tui_prompt *p = st;
    if (p->confirm_discard) { /* any other key: keep the text */
        p->confirm_discard = false;
        if (act == KB_ACTION_CANCEL || act == KB_ACTION_BACK || act == KB_ACTION_SUBMIT)
            return KB_TUI_R_VIEW;
    }
    switch (act) {
    case KB_ACTION_SUBMIT: {
        char *text = kb_strdup(p->line.text);
        kb_tui_prompt_kind kind = p->kind;
        uint32_t number = p->number;
        char *stage = p->stage ? kb_strdup(p->stage) : NULL;
        unsigned r = KB_TUI_R_VIEW;
        if (kind == KB_PR_FILTER) {
            kb_err e;
            kb_err_clear(&e);
            if (kb_tui_set_filter(a, text, &e)) {
                kb_free(&p->error);
                p->error = kb_strdup(e.msg);
            } else {
                kb_hist_push(&a->hist_filter, text);
                kb_tui_history_save(a);
                kb_tui_view_close(a, p);
                if (a->filter_text)
                    kb_tui_msg(a, false,
                               dngettext(KB_TEXTDOMAIN, "%zu of %zu case matches",
                                         "%zu of %zu cases match", a->lay.total),
                               a->lay.shown, a->lay.total);
                else
                    kb_tui_msg(a, false, "%s", _("Filter cleared"));
            }
        } else if (kind == KB_PR_COMMAND) {
            kb_hist_push(&a->hist_command, text);
            kb_tui_view_close(a, p);
            r |= kb_tui_command(a, text);
            if (a->cmd_rc != KB_OK) { /* nothing changed: the line stays for a retry */
                char *why = kb_strdup(a->msg);
                r |= kb_view_prompt_open(a, KB_PR_COMMAND, ":", text, 0, NULL);
                kb_tui_prompt *np = kb_tui_prompt_state(a);
                if (np) {
                    kb_free(&np->error);
                    np->error = why;
                    why = NULL;
                }
                kb_free(&why);
            }
        } else if (kind == KB_PR_REASON) {
            if (!text[0]) {
                kb_free(&p->error);
                p->error = kb_strdup(_("This stage needs a reason (Esc to cancel the move)"));
            } else {
                a->save_rc = KB_OK;
                r |= kb_tui_move_to(a, number, stage, text);
                if (a->msg_error) { /* not saved: the reason stays here for a retry */
                    kb_free(&p->error);
                    p->error = kb_prompt_not_saved(a);
                } else {
                    kb_tui_view_close(a, p);
                    kb_view_case_reload(a, true); /* the case view the move was made in */
                }
            }
        } else if (kind == KB_PR_FORM_REASON) {
            if (!text[0]) {
                kb_free(&p->error);
                p->error = kb_strdup(_("This stage needs a reason (Esc to go back to the form)"));
            } else {
                kb_tui_view_close(a, p);
                r |= kb_view_form_submit_reason(a, text);
            }
        } else if (kind == KB_PR_GUEST || kind == KB_PR_AGENDA_PLAN || kind == KB_PR_AGENDA_ADD) {
            r |= kind == KB_PR_GUEST
                     ? kb_view_meeting_guest(a, text)
                     : kb_view_meeting_agenda_edit(a, kind == KB_PR_AGENDA_ADD, number, text);
            if (a->msg_error) { /* not changed: the text stays here for a retry */
                kb_free(&p->error);
                p->error = kb_strdup(a->msg);
            } else {
                kb_tui_view_close(a, p);
            }
        } else {
            a->save_rc = KB_OK;
            r |= kb_tui_comment(a, number, text);
            if (a->msg_error) { /* not saved: the comment stays here for a retry */
                kb_free(&p->error);
                p->error = kb_prompt_not_saved(a);
            } else {
                kb_tui_view_close(a, p);
                if (kb_tui_current_case(a) == number) {
                    kb_view_case_show_end(a, number); /* with the new entry at the end */
                    r |= KB_TUI_R_VIEW;
                }
            }
        }
        kb_free(&text);
        kb_free(&stage);
        return r;
    }
    case KB_ACTION_CANCEL:
    case KB_ACTION_BACK:
        if (kb_prompt_dirty(p)) { /* as the forms: typed input is not thrown away at once */
            p->confirm_discard = true;
            return KB_TUI_R_VIEW;
        }
        return kb_prompt_cancel(a, p);
    case KB_ACTION_HISTORY_PREV:
    case KB_ACTION_HISTORY_NEXT: {
        kb_strv *h = kb_view_prompt_hist(a, p);
        if (!h || !h->n)
            return KB_TUI_R_STATUS;
        int n = (int)h->n;
        if (act == KB_ACTION_HISTORY_PREV)
            p->hist = p->hist < 0 ? n - 1 : p->hist > 0 ? p->hist - 1 : 0;
        else
            p->hist = p->hist < 0 || p->hist + 1 >= n ? -1 : p->hist + 1;
        kb_tui_line_set(&p->line, p->hist < 0 ? "" : h->v[p->hist]);
        kb_view_prompt_update(a, p);
        return KB_TUI_R_VIEW;
    }
    case KB_ACTION_COMPLETE:
        kb_view_prompt_complete(a, p);
        if (p->kind == KB_PR_FILTER) {
            char *keep = p->info && strchr(p->info, ' ') && !strstr(p->info, _("match"))
                             ? kb_strdup(p->info)
                             : NULL;
            kb_view_prompt_update(a, p);
            if (keep) {
                kb_free(&p->info);
                p->info = keep;
            }
        }
        return KB_TUI_R_VIEW;
    default:
        if (kb_tui_line_action(&p->line, act)) {
            kb_view_prompt_update(a, p);
            return KB_TUI_R_VIEW;
        }
        return KB_TUI_R_NONE;
    }
}

static unsigned kb_prompt_text(kb_tui_app *a, void *st, uint32_t cp)
{
    kb_tui_prompt *p = st;
    if (p->confirm_discard) {
        p->confirm_discard = false;
        /* y (or the Dutch j) discards; anything else keeps the text */
        if (cp == 'y' || cp == 'Y' || cp == 'j' || cp == 'J')
            return kb_prompt_cancel(a, p);
        return KB_TUI_R_VIEW;
    }
    if (cp < 0x20)
        return KB_TUI_R_NONE; /* one line: no Ctrl-J newline */
    kb_tui_line_insert_cp(&p->line, cp);
    kb_view_prompt_update(a, p);
    return KB_TUI_R_VIEW;
}

/* The input keeps at least this many columns next to the prompt's label. */
enum { KB_PROMPT_MIN_INPUT = 20 };

/* The label at the start of row y in at most room columns: whole if it fits,
 * else shortened with an ellipsis, but always ending in its separator (": ")
 * so the typed text never runs into it.  Returns the columns used. */
static int kb_prompt_label(kb_grid *g, int y, int room, const char *label)
{
    kb_style ls = KB_STYLE(KB_GA_BOLD, KB_GC_ACCENT);
    int need = kb_tui_width(label, g->utf8);
    if (need <= room)
        return kb_grid_put(g, 0, y, need, label, ls);
    size_t n = strlen(label), sl = 0;
    if (n >= 2 && label[n - 2] == ':' && label[n - 1] == ' ')
        sl = 2;
    else if (n >= 1 && (label[n - 1] == ':' || label[n - 1] == ' '))
        sl = 1;
    int sw = (int)sl;
    int bw = room - sw;
    if (bw < 2) /* one character and the ellipsis, whatever the room */
        bw = 2;
    if (bw + sw > g->w - 1)
        bw = g->w - 1 - sw;
    char *body = kb_strndup(label, n - sl);
    int lw = bw > 0 ? kb_grid_put_cut(g, 0, y, bw, body, ls) : 0;
    kb_free(&body);
    return lw + kb_grid_put(g, lw, y, sw, label + n - sl, ls);
}

/* The prompt takes the status line (and the row above for an error). */
static void kb_prompt_draw(kb_tui_app *a, void *st, kb_grid *g)
{
    kb_tui_prompt *p = st;
    int y = g->h - 1;
    kb_grid_fill(g, 0, y, g->w, 1, KB_PLAIN);
    int iw = p->info ? kb_tui_width(p->info, g->utf8) + 2 : 0;
    if (iw > g->w / 2)
        iw = g->w / 2;
    int lw = kb_prompt_label(g, y, g->w - iw - KB_PROMPT_MIN_INPUT, p->label);
    int tw = g->w - lw - iw - 1;
    /* scroll the text so the cursor stays visible */
    size_t skip = 0;
    while (skip < p->line.cur) {
        char *t = kb_strndup(p->line.text + skip, p->line.cur - skip);
        int w = kb_tui_width(t, g->utf8);
        kb_free(&t);
        if (w <= tw - 1)
            break;
        uint32_t cp;
        skip += kb_tui_utf8_next(p->line.text + skip, p->line.len - skip, &cp);
    }
    /* a suggestion shows as selected text */
    kb_grid_put(g, lw, y, tw, p->line.text + skip,
                p->line.suggested ? KB_STYLE(KB_GA_REVERSE, KB_GC_DEFAULT) : KB_PLAIN);
    char *before = kb_strndup(p->line.text + skip, p->line.cur - skip);
    a->cursor_x = lw + kb_tui_width(before, g->utf8);
    a->cursor_y = y;
    kb_free(&before);
    if (p->info)
        kb_grid_put_cut(g, g->w - iw, y, iw, p->info, KB_STYLE(0, KB_GC_MUTED));
    if (p->confirm_discard && y > 1)
        kb_tui_draw_wrapped(g, y - 1, _("Discard changes? y/n"), KB_STYLE(KB_GA_BOLD, KB_GC_WARN));
    else if (p->error && y > 1) /* whole, over as many rows as it needs */
        kb_tui_draw_wrapped(g, y - 1, p->error, KB_STYLE(KB_GA_BOLD, KB_GC_ERROR));
}

const kb_tui_view_ops kb_tui_view_prompt = {
    .name = "prompt",
    .ctx = KB_CONTEXT_PROMPT,
    .state_size = sizeof(kb_tui_prompt),
    .overlay = true,
    .open = kb_prompt_open,
    .close = kb_prompt_close,
    .draw = kb_prompt_draw,
    .action = kb_prompt_action,
    .text = kb_prompt_text,
};

/* ------------------------------------------------------------ help */

static unsigned kb_help_open(kb_tui_app *a, void *st, const void *arg)
{
    kb_tui_help_view *h = st;
    (void)a;
    h->ctx = *(const kb_context *)arg;
    h->list.pager = true;
    return KB_TUI_R_VIEW;
}

unsigned kb_view_help_open(kb_tui_app *a, kb_context ctx)
{
    if (ctx == KB_CONTEXT_PROMPT)
        ctx = KB_CONTEXT_BOARD;
    while (a->depth > 1 && a->stack[a->depth - 1].ops->overlay) {
        if (a->stack[a->depth - 1].ops->ctx != KB_CONTEXT_PROMPT)
            return KB_TUI_R_NONE; /* a dialog must be answered first */
        (void)kb_tui_view_pop(a); /* a prompt gives way */
    }
    if (kb_tui_view_is_top(a, &kb_tui_view_help))
        return KB_TUI_R_NONE;
    return kb_tui_view_push(a, &kb_tui_view_help, &ctx);
}

/* A row of the help screen: a context heading, a line of a key binding
 * (its keys, its action's name on the first line only, its help text) or
 * of a keymap/config problem (name NULL).  Long keys and help texts wrap
 * over several rows, so at 80 columns nothing is cut. */
typedef struct kb_help_row {
    char *keys, *help;
    const char *name;
    bool heading, problem;
} kb_help_row;

typedef struct kb_help_rows {
    kb_help_row *v;
    size_t n, cap;
} kb_help_rows;

static kb_help_row *kb_help_push(kb_help_rows *r)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->v = kb_reallocarray(r->v, r->cap, sizeof *r->v);
    }
    kb_help_row *row = &r->v[r->n++];
    memset(row, 0, sizeof *row);
    return row;
}

typedef struct kb_help_layout {
    int kw, nw, hw; /* columns of the keys, the name, the help text */
    bool utf8;
} kb_help_layout;

/* The keys "a, <Backspace>, <C-h>" as lines of at most kw - 1 columns,
 * broken after a comma (a key longer than that alone on its line). */
static void kb_help_keys_lines(const char *keys, int kw, bool utf8, kb_strv *out)
{
    kb_buf line = KB_BUF_INIT;
    const char *p = keys;
    while (*p) {
        const char *comma = strstr(p, ", ");
        size_t n = comma ? (size_t)(comma - p) + 1 : strlen(p); /* with its comma */
        char *one = kb_strndup(p, n);
        int lw = line.len ? kb_tui_width(line.data, utf8) : 0;
        if (line.len && lw + 1 + kb_tui_width(one, utf8) > kw - 1) {
            kb_strv_push(out, line.data);
            kb_buf_clear(&line);
        }
        if (line.len)
            kb_buf_putc(&line, ' ');
        kb_buf_puts(&line, one);
        kb_free(&one);
        p += n;
        while (*p == ' ')
            p++;
    }
    if (line.len || !out->n)
        kb_strv_push(out, line.data ? line.data : "");
    kb_buf_free(&line);
}

static void kb_help_binding(kb_help_rows *r, const kb_help_layout *lo, const char *keys,
                            const char *name, const char *help)
{
    kb_strv kl = {0}, hl = {0};
    kb_help_keys_lines(keys, lo->kw, lo->utf8, &kl);
    kb_tui_wrap(help ? help : "", lo->hw, lo->utf8, &hl);
    size_t n = kl.n > hl.n ? kl.n : hl.n;
    for (size_t i = 0; i < n; i++) {
        kb_help_row *row = kb_help_push(r);
        row->keys = kb_strdup(i < kl.n ? kl.v[i] : "");
        row->name = i == 0 ? name : "";
        row->help = kb_strdup(i < hl.n ? hl.v[i] : "");
    }
    kb_strv_free(&kl);
    kb_strv_free(&hl);
}

static void kb_help_text(kb_help_rows *r, const char *text, int w, bool utf8, bool heading)
{
    kb_strv l = {0};
    kb_tui_wrap(text, w, utf8, &l);
    for (size_t i = 0; i < l.n; i++) {
        kb_help_row *row = kb_help_push(r);
        row->keys = kb_strdup(l.v[i]);
        row->heading = heading;
        row->problem = !heading;
    }
    kb_strv_free(&l);
}

typedef struct kb_help_draw_ctx {
    const kb_help_row *rows;
    kb_help_layout lo;
} kb_help_draw_ctx;

static void kb_help_row_draw(void *ctx, kb_grid *g, size_t i, int x, int y, int w, bool sel)
{
    const kb_help_draw_ctx *d = ctx;
    const kb_help_row *rw = &d->rows[i];
    int kw = d->lo.kw, nw = d->lo.nw;
    (void)sel;
    if (rw->heading) {
        kb_grid_put_cut(g, x + 1, y, w - 2, rw->keys,
                        KB_STYLE(KB_GA_BOLD | KB_GA_UNDERLINE, KB_GC_STAGE));
        return;
    }
    if (rw->problem) {
        kb_grid_put_cut(g, x + 3, y, w - 4, rw->keys, KB_STYLE(0, KB_GC_ERROR));
        return;
    }
    kb_grid_put_cut(g, x + 3, y, kw - 1, rw->keys, KB_STYLE(KB_GA_BOLD, KB_GC_ACCENT));
    kb_grid_put_cut(g, x + 3 + kw, y, nw - 1, rw->name, KB_PLAIN);
    kb_grid_put_cut(g, x + 3 + kw + nw, y, d->lo.hw, rw->help, KB_STYLE(0, KB_GC_MUTED));
}

static void kb_help_draw(kb_tui_app *a, void *st, kb_grid *g)
{
    kb_tui_help_view *h = st;
    kb_tui_draw_bar(a, g, NULL);
    kb_keymap_help_entry *ent = NULL;
    size_t n = 0;
    if (kb_keymap_help(a->km, h->ctx, &ent, &n) != KB_OK)
        return;
    /* the columns: the keys (wrapped after a comma), the action's name
     * (the longest), the help text in the rest but the last three columns
     * (the pager's "..." never covers it), wrapped */
    kb_help_layout lo = {g->w >= 100 ? 24 : 16, 0, 0, g->utf8};
    for (size_t i = 0; i < n; i++) {
        int w = kb_tui_width(ent[i].name, g->utf8) + 2;
        lo.nw = w > lo.nw ? w : lo.nw;
    }
    if (lo.nw > 26)
        lo.nw = 26;
    lo.hw = g->w - 3 - lo.kw - lo.nw - 3;
    if (lo.hw < 12)
        lo.hw = 12;
    kb_help_rows rows = {0};
    kb_context last = KB_CONTEXT_COUNT;
    for (size_t i = 0; i <= n; i++) {
        bool end_of_ctx = i == n || ent[i].context != last;
        if (end_of_ctx && last == KB_CONTEXT_FORM) /* the keys the form handles itself */
            for (size_t k = 0; k < kb_view_form_fixed_key_count; k++)
                kb_help_binding(&rows, &lo, kb_view_form_fixed_keys[k].keys, "",
                                _(kb_view_form_fixed_keys[k].help));
        if (i == n)
            break;
        if (ent[i].context != last) {
            last = ent[i].context;
            char *head =
                kb_asprintf("%s: %s", kb_keymap_context_name(last), kb_keymap_context_help(last));
            kb_help_text(&rows, head, g->w - 5, g->utf8, true);
            kb_free(&head);
        }
        kb_help_binding(&rows, &lo, ent[i].keys[0] ? ent[i].keys : _("(not bound)"), ent[i].name,
                        ent[i].help);
    }
    if (a->diags.n) {
        kb_help_text(&rows, _("Problems in the keymap and config files:"), g->w - 5, g->utf8, true);
        for (size_t i = 0; i < a->diags.n; i++)
            kb_help_text(&rows, a->diags.v[i], g->w - 7, g->utf8, false);
    }
    char *title = kb_asprintf(_("Keys on this screen (%s)"), kb_keymap_context_name(h->ctx));
    kb_grid_put_cut(g, 1, 1, g->w - 2, title, KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT));
    kb_free(&title);
    kb_help_draw_ctx d = {rows.v, lo};
    h->list.n = rows.n;
    kb_tui_list_draw(&h->list, g, 0, 2, g->w, g->h - 3, kb_help_row_draw, &d);
    for (size_t i = 0; i < rows.n; i++) {
        kb_free(&rows.v[i].keys);
        kb_free(&rows.v[i].help);
    }
    kb_free(&rows.v);
    kb_keymap_help_free(&ent, n);
}

static unsigned kb_help_action(kb_tui_app *a, void *st, kb_action act)
{
    kb_tui_help_view *h = st;
    if (kb_tui_list_action(&h->list, act))
        return KB_TUI_R_VIEW;
    switch (act) {
    case KB_ACTION_BACK:
    case KB_ACTION_CANCEL:
    case KB_ACTION_HELP:
        kb_tui_view_close(a, h);
        return KB_TUI_R_VIEW;
    default:
        return KB_TUI_R_NONE;
    }
}

static kb_style kb_help_hints(kb_tui_app *a, void *st, kb_buf *out)
{
    (void)st;
    static const kb_action acts[] = {KB_ACTION_CURSOR_DOWN, KB_ACTION_PAGE_DOWN, KB_ACTION_BACK};
    static const char *const labels[] = {N_("scroll"), N_("page"), N_("back")};
    kb_tui_hints_fit(a, KB_CONTEXT_HELP, acts, labels, 3, out);
    return KB_STYLE(0, KB_GC_MUTED);
}

const kb_tui_view_ops kb_tui_view_help = {
    .name = "help",
    .ctx = KB_CONTEXT_HELP,
    .state_size = sizeof(kb_tui_help_view),
    .open = kb_help_open,
    .draw = kb_help_draw,
    .action = kb_help_action,
    .hints = kb_help_hints,
};

/* ------------------------------------------------------------ lock screen */

void kb_view_lock_draw(kb_tui_app *a, kb_grid *g)
{
    const char *db = a->db_path ? strrchr(a->db_path, '/') : NULL;
    db = db ? db + 1 : a->db_path ? a->db_path : "";
    int bw = g->w - 4 < 70 ? g->w - 4 : 70;
    int x = (g->w - bw) / 2, y = g->h / 2 - 4;
    if (y < 0)
        y = 0;
    kb_style ts = KB_STYLE(KB_GA_BOLD | KB_GA_REVERSE, KB_GC_BAR);
    kb_grid_fill(g, x, y, bw, 1, ts);
    kb_grid_put_cut(g, x + 1, y, bw - 2, _("kernboard is locked"), ts);
    y += 2;
    char *why;
    if (a->idle_lock_ms >= 60000)
        why = kb_asprintf(dngettext(KB_TEXTDOMAIN,
                                    "Locked after %d minute without a key press; the board is "
                                    "closed.",
                                    "Locked after %d minutes without a key press; the board is "
                                    "closed.",
                                    (unsigned long)(a->idle_lock_ms / 60000)),
                          a->idle_lock_ms / 60000);
    else
        why = kb_strdup(_("The screen is locked and the board is closed."));
    kb_strv lines = {0};
    kb_tui_wrap(why, bw - 2, g->utf8, &lines);
    for (size_t i = 0; i < lines.n; i++)
        kb_grid_put(g, x + 1, y++, bw - 2, lines.v[i], KB_PLAIN);
    kb_strv_free(&lines);
    kb_free(&why);
    y++;
    char *prompt = kb_asprintf(_("Passphrase for %s on %s: "), a->user ? a->user : "?", db);
    int used = kb_grid_put(g, x + 1, y, bw - 2, prompt, KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT));
    a->cursor_x = x + 1 + used < g->w ? x + 1 + used : g->w - 1;
    a->cursor_y = y;
    kb_free(&prompt);
    y += 2;
    if (a->lock_error) {
        kb_strv el = {0};
        kb_tui_wrap(a->lock_error, bw - 2, g->utf8, &el);
        for (size_t i = 0; i < el.n && i < 3; i++)
            kb_grid_put(g, x + 1, y++, bw - 2, el.v[i], KB_STYLE(KB_GA_BOLD, KB_GC_ERROR));
        kb_strv_free(&el);
    }
    kb_grid_put(g, x + 1, y + 1, bw - 2, _("Type the passphrase (not shown) and press Enter."),
                KB_STYLE(0, KB_GC_MUTED));
}

unsigned kb_view_lock_key(kb_tui_app *a, kb_key k, bool *unlock)
{
    *unlock = false;
    if (!a->lock_pass)
        a->lock_pass = kb_secret_new(KB_PASSPHRASE_MAX);
    kb_secret *s = a->lock_pass;
    kb_action act = KB_ACTION_NONE;
    kb_keymap_result res = kb_keymap_feed(a->km, KB_CONTEXT_PROMPT, k, &a->kst, &act);
    if (res == KB_KEYMAP_ACTION) {
        switch (act) {
        case KB_ACTION_SUBMIT:
            if (kb_secret_len(s) > 0)
                *unlock = true;
            return KB_TUI_R_VIEW;
        case KB_ACTION_CANCEL:
        case KB_ACTION_KILL_TO_START:
            kb_secret_set_len(s, 0);
            return KB_TUI_R_VIEW;
        case KB_ACTION_DELETE_CHAR_BACK: {
            size_t n = kb_secret_len(s);
            char *d = kb_secret_data(s);
            while (n > 0 && ((unsigned char)d[n - 1] & 0xC0) == 0x80)
                n--;
            if (n > 0)
                n--;
            kb_secret_set_len(s, n);
            return KB_TUI_R_NONE;
        }
        default:
            return KB_TUI_R_NONE;
        }
    }
    if (res != KB_KEYMAP_NONE)
        return KB_TUI_R_NONE;
    if ((k & KB_KEY_MOD_MASK) || (k & KB_KEY_CODE_MASK) >= KB_KEY_SPECIAL || k < 0x20)
        return KB_TUI_R_NONE;
    char u[4];
    size_t n = kb_tui_utf8_put(k & KB_KEY_CODE_MASK, u);
    size_t len = kb_secret_len(s);
    if (len + n <= kb_secret_cap(s)) {
        memcpy(kb_secret_data(s) + len, u, n);
        kb_secret_set_len(s, len + n);
    }
    explicit_bzero(u, sizeof u);
    return KB_TUI_R_NONE;
}
