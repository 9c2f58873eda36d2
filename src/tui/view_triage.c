/* view_triage.c - the triage inbox (issue 12): one signal at a time, one
 * key per decision.
 *
 * The inbox is kb_triage_inbox over the cached cases and links: every case
 * in the first stage or without a lead department (not in the last stage,
 * not a duplicate of another case), oldest first.  The screen shows the
 * first one not skipped in this session, with its description,
 * organisations, what is decided so far and the similar cases
 * (kb_triage_similar: not those already linked to it as duplicates).  Each
 * key opens a small picker (kb_tui_view_triage_pick, below: type a few
 * letters of a code or name, or a digit for the row; Up/Down or Tab move
 * the highlight, Enter takes it) or acts at once; every decision is ONE
 * core transaction (kb_board_case_decide_triage), after which the cache is
 * refreshed and the next signal shows at once when the case left the inbox
 * (move on, skip, duplicate, asked for information). */
#include "tui_internal.h"

#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KB_TRIAGE_SIMILAR 5
#define KB_PICK_MAX_ROWS 9

typedef enum kb_pick_kind {
    KB_PK_LEAD,
    KB_PK_INVOLVED,
    KB_PK_LINE,
    KB_PK_HOOK,
    KB_PK_PRIORITY,
    KB_PK_OWNER,
    KB_PK_DUPLICATE,
    KB_PK_RELATED,
    KB_PK_NEXT_STEP,
    KB_PK_ASK,
} kb_pick_kind;

typedef struct kb_triage_view {
    uint32_t number; /* the signal shown (0: the inbox is empty) */
    size_t left;     /* cases in the inbox */
    kb_u32v skipped; /* skipped (or finished) in this session */
    size_t done;     /* decisions taken in this session */
    kb_goal_vec goals;
} kb_triage_view;

/* ------------------------------------------------------------ the inbox */

static bool kb_triage_skipped(const kb_triage_view *t, uint32_t n)
{
    for (size_t i = 0; i < t->skipped.n; i++)
        if (t->skipped.v[i] == n)
            return true;
    return false;
}

/* Recompute the inbox; keep the current case while it is still in it. */
static void kb_triage_pick_current(kb_tui_app *a, kb_triage_view *t)
{
    const kb_case_vec *cv = &a->cache.cases;
    size_t ns = a->refs.nstages;
    size_t *idx = kb_calloc(cv->n ? cv->n : 1, sizeof *idx);
    size_t n = kb_triage_inbox(cv->v, cv->n, ns ? a->refs.stages[0].code : NULL,
                               ns > 1 ? a->refs.stages[ns - 1].code : NULL, a->cache.links.v,
                               a->cache.links.n, idx);
    t->left = n;
    bool keep = false;
    for (size_t i = 0; i < n && t->number; i++)
        if (cv->v[idx[i]].number == t->number && !kb_triage_skipped(t, t->number))
            keep = true;
    if (!keep) {
        t->number = 0;
        for (int pass = 0; pass < 2 && !t->number && n; pass++) {
            for (size_t i = 0; i < n && !t->number; i++)
                if (!kb_triage_skipped(t, cv->v[idx[i]].number))
                    t->number = cv->v[idx[i]].number;
            if (!t->number) /* everything skipped: start over */
                kb_u32v_free(&t->skipped);
        }
    }
    kb_free(&idx);
}

static void kb_triage_load_goals(kb_tui_app *a, kb_triage_view *t)
{
    if (!a->board) /* tests: the goals given at open stay */
        return;
    kb_goal_vec_free(&t->goals);
    kb_err e;
    kb_err_clear(&e);
    if (kb_board_goal_list(a->board, &t->goals, &e))
        kb_tui_msg(a, true, "%s", e.msg);
}

static unsigned kb_triage_open(kb_tui_app *a, void *st, const void *arg)
{
    kb_triage_view *t = st;
    const kb_goal_vec *goals = arg; /* tests: goals without a board */
    if (goals)
        for (size_t i = 0; i < goals->n; i++) {
            t->goals.v = kb_reallocarray(t->goals.v, t->goals.n + 1, sizeof *t->goals.v);
            kb_goal_copy(&t->goals.v[t->goals.n++], &goals->v[i]);
        }
    else
        kb_triage_load_goals(a, t);
    kb_triage_pick_current(a, t);
    return KB_TUI_R_VIEW;
}

static void kb_triage_close(kb_tui_app *a, void *st)
{
    (void)a;
    kb_triage_view *t = st;
    kb_u32v_free(&t->skipped);
    kb_goal_vec_free(&t->goals);
}

static void kb_triage_event(kb_tui_app *a, void *st, kb_tui_event ev, uint32_t number)
{
    (void)number;
    kb_triage_view *t = st;
    if (ev == KB_TUI_EV_CHANGED || ev == KB_TUI_EV_ATTACH) {
        kb_triage_pick_current(a, t);
        kb_triage_load_goals(a, t); /* a goal added meanwhile (`:goal add`) */
    }
}

unsigned kb_view_triage_open(kb_tui_app *a)
{
    if (a->board && !kb_role_can_write(kb_board_role(a->board))) {
        kb_tui_msg(a, true, "%s", _("You are a viewer on this board: you cannot triage"));
        return KB_TUI_R_STATUS;
    }
    return kb_tui_view_push(a, &kb_tui_view_triage, NULL);
}

unsigned kb_view_triage_open_with(kb_tui_app *a, const kb_goal_vec *goals)
{
    return kb_tui_view_push(a, &kb_tui_view_triage, goals);
}

uint32_t kb_view_triage_current(const kb_tui_app *a)
{
    const kb_triage_view *t = kb_tui_view_state(a, &kb_tui_view_triage);
    return t ? t->number : 0;
}

/* ------------------------------------------------------------ decisions */

/* Finish the current case for this session: the next one shows. */
static void kb_triage_advance(kb_tui_app *a, kb_triage_view *t)
{
    if (t->number)
        kb_u32v_push(&t->skipped, t->number);
    kb_triage_pick_current(a, t);
}

/* One decision: a patch and extras in one transaction. */
static unsigned kb_triage_decide(kb_tui_app *a, kb_triage_view *t, kb_case_patch *p,
                                 const kb_case_extra *x, bool advance, const char *done_msg)
{
    uint32_t n = t->number;
    if (!a->board) {
        kb_tui_msg(a, true, "%s", _("No board is open"));
        return KB_TUI_R_STATUS;
    }
    kb_err e;
    kb_err_clear(&e);
    const char *reason = NULL;
    char *why = NULL;
    /* the decision was made on the case as shown: a change made meanwhile
     * by someone else is not overwritten (the core refuses, the refresh
     * below shows the case as it is now) */
    const kb_case *shown = kb_tui_case(a, n);
    uint64_t expect = shown ? shown->version : KB_CORE_ANY_VERSION;
    if (p && (p->set & (1u << KB_F_STAGE))) {
        if (shown && kb_board_move_needs_reason(a->board, shown->stage, p->v.stage))
            reason = why = kb_strdup(_("triage"));
    }
    /* undo: the case as stored before the decision (one record read) */
    kb_case before, after;
    kb_case_init(&before);
    kb_case_init(&after);
    int rc = kb_board_case_get(a->board, n, &before, &e);
    if (rc == KB_OK)
        rc = kb_board_case_decide_triage(a->board, n, p, reason, x, expect, &after, &e);
    kb_free(&why);
    if (rc) {
        kb_case_free(&before);
        kb_case_free(&after);
        unsigned r = KB_TUI_R_STATUS | KB_TUI_R_VIEW;
        if (rc == KB_ECONFLICT) /* show the case as it is now */
            r |= kb_tui_refresh(a, true);
        kb_tui_msg(a, true, "%s", e.msg);
        return r;
    }
    t->done++;
    char *what = kb_asprintf("#%u: %s", n, done_msg);
    /* the undo target: a change of the case's fields can be undone (a
     * comment stays: the timeline is append-only); an action item or a
     * link cannot, and undo then says so */
    if (x && (x->action || x->link_to))
        kb_tui_undo_forget(a, what);
    else if (after.version != before.version)
        kb_tui_undo_remember(a, &before, after.version);
    kb_case_free(&before);
    kb_case_free(&after);
    kb_tui_msg(a, false, "%s", what);
    kb_free(&what);
    /* finished with n (the refresh may already show the next one) */
    if (advance)
        kb_u32v_push(&t->skipped, n);
    unsigned r = kb_tui_refresh(a, true) | KB_TUI_R_VIEW | KB_TUI_R_STATUS;
    kb_triage_pick_current(a, t);
    return r;
}

static unsigned kb_triage_set(kb_tui_app *a, kb_triage_view *t, enum kb_field_id f,
                              const char *text, bool append, const char *msg)
{
    kb_case_patch p;
    kb_case_patch_init(&p);
    kb_err e;
    kb_err_clear(&e);
    unsigned r;
    if (kb_case_field_parse(&p.v, f, text, &e) != KB_OK) {
        kb_tui_msg(a, true, "%s", e.msg);
        r = KB_TUI_R_STATUS;
    } else {
        p.set = 1u << f;
        p.append = append ? 1u << f : 0;
        r = kb_triage_decide(a, t, &p, NULL, false, msg);
    }
    kb_case_patch_free(&p);
    return r;
}

/* Split "TEXT @owner 7d" into its parts: the first "@user" word anywhere,
 * and a due date (YYYY-MM-DD or 7d, 2w, ...) at the end or next to the
 * "@user" word; the other words, in order, are the text. */
static void kb_triage_tokens(const kb_tui_app *a, const char *in, char **text, char **owner,
                             kb_date *date)
{
    kb_strv words = {0};
    const char *p = in;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, " ");
        if (n) {
            char *w = kb_strndup(p, n);
            kb_strv_push(&words, w);
            kb_free(&w);
        }
        p += n;
    }
    *owner = NULL;
    *date = KB_DATE_NONE;
    bool *used = kb_calloc(words.n ? words.n : 1, sizeof *used);
    size_t at = words.n; /* the @user word */
    for (size_t i = 0; i < words.n && !*owner; i++)
        if (words.v[i][0] == '@' && words.v[i][1]) {
            *owner = kb_strdup(words.v[i] + 1);
            used[i] = true;
            at = i;
        }
    /* the date: the last word, else the word after or before @user */
    size_t cand[3] = {words.n ? words.n - 1 : 0, at + 1, at ? at - 1 : words.n};
    for (size_t k = 0; k < 3 && words.n && *date == KB_DATE_NONE; k++) {
        size_t i = cand[k];
        if (i >= words.n || used[i] || (k > 0 && at >= words.n))
            continue;
        kb_date d;
        kb_err e;
        if (kb_date_parse_rel(words.v[i], a->today, &d, &e) == KB_OK) {
            *date = d;
            used[i] = true;
        }
    }
    kb_buf b = KB_BUF_INIT;
    for (size_t i = 0; i < words.n; i++)
        if (!used[i])
            kb_buf_printf(&b, "%s%s", b.len ? " " : "", words.v[i]);
    *text = b.data ? kb_buf_take(&b) : kb_strdup("");
    kb_free(&used);
    kb_strv_free(&words);
}

static unsigned kb_triage_apply(kb_tui_app *a, kb_triage_view *t, kb_pick_kind kind,
                                const char *value)
{
    const kb_case *c = kb_tui_case(a, t->number);
    if (!c) {
        kb_tui_msg(a, true, "%s", _("The case is gone"));
        return KB_TUI_R_STATUS;
    }
    switch (kind) {
    case KB_PK_LEAD: {
        /* an involved department made the lead leaves the involved ones
         * (the core does it in the same change) */
        if (!kb_strv_contains_ci(&c->depts, value) ||
            (c->lead_dept && kb_str_ieq(c->lead_dept, value)))
            return kb_triage_set(a, t, KB_F_LEAD, value, false, _("lead department set"));
        char *msg = kb_asprintf(_("lead department set; %s is no longer involved"), value);
        unsigned r = kb_triage_set(a, t, KB_F_LEAD, value, false, msg);
        kb_free(&msg);
        return r;
    }
    case KB_PK_LINE:
        return kb_triage_set(a, t, KB_F_LINE, value, false, _("action line set"));
    case KB_PK_HOOK:
        return kb_triage_set(a, t, KB_F_HOOKS, value, true, _("policy hook added"));
    case KB_PK_PRIORITY:
        return kb_triage_set(a, t, KB_F_PRIORITY, value, false, _("priority set"));
    case KB_PK_OWNER:
        return kb_triage_set(a, t, KB_F_OWNER, value, false, _("owner set"));
    case KB_PK_INVOLVED: {
        if (kb_strv_contains_ci(&c->depts, value)) { /* toggle: remove it */
            kb_strv rest = {0};
            for (size_t i = 0; i < c->depts.n; i++)
                if (!kb_str_ieq(c->depts.v[i], value))
                    kb_strv_push(&rest, c->depts.v[i]);
            char *s = kb_strv_join(&rest, ",");
            kb_strv_free(&rest);
            unsigned r =
                kb_triage_set(a, t, KB_F_DEPTS, s, false, _("involved department removed"));
            kb_free(&s);
            return r;
        }
        if (c->lead_dept && kb_str_ieq(c->lead_dept, value)) {
            kb_tui_msg(a, true, _("%s is the lead department already"), value);
            return KB_TUI_R_STATUS;
        }
        return kb_triage_set(a, t, KB_F_DEPTS, value, true, _("involved department added"));
    }
    case KB_PK_DUPLICATE:
    case KB_PK_RELATED: {
        uint32_t to = 0;
        kb_err e;
        if (kb_case_number_parse(value, &to, &e) != KB_OK) {
            kb_tui_msg(a, true, "%s", e.msg);
            return KB_TUI_R_STATUS;
        }
        bool dup = kind == KB_PK_DUPLICATE;
        kb_case_extra x = {.link_to = to, .link_kind = dup ? KB_LINK_DUPLICATE : KB_LINK_RELATED};
        char *msg = dup ? kb_asprintf(_("marked as duplicate of #%u"), to)
                        : kb_asprintf(_("linked as related to #%u"), to);
        /* a duplicate is done with; a related case stays on screen */
        unsigned r = kb_triage_decide(a, t, NULL, &x, dup, msg);
        kb_free(&msg);
        return r;
    }
    case KB_PK_NEXT_STEP: {
        char *text = NULL, *owner = NULL;
        kb_date due;
        kb_triage_tokens(a, value, &text, &owner, &due);
        kb_action_item it;
        kb_action_item_init(&it);
        it.text = text;
        it.owner = owner ? owner : kb_strdup(c->owner ? c->owner : a->user ? a->user : "");
        it.due = due;
        kb_case_extra x = {.action = &it};
        unsigned r;
        if (!text[0]) {
            kb_tui_msg(a, true, "%s", _("The next step needs a text"));
            r = KB_TUI_R_STATUS;
        } else {
            r = kb_triage_decide(a, t, NULL, &x, false, _("next step added"));
        }
        kb_action_item_free(&it);
        return r;
    }
    case KB_PK_ASK: {
        char *text = NULL, *owner = NULL;
        kb_date review;
        kb_triage_tokens(a, value, &text, &owner, &review);
        kb_free(&owner);
        if (!text[0]) {
            kb_free(&text);
            kb_tui_msg(a, true, "%s", _("Say what you need to know"));
            return KB_TUI_R_STATUS;
        }
        if (review == KB_DATE_NONE)
            review = a->today + 14;
        kb_case_patch p;
        kb_case_patch_init(&p);
        p.set = 1u << KB_F_REVIEW;
        p.v.review = review;
        char *comment = kb_asprintf("%s %s", _("More information needed:"), text);
        kb_case_extra x = {.comment = comment};
        char day[KB_DATE_STRLEN];
        kb_date_format(review, day);
        char *msg = kb_asprintf(_("asked for more information, review on %s"), day);
        unsigned r = kb_triage_decide(a, t, &p, &x, true, msg);
        kb_free(&msg);
        kb_free(&comment);
        kb_free(&text);
        kb_case_patch_free(&p);
        return r;
    }
    }
    return KB_TUI_R_NONE;
}

/* ------------------------------------------------------------ the picker */

typedef struct kb_pick_arg {
    kb_pick_kind kind;
    const char *title;
    const char *prefill; /* a suggestion (kb_tui_line_init_suggested) */
    bool free_text;      /* Enter without a matching row takes the typed text */
    kb_strv codes, labels;
} kb_pick_arg;

typedef struct kb_pick_view {
    kb_pick_kind kind;
    char *title;
    bool free_text;
    kb_strv codes, labels;
    kb_tui_line line;
    size_t *shown; /* indexes of the rows that match the typed text */
    size_t nshown;
    size_t sel;
    bool confirm_discard; /* Esc on typed free text: "Discard changes? y/n" */
} kb_pick_view;

/* The rows matching the typed text: code prefixes first, then codes or
 * labels containing it (kb_fold: any case, with or without accents). */
static void kb_pick_filter(kb_pick_view *p)
{
    kb_free(&p->shown);
    p->nshown = 0;
    p->shown = kb_calloc(p->codes.n ? p->codes.n : 1, sizeof *p->shown);
    char *f = kb_fold(p->line.text);
    size_t fl = strlen(f);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < p->codes.n; i++) {
            char *fc = kb_fold(p->codes.v[i]);
            bool prefix = strncmp(fc, f, fl) == 0;
            bool any = kb_fold_contains(p->codes.v[i], f) || kb_fold_contains(p->labels.v[i], f);
            kb_free(&fc);
            if ((pass == 0 && prefix) || (pass == 1 && !prefix && any))
                p->shown[p->nshown++] = i;
        }
    kb_free(&f);
    if (p->sel >= p->nshown)
        p->sel = 0;
}

static unsigned kb_pick_open(kb_tui_app *a, void *st, const void *arg)
{
    (void)a;
    kb_pick_view *p = st;
    const kb_pick_arg *pa = arg;
    p->kind = pa->kind;
    p->title = kb_strdup(pa->title);
    p->free_text = pa->free_text;
    kb_strv_copy(&p->codes, &pa->codes);
    kb_strv_copy(&p->labels, &pa->labels);
    /* a prefill is a suggestion: typing replaces it, Enter takes it */
    kb_tui_line_init_suggested(&p->line, pa->prefill ? pa->prefill : "");
    kb_pick_filter(p);
    return KB_TUI_R_VIEW;
}

static void kb_pick_close(kb_tui_app *a, void *st)
{
    (void)a;
    kb_pick_view *p = st;
    kb_free(&p->title);
    kb_strv_free(&p->codes);
    kb_strv_free(&p->labels);
    kb_tui_line_free(&p->line);
    kb_free(&p->shown);
}

/* Take value: close the picker, then decide on the triage view below. */
static unsigned kb_pick_accept(kb_tui_app *a, kb_pick_view *p, const char *value)
{
    kb_pick_kind kind = p->kind;
    char *v = kb_strdup(value);
    kb_tui_view_close(a, p);
    kb_triage_view *t = kb_tui_view_state(a, &kb_tui_view_triage);
    unsigned r = t ? kb_triage_apply(a, t, kind, v) : KB_TUI_R_NONE;
    kb_free(&v);
    return r | KB_TUI_R_VIEW;
}

static unsigned kb_pick_submit(kb_tui_app *a, kb_pick_view *p)
{
    bool typed = p->line.text[0] != '\0';
    if (p->kind >= KB_PK_NEXT_STEP) { /* free text only */
        if (typed)
            return kb_pick_accept(a, p, p->line.text);
    } else if (p->nshown) {
        return kb_pick_accept(a, p, p->codes.v[p->shown[p->sel]]);
    } else if (p->free_text && typed) {
        return kb_pick_accept(a, p, p->line.text);
    }
    kb_tui_msg(a, true, "%s", _("Nothing matches: type fewer letters, or Esc"));
    return KB_TUI_R_STATUS;
}

static unsigned kb_pick_action(kb_tui_app *a, void *st, kb_action act)
{
    kb_pick_view *p = st;
    if (p->confirm_discard) { /* any other key: keep the text */
        p->confirm_discard = false;
        if (act == KB_ACTION_CANCEL || act == KB_ACTION_BACK || act == KB_ACTION_SUBMIT)
            return KB_TUI_R_VIEW;
    }
    switch (act) {
    /* the highlight: Down/Up (the form's field keys, the global cursor
     * keys, and the prompt's history keys where a keymap binds the arrows
     * to those), Tab/Shift-Tab, PageDown/PageUp a page at a time; never a
     * key that types (j, k) */
    case KB_ACTION_FIELD_NEXT:
    case KB_ACTION_CURSOR_DOWN:
    case KB_ACTION_HISTORY_NEXT:
        if (p->nshown)
            p->sel = (p->sel + 1) % p->nshown;
        return KB_TUI_R_VIEW;
    case KB_ACTION_FIELD_PREV:
    case KB_ACTION_CURSOR_UP:
    case KB_ACTION_HISTORY_PREV:
        if (p->nshown)
            p->sel = (p->sel + p->nshown - 1) % p->nshown;
        return KB_TUI_R_VIEW;
    case KB_ACTION_PAGE_DOWN:
        if (p->nshown)
            p->sel =
                p->sel + KB_PICK_MAX_ROWS < p->nshown ? p->sel + KB_PICK_MAX_ROWS : p->nshown - 1;
        return KB_TUI_R_VIEW;
    case KB_ACTION_PAGE_UP:
        p->sel = p->sel > KB_PICK_MAX_ROWS ? p->sel - KB_PICK_MAX_ROWS : 0;
        return KB_TUI_R_VIEW;
    case KB_ACTION_SUBMIT:
        return kb_pick_submit(a, p);
    case KB_ACTION_CANCEL:
    case KB_ACTION_BACK:
        /* free text typed (a next step, a question) is asked about first */
        if (p->kind >= KB_PK_NEXT_STEP && p->line.text[0] && !p->line.suggested) {
            p->confirm_discard = true;
            return KB_TUI_R_VIEW;
        }
        kb_tui_view_close(a, p);
        return KB_TUI_R_VIEW;
    default:
        if (kb_tui_line_action(&p->line, act)) {
            kb_pick_filter(p);
            return KB_TUI_R_VIEW;
        }
        return KB_TUI_R_NONE;
    }
}

static unsigned kb_pick_text(kb_tui_app *a, void *st, uint32_t cp)
{
    kb_pick_view *p = st;
    if (p->confirm_discard) {
        p->confirm_discard = false;
        /* y (or the Dutch j) discards; anything else keeps the text */
        if (cp == 'y' || cp == 'Y' || cp == 'j' || cp == 'J')
            kb_tui_view_close(a, p);
        return KB_TUI_R_VIEW;
    }
    if (cp == '\n')
        return KB_TUI_R_NONE;
    /* a digit on an empty line picks that row (the priority: that value) */
    if (!p->line.text[0] && cp >= '0' && cp <= '9' && p->kind < KB_PK_NEXT_STEP) {
        if (p->kind == KB_PK_PRIORITY && cp <= '3') {
            char v[2] = {(char)cp, 0};
            return kb_pick_accept(a, p, v);
        }
        size_t row = (size_t)(cp - '1');
        if (p->kind != KB_PK_PRIORITY && cp != '0' && row < p->nshown && row < KB_PICK_MAX_ROWS)
            return kb_pick_accept(a, p, p->codes.v[p->shown[row]]);
    }
    kb_tui_line_insert_cp(&p->line, cp);
    kb_pick_filter(p);
    return KB_TUI_R_VIEW;
}

static void kb_pick_draw(kb_tui_app *a, void *st, kb_grid *g)
{
    kb_pick_view *p = st;
    bool list = p->codes.n > 0;
    int rows = list ? (int)(p->nshown < KB_PICK_MAX_ROWS ? p->nshown : KB_PICK_MAX_ROWS) : 0;
    if (list && rows == 0)
        rows = 1;
    int h = rows + 3, w = g->w > 72 ? 72 : g->w - 2;
    int x = (g->w - w) / 2, y = g->h - 1 - h;
    if (y < 1)
        y = 1;
    kb_style box = KB_STYLE(KB_GA_REVERSE, KB_GC_BAR);
    /* clear the picker's whole band, margins and the row above included:
     * no fragment of the screen behind shows around it */
    int top = y > 1 ? y - 1 : y;
    kb_grid_fill(g, 0, top, g->w, y + h - top, KB_PLAIN);
    kb_grid_fill(g, x, y, w, 1, box);
    kb_grid_put_cut(g, x + 1, y, w - 2, p->title, box);
    char *label = kb_asprintf("%s ", p->free_text && !list ? ">" : _("Find:"));
    int lw = kb_grid_put(g, x + 1, y + 1, w - 2, label, KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT));
    kb_free(&label);
    kb_style vs = KB_STYLE(KB_GA_UNDERLINE, KB_GC_ACCENT);
    kb_grid_fill(g, x + 1 + lw, y + 1, w - 3 - lw, 1, vs);
    size_t skip = 0;
    int fw = w - 4 - lw;
    while (skip < p->line.cur && kb_tui_width(p->line.text + skip, g->utf8) > fw) {
        uint32_t cp;
        skip += kb_tui_utf8_next(p->line.text + skip, p->line.len - skip, &cp);
    }
    kb_grid_put(g, x + 1 + lw, y + 1, fw, p->line.text + skip,
                p->line.suggested ? KB_STYLE(KB_GA_REVERSE, KB_GC_ACCENT) : vs);
    char *before = kb_strndup(p->line.text + skip, p->line.cur - skip);
    a->cursor_x = x + 1 + lw + kb_tui_width(before, g->utf8);
    a->cursor_y = y + 1;
    kb_free(&before);
    if (list && p->nshown == 0)
        kb_grid_put_cut(g, x + 2, y + 2, w - 4,
                        p->free_text ? _("(no match: Enter takes the text as typed)")
                                     : _("(no match)"),
                        KB_STYLE(0, KB_GC_MUTED));
    size_t first = p->sel >= KB_PICK_MAX_ROWS ? p->sel - KB_PICK_MAX_ROWS + 1 : 0;
    for (int r = 0; r < rows && first + (size_t)r < p->nshown; r++) {
        size_t i = p->shown[first + (size_t)r];
        bool sel = first + (size_t)r == p->sel;
        kb_style s = sel ? KB_STYLE(KB_GA_REVERSE, KB_GC_ACCENT) : KB_PLAIN;
        char *row = kb_asprintf("%zu %s", first + (size_t)r + 1, p->labels.v[i]);
        if (p->kind == KB_PK_PRIORITY) {
            kb_free(&row);
            row = kb_strdup(p->labels.v[i]);
        }
        kb_grid_put_cut(g, x + 2, y + 2 + r, w - 4, row, s);
        kb_free(&row);
    }
    const char *foot = p->confirm_discard ? _("Discard changes? y/n")
                       : list ? _("Up/Down move, type to narrow, digit or Enter picks, Esc cancels")
                              : _("Enter saves, Esc cancels");
    kb_grid_put_cut(g, x + 1, y + h - 1, w - 2, foot,
                    p->confirm_discard ? KB_STYLE(KB_GA_BOLD, KB_GC_WARN)
                                       : KB_STYLE(0, KB_GC_MUTED));
}

static kb_style kb_pick_hints(kb_tui_app *a, void *st, kb_buf *out)
{
    (void)st;
    static const kb_action acts[] = {KB_ACTION_SUBMIT, KB_ACTION_CANCEL, KB_ACTION_FIELD_NEXT};
    static const char *const labels[] = {N_("pick"), N_("cancel"), N_("next")};
    kb_tui_hints_fit(a, KB_CONTEXT_FORM, acts, labels, 3, out);
    return KB_STYLE(0, KB_GC_MUTED);
}

const kb_tui_view_ops kb_tui_view_triage_pick = {
    .name = "triage-pick",
    .ctx = KB_CONTEXT_FORM,
    .state_size = sizeof(kb_pick_view),
    .overlay = true,
    .open = kb_pick_open,
    .close = kb_pick_close,
    .draw = kb_pick_draw,
    .action = kb_pick_action,
    .text = kb_pick_text,
    .hints = kb_pick_hints,
};

/* May this user own an action item (not a viewer; unknown: yes, the core
 * says why not)? */
static bool kb_triage_can_own(const kb_tui_app *a, const char *name)
{
    for (size_t i = 0; i < a->refs.nusers; i++)
        if (strcmp(a->refs.users[i].name, name) == 0)
            return kb_role_can_write(a->refs.users[i].role);
    return true;
}

static void kb_pick_row(kb_pick_arg *pa, const char *code, const char *label)
{
    kb_strv_push(&pa->codes, code);
    kb_strv_push(&pa->labels, label);
}

/* Open the picker for kind over case c. */
static unsigned kb_triage_pick(kb_tui_app *a, kb_triage_view *t, const kb_case *c,
                               kb_pick_kind kind)
{
    kb_pick_arg pa = {.kind = kind};
    char *title = NULL, *prefill = NULL;
    switch (kind) {
    case KB_PK_LEAD:
    case KB_PK_INVOLVED:
        title = kb_asprintf(kind == KB_PK_LEAD ? _("Lead department of #%u")
                                               : _("Involved department of #%u (again: remove)"),
                            c->number);
        for (size_t i = 0; i < a->refs.ndepts; i++) {
            const kb_dept *d = &a->refs.depts[i];
            if (kind == KB_PK_INVOLVED && c->lead_dept && kb_str_ieq(c->lead_dept, d->code))
                continue;
            bool in = kind == KB_PK_INVOLVED && kb_strv_contains_ci(&c->depts, d->code);
            char *l = kb_asprintf("%-6s %s%s", d->code, d->name, in ? " *" : "");
            kb_pick_row(&pa, d->code, l);
            kb_free(&l);
        }
        break;
    case KB_PK_LINE:
        title = kb_asprintf(_("Action line of #%u"), c->number);
        for (size_t i = 0; i < a->refs.nlines; i++) {
            char *l = kb_asprintf("%-10s %s", a->refs.lines[i].code, a->refs.lines[i].name);
            kb_pick_row(&pa, a->refs.lines[i].code, l);
            kb_free(&l);
        }
        break;
    case KB_PK_HOOK: {
        kb_triage_load_goals(a, t); /* goals added meanwhile (`:goal add`, others) */
        title = kb_asprintf(_("Policy hook for #%u: a department goal, or free text"), c->number);
        pa.free_text = true;
        /* the goals of the case's departments first, then the others */
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < t->goals.n; i++) {
                const kb_goal *g = &t->goals.v[i];
                bool mine = (c->lead_dept && kb_str_ieq(c->lead_dept, g->dept)) ||
                            kb_strv_contains_ci(&c->depts, g->dept);
                if ((pass == 0) != mine || kb_strv_contains_ci(&c->hooks, g->code))
                    continue;
                char *l = kb_asprintf("%s: %s (%s)", g->code, g->text, g->dept);
                kb_pick_row(&pa, g->code, l);
                kb_free(&l);
            }
        break;
    }
    case KB_PK_PRIORITY:
        title = kb_asprintf(_("Priority of #%u"), c->number);
        kb_pick_row(&pa, "0", _("0 none"));
        kb_pick_row(&pa, "1", _("1 low"));
        kb_pick_row(&pa, "2", _("2 medium"));
        kb_pick_row(&pa, "3", _("3 high"));
        break;
    case KB_PK_OWNER:
        title = kb_asprintf(_("Owner of #%u"), c->number);
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < a->refs.nusers; i++) {
                const kb_user *u = &a->refs.users[i];
                bool me = a->user && strcmp(u->name, a->user) == 0;
                /* viewers may not change the board: not owners */
                if ((pass == 0) != me || !kb_role_can_write(u->role))
                    continue;
                kb_pick_row(&pa, u->name, u->name);
            }
        break;
    case KB_PK_DUPLICATE:
    case KB_PK_RELATED: {
        title =
            kb_asprintf(kind == KB_PK_DUPLICATE ? _("#%u is a duplicate of: a similar case, or #N")
                                                : _("#%u is related to: a similar case, or #N"),
                        c->number);
        pa.free_text = true;
        kb_similar sim[KB_TRIAGE_SIMILAR];
        size_t ns = kb_triage_similar(a->cache.cases.v, a->cache.cases.n, c, a->cache.links.v,
                                      a->cache.links.n, sim, KB_TRIAGE_SIMILAR);
        for (size_t i = 0; i < ns; i++) {
            const kb_case *o = &a->cache.cases.v[sim[i].index];
            char code[16];
            snprintf(code, sizeof code, "%u", o->number);
            char *l = kb_asprintf("#%u %s", o->number, o->title);
            kb_pick_row(&pa, code, l);
            kb_free(&l);
        }
        break;
    }
    case KB_PK_NEXT_STEP:
        title = kb_asprintf(_("Next step for #%u: TEXT @OWNER DUE (e.g. 7d, 2w, 2027-01-31)"),
                            c->number);
        pa.free_text = true;
        /* the case's owner, unless a viewer (who cannot close it): you */
        prefill = kb_asprintf("%s @%s 7d", _("First contact with the entrepreneur"),
                              c->owner && kb_triage_can_own(a, c->owner) ? c->owner
                              : a->user                                  ? a->user
                                                                         : "");
        break;
    case KB_PK_ASK:
        title = kb_asprintf(_("More information needed on #%u: QUESTION [REVIEW DATE, default "
                              "14d]"),
                            c->number);
        pa.free_text = true;
        break;
    }
    pa.title = title;
    pa.prefill = prefill;
    unsigned r = kb_tui_view_push(a, &kb_tui_view_triage_pick, &pa);
    kb_free(&title);
    kb_free(&prefill);
    kb_strv_free(&pa.codes);
    kb_strv_free(&pa.labels);
    return r;
}

/* ------------------------------------------------------------ keys */

static unsigned kb_triage_action(kb_tui_app *a, void *st, kb_action act)
{
    kb_triage_view *t = st;
    const kb_case *c = t->number ? kb_tui_case(a, t->number) : NULL;
    if (!c && act != KB_ACTION_BACK && act != KB_ACTION_CANCEL && act != KB_ACTION_QUIT &&
        act != KB_ACTION_HELP && act != KB_ACTION_COMMAND && act != KB_ACTION_REFRESH &&
        act != KB_ACTION_PRIVACY_BLANK) {
        if ((act >= KB_ACTION_TRIAGE_LEAD && act <= KB_ACTION_TRIAGE_SKIP) ||
            act == KB_ACTION_TRIAGE_RELATED) {
            kb_tui_msg(a, false, "%s", _("The triage inbox is empty"));
            return KB_TUI_R_STATUS;
        }
        return KB_TUI_R_NONE;
    }
    switch (act) {
    case KB_ACTION_TRIAGE_LEAD:
        return kb_triage_pick(a, t, c, KB_PK_LEAD);
    case KB_ACTION_TRIAGE_INVOLVED:
        return kb_triage_pick(a, t, c, KB_PK_INVOLVED);
    case KB_ACTION_TRIAGE_LINE:
        return kb_triage_pick(a, t, c, KB_PK_LINE);
    case KB_ACTION_TRIAGE_HOOK:
        return kb_triage_pick(a, t, c, KB_PK_HOOK);
    case KB_ACTION_TRIAGE_PRIORITY:
        return kb_triage_pick(a, t, c, KB_PK_PRIORITY);
    case KB_ACTION_TRIAGE_OWNER:
        return kb_triage_pick(a, t, c, KB_PK_OWNER);
    case KB_ACTION_TRIAGE_NEXT_STEP:
        return kb_triage_pick(a, t, c, KB_PK_NEXT_STEP);
    case KB_ACTION_TRIAGE_DUPLICATE:
        return kb_triage_pick(a, t, c, KB_PK_DUPLICATE);
    case KB_ACTION_TRIAGE_RELATED:
        return kb_triage_pick(a, t, c, KB_PK_RELATED);
    case KB_ACTION_TRIAGE_ASK:
        return kb_triage_pick(a, t, c, KB_PK_ASK);
    case KB_ACTION_TRIAGE_AGENDA: {
        kb_case_patch p;
        kb_case_patch_init(&p);
        p.set = 1u << KB_F_AGENDA;
        p.v.on_agenda = !c->on_agenda;
        unsigned r =
            kb_triage_decide(a, t, &p, NULL, false,
                             p.v.on_agenda ? _("put on the agenda") : _("taken off the agenda"));
        kb_case_patch_free(&p);
        return r;
    }
    case KB_ACTION_TRIAGE_MOVE_ON: {
        size_t si = a->refs.nstages;
        for (size_t i = 0; i < a->refs.nstages; i++)
            if (c->stage && strcmp(a->refs.stages[i].code, c->stage) == 0)
                si = i;
        if (si + 1 >= a->refs.nstages) {
            kb_tui_msg(a, true, "%s", _("The case is in the last stage"));
            return KB_TUI_R_STATUS;
        }
        const kb_stage *to = &a->refs.stages[si + 1];
        kb_case_patch p;
        kb_case_patch_init(&p);
        p.set = 1u << KB_F_STAGE;
        p.v.stage = kb_strdup(to->code);
        char *msg = kb_asprintf(_("moved to %s"), to->name ? to->name : to->code);
        unsigned r = kb_triage_decide(a, t, &p, NULL, true, msg);
        kb_free(&msg);
        kb_case_patch_free(&p);
        return r;
    }
    case KB_ACTION_TRIAGE_SKIP:
        kb_triage_advance(a, t);
        return KB_TUI_R_VIEW;
    case KB_ACTION_CASE_OPEN:
        return kb_view_case_open(a, t->number);
    case KB_ACTION_CASE_EDIT:
        return kb_view_form_open(a, t->number);
    case KB_ACTION_CASE_COMMENT: {
        char *label = kb_asprintf(_("Comment on #%u: "), t->number);
        unsigned r = kb_view_prompt_open(a, KB_PR_COMMENT, label, "", t->number, NULL);
        kb_free(&label);
        return r;
    }
    default:
        return KB_TUI_R_NONE;
    }
}

/* ------------------------------------------------------------ drawing */

/* "label: value" on one row; returns the next row. */
static int kb_triage_field(kb_grid *g, int y, int ymax, int lw, const char *label,
                           const char *value)
{
    if (y >= ymax)
        return y;
    kb_grid_put_cut(g, 1, y, lw, label, KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT));
    kb_grid_put_cut(g, 1 + lw + 1, y, g->w - lw - 3, value && value[0] ? value : "-", KB_PLAIN);
    return y + 1;
}

/* The hooks as the reader sees them: goals by their text. */
static char *kb_triage_hooks(const kb_triage_view *t, const kb_case *c)
{
    return kb_hooks_label(&c->hooks, t->goals.v, t->goals.n, "; ");
}

static void kb_triage_draw(kb_tui_app *a, void *st, kb_grid *g)
{
    kb_triage_view *t = st;
    kb_tui_draw_bar(a, g, NULL);
    if (g->h < 6)
        return;
    char head[128];
    snprintf(head, sizeof head,
             dngettext(KB_TEXTDOMAIN, "Triage inbox: %zu case left", "Triage inbox: %zu cases left",
                       t->left),
             t->left);
    kb_grid_put_cut(g, 1, 1, g->w - 2, head, KB_STYLE(KB_GA_BOLD, KB_GC_DEFAULT));
    const kb_case *c = t->number ? kb_tui_case(a, t->number) : NULL;
    if (!c) {
        kb_grid_put_cut(g, 1, 3, g->w - 2,
                        _("Nothing to triage: every case has a lead department and has left the "
                          "first stage."),
                        KB_PLAIN);
        return;
    }
    int ymax = g->h - 1;
    int y = 2;
    char *title = kb_asprintf("#%u %s", c->number, c->title ? c->title : "");
    kb_grid_put_cut(g, 1, y++, g->w - 2, title, KB_STYLE(KB_GA_BOLD, KB_GC_ACCENT));
    kb_free(&title);
    int lw = 14;
    kb_query_refs refs = a->refs;
    char *v = kb_case_field_show(c, KB_F_STAGE, kb_query_name_refs, &refs);
    char age[96];
    int days = kb_case_age_days(c, a->today);
    snprintf(age, sizeof age,
             dngettext(KB_TEXTDOMAIN, "%s, %d day in this stage", "%s, %d days in this stage",
                       (unsigned long)(days > 0 ? days : 0)),
             v, days);
    kb_free(&v);
    y = kb_triage_field(g, y, ymax, lw, _("Stage"), age);
    v = kb_strv_join(&c->orgs, "; ");
    y = kb_triage_field(g, y, ymax, lw, _("Organisations"), v);
    kb_free(&v);
    const kb_dept *ld = c->lead_dept ? kb_tui_dept(a, c->lead_dept) : NULL;
    char *lead = ld ? kb_asprintf("%s %s", ld->code, ld->name) : kb_strdup("");
    y = kb_triage_field(g, y, ymax, lw, _("Lead"), lead);
    kb_free(&lead);
    v = kb_strv_join(&c->depts, ", ");
    y = kb_triage_field(g, y, ymax, lw, _("Involved"), v);
    kb_free(&v);
    v = kb_case_field_show(c, KB_F_LINE, kb_query_name_refs, &refs);
    y = kb_triage_field(g, y, ymax, lw, _("Action line"), v);
    kb_free(&v);
    v = kb_triage_hooks(t, c);
    y = kb_triage_field(g, y, ymax, lw, _("Policy hooks"), v);
    kb_free(&v);
    char pr[96];
    snprintf(pr, sizeof pr, "%d  %s %s  %s %s", c->priority, _("Owner"), c->owner ? c->owner : "-",
             _("Agenda"), c->on_agenda ? _("yes") : _("no"));
    y = kb_triage_field(g, y, ymax, lw, _("Priority"), pr);

    /* the similar cases take up to KB_TRIAGE_SIMILAR rows at the bottom */
    kb_similar sim[KB_TRIAGE_SIMILAR];
    size_t ns = kb_triage_similar(a->cache.cases.v, a->cache.cases.n, c, a->cache.links.v,
                                  a->cache.links.n, sim, KB_TRIAGE_SIMILAR);
    int simrows = ns ? (int)ns + 1 : 0;
    if (simrows > (ymax - y) / 2)
        simrows = (ymax - y) / 2;
    int dbottom = ymax - simrows;
    if (y < dbottom)
        kb_grid_hline(g, 0, y++, g->w, KB_STYLE(0, KB_GC_MUTED));
    kb_strv lines = {0};
    kb_tui_wrap(c->description && c->description[0] ? c->description : _("(no description)"),
                g->w - 2, g->utf8, &lines);
    for (size_t i = 0; i < lines.n && y < dbottom; i++)
        kb_grid_put(g, 1, y++, g->w - 2, lines.v[i], KB_PLAIN);
    kb_strv_free(&lines);
    if (simrows > 0) {
        int sy = dbottom;
        kb_grid_put_cut(g, 1, sy++, g->w - 2, _("Similar cases (D: duplicate of, R: related to):"),
                        KB_STYLE(KB_GA_BOLD, KB_GC_WARN));
        for (size_t i = 0; i < ns && sy < ymax; i++) {
            const kb_case *o = &a->cache.cases.v[sim[i].index];
            char *row = kb_asprintf("  #%u %s%s", o->number, o->title,
                                    sim[i].same_org ? _(" (same organisation)") : "");
            kb_grid_put_cut(g, 1, sy++, g->w - 2, row, KB_PLAIN);
            kb_free(&row);
        }
    }
}

static kb_style kb_triage_hints(kb_tui_app *a, void *st, kb_buf *out)
{
    (void)st;
    static const kb_action acts[] = {
        KB_ACTION_TRIAGE_LEAD,
        KB_ACTION_TRIAGE_INVOLVED,
        KB_ACTION_TRIAGE_LINE,
        KB_ACTION_TRIAGE_HOOK,
        KB_ACTION_TRIAGE_NEXT_STEP,
        KB_ACTION_TRIAGE_MOVE_ON,
        KB_ACTION_TRIAGE_SKIP,
        KB_ACTION_TRIAGE_PRIORITY,
        KB_ACTION_TRIAGE_OWNER,
        KB_ACTION_TRIAGE_DUPLICATE,
        KB_ACTION_TRIAGE_AGENDA,
        KB_ACTION_TRIAGE_ASK,
        KB_ACTION_HELP,
    };
    static const char *const labels[] = {
        N_("lead"),    N_("involved"), N_("line"), N_("hook"),  N_("next step"),
        N_("move on"), N_("skip"),     N_("prio"), N_("owner"), N_("duplicate"),
        N_("agenda"),  N_("ask"),      N_("help"),
    };
    kb_tui_hints_fit(a, KB_CONTEXT_TRIAGE, acts, labels, sizeof acts / sizeof acts[0], out);
    return KB_STYLE(0, KB_GC_MUTED);
}

const kb_tui_view_ops kb_tui_view_triage = {
    .name = "triage",
    .ctx = KB_CONTEXT_TRIAGE,
    .state_size = sizeof(kb_triage_view),
    .open = kb_triage_open,
    .close = kb_triage_close,
    .draw = kb_triage_draw,
    .action = kb_triage_action,
    .hints = kb_triage_hints,
    .event = kb_triage_event,
};
