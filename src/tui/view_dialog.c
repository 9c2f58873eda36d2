/* view_dialog.c - the smaller screens: the conflict dialog, one-line
 * prompts (filter, command, reason, comment), the help screen generated
 * from the loaded keymap, and the idle-lock screen. */
#include "tui_internal.h"

#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------ conflict */

void kb_view_conflict_close(kb_tui_app *a)
{
    kb_tui_conflict *c = &a->conflict;
    kb_case_free(&c->mine);
    kb_case_free(&c->theirs);
    kb_case_init(&c->mine);
    kb_case_init(&c->theirs);
    c->n = c->sel = 0;
    if (a->overlay == KB_OV_CONFLICT)
        a->overlay = KB_OV_NONE;
}

void kb_view_conflict_open(kb_tui_app *a, const kb_case *mine, const kb_case *theirs)
{
    kb_view_conflict_close(a);
    kb_tui_conflict *c = &a->conflict;
    kb_case_copy(&c->mine, mine);
    kb_case_copy(&c->theirs, theirs);
    for (int f = 0; f < KB_FF_COUNT; f++) {
        char *x = kb_view_form_value(mine, (enum kb_tui_field)f),
             *y = kb_view_form_value(theirs, (enum kb_tui_field)f);
        if (strcmp(x, y) != 0)
            c->rows[c->n++] = (size_t)f;
        c->take_theirs[f] = false;
        kb_free(&x);
        kb_free(&y);
    }
    a->overlay = KB_OV_CONFLICT;
    kb_keymap_state_reset(&a->kst);
}

static unsigned kb_view_conflict_resolve(kb_tui_app *a)
{
    kb_tui_conflict *c = &a->conflict;
    kb_case merged, theirs;
    kb_case_copy(&merged, &c->theirs);
    kb_case_copy(&theirs, &c->theirs);
    for (size_t i = 0; i < c->n; i++)
        if (!c->take_theirs[c->rows[i]])
            kb_view_form_copy_field(&merged, &c->mine, (enum kb_tui_field)c->rows[i]);
    kb_view_conflict_close(a);
    unsigned r = kb_view_form_save_merged(a, &merged, &theirs);
    kb_case_free(&merged);
    kb_case_free(&theirs);
    return r | KB_TUI_R_VIEW;
}

unsigned kb_view_conflict_action(kb_tui_app *a, kb_action act)
{
    kb_tui_conflict *c = &a->conflict;
    switch (act) {
    case KB_ACTION_FIELD_NEXT:
    case KB_ACTION_CURSOR_DOWN:
        if (c->sel + 1 < c->n)
            c->sel++;
        return KB_TUI_R_VIEW;
    case KB_ACTION_FIELD_PREV:
    case KB_ACTION_CURSOR_UP:
        if (c->sel > 0)
            c->sel--;
        return KB_TUI_R_VIEW;
    case KB_ACTION_CURSOR_LEFT:
        if (c->n)
            c->take_theirs[c->rows[c->sel]] = false;
        return KB_TUI_R_VIEW;
    case KB_ACTION_CURSOR_RIGHT:
        if (c->n)
            c->take_theirs[c->rows[c->sel]] = true;
        return KB_TUI_R_VIEW;
    case KB_ACTION_SUBMIT:
        return kb_view_conflict_resolve(a);
    case KB_ACTION_CANCEL:
    case KB_ACTION_BACK:
        kb_view_conflict_close(a);
        if (a->form.open) {
            kb_free(&a->form.error);
            a->form.error = kb_strdup(_("Not saved: someone else changed this case while you "
                                        "edited it. Your input is kept."));
        }
        return KB_TUI_R_VIEW;
    default:
        return KB_TUI_R_VIEW;
    }
}

unsigned kb_view_conflict_text(kb_tui_app *a, uint32_t cp)
{
    kb_tui_conflict *c = &a->conflict;
    if (!c->n)
        return KB_TUI_R_NONE;
    bool *t = &c->take_theirs[c->rows[c->sel]];
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

void kb_view_conflict_draw(kb_tui_app *a, kb_grid *g)
{
    kb_tui_conflict *c = &a->conflict;
    int bw = g->w - 4 < 100 ? g->w - 4 : 100;
    int bh = (int)c->n + 7;
    if (bh > g->h - 2)
        bh = g->h - 2;
    if (bw < 20 || bh < 5)
        return;
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
    char *title = kb_asprintf(_(" Case #%u was changed by someone else "), c->theirs.number);
    kb_grid_put(g, x0 + 2, y0, bw - 4, title, KB_STYLE(KB_GA_BOLD | KB_GA_REVERSE, KB_GC_WARN));
    kb_free(&title);
    int iw = bw - 4, x = x0 + 2, y = y0 + 1;
    kb_grid_put_cut(g, x, y++, iw,
                    _("Choose per field: Left keeps yours, Right takes theirs, Space toggles."),
                    KB_PLAIN);
    kb_grid_put_cut(g, x, y++, iw, _("Enter saves the result; Esc goes back to your form."),
                    KB_PLAIN);
    y++;
    int lw = 16, cw = (iw - lw - 2) / 2;
    kb_style hs = KB_STYLE(KB_GA_BOLD | KB_GA_UNDERLINE, KB_GC_DEFAULT);
    kb_grid_put_cut(g, x, y, lw + 2, _("Field"), hs);
    kb_grid_put_cut(g, x + lw + 2, y, cw, _("Yours"), hs);
    kb_grid_put_cut(g, x + lw + 2 + cw, y, iw - lw - 2 - cw, _("Theirs"), hs);
    y++;
    if (!c->n) {
        kb_grid_put_cut(g, x, y, iw, _("(no field differs; Enter saves)"), KB_PLAIN);
        return;
    }
    int rows = y0 + bh - 1 - y;
    size_t first = c->sel >= (size_t)rows ? c->sel - (size_t)rows + 1 : 0;
    for (size_t i = first; i < c->n && y < y0 + bh - 1; i++, y++) {
        enum kb_tui_field f = (enum kb_tui_field)c->rows[i];
        bool sel = i == c->sel, th = c->take_theirs[f];
        kb_style rs = sel ? KB_STYLE(KB_GA_REVERSE, KB_GC_DEFAULT) : KB_PLAIN;
        kb_grid_fill(g, x, y, iw, 1, rs);
        char lab[96];
        snprintf(lab, sizeof lab, "%s %s", sel ? ">" : " ", kb_view_form_label(f));
        kb_grid_put_cut(g, x, y, lw + 2, lab, rs);
        char *m = kb_view_form_value(&c->mine, f), *t = kb_view_form_value(&c->theirs, f);
        char *ms = kb_asprintf("[%s] %s", th ? " " : "x", m[0] ? m : "-");
        char *ts = kb_asprintf("[%s] %s", th ? "x" : " ", t[0] ? t : "-");
        for (char *p = ms; *p; p++)
            if (*p == '\n')
                *p = ' ';
        for (char *p = ts; *p; p++)
            if (*p == '\n')
                *p = ' ';
        kb_grid_put_cut(g, x + lw + 2, y, cw - 1, ms,
                        th ? rs : KB_STYLE(rs.attr | KB_GA_BOLD, KB_GC_OK));
        kb_grid_put_cut(g, x + lw + 2 + cw, y, iw - lw - 2 - cw, ts,
                        th ? KB_STYLE(rs.attr | KB_GA_BOLD, KB_GC_OK) : rs);
        kb_free(&m);
        kb_free(&t);
        kb_free(&ms);
        kb_free(&ts);
    }
}

/* ------------------------------------------------------------ prompts */

void kb_view_prompt_close(kb_tui_app *a)
{
    kb_tui_prompt *p = &a->prompt;
    kb_tui_line_free(&p->line);
    kb_free(&p->label);
    kb_free(&p->info);
    kb_free(&p->error);
    kb_free(&p->stage);
    kb_free(&p->saved_filter);
    p->number = 0;
    p->hist = -1;
    if (a->overlay == KB_OV_PROMPT)
        a->overlay = KB_OV_NONE;
}

static void kb_view_prompt_update(kb_tui_app *a)
{
    kb_tui_prompt *p = &a->prompt;
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
        p->info = kb_asprintf(n == 1 ? _("%ld match") : _("%ld matches"), n);
}

void kb_view_prompt_open(kb_tui_app *a, kb_tui_prompt_kind kind, const char *label,
                         const char *text)
{
    kb_view_prompt_close(a);
    kb_tui_prompt *p = &a->prompt;
    p->kind = kind;
    kb_tui_line_init(&p->line, text);
    p->label = kb_strdup(label);
    p->hist = -1;
    a->overlay = KB_OV_PROMPT;
    kb_keymap_state_reset(&a->kst);
    kb_view_prompt_update(a);
}

static kb_strv *kb_view_prompt_hist(kb_tui_app *a)
{
    if (a->prompt.kind == KB_PR_FILTER)
        return &a->hist_filter;
    if (a->prompt.kind == KB_PR_COMMAND)
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
static const char *const kb_command_words[] = {
    "move", "comment", "show", "open", "edit",  "add",  "list", "filter",
    "undo", "refresh", "lock", "who",  "locks", "help", "quit",
};

static void kb_view_prompt_complete(kb_tui_app *a)
{
    kb_tui_prompt *p = &a->prompt;
    size_t ws = p->line.cur;
    while (ws > 0 && p->line.text[ws - 1] != ' ')
        ws--;
    size_t wl = p->line.cur - ws;
    const char *word = p->line.text + ws;
    kb_strv cands = {0};
    if (p->kind == KB_PR_FILTER) {
        const char *colon = memchr(word, ':', wl);
        if (colon) {
            size_t fl = (size_t)(colon - word) + 1, vl = wl - fl;
            const char *v = colon + 1;
            if (fl == 6 && strncmp(word, "stage:", 6) == 0)
                for (size_t i = 0; i < a->refs.nstages; i++)
                    kb_strv_push(&cands, a->refs.stages[i].code);
            else if ((fl == 5 && strncmp(word, "dept:", 5) == 0) ||
                     (fl == 5 && strncmp(word, "lead:", 5) == 0))
                for (size_t i = 0; i < a->refs.ndepts; i++)
                    kb_strv_push(&cands, a->refs.depts[i].code);
            else if (fl == 5 && strncmp(word, "line:", 5) == 0)
                for (size_t i = 0; i < a->refs.nlines; i++)
                    kb_strv_push(&cands, a->refs.lines[i].code);
            ws += fl;
            wl = vl;
            word = v;
        } else {
            for (size_t i = 0; i < sizeof kb_filter_words / sizeof *kb_filter_words; i++)
                kb_strv_push(&cands, kb_filter_words[i]);
        }
    } else if (p->kind == KB_PR_COMMAND && ws == 0) {
        for (size_t i = 0; i < sizeof kb_command_words / sizeof *kb_command_words; i++)
            kb_strv_push(&cands, kb_command_words[i]);
    }
    const char *match = NULL;
    size_t nmatch = 0;
    for (size_t i = 0; i < cands.n; i++)
        if (strncasecmp(cands.v[i], word, wl) == 0) {
            match = cands.v[i];
            nmatch++;
        }
    if (nmatch == 1) {
        kb_tui_line_insert(&p->line, match + wl);
        if (p->kind == KB_PR_COMMAND || !strchr("<:", match[strlen(match) - 1]))
            kb_tui_line_insert(&p->line, " ");
    } else if (nmatch > 1) {
        kb_buf b = KB_BUF_INIT;
        for (size_t i = 0; i < cands.n; i++)
            if (strncasecmp(cands.v[i], word, wl) == 0)
                kb_buf_printf(&b, "%s%s", b.len ? " " : "", cands.v[i]);
        kb_free(&p->info);
        p->info = kb_buf_take(&b);
    }
    kb_strv_free(&cands);
}

unsigned kb_view_prompt_action(kb_tui_app *a, kb_action act)
{
    kb_tui_prompt *p = &a->prompt;
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
                kb_view_prompt_close(a);
                if (a->filter_text)
                    kb_tui_msg(a, false, _("%zu of %zu cases match"), a->lay.shown, a->lay.total);
                else
                    kb_tui_msg(a, false, "%s", _("Filter cleared"));
            }
        } else if (kind == KB_PR_COMMAND) {
            kb_hist_push(&a->hist_command, text);
            kb_view_prompt_close(a);
            r |= kb_tui_command(a, text);
        } else if (kind == KB_PR_REASON) {
            if (!text[0]) {
                kb_free(&p->error);
                p->error = kb_strdup(_("This stage needs a reason (Esc to cancel the move)"));
            } else {
                kb_view_prompt_close(a);
                r |= kb_tui_move_to(a, number, stage, text);
                if (a->view == KB_VIEW_CASE)
                    kb_view_case_reload(a, true);
            }
        } else {
            kb_view_prompt_close(a);
            r |= kb_tui_comment(a, number, text);
        }
        kb_free(&text);
        kb_free(&stage);
        return r;
    }
    case KB_ACTION_CANCEL:
    case KB_ACTION_BACK:
        if (p->kind == KB_PR_REASON)
            kb_tui_msg(a, false, "%s", _("Move cancelled"));
        kb_view_prompt_close(a);
        return KB_TUI_R_VIEW;
    case KB_ACTION_HISTORY_PREV:
    case KB_ACTION_HISTORY_NEXT: {
        kb_strv *h = kb_view_prompt_hist(a);
        if (!h || !h->n)
            return KB_TUI_R_STATUS;
        int n = (int)h->n;
        if (act == KB_ACTION_HISTORY_PREV)
            p->hist = p->hist < 0 ? n - 1 : p->hist > 0 ? p->hist - 1 : 0;
        else
            p->hist = p->hist < 0 || p->hist + 1 >= n ? -1 : p->hist + 1;
        kb_tui_line_set(&p->line, p->hist < 0 ? "" : h->v[p->hist]);
        kb_view_prompt_update(a);
        return KB_TUI_R_VIEW;
    }
    case KB_ACTION_COMPLETE:
        kb_view_prompt_complete(a);
        if (p->kind == KB_PR_FILTER) {
            char *keep = p->info && strchr(p->info, ' ') && !strstr(p->info, _("match"))
                             ? kb_strdup(p->info)
                             : NULL;
            kb_view_prompt_update(a);
            if (keep) {
                kb_free(&p->info);
                p->info = keep;
            }
        }
        return KB_TUI_R_VIEW;
    default:
        if (kb_tui_line_action(&p->line, act)) {
            kb_view_prompt_update(a);
            return KB_TUI_R_VIEW;
        }
        return KB_TUI_R_NONE;
    }
}

unsigned kb_view_prompt_text(kb_tui_app *a, uint32_t cp)
{
    kb_tui_line_insert_cp(&a->prompt.line, cp);
    kb_view_prompt_update(a);
    return KB_TUI_R_VIEW;
}

void kb_view_prompt_draw(kb_tui_app *a, kb_grid *g)
{
    kb_tui_prompt *p = &a->prompt;
    int y = g->h - 1;
    kb_grid_fill(g, 0, y, g->w, 1, KB_PLAIN);
    int iw = p->info ? kb_tui_width(p->info, g->utf8) + 2 : 0;
    if (iw > g->w / 2)
        iw = g->w / 2;
    int lw = kb_grid_put(g, 0, y, g->w / 2, p->label, KB_STYLE(KB_GA_BOLD, KB_GC_ACCENT));
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
    kb_grid_put(g, lw, y, tw, p->line.text + skip, KB_PLAIN);
    char *before = kb_strndup(p->line.text + skip, p->line.cur - skip);
    a->cursor_x = lw + kb_tui_width(before, g->utf8);
    a->cursor_y = y;
    kb_free(&before);
    if (p->info)
        kb_grid_put_cut(g, g->w - iw, y, iw, p->info, KB_STYLE(0, KB_GC_MUTED));
    if (p->error && y > 1) {
        kb_grid_fill(g, 0, y - 1, g->w, 1, KB_STYLE(KB_GA_BOLD, KB_GC_ERROR));
        kb_grid_put_cut(g, 1, y - 1, g->w - 2, p->error, KB_STYLE(KB_GA_BOLD, KB_GC_ERROR));
    }
}

/* ------------------------------------------------------------ help */

unsigned kb_view_help_open(kb_tui_app *a, kb_context ctx)
{
    if (a->overlay == KB_OV_PROMPT)
        kb_view_prompt_close(a);
    if (a->overlay != KB_OV_NONE)
        return KB_TUI_R_NONE;
    if (a->view == KB_VIEW_HELP)
        return KB_TUI_R_NONE;
    a->help.ctx = ctx == KB_CONTEXT_PROMPT ? KB_CONTEXT_BOARD : ctx;
    a->help.back = a->view;
    a->help.scroll = 0;
    a->view = KB_VIEW_HELP;
    return KB_TUI_R_VIEW;
}

void kb_view_help_draw(kb_tui_app *a, kb_grid *g)
{
    kb_tui_draw_bar(a, g, NULL);
    kb_keymap_help_entry *ent = NULL;
    size_t n = 0;
    if (kb_keymap_help(a->km, a->help.ctx, &ent, &n) != KB_OK)
        return;
    typedef struct {
        char *keys;
        const char *name, *help;
        bool heading;
    } row;
    row *rows = kb_calloc(n + a->diags.n + 8, sizeof *rows);
    size_t nr = 0;
    kb_context last = KB_CONTEXT_COUNT;
    for (size_t i = 0; i < n; i++) {
        if (ent[i].context != last) {
            last = ent[i].context;
            rows[nr].heading = true;
            rows[nr].keys =
                kb_asprintf("%s: %s", kb_keymap_context_name(last), kb_keymap_context_help(last));
            nr++;
        }
        rows[nr].keys = kb_strdup(ent[i].keys[0] ? ent[i].keys : _("(not bound)"));
        rows[nr].name = ent[i].name;
        rows[nr].help = ent[i].help;
        nr++;
    }
    if (a->diags.n) {
        rows[nr].heading = true;
        rows[nr++].keys = kb_strdup(_("Problems in the keymap and config files:"));
        for (size_t i = 0; i < a->diags.n; i++)
            rows[nr++].keys = kb_strdup(a->diags.v[i]);
    }
    char *title = kb_asprintf(_("Keys on this screen (%s)"), kb_keymap_context_name(a->help.ctx));
    kb_grid_put_cut(g, 1, 1, g->w - 2, title, KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT));
    kb_free(&title);
    int top = 2, vis = g->h - 3;
    a->help.lines = (int)nr;
    if (a->help.scroll > (int)nr - vis)
        a->help.scroll = (int)nr - vis;
    if (a->help.scroll < 0)
        a->help.scroll = 0;
    int kw = g->w >= 100 ? 24 : 16, nw = g->w >= 100 ? 22 : 18;
    for (int r = 0; r < vis && (size_t)(a->help.scroll + r) < nr; r++) {
        const row *rw = &rows[a->help.scroll + r];
        int y = top + r;
        if (rw->heading) {
            kb_grid_put_cut(g, 1, y, g->w - 2, rw->keys,
                            KB_STYLE(KB_GA_BOLD | KB_GA_UNDERLINE, KB_GC_STAGE));
            continue;
        }
        if (!rw->name) {
            kb_grid_put_cut(g, 3, y, g->w - 4, rw->keys, KB_STYLE(0, KB_GC_ERROR));
            continue;
        }
        kb_grid_put_cut(g, 3, y, kw - 1, rw->keys, KB_STYLE(KB_GA_BOLD, KB_GC_ACCENT));
        kb_grid_put_cut(g, 3 + kw, y, nw - 1, rw->name, KB_PLAIN);
        if (g->w - 4 - kw - nw > 4)
            kb_grid_put_cut(g, 3 + kw + nw, y, g->w - 4 - kw - nw, rw->help,
                            KB_STYLE(0, KB_GC_MUTED));
    }
    if (a->help.scroll + vis < (int)nr)
        kb_grid_put(g, g->w - 3, g->h - 2, 3, "...", KB_STYLE(0, KB_GC_MUTED));
    for (size_t i = 0; i < nr; i++)
        kb_free(&rows[i].keys);
    kb_free(&rows);
    kb_keymap_help_free(&ent, n);
}

unsigned kb_view_help_action(kb_tui_app *a, kb_action act)
{
    int page = a->h - 4 > 1 ? a->h - 4 : 1;
    switch (act) {
    case KB_ACTION_CURSOR_DOWN:
        a->help.scroll++;
        return KB_TUI_R_VIEW;
    case KB_ACTION_CURSOR_UP:
        a->help.scroll--;
        return KB_TUI_R_VIEW;
    case KB_ACTION_PAGE_DOWN:
        a->help.scroll += page;
        return KB_TUI_R_VIEW;
    case KB_ACTION_PAGE_UP:
        a->help.scroll -= page;
        return KB_TUI_R_VIEW;
    case KB_ACTION_FIRST:
        a->help.scroll = 0;
        return KB_TUI_R_VIEW;
    case KB_ACTION_LAST:
        a->help.scroll = 1 << 20;
        return KB_TUI_R_VIEW;
    case KB_ACTION_BACK:
    case KB_ACTION_CANCEL:
    case KB_ACTION_HELP:
        a->view = a->help.back;
        return KB_TUI_R_VIEW;
    default:
        return KB_TUI_R_NONE;
    }
}

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
        why = kb_asprintf(_("Locked after %d minutes without a key press; the board is closed."),
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
