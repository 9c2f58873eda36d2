/* app.c - the shared state of a TUI session, key dispatch through the
 * view stack, periodic work (live refresh, idle lock) and the calls into
 * the core API.  Nothing here knows which screens exist: keys, ticks and
 * drawing go to the views on the stack (view.c).  Nothing here touches
 * the terminal; see tui_internal.h. */
#include "tui_internal.h"

#include "kernboard/buf.h"
#include "kernboard/cmd.h"
#include "kernboard/env.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/paths.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KB_POLL_MS 500      /* generation poll (one header read) */
#define KB_RELOAD_MS 1000   /* reload changed cases at most this often */
#define KB_SESSIONS_MS 3000 /* who is online */
#define KB_LEASES_MS 10000  /* leases also change state by time (expiry, death) */
#define KB_MSG_MS 8000      /* status messages fade after this */
#define KB_IDLE_DEFAULT_MIN 15

void kb_tui_app_init(kb_tui_app *a, const char *db_path, const char *user, int w, int h, bool utf8)
{
    memset(a, 0, sizeof *a);
    a->db_path = db_path ? kb_strdup(db_path) : NULL;
    a->user = user ? kb_strdup(user) : NULL;
    a->w = w;
    a->h = h;
    a->utf8 = utf8;
    a->today = kb_date_today();
    a->km = kb_keymap_new();
    (void)kb_keymap_load_builtin(a->km);
    kb_case_init(&a->undo_before);
    a->lay_dirty = true;
    a->cursor_x = a->cursor_y = -1;
    static const kb_tui_view_ops *const builtin[] = {
#define KB_TUI_VIEW(name) &kb_tui_view_##name,
#include "views.def"
#undef KB_TUI_VIEW
    };
    for (size_t i = 0; i < sizeof builtin / sizeof *builtin; i++)
        if (kb_tui_view_register(a, builtin[i]) != KB_OK)
            abort(); /* a name twice in views.def */
    (void)kb_tui_view_push(a, &kb_tui_view_board, NULL);
}

void kb_tui_app_detach(kb_tui_app *a)
{
    kb_tui_views_event(a, KB_TUI_EV_DETACH, 0); /* leases released, case data dropped */
    kb_board_cache_free(&a->cache);
    kb_tui_layout_free(&a->lay);
    a->lay_dirty = true;
    kb_free(&a->edits);
    a->nedits = 0;
    kb_tui_meeting_forget(a);
    kb_strv_free(&a->online);
    a->nsessions = 0;
    memset(&a->refs, 0, sizeof a->refs);
    kb_user_vec_free(&a->users);
    kb_board_close(&a->board);
}

void kb_tui_app_free(kb_tui_app *a)
{
    kb_tui_view_close_all(a); /* a form releases its lease */
    kb_tui_app_detach(a);
    kb_free(&a->db_path);
    kb_free(&a->user);
    kb_free(&a->cmd_out);
    kb_free(&a->cmd_err);
    kb_keymap_free(&a->km);
    kb_strv_free(&a->diags);
    kb_strv_free(&a->collapsed);
    kb_query_free(&a->filter);
    kb_free(&a->filter_text);
    kb_strv_free(&a->hist_filter);
    kb_free(&a->card_sort);
    kb_strv_free(&a->hist_command);
    kb_secret_free(&a->lock_pass);
    kb_free(&a->lock_error);
    kb_case_free(&a->undo_before);
    kb_free(&a->undo_last);
}

void kb_tui_app_dirty(kb_tui_app *a)
{
    a->lay_dirty = true;
}

void kb_tui_app_resize(kb_tui_app *a, int w, int h)
{
    a->w = w;
    a->h = h;
}

void kb_tui_msg(kb_tui_app *a, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->msg, sizeof a->msg, fmt, ap);
    va_end(ap);
    a->msg_error = error;
    a->msg_until = a->now_ms + KB_MSG_MS;
}

const kb_case *kb_tui_case(const kb_tui_app *a, uint32_t number)
{
    size_t lo = 0, hi = a->cache.cases.n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        uint32_t n = a->cache.cases.v[mid].number;
        if (n == number)
            return &a->cache.cases.v[mid];
        if (n < number)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const kb_tui_edit *kb_tui_edit_of(const kb_tui_app *a, uint32_t number)
{
    for (size_t i = 0; i < a->nedits; i++)
        if (a->edits[i].number == number)
            return &a->edits[i];
    return NULL;
}

/* Names the user typed go through the one resolver (kernboard/model.h):
 * code or name, case- and accent-insensitive. */
const kb_stage *kb_tui_stage(const kb_tui_app *a, const char *s)
{
    return s ? kb_resolve_stage(a->refs.stages, a->refs.nstages, s) : NULL;
}

const kb_dept *kb_tui_dept(const kb_tui_app *a, const char *s)
{
    return s ? kb_resolve_dept(a->refs.depts, a->refs.ndepts, s) : NULL;
}

/* The query resolver of `case list` over the app's reference data, so the
 * filter and the command line find the same cases. */
const char *kb_tui_resolve(void *user, enum kb_query_field f, const char *value)
{
    kb_tui_app *a = user;
    return kb_query_resolve_refs(&a->refs, f, value);
}

static int kb_tui_norm(void *user, const char *stage)
{
    kb_tui_app *a = user;
    return kb_query_norm_refs(&a->refs, stage);
}

static bool kb_tui_masked_cb(void *user, const kb_case *c)
{
    return kb_tui_case_masked(user, c);
}

kb_query_ctx kb_tui_query_ctx(kb_tui_app *a)
{
    kb_query_ctx qc = {.today = a->today,
                       .resolve = kb_tui_resolve,
                       .user = a,
                       .norm = kb_tui_norm,
                       .last_meeting = a->last_meeting,
                       .me = a->user,
                       .masked = kb_tui_masked_cb};
    for (size_t i = 0; a->user && i < a->refs.nusers; i++)
        if (a->refs.users[i].name && strcmp(a->refs.users[i].name, a->user) == 0)
            qc.my_depts = &a->refs.users[i].depts;
    return qc;
}

int kb_tui_set_filter(kb_tui_app *a, const char *text, kb_err *e)
{
    kb_query *q = NULL;
    char *sort = NULL, *full = NULL; /* "@name": a saved view (view_views.c) */
    if (text && strchr(text, '@')) {
        if (!(full = kb_tui_expand_views(a, text, &sort, e)))
            return e->code;
        text = full;
        kb_free(&a->card_sort);
        a->card_sort = sort;
    }
    if (text && text[0]) {
        int rc = kb_query_parse(text, &q, e);
        kb_free(&full);
        if (rc == KB_OK && a->board && kb_query_needs_activity(q))
            rc = kb_board_cache_activity(a->board, &a->cache, e); /* updated, since: */
        if (rc) {
            kb_query_free(&q);
            return rc;
        }
    }
    kb_free(&full);
    kb_query_free(&a->filter);
    kb_free(&a->filter_text);
    if (q && kb_query_term_count(q) > 0) {
        a->filter = q;
        a->filter_text = kb_query_print(q);
    } else {
        kb_query_free(&q);
    }
    kb_tui_app_dirty(a);
    a->cur_placed = false; /* on a card after the filter: the same case if it is shown */
    kb_tui_reselect(a);
    kb_tui_layout(a);
    if (a->filter && a->lay.shown == 1) { /* one match (/#13): the cursor on it */
        kb_query_ctx qc = kb_tui_query_ctx(a);
        for (size_t i = 0; i < a->cache.cases.n; i++)
            if (kb_query_match(a->filter, &a->cache.cases.v[i], &qc))
                (void)kb_tui_select_case(a, a->cache.cases.v[i].number, NULL);
    }
    return KB_OK;
}

long kb_tui_count_matches(kb_tui_app *a, const char *text, kb_err *e)
{
    kb_query *q = NULL;
    char *full = kb_tui_expand_views(a, text, NULL, e); /* "@name" */
    int prc = full ? kb_query_parse(full, &q, e) : -1;
    kb_free(&full);
    if (prc == KB_OK && a->board && kb_query_needs_activity(q) &&
        kb_board_cache_activity(a->board, &a->cache, e))
        prc = -1;
    if (prc) {
        kb_query_free(&q);
        return -1;
    }
    kb_query_ctx qc = kb_tui_query_ctx(a);
    long n = 0;
    for (size_t i = 0; i < a->cache.cases.n; i++)
        if (kb_query_match(q, &a->cache.cases.v[i], &qc))
            n++;
    kb_query_free(&q);
    return n;
}

/* ------------------------------------------------------------ board data */

static int kb_load_edits(kb_tui_app *a, kb_err *e)
{
    kb_lease_vec lv = {0};
    int rc = kb_board_lease_list(a->board, &lv, e);
    if (rc)
        return rc;
    kb_free(&a->edits);
    a->nedits = 0;
    a->edits = kb_calloc(lv.n ? lv.n : 1, sizeof *a->edits);
    for (size_t i = 0; i < lv.n; i++) {
        const kb_lease_info *li = &lv.v[i];
        if (li->mine || li->state == KB_LEASE_DEAD)
            continue;
        kb_tui_edit *ed = &a->edits[a->nedits++];
        ed->number = li->lease.case_number;
        snprintf(ed->user, sizeof ed->user, "%s", li->lease.user ? li->lease.user : "?");
        ed->since = li->lease.since;
    }
    kb_lease_vec_free(&lv);
    a->last_leases_ms = a->now_ms;
    return KB_OK;
}

static int kb_load_sessions(kb_tui_app *a, kb_err *e)
{
    kb_session *s = NULL;
    size_t n = 0;
    int rc = kb_board_sessions(a->board, &s, &n, e);
    if (rc)
        return rc;
    kb_strv_free(&a->online);
    for (size_t i = 0; i < n; i++)
        if (!s[i].self && !kb_strv_contains(&a->online, s[i].user))
            kb_strv_push(&a->online, s[i].user);
    a->nsessions = n;
    kb_free(&s);
    a->last_sessions_ms = a->now_ms;
    return KB_OK;
}

/* The board's reference data (borrowed: re-read after anything that may
 * have reloaded it). */
static void kb_refs_sync(kb_tui_app *a)
{
    if (!a->board)
        return;
    a->refs.stages = kb_board_stages(a->board, &a->refs.nstages);
    a->refs.depts = kb_board_depts(a->board, &a->refs.ndepts);
    a->refs.lines = kb_board_lines(a->board, &a->refs.nlines);
    a->refs.users = a->users.v;
    a->refs.nusers = a->users.n;
}

int kb_tui_app_attach(kb_tui_app *a, kb_board *b, kb_err *e)
{
    a->board = b;
    if (!a->hist_filter.n)
        kb_tui_history_load(a); /* the filter history survives a restart */
    kb_user_vec_free(&a->users);
    int rc = kb_board_user_list(b, &a->users, e);
    kb_refs_sync(a);
    if (rc == KB_OK)
        rc = kb_board_cache_load(b, &a->cache, e);
    if (rc == KB_OK && kb_query_needs_activity(a->filter)) /* a filter on updated, since: */
        rc = kb_board_cache_activity(b, &a->cache, e);
    if (rc == KB_OK)
        rc = kb_board_generation(b, &a->generation, e);
    if (rc == KB_OK)
        rc = kb_load_edits(a, e);
    if (rc == KB_OK)
        rc = kb_load_sessions(a, e);
    kb_tui_meeting_sync(a); /* also a->last_meeting */
    a->last_poll_ms = a->now_ms;
    kb_tui_app_dirty(a);
    kb_tui_reselect(a);
    return rc;
}

/* What a filter's verdict on an unchanged case depends on besides the
 * case (and the reference data): which confidential cases are masked (the
 * running meeting and its reveals) and the last meeting's start. */
static uint64_t kb_filter_sig(const kb_tui_app *a)
{
    uint64_t h = 1469598103934665603u;
    h = (h ^ (uint64_t)a->last_meeting) * 1099511628211u;
    h = (h ^ (a->meeting ? a->meeting->number + 1u : 0u)) * 1099511628211u;
    for (size_t i = 0; a->meeting && i < a->meeting->reveals.n; i++)
        h = (h ^ a->meeting->reveals.v[i]) * 1099511628211u;
    return h;
}

unsigned kb_tui_refresh(kb_tui_app *a, bool force)
{
    if (!a->board)
        return KB_TUI_R_NONE;
    unsigned r = KB_TUI_R_NONE;
    kb_err e;
    kb_err_clear(&e);
    uint64_t gen = 0;
    a->last_poll_ms = a->now_ms;
    kb_refs_sync(a);
    if (kb_board_generation(a->board, &gen, &e)) {
        kb_tui_msg(a, true, "%s", e.msg);
        return KB_TUI_R_STATUS;
    }
    bool due = force || a->now_ms - a->last_reload_ms >= KB_RELOAD_MS;
    if (gen != a->generation && !due)
        return r; /* a busy board: catch up at the next poll */
    if (force || gen != a->generation) {
        size_t changed = 0;
        a->last_reload_ms = a->now_ms;
        int frc = kb_board_cache_refresh_at(a->board, &a->cache, gen, &changed, &e);
        kb_refs_sync(a); /* the refresh may have reloaded the reference data */
        if (frc) {
            kb_tui_app_dirty(a); /* the cache's account of what changed may be incomplete */
            kb_tui_msg(a, true, "%s", e.msg);
            return KB_TUI_R_STATUS;
        }
        a->generation = gen;
        uint64_t sig = kb_filter_sig(a);
        /* the meeting and the edit leases only when the change feed names
         * them (leases also expire: the timer below re-reads them) */
        if (force || a->cache.meetings_changed)
            kb_tui_meeting_sync(a); /* also a->last_meeting */
        if ((force || a->cache.leases_changed) && kb_load_edits(a, &e))
            kb_tui_msg(a, true, "%s", e.msg);
        /* only the changed cases' cards, unless what the filter sees of
         * every case changed (a meeting started or ended, a reveal) */
        if (a->filter && sig != kb_filter_sig(a))
            kb_tui_app_dirty(a);
        else
            (void)kb_tui_layout_apply(a); /* else it marks the layout for a rebuild */
        kb_tui_reselect(a);
        kb_tui_views_event(a, KB_TUI_EV_CHANGED, 0); /* an open case view reloads */
        r |= KB_TUI_R_VIEW;
    } else if (a->now_ms - a->last_leases_ms >= KB_LEASES_MS) {
        size_t before = a->nedits;
        if (kb_load_edits(a, &e) == KB_OK && (before || a->nedits)) {
            kb_tui_app_dirty(a);
            r |= KB_TUI_R_VIEW;
        }
    }
    if (force || a->now_ms - a->last_sessions_ms >= KB_SESSIONS_MS) {
        size_t before = a->nsessions;
        char *old = kb_strv_join(&a->online, ",");
        if (kb_load_sessions(a, &e) == KB_OK) {
            char *now = kb_strv_join(&a->online, ",");
            if (before != a->nsessions || strcmp(old, now) != 0)
                r |= KB_TUI_R_VIEW;
            kb_free(&now);
        }
        kb_free(&old);
    }
    return r;
}

/* ------------------------------------------------------------ changes */

void kb_tui_undo_remember(kb_tui_app *a, const kb_case *before, uint64_t after_version)
{
    kb_case_free(&a->undo_before);
    kb_case_copy(&a->undo_before, before);
    a->undo_version = after_version;
    a->have_undo = true;
    a->undo_redo = false;
    kb_free(&a->undo_last);
}

void kb_tui_undo_forget(kb_tui_app *a, const char *what)
{
    kb_case_free(&a->undo_before);
    kb_case_init(&a->undo_before);
    a->have_undo = false;
    a->undo_redo = false;
    kb_free(&a->undo_last);
    a->undo_last = kb_strdup(what ? what : "");
}

static unsigned kb_need_board(kb_tui_app *a)
{
    kb_tui_msg(a, true, "%s", _("No board is open"));
    return KB_TUI_R_STATUS;
}

unsigned kb_tui_move_to(kb_tui_app *a, uint32_t number, const char *stage, const char *reason)
{
    if (!a->board)
        return kb_need_board(a);
    const kb_stage *st = kb_tui_stage(a, stage);
    if (!st) {
        kb_buf names = KB_BUF_INIT;
        for (size_t i = 0; i < a->refs.nstages; i++)
            kb_buf_printf(&names, "%s%s", i ? ", " : "", a->refs.stages[i].code);
        kb_tui_msg(a, true, _("Unknown stage '%s' (stages: %s)"), stage,
                   names.data ? names.data : "");
        kb_buf_free(&names);
        return KB_TUI_R_STATUS;
    }
    const kb_case *cached = kb_tui_case(a, number);
    if (cached && cached->stage && strcmp(cached->stage, st->code) == 0) {
        kb_tui_msg(a, false, _("#%u is already in %s"), number, st->name);
        return KB_TUI_R_STATUS;
    }
    if (st->needs_reason && (!reason || !reason[0])) {
        char *label = kb_asprintf(_("Reason for moving #%u to %s: "), number, st->name);
        unsigned r = kb_view_prompt_open(a, KB_PR_REASON, label, "", number, st->code);
        kb_free(&label);
        return r;
    }
    /* one core move: the stage's reason rule and the reason are stored
     * together, in one write transaction */
    kb_err e;
    kb_err_clear(&e);
    kb_case before, after;
    kb_case_init(&before);
    kb_case_init(&after);
    unsigned r = KB_TUI_R_STATUS;
    bool already = false;
    if (kb_board_case_get(a->board, number, &before, &e) ||
        kb_board_case_move(a->board, number, st->code, reason, before.version, 0, &after, &already,
                           &e)) {
        a->save_rc = e.code;
        kb_tui_msg(a, true, "%s", e.msg);
    } else if (already) { /* the cache was behind: nothing to move, nothing to undo */
        kb_tui_msg(a, false, _("#%u is already in %s"), number, st->name);
        r |= kb_tui_refresh(a, true) | KB_TUI_R_VIEW;
    } else {
        kb_tui_undo_remember(a, &before, after.version);
        kb_tui_msg(a, false, _("#%u moved to %s"), number, st->name);
        r |= kb_tui_refresh(a, true) | KB_TUI_R_VIEW;
    }
    kb_case_free(&before);
    kb_case_free(&after);
    return r;
}

static size_t kb_stage_pos(const kb_tui_app *a, const char *code, bool *found)
{
    *found = false;
    for (size_t i = 0; code && i < a->refs.nstages; i++)
        if (kb_str_ieq(a->refs.stages[i].code, code)) {
            *found = true;
            return i;
        }
    return 0;
}

unsigned kb_tui_move_dir(kb_tui_app *a, uint32_t number, int dir)
{
    const kb_case *c = kb_tui_case(a, number);
    if (!c) {
        kb_tui_msg(a, true, _("No case #%u on this board"), number);
        return KB_TUI_R_STATUS;
    }
    bool found;
    size_t i = kb_stage_pos(a, c->stage, &found);
    if (dir > 0 && i + 1 >= a->refs.nstages) {
        kb_tui_msg(a, false, _("#%u is already in the last stage"), number);
        return KB_TUI_R_STATUS;
    }
    if (dir < 0 && i == 0) {
        kb_tui_msg(a, false, _("#%u is already in the first stage"), number);
        return KB_TUI_R_STATUS;
    }
    size_t t = dir > 0 ? i + 1 : i - 1;
    return kb_tui_move_to(a, number, a->refs.stages[t].code, NULL);
}

unsigned kb_tui_comment(kb_tui_app *a, uint32_t number, const char *text)
{
    if (!a->board)
        return kb_need_board(a);
    if (!text || !text[0]) {
        kb_tui_msg(a, true, "%s", _("A comment needs text"));
        return KB_TUI_R_STATUS;
    }
    kb_err e;
    kb_err_clear(&e);
    if (kb_board_comment_add(a->board, number, text, &e)) {
        a->save_rc = e.code;
        kb_tui_msg(a, true, "%s", e.msg);
        return KB_TUI_R_STATUS;
    }
    kb_tui_msg(a, false, _("Comment added to #%u"), number);
    unsigned r = KB_TUI_R_STATUS;
    if (kb_tui_current_case(a) == number) {
        kb_view_case_show_end(a, number); /* reloaded, with the new entry at the end */
        r |= KB_TUI_R_VIEW;
    }
    return r;
}

unsigned kb_tui_undo(kb_tui_app *a)
{
    if (!a->have_undo) {
        if (a->undo_last)
            kb_tui_msg(a, false, _("The last change (%s) cannot be undone"), a->undo_last);
        else
            kb_tui_msg(a, false, "%s", _("Nothing to undo"));
        return KB_TUI_R_STATUS;
    }
    if (!a->board)
        return kb_need_board(a);
    uint32_t n = a->undo_before.number;
    kb_err e;
    kb_err_clear(&e);
    kb_case cur;
    kb_case_init(&cur);
    if (kb_board_case_get(a->board, n, &cur, &e)) {
        kb_tui_msg(a, true, "%s", e.msg);
        return KB_TUI_R_STATUS;
    }
    uint64_t curv = cur.version;
    if (curv != a->undo_version) {
        kb_case_free(&cur);
        kb_tui_msg(a, true,
                   _("Cannot undo: #%u was changed by someone else after your change; open it "
                     "and edit it instead"),
                   n);
        return KB_TUI_R_STATUS;
    }
    /* one save of the old values, expecting the version we saw: a change
     * by someone else in between is refused, not overwritten */
    kb_case old;
    kb_case_copy(&old, &a->undo_before);
    bool moves = !kb_str_ieq(old.stage ? old.stage : "", cur.stage ? cur.stage : "");
    /* the old time in stage too (kb_board_case_restore): an undone move
     * does not restart "days in stage" */
    int rc = kb_board_case_restore(a->board, &old, curv, moves ? _("undo") : NULL, &e);
    unsigned r = KB_TUI_R_STATUS;
    if (rc) {
        kb_tui_msg(a, true, "%s", e.msg);
    } else {
        bool redo = a->undo_redo;
        kb_tui_undo_remember(a, &cur, old.version);
        a->undo_redo = !redo; /* undo, redo, undo, ... */
        if (redo)
            kb_tui_msg(a, false, _("Redone: #%u has your change again (press undo to undo it)"), n);
        else
            kb_tui_msg(a, false, _("Undone: #%u is back as it was (press undo again to redo)"), n);
        r |= kb_tui_refresh(a, true) | KB_TUI_R_VIEW;
        if (kb_tui_current_case(a) == n)
            kb_view_case_reload(a, true);
    }
    kb_case_free(&cur);
    kb_case_free(&old);
    return r;
}

/* ------------------------------------------------------------ idle lock */

unsigned kb_tui_lock_now(kb_tui_app *a)
{
    if (a->overlay == KB_OV_LOCK)
        return KB_TUI_R_NONE;
    a->overlay = KB_OV_LOCK; /* over the blank screen too; the views stay on the stack */
    kb_secret_free(&a->lock_pass);
    a->lock_pass = kb_secret_new(KB_PASSPHRASE_MAX);
    kb_free(&a->lock_error);
    kb_keymap_state_reset(&a->kst);
    if (a->board) {
        (void)kb_board_forget_key(a->board); /* the idle lock asks again, everywhere */
        kb_tui_app_detach(a);
    }
    return KB_TUI_R_FULL | KB_TUI_R_VIEW;
}

static unsigned kb_tui_unlock(kb_tui_app *a)
{
    kb_err e;
    kb_err_clear(&e);
    kb_free(&a->lock_error);
    if (!a->db_path || !a->user) {
        kb_secret_free(&a->lock_pass);
        a->lock_pass = kb_secret_new(KB_PASSPHRASE_MAX);
        a->lock_error = kb_strdup(_("No board to unlock"));
        return KB_TUI_R_VIEW;
    }
    kb_board *b = NULL;
    kb_board_opts o = {.key_cache_s = kb_cmd_unlock_idle()};
    int rc = kb_board_open(a->db_path, a->user, a->lock_pass, &o, &b, &e);
    kb_secret_free(&a->lock_pass);
    if (rc) {
        a->lock_pass = kb_secret_new(KB_PASSPHRASE_MAX);
        a->lock_error = kb_strdup(e.msg);
        return KB_TUI_R_VIEW;
    }
    if (kb_tui_app_attach(a, b, &e))
        kb_tui_msg(a, true, "%s", e.msg);
    a->overlay = KB_OV_NONE;
    kb_tui_views_event(a, KB_TUI_EV_ATTACH,
                       0); /* a form takes its lease again, a case view reloads */
    a->last_key_ms = a->now_ms;
    return KB_TUI_R_FULL | KB_TUI_R_VIEW;
}

/* ------------------------------------------------------------ keys */

/* Actions every screen understands (after the top view passed them on). */
static unsigned kb_tui_common(kb_tui_app *a, kb_context ctx, kb_action act)
{
    switch (act) {
    case KB_ACTION_HELP:
        return kb_view_help_open(a, ctx);
    case KB_ACTION_COMMAND:
        return kb_view_prompt_open(a, KB_PR_COMMAND, ":", "", 0, NULL);
    case KB_ACTION_UNDO:
        return kb_tui_undo(a);
    case KB_ACTION_REFRESH:
        kb_tui_app_dirty(a); /* redraw and reload: the layout is rebuilt too */
        return kb_tui_refresh(a, true) | KB_TUI_R_FULL | KB_TUI_R_VIEW;
    case KB_ACTION_PRIVACY_BLANK:
        kb_keymap_state_reset(&a->kst);
        a->overlay = KB_OV_BLANK;
        return KB_TUI_R_VIEW;
    case KB_ACTION_PRESENTING_TOGGLE:
        a->presenting = !a->presenting;
        kb_tui_app_dirty(a); /* a filter sees masked confidential cases */
        kb_tui_msg(a, false, "%s",
                   a->presenting ? _("Presenting: confidential cases show number and title only")
                                 : _("Presenting mode off"));
        return KB_TUI_R_VIEW | KB_TUI_R_STATUS;
    case KB_ACTION_MEETING_OPEN:
        return kb_view_meeting_open(a);
    case KB_ACTION_QUIT:
        if (kb_tui_form_open(a)) {
            kb_tui_msg(a, true, "%s", _("Save (Enter) or cancel (Esc) the form first"));
            return KB_TUI_R_STATUS;
        }
        return KB_TUI_R_QUIT;
    case KB_ACTION_BACK:
        if (a->depth <= 1)
            return KB_TUI_R_QUIT; /* back from the board */
        return KB_TUI_R_NONE;
    default:
        return KB_TUI_R_NONE;
    }
}

static bool kb_plain_char(kb_key k)
{
    return !(k & KB_KEY_MOD_MASK) && (k & KB_KEY_CODE_MASK) < KB_KEY_SPECIAL && k >= 0x20;
}

/* An action to the top view; what it passes on: back/cancel go back to
 * the view below, the rest are the common actions. */
static unsigned kb_tui_dispatch(kb_tui_app *a, kb_tui_view *v, kb_action act)
{
    kb_context ctx = v->ops->ctx;
    unsigned r = v->ops->action ? v->ops->action(a, v->st, act) : KB_TUI_R_NONE;
    if (r)
        return r;
    if ((act == KB_ACTION_BACK || act == KB_ACTION_CANCEL) && a->depth > 1)
        return kb_tui_view_pop(a);
    return kb_tui_common(a, ctx, act);
}

unsigned kb_tui_app_key(kb_tui_app *a, kb_key k, int64_t now_ms)
{
    a->now_ms = now_ms;
    a->last_key_ms = now_ms;
    unsigned r = KB_TUI_R_NONE;
    if (a->msg[0]) {
        a->msg[0] = '\0';
        r |= KB_TUI_R_STATUS;
    }
    if (a->overlay == KB_OV_BLANK) {
        a->overlay = KB_OV_NONE;
        return r | KB_TUI_R_VIEW;
    }
    if (a->overlay == KB_OV_LOCK) {
        bool unlock = false;
        r |= kb_view_lock_key(a, k, &unlock);
        if (unlock)
            r |= kb_tui_unlock(a);
        return r;
    }
    kb_tui_view *v = kb_tui_view_top(a);
    kb_context ctx = v->ops->ctx;
    kb_action act = KB_ACTION_NONE;
    switch (kb_keymap_feed(a->km, ctx, k, &a->kst, &act)) {
    case KB_KEYMAP_PENDING:
        return r | KB_TUI_R_STATUS;
    case KB_KEYMAP_ABORTED:
        return r | KB_TUI_R_STATUS;
    case KB_KEYMAP_ACTION:
        return r | kb_tui_dispatch(a, v, act);
    case KB_KEYMAP_NONE:
    default:
        break;
    }
    if (kb_keymap_context_is_text_entry(ctx) && kb_plain_char(k) && v->ops->text)
        return r | v->ops->text(a, v->st, k & KB_KEY_CODE_MASK);
    if (k == (KB_KEY_CTRL | 'j') && v->ops->text)
        return r | v->ops->text(a, v->st, '\n');
    if (k == (KB_KEY_CTRL | 'z'))
        return r | KB_TUI_R_SUSPEND;
    if (k == (KB_KEY_CTRL | 'c')) {
        char q[KB_KEY_SEQ_STRLEN];
        if (kb_keymap_key_for(a->km, KB_CONTEXT_BOARD, KB_ACTION_QUIT, q) == KB_OK)
            kb_tui_msg(a, false, _("To quit, press %s"), q);
        return r | KB_TUI_R_STATUS;
    }
    return r;
}

unsigned kb_tui_app_tick(kb_tui_app *a, int64_t now_ms)
{
    a->now_ms = now_ms;
    unsigned r = KB_TUI_R_NONE;
    if (a->msg[0] && now_ms >= a->msg_until) {
        a->msg[0] = '\0';
        r |= KB_TUI_R_STATUS;
    }
    if (a->overlay == KB_OV_LOCK)
        return r;
    if (a->idle_lock_ms > 0 && now_ms - a->last_key_ms >= a->idle_lock_ms)
        return r | kb_tui_lock_now(a);
    if (!a->today_fixed) {
        kb_date t = kb_date_today();
        if (t != a->today) {
            a->today = t;
            kb_tui_app_dirty(a);
            r |= KB_TUI_R_VIEW;
        }
    }
    if (a->board && now_ms - a->last_poll_ms >= KB_POLL_MS)
        r |= kb_tui_refresh(a, false);
    for (size_t i = 0; i < a->depth; i++) /* a form below a dialog renews its lease too */
        if (a->stack[i].ops->tick)
            r |= a->stack[i].ops->tick(a, a->stack[i].st, now_ms);
    return r;
}

/* ------------------------------------------------------------ drawing */

static void kb_status_right(const kb_tui_app *a, kb_buf *out, kb_context ctx)
{
    char keys[KB_KEY_SEQ_STRLEN];
    if (a->kst.len) {
        kb_keymap_state_format(&a->kst, keys);
        kb_buf_printf(out, "%s- ", keys);
    }
    if (ctx != KB_CONTEXT_HELP && kb_keymap_key_for(a->km, ctx, KB_ACTION_HELP, keys) == KB_OK)
        kb_buf_printf(out, "%s %s ", keys, _("help"));
}

/* Whether the status line's right end shows the help hint ("? help"), as
 * kb_tui_draw_status draws it: a view's own hints then leave it out, so it
 * shows once at every width. */
static bool kb_status_shows_help(const kb_tui_app *a)
{
    if (!a->depth)
        return false;
    kb_context ctx = a->stack[a->depth - 1].ops->ctx;
    char keys[KB_KEY_SEQ_STRLEN];
    if (ctx == KB_CONTEXT_HELP || kb_keymap_key_for(a->km, ctx, KB_ACTION_HELP, keys) != KB_OK)
        return false;
    kb_buf right = KB_BUF_INIT;
    kb_status_right(a, &right, ctx);
    int rw = right.len ? kb_tui_width(right.data, a->utf8) : 0;
    kb_buf_free(&right);
    return rw > 0 && rw <= a->w / 3;
}

/* The status line's columns left of its right part (the help key) at the
 * screen's width, as kb_tui_draw_status lays it out. */
static int kb_hints_room(const kb_tui_app *a, kb_context ctx)
{
    kb_buf right = KB_BUF_INIT;
    kb_status_right(a, &right, ctx);
    int rw = right.len ? kb_tui_width(right.data, a->utf8) : 0;
    kb_buf_free(&right);
    return a->w - (rw && rw <= a->w / 3 ? rw + 1 : 0);
}

/* Append hint h to out if it fits whole in room; true if it did. */
static bool kb_hint_put(const kb_tui_app *a, int room, const char *h, kb_buf *out)
{
    int used = out->len ? kb_tui_width(out->data, a->utf8) : 0;
    if (used + kb_tui_width(h, a->utf8) > room)
        return false;
    kb_buf_puts(out, h);
    return true;
}

void kb_tui_hints_fit(const kb_tui_app *a, kb_context ctx, const kb_action *acts,
                      const char *const *labels, size_t n, kb_buf *out)
{
    int room = kb_hints_room(a, ctx);
    bool help_shown = kb_status_shows_help(a);
    for (size_t i = 0; i < n; i++) {
        char keys[KB_KEY_SEQ_STRLEN];
        if (acts[i] == KB_ACTION_HELP && help_shown)
            continue;
        if (kb_keymap_key_for(a->km, ctx, acts[i], keys) != KB_OK)
            continue;
        char *h = kb_asprintf(" %s %s ", keys, _(labels[i]));
        (void)kb_hint_put(a, room, h,
                          out); /* whole, or not at all (a later, shorter one may fit) */
        kb_free(&h);
    }
}

void kb_tui_hint_fit(const kb_tui_app *a, kb_context ctx, const char *keys, const char *label,
                     kb_buf *out)
{
    char *h = kb_asprintf(" %s %s ", keys, label);
    (void)kb_hint_put(a, kb_hints_room(a, ctx), h, out);
    kb_free(&h);
}

/* The view that fills the screen: the topmost one that is not an overlay. */
static size_t kb_base_view(const kb_tui_app *a)
{
    size_t i = a->depth ? a->depth - 1 : 0;
    while (i > 0 && a->stack[i].ops->overlay)
        i--;
    return i;
}

void kb_tui_draw_wrapped(kb_grid *g, int y, const char *msg, kb_style st)
{
    kb_strv rows = {0};
    kb_tui_wrap(msg, g->w - 2, g->utf8, &rows);
    size_t max = y > 1 ? (size_t)y : 1; /* never over the title bar */
    size_t n = rows.n < max ? rows.n : max;
    for (size_t k = 0; k < n; k++) {
        int ry = y - (int)(n - 1 - k);
        kb_grid_fill(g, 0, ry, g->w, 1, st);
        kb_grid_put_cut(g, 1, ry, g->w - 2, rows.v[k], st);
    }
    kb_strv_free(&rows);
}

void kb_tui_draw_status(kb_tui_app *a, kb_grid *g)
{
    int y = g->h - 1;
    if (y < 1 || a->overlay == KB_OV_LOCK || a->overlay == KB_OV_BLANK || !a->depth)
        return; /* nothing may show through the lock or the blank screen */
    kb_grid_fill(g, 0, y, g->w, 1, KB_PLAIN);
    kb_context ctx = a->stack[a->depth - 1].ops->ctx;
    kb_buf right = KB_BUF_INIT, left = KB_BUF_INIT;
    kb_status_right(a, &right, ctx);
    int rw = right.len ? kb_tui_width(right.data, g->utf8) : 0;
    if (rw > g->w / 3)
        rw = 0;
    kb_style st = KB_PLAIN;
    if (a->msg[0]) {
        kb_buf_printf(&left, " %s", a->msg);
        st = a->msg_error ? KB_STYLE(KB_GA_BOLD, KB_GC_ERROR) : KB_STYLE(KB_GA_BOLD, KB_GC_OK);
        if (kb_tui_width(left.data, g->utf8) > g->w - rw - (rw ? 1 : 0)) {
            /* a message longer than the line: the status area grows
             * upward over the screen until the next key, so what to do
             * is never cut off (at most all but the title bar) */
            kb_tui_draw_wrapped(g, y, a->msg, st);
            kb_buf_clear(&left);
            rw = 0;
        }
    } else {
        for (size_t i = a->depth; i-- > 0;)
            if (a->stack[i].ops->hints) {
                st = a->stack[i].ops->hints(a, a->stack[i].st, &left);
                break;
            }
    }
    if (left.len || !a->msg[0])
        kb_grid_put_cut(g, 0, y, g->w - rw - (rw ? 1 : 0), left.data ? left.data : "", st);
    if (rw)
        kb_grid_put(g, g->w - rw, y, rw, right.data, KB_STYLE(0, KB_GC_MUTED));
    kb_buf_free(&left);
    kb_buf_free(&right);
    /* the overlays over the screen's view (a prompt takes the status line) */
    for (size_t i = kb_base_view(a) + 1; i < a->depth; i++)
        a->stack[i].ops->draw(a, a->stack[i].st, g);
}

void kb_tui_app_draw(kb_tui_app *a, kb_grid *g)
{
    kb_grid_clear(g);
    a->cursor_x = a->cursor_y = -1;
    if (a->overlay == KB_OV_LOCK) {
        kb_view_lock_draw(a, g);
        return;
    }
    if (a->overlay == KB_OV_BLANK || !a->depth)
        return;
    kb_tui_view *v = &a->stack[kb_base_view(a)];
    v->ops->draw(a, v->st, g);
    kb_tui_draw_status(a, g);
}

/* ------------------------------------------------------------ configuration */

/* Parse the TUI's settings of the config file; lines[] gets the line
 * numbers that are ours (so the keymap's "unknown setting" is dropped). */
static int kb_tui_config(unsigned *lines, size_t *nlines, size_t max, kb_strv *diags)
{
    int minutes = KB_IDLE_DEFAULT_MIN;
    char *dir = kb_path_config_dir();
    char *path = kb_asprintf("%s/config", dir);
    char *text = NULL;
    size_t len = 0;
    kb_err e;
    *nlines = 0;
    if (kb_file_read(path, 1 << 16, &text, &len, &e) == KB_OK) {
        unsigned lineno = 0;
        char *ln = text;
        while (ln && ln < text + len) {
            char *nl = strchr(ln, '\n');
            if (nl)
                *nl = '\0';
            lineno++;
            char *cur = ln;
            ln = nl ? nl + 1 : NULL;
            char *hash = strchr(cur, '#');
            if (hash)
                *hash = '\0';
            char *eq = strchr(cur, '=');
            if (!eq)
                continue;
            char *k = cur, *v = eq + 1;
            *eq = '\0';
            while (*k == ' ' || *k == '\t')
                k++;
            char *ke = k + strlen(k);
            while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
                *--ke = '\0';
            if (strcmp(k, "idle_lock_minutes") != 0)
                continue;
            if (*nlines < max)
                lines[(*nlines)++] = lineno;
            char *end = NULL;
            long m = strtol(v, &end, 10);
            while (end && (*end == ' ' || *end == '\t' || *end == '\r'))
                end++;
            if (!end || end == v || *end || m < 0 || m > 1440) {
                char *d = kb_asprintf(_("%s:%u: idle_lock_minutes must be 0 (off) to 1440"), path,
                                      lineno);
                kb_strv_push(diags, d);
                kb_free(&d);
                continue;
            }
            minutes = (int)m;
        }
    }
    kb_free(&text);
    kb_free(&path);
    kb_free(&dir);
    return minutes;
}

int kb_tui_idle_lock_ms(void)
{
    unsigned lines[8];
    size_t n;
    kb_strv d = {0};
    int minutes = kb_tui_config(lines, &n, 8, &d);
    kb_strv_free(&d);
    long s = -1; /* a bad value: the front end refused it (64) */
    if (kb_env_get(KB_ENV_IDLE_LOCK_SECONDS, &s, NULL) == KB_OK && s >= 0)
        return (int)(s * 1000);
    return minutes * 60 * 1000;
}

void kb_tui_collect_diags(kb_tui_app *a)
{
    unsigned lines[8];
    size_t nl = 0;
    kb_strv own = {0};
    (void)kb_tui_config(lines, &nl, 8, &own);
    char *dir = kb_path_config_dir();
    char *cfg = kb_asprintf("%s/config", dir);
    size_t n = 0;
    const kb_keymap_diag *d = kb_keymap_diags(a->km, &n);
    for (size_t i = 0; i < n; i++) {
        bool ours = false;
        if (d[i].file && strcmp(d[i].file, cfg) == 0)
            for (size_t k = 0; k < nl; k++)
                ours = ours || lines[k] == d[i].line;
        if (!ours)
            kb_strv_push(&a->diags, d[i].text);
    }
    for (size_t i = 0; i < own.n; i++)
        kb_strv_push(&a->diags, own.v[i]);
    kb_strv_free(&own);
    kb_free(&cfg);
    kb_free(&dir);
}
