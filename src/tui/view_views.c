/* view_views.c - saved views in the TUI: the list to pick one from (board
 * key v), "@name" in the filter, sorting the cards of a column (board key
 * s), the age in stage shown on cards and in the case view, and the filter
 * history kept across restarts ($XDG_STATE_HOME/kernboard/filter_history,
 * mode 0600).  Keys of the report context (Enter picks, Esc goes back). */
#include "tui_internal.h"

#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/paths.h"
#include "kernboard/views.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ @name */

char *kb_tui_expand_views(kb_tui_app *a, const char *text, char **sort_out, kb_err *e)
{
    char *out = NULL;
    if (!text || !strchr(text, '@'))
        return kb_strdup(text ? text : "");
    kb_view_vec v = {0};
    const char *s = NULL;
    if (kb_views_all(a->board, &v, e) == KB_OK && kb_views_expand(&v, text, &out, &s, e) == KB_OK &&
        sort_out) {
        kb_free(sort_out);
        *sort_out = s ? kb_strdup(s) : NULL;
    }
    kb_view_vec_free(&v);
    return out;
}

char *kb_tui_open_lanes(const kb_tui_app *a)
{
    if (!a->collapsed.n)
        return NULL;
    kb_buf b = KB_BUF_INIT;
    for (size_t i = 0; i < a->refs.ndepts; i++)
        if (!kb_strv_contains(&a->collapsed, a->refs.depts[i].code))
            kb_buf_printf(&b, "%s%s", b.len ? "," : "", a->refs.depts[i].code);
    if (!kb_strv_contains(&a->collapsed, "-"))
        kb_buf_printf(&b, "%s-", b.len ? "," : "");
    return b.data ? kb_buf_take(&b) : kb_strdup("-none-");
}

/* ------------------------------------------------------------ sorting */

static const char *const kb_sorts[] = {"priority", "due", "age", "number"};

const char *kb_tui_sort_label(const char *sort)
{
    if (!sort)
        return _("board order");
    if (strcmp(sort, "priority") == 0)
        return _("priority");
    if (strcmp(sort, "due") == 0)
        return _("due date");
    if (strcmp(sort, "age") == 0)
        return _("age in stage");
    return _("number");
}

unsigned kb_tui_sort_cycle(kb_tui_app *a)
{
    size_t n = sizeof kb_sorts / sizeof kb_sorts[0], i = 0;
    while (a->card_sort && i < n && strcmp(a->card_sort, kb_sorts[i]))
        i++;
    const char *next = !a->card_sort ? kb_sorts[0] : i + 1 < n ? kb_sorts[i + 1] : NULL;
    kb_free(&a->card_sort);
    a->card_sort = next ? kb_strdup(next) : NULL;
    kb_tui_app_dirty(a);
    kb_tui_reselect(a);
    kb_tui_msg(a, false, _("Cards sorted by %s"), kb_tui_sort_label(a->card_sort));
    return KB_TUI_R_VIEW | KB_TUI_R_STATUS;
}

static int kb_sort_key(const kb_tui_app *a, const kb_case *x, const kb_case *y)
{
    const char *s = a->card_sort;
    if (s && strcmp(s, "due") == 0 && x->due != y->due) {
        if (x->due == KB_DATE_NONE || y->due == KB_DATE_NONE)
            return x->due == KB_DATE_NONE ? 1 : -1;
        return x->due < y->due ? -1 : 1;
    }
    if (s && strcmp(s, "age") == 0) {
        kb_time tx = kb_case_stage_since(x), ty = kb_case_stage_since(y);
        if (tx != ty)
            return tx < ty ? -1 : 1; /* longest in its stage first */
    }
    if (s && strcmp(s, "number") == 0)
        return (x->number > y->number) - (x->number < y->number);
    if (x->priority != y->priority)
        return y->priority - x->priority;
    return (x->number > y->number) - (x->number < y->number);
}

int kb_tui_card_order(const kb_tui_app *a, const kb_tui_card *x, const kb_tui_card *y)
{
    if (x->mirror != y->mirror) /* copies last */
        return x->mirror ? 1 : -1;
    return kb_sort_key(a, x->c, y->c);
}

void kb_tui_sort_cards(const kb_tui_app *a, kb_tui_card *v, size_t n)
{
    /* merge sort, bottom up (stable; a column of a large board has
     * thousands of cards) */
    if (n < 2)
        return;
    kb_tui_card *tmp = kb_calloc(n, sizeof *tmp), *src = v, *dst = tmp;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, k = mid, o = lo;
            while (i < mid && k < hi)
                dst[o++] = kb_tui_card_order(a, &src[k], &src[i]) < 0 ? src[k++] : src[i++];
            while (i < mid)
                dst[o++] = src[i++];
            while (k < hi)
                dst[o++] = src[k++];
        }
        kb_tui_card *t = src;
        src = dst;
        dst = t;
    }
    if (src != v)
        memcpy(v, src, n * sizeof *v);
    kb_free(&tmp);
}

/* ------------------------------------------------------------ age in stage */

char *kb_tui_stage_age(const kb_tui_app *a, const kb_case *c)
{
    const kb_stage *st = kb_tui_stage(a, c->stage);
    int days = kb_case_age_days(c, a->today);
    int norm = st ? st->norm_days : 0;
    unsigned long nd = (unsigned long)(days < 0 ? 0 : days);
    if (!kb_case_past_norm(c, norm, a->today))
        return kb_asprintf(dngettext(KB_TEXTDOMAIN, "%d day", "%d days", nd), days);
    return kb_asprintf(dngettext(KB_TEXTDOMAIN, "%d day, past the norm of %d!",
                                 "%d days, past the norm of %d!", nd),
                       days, norm);
}

bool kb_tui_past_norm(const kb_tui_app *a, const kb_case *c)
{
    const kb_stage *st = kb_tui_stage(a, c->stage);
    return st && kb_case_past_norm(c, st->norm_days, a->today);
}

/* ------------------------------------------------------------ filter history */

static char *kb_hist_path(void)
{
    char *dir = kb_path_state_dir();
    char *p = dir ? kb_asprintf("%s/filter_history", dir) : NULL;
    kb_free(&dir);
    return p;
}

void kb_tui_history_load(kb_tui_app *a)
{
    char *path = kb_hist_path(), *text = NULL;
    size_t n = 0;
    kb_err e;
    if (path && kb_file_read(path, 1 << 20, &text, &n, &e) == KB_OK) {
        kb_strv_free(&a->hist_filter);
        for (char *p = text, *nl; *p; p = nl + 1) {
            nl = strchr(p, '\n');
            if (!nl)
                break;
            *nl = 0;
            if (*p)
                kb_strv_push(&a->hist_filter, p);
        }
    }
    kb_free(&text);
    kb_free(&path);
}

void kb_tui_history_save(const kb_tui_app *a)
{
    char *dir = kb_path_state_dir();
    kb_err e;
    if (!dir || kb_path_mkdirs(dir, 0700, &e)) {
        kb_free(&dir);
        return; /* the history is a convenience: no error */
    }
    char *path = kb_asprintf("%s/filter_history", dir), *tmp = kb_asprintf("%s.tmp", path);
    kb_free(&dir);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
        kb_buf b = KB_BUF_INIT;
        size_t first = a->hist_filter.n > 100 ? a->hist_filter.n - 100 : 0;
        for (size_t i = first; i < a->hist_filter.n; i++)
            kb_buf_printf(&b, "%s\n", a->hist_filter.v[i]);
        bool ok = fchmod(fd, 0600) == 0 && (!b.len || write(fd, b.data, b.len) == (ssize_t)b.len);
        ok = close(fd) == 0 && ok;
        if (!ok || rename(tmp, path) != 0)
            unlink(tmp);
        kb_buf_free(&b);
    }
    kb_free(&tmp);
    kb_free(&path);
}

/* ------------------------------------------------------------ the picker */

typedef struct kb_views_view {
    kb_view_vec v;
    kb_tui_list list;
} kb_views_view;

static unsigned kb_views_open(kb_tui_app *a, void *st, const void *arg)
{
    (void)arg;
    kb_views_view *s = st;
    kb_err e;
    kb_err_clear(&e);
    if (kb_views_all(a->board, &s->v, &e)) {
        kb_tui_msg(a, true, "%s", e.msg);
        return KB_TUI_R_STATUS | KB_TUI_R_REFUSED;
    }
    if (!s->v.n) {
        kb_view_vec_free(&s->v);
        kb_tui_msg(a, false, "%s", _("No saved views: filter with /, then :view save NAME"));
        return KB_TUI_R_STATUS | KB_TUI_R_REFUSED;
    }
    return KB_TUI_R_VIEW;
}

static void kb_views_close(kb_tui_app *a, void *st)
{
    (void)a;
    kb_views_view *s = st;
    kb_view_vec_free(&s->v);
}

static void kb_views_row(void *ctx, kb_grid *g, size_t i, int x, int y, int w, bool sel)
{
    const kb_views_view *s = ctx;
    const kb_saved_view *v = &s->v.v[i];
    kb_style st = sel ? KB_STYLE(KB_GA_REVERSE | KB_GA_BOLD, KB_GC_DEFAULT) : KB_PLAIN;
    kb_grid_fill(g, x, y, w, 1, st);
    char *line = kb_asprintf(
        "@%-16s %-9s %s%s%s%s", v->name, v->shared ? _("shared") : _("personal"), v->query,
        v->sort ? "  (" : "", v->sort ? kb_tui_sort_label(v->sort) : "", v->sort ? ")" : "");
    kb_grid_put_cut(g, x + 1, y, w - 2, line, st);
    kb_free(&line);
}

static void kb_views_draw(kb_tui_app *a, void *st, kb_grid *g)
{
    kb_views_view *s = st;
    kb_tui_draw_bar(a, g, _("Saved views"));
    kb_grid_put_cut(g, 1, 1, g->w - 2, _("Saved views: Enter uses one (its filter and sort)"),
                    KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT));
    s->list.n = s->v.n;
    kb_tui_list_draw(&s->list, g, 0, 2, g->w, g->h - 3, kb_views_row, s);
}

static unsigned kb_tui_view_apply(kb_tui_app *a, const kb_saved_view *v)
{
    kb_err e;
    kb_err_clear(&e);
    if (kb_tui_set_filter(a, v->query, &e)) {
        kb_tui_msg(a, true, "%s", e.msg);
        return KB_TUI_R_STATUS;
    }
    kb_free(&a->card_sort);
    a->card_sort = v->sort ? kb_strdup(v->sort) : NULL;
    if (v->lanes) { /* the lanes of the view open, the others collapsed */
        kb_strv open = {0};
        kb_strv_split(&open, v->lanes);
        kb_strv_free(&a->collapsed);
        for (size_t i = 0; i < a->refs.ndepts; i++)
            if (!kb_strv_contains_ci(&open, a->refs.depts[i].code))
                kb_strv_push(&a->collapsed, a->refs.depts[i].code);
        if (!kb_strv_contains(&open, "-"))
            kb_strv_push(&a->collapsed, "-");
        kb_strv_free(&open);
    }
    kb_tui_app_dirty(a);
    kb_tui_reselect(a);
    kb_tui_layout(a);
    kb_tui_msg(a, false, _("View @%s: %zu of %zu cases"), v->name, a->lay.shown, a->lay.total);
    return KB_TUI_R_VIEW | KB_TUI_R_STATUS;
}

static unsigned kb_views_action(kb_tui_app *a, void *st, kb_action act)
{
    kb_views_view *s = st;
    if (kb_tui_list_action(&s->list, act))
        return KB_TUI_R_VIEW;
    if (act == KB_ACTION_SUBMIT || act == KB_ACTION_CASE_OPEN) {
        const kb_saved_view *x = &s->v.v[s->list.sel];
        kb_saved_view copy = {kb_strdup(x->name), kb_strdup(x->query),
                              x->sort ? kb_strdup(x->sort) : NULL,
                              x->lanes ? kb_strdup(x->lanes) : NULL, x->shared};
        kb_tui_view_close(a, s);
        unsigned r = kb_tui_view_apply(a, &copy);
        kb_free(&copy.name);
        kb_free(&copy.query);
        kb_free(&copy.sort);
        kb_free(&copy.lanes);
        return r;
    }
    if (act == KB_ACTION_BACK || act == KB_ACTION_CANCEL) {
        kb_tui_view_close(a, s);
        return KB_TUI_R_VIEW;
    }
    return KB_TUI_R_NONE;
}

static kb_style kb_views_hints(kb_tui_app *a, void *st, kb_buf *out)
{
    (void)st;
    static const kb_action acts[] = {KB_ACTION_CURSOR_DOWN, KB_ACTION_SUBMIT, KB_ACTION_BACK};
    static const char *const labels[] = {N_("move"), N_("use"), N_("back")};
    kb_tui_hints_fit(a, KB_CONTEXT_REPORT, acts, labels, 3, out);
    return KB_STYLE(0, KB_GC_MUTED);
}

const kb_tui_view_ops kb_tui_view_views = {
    .name = "views",
    .ctx = KB_CONTEXT_REPORT,
    .state_size = sizeof(kb_views_view),
    .open = kb_views_open,
    .close = kb_views_close,
    .draw = kb_views_draw,
    .action = kb_views_action,
    .hints = kb_views_hints,
};
