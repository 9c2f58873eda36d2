/* feed.c - the change feed: an in-memory board kept current from the
 * audit log, and the log itself for `kernboard log`. */
#include "core_internal.h"
#include "kernboard/codec.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <stdlib.h>
#include <string.h>

int kb_board_cache_load(kb_board *b, kb_board_cache *c, kb_err *e)
{
    memset(c, 0, sizeof *c);
    kb_txn *t = NULL;
    int rc = kb_board_generation(b, &c->generation, e);
    if (rc || (rc = kb_store_read(b->s, &t, e)))
        return rc;
    /* the sequence and the records come from one snapshot */
    c->seq = kb_txn_audit_seq(t);
    /* the links (few: decrypted at once) from the same snapshot */
    if ((rc = kb_links_in(t, 0, &c->links, e))) {
        kb_txn_abort(&t);
        return rc;
    }
    void *v = NULL;
    /* the lock is held only while the sealed values are copied */
    rc = kb_collect_release(&t, KB_T_CASES, &kb_case_collect, &v, &c->cases.n, e);
    c->cases.v = v;
    if (rc)
        kb_link_vec_free(&c->links);
    return rc;
}

int kb_board_cache_activity(kb_board *b, kb_board_cache *c, kb_err *e)
{
    if (c->activity)
        return KB_OK;
    int rc = kb_board_case_activity(b, c->cases.v, c->cases.n, e);
    c->activity = rc == KB_OK;
    return rc;
}

typedef struct kb_feed_ctx {
    unsigned char (*keys)[KB_KEY_LEN];
    size_t n;
    bool activity; /* note timeline entries too */
    bool timeline; /* a timeline entry was written */
    uint64_t last;
    bool refs; /* stages, departments, action lines or users changed */
    bool meetings, leases, links;
    bool reload; /* a staged import became the board's: its records were never named */
} kb_feed_ctx;

static int kb_feed_collect(void *ctx, const kb_change *ch)
{
    kb_feed_ctx *f = ctx;
    f->last = ch->seq;
    if (strcmp(ch->action, KB_ACTION_IMPORT_FINISH) == 0)
        f->reload = true;
    if (ch->table == KB_T_STAGES || ch->table == KB_T_DEPTS || ch->table == KB_T_LINES ||
        ch->table == KB_T_USERS)
        f->refs = true;
    f->meetings = f->meetings || ch->table == KB_T_MEETINGS;
    f->leases = f->leases || ch->table == KB_T_LEASES;
    f->links = f->links || ch->table == KB_T_LINKS;
    f->timeline = f->timeline || (f->activity && ch->table == KB_T_COMMENTS);
    if (ch->table != KB_T_CASES || ch->klen != KB_KEY_LEN)
        return 0;
    f->keys = kb_reallocarray(f->keys, f->n + 1, sizeof *f->keys);
    memcpy(f->keys[f->n++], ch->key, KB_KEY_LEN);
    return 0;
}

static int kb_key_cmp(const void *x, const void *y)
{
    return memcmp(x, y, KB_KEY_LEN);
}

static int kb_u32_cmp(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

/* The cached case with this number (the cache is sorted by number). */
static kb_case *kb_cache_by_number(kb_board_cache *c, uint32_t number)
{
    size_t lo = 0, hi = c->cases.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->cases.v[mid].number == number)
            return &c->cases.v[mid];
        if (c->cases.v[mid].number < number)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* A removed case is known only by its key: a linear search (rare). */
static kb_case *kb_cache_by_key(kb_board_cache *c, const unsigned char *key)
{
    for (size_t i = 0; i < c->cases.n; i++)
        if (memcmp(c->cases.v[i].key.b, key, KB_KEY_LEN) == 0)
            return &c->cases.v[i];
    return NULL;
}

static void kb_cache_delta_reset(kb_board_cache *c)
{
    kb_free(&c->changed);
    c->nchanged = 0;
    kb_case_vec_free(&c->old);
    c->refs_changed = c->meetings_changed = c->leases_changed = c->links_changed = false;
    c->moved = false;
}

static void kb_cache_note(kb_board_cache *c, uint32_t number)
{
    c->changed = kb_reallocarray(c->changed, c->nchanged + 1, sizeof *c->changed);
    c->changed[c->nchanged++] = number;
}

/* Keep the old version of a replaced or removed case for the caller. */
static void kb_cache_keep_old(kb_board_cache *c, kb_case *old)
{
    c->old.v = kb_reallocarray(c->old.v, c->old.n + 1, sizeof *c->old.v);
    c->old.v[c->old.n++] = *old;
    kb_case_init(old);
}

/* Put the new cases (any order) into the cache, which stays sorted by
 * number: appended when they all come after the last one (a new case
 * gets the next number), else merged. */
static void kb_cache_insert(kb_board_cache *c, kb_case_vec *add)
{
    if (!add->n)
        return;
    kb_sort(add->v, add->n, sizeof *add->v, kb_case_collect.cmp);
    uintptr_t before = (uintptr_t)c->cases.v;
    size_t n = c->cases.n;
    if (!n || c->cases.v[n - 1].number < add->v[0].number) {
        c->cases.v = kb_reallocarray(c->cases.v, n + add->n, sizeof *c->cases.v);
        memcpy(c->cases.v + n, add->v, add->n * sizeof *add->v);
        c->cases.n = n + add->n;
        c->moved = c->moved || (uintptr_t)c->cases.v != before;
    } else {
        kb_case *m = kb_calloc(n + add->n, sizeof *m);
        size_t i = 0, k = 0, o = 0;
        while (i < n || k < add->n)
            if (k >= add->n || (i < n && c->cases.v[i].number < add->v[k].number))
                m[o++] = c->cases.v[i++];
            else
                m[o++] = add->v[k++];
        kb_free(&c->cases.v);
        c->cases.v = m;
        c->cases.n = o;
        c->moved = true;
    }
    kb_free(&add->v);
    add->n = 0;
}

/* The timeline changed (comments, decisions, action items): the change
 * feed names a timeline entry only by its stored key, which does not say
 * whose it is, so every case's active is read again in one pass (only
 * while someone asked for activity: a filter on updated or since:).  A
 * case whose active changed is named in changed, with a copy of its
 * previous state in old, unless it was reloaded already. */
static int kb_cache_timeline(kb_board_cache *c, kb_txn *t, kb_err *e)
{
    size_t n = c->cases.n;
    kb_time *was = kb_calloc(n ? n : 1, sizeof *was);
    for (size_t i = 0; i < n; i++)
        was[i] = c->cases.v[i].active;
    int rc = kb_case_activity_in(t, c->cases.v, n, e);
    size_t nch = c->nchanged; /* those named before: reloaded or added */
    for (size_t i = 0; i < n; i++) {
        kb_case *cs = &c->cases.v[i];
        if (rc) { /* keep what was known */
            cs->active = was[i];
            continue;
        }
        if (cs->active == was[i])
            continue;
        bool noted = false;
        for (size_t k = 0; k < nch && !noted; k++)
            noted = c->changed[k] == cs->number;
        if (!noted) {
            kb_case before;
            kb_case_copy(&before, cs);
            before.active = was[i];
            kb_cache_keep_old(c, &before);
            kb_cache_note(c, cs->number);
        }
    }
    kb_free(&was);
    return rc;
}

/* The whole cache again (after a staged import): the callers rebuild
 * what they made of it, as after a change of the reference data. */
static int kb_cache_reload(kb_board *b, kb_board_cache *c, kb_err *e)
{
    kb_board_cache n;
    int rc = kb_board_cache_load(b, &n, e);
    if (rc == KB_OK && c->activity)
        rc = kb_board_cache_activity(b, &n, e);
    if (rc) {
        kb_board_cache_free(&n);
        return rc;
    }
    kb_board_cache_free(c);
    *c = n;
    c->refs_changed = c->moved = true;
    c->meetings_changed = c->leases_changed = c->links_changed = true;
    return KB_OK;
}

int kb_board_cache_refresh(kb_board *b, kb_board_cache *c, size_t *changed, kb_err *e)
{
    uint64_t gen = 0;
    int rc = kb_board_generation(b, &gen, e);
    if (rc) {
        if (changed)
            *changed = 0;
        kb_cache_delta_reset(c);
        return rc;
    }
    return kb_board_cache_refresh_at(b, c, gen, changed, e);
}

int kb_board_cache_refresh_at(kb_board *b, kb_board_cache *c, uint64_t gen, size_t *changed,
                              kb_err *e)
{
    int rc;
    if (changed)
        *changed = 0;
    kb_cache_delta_reset(c);
    if (gen == c->generation)
        return KB_OK; /* nobody committed */
    kb_txn *t = NULL;
    if ((rc = kb_store_read(b->s, &t, e)))
        return rc;
    kb_feed_ctx f = {.last = c->seq, .activity = c->activity};
    kb_case_vec add = {0};
    size_t removed = 0;
    if ((rc = kb_txn_changes_since(t, c->seq, kb_feed_collect, &f, e)))
        goto out;
    if (f.reload) { /* everything again, as at the start */
        kb_txn_abort(&t);
        rc = kb_cache_reload(b, c, e);
        f.refs = rc == KB_OK;
        goto out;
    }
    /* each changed key once */
    kb_sort(f.keys, f.n, sizeof *f.keys, kb_key_cmp);
    size_t nk = 0;
    for (size_t i = 0; i < f.n; i++)
        if (!nk || memcmp(f.keys[nk - 1], f.keys[i], KB_KEY_LEN) != 0)
            memmove(f.keys[nk++], f.keys[i], KB_KEY_LEN);
    f.n = nk;
    for (size_t i = 0; i < f.n && rc == KB_OK; i++) {
        char *val = NULL;
        size_t n = 0;
        uint64_t ver = 0;
        int r = kb_txn_get(t, KB_T_CASES, f.keys[i], KB_KEY_LEN, &val, &n, &ver, e);
        if (r == KB_ENOENT) {
            kb_err_clear(e);
            kb_case *old = kb_cache_by_key(c, f.keys[i]);
            if (old) { /* removed: marked by number 0, dropped below */
                kb_cache_note(c, old->number);
                kb_cache_keep_old(c, old);
                old->number = 0;
                removed++;
            }
        } else if (r == KB_OK) {
            kb_case nc;
            if ((rc = kb_codec_case_decode(val, n, &nc, e)) == KB_OK) {
                memcpy(nc.key.b, f.keys[i], KB_KEY_LEN);
                nc.version = ver;
                kb_case *old = kb_cache_by_number(c, nc.number);
                if (old && memcmp(old->key.b, nc.key.b, KB_KEY_LEN) != 0)
                    old = NULL; /* not the same case: keep both as stored */
                kb_cache_note(c, nc.number);
                if (old) { /* replaced in place: the other cases stay where they are */
                    nc.active = old->active; /* the timeline is not in the record */
                    kb_cache_keep_old(c, old);
                    *old = nc;
                } else {
                    add.v = kb_reallocarray(add.v, add.n + 1, sizeof *add.v);
                    add.v[add.n++] = nc;
                }
            }
        } else {
            rc = r;
        }
        kb_free(&val);
    }
    /* also after an error: the cache stays sorted and whole (what was
     * applied is applied again by the next refresh) */
    if (removed) { /* drop the removed ones, keeping the order */
        size_t o = 0;
        for (size_t i = 0; i < c->cases.n; i++)
            if (c->cases.v[i].number)
                c->cases.v[o++] = c->cases.v[i];
        c->cases.n = o;
        c->moved = true;
    }
    kb_cache_insert(c, &add);
    if (rc == KB_OK && f.timeline) /* new timeline entries: the cases' active */
        rc = kb_cache_timeline(c, t, e);
    kb_sort(c->changed, c->nchanged, sizeof *c->changed, kb_u32_cmp);
    if (rc == KB_OK && f.links) { /* a link added or removed: all of them again */
        kb_link_vec lv = {0};
        if ((rc = kb_links_in(t, 0, &lv, e)) == KB_OK) {
            kb_link_vec_free(&c->links);
            c->links = lv;
        }
    }
    if (rc == KB_OK) {
        c->seq = f.last;
        c->generation = gen;
        c->refs_changed = f.refs;
        c->meetings_changed = f.meetings;
        c->leases_changed = f.leases;
        c->links_changed = f.links;
        if (changed)
            *changed = c->nchanged;
    }
out:
    kb_case_vec_free(&add);
    kb_free(&f.keys);
    kb_txn_abort(&t);
    /* someone changed the reference data: reload the board's copy (callers
     * holding pointers from kb_board_stages() etc. must fetch them again) */
    if (rc == KB_OK && f.refs)
        rc = kb_refs_load(b, e);
    return rc;
}

void kb_board_cache_free(kb_board_cache *c)
{
    kb_case_vec_free(&c->cases);
    kb_link_vec_free(&c->links);
    kb_cache_delta_reset(c);
    c->seq = 0;
    c->activity = false;
}

static int kb_log_collect(void *ctx, const kb_change *ch)
{
    kb_log_vec *v = ctx;
    v->v = kb_reallocarray(v->v, v->n + 1, sizeof *v->v);
    kb_log_entry *le = &v->v[v->n++];
    memset(le, 0, sizeof *le);
    le->seq = ch->seq;
    le->time = ch->time;
    memcpy(le->user, ch->user, sizeof le->user);
    memcpy(le->action, ch->action, sizeof le->action);
    const char *tn = kb_table_name(ch->table);
    memcpy(le->table, tn, strlen(tn) < sizeof le->table ? strlen(tn) + 1 : sizeof le->table - 1);
    le->version = ch->version;
    le->deleted = ch->deleted;
    return 0;
}

int kb_board_log(kb_board *b, uint64_t since, kb_log_vec *out, kb_err *e)
{
    memset(out, 0, sizeof *out);
    kb_txn *t = NULL;
    int rc = kb_store_read(b->s, &t, e);
    if (rc)
        return rc;
    rc = kb_txn_changes_since(t, since, kb_log_collect, out, e);
    kb_txn_abort(&t);
    if (rc)
        kb_log_vec_free(out);
    return rc;
}

void kb_log_vec_free(kb_log_vec *v)
{
    kb_free(&v->v);
    v->n = 0;
}
