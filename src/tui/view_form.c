/* view_form.c - the form that edits a case (or creates one).
 *
 * Each field is a text line; on submit the fields are parsed into a case
 * one by one and checked with the model's validation after each, so a
 * message lands on the field that caused it.  Editing an existing case
 * holds its edit lease (renewed while the form is open); a failed save
 * keeps the form and the input on screen with the message. */
#include "tui_internal.h"

#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define KB_RENEW_MS 60000
#define KB_FLABEL_W 18
#define KB_DESC_ROWS 4

/* The form's rows are the rows of the case field table (kernboard/model.h),
 * in the same order: the label, the value as typed, the parsing and the
 * copy of a field come from there.  The form itself knows only how a field
 * is edited and drawn (multi-line or not, widths, hints) and checks the
 * names typed for reference data against the board before saving. */
#define KB_FF_IS(x)                                                                                \
    _Static_assert((int)KB_FF_##x == (int)KB_F_##x, "form row " #x " is not field table row " #x)
KB_FF_IS(TITLE);
KB_FF_IS(STAGE);
KB_FF_IS(LEAD);
KB_FF_IS(DEPTS);
KB_FF_IS(LINE);
KB_FF_IS(OWNER);
KB_FF_IS(PRIORITY);
KB_FF_IS(DUE);
KB_FF_IS(REVIEW);
KB_FF_IS(AGENDA);
KB_FF_IS(BLOCKED);
KB_FF_IS(CONF);
KB_FF_IS(TAGS);
KB_FF_IS(HOOKS);
KB_FF_IS(ORGS);
KB_FF_IS(DESC);
KB_FF_IS(COUNT);
#undef KB_FF_IS

static const kb_field_desc *kb_ff(int f)
{
    return kb_case_field((enum kb_field_id)f);
}

/* Long text is edited over several rows (Ctrl-J for a new line). */
static bool kb_form_multiline(int f)
{
    return kb_ff(f)->type == KB_FT_LONGTEXT;
}

const kb_tui_fixed_key kb_view_form_fixed_keys[] = {
    {"<C-j>", N_("Start a new line (in the description)")},
};
const size_t kb_view_form_fixed_key_count =
    sizeof kb_view_form_fixed_keys / sizeof kb_view_form_fixed_keys[0];

const char *kb_view_form_label(enum kb_tui_field f)
{
    return _(kb_ff((int)f)->label);
}

char *kb_view_form_value(const kb_case *c, enum kb_tui_field f)
{
    return kb_case_field_text(c, (enum kb_field_id)f);
}

char *kb_view_form_shown(const kb_tui_app *a, const kb_case *c, enum kb_tui_field f)
{
    return kb_case_field_show(c, (enum kb_field_id)f, kb_query_name_refs, (void *)&a->refs);
}

void kb_view_form_copy_field(kb_case *dst, const kb_case *src, enum kb_tui_field f)
{
    kb_case_field_copy(dst, src, (enum kb_field_id)f);
}

/* ------------------------------------------------------------ names */

/* Trimmed copy of s[0..n) (new string). */
static char *kb_trim_n(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
        n--;
    return kb_strndup(s, n);
}

/* The parts of a field's text: split at sep (0: the whole text). */
static void kb_form_parts(kb_strv *out, const char *s, char sep)
{
    const char *p = s;
    for (;;) {
        const char *q = sep ? strchr(p, sep) : NULL;
        char *t = kb_trim_n(p, q ? (size_t)(q - p) : strlen(p));
        if (t[0])
            kb_strv_push(out, t);
        kb_free(&t);
        if (!q)
            break;
        p = q + 1;
    }
}

static char *kb_code_list(const kb_tui_app *a, enum kb_field_type t)
{
    kb_buf b = KB_BUF_INIT;
    /* stages and action lines by name (as the form shows them), departments
     * by their short codes */
    if (t == KB_FT_STAGE)
        for (size_t i = 0; i < a->refs.nstages; i++) {
            const kb_stage *st = &a->refs.stages[i];
            kb_buf_printf(&b, "%s%s", i ? ", " : "", st->name && st->name[0] ? st->name : st->code);
        }
    else if (t == KB_FT_LINE)
        for (size_t i = 0; i < a->refs.nlines; i++) {
            const kb_line *l = &a->refs.lines[i];
            kb_buf_printf(&b, "%s%s", i ? ", " : "", l->name && l->name[0] ? l->name : l->code);
        }
    else
        for (size_t i = 0; i < a->refs.ndepts; i++)
            kb_buf_printf(&b, "%s%s", i ? ", " : "", a->refs.depts[i].code);
    return b.data ? kb_buf_take(&b) : kb_strdup("");
}

static int kb_bad_ref(const kb_tui_app *a, kb_err *e, enum kb_field_type t, const char *v)
{
    char *codes = kb_code_list(a, t);
    int rc;
    if (t == KB_FT_STAGE)
        rc = kb_err_set(e, KB_EDATA, _("unknown stage '%s' (stages: %s)"), v, codes);
    else if (t == KB_FT_LINE)
        rc = kb_err_set(e, KB_EDATA, _("unknown action line '%s' (lines: %s)"), v, codes);
    else
        rc = kb_err_set(e, KB_EDATA, _("unknown department '%s' (departments: %s)"), v, codes);
    kb_free(&codes);
    return rc;
}

/* The code of a stage, department or action line typed as its code or
 * name (the one resolver: case- and accent-insensitive), NULL if none. */
static const char *kb_form_code(const kb_tui_app *a, enum kb_field_type t, const char *v)
{
    if (t == KB_FT_STAGE) {
        const kb_stage *st = kb_resolve_stage(a->refs.stages, a->refs.nstages, v);
        return st ? st->code : NULL;
    }
    if (t == KB_FT_LINE) {
        const kb_line *l = kb_resolve_line(a->refs.lines, a->refs.nlines, v);
        return l ? l->code : NULL;
    }
    const kb_dept *d = kb_resolve_dept(a->refs.depts, a->refs.ndepts, v);
    return d ? d->code : NULL;
}

/* The names typed in a field that refers to reference data (or users),
 * already parsed into c, to what is stored: codes for stages, departments
 * and action lines, the login name for an owner typed as a unique prefix.
 * An owner left as it was is not looked up again, and without the user
 * list the owner stays as typed. */
static int kb_form_resolve(const kb_tui_app *a, const kb_case *base, kb_case *c, enum kb_field_id f,
                           kb_err *e)
{
    const kb_field_desc *d = kb_case_field(f);
    if (d->type != KB_FT_STAGE && d->type != KB_FT_DEPT && d->type != KB_FT_DEPTS &&
        d->type != KB_FT_LINE && d->type != KB_FT_USER)
        return KB_OK;
    char *typed = kb_case_field_text(c, f);
    int rc = KB_OK;
    if (!typed[0]) {
        /* cleared (the table refuses what cannot be) */
    } else if (d->type == KB_FT_USER) {
        char *was = kb_case_field_text(base, f);
        const kb_user *u = NULL;
        if (a->refs.nusers && strcmp(was, typed) != 0) {
            /* unknown or ambiguous: a bad value (as in `case edit --owner`) */
            if (kb_resolve_user(a->refs.users, a->refs.nusers, typed, &u, e) != KB_OK)
                rc = e->code = KB_EDATA;
            else
                rc = kb_case_field_parse(c, f, u->name, e);
        }
        kb_free(&was);
    } else {
        kb_strv parts = {0};
        kb_form_parts(&parts, typed, d->list ? d->sep : 0);
        kb_buf codes = KB_BUF_INIT;
        for (size_t i = 0; i < parts.n && rc == KB_OK; i++) {
            const char *code = kb_form_code(a, d->type, parts.v[i]);
            if (!code)
                rc = kb_bad_ref(a, e, d->type, parts.v[i]);
            else if (i)
                kb_buf_printf(&codes, "%c %s", d->sep, code);
            else
                kb_buf_puts(&codes, code);
        }
        if (rc == KB_OK)
            rc = kb_case_field_parse(c, f, codes.data ? codes.data : "", e);
        kb_buf_free(&codes);
        kb_strv_free(&parts);
    }
    kb_free(&typed);
    return rc;
}

/* Parse one field's text into c: the table's parser (its message without
 * the label, which the form shows on the same row), then the names. */
static int kb_view_form_apply(const kb_tui_app *a, const kb_case *base, kb_case *c,
                              enum kb_field_id f, const char *raw, kb_err *e)
{
    kb_err pe;
    kb_err_clear(&pe);
    if (kb_case_field_parse(c, f, raw, &pe) != KB_OK) {
        const char *label = _(kb_case_field(f)->label);
        size_t n = strlen(label);
        const char *msg = pe.msg;
        if (strncmp(msg, label, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
            msg += n + 2;
        return kb_err_set(e, pe.code ? pe.code : KB_EDATA, "%s", msg);
    }
    return kb_form_resolve(a, base, c, f, e);
}

/* ------------------------------------------------------------ open / close */

/* What kb_tui_view_push passes to the form. */
typedef struct kb_form_arg {
    const kb_case *c;
    bool is_new;
    uint64_t token; /* the edit lease taken for it (0: none) */
} kb_form_arg;

static void kb_form_release(kb_tui_app *a, kb_tui_form *f)
{
    if (a->board && f->token) {
        kb_err e;
        if (kb_board_lease_release(a->board, f->number, f->token, &e)) {
            /* expires on its own */
        }
    }
    f->token = 0;
}

static void kb_form_close(kb_tui_app *a, void *st)
{
    kb_tui_form *f = st;
    kb_form_release(a, f);
    kb_case_free(&f->base);
    for (int i = 0; i < KB_FF_COUNT; i++) {
        kb_tui_line_free(&f->f[i]);
        kb_free(&f->ferr[i]);
    }
    kb_free(&f->error);
    kb_free(&f->reason);
}

static unsigned kb_form_open(kb_tui_app *a, void *st, const void *arg)
{
    kb_tui_form *f = st;
    const kb_form_arg *fa = arg;
    f->is_new = fa->is_new;
    f->number = fa->is_new ? 0 : fa->c->number;
    f->base_version = fa->c->version;
    f->token = fa->token;
    f->renewed_ms = a->now_ms;
    kb_case_copy(&f->base, fa->c);
    for (int i = 0; i < KB_FF_COUNT; i++) {
        char *v = kb_view_form_shown(a, fa->c, (enum kb_tui_field)i);
        kb_tui_line_init(&f->f[i], v);
        kb_free(&v);
    }
    return KB_TUI_R_VIEW;
}

/* Push the form (a form on top is replaced). */
static unsigned kb_form_push(kb_tui_app *a, const kb_case *c, bool is_new, uint64_t token)
{
    if (kb_tui_view_is_top(a, &kb_tui_view_form))
        (void)kb_tui_view_pop(a);
    kb_form_arg arg = {.c = c, .is_new = is_new, .token = token};
    return kb_tui_view_push(a, &kb_tui_view_form, &arg);
}

void kb_view_form_fill(kb_tui_app *a, const kb_case *c, bool is_new)
{
    (void)kb_form_push(a, c, is_new, 0);
}

kb_tui_form *kb_tui_form_state(const kb_tui_app *a)
{
    return kb_tui_view_state(a, &kb_tui_view_form);
}

bool kb_tui_form_open(const kb_tui_app *a)
{
    return kb_tui_form_state(a) != NULL;
}

unsigned kb_view_form_new(kb_tui_app *a)
{
    return kb_view_form_new_in(a, NULL);
}

unsigned kb_view_form_new_in(kb_tui_app *a, const char *stage)
{
    if (a->board && !kb_role_can_write(kb_board_role(a->board))) {
        kb_tui_msg(a, true, "%s", _("You are a viewer on this board: you cannot add cases"));
        return KB_TUI_R_STATUS;
    }
    const kb_stage *st = stage ? kb_resolve_stage(a->refs.stages, a->refs.nstages, stage) : NULL;
    if (stage && !st) {
        kb_tui_msg(a, true, _("unknown stage '%s'"), stage);
        return KB_TUI_R_STATUS;
    }
    kb_case c;
    kb_case_init(&c);
    kb_tui_layout(a);
    /* a new case starts in the first stage (a signal), not in the stage of
     * the board's cursor, unless a stage was chosen on purpose */
    if (st)
        c.stage = kb_strdup(st->code);
    else if (a->refs.nstages)
        c.stage = kb_strdup(a->refs.stages[0].code);
    if (kb_tui_view_is_top(a, &kb_tui_view_board) && a->cur_lane < a->lay.nlanes &&
        a->lay.lanes[a->cur_lane].code[0])
        c.lead_dept = kb_strdup(a->lay.lanes[a->cur_lane].code);
    unsigned r = kb_form_push(a, &c, true, 0);
    kb_case_free(&c);
    return r;
}

unsigned kb_view_form_open(kb_tui_app *a, uint32_t number)
{
    /* a confidential case hidden on the shared screen (presenting, a
     * meeting) shows its fields in no form either: `e`, `:edit N` */
    if (kb_tui_case_hidden_refuse(a, number, NULL))
        return KB_TUI_R_STATUS;
    if (!a->board) {
        const kb_case *c = kb_tui_case(a, number);
        if (!c) {
            kb_tui_msg(a, true, _("No case #%u on this board"), number);
            return KB_TUI_R_STATUS;
        }
        return kb_form_push(a, c, false, 0);
    }
    if (!kb_role_can_write(kb_board_role(a->board))) {
        kb_tui_msg(a, true, "%s", _("You are a viewer on this board: cases are read-only"));
        return KB_TUI_R_STATUS;
    }
    kb_err e;
    kb_err_clear(&e);
    uint64_t token = 0;
    if (kb_board_lease_acquire(a->board, number, 0, false, &token, &e)) {
        kb_tui_msg(a, true, "%s", e.msg);
        unsigned r = kb_tui_refresh(a, true) | KB_TUI_R_VIEW;
        if (!kb_tui_current_case(a))
            r |= kb_view_case_open(a, number);
        return r;
    }
    kb_case c;
    kb_case_init(&c);
    if (kb_board_case_get(a->board, number, &c, &e)) {
        kb_err ignore;
        if (kb_board_lease_release(a->board, number, token, &ignore)) {
            /* expires */
        }
        kb_tui_msg(a, true, "%s", e.msg);
        return KB_TUI_R_STATUS;
    }
    /* the stored case may have become confidential since the cache saw it */
    if (kb_tui_case_hidden_refuse(a, number, &c)) {
        kb_err ignore;
        if (kb_board_lease_release(a->board, number, token, &ignore)) {
            /* expires */
        }
        kb_case_free(&c);
        return KB_TUI_R_STATUS;
    }
    unsigned r = kb_form_push(a, &c, false, token);
    kb_case_free(&c);
    return r;
}

static unsigned kb_form_tick(kb_tui_app *a, void *st, int64_t now_ms)
{
    kb_tui_form *f = st;
    (void)now_ms;
    if (f->is_new || !f->token || !a->board || a->now_ms - f->renewed_ms < KB_RENEW_MS)
        return KB_TUI_R_NONE;
    kb_err e;
    kb_err_clear(&e);
    f->renewed_ms = a->now_ms;
    if (kb_board_lease_renew(a->board, f->number, f->token, 0, &e)) {
        f->token = 0;
        kb_free(&f->error);
        f->error = kb_asprintf(_("Your edit lock could not be renewed: %s"), e.msg);
        return KB_TUI_R_VIEW;
    }
    return KB_TUI_R_NONE;
}

/* The idle lock closes the board (the lease goes, the input stays) and
 * opens it again (the lease is taken again, or the form says why not). */
static void kb_form_event(kb_tui_app *a, void *st, kb_tui_event ev, uint32_t number)
{
    kb_tui_form *f = st;
    (void)number;
    if (ev == KB_TUI_EV_DETACH) {
        kb_form_release(a, f);
    } else if (ev == KB_TUI_EV_ATTACH && !f->is_new && a->board) {
        kb_err e;
        kb_err_clear(&e);
        if (kb_board_lease_acquire(a->board, f->number, 0, false, &f->token, &e)) {
            f->token = 0;
            kb_free(&f->error);
            f->error = kb_strdup(e.msg);
        }
        f->renewed_ms = a->now_ms;
    }
}

/* ------------------------------------------------------------ submit */

int kb_view_form_parse(const kb_tui_app *a, const kb_case *base, const char *const vals[],
                       kb_case *out, char *errs[])
{
    kb_case_copy(out, base);
    int bad = 0;
    kb_err e;
    /* 1. each field on its own: format and references */
    for (int i = 0; i < KB_FF_COUNT; i++) {
        errs[i] = NULL;
        kb_err_clear(&e);
        int rc = kb_view_form_apply(a, base, out, (enum kb_field_id)i, vals[i], &e);
        if (rc == KB_OK && i == KB_F_TITLE && (!out->title || !out->title[0]))
            rc = kb_err_set(&e, KB_EDATA, "%s", _("a case needs a title"));
        if (rc) {
            errs[i] = kb_strdup(e.msg);
            kb_case_field_copy(out, base, (enum kb_field_id)i);
            bad++;
        }
    }
    /* making an involved department the lead takes it out of the involved
     * ones (the core's rule for a patch), unless that field was edited too */
    if (!errs[KB_F_LEAD] && !errs[KB_F_DEPTS] && out->lead_dept &&
        (!base->lead_dept || strcasecmp(base->lead_dept, out->lead_dept) != 0)) {
        char *shown = kb_view_form_shown(a, base, (enum kb_tui_field)KB_F_DEPTS);
        if (strcmp(shown, vals[KB_F_DEPTS]) == 0)
            kb_case_lead_leaves_involved(base, out, a->refs.depts, a->refs.ndepts);
        kb_free(&shown);
    }
    /* 2. the whole case with the model's validation; the message goes to
     * the field whose own value (taken back) makes the case valid */
    kb_err_clear(&e);
    if (kb_case_validate(out, &e) != KB_OK) {
        int culprit = -1;
        for (int i = 0; i < KB_FF_COUNT && culprit < 0; i++) {
            if (errs[i])
                continue;
            kb_case t;
            kb_case_copy(&t, out);
            kb_case_field_copy(&t, base, (enum kb_field_id)i);
            kb_err e2;
            if (kb_case_validate(&t, &e2) == KB_OK)
                culprit = i;
            kb_case_free(&t);
        }
        for (int i = 0; i < KB_FF_COUNT && culprit < 0; i++) {
            char *v = kb_view_form_shown(a, base, (enum kb_tui_field)i);
            if (!errs[i] && strcmp(v, vals[i]) != 0)
                culprit = i; /* the first field you changed */
            kb_free(&v);
        }
        if (culprit < 0)
            culprit = KB_F_TITLE;
        if (!errs[culprit]) {
            errs[culprit] = kb_strdup(e.msg);
            bad++;
        }
    }
    if (bad) {
        kb_case_free(out);
        kb_case_init(out);
    }
    return bad;
}

static bool kb_form_build(kb_tui_app *a, kb_tui_form *f, kb_case *out)
{
    const char *vals[KB_FF_COUNT];
    for (int i = 0; i < KB_FF_COUNT; i++) {
        vals[i] = f->f[i].text;
        kb_free(&f->ferr[i]);
    }
    int bad = kb_view_form_parse(a, &f->base, vals, out, f->ferr);
    if (bad) {
        for (int i = KB_FF_COUNT - 1; i >= 0; i--)
            if (f->ferr[i])
                f->focus = (size_t)i;
        kb_free(&f->error);
        f->error = kb_strdup(_("Please correct the marked fields."));
        return false;
    }
    kb_free(&f->error);
    return true;
}

bool kb_view_form_build(kb_tui_app *a, kb_case *out)
{
    kb_tui_form *f = kb_tui_form_state(a);
    return f && kb_form_build(a, f, out);
}

static void kb_view_form_fail(kb_tui_form *f, const char *msg)
{
    kb_free(&f->error);
    f->error = kb_asprintf(_("Not saved: %s. Your input is kept; press Enter to try again."), msg);
}

/* Save c (built from the form or the conflict dialog) expecting version
 * expect; before is the stored case it was edited from (for undo). */
static unsigned kb_view_form_save(kb_tui_app *a, kb_tui_form *f, kb_case *c, uint64_t expect,
                                  const kb_case *before)
{
    kb_err e;
    kb_err_clear(&e);
    if (!a->board) {
        kb_view_form_fail(f, _("no board is open"));
        return KB_TUI_R_VIEW;
    }
    if (f->is_new) {
        uint32_t to = f->link_to;
        enum kb_link_kind kind = f->link_kind;
        int arc = kb_board_case_add_linked(a->board, c, to, kind, f->reason, &e);
        f->link_to = 0;
        if (arc) {
            kb_view_form_fail(f, e.msg);
            return KB_TUI_R_VIEW;
        }
        uint32_t n = c->number;
        kb_tui_view_close(a, f);
        if (to && kind == KB_LINK_DUPLICATE)
            kb_tui_msg(a, false, _("Case #%u created as a duplicate of #%u"), n, to);
        else if (to)
            kb_tui_msg(a, false, _("Case #%u created, related to #%u"), n, to);
        else
            kb_tui_msg(a, false, _("Case #%u created"), n);
        kb_tui_undo_forget(a, a->msg); /* the last change, and not one undo reverts */
        unsigned r = kb_tui_refresh(a, true) | KB_TUI_R_VIEW;
        (void)kb_tui_select_case(a, n, NULL);
        return r;
    }
    if (!f->token &&
        kb_board_lease_acquire(a->board, f->number, 0, false, &f->token, &e) != KB_OK) {
        f->token = 0;
        kb_view_form_fail(f, e.msg);
        return KB_TUI_R_VIEW;
    }
    f->renewed_ms = a->now_ms;
    int rc = kb_board_case_save_reason(a->board, c, expect, f->token, f->reason, &e);
    if (rc == KB_OK) {
        uint32_t n = f->number;
        kb_tui_undo_remember(a, before, c->version);
        kb_tui_view_close(a, f);
        kb_tui_msg(a, false, _("Saved #%u"), n);
        unsigned r = kb_tui_refresh(a, true) | KB_TUI_R_VIEW;
        kb_view_case_reload(a, true); /* the case view the form was opened from */
        return r;
    }
    if (rc == KB_ECONFLICT) {
        kb_case cur;
        kb_case_init(&cur);
        kb_err e2;
        if (kb_board_case_get(a->board, f->number, &cur, &e2) == KB_OK && cur.version != expect) {
            /* someone saved over us, so our lease was broken: the next save
             * takes a new one (or tells who holds it now) */
            f->token = 0;
            kb_view_conflict_open(a, c, &cur);
            kb_case_free(&cur);
            return KB_TUI_R_VIEW;
        }
        kb_case_free(&cur);
        /* the lease was broken or taken: get a new one on the next try */
        f->token = 0;
    }
    kb_view_form_fail(f, e.msg);
    return KB_TUI_R_VIEW;
}

static unsigned kb_form_submit(kb_tui_app *a, kb_tui_form *f)
{
    kb_case c;
    kb_case_init(&c);
    if (!kb_form_build(a, f, &c))
        return KB_TUI_R_VIEW;
    if (a->board && !f->reason &&
        (f->is_new ? kb_board_add_needs_reason(a->board, c.stage)
                   : kb_board_move_needs_reason(a->board, f->base.stage, c.stage))) {
        /* the same rule as `case move` and `case add --reason`: ask for the
         * reason, then save */
        const kb_stage *st = kb_tui_stage(a, c.stage);
        const char *name = st && st->name ? st->name : c.stage;
        char *label = f->is_new ? kb_asprintf(_("Reason for a new case in %s: "), name)
                                : kb_asprintf(_("Reason for moving #%u to %s: "), f->number, name);
        kb_case_free(&c);
        unsigned r = kb_view_prompt_open(a, KB_PR_FORM_REASON, label, "", f->number, NULL);
        kb_free(&label);
        return r;
    }
    kb_case before;
    kb_case_copy(&before, &f->base);
    unsigned r = kb_view_form_save(a, f, &c, f->base_version, &before);
    kb_case_free(&before);
    kb_case_free(&c);
    return r;
}

unsigned kb_view_form_submit_reason(kb_tui_app *a, const char *reason)
{
    kb_tui_form *f = kb_tui_form_state(a);
    if (!f)
        return KB_TUI_R_NONE;
    kb_free(&f->reason);
    f->reason = kb_strdup(reason);
    unsigned r = kb_form_submit(a, f); /* closes the form when saved */
    kb_tui_form *g = kb_tui_form_state(a);
    if (g) /* not saved: ask again on the next try */
        kb_free(&g->reason);
    return r;
}

unsigned kb_view_form_save_merged(kb_tui_app *a, kb_case *merged, const kb_case *theirs)
{
    kb_tui_form *f = kb_tui_form_state(a);
    if (!f)
        return KB_TUI_R_NONE;
    return kb_view_form_save(a, f, merged, theirs->version, theirs);
}

/* ------------------------------------------------------------ dirty, similar */

static bool kb_form_is_dirty(const kb_tui_app *a, const kb_tui_form *f)
{
    for (int i = 0; i < KB_FF_COUNT; i++) {
        char *v = kb_view_form_shown(a, &f->base, (enum kb_tui_field)i);
        bool same = strcmp(v, f->f[i].text) == 0;
        kb_free(&v);
        if (!same)
            return true;
    }
    return false;
}

bool kb_view_form_dirty(const kb_tui_app *a)
{
    const kb_tui_form *f = kb_tui_form_state(a);
    return f && kb_form_is_dirty(a, f);
}

/* A new case: the cases similar to what is typed (title, description,
 * organisations), ranked in the model (kb_similar_rank). */
static void kb_form_similar(kb_tui_app *a, kb_tui_form *f)
{
    uint32_t keep = f->nsim && f->simsel < f->nsim ? f->sim[f->simsel].number : 0;
    f->nsim = 0;
    f->simsel = 0;
    if (!f->is_new)
        return;
    kb_strv orgs = {0};
    kb_form_parts(&orgs, f->f[KB_FF_ORGS].text, kb_ff(KB_FF_ORGS)->sep);
    f->nsim =
        kb_similar_rank(a->cache.cases.v, a->cache.cases.n, f->f[KB_FF_TITLE].text,
                        f->f[KB_FF_DESC].text, &orgs, 0, f->sim, sizeof f->sim / sizeof f->sim[0]);
    kb_strv_free(&orgs);
    for (size_t i = 0; i < f->nsim; i++)
        if (f->sim[i].number == keep)
            f->simsel = i;
}

/* One key: save the new case linked to the similar case shown. */
static unsigned kb_form_save_linked(kb_tui_app *a, kb_tui_form *f, enum kb_link_kind kind)
{
    if (!f->is_new || !f->nsim) {
        kb_tui_msg(a, false, "%s", _("No similar case to link to"));
        return KB_TUI_R_STATUS;
    }
    f->link_to = f->sim[f->simsel].number;
    f->link_kind = kind;
    unsigned r = kb_form_submit(a, f);
    kb_tui_form *g = kb_tui_form_state(a);
    if (g)
        g->link_to = 0;
    return r;
}

/* ------------------------------------------------------------ keys */

static unsigned kb_form_action(kb_tui_app *a, void *st, kb_action act)
{
    kb_tui_form *f = st;
    if (f->confirm_discard) { /* any other key: keep the form */
        f->confirm_discard = false;
        if (act == KB_ACTION_CANCEL || act == KB_ACTION_BACK || act == KB_ACTION_SUBMIT)
            return KB_TUI_R_VIEW;
    }
    switch (act) {
    case KB_ACTION_LINK_DUPLICATE:
        return kb_form_save_linked(a, f, KB_LINK_DUPLICATE);
    case KB_ACTION_LINK_RELATED:
        return kb_form_save_linked(a, f, KB_LINK_RELATED);
    case KB_ACTION_SIMILAR_NEXT:
        if (f->nsim)
            f->simsel = (f->simsel + 1) % f->nsim;
        return KB_TUI_R_VIEW;
    case KB_ACTION_FIELD_NEXT:
        f->focus = (f->focus + 1) % KB_FF_COUNT;
        return KB_TUI_R_VIEW;
    case KB_ACTION_FIELD_PREV:
        f->focus = (f->focus + KB_FF_COUNT - 1) % KB_FF_COUNT;
        return KB_TUI_R_VIEW;
    case KB_ACTION_PAGE_DOWN:
        f->focus = f->focus + 5 < KB_FF_COUNT ? f->focus + 5 : KB_FF_COUNT - 1;
        return KB_TUI_R_VIEW;
    case KB_ACTION_PAGE_UP:
        f->focus = f->focus >= 5 ? f->focus - 5 : 0;
        return KB_TUI_R_VIEW;
    case KB_ACTION_SUBMIT:
        return kb_form_submit(a, f);
    case KB_ACTION_CANCEL:
    case KB_ACTION_BACK: {
        if (kb_form_is_dirty(a, f)) {
            f->confirm_discard = true;
            return KB_TUI_R_VIEW;
        }
        bool was_new = f->is_new;
        kb_tui_view_close(a, f);
        kb_tui_msg(a, false, "%s", was_new ? _("New case discarded") : _("Not saved"));
        return KB_TUI_R_VIEW;
    }
    default:
        if (kb_tui_line_action(&f->f[f->focus], act)) {
            f->edited[f->focus] = true;
            kb_free(&f->ferr[f->focus]);
            kb_form_similar(a, f);
            return KB_TUI_R_VIEW;
        }
        return KB_TUI_R_NONE;
    }
}

static unsigned kb_form_text(kb_tui_app *a, void *st, uint32_t cp)
{
    kb_tui_form *f = st;
    if (f->confirm_discard) {
        f->confirm_discard = false;
        /* y (or the Dutch j) discards; anything else keeps the form */
        if (cp == 'y' || cp == 'Y' || cp == 'j' || cp == 'J') {
            bool was_new = f->is_new;
            kb_tui_view_close(a, f);
            kb_tui_msg(a, false, "%s", was_new ? _("New case discarded") : _("Not saved"));
        }
        return KB_TUI_R_VIEW;
    }
    if (cp == '\n' && !kb_form_multiline((int)f->focus))
        return KB_TUI_R_NONE;
    kb_tui_line_insert_cp(&f->f[f->focus], cp);
    f->edited[f->focus] = true;
    kb_free(&f->ferr[f->focus]);
    kb_form_similar(a, f);
    return KB_TUI_R_VIEW;
}

/* ------------------------------------------------------------ drawing */

/* Byte length of the prefix of s[0..n) that fits in maxw columns. */
static size_t kb_fit_n(const char *s, size_t n, int maxw, bool utf8)
{
    int w = 0;
    size_t used = 0;
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

static int kb_width_n(const char *s, size_t n, bool utf8)
{
    char *t = kb_strndup(s, n);
    int w = kb_tui_width(t, utf8);
    kb_free(&t);
    return w;
}

/* The ellipsis glyph at (x, y): a field's value goes on beyond its box. */
static void kb_more_mark(kb_grid *g, int x, int y, kb_style st)
{
    (void)kb_grid_putc(g, x, y, x + 1, kb_tui_glyph(KB_GL_ELLIPSIS, g->utf8), st);
}

/* Draw a one-line field value in [x, x+w); returns the cursor column.  The
 * field being edited (scroll) scrolls to keep its cursor visible; any
 * other shows its start, cut with an ellipsis (the cursor of a field that
 * has the focus but was not edited yet is on the ellipsis). */
static int kb_draw_line_field(kb_grid *g, int x, int y, int w, const kb_tui_line *l, kb_style st,
                              bool scroll)
{
    size_t skip = 0;
    if (scroll) {
        while (skip < l->cur && kb_width_n(l->text + skip, l->cur - skip, g->utf8) > w - 1) {
            uint32_t cp;
            skip += kb_tui_utf8_next(l->text + skip, l->len - skip, &cp);
        }
    }
    kb_grid_fill(g, x, y, w, 1, st);
    size_t fit = kb_fit_n(l->text + skip, l->len - skip, w, g->utf8);
    bool cut = !scroll && w > 1 && skip + fit < l->len;
    if (cut)
        fit = kb_fit_n(l->text, l->len, w - 1, g->utf8);
    char *vis = kb_strndup(l->text + skip, fit);
    kb_grid_put(g, x, y, w, vis, st);
    kb_free(&vis);
    if (cut) {
        kb_more_mark(g, x + w - 1, y, st);
        if (l->cur > fit)
            return x + w - 1;
    }
    return x + kb_width_n(l->text + skip, l->cur - skip, g->utf8);
}

typedef struct kb_wrow {
    size_t start, end;
} kb_wrow;

/* Wrap the text of l into rows of at most w columns, at blanks (the
 * blank at a break belongs to neither row; a word longer than a row is
 * cut). */
static size_t kb_wrap_rows(const kb_tui_line *l, int w, bool utf8, kb_wrow **rows)
{
    size_t n = 0, pos = 0;
    *rows = NULL;
    for (;;) {
        const char *nl = memchr(l->text + pos, '\n', l->len - pos);
        size_t pe = nl ? (size_t)(nl - l->text) : l->len;
        size_t p = pos;
        do {
            size_t fit = kb_fit_n(l->text + p, pe - p, w, utf8);
            if (fit == 0 && p < pe) {
                uint32_t cp;
                fit = kb_tui_utf8_next(l->text + p, pe - p, &cp);
            }
            size_t end = p + fit, next = end;
            if (end < pe && l->text[end] == ' ') {
                next = end + 1; /* breaks at the blank after the row */
            } else if (end < pe) {
                size_t b = end;
                while (b > p && l->text[b - 1] != ' ')
                    b--;
                if (b > p) { /* back to the last blank that fits */
                    end = b - 1;
                    next = b;
                }
            }
            *rows = kb_reallocarray(*rows, n + 1, sizeof **rows);
            (*rows)[n].start = p;
            (*rows)[n].end = end;
            n++;
            p = next;
        } while (p < pe);
        if (!nl)
            break;
        pos = pe + 1;
    }
    return n;
}

/* A field's message, wrapped to w columns: "^ " and the text, the rows
 * after the first indented under it. */
static void kb_ferr_rows(const char *msg, int w, bool utf8, kb_strv *out)
{
    kb_strv rows = {0};
    kb_tui_wrap_hang(msg, w - 2, utf8, &rows);
    for (size_t k = 0; k < rows.n; k++) {
        char *m = kb_asprintf("%s%s", k ? "  " : "^ ", rows.v[k]);
        kb_strv_push(out, m);
        kb_free(&m);
    }
    kb_strv_free(&rows);
}

/* Rows a field takes on screen (value + its message, whole). */
static int kb_field_rows(const kb_tui_form *f, int i, int vw, bool utf8)
{
    int n = 0;
    if (f->ferr[i]) {
        kb_strv er = {0};
        kb_ferr_rows(f->ferr[i], vw, utf8, &er);
        n = (int)er.n;
        kb_strv_free(&er);
    }
    return (kb_form_multiline(i) ? KB_DESC_ROWS : 1) + n;
}

static void kb_form_draw(kb_tui_app *a, void *st, kb_grid *g)
{
    kb_tui_form *f = st;
    kb_tui_draw_bar(a, g, NULL);
    if (g->h < 6)
        return;
    char head[96];
    if (f->is_new)
        snprintf(head, sizeof head, "%s", _("New case"));
    else
        snprintf(head, sizeof head, _("Edit case #%u"), f->number);
    kb_grid_put(g, 1, 1, g->w - 2, head, KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT));

    /* the form-level message takes up to two rows above the status line */
    kb_strv err = {0};
    if (f->confirm_discard)
        kb_strv_push(&err, _("Discard changes? y/n"));
    else if (f->error)
        kb_tui_wrap(f->error, g->w - 2, g->utf8, &err);
    int erows = err.n > 3 ? 3 : (int)err.n;
    /* a new case: the similar cases, above the message */
    int srows = f->nsim ? (int)f->nsim + 1 : 0;
    if (srows > (g->h - 8) / 2)
        srows = (g->h - 8) / 2 > 0 ? (g->h - 8) / 2 : 0;
    int top = 2, bottom = g->h - 1 - erows - srows; /* rows [top, bottom) for fields */
    int avail = bottom - top;
    /* the widest label (Dutch labels are longer) and one blank before the
     * values, at most a third of the screen (longer labels are cut) */
    int lw = KB_FLABEL_W;
    for (int i = 0; i < KB_FF_COUNT; i++) {
        int w = kb_tui_width(_(kb_ff(i)->label), g->utf8) + 1;
        if (w > lw)
            lw = w;
    }
    if (lw > g->w / 3 && g->w / 3 > KB_FLABEL_W)
        lw = g->w / 3;
    else if (lw > g->w / 3)
        lw = KB_FLABEL_W;
    int vx = lw + 2, vw = g->w - vx - 1;
    /* scroll so the focused field is visible */
    int fy = 0, total = 0;
    for (int i = 0; i < KB_FF_COUNT; i++) {
        if ((size_t)i == f->focus)
            fy = total;
        total += kb_field_rows(f, i, vw, g->utf8);
    }
    int fh = kb_field_rows(f, (int)f->focus, vw, g->utf8);
    if (fy < f->scroll)
        f->scroll = fy;
    if (fy + fh > f->scroll + avail)
        f->scroll = fy + fh - avail;
    if (f->scroll > total - avail)
        f->scroll = total - avail;
    if (f->scroll < 0)
        f->scroll = 0;

    int row = -f->scroll;
    for (int i = 0; i < KB_FF_COUNT; i++) {
        bool focused = (size_t)i == f->focus;
        int rows = kb_field_rows(f, i, vw, g->utf8);
        int y = top + row;
        row += rows;
        if (y + rows <= top || y >= bottom)
            continue;
        kb_style ls = focused ? KB_STYLE(KB_GA_BOLD, KB_GC_ACCENT) : KB_PLAIN;
        kb_style vs = focused ? KB_STYLE(KB_GA_UNDERLINE, KB_GC_ACCENT)
                              : KB_STYLE(KB_GA_UNDERLINE, KB_GC_DEFAULT);
        if (f->ferr[i])
            ls = KB_STYLE(KB_GA_BOLD, KB_GC_ERROR);
        if (y >= top) {
            kb_grid_put(g, 0, y, 2, focused ? ">" : f->ferr[i] ? "!" : " ", ls);
            kb_grid_put_cut(g, 2, y, lw - 1, _(kb_ff(i)->label), ls);
        }
        if (!kb_form_multiline(i)) {
            if (y >= top) {
                int cx = kb_draw_line_field(g, vx, y, vw, &f->f[i], vs, focused && f->edited[i]);
                if (focused) {
                    a->cursor_x = cx;
                    a->cursor_y = y;
                }
            }
        } else {
            kb_wrow *wr = NULL;
            size_t nr = kb_wrap_rows(&f->f[i], vw - 1, g->utf8, &wr);
            size_t cr = 0;
            for (size_t k = 0; k < nr; k++)
                if (wr[k].start <= f->f[i].cur)
                    cr = k;
            /* the field being edited scrolls to its cursor; else its
             * start shows, and an ellipsis marks rows above or below */
            size_t r0 = focused && f->edited[i] && cr >= KB_DESC_ROWS ? cr - KB_DESC_ROWS + 1 : 0;
            for (int k = 0; k < KB_DESC_ROWS; k++) {
                int yy = y + k;
                if (yy < top || yy >= bottom)
                    continue;
                kb_grid_fill(g, vx, yy, vw, 1, vs);
                size_t idx = r0 + (size_t)k;
                if (idx < nr) {
                    char *t = kb_strndup(f->f[i].text + wr[idx].start, wr[idx].end - wr[idx].start);
                    kb_grid_put(g, vx, yy, vw, t, vs);
                    kb_free(&t);
                }
                bool more = (k == 0 && r0 > 0) || (k == KB_DESC_ROWS - 1 && idx + 1 < nr);
                if (more)
                    kb_more_mark(g, vx + vw - 1, yy, vs);
                if (focused && idx == cr) {
                    a->cursor_x = vx + kb_width_n(f->f[i].text + wr[cr].start,
                                                  f->f[i].cur - wr[cr].start, g->utf8);
                    a->cursor_y = yy;
                } else if (focused && k == KB_DESC_ROWS - 1 && cr > idx) {
                    a->cursor_x = vx + vw - 1; /* below: on the ellipsis */
                    a->cursor_y = yy;
                }
            }
            kb_free(&wr);
        }
        if (f->ferr[i]) { /* the message under the value, whole */
            kb_strv er = {0};
            kb_ferr_rows(f->ferr[i], vw, g->utf8, &er);
            for (size_t k = 0; k < er.n; k++) {
                int ey = y + rows - (int)er.n + (int)k;
                if (ey >= top && ey < bottom)
                    kb_grid_put_cut(g, vx, ey, vw, er.v[k], KB_STYLE(KB_GA_BOLD, KB_GC_ERROR));
            }
            kb_strv_free(&er);
        }
    }
    if (srows > 0) {
        int sy = bottom;
        char *shead = NULL;
        char keys[3][KB_KEY_SEQ_STRLEN];
        const kb_action acts[3] = {KB_ACTION_LINK_DUPLICATE, KB_ACTION_LINK_RELATED,
                                   KB_ACTION_SIMILAR_NEXT};
        for (int k = 0; k < 3; k++)
            if (!a->km || kb_keymap_key_for(a->km, KB_CONTEXT_FORM, acts[k], keys[k]) != KB_OK)
                snprintf(keys[k], sizeof keys[k], "-");
        shead = kb_asprintf(_("Similar cases: %s duplicate of, %s related to, %s next"), keys[0],
                            keys[1], keys[2]);
        kb_grid_put_cut(g, 1, sy++, g->w - 2, shead, KB_STYLE(KB_GA_BOLD, KB_GC_WARN));
        kb_free(&shead);
        for (size_t i = 0; i < f->nsim && sy < bottom + srows; i++) {
            const kb_case *o = kb_tui_case(a, f->sim[i].number);
            char *srow = kb_asprintf("%s #%u %s%s", i == f->simsel ? ">" : " ", f->sim[i].number,
                                     o && o->title ? o->title : "",
                                     f->sim[i].same_org ? _(" (same organisation)") : "");
            kb_grid_put_cut(g, 1, sy++, g->w - 2, srow,
                            i == f->simsel ? KB_STYLE(KB_GA_BOLD, KB_GC_ACCENT) : KB_PLAIN);
            kb_free(&srow);
        }
    }
    for (int k = 0; k < erows; k++)
        kb_grid_put_cut(g, 1, g->h - 1 - erows + k, g->w - 2, err.v[k],
                        KB_STYLE(KB_GA_BOLD, f->confirm_discard ? KB_GC_WARN : KB_GC_ERROR));
    kb_strv_free(&err);
}

static kb_style kb_form_hints(kb_tui_app *a, void *st, kb_buf *out)
{
    const kb_tui_form *f = st;
    static const kb_action acts[] = {KB_ACTION_SUBMIT, KB_ACTION_CANCEL, KB_ACTION_FIELD_NEXT};
    static const char *const labels[] = {N_("save"), N_("cancel"), N_("next field")};
    kb_tui_hints_fit(a, KB_CONTEXT_FORM, acts, labels, 3, out);
    if (kb_form_multiline((int)f->focus))
        kb_tui_hint_fit(a, KB_CONTEXT_FORM, "<C-j>", _("new line"), out);
    return KB_STYLE(0, KB_GC_MUTED);
}

const kb_tui_view_ops kb_tui_view_form = {
    .name = "form",
    .ctx = KB_CONTEXT_FORM,
    .state_size = sizeof(kb_tui_form),
    .open = kb_form_open,
    .close = kb_form_close,
    .draw = kb_form_draw,
    .action = kb_form_action,
    .text = kb_form_text,
    .tick = kb_form_tick,
    .hints = kb_form_hints,
    .event = kb_form_event,
};
