/* snapshot.c - everything an export needs from one read transaction.
 *
 * Before, the export read its cases, the timelines (in transactions of
 * 2000 cases), the reference data and the other tables in separate
 * transactions: a change in between gave an export of a state the board
 * never had.  Here all of it is read in one transaction; the timelines in
 * one pass over the timeline table instead of one prefix scan per case;
 * the cases and timelines are copied under the lock and decoded after. */
#include "core_internal.h"
#include "kernboard/codec.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <string.h>

/* ------------------------------------------------------------ copies */

/* The plaintext records of a table, copied under the lock (kb_txn_each's
 * values are borrowed for the call) and decoded after it: the read holds
 * the board's shared lock for the walk and the decryption, not for the
 * decoding (libcbor's item trees), so writers wait less. */
typedef struct kb_snap_rec {
    size_t off; /* key, then value, in the arena */
    size_t klen, vlen;
    uint64_t version;
} kb_snap_rec;
typedef struct kb_snap_raw {
    char *arena;
    size_t used, cap;
    kb_snap_rec *v;
    size_t n, vcap;
} kb_snap_raw;

static int kb_snap_copy(void *ctx, const unsigned char *key, size_t klen, const char *val,
                        size_t vlen, uint64_t version)
{
    kb_snap_raw *r = ctx;
    if (r->n == r->vcap) {
        r->vcap = r->vcap ? r->vcap * 2 : 1024;
        r->v = kb_reallocarray(r->v, r->vcap, sizeof *r->v);
    }
    if (r->used + klen + vlen > r->cap) {
        size_t cap = r->cap ? r->cap : (size_t)1 << 20;
        while (cap < r->used + klen + vlen)
            cap *= 2;
        r->arena = kb_realloc(r->arena, cap);
        r->cap = cap;
    }
    kb_snap_rec *x = &r->v[r->n++];
    x->off = r->used;
    x->klen = klen;
    x->vlen = vlen;
    x->version = version;
    memcpy(r->arena + r->used, key, klen);
    memcpy(r->arena + r->used + klen, val, vlen);
    r->used += klen + vlen;
    return 0;
}

static void kb_snap_raw_free(kb_snap_raw *r)
{
    if (r->arena)
        memset(r->arena, 0, r->used); /* plaintext of the board */
    kb_free(&r->arena);
    kb_free(&r->v);
    memset(r, 0, sizeof *r);
}

/* Decode the copies as kb_collect would have in the transaction (the same
 * spec: decode, keep, key, version, order). */
static int kb_snap_decode(const kb_snap_raw *r, const kb_collect_spec *sp, void **out, size_t *n,
                          kb_err *e)
{
    char *v = kb_calloc(r->n ? r->n : 1, sp->size);
    size_t k = 0;
    int rc = KB_OK;
    for (size_t i = 0; i < r->n; i++) {
        const kb_snap_rec *x = &r->v[i];
        char *item = v + k * sp->size;
        if (sp->decode(r->arena + x->off + x->klen, x->vlen, item, NULL)) {
            rc = kb_err_set(e, KB_EDATA, _("a %s record is damaged; run 'kernboard verify'"),
                            _(sp->what));
            break;
        }
        if (sp->keep && !sp->keep(item, sp->ctx)) {
            sp->free_item(item);
            continue;
        }
        kb_id *id = (kb_id *)(void *)(item + sp->key_off);
        memset(id->b, 0, KB_ID_LEN);
        memcpy(id->b, r->arena + x->off, x->klen < KB_ID_LEN ? x->klen : KB_ID_LEN);
        if (sp->ver_off != KB_NO_FIELD)
            memcpy(item + sp->ver_off, &x->version, sizeof x->version);
        k++;
    }
    if (rc) {
        for (size_t i = 0; i < k; i++)
            sp->free_item(v + i * sp->size);
        kb_free(&v);
        return rc;
    }
    if (sp->cmp)
        kb_sort(v, k, sp->size, sp->cmp);
    *out = v;
    *n = k;
    return KB_OK;
}

/* ------------------------------------------------------------ timelines */

static int kb_snap_comment_dec(const void *p, size_t n, void *out, kb_err *e)
{
    return kb_codec_comment_decode(p, n, out, e);
}

static void kb_snap_comment_fr(void *x)
{
    kb_comment_free(x);
}

/* One case's timeline entries: adjacent in the table's walk (the stored
 * keys start with a form of the case key, so the entries of one case are
 * one run, in the order a scan of that case alone gives), though the runs
 * themselves are not in case key order. */
typedef struct kb_snap_run {
    kb_id key;
    size_t at, n;
} kb_snap_run;

static int kb_snap_run_cmp(const void *a, const void *b)
{
    return memcmp(((const kb_snap_run *)a)->key.b, ((const kb_snap_run *)b)->key.b, KB_ID_LEN);
}

static const kb_snap_run *kb_snap_find(const kb_snap_run *v, size_t n, const kb_id *key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(v[mid].key.b, key->b, KB_ID_LEN);
        if (c == 0)
            return &v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Regroup all timeline entries (table order) by case, in the cases'
 * order, each case's entries sorted as kb_timeline_in sorts them. */
static void kb_snap_group(kb_export_snapshot *s, kb_comment *all, size_t n)
{
    kb_snap_run *runs = kb_calloc(n ? n : 1, sizeof *runs);
    size_t nr = 0;
    for (size_t k = 0; k < n; k++) {
        if (nr && memcmp(runs[nr - 1].key.b, all[k].key.b, KB_ID_LEN) == 0) {
            runs[nr - 1].n++;
            continue;
        }
        runs[nr].key = all[k].key;
        runs[nr].at = k;
        runs[nr].n = 1;
        nr++;
    }
    kb_sort(runs, nr, sizeof *runs, kb_snap_run_cmp);
    s->tl = kb_calloc(s->cases.n + 1, sizeof *s->tl);
    s->comments.v = kb_calloc(n ? n : 1, sizeof *s->comments.v);
    bool *used = kb_calloc(n ? n : 1, sizeof *used);
    size_t out = 0;
    for (size_t i = 0; i < s->cases.n; i++) {
        s->tl[i] = out;
        const kb_snap_run *r = kb_snap_find(runs, nr, &s->cases.v[i].key);
        for (size_t k = r ? r->at : 0; r && k < r->at + r->n; k++) {
            s->comments.v[out++] = all[k];
            used[k] = true;
        }
        kb_sort(s->comments.v + s->tl[i], out - s->tl[i], sizeof *s->comments.v, kb_comment_cmp);
    }
    s->tl[s->cases.n] = out;
    s->comments.n = out;
    for (size_t k = 0; k < n; k++) /* entries of no case (not exported) */
        if (!used[k])
            kb_comment_free(&all[k]);
    kb_free(&used);
    kb_free(&runs);
}

int kb_board_export_snapshot(kb_board *b, kb_export_snapshot *s, kb_err *e)
{
    static const kb_collect_spec comments = {sizeof(kb_comment),
                                             offsetof(kb_comment, key),
                                             KB_NO_FIELD,
                                             kb_snap_comment_dec,
                                             kb_snap_comment_fr,
                                             NULL,
                                             NULL,
                                             NULL, /* table order: grouped by case */
                                             N_("timeline")};
    memset(s, 0, sizeof *s);
    kb_txn *t = NULL;
    int rc = kb_store_read(b->s, &t, e);
    if (rc)
        return rc;
    /* under the lock: the reference data and the small tables decoded,
     * the cases and timelines (the bulk) only copied */
    kb_snap_raw rc_cases = {0}, rc_com = {0};
    const char *what = N_("case");
    if ((rc = kb_refs_load_in(b, t, e)) == KB_OK)
        rc = kb_txn_each(t, KB_T_CASES, NULL, 0, kb_snap_copy, &rc_cases, e);
    if (rc == KB_OK) {
        what = N_("timeline");
        rc = kb_txn_each(t, KB_T_COMMENTS, NULL, 0, kb_snap_copy, &rc_com, e);
    }
    if (rc == KB_EDATA && !e->msg[0]) /* as kb_collect says it */
        kb_err_set(e, KB_EDATA, _("a %s record is damaged; run 'kernboard verify'"), _(what));
    if (rc == KB_OK)
        rc = kb_action_list_in(t, b, 0, &s->actions, e);
    if (rc == KB_OK)
        rc = kb_links_in(t, 0, &s->links, e);
    if (rc == KB_OK)
        rc = kb_org_list_in(t, b, &s->orgs, e);
    if (rc == KB_OK)
        rc = kb_contacts_in(t, NULL, &s->contacts, e);
    if (rc == KB_OK)
        rc = kb_meeting_list_in(t, b, &s->meetings, e);
    if (rc == KB_OK)
        rc = kb_decision_list_in(t, b, 0, 0, &s->decisions, e);
    if (rc == KB_OK)
        rc = kb_goals_in(b, t, &s->goals, e);
    kb_txn_abort(&t);
    /* after it: decoding */
    void *v = NULL, *cv = NULL;
    size_t ncom = 0;
    if (rc == KB_OK &&
        (rc = kb_snap_decode(&rc_cases, &kb_case_collect, &v, &s->cases.n, e)) == KB_OK)
        s->cases.v = v;
    kb_snap_raw_free(&rc_cases);
    if (rc == KB_OK)
        rc = kb_snap_decode(&rc_com, &comments, &cv, &ncom, e);
    kb_snap_raw_free(&rc_com);
    if (rc == KB_OK) {
        kb_snap_group(s, cv, ncom);
        kb_free(&cv);
    } else {
        kb_export_snapshot_free(s);
    }
    return rc;
}

void kb_export_snapshot_free(kb_export_snapshot *s)
{
    kb_case_vec_free(&s->cases);
    kb_comment_vec_free(&s->comments);
    kb_free(&s->tl);
    kb_action_vec_free(&s->actions);
    kb_link_vec_free(&s->links);
    kb_org_vec_free(&s->orgs);
    kb_contact_vec_free(&s->contacts);
    kb_meeting_vec_free(&s->meetings);
    kb_decision_vec_free(&s->decisions);
    kb_goal_vec_free(&s->goals);
}
