/* goals.c - department goals (policy hooks as reference data) and the
 * new case linked to an existing one; see kernboard/core.h. */
#include "core_internal.h"
#include "kernboard/buf.h"
#include "kernboard/codec.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <stddef.h>
#include <string.h>

static int kb_goal_require(const kb_board *b, kb_err *e)
{
    if (b->me.role < KB_ROLE_BROKER)
        return kb_err_set(e, KB_EPERM, _("only a broker or admin may change %s (you are %s)"),
                          _("department goals"), kb_role_label(b->me.role));
    return KB_OK;
}

static int kb_goal_dec(const void *p, size_t n, void *out, kb_err *e)
{
    return kb_codec_goal_decode(p, n, out, e);
}

static void kb_goal_fr(void *x)
{
    kb_goal_free(x);
}

static const kb_collect_spec kb_goal_spec = {sizeof(kb_goal),
                                             offsetof(kb_goal, key),
                                             offsetof(kb_goal, version),
                                             kb_goal_dec,
                                             kb_goal_fr,
                                             NULL,
                                             NULL,
                                             NULL,
                                             N_("goal")};

/* Department order of the board, then code. */
static void kb_goal_order(const kb_board *b, kb_goal *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        kb_goal x = v[i];
        size_t j = i;
        while (j > 0) {
            size_t da = b->ndepts, dx = b->ndepts;
            for (size_t k = 0; k < b->ndepts; k++) {
                if (kb_str_ieq(b->depts[k].code, v[j - 1].dept))
                    da = k;
                if (kb_str_ieq(b->depts[k].code, x.dept))
                    dx = k;
            }
            int c = da != dx ? (da > dx) - (da < dx) : strcmp(v[j - 1].code, x.code);
            if (c <= 0)
                break;
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

int kb_goals_in(const kb_board *b, kb_txn *t, kb_goal_vec *out, kb_err *e)
{
    void *v = NULL;
    out->v = NULL;
    out->n = 0;
    int rc = kb_collect(t, KB_T_GOALS, NULL, 0, &kb_goal_spec, &v, &out->n, e);
    out->v = v;
    if (rc == KB_OK)
        kb_goal_order(b, out->v, out->n);
    return rc;
}

int kb_hook_goals_in(const kb_board *b, kb_txn *t, const kb_strv *hooks, kb_goal_vec *out,
                     kb_err *e)
{
    int rc = kb_goals_in(b, t, out, e);
    size_t k = 0;
    for (size_t i = 0; rc == KB_OK && i < out->n; i++) {
        bool named = false;
        for (size_t h = 0; !named && h < hooks->n; h++)
            named = kb_goal_of_hook(&out->v[i], 1, hooks->v[h]) != NULL;
        if (named)
            out->v[k++] = out->v[i];
        else
            kb_goal_free(&out->v[i]);
    }
    if (rc == KB_OK)
        out->n = k;
    return rc;
}

int kb_board_goal_list(kb_board *b, kb_goal_vec *out, kb_err *e)
{
    kb_txn *t = NULL;
    out->v = NULL;
    out->n = 0;
    int rc = kb_store_read(b->s, &t, e);
    if (rc == KB_OK)
        rc = kb_goals_in(b, t, out, e);
    kb_txn_abort(&t);
    return rc;
}

void kb_goal_vec_free(kb_goal_vec *v)
{
    for (size_t i = 0; i < v->n; i++)
        kb_goal_free(&v->v[i]);
    kb_free(&v->v);
    v->n = 0;
}

static int kb_goal_put(kb_txn *t, const kb_goal *g, uint64_t version, kb_err *e)
{
    kb_buf enc = KB_BUF_INIT;
    kb_codec_goal_encode(g, &enc);
    int rc = kb_txn_put(t, KB_T_GOALS, g->key.b, KB_KEY_LEN, enc.data, enc.len, version, NULL,
                        g->code, e);
    kb_buf_free(&enc);
    return rc;
}

/* Inside t: every case with the free-text hook `text` gets code instead. */
static int kb_goal_promote_in(kb_board *b, kb_txn *t, const char *text, const char *code,
                              size_t *count, kb_err *e)
{
    void *v = NULL;
    size_t n = 0;
    int rc = kb_collect(t, KB_T_CASES, NULL, 0, &kb_case_collect, &v, &n, e);
    kb_case *cs = v;
    for (size_t i = 0; rc == KB_OK && i < n; i++) {
        kb_case *c = &cs[i];
        bool hit = false;
        kb_strv nh = {0};
        for (size_t k = 0; k < c->hooks.n; k++) {
            bool same = kb_fold_eq(c->hooks.v[k], text);
            hit = hit || same;
            const char *h = same ? code : c->hooks.v[k];
            if (!kb_strv_contains_ci(&nh, h))
                kb_strv_push(&nh, h);
        }
        if (!hit) {
            kb_strv_free(&nh);
            continue;
        }
        char *was = kb_strv_join(&c->hooks, ","), *now = kb_strv_join(&nh, ",");
        char *diff = kb_asprintf("%s: %s -> %s", kb_case_field(KB_F_HOOKS)->diff, was, now);
        kb_strv_free(&c->hooks);
        c->hooks = nh;
        c->updated = kb_txn_now(t);
        kb_buf enc = KB_BUF_INIT;
        kb_codec_case_encode(c, &enc);
        rc = kb_txn_put(t, KB_T_CASES, c->key.b, KB_KEY_LEN, enc.data, enc.len, c->version, NULL,
                        diff, e);
        if (rc == KB_OK)
            rc =
                kb_timeline_put(t, c->key.b, c->number, KB_ENTRY_CHANGE, kb_board_user(b), diff, e);
        kb_buf_free(&enc);
        kb_free(&was);
        kb_free(&now);
        kb_free(&diff);
        if (rc == KB_OK && count)
            (*count)++;
    }
    for (size_t i = 0; i < n; i++)
        kb_case_free(&cs[i]);
    kb_free(&v);
    return rc;
}

int kb_board_goal_add(kb_board *b, const kb_goal *g, const char *promote, size_t *promoted,
                      kb_err *e)
{
    if (promoted)
        *promoted = 0;
    int rc = kb_goal_require(b, e);
    if (rc)
        return rc;
    const kb_dept *d = g->dept ? kb_board_dept_find(b, g->dept) : NULL;
    if (!d)
        return kb_err_set(e, KB_EDATA, _("unknown department '%s' (see 'kernboard dept list')"),
                          g->dept ? g->dept : "");
    kb_goal ng = *g;
    ng.dept = d->code;
    if ((rc = kb_goal_validate(&ng, e)))
        return rc;
    kb_txn *t = NULL;
    kb_goal_vec all = {0};
    if ((rc = kb_store_write(b->s, "goal.add", NULL, &t, e)))
        return rc;
    if ((rc = kb_goals_in(b, t, &all, e)))
        goto out;
    if (kb_goal_find(all.v, all.n, ng.code)) {
        rc = kb_err_set(e, KB_EDATA, _("goal %s already exists (see 'kernboard goal list')"),
                        ng.code);
        goto out;
    }
    kb_store_random(ng.key.b, KB_ID_LEN);
    if ((rc = kb_goal_put(t, &ng, KB_VERSION_NEW, e)))
        goto out;
    size_t hits = 0;
    if (promote && promote[0] && (rc = kb_goal_promote_in(b, t, promote, ng.code, &hits, e)))
        goto out;
    if (promote && promote[0] && hits == 0) { /* a typo would make an unrelated goal */
        rc = kb_err_set(e, KB_EDATA,
                        _("no case names the hook '%s' (see 'kernboard case list hook:TEXT'); the "
                          "goal was not added"),
                        promote);
        goto out;
    }
    if (promoted)
        *promoted = hits;
    rc = kb_txn_commit(&t, e);
out:
    kb_txn_abort(&t);
    kb_goal_vec_free(&all);
    return rc;
}

/* Inside a write transaction: the stored goal named code. */
static int kb_goal_find_in(kb_board *b, kb_txn *t, const char *code, kb_goal *out, kb_err *e)
{
    kb_goal_vec all = {0};
    int rc = kb_goals_in(b, t, &all, e);
    if (rc)
        return rc;
    const kb_goal *g = kb_goal_find(all.v, all.n, code);
    if (g)
        kb_goal_copy(out, g);
    else
        rc = kb_err_set(e, KB_ENOENT, _("no goal %s (see 'kernboard goal list')"), code);
    kb_goal_vec_free(&all);
    return rc;
}

int kb_board_goal_edit(kb_board *b, const kb_goal *g, kb_err *e)
{
    int rc = kb_goal_require(b, e);
    if (rc)
        return rc;
    const kb_dept *d = NULL;
    if (g->dept && !(d = kb_board_dept_find(b, g->dept)))
        return kb_err_set(e, KB_EDATA, _("unknown department '%s' (see 'kernboard dept list')"),
                          g->dept);
    kb_txn *t = NULL;
    kb_goal old;
    memset(&old, 0, sizeof old);
    if ((rc = kb_store_write(b->s, "goal.edit", NULL, &t, e)))
        return rc;
    if ((rc = kb_goal_find_in(b, t, g->code ? g->code : "", &old, e)))
        goto out;
    kb_goal ng = old;
    if (g->text)
        ng.text = g->text;
    if (d)
        ng.dept = d->code;
    if ((rc = kb_goal_validate(&ng, e)) || (rc = kb_goal_put(t, &ng, old.version, e)))
        goto out;
    rc = kb_txn_commit(&t, e);
out:
    kb_txn_abort(&t);
    kb_goal_free(&old);
    return rc;
}

int kb_board_goal_remove(kb_board *b, const char *code, kb_err *e)
{
    int rc = kb_goal_require(b, e);
    if (rc)
        return rc;
    kb_txn *t = NULL;
    kb_goal old;
    memset(&old, 0, sizeof old);
    if ((rc = kb_store_write(b->s, "goal.remove", NULL, &t, e)))
        return rc;
    if ((rc = kb_goal_find_in(b, t, code ? code : "", &old, e)) == KB_OK &&
        (rc = kb_txn_del(t, KB_T_GOALS, old.key.b, KB_KEY_LEN, old.version, old.code, e)) == KB_OK)
        rc = kb_txn_commit(&t, e);
    kb_txn_abort(&t);
    kb_goal_free(&old);
    return rc;
}

/* ------------------------------------------------------------ new + link */

int kb_board_case_add_linked(kb_board *b, kb_case *c, uint32_t link_to, enum kb_link_kind kind,
                             const char *reason, kb_err *e)
{
    int rc = kb_require_writer(b, e);
    if (rc || (rc = kb_case_refs(b, c, e)) || (rc = kb_case_add_reason_check(b, c, reason, e)))
        return rc;
    kb_txn *t = NULL;
    if ((rc = kb_store_write(b->s, "case.add", NULL, &t, e)))
        return rc;
    c->number = 0;
    /* as kb_board_case_add_reason: the owner resolved, records of the
     * case's organisations */
    if ((!c->owner || (rc = kb_owner_resolve(t, &c->owner, e)) == KB_OK) &&
        (rc = kb_orgs_ensure(t, &c->orgs, e)) == KB_OK &&
        (rc = kb_case_insert(b, t, c, false, reason, e)) == KB_OK &&
        (!link_to || (rc = kb_link_add_in(b, t, c, link_to, kind, e)) == KB_OK))
        rc = kb_txn_commit(&t, e);
    kb_txn_abort(&t);
    return rc;
}
