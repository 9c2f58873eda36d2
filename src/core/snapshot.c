/* snapshot.c - everything an export needs from one state of the board.
 *
 * Before, the export read its cases, the timelines (in transactions of
 * 2000 cases), the reference data and the other tables in separate
 * transactions: a change in between gave an export of a state the board
 * never had.  Then all of it was read in one transaction, which held the
 * board's shared lock for as long as it took to copy every table (a second
 * at 100k cases, ten with a cold page cache: writers failed with "board
 * busy").  Now the store copies the tables in bounded chunks, writers
 * committing between them, and catches up on what changed meanwhile
 * (kb_store_snapshot): the result is still the board at one audit seq.
 * The timelines are read in one pass over the timeline table instead of
 * one prefix scan per case; everything is decrypted and decoded after the
 * lock was released, the cases and timelines on the snapshot's threads
 * (kb_txn_snap, kb_collect_finish). */
#include "core_internal.h"
#include "kernboard/codec.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <string.h>

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

/* ------------------------------------------------------------ activity */

/* What the activity scan keeps of one timeline entry (slot = its index in
 * the snapshot, so the two decoding threads never share one). */
typedef struct kb_act_scan {
    unsigned char (*keys)[KB_KEY_LEN]; /* the case key it belongs to */
    kb_time *times;
} kb_act_scan;

static int kb_act_visit(void *ctx, size_t index, const unsigned char *key, size_t klen,
                        const char *val, size_t vlen, uint64_t version)
{
    (void)version;
    kb_act_scan *sc = ctx;
    kb_comment cm;
    if (kb_codec_comment_decode(val, vlen, &cm, NULL))
        return KB_EDATA;
    memset(sc->keys[index], 0, KB_KEY_LEN);
    memcpy(sc->keys[index], key, klen < KB_KEY_LEN ? klen : KB_KEY_LEN);
    sc->times[index] = cm.time;
    kb_comment_free(&cm);
    return 0;
}

typedef struct kb_act_ix {
    kb_id key;
    size_t at;
} kb_act_ix;

static int kb_act_ix_cmp(const void *a, const void *b)
{
    return memcmp(((const kb_act_ix *)a)->key.b, ((const kb_act_ix *)b)->key.b, KB_ID_LEN);
}

/* Decrypt the timeline snapshot *sn (freed here) and set each case's
 * active to its newest entry (0 without one). */
static int kb_act_fill(kb_snap **sn, kb_case *cases, size_t n, kb_err *e)
{
    for (size_t i = 0; i < n; i++)
        cases[i].active = 0;
    size_t m = kb_snap_count(*sn);
    kb_act_scan sc = {kb_calloc(m ? m : 1, KB_KEY_LEN), kb_calloc(m ? m : 1, sizeof(kb_time))};
    int rc = kb_snap_open(*sn, kb_act_visit, &sc, e);
    kb_snap_free(sn);
    if (rc == KB_EDATA && (!e || !e->msg[0]))
        kb_err_damage(e, _("a %s record is damaged; run 'kernboard verify'"), _("timeline"));
    if (rc == KB_OK && n) {
        kb_act_ix *ix = kb_calloc(n, sizeof *ix);
        for (size_t i = 0; i < n; i++)
            ix[i] = (kb_act_ix){cases[i].key, i};
        kb_sort(ix, n, sizeof *ix, kb_act_ix_cmp);
        for (size_t k = 0; k < m; k++) {
            size_t lo = 0, hi = n;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = memcmp(ix[mid].key.b, sc.keys[k], KB_ID_LEN);
                if (c == 0) {
                    kb_case *cs = &cases[ix[mid].at];
                    if (sc.times[k] > cs->active)
                        cs->active = sc.times[k];
                    break;
                }
                if (c < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
        }
        kb_free(&ix);
    }
    kb_free(&sc.keys);
    kb_free(&sc.times);
    return rc;
}

int kb_case_activity_in(kb_txn *t, kb_case *cases, size_t n, kb_err *e)
{
    kb_snap *sn = NULL;
    int rc = kb_txn_snap(t, KB_T_COMMENTS, NULL, 0, &sn, e);
    return rc ? rc : kb_act_fill(&sn, cases, n, e);
}

int kb_board_case_activity(kb_board *b, kb_case *cases, size_t n, kb_err *e)
{
    if (!n)
        return KB_OK;
    kb_txn *t = NULL;
    kb_snap *sn = NULL;
    int rc = kb_store_read(b->s, &t, e);
    if (rc)
        return rc;
    /* one pass over the whole timeline table, copied under the lock and
     * decrypted after it (never a read per case) */
    rc = kb_txn_snap(t, KB_T_COMMENTS, NULL, 0, &sn, e);
    kb_txn_abort(&t);
    return rc ? rc : kb_act_fill(&sn, cases, n, e);
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
    /* every table the reads below touch */
    static const enum kb_table tables[] = {KB_T_META,      KB_T_USERS, KB_T_STAGES,   KB_T_DEPTS,
                                           KB_T_LINES,     KB_T_CASES, KB_T_COMMENTS, KB_T_ACTIONS,
                                           KB_T_LINKS,     KB_T_ORGS,  KB_T_CONTACTS, KB_T_MEETINGS,
                                           KB_T_DECISIONS, KB_T_GOALS};
    memset(s, 0, sizeof *s);
    kb_txn *t = NULL;
    int rc = kb_store_snapshot(b->s, tables, sizeof tables / sizeof *tables, &t, e);
    if (rc)
        return rc;
    /* no lock held from here on: the reference data and the small tables
     * decoded from the snapshot, the cases and timelines (the bulk) handed
     * over sealed (kb_txn_snap) and decoded on two threads */
    kb_snap *sn_cases = NULL, *sn_com = NULL;
    if ((rc = kb_refs_load_in(b, t, e)) == KB_OK)
        rc = kb_txn_snap(t, KB_T_CASES, NULL, 0, &sn_cases, e);
    if (rc == KB_OK)
        rc = kb_txn_snap(t, KB_T_COMMENTS, NULL, 0, &sn_com, e);
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
    uint64_t views_ver;
    if (rc == KB_OK) /* the shared views and the board settings */
        rc = kb_views_shared_in(t, &s->views, &views_ver, e);
    if (rc == KB_OK)
        rc = kb_contact_window_in(t, &s->contact_window, e);
    kb_txn_abort(&t);
    /* after it: decryption and decoding, on the snapshot's threads */
    void *v = NULL, *cv = NULL;
    size_t ncom = 0;
    if (rc == KB_OK &&
        (rc = kb_collect_finish(&sn_cases, &kb_case_collect, &v, &s->cases.n, e)) == KB_OK)
        s->cases.v = v;
    if (rc == KB_OK)
        rc = kb_collect_finish(&sn_com, &comments, &cv, &ncom, e);
    kb_snap_free(&sn_cases);
    kb_snap_free(&sn_com);
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
    kb_view_vec_free(&s->views);
}
