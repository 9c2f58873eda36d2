/* meeting_run.c - meeting mode: the agenda built from the board, running
 * the meeting item by item with time accounting, attendance, reveals of
 * confidential cases, and the Markdown minutes (SPEC §3 "Meeting mode").
 *
 * Everything a running meeting knows lives in its record: the current
 * item, the seconds spent per item and when the current item's timer last
 * started (item_since).  Every item change, attendance change, reveal and
 * decision stores the record, so a chair whose terminal dies loses
 * nothing: the meeting stays "running" and anyone may continue or end it. */
#include "core_internal.h"
#include "kernboard/buf.h"
#include "kernboard/codec.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

void kb_board_set_clock(kb_board *b, const kb_clock *c)
{
    b->clock = c ? *c : (kb_clock){0};
    kb_store_set_clock(b->s, c);
}

kb_time kb_board_now(const kb_board *b)
{
    return kb_clock_now(b ? &b->clock : NULL);
}

int64_t kb_board_now_us(const kb_board *b)
{
    return kb_clock_now_us(b ? &b->clock : NULL);
}

static int kb_meeting_dec2(const void *p, size_t n, void *out, kb_err *e)
{
    return kb_codec_meeting_decode(p, n, out, e);
}

static void kb_meeting_fr2(void *m)
{
    kb_meeting_free(m);
}

static int kb_meeting_cmp2(const void *a, const void *b)
{
    const kb_meeting *x = a, *y = b;
    return (x->number > y->number) - (x->number < y->number);
}

static const kb_collect_spec kb_meeting_collect = {sizeof(kb_meeting),
                                                   offsetof(kb_meeting, key),
                                                   offsetof(kb_meeting, version),
                                                   kb_meeting_dec2,
                                                   kb_meeting_fr2,
                                                   NULL,
                                                   NULL,
                                                   kb_meeting_cmp2,
                                                   N_("meeting")};

/* Inside t: the latest meeting in state; KB_ENOENT (no message) if none. */
int kb_meeting_in_state(kb_txn *t, int state, kb_meeting *out, kb_err *e)
{
    kb_meeting_init(out);
    void *v = NULL;
    size_t n = 0;
    int rc = kb_collect(t, KB_T_MEETINGS, NULL, 0, &kb_meeting_collect, &v, &n, e);
    kb_meeting *ms = v;
    long found = -1;
    for (size_t i = 0; rc == KB_OK && i < n; i++)
        if (ms[i].state == state)
            found = (long)i;
    if (rc == KB_OK && found < 0)
        rc = KB_ENOENT;
    if (rc == KB_OK) {
        *out = ms[found];
        kb_meeting_init(&ms[found]);
    }
    for (size_t i = 0; i < n; i++)
        kb_meeting_free(&ms[i]);
    kb_free(&v);
    return rc;
}

static int kb_meeting_put(kb_txn *t, kb_meeting *m, kb_err *e)
{
    kb_buf enc = KB_BUF_INIT;
    kb_codec_meeting_encode(m, &enc);
    int rc = kb_txn_put(t, KB_T_MEETINGS, m->key.b, KB_KEY_LEN, enc.data, enc.len, m->version,
                        &m->version, NULL, e);
    kb_buf_free(&enc);
    return rc;
}

int kb_board_meeting_state_get(kb_board *b, int state, kb_meeting *out, kb_err *e)
{
    kb_meeting_init(out);
    kb_txn *t = NULL;
    int rc = kb_store_read(b->s, &t, e);
    if (rc)
        return rc;
    rc = kb_meeting_in_state(t, state, out, e);
    kb_txn_abort(&t);
    return rc;
}

/* ---- the agenda built from the board ---- */

static void kb_why_add(kb_buf *w, const char *code)
{
    if (w->len)
        kb_buf_append(w, ",", 1);
    kb_buf_append(w, code, strlen(code));
}

static int kb_why_rank(const char *why)
{
    static const char *const order[] = {"agenda", "new", "moved", "stuck", "actions"};
    for (int i = 0; i < 5; i++)
        if (strncmp(why, order[i], strlen(order[i])) == 0)
            return i;
    return 5;
}

typedef struct kb_agenda_cand {
    uint32_t number;
    char *why;
} kb_agenda_cand;

static int kb_cand_cmp(const void *a, const void *b)
{
    const kb_agenda_cand *x = a, *y = b;
    int rx = kb_why_rank(x->why), ry = kb_why_rank(y->why);
    if (rx != ry)
        return rx - ry;
    return (x->number > y->number) - (x->number < y->number);
}

int kb_board_agenda_build(kb_board *b, kb_meeting *out, kb_err *e)
{
    kb_meeting_init(out);
    out->state = KB_MEETING_DRAFT;
    out->date = kb_date_of_time(kb_board_now(b));
    kb_time last = kb_board_last_meeting_time(b);
    kb_date today = kb_date_of_time(kb_board_now(b));
    kb_case_vec cv = {0};
    kb_action_vec av = {0};
    int rc = kb_board_case_list(b, &cv, e);
    if (rc == KB_OK)
        rc = kb_board_action_list(b, 0, &av, e);
    const kb_stage *first = NULL, *lastst = NULL;
    for (size_t i = 0; i < b->nstages; i++) {
        if (!first || b->stages[i].position < first->position)
            first = &b->stages[i];
        if (!lastst || b->stages[i].position > lastst->position)
            lastst = &b->stages[i];
    }
    kb_agenda_cand *cand = kb_calloc(cv.n ? cv.n : 1, sizeof *cand);
    size_t nc = 0;
    for (size_t i = 0; rc == KB_OK && i < cv.n; i++) {
        const kb_case *c = &cv.v[i];
        const kb_stage *st = kb_board_stage_find(b, c->stage);
        kb_buf w = KB_BUF_INIT;
        bool in_last = st && lastst && st == lastst && b->nstages > 1;
        bool is_new = first && st == first && c->created > last;
        /* a stage change: moved after the last meeting and after it was created */
        bool moved = !is_new && last > 0 && c->moved > last && c->moved > c->created;
        if (c->on_agenda)
            kb_why_add(&w, "agenda");
        if (is_new)
            kb_why_add(&w, "new");
        if (moved)
            kb_why_add(&w, "moved");
        if (!in_last && st && kb_case_past_norm(c, st->norm_days, today))
            kb_why_add(&w, "stuck");
        for (size_t k = 0; k < av.n; k++)
            if (av.v[k].case_number == c->number && kb_action_item_overdue(&av.v[k], today)) {
                kb_why_add(&w, "actions");
                break;
            }
        if (w.len) {
            kb_buf_append(&w, "", 1);
            cand[nc].number = c->number;
            cand[nc++].why = kb_strdup(w.data);
        }
        kb_buf_free(&w);
    }
    qsort(cand, nc, sizeof *cand, kb_cand_cmp);
    for (size_t i = 0; i < nc; i++) {
        kb_meeting_item_insert(out, out->agenda.n, cand[i].number, KB_MEETING_DEFAULT_PLAN,
                               cand[i].why);
        kb_free(&cand[i].why);
    }
    kb_free(&cand);
    kb_case_vec_free(&cv);
    kb_action_vec_free(&av);
    return rc;
}

/* ---- changing the draft or the running meeting ---- */

typedef int (*kb_meeting_fn)(kb_board *b, kb_txn *t, kb_meeting *m, void *ctx, kb_err *e);

/* Read the meeting in state inside a write transaction, apply fn, store.
 * With create (drafts): a missing draft is built from the board first. */
static int kb_meeting_change(kb_board *b, const char *action, int state, bool create,
                             kb_meeting_fn fn, void *ctx, kb_meeting *out, kb_err *e)
{
    int rc = kb_require_writer(b, e);
    if (rc)
        return rc;
    kb_meeting built;
    kb_meeting_init(&built);
    if (create) {
        kb_meeting tmp;
        rc = kb_board_meeting_state_get(b, state, &tmp, e);
        kb_meeting_free(&tmp);
        if (rc == KB_ENOENT)
            rc = kb_board_agenda_build(b, &built, e);
        else if (rc)
            return rc;
        if (rc) {
            kb_meeting_free(&built);
            return rc;
        }
    }
    kb_txn *t = NULL;
    kb_meeting m;
    kb_meeting_init(&m);
    if ((rc = kb_store_write(b->s, action, NULL, &t, e))) {
        kb_meeting_free(&built);
        return rc;
    }
    rc = kb_meeting_in_state(t, state, &m, e);
    bool fresh = false;
    if (rc == KB_ENOENT && create) {
        kb_meeting_free(&m);
        m = built;
        kb_meeting_init(&built);
        fresh = true;
        rc = KB_OK;
    } else if (rc == KB_ENOENT) {
        rc = kb_err_set(e, KB_ENOENT,
                        state == KB_MEETING_RUNNING
                            ? _("no meeting is running (start one with 'kernboard meeting start')")
                            : _("there is no draft agenda (see 'kernboard meeting agenda')"));
    }
    if (rc == KB_OK) {
        kb_meeting_items_fix(&m, KB_MEETING_DEFAULT_PLAN);
        rc = fn(b, t, &m, ctx, e);
    }
    if (rc == KB_OK)
        rc = kb_meeting_validate(&m, e);
    if (rc == KB_OK)
        rc = fresh ? (m.number = 0, kb_meeting_insert(t, &m, e)) : kb_meeting_put(t, &m, e);
    if (rc == KB_OK)
        rc = kb_txn_commit(&t, e);
    kb_txn_abort(&t);
    kb_meeting_free(&built);
    if (rc == KB_OK && out) {
        kb_meeting_free(out);
        *out = m;
    } else {
        kb_meeting_free(&m);
    }
    return rc;
}

static int kb_case_exists(kb_txn *t, uint32_t number, kb_err *e)
{
    kb_case c;
    kb_case_init(&c);
    int rc = kb_case_read(t, number, &c, e);
    kb_case_free(&c);
    return rc;
}

static int kb_agenda_apply(kb_board *b, kb_txn *t, kb_meeting *m, void *ctx, kb_err *e)
{
    (void)b;
    const kb_agenda_edit *ed = ctx;
    int rc = KB_OK;
    for (size_t i = 0; i < ed->n && rc == KB_OK; i++) {
        const kb_agenda_op *op = &ed->ops[i];
        long at = kb_meeting_item_find(m, op->case_number);
        switch (op->kind) {
        case KB_AGENDA_REBUILD:
            break;
        case KB_AGENDA_ADD:
            if (at >= 0)
                rc = kb_err_set(e, KB_EDATA, _("case #%u is on the agenda already"),
                                op->case_number);
            else if ((rc = kb_case_exists(t, op->case_number, e)) == KB_OK)
                kb_meeting_item_insert(m, op->pos ? op->pos - 1 : m->agenda.n, op->case_number,
                                       op->plan ? op->plan : KB_MEETING_DEFAULT_PLAN, "added");
            break;
        case KB_AGENDA_DROP:
            if (at < 0)
                rc = kb_err_set(e, KB_ENOENT, _("case #%u is not on the agenda"), op->case_number);
            else if (m->state == KB_MEETING_RUNNING && at == m->current)
                rc = kb_err_set(e, KB_EDATA,
                                _("case #%u is being discussed: go to another item first"),
                                op->case_number);
            else
                kb_meeting_item_remove(m, (size_t)at);
            break;
        case KB_AGENDA_MOVE:
            if (at < 0) {
                rc = kb_err_set(e, KB_ENOENT, _("case #%u is not on the agenda"), op->case_number);
            } else {
                uint32_t plan = m->plan.v[at], spent = m->spent.v[at];
                char *why = kb_strdup(m->why.v[at]);
                bool cur = m->state == KB_MEETING_RUNNING && at == m->current;
                int state = m->state;
                m->state = KB_MEETING_DRAFT; /* no current-index shifting while moving */
                kb_meeting_item_remove(m, (size_t)at);
                size_t pos = op->pos ? op->pos - 1 : 0;
                if (pos > m->agenda.n)
                    pos = m->agenda.n;
                long curcase = m->agenda.n ? (long)m->agenda.v[m->current] : -1;
                kb_meeting_item_insert(m, pos, op->case_number, plan, why);
                m->spent.v[pos] = spent;
                m->state = state;
                if (cur)
                    m->current = (int)pos;
                else if (curcase >= 0)
                    m->current = (int)kb_meeting_item_find(m, (uint32_t)curcase);
                kb_free(&why);
            }
            break;
        case KB_AGENDA_PLAN:
            if (at < 0)
                rc = kb_err_set(e, KB_ENOENT, _("case #%u is not on the agenda"), op->case_number);
            else
                m->plan.v[at] = op->plan;
            break;
        }
    }
    return rc;
}

int kb_board_agenda_edit(kb_board *b, const kb_agenda_edit *ed, kb_meeting *out, kb_err *e)
{
    bool rebuild = false;
    for (size_t i = 0; i < ed->n; i++)
        rebuild |= ed->ops[i].kind == KB_AGENDA_REBUILD;
    if (rebuild) { /* drop the old draft's items; the new ones come from the board */
        kb_meeting fresh;
        int rc = kb_board_agenda_build(b, &fresh, e);
        if (rc) {
            kb_meeting_free(&fresh);
            return rc;
        }
        kb_txn *t = NULL;
        kb_meeting m;
        kb_meeting_init(&m);
        if ((rc = kb_require_writer(b, e)) ||
            (rc = kb_store_write(b->s, "meeting.agenda", NULL, &t, e))) {
            kb_meeting_free(&fresh);
            return rc;
        }
        rc = kb_meeting_in_state(t, KB_MEETING_DRAFT, &m, e);
        if (rc == KB_OK) {
            fresh.key = m.key, fresh.version = m.version, fresh.number = m.number;
            rc = kb_meeting_put(t, &fresh, e);
        } else if (rc == KB_ENOENT) {
            fresh.number = 0;
            rc = kb_meeting_insert(t, &fresh, e);
        }
        if (rc == KB_OK)
            rc = kb_txn_commit(&t, e);
        kb_txn_abort(&t);
        kb_meeting_free(&m);
        kb_meeting_free(&fresh);
        if (rc)
            return rc;
    }
    int state = KB_MEETING_DRAFT;
    kb_meeting run;
    if (kb_board_meeting_state_get(b, KB_MEETING_RUNNING, &run, e) == KB_OK)
        state = KB_MEETING_RUNNING; /* edits go to the running meeting's agenda */
    kb_meeting_free(&run);
    return kb_meeting_change(b, "meeting.agenda", state, state == KB_MEETING_DRAFT, kb_agenda_apply,
                             (void *)ed, out, e);
}

/* ---- start, items, attendance, reveals, end ---- */

typedef struct kb_start_ctx {
    const kb_strv *attendees, *guests;
} kb_start_ctx;

static int kb_attendee_add(kb_txn *t, kb_meeting *m, const char *who, kb_err *e)
{
    char *name = kb_strdup(who);
    int rc = kb_owner_resolve(t, &name, e);
    if (rc == KB_OK && !kb_strv_contains(&m->attendees, name))
        kb_strv_push(&m->attendees, name);
    kb_free(&name);
    return rc;
}

static int kb_start_apply(kb_board *b, kb_txn *t, kb_meeting *m, void *ctx, kb_err *e)
{
    const kb_start_ctx *sc = ctx;
    kb_meeting run;
    int rc = kb_meeting_in_state(t, KB_MEETING_RUNNING, &run, e);
    if (rc == KB_OK) {
        /* a state conflict with what someone else started, like an edit
         * lock (exit 75, "says who and since when"), not a lock timeout */
        char day[KB_DATE_STRLEN], hhmm[6];
        kb_date_format(kb_date_of_time(run.started), day);
        kb_time_format_hhmm(run.started, hhmm);
        rc = kb_err_set(e, KB_ECONFLICT,
                        _("meeting M%u is already running, started by %s on %s at %s: join it "
                          "(decisions attach to it; 'kernboard meeting agenda' shows it) or end "
                          "it with 'kernboard meeting end'"),
                        run.number, run.chair ? run.chair : "?", day, hhmm);
    } else if (rc == KB_ENOENT)
        rc = KB_OK;
    kb_meeting_free(&run);
    for (size_t i = 0; rc == KB_OK && sc->attendees && i < sc->attendees->n; i++)
        rc = kb_attendee_add(t, m, sc->attendees->v[i], e);
    for (size_t i = 0; rc == KB_OK && sc->guests && i < sc->guests->n; i++)
        if (!kb_strv_contains(&m->guests, sc->guests->v[i]))
            kb_strv_push(&m->guests, sc->guests->v[i]);
    if (rc)
        return rc;
    kb_time now = kb_board_now(b);
    m->state = KB_MEETING_RUNNING;
    m->date = kb_date_of_time(now);
    m->started = now;
    m->item_since = now;
    m->current = 0;
    kb_free(&m->chair);
    m->chair = kb_strdup(kb_board_user(b));
    return KB_OK;
}

int kb_board_meeting_start(kb_board *b, const kb_strv *attendees, const kb_strv *guests,
                           kb_meeting *out, kb_err *e)
{
    kb_start_ctx sc = {attendees, guests};
    return kb_meeting_change(b, "meeting.start", KB_MEETING_DRAFT, true, kb_start_apply, &sc, out,
                             e);
}

typedef struct kb_goto_ctx {
    int delta;
    long index; /* >= 0: go to this item */
} kb_goto_ctx;

static int kb_goto_apply(kb_board *b, kb_txn *t, kb_meeting *m, void *ctx, kb_err *e)
{
    (void)b, (void)t;
    const kb_goto_ctx *g = ctx;
    if (!m->agenda.n)
        return kb_err_set(e, KB_EDATA,
                          _("the agenda is empty: add a case with 'meeting agenda "
                            "--add N'"));
    if (g->index >= (long)m->agenda.n)
        return m->agenda.n == 1
                   ? kb_err_set(e, KB_ENOENT, _("there is no item %ld: the agenda has one item"),
                                g->index + 1)
                   : kb_err_set(e, KB_ENOENT,
                                _("there is no item %ld: the agenda has items 1 to %zu"),
                                g->index + 1, m->agenda.n);
    long to = g->index >= 0 ? g->index : (long)m->current + g->delta;
    if (to < 0 || to >= (long)m->agenda.n)
        return kb_err_set(e, KB_EDATA,
                          to < 0 ? _("this is the first item")
                                 : _("this was the last item: end the meeting with 'meeting end'"));
    kb_meeting_clock_stop(m, kb_board_now(b));
    m->current = (int)to;
    return KB_OK;
}

int kb_board_meeting_goto(kb_board *b, int delta, long index, kb_meeting *out, kb_err *e)
{
    kb_goto_ctx g = {delta, index};
    return kb_meeting_change(b, "meeting.next", KB_MEETING_RUNNING, false, kb_goto_apply, &g, out,
                             e);
}

typedef struct kb_attend_ctx {
    const char *who;
    bool present, guest;
} kb_attend_ctx;

static void kb_strv_remove(kb_strv *sv, const char *s)
{
    for (size_t i = 0; i < sv->n; i++)
        if (strcmp(sv->v[i], s) == 0) {
            kb_free(&sv->v[i]);
            memmove(&sv->v[i], &sv->v[i + 1], (sv->n - i - 1) * sizeof *sv->v);
            sv->n--;
            return;
        }
}

static int kb_attend_apply(kb_board *b, kb_txn *t, kb_meeting *m, void *ctx, kb_err *e)
{
    (void)b;
    const kb_attend_ctx *a = ctx;
    kb_meeting_clock_stop(m, kb_board_now(b));
    if (a->guest) {
        kb_strv_remove(&m->guests, a->who);
        if (a->present)
            kb_strv_push(&m->guests, a->who);
        return KB_OK;
    }
    if (a->present)
        return kb_attendee_add(t, m, a->who, e);
    char *name = kb_strdup(a->who);
    int rc = kb_owner_resolve(t, &name, e);
    if (rc == KB_OK)
        kb_strv_remove(&m->attendees, name);
    kb_free(&name);
    return rc;
}

int kb_board_meeting_attend(kb_board *b, const char *who, bool present, bool guest, kb_meeting *out,
                            kb_err *e)
{
    kb_attend_ctx a = {who, present, guest};
    return kb_meeting_change(b, "meeting.attend", KB_MEETING_RUNNING, false, kb_attend_apply, &a,
                             out, e);
}

static int kb_reveal_apply(kb_board *b, kb_txn *t, kb_meeting *m, void *ctx, kb_err *e)
{
    (void)b;
    uint32_t n = *(const uint32_t *)ctx;
    int rc = kb_case_exists(t, n, e);
    kb_meeting_clock_stop(m, kb_board_now(b));
    if (rc == KB_OK && !kb_meeting_revealed(m, n))
        kb_u32v_push(&m->reveals, n);
    return rc;
}

int kb_board_meeting_reveal(kb_board *b, uint32_t case_number, kb_meeting *out, kb_err *e)
{
    return kb_meeting_change(b, "meeting.reveal", KB_MEETING_RUNNING, false, kb_reveal_apply,
                             &case_number, out, e);
}

static int kb_end_apply(kb_board *b, kb_txn *t, kb_meeting *m, void *ctx, kb_err *e)
{
    (void)b, (void)t, (void)ctx, (void)e;
    kb_time now = kb_board_now(b);
    kb_meeting_clock_stop(m, now);
    m->state = KB_MEETING_ENDED;
    m->ended = now;
    m->item_since = 0;
    return KB_OK;
}

int kb_board_meeting_end(kb_board *b, kb_meeting *out, kb_err *e)
{
    kb_meeting m;
    kb_meeting_init(&m);
    int rc =
        kb_meeting_change(b, "meeting.end", KB_MEETING_RUNNING, false, kb_end_apply, NULL, &m, e);
    char *md = NULL;
    if (rc == KB_OK && (rc = kb_board_meeting_minutes(b, m.number, false, &md, e)) == KB_OK) {
        /* the stored minutes leave confidential details out */
        kb_txn *t = NULL;
        kb_meeting cur;
        kb_meeting_init(&cur);
        if ((rc = kb_store_write(b->s, "meeting.minutes", NULL, &t, e)) == KB_OK) {
            kb_meeting_free(&cur);
            rc = kb_meeting_in_state(t, KB_MEETING_ENDED, &cur, e);
            if (rc == KB_OK && cur.number == m.number) {
                kb_free(&cur.minutes);
                cur.minutes = kb_strdup(md);
                if ((rc = kb_meeting_put(t, &cur, e)) == KB_OK)
                    rc = kb_txn_commit(&t, e);
            }
            kb_txn_abort(&t);
        }
        kb_free(&m.minutes);
        m.minutes = md;
        md = NULL;
        kb_meeting_free(&cur);
    }
    kb_free(&md);
    if (out) {
        kb_meeting_free(out);
        *out = m;
    } else {
        kb_meeting_free(&m);
    }
    return rc;
}

/* Inside a decision's write transaction, after the decision (d->meeting
 * set by kb_meeting_running_number) and its items are stored: put its case on that meeting's agenda
 * if it is not there, record the action items and store the meeting (its clock too). */
int kb_meeting_decision_hook(kb_board *b, kb_txn *t, kb_decision *d, const kb_action_item *items,
                             size_t nitems, kb_err *e)
{
    kb_meeting m;
    kb_meeting_init(&m);
    int rc = kb_meeting_in_state(t, KB_MEETING_RUNNING, &m, e);
    if (rc == KB_ENOENT) {
        kb_meeting_free(&m);
        return KB_OK;
    }
    if (rc == KB_OK && d->meeting != m.number)
        rc = KB_ENOENT; /* another meeting named explicitly: leave this one */
    if (rc == KB_OK) {
        kb_meeting_items_fix(&m, KB_MEETING_DEFAULT_PLAN);
        kb_meeting_clock_stop(&m, kb_board_now(b));
        if (kb_meeting_item_find(&m, d->case_number) < 0)
            kb_meeting_item_insert(&m, m.agenda.n, d->case_number, 0, "decided");
        for (size_t i = 0; i < nitems; i++)
            kb_u32v_push(&m.actions, items[i].number);
        rc = kb_meeting_put(t, &m, e);
    } else if (rc == KB_ENOENT) {
        rc = KB_OK;
    }
    kb_meeting_free(&m);
    return rc;
}

uint32_t kb_meeting_running_number(kb_txn *t)
{
    kb_meeting m;
    kb_meeting_init(&m);
    kb_err e;
    uint32_t n = kb_meeting_in_state(t, KB_MEETING_RUNNING, &m, &e) == KB_OK ? m.number : 0;
    kb_meeting_free(&m);
    return n;
}
