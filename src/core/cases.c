/* cases.c - changing a case (save, patch, move) with the timeline entry of
 * the change, and reading a case's whole detail; see kernboard/core.h. */
#include "core_internal.h"
#include "kernboard/buf.h"
#include "kernboard/codec.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/store.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------ timeline diff */

/* The longest value a change entry shows (bytes): the entry is a timeline
 * comment (at most KB_TEXT_MAX), and a long list (hundreds of tags) must
 * not make the change itself too long to store. */
#define KB_DIFF_VALUE_MAX 1024
_Static_assert(KB_F_COUNT *(2 * KB_DIFF_VALUE_MAX + 64) < KB_TEXT_MAX,
               "a change entry with every field shortened fits a comment");

/* v, cut at KB_DIFF_VALUE_MAX bytes on a character boundary, with "…". */
static void kb_diff_value(kb_buf *d, const char *v)
{
    size_t n = strlen(v);
    if (n <= KB_DIFF_VALUE_MAX) {
        kb_buf_append(d, v, n);
        return;
    }
    n = KB_DIFF_VALUE_MAX;
    while (n && ((unsigned char)v[n] & 0xC0) == 0x80)
        n--;
    kb_buf_append(d, v, n);
    kb_buf_puts(d, "\xe2\x80\xa6"); /* "…" */
}

static void kb_diff_str(kb_buf *d, const char *label, const char *a, const char *b)
{
    if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0)) {
        kb_buf_printf(d, "%s%s: ", d->len ? "; " : "", label);
        kb_diff_value(d, a ? a : "-");
        kb_buf_puts(d, " -> ");
        kb_diff_value(d, b ? b : "-");
    }
}

/* The order of the parts of a change entry (as it always was). */
static const enum kb_field_id kb_diff_order[] = {
    KB_F_TITLE,  KB_F_DESC,    KB_F_STAGE, KB_F_LEAD,     KB_F_DEPTS, KB_F_LINE,
    KB_F_HOOKS,  KB_F_ORGS,    KB_F_OWNER, KB_F_PRIORITY, KB_F_DUE,   KB_F_REVIEW,
    KB_F_AGENDA, KB_F_BLOCKED, KB_F_CONF,  KB_F_TAGS,
};
_Static_assert(sizeof kb_diff_order / sizeof kb_diff_order[0] == KB_F_COUNT,
               "every case field is in the timeline diff");

/* Summary of what changed, for the timeline, from the field table (no
 * descriptions: they can be long; "description changed" is enough).
 * Written in the neutral form "label: old -> new; ..." with untranslated
 * labels, so a shared board does not mix languages; front ends show it with
 * kb_timeline_localize(). */
static void kb_case_diff(const kb_case *o, const kb_case *n, kb_buf *d)
{
    for (size_t i = 0; i < KB_F_COUNT; i++) {
        enum kb_field_id f = kb_diff_order[i];
        if (kb_case_field_eq(o, n, f))
            continue;
        const kb_field_desc *fd = kb_case_field(f);
        switch (f) {
        case KB_F_DESC:
            kb_buf_printf(d, "%s%s", d->len ? "; " : "", fd->diff);
            break;
        case KB_F_AGENDA:
            kb_buf_printf(d, "%s%s", d->len ? "; " : "",
                          n->on_agenda ? N_("put on the agenda") : N_("taken off the agenda"));
            break;
        case KB_F_PRIORITY:
            kb_buf_printf(d, "%s%s: %d -> %d", d->len ? "; " : "", fd->diff, o->priority,
                          n->priority);
            break;
        case KB_F_DEPTS:
        case KB_F_HOOKS:
        case KB_F_ORGS:
        case KB_F_TAGS: {
            /* lists: joined with ',' ("" when empty), as always */
            const kb_strv *sa = f == KB_F_DEPTS   ? &o->depts
                                : f == KB_F_HOOKS ? &o->hooks
                                : f == KB_F_ORGS  ? &o->orgs
                                                  : &o->tags;
            const kb_strv *sb = f == KB_F_DEPTS   ? &n->depts
                                : f == KB_F_HOOKS ? &n->hooks
                                : f == KB_F_ORGS  ? &n->orgs
                                                  : &n->tags;
            char *x = kb_strv_join(sa, ","), *y = kb_strv_join(sb, ",");
            kb_diff_str(d, fd->diff, x, y);
            kb_free(&x);
            kb_free(&y);
            break;
        }
        default: {
            /* text, references, dates, confidentiality: the typed form,
             * "-" when unset */
            char *x = kb_case_field_text(o, f), *y = kb_case_field_text(n, f);
            kb_diff_str(d, fd->diff, x[0] ? x : NULL, y[0] ? y : NULL);
            kb_free(&x);
            kb_free(&y);
            break;
        }
        }
    }
}

/* ------------------------------------------------------------ changes */

void kb_case_patch_init(kb_case_patch *p)
{
    p->set = 0;
    p->append = 0;
    kb_case_init(&p->v);
}

void kb_case_patch_free(kb_case_patch *p)
{
    kb_case_free(&p->v);
    kb_case_patch_init(p);
}

bool kb_board_move_needs_reason(const kb_board *b, const char *from, const char *to)
{
    const kb_stage *t = to ? kb_board_stage_find(b, to) : NULL;
    if (!t || !t->needs_reason)
        return false;
    const kb_stage *f = from ? kb_board_stage_find(b, from) : NULL;
    return f != t;
}

/* Inside t: the extras of a triage decision on case c (stored, with its
 * key and number). */
static int kb_case_extras_in(kb_board *b, kb_txn *t, const kb_case *c, const kb_case_extra *x,
                             kb_err *e)
{
    int rc = KB_OK;
    if (x->comment && x->comment[0])
        rc = kb_timeline_put(t, c->key.b, c->number, KB_ENTRY_COMMENT, kb_board_user(b), x->comment,
                             e);
    if (rc == KB_OK && x->action)
        rc = kb_action_add_in(b, t, c, x->action, e);
    if (rc == KB_OK && x->link_to)
        rc = kb_link_add_in(b, t, c, x->link_to, x->link_kind, e);
    return rc;
}

/* A patch that makes an involved department the lead (the lead picker,
 * case edit --dept) takes it out of the involved ones in the same change,
 * so the timeline shows both.  Only a department that was involved
 * before: one the patch itself lists as involved again (--dept X --also X)
 * is left for kb_case_validate to refuse (the model's rule,
 * kb_case_lead_leaves_involved, shared with the TUI's edit form). */
static void kb_case_patch_lead(const kb_board *b, const kb_case *cur, kb_case *nw,
                               const kb_case_patch *p)
{
    uint32_t depts = 1u << KB_F_DEPTS;
    if (!(p->set & (1u << KB_F_LEAD)) || ((p->set & depts) && !(p->append & depts)))
        return;
    kb_case_lead_leaves_involved(cur, nw, b->depts, b->ndepts);
}

/* Who made the newest change of the case c (the author of its newest
 * change entry in the timeline: every write of a case record adds one); a
 * new string, NULL when none is recorded or the timeline cannot be read. */
static char *kb_case_changed_by(kb_txn *t, const kb_case *c)
{
    kb_comment_vec tl = {0};
    kb_err e;
    char *who = NULL;
    if (kb_timeline_in(t, &c->key, &tl, &e) == KB_OK) {
        const kb_comment *last = NULL;
        for (size_t i = 0; i < tl.n; i++)
            if (tl.v[i].kind == KB_ENTRY_CHANGE && tl.v[i].author && tl.v[i].author[0] &&
                (!last || tl.v[i].time_us >= last->time_us))
                last = &tl.v[i];
        if (last)
            who = kb_strdup(last->author);
    }
    kb_comment_vec_free(&tl);
    return who;
}

int kb_board_case_changed_by(kb_board *b, uint32_t number, char **who, kb_err *e)
{
    kb_txn *t = NULL;
    kb_case c;
    kb_case_init(&c);
    *who = NULL;
    int rc = kb_store_read(b->s, &t, e);
    if (rc == KB_OK && (rc = kb_case_read(t, number, &c, e)) == KB_OK)
        *who = kb_case_changed_by(t, &c);
    kb_txn_abort(&t);
    kb_case_free(&c);
    return rc;
}

/* KB_ECONFLICT for a save that started from version expect of cur: who
 * changed it since (you, in another session, or someone else) and when. */
static int kb_case_stale(kb_board *b, kb_txn *t, const kb_case *cur, uint64_t expect, kb_err *e)
{
    char hhmm[6];
    kb_time_format_hhmm(cur->updated, hhmm);
    char *who = kb_case_changed_by(t, cur);
    unsigned long long now = (unsigned long long)cur->version, from = (unsigned long long)expect;
    int rc;
    if (!who)
        rc = kb_err_set(e, KB_ECONFLICT,
                        _("case #%u was changed by someone else at %s (now version %llu, you "
                          "started from %llu); reload it and try again"),
                        cur->number, hhmm, now, from);
    else if (strcmp(who, kb_board_user(b)) == 0)
        rc = kb_err_set(e, KB_ECONFLICT,
                        _("case #%u was changed by %s (you) at %s (now version %llu, you started "
                          "from %llu); reload it and try again"),
                        cur->number, who, hhmm, now, from);
    else
        rc = kb_err_set(e, KB_ECONFLICT,
                        _("case #%u was changed by %s at %s (now version %llu, you started from "
                          "%llu); reload it and try again"),
                        cur->number, who, hhmm, now, from);
    kb_free(&who);
    return rc;
}

/* The one path of every case change.  Either full (a whole case, already
 * resolved with kb_case_refs; updated in place like kb_board_case_save
 * always did) or p (applied to the stored case inside the transaction). */
static int kb_case_change_as(kb_board *b, uint32_t number, const kb_case_patch *p, kb_case *full,
                             const char *reason, uint64_t expect, uint64_t lease_token,
                             const kb_case_extra *x, kb_case *out, bool *unchanged, bool keep_moved,
                             kb_err *e)
{
    if (unchanged)
        *unchanged = false;
    kb_txn *t = NULL;
    kb_case cur, local;
    kb_case_init(&cur);
    kb_case_init(&local);
    kb_case *nw = full ? full : &local;
    kb_buf enc = KB_BUF_INIT, diff = KB_BUF_INIT;
    bool extras = x && (x->comment || x->action || x->link_to);
    int rc = kb_store_write(b->s, extras ? "case.triage" : "case.edit", NULL, &t, e);
    if (rc)
        return rc;
    if ((rc = kb_case_read(t, number, &cur, e)))
        goto out;
    /* the version check comes first: a save that happens to match the
     * current values but started from an older version is still stale */
    if (expect != KB_CORE_ANY_VERSION && cur.version != expect) {
        rc = kb_case_stale(b, t, &cur, expect, e);
        goto out;
    }
    if (!full) {
        kb_case_copy(&local, &cur);
        for (int f = 0; f < KB_F_COUNT; f++)
            if (p->set & (1u << f)) {
                kb_strv *to = kb_case_field_list(&local, (enum kb_field_id)f);
                kb_strv *from = kb_case_field_list((kb_case *)&p->v, (enum kb_field_id)f);
                if (to && from && (p->append & (1u << f))) {
                    /* add the new entries, keep the stored ones */
                    for (size_t k = 0; k < from->n; k++)
                        if (!kb_strv_contains_ci(to, from->v[k]))
                            kb_strv_push(to, from->v[k]);
                } else
                    kb_case_field_copy(&local, &p->v, (enum kb_field_id)f);
            }
        kb_case_patch_lead(b, &cur, &local, p);
        if ((rc = kb_case_refs(b, &local, e)))
            goto out;
    }
    /* a changed owner, on every path: a user name or a unique prefix (an
     * unchanged one is kept even if that user has since been removed) */
    if (nw->owner && !kb_case_field_eq(&cur, nw, KB_F_OWNER) &&
        (rc = kb_owner_resolve(t, &nw->owner, e)))
        goto out;
    /* organisations named for the first time get a record (orgs.c) */
    if (!kb_case_field_eq(&cur, nw, KB_F_ORGS) && (rc = kb_orgs_ensure(t, &nw->orgs, e)))
        goto out;
    kb_case_diff(&cur, nw, &diff);
    if (diff.len == 0 && extras) {
        /* the decision's extras alone: no change of the case record */
        nw->version = cur.version;
        if ((rc = kb_case_extras_in(b, t, &cur, x, e)) || (rc = kb_txn_commit(&t, e)))
            goto out;
        if (out && out != nw) {
            kb_case_free(out);
            kb_case_copy(out, &cur);
        }
        goto out;
    }
    if (diff.len == 0) {
        if (unchanged)
            *unchanged = true;
        nw->version = cur.version;
        if (out && out != nw) {
            kb_case_free(out);
            kb_case_copy(out, &cur);
        }
        goto out; /* nothing changed: no write */
    }
    bool moved = !cur.stage || !nw->stage || strcmp(cur.stage, nw->stage) != 0;
    if (moved && kb_board_move_needs_reason(b, cur.stage, nw->stage) && (!reason || !reason[0])) {
        const kb_stage *st = kb_board_stage_find(b, nw->stage);
        rc = kb_err_set(e, KB_EDATA, _("moving #%u to \"%s\" needs a reason: add --reason TEXT"),
                        number, st && st->name ? st->name : nw->stage);
        goto out;
    }
    if ((rc = kb_lease_check_save(b, t, &cur, lease_token, e)))
        goto out;
    nw->number = cur.number;
    nw->key = cur.key;
    nw->created = cur.created;
    nw->updated = kb_txn_now(t);
    /* age in stage restarts on a move, but for a restore (undo): the case
     * goes back to the stage it had, with the time it had been there */
    if (!moved)
        nw->moved = cur.moved;
    else if (!keep_moved || !full || !full->moved)
        nw->moved = nw->updated;
    kb_codec_case_encode(nw, &enc);
    if ((rc = kb_txn_put(t, KB_T_CASES, nw->key.b, KB_KEY_LEN, enc.data, enc.len, cur.version,
                         &nw->version, diff.data, e)))
        goto out;
    {
        kb_comment cm = {.case_number = number,
                         .kind = KB_ENTRY_CHANGE,
                         .author = (char *)kb_board_user(b),
                         .text = diff.data,
                         .move_from = moved ? cur.stage : NULL,
                         .move_to = moved ? nw->stage : NULL,
                         .reason = moved && reason && reason[0] ? (char *)reason : NULL};
        if ((rc = kb_timeline_put_entry(t, nw->key.b, &cm, e)))
            goto out;
    }
    if (extras && (rc = kb_case_extras_in(b, t, nw, x, e)))
        goto out;
    if ((rc = kb_txn_commit(&t, e)))
        goto out;
    if (out && out != nw) {
        kb_case_free(out);
        kb_case_copy(out, nw);
        out->key = nw->key;
        out->version = nw->version;
    }
out:
    kb_txn_abort(&t);
    kb_case_free(&cur);
    kb_case_free(&local);
    kb_buf_free(&enc);
    kb_buf_free(&diff);
    return rc;
}

static int kb_case_change(kb_board *b, uint32_t number, const kb_case_patch *p, kb_case *full,
                          const char *reason, uint64_t expect, uint64_t lease_token,
                          const kb_case_extra *x, kb_case *out, bool *unchanged, kb_err *e)
{
    return kb_case_change_as(b, number, p, full, reason, expect, lease_token, x, out, unchanged,
                             false, e);
}

int kb_board_case_restore(kb_board *b, kb_case *c, uint64_t expect, const char *reason, kb_err *e)
{
    int rc = kb_require_writer(b, e);
    if (rc || (rc = kb_case_refs(b, c, e)))
        return rc;
    if (expect == KB_CORE_ANY_VERSION)
        expect = c->version;
    return kb_case_change_as(b, c->number, NULL, c, reason, expect, 0, NULL, NULL, NULL, true, e);
}

int kb_board_case_save_reason(kb_board *b, kb_case *c, uint64_t expect, uint64_t lease_token,
                              const char *reason, kb_err *e)
{
    int rc = kb_require_writer(b, e);
    if (rc || (rc = kb_case_refs(b, c, e)))
        return rc;
    if (expect == KB_CORE_ANY_VERSION)
        expect = c->version;
    return kb_case_change(b, c->number, NULL, c, reason, expect, lease_token, NULL, NULL, NULL, e);
}

int kb_board_case_save(kb_board *b, kb_case *c, uint64_t expect, uint64_t lease_token, kb_err *e)
{
    return kb_board_case_save_reason(b, c, expect, lease_token, NULL, e);
}

int kb_board_case_update(kb_board *b, uint32_t number, const kb_case_patch *p, const char *reason,
                         uint64_t expect, uint64_t lease_token, kb_case *out, kb_err *e)
{
    int rc = kb_require_writer(b, e);
    if (rc)
        return rc;
    kb_case_patch none;
    kb_case_patch_init(&none);
    return kb_case_change(b, number, p ? p : &none, NULL, reason, expect, lease_token, NULL, out,
                          NULL, e);
}

int kb_board_case_decide_triage(kb_board *b, uint32_t number, const kb_case_patch *p,
                                const char *reason, const kb_case_extra *x, uint64_t expect,
                                kb_case *out, kb_err *e)
{
    int rc = kb_require_writer(b, e);
    if (rc)
        return rc;
    if (x && x->action) {
        x->action->case_number = number;
        if ((rc = kb_action_item_validate(x->action, e)))
            return rc;
    }
    if (x && x->link_to == number)
        return kb_err_set(e, KB_EDATA, _("a case cannot be linked to itself"));
    kb_case_patch none;
    kb_case_patch_init(&none);
    /* only a change of the case's fields can overwrite someone else's */
    if (!p || !p->set)
        expect = KB_CORE_ANY_VERSION;
    return kb_case_change(b, number, p ? p : &none, NULL, reason, expect, 0, x, out, NULL, e);
}

int kb_board_case_move(kb_board *b, uint32_t number, const char *stage, const char *reason,
                       uint64_t expect, uint64_t lease_token, kb_case *out, bool *already,
                       kb_err *e)
{
    if (already)
        *already = false;
    int rc = kb_require_writer(b, e);
    if (rc)
        return rc;
    kb_case_patch p;
    kb_case_patch_init(&p);
    p.set = 1u << KB_F_STAGE;
    p.v.stage = kb_strdup(stage ? stage : "");
    rc = kb_case_change(b, number, &p, NULL, reason, expect, lease_token, NULL, out, already, e);
    kb_case_patch_free(&p);
    return rc;
}

/* ------------------------------------------------------------ detail */

int kb_board_case_detail(kb_board *b, uint32_t number, kb_case_detail *out, kb_err *e)
{
    memset(out, 0, sizeof *out);
    kb_case_init(&out->c);
    kb_txn *t = NULL;
    int rc = kb_store_read(b->s, &t, e);
    if (rc)
        return rc;
    if ((rc = kb_case_read(t, number, &out->c, e)) == KB_OK &&
        (rc = kb_timeline_in(t, &out->c.key, &out->timeline, e)) == KB_OK &&
        (rc = kb_actions_in(t, &out->c.key, &out->actions, e)) == KB_OK &&
        (rc = kb_links_of(t, &out->c.key, &out->links, e)) == KB_OK &&
        (rc = kb_decisions_in(t, &out->c.key, &out->decisions, e)) == KB_OK && out->c.hooks.n)
        rc = kb_hook_goals_in(b, t, &out->c.hooks, &out->goals, e);
    kb_txn_abort(&t);
    if (rc)
        kb_case_detail_free(out);
    return rc;
}

void kb_case_detail_free(kb_case_detail *d)
{
    kb_case_free(&d->c);
    kb_comment_vec_free(&d->timeline);
    kb_action_vec_free(&d->actions);
    kb_link_vec_free(&d->links);
    kb_decision_vec_free(&d->decisions);
    kb_goal_vec_free(&d->goals);
}
