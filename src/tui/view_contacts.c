/* view_contacts.c - the contacts screen: the organisations (records, and
 * names cases use without one) on the left; on the right the selected
 * one's kind, contact person and notes, its contact moments (planned and
 * held: date, department, who, purpose) and the cases naming it.  `a` adds
 * a contact moment (the contact_form overlay, also opened from the case
 * view); when another department has one with the same organisation within
 * the board's contact window, the status line warns, naming who and when. */
#include "tui_internal.h"

#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <stdio.h>
#include <string.h>

typedef struct kb_contacts_view {
    bool loaded;
    kb_org_vec orgs; /* version 0: a name cases use, without a record */
    kb_contact_vec contacts;
    kb_tui_list list; /* over orgs */
} kb_contacts_view;

static void kb_cs_free(kb_contacts_view *cs)
{
    kb_org_vec_free(&cs->orgs);
    kb_contact_vec_free(&cs->contacts);
    cs->loaded = false;
}

static int kb_cs_org_cmp(const void *x, const void *y)
{
    char *a = kb_fold(((const kb_org *)x)->name), *b = kb_fold(((const kb_org *)y)->name);
    int c = strcmp(a, b);
    kb_free(&a);
    kb_free(&b);
    return c;
}

static bool kb_cs_has(const kb_org_vec *v, const char *name)
{
    for (size_t i = 0; i < v->n; i++)
        if (kb_fold_eq(v->v[i].name, name))
            return true;
    return false;
}

/* Add the organisations cases name without a record (older boards,
 * imports), then sort by name as a reader does.  On the shared screen a
 * hidden confidential case's organisations are not added (they are its
 * fields: only its number and title show there). */
static void kb_cs_complete(kb_tui_app *a, kb_contacts_view *cs)
{
    for (size_t i = 0; i < a->cache.cases.n; i++) {
        if (kb_tui_case_masked(a, &a->cache.cases.v[i]))
            continue;
        const kb_strv *o = &a->cache.cases.v[i].orgs;
        for (size_t k = 0; k < o->n; k++) {
            if (!o->v[k][0] || kb_cs_has(&cs->orgs, o->v[k]))
                continue;
            cs->orgs.v = kb_reallocarray(cs->orgs.v, cs->orgs.n + 1, sizeof *cs->orgs.v);
            kb_org *n = &cs->orgs.v[cs->orgs.n++];
            memset(n, 0, sizeof *n);
            n->name = kb_strdup(o->v[k]);
        }
    }
    kb_sort(cs->orgs.v, cs->orgs.n, sizeof *cs->orgs.v, kb_cs_org_cmp);
    kb_tui_list_resize(&cs->list, cs->orgs.n, cs->list.height);
}

static void kb_cs_take(kb_tui_app *a, kb_contacts_view *cs, kb_org_vec *orgs,
                       kb_contact_vec *contacts)
{
    char *keep = cs->list.sel < cs->orgs.n ? kb_strdup(cs->orgs.v[cs->list.sel].name) : NULL;
    kb_cs_free(cs);
    cs->orgs = *orgs;
    cs->contacts = *contacts;
    memset(orgs, 0, sizeof *orgs);
    memset(contacts, 0, sizeof *contacts);
    cs->loaded = true;
    kb_cs_complete(a, cs);
    for (size_t i = 0; keep && i < cs->orgs.n; i++)
        if (strcmp(cs->orgs.v[i].name, keep) == 0)
            kb_tui_list_select(&cs->list, i);
    kb_free(&keep);
}

static int kb_cs_load(kb_tui_app *a, kb_contacts_view *cs, kb_err *e)
{
    if (!a->board)
        return KB_OK; /* tests put the data in */
    kb_org_vec orgs;
    kb_contact_vec contacts;
    int rc = kb_board_org_overview(a->board, &orgs, &contacts, e);
    if (rc == KB_OK)
        kb_cs_take(a, cs, &orgs, &contacts);
    return rc;
}

/* What kb_tui_view_push passes: the data itself (tests) or nothing. */
typedef struct kb_cs_arg {
    kb_org_vec *orgs;
    kb_contact_vec *contacts;
    const char *select; /* organisation to put the cursor on */
} kb_cs_arg;

static unsigned kb_cs_open(kb_tui_app *a, void *st, const void *arg)
{
    kb_contacts_view *cs = st;
    const kb_cs_arg *ca = arg;
    if (ca && ca->orgs) {
        kb_cs_take(a, cs, ca->orgs, ca->contacts);
    } else {
        kb_err e;
        kb_err_clear(&e);
        if (kb_cs_load(a, cs, &e)) {
            kb_tui_msg(a, true, "%s", e.msg);
            return KB_TUI_R_STATUS | KB_TUI_R_REFUSED;
        }
        if (!a->board)
            kb_cs_complete(a, cs);
    }
    for (size_t i = 0; ca && ca->select && i < cs->orgs.n; i++)
        if (kb_fold_eq(cs->orgs.v[i].name, ca->select))
            kb_tui_list_select(&cs->list, i);
    return KB_TUI_R_VIEW;
}

static void kb_cs_close(kb_tui_app *a, void *st)
{
    (void)a;
    kb_cs_free(st);
}

unsigned kb_view_contacts_open(kb_tui_app *a)
{
    return kb_tui_view_push(a, &kb_tui_view_contacts, NULL) & ~(unsigned)KB_TUI_R_REFUSED;
}

void kb_view_contacts_set(kb_tui_app *a, kb_org_vec *orgs, kb_contact_vec *contacts)
{
    kb_cs_arg arg = {.orgs = orgs, .contacts = contacts};
    (void)kb_tui_view_push(a, &kb_tui_view_contacts, &arg);
}

static const kb_org *kb_cs_sel(const kb_contacts_view *cs)
{
    return cs->list.sel < cs->orgs.n ? &cs->orgs.v[cs->list.sel] : NULL;
}

static bool kb_case_names(const kb_case *c, const char *org)
{
    for (size_t k = 0; k < c->orgs.n; k++)
        if (kb_fold_eq(c->orgs.v[k], org))
            return true;
    return false;
}

static size_t kb_cs_ncontacts(const kb_contacts_view *cs, const char *org)
{
    size_t n = 0;
    for (size_t i = 0; i < cs->contacts.n; i++)
        n += kb_fold_eq(cs->contacts.v[i].org, org);
    return n;
}

/* ------------------------------------------------------------ drawing */

static void kb_cs_row(void *ctx, kb_grid *g, size_t i, int x, int y, int w, bool sel)
{
    const kb_contacts_view *cs = ctx;
    const kb_org *o = &cs->orgs.v[i];
    kb_style st = sel ? KB_STYLE(KB_GA_REVERSE, KB_GC_ACCENT) : KB_PLAIN;
    kb_grid_fill(g, x, y, w, 1, st);
    char n[24];
    size_t nc = kb_cs_ncontacts(cs, o->name);
    snprintf(n, sizeof n, "%zu", nc);
    int nw = nc ? (int)strlen(n) + 1 : 0;
    kb_grid_put_cut(g, x + 1, y, w - 2 - nw, o->name, st);
    if (nc)
        kb_grid_put(g, x + w - nw, y, nw, n, sel ? st : KB_STYLE(0, KB_GC_MUTED));
}

/* One labelled line; returns the next row. */
static int kb_cs_field(kb_grid *g, int x, int y, int w, int ymax, const char *label,
                       const char *value)
{
    if (y >= ymax)
        return y;
    int lw = kb_grid_put(g, x, y, w, label, KB_STYLE(0, KB_GC_MUTED));
    kb_grid_put_cut(g, x + lw + 1, y, w - lw - 1, value, KB_PLAIN);
    return y + 1;
}

static int kb_cs_heading(kb_grid *g, int x, int y, int w, int ymax, const char *text)
{
    if (y >= ymax)
        return y;
    kb_grid_put_cut(g, x, y, w, text, KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT));
    return y + 1;
}

/* Width of a stage column: the longest stage name, at most 16. */
static int kb_stage_col(const kb_tui_app *a, bool utf8)
{
    int sw = 0;
    for (size_t k = 0; k < a->refs.nstages; k++) {
        const char *n = a->refs.stages[k].name ? a->refs.stages[k].name : "";
        int nw = kb_tui_width(n, utf8);
        sw = nw > sw ? nw : sw;
    }
    return sw > 16 ? 16 : sw;
}

static void kb_cs_detail(kb_tui_app *a, const kb_contacts_view *cs, kb_grid *g, int x, int y, int w,
                         int ymax)
{
    const kb_org *o = kb_cs_sel(cs);
    if (!o) {
        kb_grid_put_cut(g, x, y, w,
                        _("No organisations yet: name one on a case or add a contact moment (a)"),
                        KB_STYLE(0, KB_GC_MUTED));
        return;
    }
    kb_grid_put_cut(g, x, y++, w, o->name, KB_STYLE(KB_GA_BOLD, KB_GC_ACCENT));
    if (o->version) {
        char *line = kb_asprintf("%s   %s %s", kb_org_kind_label(o->kind), _("contact person:"),
                                 o->contact && o->contact[0] ? o->contact : "-");
        y = kb_cs_field(g, x, y, w, ymax, _("kind:"), line);
        kb_free(&line);
        if (o->notes && o->notes[0] && y < ymax) {
            kb_strv lines = {0};
            int lw = kb_tui_width(_("notes:"), g->utf8) + 1;
            kb_tui_wrap(o->notes, w - lw, g->utf8, &lines);
            for (size_t i = 0; i < lines.n && i < 3 && y < ymax; i++, y++) {
                if (i == 0)
                    kb_grid_put(g, x, y, lw, _("notes:"), KB_STYLE(0, KB_GC_MUTED));
                kb_grid_put_cut(g, x + lw, y, w - lw, lines.v[i], KB_PLAIN);
            }
            kb_strv_free(&lines);
        }
    } else if (y < ymax) {
        kb_grid_put_cut(g, x, y++, w,
                        _("named on cases; no record yet (one is made when it is next saved)"),
                        KB_STYLE(0, KB_GC_MUTED));
    }
    y++;
    /* contact moments, by date */
    size_t nc = kb_cs_ncontacts(cs, o->name);
    char *h = kb_asprintf("%s (%zu)", _("Contact moments"), nc);
    y = kb_cs_heading(g, x, y, w, ymax, h);
    kb_free(&h);
    if (!nc && y < ymax)
        kb_grid_put_cut(g, x + 1, y++, w - 1, _("none yet (a: add one)"), KB_STYLE(0, KB_GC_MUTED));
    int uw = 1; /* the user column: as wide as the longest name shown, at most 14 */
    for (size_t i = 0; i < cs->contacts.n; i++)
        if (kb_fold_eq(cs->contacts.v[i].org, o->name) && cs->contacts.v[i].user) {
            int n = kb_tui_width(cs->contacts.v[i].user, g->utf8);
            uw = n > uw ? n : uw;
        }
    uw = uw > 14 ? 14 : uw;
    /* the status column: as wide as its longest word in the user's language */
    int stw = kb_tui_width(_("planned"), g->utf8), hw = kb_tui_width(_("held"), g->utf8);
    stw = hw > stw ? hw : stw;
    for (size_t i = 0; i < cs->contacts.n && y < ymax; i++) {
        const kb_contact *c = &cs->contacts.v[i];
        if (!kb_fold_eq(c->org, o->name))
            continue;
        char d[KB_DATE_STRLEN];
        kb_date_format(c->date, d);
        bool planned = c->date > a->today;
        kb_style st = planned ? KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT) : KB_PLAIN;
        int cx = x + 1, end = x + w;
        cx += kb_grid_put(g, cx, y, end - cx, d, st) + 1;
        cx += kb_grid_put_cut(g, cx, y, stw, planned ? _("planned") : _("held"),
                              KB_STYLE(0, planned ? KB_GC_WARN : KB_GC_MUTED)) +
              1;
        cx += kb_grid_put_cut(g, cx, y, 4, c->dept ? c->dept : "-", KB_PLAIN) + 1;
        cx += kb_grid_put_cut(g, cx, y, uw, c->user ? c->user : "-", KB_PLAIN) + 1;
        if (cx < end)
            kb_grid_put_cut(g, cx, y, end - cx, c->purpose ? c->purpose : "", KB_PLAIN);
        y++;
    }
    y++;
    /* the cases naming it */
    size_t ncase = 0;
    for (size_t i = 0; i < a->cache.cases.n; i++)
        ncase += kb_case_names(&a->cache.cases.v[i], o->name);
    h = kb_asprintf("%s (%zu)", _("Cases"), ncase);
    y = kb_cs_heading(g, x, y, w, ymax, h);
    kb_free(&h);
    for (size_t i = 0; i < a->cache.cases.n && y < ymax; i++) {
        const kb_case *c = &a->cache.cases.v[i];
        if (!kb_case_names(c, o->name))
            continue;
        const kb_stage *s = kb_tui_stage(a, c->stage);
        const char *sn = s && s->name ? s->name : c->stage ? c->stage : "";
        char num[16];
        snprintf(num, sizeof num, "#%u", c->number);
        int cx = x + 1, end = x + w;
        int sw = kb_stage_col(a, g->utf8);
        kb_grid_put(g, cx, y, 5, num, KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT));
        cx += 6;
        kb_grid_put_cut(g, cx, y, end - cx - sw - 5, c->title ? c->title : "", KB_PLAIN);
        if (!kb_tui_case_masked(a, c)) { /* shared screen: number and title only */
            kb_grid_put_cut(g, end - sw - 4, y, 4, c->lead_dept ? c->lead_dept : "-",
                            KB_STYLE(0, KB_GC_MUTED));
            kb_grid_put_cut(g, end - sw, y, sw, sn, KB_STYLE(0, KB_GC_MUTED));
        }
        y++;
    }
}

static void kb_cs_draw(kb_tui_app *a, void *st, kb_grid *g)
{
    kb_contacts_view *cs = st;
    kb_tui_draw_bar(a, g, _("Contacts"));
    if (g->w < 40 || g->h < 8) {
        kb_grid_put(g, 0, 1, g->w, _("window too small"), KB_PLAIN);
        return;
    }
    int lw = g->w / 3;
    if (lw < 26)
        lw = 26;
    if (lw > 40)
        lw = 40;
    char *h = kb_asprintf("%s (%zu)", _("Organisations"), cs->orgs.n);
    kb_grid_put_cut(g, 1, 1, lw - 1, h, KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT));
    kb_free(&h);
    kb_grid_hline(g, 0, 2, g->w, KB_STYLE(0, KB_GC_MUTED));
    int top = 3, rows = g->h - 4;
    for (int y = top; y < top + rows; y++)
        kb_grid_putc(g, lw, y, lw + 1, kb_tui_glyph(KB_GL_VLINE, g->utf8),
                     KB_STYLE(0, KB_GC_MUTED));
    cs->list.n = cs->orgs.n;
    kb_tui_list_draw(&cs->list, g, 0, top, lw, rows, kb_cs_row, cs);
    kb_cs_detail(a, cs, g, lw + 2, top, g->w - lw - 3, top + rows);
}

/* ------------------------------------------------------------ keys */

static unsigned kb_cs_action(kb_tui_app *a, void *st, kb_action act)
{
    kb_contacts_view *cs = st;
    if (kb_tui_list_action(&cs->list, act))
        return KB_TUI_R_VIEW;
    const kb_org *o = kb_cs_sel(cs);
    switch (act) {
    case KB_ACTION_CONTACT_ADD:
        return kb_view_contact_form_open(a, o ? o->name : NULL, 0);
    case KB_ACTION_CASE_OPEN:
        for (size_t i = 0; o && i < a->cache.cases.n; i++)
            if (kb_case_names(&a->cache.cases.v[i], o->name))
                return kb_view_case_open(a, a->cache.cases.v[i].number);
        kb_tui_msg(a, false, "%s", _("No case names this organisation"));
        return KB_TUI_R_STATUS;
    case KB_ACTION_BACK:
        kb_tui_view_close(a, cs);
        return KB_TUI_R_VIEW;
    default:
        return KB_TUI_R_NONE;
    }
}

static kb_style kb_cs_hints(kb_tui_app *a, void *st, kb_buf *out)
{
    (void)st;
    static const kb_action acts[] = {KB_ACTION_CONTACT_ADD, KB_ACTION_CASE_OPEN, KB_ACTION_BACK};
    static const char *const labels[] = {N_("contact moment"), N_("open its case"), N_("back")};
    kb_tui_hints_fit(a, KB_CONTEXT_CONTACTS, acts, labels, 3, out);
    return KB_STYLE(0, KB_GC_MUTED);
}

static void kb_cs_event(kb_tui_app *a, void *st, kb_tui_event ev, uint32_t number)
{
    kb_contacts_view *cs = st;
    (void)number;
    if (ev == KB_TUI_EV_DETACH) {
        kb_cs_free(cs); /* nothing of the board in memory while locked */
        return;
    }
    kb_err e;
    kb_err_clear(&e);
    if (a->board && kb_cs_load(a, cs, &e))
        kb_tui_msg(a, true, "%s", e.msg);
}

const kb_tui_view_ops kb_tui_view_contacts = {
    .name = "contacts",
    .ctx = KB_CONTEXT_CONTACTS,
    .state_size = sizeof(kb_contacts_view),
    .open = kb_cs_open,
    .close = kb_cs_close,
    .draw = kb_cs_draw,
    .action = kb_cs_action,
    .hints = kb_cs_hints,
    .event = kb_cs_event,
};

/* ------------------------------------------------------------ the contact moment form */

enum { KB_CF_ORG, KB_CF_DATE, KB_CF_DEPT, KB_CF_PURPOSE, KB_CF_COUNT };

typedef struct kb_contact_form {
    kb_tui_line f[KB_CF_COUNT];
    size_t focus;
    char *error;
    uint32_t number;         /* the case it was opened from (0: none) */
    char *init[KB_CF_COUNT]; /* the fields as the form opened */
    bool confirm_discard;    /* Esc after typing: "Discard changes? y/n" */
} kb_contact_form;

static const char *kb_cf_label(size_t i)
{
    static const char *const labels[] = {N_("Organisation"), N_("Date"), N_("Department"),
                                         N_("Purpose")};
    return _(labels[i]);
}

typedef struct kb_cf_arg {
    const char *org;
    uint32_t number;
} kb_cf_arg;

static unsigned kb_cf_open(kb_tui_app *a, void *st, const void *arg)
{
    kb_contact_form *cf = st;
    const kb_cf_arg *ca = arg;
    char d[KB_DATE_STRLEN];
    kb_date_format(a->today, d);
    /* the department: the user's first, else the case's lead department */
    const char *dept = NULL;
    kb_query_ctx qc = kb_tui_query_ctx(a);
    if (qc.my_depts && qc.my_depts->n)
        dept = qc.my_depts->v[0];
    const kb_case *c = ca->number ? kb_tui_case(a, ca->number) : NULL;
    if (!dept && c)
        dept = c->lead_dept;
    kb_tui_line_init(&cf->f[KB_CF_ORG], ca->org ? ca->org : "");
    kb_tui_line_init(&cf->f[KB_CF_DATE], d);
    kb_tui_line_init(&cf->f[KB_CF_DEPT], dept ? dept : "");
    kb_tui_line_init(&cf->f[KB_CF_PURPOSE], "");
    for (size_t i = 0; i < KB_CF_COUNT; i++)
        cf->init[i] = kb_strdup(cf->f[i].text);
    cf->number = ca->number;
    /* the first empty field the form needs (organisation, department),
     * else the first empty one (the purpose), else the first */
    static const size_t order[] = {KB_CF_ORG, KB_CF_DEPT, KB_CF_DATE, KB_CF_PURPOSE};
    cf->focus = KB_CF_ORG;
    for (size_t i = sizeof order / sizeof *order; i-- > 0;)
        if (!cf->f[order[i]].text[0])
            cf->focus = order[i];
    return KB_TUI_R_VIEW;
}

static void kb_cf_close(kb_tui_app *a, void *st)
{
    (void)a;
    kb_contact_form *cf = st;
    for (size_t i = 0; i < KB_CF_COUNT; i++) {
        kb_tui_line_free(&cf->f[i]);
        kb_free(&cf->init[i]);
    }
    kb_free(&cf->error);
}

unsigned kb_view_contact_form_open(kb_tui_app *a, const char *org, uint32_t number)
{
    if (kb_tui_viewer_refused(a,
                              _("You are a viewer on this board: you cannot add contact moments")))
        return KB_TUI_R_STATUS;
    kb_cf_arg arg = {.org = org, .number = number};
    return kb_tui_view_push(a, &kb_tui_view_contact_form, &arg);
}

/* After a save: reload the contacts screen below, say what happened. */
static unsigned kb_cf_saved(kb_tui_app *a, const kb_contact *c, const kb_contact_vec *clashes)
{
    kb_contacts_view *cs = kb_tui_view_state(a, &kb_tui_view_contacts);
    if (cs) {
        kb_err e;
        kb_err_clear(&e);
        (void)kb_cs_load(a, cs, &e);
        for (size_t i = 0; i < cs->orgs.n; i++)
            if (strcmp(cs->orgs.v[i].name, c->org) == 0)
                kb_tui_list_select(&cs->list, i);
    }
    if (clashes->n) {
        char *w = kb_contact_clash_text(&clashes->v[0]);
        if (clashes->n > 1)
            kb_tui_msg(a, true, _("Warning: %s (and %zu more); coordinate first"), w,
                       clashes->n - 1);
        else
            kb_tui_msg(a, true, _("Warning: %s; coordinate first"), w);
        kb_free(&w);
    } else {
        char d[KB_DATE_STRLEN];
        kb_date_format(c->date, d);
        kb_tui_msg(a, false, _("Contact moment with %s on %s recorded"), c->org, d);
    }
    return KB_TUI_R_VIEW | KB_TUI_R_STATUS;
}

static unsigned kb_cf_submit(kb_tui_app *a, kb_contact_form *cf)
{
    kb_free(&cf->error);
    kb_err e;
    kb_err_clear(&e);
    kb_contact c = {.date = KB_DATE_NONE};
    const char *org = cf->f[KB_CF_ORG].text, *date = cf->f[KB_CF_DATE].text;
    if (!org[0]) {
        cf->error = kb_strdup(_("Name the organisation"));
        cf->focus = KB_CF_ORG;
        return KB_TUI_R_VIEW;
    }
    if (kb_date_parse(date, &c.date, &e)) {
        cf->error = kb_strdup(e.msg);
        cf->focus = KB_CF_DATE;
        return KB_TUI_R_VIEW;
    }
    if (!a->board) {
        cf->error = kb_strdup(_("The board is not open"));
        return KB_TUI_R_VIEW;
    }
    c.org = kb_strdup(org);
    c.dept = kb_strdup(cf->f[KB_CF_DEPT].text);
    c.purpose = cf->f[KB_CF_PURPOSE].text[0] ? kb_strdup(cf->f[KB_CF_PURPOSE].text) : NULL;
    kb_contact_vec clashes = {0};
    unsigned r;
    if (kb_board_contact_add(a->board, &c, KB_CONTACT_WINDOW_BOARD, &clashes, &e)) {
        cf->error = kb_strdup(e.msg);
        r = KB_TUI_R_VIEW;
    } else {
        kb_tui_view_close(a, cf);
        r = kb_cf_saved(a, &c, &clashes);
    }
    kb_contact_free(&c);
    kb_contact_vec_free(&clashes);
    return r;
}

/* Input typed (or deleted) since the form opened. */
static bool kb_cf_dirty(const kb_contact_form *cf)
{
    for (size_t i = 0; i < KB_CF_COUNT; i++)
        if (strcmp(cf->f[i].text, cf->init[i]) != 0)
            return true;
    return false;
}

static unsigned kb_cf_action(kb_tui_app *a, void *st, kb_action act)
{
    kb_contact_form *cf = st;
    if (cf->confirm_discard) { /* any other key: keep the form */
        cf->confirm_discard = false;
        if (act == KB_ACTION_CANCEL || act == KB_ACTION_BACK || act == KB_ACTION_SUBMIT)
            return KB_TUI_R_VIEW;
    }
    switch (act) {
    case KB_ACTION_FIELD_NEXT:
        cf->focus = (cf->focus + 1) % KB_CF_COUNT;
        return KB_TUI_R_VIEW;
    case KB_ACTION_FIELD_PREV:
        cf->focus = (cf->focus + KB_CF_COUNT - 1) % KB_CF_COUNT;
        return KB_TUI_R_VIEW;
    case KB_ACTION_SUBMIT:
        return kb_cf_submit(a, cf);
    case KB_ACTION_CANCEL:
    case KB_ACTION_BACK:
        if (kb_cf_dirty(cf)) { /* as the case form: typed input is not thrown away at once */
            cf->confirm_discard = true;
            return KB_TUI_R_VIEW;
        }
        kb_tui_view_close(a, cf);
        return KB_TUI_R_VIEW;
    default:
        return kb_tui_line_action(&cf->f[cf->focus], act) ? KB_TUI_R_VIEW : KB_TUI_R_NONE;
    }
}

static unsigned kb_cf_text(kb_tui_app *a, void *st, uint32_t cp)
{
    kb_contact_form *cf = st;
    if (cf->confirm_discard) {
        cf->confirm_discard = false;
        /* y (or the Dutch j) discards; anything else keeps the form */
        if (cp == 'y' || cp == 'Y' || cp == 'j' || cp == 'J') {
            kb_tui_view_close(a, cf);
            kb_tui_msg(a, false, "%s", _("Contact moment discarded"));
        }
        return KB_TUI_R_VIEW;
    }
    if (cp < 0x20)
        return KB_TUI_R_NONE;
    kb_tui_line_insert_cp(&cf->f[cf->focus], cp);
    return KB_TUI_R_VIEW;
}

/* A box over the lower part of the screen, above the status line. */
static void kb_cf_draw(kb_tui_app *a, void *st, kb_grid *g)
{
    kb_contact_form *cf = st;
    int bh = KB_CF_COUNT + 3, y0 = g->h - 1 - bh;
    if (y0 < 1)
        y0 = 1;
    kb_style frame = KB_STYLE(KB_GA_REVERSE, KB_GC_BAR);
    kb_grid_fill(g, 0, y0, g->w, bh, KB_PLAIN);
    kb_grid_fill(g, 0, y0, g->w, 1, frame);
    char *title = cf->number ? kb_asprintf(_("New contact moment (case #%u)"), cf->number)
                             : kb_strdup(_("New contact moment"));
    kb_grid_put_cut(g, 1, y0, g->w - 2, title, frame);
    kb_free(&title);
    int lw = 0;
    for (size_t i = 0; i < KB_CF_COUNT; i++) {
        int w = kb_tui_width(kb_cf_label(i), g->utf8);
        lw = w > lw ? w : lw;
    }
    lw += 3;
    for (size_t i = 0; i < KB_CF_COUNT; i++) {
        int y = y0 + 1 + (int)i;
        bool f = i == cf->focus;
        kb_grid_put(g, 1, y, lw, kb_cf_label(i),
                    f ? KB_STYLE(KB_GA_BOLD, KB_GC_ACCENT) : KB_STYLE(0, KB_GC_MUTED));
        kb_grid_put_cut(g, lw, y, g->w - lw - 1, cf->f[i].text,
                        f ? KB_STYLE(KB_GA_UNDERLINE, KB_GC_DEFAULT) : KB_PLAIN);
        if (f) {
            char *before = kb_strndup(cf->f[i].text, cf->f[i].cur);
            a->cursor_x = lw + kb_tui_width(before, g->utf8);
            a->cursor_y = y;
            kb_free(&before);
        }
    }
    int y = y0 + 1 + KB_CF_COUNT;
    if (cf->confirm_discard) {
        kb_grid_put_cut(g, 1, y, g->w - 2, _("Discard changes? y/n"),
                        KB_STYLE(KB_GA_BOLD, KB_GC_WARN));
    } else if (cf->error) {
        kb_grid_put_cut(g, 1, y, g->w - 2, cf->error, KB_STYLE(KB_GA_BOLD, KB_GC_ERROR));
    } else {
        kb_buf hints = KB_BUF_INIT;
        static const kb_action acts[] = {KB_ACTION_FIELD_NEXT, KB_ACTION_SUBMIT, KB_ACTION_CANCEL};
        static const char *const labels[] = {N_("next field"), N_("save"), N_("cancel")};
        kb_tui_hints_fit(a, KB_CONTEXT_FORM, acts, labels, 3, &hints);
        kb_grid_put_cut(g, 0, y, g->w, hints.data ? hints.data : "", KB_STYLE(0, KB_GC_MUTED));
        kb_buf_free(&hints);
    }
}

const kb_tui_view_ops kb_tui_view_contact_form = {
    .name = "contact_form",
    .ctx = KB_CONTEXT_FORM,
    .state_size = sizeof(kb_contact_form),
    .overlay = true,
    .open = kb_cf_open,
    .close = kb_cf_close,
    .draw = kb_cf_draw,
    .action = kb_cf_action,
    .text = kb_cf_text,
};
