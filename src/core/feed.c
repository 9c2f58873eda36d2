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
    void *v = NULL;
    /* the lock is held only while the sealed values are copied */
    rc = kb_collect_release(&t, KB_T_CASES, &kb_case_collect, &v, &c->cases.n, e);
    c->cases.v = v;
    return rc;
}

typedef struct kb_feed_ctx {
    unsigned char (*keys)[KB_KEY_LEN];
    size_t n;
    uint64_t last;
    bool refs; /* stages, departments, action lines or users changed */
} kb_feed_ctx;

static int kb_feed_collect(void *ctx, const kb_change *ch)
{
    kb_feed_ctx *f = ctx;
    f->last = ch->seq;
    if (ch->table == KB_T_STAGES || ch->table == KB_T_DEPTS || ch->table == KB_T_LINES ||
        ch->table == KB_T_USERS)
        f->refs = true;
    if (ch->table != KB_T_CASES || ch->klen != KB_KEY_LEN)
        return 0;
    for (size_t i = 0; i < f->n; i++)
        if (memcmp(f->keys[i], ch->key, KB_KEY_LEN) == 0)
            return 0;
    f->keys = kb_reallocarray(f->keys, f->n + 1, sizeof *f->keys);
    memcpy(f->keys[f->n++], ch->key, KB_KEY_LEN);
    return 0;
}

static kb_case *kb_cache_find(kb_board_cache *c, const unsigned char *key)
{
    for (size_t i = 0; i < c->cases.n; i++)
        if (memcmp(c->cases.v[i].key.b, key, KB_KEY_LEN) == 0)
            return &c->cases.v[i];
    return NULL;
}

int kb_board_cache_refresh(kb_board *b, kb_board_cache *c, size_t *changed, kb_err *e)
{
    if (changed)
        *changed = 0;
    uint64_t gen = 0;
    int rc = kb_board_generation(b, &gen, e);
    if (rc)
        return rc;
    if (gen == c->generation)
        return KB_OK; /* nobody committed */
    kb_txn *t = NULL;
    if ((rc = kb_store_read(b->s, &t, e)))
        return rc;
    kb_feed_ctx f = {NULL, 0, c->seq, false};
    if ((rc = kb_txn_changes_since(t, c->seq, kb_feed_collect, &f, e)))
        goto out;
    for (size_t i = 0; i < f.n && rc == KB_OK; i++) {
        char *val = NULL;
        size_t n = 0;
        uint64_t ver = 0;
        kb_case *old = kb_cache_find(c, f.keys[i]);
        int r = kb_txn_get(t, KB_T_CASES, f.keys[i], KB_KEY_LEN, &val, &n, &ver, e);
        if (r == KB_ENOENT) {
            kb_err_clear(e);
            if (old) {
                kb_case_free(old);
                *old = c->cases.v[--c->cases.n];
            }
        } else if (r == KB_OK) {
            kb_case nc;
            if ((rc = kb_codec_case_decode(val, n, &nc, e)) == KB_OK) {
                memcpy(nc.key.b, f.keys[i], KB_KEY_LEN);
                nc.version = ver;
                if (old) {
                    kb_case_free(old);
                    *old = nc;
                } else {
                    c->cases.v = kb_reallocarray(c->cases.v, c->cases.n + 1, sizeof *c->cases.v);
                    c->cases.v[c->cases.n++] = nc;
                }
            }
        } else {
            rc = r;
        }
        kb_free(&val);
    }
    if (rc == KB_OK) {
        c->seq = f.last;
        c->generation = gen;
        if (changed)
            *changed = f.n;
        kb_sort(c->cases.v, c->cases.n, sizeof *c->cases.v, kb_case_collect.cmp);
    }
out:
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
    c->seq = 0;
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
