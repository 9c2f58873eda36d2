/* collect.c - one way to read a table into an array of entities: decode
 * every value, keep or drop it, stamp its record key and version, sort. */
#include "core_internal.h"
#include "kernboard/codec.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <string.h>

typedef struct kb_collect_ctx {
    const kb_collect_spec *spec;
    char *v;
    size_t n, cap;
} kb_collect_ctx;

static int kb_collect_visit(void *ctx, const unsigned char *key, size_t klen, const char *val,
                            size_t vlen, uint64_t version)
{
    kb_collect_ctx *c = ctx;
    const kb_collect_spec *sp = c->spec;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->v = kb_reallocarray(c->v, c->cap, sp->size);
    }
    char *item = c->v + c->n * sp->size;
    if (sp->decode(val, vlen, item, NULL))
        return KB_EDATA;
    if (sp->keep && !sp->keep(item, sp->ctx)) {
        sp->free_item(item);
        return 0;
    }
    kb_id *id = (kb_id *)(void *)(item + sp->key_off);
    memset(id->b, 0, KB_ID_LEN);
    memcpy(id->b, key, klen < KB_ID_LEN ? klen : KB_ID_LEN);
    if (sp->ver_off != KB_NO_FIELD)
        memcpy(item + sp->ver_off, &version, sizeof version);
    c->n++;
    return 0;
}

int kb_collect(kb_txn *t, enum kb_table tbl, const void *prefix, size_t plen,
               const kb_collect_spec *spec, void **out, size_t *n, kb_err *e)
{
    kb_collect_ctx c = {spec, NULL, 0, 0};
    int rc = kb_txn_each(t, tbl, prefix, plen, kb_collect_visit, &c, e);
    if (rc) {
        for (size_t i = 0; i < c.n; i++)
            spec->free_item(c.v + i * spec->size);
        kb_free(&c.v);
        if (rc == KB_EDATA && (!e || !e->msg[0]))
            kb_err_damage(e, _("a %s record is damaged; run 'kernboard verify'"), _(spec->what));
        return rc;
    }
    if (spec->cmp)
        kb_sort(c.v, c.n, spec->size, spec->cmp);
    *out = c.v;
    *n = c.n;
    return KB_OK;
}

/* Collecting from a snapshot (kb_txn_snap): the records are decoded on
 * the snapshot's threads, each into its own slot of the array (so in key
 * order); keep, compaction and sorting follow on this thread. */
typedef struct kb_snap_collect {
    const kb_collect_spec *spec;
    uint32_t fields; /* cases: the fields to store (kb_codec_case_decode_some); 0: all */
    char *v;
    unsigned char *made; /* slot i holds a decoded item */
} kb_snap_collect;

static int kb_snap_collect_visit(void *ctx, size_t index, const unsigned char *key, size_t klen,
                                 const char *val, size_t vlen, uint64_t version)
{
    kb_snap_collect *c = ctx;
    const kb_collect_spec *sp = c->spec;
    char *item = c->v + index * sp->size;
    if (c->fields ? kb_codec_case_decode_some(val, vlen, (kb_case *)(void *)item, c->fields, NULL)
                  : sp->decode(val, vlen, item, NULL))
        return KB_EDATA;
    kb_id *id = (kb_id *)(void *)(item + sp->key_off);
    memset(id->b, 0, KB_ID_LEN);
    memcpy(id->b, key, klen < KB_ID_LEN ? klen : KB_ID_LEN);
    if (sp->ver_off != KB_NO_FIELD)
        memcpy(item + sp->ver_off, &version, sizeof version);
    c->made[index] = 1;
    return 0;
}

int kb_collect_release(kb_txn **t, enum kb_table tbl, const kb_collect_spec *spec, void **out,
                       size_t *n, kb_err *e)
{
    *out = NULL;
    *n = 0;
    kb_snap *sn = NULL;
    int rc = kb_txn_snap(*t, tbl, NULL, 0, &sn, e);
    kb_txn_abort(t);
    if (rc)
        return rc;
    return kb_collect_finish(&sn, spec, out, n, e);
}

/* Cases into number order without a comparison sort: the numbers are
 * unique and about as many as the cases, so each case's place is its
 * number (less the smallest).  The sorted copy (the cases moved into it),
 * or NULL when they are not: a sparse range, or a number twice (a damaged
 * board), for the sort. */
static kb_case *kb_cases_by_number(const kb_case *v, size_t n)
{
    if (n < 2)
        return NULL;
    uint32_t lo = UINT32_MAX, hi = 0;
    for (size_t i = 0; i < n; i++) {
        lo = v[i].number < lo ? v[i].number : lo;
        hi = v[i].number > hi ? v[i].number : hi;
    }
    size_t range = (size_t)(hi - lo) + 1;
    if (range > 4 * n + 1024)
        return NULL;
    size_t *at = kb_calloc(range, sizeof *at); /* case index + 1, 0: none */
    for (size_t i = 0; i < n; i++) {
        size_t *slot = &at[v[i].number - lo];
        if (*slot) {
            kb_free(&at);
            return NULL;
        }
        *slot = i + 1;
    }
    kb_case *sorted = kb_reallocarray(NULL, n, sizeof *sorted);
    size_t m = 0;
    for (size_t k = 0; k < range; k++)
        if (at[k])
            sorted[m++] = v[at[k] - 1];
    kb_free(&at);
    return sorted;
}

static int kb_collect_finish_some(kb_snap **snp, const kb_collect_spec *spec, uint32_t fields,
                                  void **out, size_t *n, kb_err *e)
{
    *out = NULL;
    *n = 0;
    kb_snap *sn = *snp;
    *snp = NULL;
    size_t cnt = kb_snap_count(sn);
    if (!cnt) {
        kb_snap_free(&sn);
        return KB_OK;
    }
    kb_snap_collect c = {spec, fields, kb_calloc(cnt, spec->size), kb_calloc(cnt, 1)};
    int rc = kb_snap_open(sn, kb_snap_collect_visit, &c, e);
    kb_snap_free(&sn);
    size_t m = 0;
    for (size_t i = 0; i < cnt; i++) {
        if (!c.made[i])
            continue;
        char *item = c.v + i * spec->size;
        if (rc || (spec->keep && !spec->keep(item, spec->ctx))) {
            spec->free_item(item);
            continue;
        }
        if (m != i)
            memcpy(c.v + m * spec->size, item, spec->size);
        m++;
    }
    kb_free(&c.made);
    if (rc) {
        kb_free(&c.v);
        if (rc == KB_EDATA && (!e || !e->msg[0]))
            kb_err_damage(e, _("a %s record is damaged; run 'kernboard verify'"), _(spec->what));
        return rc;
    }
    kb_case *sorted = NULL;
    if (!m)
        kb_free(&c.v);
    else if (spec->cmp == kb_case_collect.cmp &&
             (sorted = kb_cases_by_number((const kb_case *)(void *)c.v, m))) {
        kb_free(&c.v); /* its cases are in sorted (the sort's order: numbers are unique) */
        c.v = (char *)sorted;
    } else if (spec->cmp)
        kb_sort(c.v, m, spec->size, spec->cmp);
    *out = c.v;
    *n = m;
    return KB_OK;
}

int kb_collect_finish(kb_snap **snp, const kb_collect_spec *spec, void **out, size_t *n, kb_err *e)
{
    return kb_collect_finish_some(snp, spec, 0, out, n, e);
}

int kb_board_case_list_some(kb_board *b, uint32_t fields, kb_case_vec *out, kb_err *e)
{
    out->v = NULL;
    out->n = 0;
    kb_txn *t = NULL;
    int rc = kb_store_read(b->s, &t, e);
    if (rc)
        return rc;
    kb_snap *sn = NULL;
    rc = kb_txn_snap(t, KB_T_CASES, NULL, 0, &sn, e);
    kb_txn_abort(&t);
    if (rc)
        return rc;
    void *v = NULL;
    rc =
        kb_collect_finish_some(&sn, &kb_case_collect, fields ? fields : UINT32_MAX, &v, &out->n, e);
    out->v = v;
    return rc;
}

int kb_collect_all(kb_board *b, enum kb_table tbl, const kb_collect_spec *spec, void **out,
                   size_t *n, kb_err *e)
{
    *out = NULL;
    *n = 0;
    kb_txn *t = NULL;
    int rc = kb_store_read(b->s, &t, e);
    if (rc)
        return rc;
    if (tbl == KB_T_RELS) {
        rc = kb_collect(t, tbl, NULL, 0, spec, out, n, e);
        kb_txn_abort(&t);
        return rc;
    }
    return kb_collect_release(&t, tbl, spec, out, n, e);
}

int kb_rel_put(kb_txn *t, const kb_id *case_key, enum kb_rel_kind kind, const kb_id *target,
               kb_err *e)
{
    unsigned char key[KB_KEY_LEN + 1 + KB_KEY_LEN];
    memcpy(key, case_key->b, KB_KEY_LEN);
    key[KB_KEY_LEN] = (unsigned char)kind;
    memcpy(key + KB_KEY_LEN + 1, target->b, KB_KEY_LEN);
    return kb_txn_put(t, KB_T_RELS, key, sizeof key, "", 0, KB_VERSION_NEW, NULL, NULL, e);
}

int kb_rel_del(kb_txn *t, const kb_id *case_key, enum kb_rel_kind kind, const kb_id *target,
               kb_err *e)
{
    unsigned char key[KB_KEY_LEN + 1 + KB_KEY_LEN];
    memcpy(key, case_key->b, KB_KEY_LEN);
    key[KB_KEY_LEN] = (unsigned char)kind;
    memcpy(key + KB_KEY_LEN + 1, target->b, KB_KEY_LEN);
    return kb_txn_del(t, KB_T_RELS, key, sizeof key, KB_VERSION_ANY, NULL, e);
}

typedef struct kb_rel_keys {
    unsigned char (*v)[KB_KEY_LEN];
    size_t n;
} kb_rel_keys;

static int kb_rel_visit(void *ctx, const unsigned char *key, size_t klen, const char *val,
                        size_t vlen, uint64_t version)
{
    (void)val;
    (void)vlen;
    (void)version;
    kb_rel_keys *k = ctx;
    if (klen != KB_KEY_LEN + 1 + KB_KEY_LEN)
        return KB_EDATA;
    k->v = kb_reallocarray(k->v, k->n + 1, sizeof *k->v);
    memcpy(k->v[k->n++], key + KB_KEY_LEN + 1, KB_KEY_LEN);
    return 0;
}

int kb_rel_collect(kb_txn *t, const kb_id *case_key, enum kb_rel_kind kind, enum kb_table tbl,
                   const kb_collect_spec *spec, void **out, size_t *n, kb_err *e)
{
    unsigned char prefix[KB_KEY_LEN + 1];
    memcpy(prefix, case_key->b, KB_KEY_LEN);
    prefix[KB_KEY_LEN] = (unsigned char)kind;
    kb_rel_keys keys = {NULL, 0};
    kb_collect_ctx c = {spec, NULL, 0, 0};
    int rc = kb_txn_each(t, KB_T_RELS, prefix, sizeof prefix, kb_rel_visit, &keys, e);
    for (size_t i = 0; rc == KB_OK && i < keys.n; i++) {
        char *val = NULL;
        size_t vlen = 0;
        uint64_t ver = 0;
        rc = kb_txn_get(t, tbl, keys.v[i], KB_KEY_LEN, &val, &vlen, &ver, e);
        if (rc == KB_OK)
            rc = kb_collect_visit(&c, keys.v[i], KB_KEY_LEN, val, vlen, ver);
        kb_free(&val);
    }
    kb_free(&keys.v);
    if (rc) {
        for (size_t i = 0; i < c.n; i++)
            spec->free_item(c.v + i * spec->size);
        kb_free(&c.v);
        if (rc == KB_EDATA && (!e || !e->msg[0]))
            kb_err_damage(e, _("a %s record is damaged; run 'kernboard verify'"), _(spec->what));
        return rc;
    }
    if (spec->cmp)
        kb_sort(c.v, c.n, spec->size, spec->cmp);
    *out = c.v;
    *n = c.n;
    return KB_OK;
}

int kb_collect_case(kb_txn *t, uint32_t case_number, enum kb_rel_kind kind, enum kb_table tbl,
                    const kb_collect_spec *spec, void **out, size_t *n, kb_err *e)
{
    *out = NULL;
    *n = 0;
    if (!case_number)
        return kb_collect(t, tbl, NULL, 0, spec, out, n, e);
    kb_case c;
    kb_case_init(&c);
    int rc = kb_case_read(t, case_number, &c, e);
    if (rc == KB_OK)
        rc = kb_rel_collect(t, &c.key, kind, tbl, spec, out, n, e);
    kb_case_free(&c);
    return rc;
}

int kb_collect_case_all(kb_board *b, uint32_t case_number, enum kb_rel_kind kind, enum kb_table tbl,
                        const kb_collect_spec *spec, void **out, size_t *n, kb_err *e)
{
    *out = NULL;
    *n = 0;
    kb_txn *t = NULL;
    int rc = kb_store_read(b->s, &t, e);
    if (rc == KB_OK)
        rc = kb_collect_case(t, case_number, kind, tbl, spec, out, n, e);
    kb_txn_abort(&t);
    return rc;
}
