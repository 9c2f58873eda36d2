/* board.c - use cases over an open board; see kernboard/core.h. */
#include "core_internal.h"
#include "kernboard/buf.h"
#include "kernboard/codec.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/store.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* META keys: fixed 16-byte ids (no names in LMDB keys). */
const unsigned char kb_meta_counters[KB_KEY_LEN] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
const unsigned char kb_meta_lease_tokens[KB_KEY_LEN] = {0, 0, 0, 0, 0, 0, 0, 0,
                                                        0, 0, 0, 0, 0, 0, 0, 2};
const unsigned char kb_meta_action_counter[KB_KEY_LEN] = {0, 0, 0, 0, 0, 0, 0, 0,
                                                          0, 0, 0, 0, 0, 0, 0, 3};
const unsigned char kb_meta_meeting_counter[KB_KEY_LEN] = {0, 0, 0, 0, 0, 0, 0, 0,
                                                           0, 0, 0, 0, 0, 0, 0, 4};
const unsigned char kb_meta_decision_counter[KB_KEY_LEN] = {0, 0, 0, 0, 0, 0, 0, 0,
                                                            0, 0, 0, 0, 0, 0, 0, 5};

int kb_counter_next(kb_txn *t, const unsigned char key[KB_KEY_LEN], uint32_t *out, kb_err *e)
{
    char *val = NULL;
    size_t n = 0;
    uint64_t ver = KB_VERSION_NEW;
    uint32_t next = 1;
    int rc = kb_txn_get(t, KB_T_META, key, KB_KEY_LEN, &val, &n, &ver, e);
    if (rc == KB_OK && n == 4)
        next = kb_get_u32be((unsigned char *)val);
    else if (rc == KB_ENOENT)
        rc = KB_OK;
    else if (rc == KB_OK)
        rc = kb_err_damage(e, _("damaged counter record; run 'kernboard verify'"));
    kb_free(&val);
    if (rc)
        return rc;
    unsigned char cnt[4];
    kb_put_u32be(cnt, next + 1);
    if ((rc = kb_txn_put(t, KB_T_META, key, KB_KEY_LEN, cnt, 4, ver, NULL, NULL, e)))
        return rc;
    *out = next;
    return KB_OK;
}

const char *kb_board_user(const kb_board *b)
{
    return kb_store_user(b->s);
}

enum kb_role kb_board_role(const kb_board *b)
{
    return b->me.role;
}

const kb_stage *kb_board_stages(const kb_board *b, size_t *n)
{
    *n = b->nstages;
    return b->stages;
}

const kb_dept *kb_board_depts(const kb_board *b, size_t *n)
{
    *n = b->ndepts;
    return b->depts;
}

const kb_line *kb_board_lines(const kb_board *b, size_t *n)
{
    *n = b->nlines;
    return b->lines;
}

const kb_stage *kb_board_stage_find(const kb_board *b, const char *s)
{
    return kb_resolve_stage(b->stages, b->nstages, s);
}

const kb_dept *kb_board_dept_find(const kb_board *b, const char *code)
{
    return kb_resolve_dept(b->depts, b->ndepts, code);
}

const kb_line *kb_board_line_find(const kb_board *b, const char *s)
{
    return kb_resolve_line(b->lines, b->nlines, s);
}

int kb_board_user_find(kb_board *b, const char *text, char **name_out, kb_err *e)
{
    *name_out = NULL;
    kb_user_vec v = {0};
    int rc = kb_board_user_list(b, &v, e);
    const kb_user *u = NULL;
    if (rc == KB_OK && (rc = kb_resolve_user(v.v, v.n, text, &u, e)) == KB_OK)
        *name_out = kb_strdup(u->name);
    kb_user_vec_free(&v);
    return rc;
}

void kb_board_query_ctx(kb_board *b, const kb_query *q, kb_query_ctx *ctx)
{
    if (!b->users_loaded) {
        kb_err e;
        kb_user_vec_free(&b->users);
        /* without the user list, owner: matches names only */
        b->users_loaded = kb_board_user_list(b, &b->users, &e) == KB_OK;
    }
    b->qrefs = (kb_query_refs){.stages = b->stages,
                               .nstages = b->nstages,
                               .depts = b->depts,
                               .ndepts = b->ndepts,
                               .lines = b->lines,
                               .nlines = b->nlines,
                               .users = b->users.v,
                               .nusers = b->users.n};
    *ctx = (kb_query_ctx){0}; /* every field not set below is off */
    ctx->today = kb_date_today();
    ctx->resolve = kb_query_resolve_refs;
    ctx->user = &b->qrefs;
    ctx->norm = kb_query_norm_refs;
    /* one more read, only when the query needs it */
    ctx->last_meeting = kb_query_needs_last_meeting(q) ? kb_board_last_meeting_time(b) : 0;
    ctx->me = kb_board_user(b);
    ctx->my_depts = NULL;
    for (size_t i = 0; ctx->me && i < b->users.n; i++)
        if (b->users.v[i].name && strcmp(b->users.v[i].name, ctx->me) == 0)
            ctx->my_depts = &b->users.v[i].depts;
}

uint64_t kb_board_commits(const kb_board *b)
{
    return kb_store_commits(b->s);
}

/* ------------------------------------------------------------ reference data */

static void kb_refs_free(kb_board *b)
{
    for (size_t i = 0; i < b->nstages; i++)
        kb_stage_free(&b->stages[i]);
    for (size_t i = 0; i < b->ndepts; i++)
        kb_dept_free(&b->depts[i]);
    for (size_t i = 0; i < b->nlines; i++)
        kb_line_free(&b->lines[i]);
    kb_free(&b->stages);
    kb_free(&b->depts);
    kb_free(&b->lines);
    b->nstages = b->ndepts = b->nlines = 0;
    kb_user_free(&b->me);
    kb_user_vec_free(&b->users);
    b->users_loaded = false;
}

static int kb_stage_dec(const void *p, size_t n, void *out, kb_err *e)
{
    return kb_codec_stage_decode(p, n, out, e);
}

static void kb_stage_fr(void *x)
{
    kb_stage_free(x);
}

static int kb_dept_dec(const void *p, size_t n, void *out, kb_err *e)
{
    return kb_codec_dept_decode(p, n, out, e);
}

static void kb_dept_fr(void *x)
{
    kb_dept_free(x);
}

static int kb_line_dec(const void *p, size_t n, void *out, kb_err *e)
{
    return kb_codec_line_decode(p, n, out, e);
}

static void kb_line_fr(void *x)
{
    kb_line_free(x);
}

static int kb_stage_cmp(const void *a, const void *b)
{
    const kb_stage *x = a, *y = b;
    int c = (x->position > y->position) - (x->position < y->position);
    /* a tie (a board written before positions were places) by code, so
     * every board and every export shows the same order */
    return c ? c : strcmp(x->code, y->code);
}

static int kb_line_cmp(const void *a, const void *b)
{
    return strcmp(((const kb_line *)a)->code, ((const kb_line *)b)->code);
}

static int kb_dept_cmp(const void *a, const void *b)
{
    return strcmp(((const kb_dept *)a)->code, ((const kb_dept *)b)->code);
}

int kb_refs_load(kb_board *b, kb_err *e)
{
    kb_txn *t = NULL;
    int rc = kb_store_read(b->s, &t, e);
    if (rc)
        return rc;
    rc = kb_refs_load_in(b, t, e);
    kb_txn_abort(&t);
    return rc;
}

int kb_refs_load_in(kb_board *b, kb_txn *t, kb_err *e)
{
    kb_refs_free(b);
    int rc;
    static const kb_collect_spec stages = {sizeof(kb_stage),
                                           offsetof(kb_stage, key),
                                           offsetof(kb_stage, version),
                                           kb_stage_dec,
                                           kb_stage_fr,
                                           NULL,
                                           NULL,
                                           kb_stage_cmp,
                                           N_("stage")};
    static const kb_collect_spec depts = {sizeof(kb_dept),
                                          offsetof(kb_dept, key),
                                          offsetof(kb_dept, version),
                                          kb_dept_dec,
                                          kb_dept_fr,
                                          NULL,
                                          NULL,
                                          kb_dept_cmp,
                                          N_("department")};
    static const kb_collect_spec lines = {sizeof(kb_line),
                                          offsetof(kb_line, key),
                                          offsetof(kb_line, version),
                                          kb_line_dec,
                                          kb_line_fr,
                                          NULL,
                                          NULL,
                                          kb_line_cmp,
                                          N_("action line")};
    char *val = NULL;
    size_t n = 0;
    void *vs = NULL, *vd = NULL, *vl = NULL;
    rc = kb_collect(t, KB_T_STAGES, NULL, 0, &stages, &vs, &b->nstages, e);
    b->stages = vs;
    if (rc == KB_OK) {
        rc = kb_collect(t, KB_T_DEPTS, NULL, 0, &depts, &vd, &b->ndepts, e);
        b->depts = vd;
    }
    if (rc == KB_OK) {
        rc = kb_collect(t, KB_T_LINES, NULL, 0, &lines, &vl, &b->nlines, e);
        b->lines = vl;
    }
    if (rc)
        goto out;
    rc = kb_txn_get(t, KB_T_USERS, kb_store_slot_id(b->s), KB_KEY_LEN, &val, &n, NULL, e);
    if (rc == KB_OK)
        rc = kb_codec_user_decode(val, n, &b->me, e);
    else if (rc == KB_ENOENT)
        rc = kb_err_set(e, KB_EPERM, _("user %s has no user record on this board"),
                        kb_store_user(b->s));
out:
    if (rc == KB_EDATA && !e->msg[0])
        kb_err_damage(e, _("damaged reference record; run 'kernboard verify'"));
    kb_free(&val);
    return rc;
}

/* ------------------------------------------------------------ open / init */

static int kb_kdf_of(const kb_board_opts *o, enum kb_kdf *kdf, kb_err *e)
{
    *kdf = KB_KDF_MODERATE;
    return o && o->kdf ? kb_kdf_parse(o->kdf, kdf, e) : KB_OK;
}

static kb_store_opts kb_sopts(const kb_board_opts *o)
{
    kb_store_opts so = {0};
    so.lock_timeout_ms = o ? o->lock_timeout_ms : 0;
    so.key_cache_s = o ? o->key_cache_s : 0;
    so.cache_only = o && o->cache_only;
    if (o)
        so.clock = o->clock;
    return so;
}

static void kb_new_key(unsigned char key[KB_KEY_LEN])
{
    kb_store_random(key, KB_KEY_LEN);
}

static int kb_put_encoded(kb_txn *t, enum kb_table tbl, const unsigned char *key, kb_buf *enc,
                          uint64_t expect, uint64_t *ver, const char *detail, kb_err *e)
{
    return kb_txn_put(t, tbl, key, KB_KEY_LEN, enc->data, enc->len, expect, ver, detail, e);
}

int kb_board_init(const char *path, const char *user, const kb_secret *pass,
                  const kb_board_opts *opts, kb_board **out, kb_err *e)
{
    enum kb_kdf kdf;
    int rc = kb_kdf_of(opts, &kdf, e);
    if (rc || (rc = kb_user_name_check(user, e)))
        return rc;
    kb_store_opts so = kb_sopts(opts);
    kb_board *b = kb_calloc(1, sizeof *b);
    b->kdf = kdf;
    b->clock = so.clock;
    if ((rc = kb_store_create(path, user, pass, kdf, &so, &b->s, e))) {
        kb_free(&b);
        return rc;
    }
    kb_txn *t = NULL;
    kb_buf enc = KB_BUF_INIT;
    unsigned char key[KB_KEY_LEN];
    if ((rc = kb_store_write(b->s, "board.defaults", NULL, &t, e)))
        goto fail;
    for (size_t i = 0; i < kb_default_stage_count; i++) {
        kb_stage st = {.code = (char *)kb_default_stages[i].code,
                       .name = (char *)_(kb_default_stages[i].name),
                       .position = (int)i + 1};
        kb_codec_stage_encode(&st, &enc);
        kb_new_key(key);
        if ((rc = kb_put_encoded(t, KB_T_STAGES, key, &enc, KB_VERSION_NEW, NULL, NULL, e)))
            goto fail;
    }
    for (size_t i = 0; i < kb_default_dept_count; i++) {
        kb_dept d = {.code = (char *)kb_default_depts[i].code,
                     .name = (char *)_(kb_default_depts[i].name)};
        kb_codec_dept_encode(&d, &enc);
        kb_new_key(key);
        if ((rc = kb_put_encoded(t, KB_T_DEPTS, key, &enc, KB_VERSION_NEW, NULL, NULL, e)))
            goto fail;
    }
    for (size_t i = 0; i < kb_default_line_count; i++) {
        kb_line l = {.code = (char *)kb_default_lines[i].code,
                     .name = (char *)_(kb_default_lines[i].name)};
        kb_codec_line_encode(&l, &enc);
        kb_new_key(key);
        if ((rc = kb_put_encoded(t, KB_T_LINES, key, &enc, KB_VERSION_NEW, NULL, NULL, e)))
            goto fail;
    }
    {
        char *sig = NULL;
        size_t n = 0;
        const unsigned char *id = kb_store_slot_id(b->s);
        if ((rc = kb_txn_get(t, KB_T_SIGNERS, id, KB_KEY_LEN, &sig, &n, NULL, e)))
            goto fail;
        kb_user u = {.name = (char *)user, .role = KB_ROLE_ADMIN};
        if (n >= KB_SIGN_PK_LEN)
            memcpy(u.sign_pk, sig, KB_SIGN_PK_LEN);
        kb_free(&sig);
        kb_codec_user_encode(&u, &enc);
        char *iname = kb_asprintf("user:%s", user);
        rc = kb_put_encoded(t, KB_T_USERS, id, &enc, KB_VERSION_NEW, NULL, NULL, e);
        if (rc == KB_OK)
            rc = kb_txn_index_put(t, iname, id, e);
        kb_free(&iname);
        if (rc)
            goto fail;
    }
    if ((rc = kb_txn_commit(&t, e)) || (rc = kb_refs_load(b, e)))
        goto fail;
    kb_buf_free(&enc);
    *out = b;
    return KB_OK;
fail:
    kb_txn_abort(&t);
    kb_buf_free(&enc);
    kb_board_close(&b);
    return rc;
}

void kb_board_on_fatal(void (*hook)(void))
{
    kb_store_on_fatal(hook);
}

bool kb_board_forget_key(kb_board *b)
{
    return b && kb_store_forget_key(b->s);
}

bool kb_board_key_cache_ready(void)
{
    return kb_store_key_cache_ready();
}

size_t kb_board_forget_all_keys(void)
{
    return kb_store_forget_all_keys();
}

int kb_board_explain_damage(const char *path, int rc, kb_err *e)
{
    return path ? kb_store_explain_damage(path, rc, e) : rc;
}

int kb_board_open(const char *path, const char *user, const kb_secret *pass,
                  const kb_board_opts *opts, kb_board **out, kb_err *e)
{
    kb_store_opts so = kb_sopts(opts);
    kb_board *b = kb_calloc(1, sizeof *b);
    b->clock = so.clock;
    int rc = kb_kdf_of(opts, &b->kdf, e);
    if (rc == KB_OK)
        rc = kb_store_open(path, user, pass, &so, &b->s, e);
    if (rc == KB_OK)
        rc = kb_refs_load(b, e);
    if (rc) {
        kb_board_close(&b);
        return rc;
    }
    *out = b;
    return KB_OK;
}

void kb_board_close(kb_board **bp)
{
    if (!bp || !*bp)
        return;
    kb_refs_free(*bp);
    kb_store_close(&(*bp)->s);
    kb_free(&(*bp)->seen);
    kb_free(bp);
}

int kb_board_generation(kb_board *b, uint64_t *gen, kb_err *e)
{
    return kb_store_generation(b->s, gen, e);
}

/* ------------------------------------------------------------ cases */

int kb_require_writer(const kb_board *b, kb_err *e)
{
    if (!kb_role_can_write(b->me.role))
        return kb_err_set(e, KB_EPERM, _("user %s is a viewer and may not change the board"),
                          kb_board_user(b));
    return KB_OK;
}

/* Check references against the board's reference data and normalise codes. */
int kb_case_refs(const kb_board *b, kb_case *c, kb_err *e)
{
    const kb_stage *st =
        c->stage ? kb_board_stage_find(b, c->stage) : (b->nstages ? &b->stages[0] : NULL);
    if (!st) {
        kb_buf names = KB_BUF_INIT;
        for (size_t i = 0; i < b->nstages; i++)
            kb_buf_printf(&names, "%s%s", i ? ", " : "", b->stages[i].code);
        int rc = kb_err_set(e, KB_EDATA, _("unknown stage '%s' (stages: %s)"),
                            c->stage ? c->stage : "", names.data ? names.data : "");
        kb_buf_free(&names);
        return rc;
    }
    kb_free(&c->stage);
    c->stage = kb_strdup(st->code);
    if (c->lead_dept) {
        const kb_dept *d = kb_board_dept_find(b, c->lead_dept);
        if (!d)
            return kb_err_set(e, KB_EDATA, _("unknown department '%s' (see 'kernboard dept list')"),
                              c->lead_dept);
        kb_free(&c->lead_dept);
        c->lead_dept = kb_strdup(d->code);
    }
    for (size_t i = 0; i < c->depts.n; i++) {
        const kb_dept *d = kb_board_dept_find(b, c->depts.v[i]);
        if (!d)
            return kb_err_set(e, KB_EDATA, _("unknown department '%s' (see 'kernboard dept list')"),
                              c->depts.v[i]);
        kb_free(&c->depts.v[i]);
        c->depts.v[i] = kb_strdup(d->code);
    }
    if (c->action_line) {
        const kb_line *l = kb_board_line_find(b, c->action_line);
        if (!l)
            return kb_err_set(e, KB_EDATA,
                              _("unknown action line '%s' (see 'kernboard line list')"),
                              c->action_line);
        kb_free(&c->action_line);
        c->action_line = kb_strdup(l->code);
    }
    return kb_case_validate(c, e);
}

char *kb_case_index_name(uint32_t number)
{
    return kb_asprintf("case#%u", number);
}

int kb_timeline_put_entry(kb_txn *t, const unsigned char case_key[KB_KEY_LEN], kb_comment *cm,
                          kb_err *e)
{
    if (!cm->time_us) {
        cm->time_us = kb_txn_now_us(t);
        cm->time = cm->time_us / 1000000;
    }
    int rc = kb_comment_validate(cm, e);
    if (rc)
        return rc;
    /* key = case key || 12 random bytes: the key groups a case's timeline
     * without revealing when anything was written */
    unsigned char key[KB_KEY_LEN + 12];
    memcpy(key, case_key, KB_KEY_LEN);
    kb_store_random(key + KB_KEY_LEN, 12);
    kb_buf enc = KB_BUF_INIT;
    kb_codec_comment_encode(cm, &enc);
    rc = kb_txn_put(t, KB_T_COMMENTS, key, sizeof key, enc.data, enc.len, KB_VERSION_NEW, NULL,
                    NULL, e);
    kb_buf_free(&enc);
    return rc;
}

int kb_timeline_put(kb_txn *t, const unsigned char case_key[KB_KEY_LEN], uint32_t number,
                    enum kb_entry_kind kind, const char *author, const char *text, kb_err *e)
{
    kb_comment cm = {
        .case_number = number, .kind = kind, .author = (char *)author, .text = (char *)text};
    return kb_timeline_put_entry(t, case_key, &cm, e);
}

/* Counter value without taking it (for imports that bring their numbers). */
static int kb_counter_peek(kb_txn *t, const unsigned char key[KB_KEY_LEN], uint32_t *next,
                           uint64_t *ver, kb_err *e)
{
    char *val = NULL;
    size_t n = 0;
    *next = 1;
    *ver = KB_VERSION_NEW;
    int rc = kb_txn_get(t, KB_T_META, key, KB_KEY_LEN, &val, &n, ver, e);
    if (rc == KB_OK && n == 4)
        *next = kb_get_u32be((unsigned char *)val);
    else if (rc == KB_ENOENT)
        rc = KB_OK;
    else if (rc == KB_OK)
        rc = kb_err_damage(e, _("damaged counter record; run 'kernboard verify'"));
    kb_free(&val);
    if (rc == KB_OK)
        kb_err_clear(e);
    return rc;
}

int kb_counter_ensure(kb_txn *t, const unsigned char key[KB_KEY_LEN], uint32_t min_next, kb_err *e)
{
    uint32_t next;
    uint64_t ver;
    int rc = kb_counter_peek(t, key, &next, &ver, e);
    if (rc || next >= min_next)
        return rc;
    unsigned char cnt[4];
    kb_put_u32be(cnt, min_next);
    return kb_txn_put(t, KB_T_META, key, KB_KEY_LEN, cnt, 4, ver, NULL, NULL, e);
}

int kb_counter_reserve(kb_txn *t, const unsigned char key[KB_KEY_LEN], uint32_t above,
                       uint32_t count, uint32_t *first, kb_err *e)
{
    uint32_t next;
    uint64_t ver;
    int rc = kb_counter_peek(t, key, &next, &ver, e);
    if (rc)
        return rc;
    uint64_t from = next > above ? next : (uint64_t)above + 1;
    if (from + count > UINT32_MAX)
        return kb_err_set(e, KB_EDATA, _("the import needs more numbers than the board has left"));
    *first = (uint32_t)from;
    return kb_counter_ensure(t, key, *first + count, e);
}

bool kb_board_add_needs_reason(const kb_board *b, const char *stage)
{
    /* as a move from the first stage, where a new case starts */
    const char *entry = b->nstages ? b->stages[0].code : NULL;
    return stage && kb_board_move_needs_reason(b, entry, stage);
}

int kb_case_add_reason_check(const kb_board *b, const kb_case *c, const char *reason, kb_err *e)
{
    if ((reason && reason[0]) || !kb_board_add_needs_reason(b, c->stage))
        return KB_OK;
    const kb_stage *st = kb_board_stage_find(b, c->stage);
    return kb_err_set(e, KB_EDATA, _("a new case in \"%s\" needs a reason: add --reason TEXT"),
                      st && st->name ? st->name : c->stage);
}

int kb_case_insert(kb_board *b, kb_txn *t, kb_case *c, bool keep_times, const char *reason,
                   kb_err *e)
{
    int rc;
    if (c->number == 0) {
        if ((rc = kb_counter_next(t, kb_meta_counters, &c->number, e)))
            return rc;
    } else {
        unsigned char k[KB_KEY_LEN];
        char *iname = kb_case_index_name(c->number);
        rc = kb_txn_index_get(t, iname, k, e);
        kb_free(&iname);
        if (rc == KB_OK)
            return kb_err_set(e, KB_EDATA, _("case #%u already exists on this board"), c->number);
        if (rc != KB_ENOENT)
            return rc;
        kb_err_clear(e);
        if ((rc = kb_counter_ensure(t, kb_meta_counters, c->number + 1, e)))
            return rc;
    }
    kb_new_key(c->key.b);
    if (!keep_times || !c->created)
        c->created = c->updated = kb_txn_now(t);
    if (!keep_times)
        c->moved = c->created; /* an import keeps its own (or none: created counts) */
    kb_buf enc = KB_BUF_INIT;
    kb_codec_case_encode(c, &enc);
    char *iname = kb_case_index_name(c->number);
    if ((rc = kb_put_encoded(t, KB_T_CASES, c->key.b, &enc, KB_VERSION_NEW, &c->version, NULL,
                             e)) == KB_OK &&
        (rc = kb_txn_index_put(t, iname, c->key.b, e)) == KB_OK && !keep_times) {
        kb_comment cm = {.case_number = c->number,
                         .kind = KB_ENTRY_CHANGE,
                         .author = (char *)kb_board_user(b),
                         .text = (char *)N_("case created"),
                         .reason = reason && reason[0] ? (char *)reason : NULL};
        rc = kb_timeline_put_entry(t, c->key.b, &cm, e);
    }
    kb_free(&iname);
    kb_buf_free(&enc);
    return rc;
}

int kb_board_case_add(kb_board *b, kb_case *c, kb_err *e)
{
    return kb_board_case_add_reason(b, c, NULL, e);
}

int kb_board_case_add_reason(kb_board *b, kb_case *c, const char *reason, kb_err *e)
{
    int rc = kb_require_writer(b, e);
    if (rc || (rc = kb_case_refs(b, c, e)) || (rc = kb_case_add_reason_check(b, c, reason, e)))
        return rc;
    kb_txn *t = NULL;
    if ((rc = kb_store_write(b->s, "case.add", NULL, &t, e)))
        return rc;
    c->number = 0;
    /* the owner: a user name or a unique prefix, as in an update */
    if ((!c->owner || (rc = kb_owner_resolve(t, &c->owner, e)) == KB_OK) &&
        (rc = kb_orgs_ensure(t, &c->orgs, e)) == KB_OK && /* records of its organisations */
        (rc = kb_case_insert(b, t, c, false, reason, e)) == KB_OK)
        rc = kb_txn_commit(&t, e);
    kb_txn_abort(&t);
    return rc;
}

int kb_case_read(kb_txn *t, uint32_t number, kb_case *out, kb_err *e)
{
    char *iname = kb_case_index_name(number);
    unsigned char key[KB_KEY_LEN];
    char *val = NULL;
    size_t n = 0;
    uint64_t ver = 0;
    int rc = kb_txn_index_get(t, iname, key, e);
    if (rc == KB_OK)
        rc = kb_txn_get(t, KB_T_CASES, key, KB_KEY_LEN, &val, &n, &ver, e);
    if (rc == KB_ENOENT)
        rc = kb_err_set(e, KB_ENOENT, _("no case #%u on this board"), number);
    if (rc == KB_OK)
        rc = kb_codec_case_decode(val, n, out, e);
    if (rc == KB_OK && out->number != number) {
        kb_case_free(out);
        rc = kb_err_damage(e,
                           _("index for case #%u points at another case; run "
                             "'kernboard verify'"),
                           number);
    }
    if (rc == KB_OK) {
        memcpy(out->key.b, key, KB_KEY_LEN);
        out->version = ver;
    }
    kb_free(&iname);
    kb_free(&val);
    return rc;
}

int kb_board_case_get(kb_board *b, uint32_t number, kb_case *out, kb_err *e)
{
    kb_txn *t = NULL;
    int rc = kb_store_read(b->s, &t, e);
    if (rc)
        return rc;
    rc = kb_case_read(t, number, out, e);
    kb_txn_abort(&t);
    return rc;
}

static int kb_case_num_cmp(const void *a, const void *b)
{
    const kb_case *x = a, *y = b;
    return (x->number > y->number) - (x->number < y->number);
}

static int kb_case_dec(const void *p, size_t n, void *out, kb_err *e)
{
    return kb_codec_case_decode(p, n, out, e);
}

static void kb_case_fr(void *x)
{
    kb_case_free(x);
}

const kb_collect_spec kb_case_collect = {sizeof(kb_case),
                                         offsetof(kb_case, key),
                                         offsetof(kb_case, version),
                                         kb_case_dec,
                                         kb_case_fr,
                                         NULL,
                                         NULL,
                                         kb_case_num_cmp,
                                         N_("case")};

int kb_board_case_list(kb_board *b, kb_case_vec *out, kb_err *e)
{
    void *v = NULL;
    int rc = kb_collect_all(b, KB_T_CASES, &kb_case_collect, &v, &out->n, e);
    out->v = v;
    return rc;
}

/* case list when the one-pass read hit a damaged record: read the cases
 * one by one by number (1 .. the case counter), keep the ones that read,
 * and name the damaged ones in *damaged.  Never used where a silently
 * partial list would be wrong (export). */
int kb_board_case_list_salvage(kb_board *b, kb_case_vec *out, kb_u32v *damaged, kb_strv *why,
                               kb_err *e)
{
    memset(out, 0, sizeof *out);
    kb_txn *t = NULL;
    int rc = kb_store_read(b->s, &t, e);
    if (rc)
        return rc;
    char *val = NULL;
    size_t n = 0;
    uint64_t ver = 0;
    uint32_t next = 1;
    rc = kb_txn_get(t, KB_T_META, kb_meta_counters, KB_KEY_LEN, &val, &n, &ver, e);
    if (rc == KB_OK && n == 4)
        next = kb_get_u32be((unsigned char *)val);
    kb_free(&val);
    if (rc && rc != KB_ENOENT && rc != KB_EDATA) {
        kb_txn_abort(&t);
        return rc;
    }
    rc = KB_OK;
    size_t cap = 0;
    for (uint32_t num = 1; num < next && rc == KB_OK; num++) {
        kb_case c;
        kb_case_init(&c);
        kb_err ce;
        int r = kb_case_read(t, num, &c, &ce);
        if (r == KB_OK) {
            if (out->n == cap) {
                cap = cap ? cap * 2 : 64;
                out->v = kb_reallocarray(out->v, cap, sizeof *out->v);
            }
            out->v[out->n++] = c;
        } else if (r == KB_EDATA) {
            kb_u32v_push(damaged, num);
            if (why)
                kb_strv_push(why, ce.msg);
        } else if (r != KB_ENOENT) {
            *e = ce;
            rc = r;
        }
    }
    kb_txn_abort(&t);
    if (rc)
        kb_case_vec_free(out);
    return rc;
}

void kb_case_vec_free(kb_case_vec *v)
{
    for (size_t i = 0; i < v->n; i++)
        kb_case_free(&v->v[i]);
    kb_free(&v->v);
    v->n = 0;
}

int kb_board_comment_add(kb_board *b, uint32_t number, const char *text, kb_err *e)
{
    int rc0 = kb_require_writer(b, e);
    if (rc0)
        return rc0;
    kb_txn *t = NULL;
    kb_case c;
    kb_case_init(&c);
    int rc = kb_store_write(b->s, "case.comment", NULL, &t, e);
    if (rc)
        return rc;
    if ((rc = kb_case_read(t, number, &c, e)) == KB_OK &&
        (rc = kb_timeline_put(t, c.key.b, number, KB_ENTRY_COMMENT, kb_board_user(b), text, e)) ==
            KB_OK)
        rc = kb_txn_commit(&t, e);
    kb_txn_abort(&t);
    kb_case_free(&c);
    return rc;
}

static int kb_comment_dec(const void *p, size_t n, void *out, kb_err *e)
{
    return kb_codec_comment_decode(p, n, out, e);
}

static void kb_comment_fr(void *x)
{
    kb_comment_free(x);
}

int kb_comment_cmp(const void *a, const void *b)
{
    const kb_comment *x = a, *y = b;
    int64_t tx = x->time_us ? x->time_us : x->time * 1000000;
    int64_t ty = y->time_us ? y->time_us : y->time * 1000000;
    return (tx > ty) - (tx < ty);
}

int kb_timeline_in(kb_txn *t, const kb_id *case_key, kb_comment_vec *out, kb_err *e)
{
    static const kb_collect_spec spec = {sizeof(kb_comment),
                                         offsetof(kb_comment, key),
                                         KB_NO_FIELD,
                                         kb_comment_dec,
                                         kb_comment_fr,
                                         NULL,
                                         NULL,
                                         kb_comment_cmp,
                                         N_("timeline")};
    void *v = NULL;
    out->n = 0;
    int rc = kb_collect(t, KB_T_COMMENTS, case_key->b, KB_KEY_LEN, &spec, &v, &out->n, e);
    out->v = v;
    return rc;
}

int kb_board_timeline(kb_board *b, uint32_t number, kb_comment_vec *out, kb_err *e)
{
    memset(out, 0, sizeof *out);
    kb_txn *t = NULL;
    kb_case c;
    kb_case_init(&c);
    int rc = kb_store_read(b->s, &t, e);
    if (rc)
        return rc;
    if ((rc = kb_case_read(t, number, &c, e)) == KB_OK)
        rc = kb_timeline_in(t, &c.key, out, e);
    kb_txn_abort(&t);
    kb_case_free(&c);
    return rc;
}

void kb_comment_vec_free(kb_comment_vec *v)
{
    for (size_t i = 0; i < v->n; i++)
        kb_comment_free(&v->v[i]);
    kb_free(&v->v);
    v->n = 0;
}

/* ------------------------------------------------------------ users */

int kb_board_user_add(kb_board *b, const char *name, enum kb_role role, const kb_strv *depts,
                      const kb_secret *pass, kb_err *e)
{
    if (b->me.role != KB_ROLE_ADMIN)
        return kb_err_set(e, KB_EPERM, _("only an admin may add users (you are %s)"),
                          kb_role_label(b->me.role));
    kb_user u = {.name = (char *)name, .role = role};
    if (depts)
        u.depts = *depts;
    int rc = kb_user_validate(&u, e);
    if (rc)
        return rc;
    for (size_t i = 0; depts && i < depts->n; i++)
        if (!kb_board_dept_find(b, depts->v[i]))
            return kb_err_set(e, KB_EDATA, _("unknown department '%s'"), depts->v[i]);
    kb_slot_draft *d = NULL;
    if ((rc = kb_store_slot_prepare(b->s, name, pass, b->kdf, &d, e)))
        return rc;
    kb_txn *t = NULL;
    kb_buf enc = KB_BUF_INIT;
    char *iname = kb_asprintf("user:%s", name);
    unsigned char existing[KB_KEY_LEN];
    if ((rc = kb_store_write(b->s, "user.add", NULL, &t, e)))
        goto out;
    rc = kb_txn_index_get(t, iname, existing, e);
    if (rc == KB_OK) {
        rc = kb_err_set(e, KB_EDATA, _("user %s already exists"), name);
        goto out;
    }
    if (rc != KB_ENOENT)
        goto out;
    memcpy(u.sign_pk, kb_slot_draft_pk(d), KB_SIGN_PK_LEN);
    kb_codec_user_encode(&u, &enc);
    if ((rc = kb_txn_slot_add(t, d, e)) ||
        (rc = kb_txn_put(t, KB_T_USERS, kb_slot_draft_id(d), KB_KEY_LEN, enc.data, enc.len,
                         KB_VERSION_NEW, NULL, NULL, e)) ||
        (rc = kb_txn_index_put(t, iname, kb_slot_draft_id(d), e)))
        goto out;
    rc = kb_txn_commit(&t, e);
out:
    kb_txn_abort(&t);
    kb_slot_draft_free(&d);
    kb_buf_free(&enc);
    kb_free(&iname);
    return rc;
}

static int kb_user_cmp(const void *a, const void *b)
{
    return strcmp(((const kb_user *)a)->name, ((const kb_user *)b)->name);
}

static int kb_user_dec(const void *p, size_t n, void *out, kb_err *e)
{
    return kb_codec_user_decode(p, n, out, e);
}

static void kb_user_fr(void *x)
{
    kb_user_free(x);
}

static const kb_collect_spec kb_user_collect = {sizeof(kb_user),
                                                offsetof(kb_user, key),
                                                offsetof(kb_user, version),
                                                kb_user_dec,
                                                kb_user_fr,
                                                NULL,
                                                NULL,
                                                kb_user_cmp,
                                                N_("user")};

int kb_users_in(kb_txn *t, kb_user_vec *out, kb_err *e)
{
    void *v = NULL;
    out->n = 0;
    int rc = kb_collect(t, KB_T_USERS, NULL, 0, &kb_user_collect, &v, &out->n, e);
    out->v = v;
    return rc;
}

int kb_board_user_list(kb_board *b, kb_user_vec *out, kb_err *e)
{
    void *v = NULL;
    int rc = kb_collect_all(b, KB_T_USERS, &kb_user_collect, &v, &out->n, e);
    out->v = v;
    return rc;
}

void kb_user_vec_free(kb_user_vec *v)
{
    for (size_t i = 0; i < v->n; i++)
        kb_user_free(&v->v[i]);
    kb_free(&v->v);
    v->n = 0;
}

static void kb_verify_result_of(const kb_verify_report *rep, kb_verify_result *out)
{
    memset(out, 0, sizeof *out);
    out->records = rep->records;
    out->entries = rep->entries;
    out->head_seq = rep->head_seq;
    out->incremental = rep->incremental;
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < KB_HASH_LEN; i++) {
        out->head_hex[2 * i] = hx[rep->head[i] >> 4];
        out->head_hex[2 * i + 1] = hx[rep->head[i] & 15];
    }
}

int kb_board_rekey(kb_board *b, size_t *records, kb_rekey_fn fn, void *ctx, kb_err *e)
{
    if (b->me.role != KB_ROLE_ADMIN)
        return kb_err_set(e, KB_EPERM, _("only an admin may rotate the data key"));
    int rc = kb_store_rekey(b->s, records, fn, ctx, e);
    if (rc == KB_OK)
        (void)kb_store_forget_key(b->s); /* a new key era: unlock again */
    return rc;
}

int kb_board_restore(kb_board *b, const char *backup, kb_restore_result *out, kb_err *e)
{
    memset(out, 0, sizeof *out);
    if (b->me.role != KB_ROLE_ADMIN)
        return kb_err_set(e, KB_EPERM, _("only an admin may restore a backup over the board"));
    kb_restore_report rep;
    int rc = kb_store_restore(b->s, backup, &rep, e);
    out->backup_seq = rep.backup_seq;
    out->replaced_seq = rep.replaced_seq;
    out->discarded = rep.discarded;
    out->head_seq = rep.head_seq;
    out->records = rep.records;
    return rc;
}

int kb_board_restore_new(const char *backup, const char *board, kb_err *e)
{
    return kb_store_restore_new(backup, board, e);
}

int kb_board_backup(kb_board *b, const char *dest, kb_verify_result *out, kb_err *e)
{
    kb_verify_report rep;
    memset(&rep, 0, sizeof rep);
    int rc = kb_store_backup(b->s, dest, &rep, e);
    kb_verify_result_of(&rep, out);
    return rc;
}

int kb_board_verify(kb_board *b, kb_verify_result *out, kb_err *e)
{
    kb_verify_report rep;
    memset(&rep, 0, sizeof rep);
    int rc = kb_store_verify(b->s, &rep, e);
    kb_verify_result_of(&rep, out);
    return rc;
}

int kb_board_verify_ex(kb_board *b, const kb_verify_opts *o, kb_verify_result *out, kb_err *e)
{
    kb_verify_report rep;
    memset(&rep, 0, sizeof rep);
    int rc = kb_store_verify_ex(b->s, o, &rep, e);
    kb_verify_result_of(&rep, out);
    kb_stage_info si;
    kb_err e2;
    if (rc == KB_OK && kb_store_stage_info(b->s, &si, &e2) == KB_OK && si.present) {
        out->staged = si.records;
        out->staged_alive = si.alive;
    }
    return rc;
}

/* ------------------------------------------------------------ user admin */

static int kb_user_lookup(kb_txn *t, const char *name, unsigned char id[KB_KEY_LEN], kb_user *u,
                          uint64_t *ver, kb_err *e)
{
    char *iname = kb_asprintf("user:%s", name);
    char *val = NULL;
    size_t n = 0;
    int rc = kb_txn_index_get(t, iname, id, e);
    if (rc == KB_ENOENT)
        rc = kb_err_set(e, KB_ENOENT, _("no user %s on this board"), name);
    if (rc == KB_OK)
        rc = kb_txn_get(t, KB_T_USERS, id, KB_KEY_LEN, &val, &n, ver, e);
    if (rc == KB_OK)
        rc = kb_codec_user_decode(val, n, u, e);
    kb_free(&val);
    kb_free(&iname);
    return rc;
}

int kb_board_user_remove(kb_board *b, const char *name, kb_err *e)
{
    if (b->me.role != KB_ROLE_ADMIN)
        return kb_err_set(e, KB_EPERM, _("only an admin may remove users"));
    if (strcmp(name, kb_board_user(b)) == 0)
        return kb_err_set(e, KB_EPERM, _("you cannot remove yourself; ask another admin"));
    kb_txn *t = NULL;
    kb_user u;
    memset(&u, 0, sizeof u);
    unsigned char id[KB_KEY_LEN];
    uint64_t ver = 0;
    char *iname = kb_asprintf("user:%s", name);
    int rc = kb_store_write(b->s, "user.remove", NULL, &t, e);
    if (rc)
        goto out;
    if ((rc = kb_user_lookup(t, name, id, &u, &ver, e)) || (rc = kb_txn_slot_remove(t, id, e)) ||
        (rc = kb_txn_del(t, KB_T_USERS, id, KB_KEY_LEN, ver, NULL, e)) ||
        (rc = kb_txn_index_del(t, iname, e)) || (rc = kb_views_personal_drop(t, name, e)))
        goto out;
    rc = kb_txn_commit(&t, e);
out:
    kb_txn_abort(&t);
    kb_user_free(&u);
    kb_free(&iname);
    return rc;
}

int kb_board_user_passwd(kb_board *b, const char *name, const kb_secret *pass, kb_err *e)
{
    bool self = strcmp(name, kb_board_user(b)) == 0;
    if (!self && b->me.role != KB_ROLE_ADMIN)
        return kb_err_set(e, KB_EPERM, _("only an admin may reset another user's passphrase"));
    kb_slot_draft *d = NULL;
    int rc = kb_store_slot_prepare(b->s, name, pass, b->kdf, &d, e);
    if (rc)
        return rc;
    kb_txn *t = NULL;
    kb_user u;
    memset(&u, 0, sizeof u);
    unsigned char id[KB_KEY_LEN];
    uint64_t ver = 0;
    kb_buf enc = KB_BUF_INIT;
    char *iname = kb_asprintf("user:%s", name);
    if ((rc = kb_store_write(b->s, self ? "user.passwd" : "user.reset", NULL, &t, e)) ||
        (rc = kb_user_lookup(t, name, id, &u, &ver, e)))
        goto out;
    if (self) {
        rc = kb_txn_slot_replace(t, d, e);
    } else {
        /* a new identity: new key pair and slot; the old slot goes */
        memcpy(u.sign_pk, kb_slot_draft_pk(d), KB_SIGN_PK_LEN);
        kb_codec_user_encode(&u, &enc);
        if ((rc = kb_txn_slot_remove(t, id, e)) ||
            (rc = kb_txn_del(t, KB_T_USERS, id, KB_KEY_LEN, ver, NULL, e)) ||
            (rc = kb_txn_slot_add(t, d, e)))
            goto out;
        rc = kb_txn_put(t, KB_T_USERS, kb_slot_draft_id(d), KB_KEY_LEN, enc.data, enc.len,
                        KB_VERSION_NEW, NULL, NULL, e);
        if (rc == KB_OK)
            rc = kb_txn_index_put(t, iname, kb_slot_draft_id(d), e);
    }
    if (rc == KB_OK)
        rc = kb_txn_commit(&t, e);
    if (rc == KB_OK && self)
        (void)kb_store_forget_key(b->s); /* the kept key opened the old keyslot */
out:
    kb_txn_abort(&t);
    kb_slot_draft_free(&d);
    kb_user_free(&u);
    kb_buf_free(&enc);
    kb_free(&iname);
    return rc;
}

/* ------------------------------------------------------------ stats */

static int kb_count_stage(void *ctx, const unsigned char *key, size_t klen, const char *val,
                          size_t vlen, uint64_t version)
{
    (void)key;
    (void)klen;
    (void)version;
    void **c = ctx;
    const kb_board *b = c[0];
    kb_board_stats *st = c[1];
    kb_case cs;
    if (kb_codec_case_decode(val, vlen, &cs, NULL))
        return KB_EDATA;
    for (size_t i = 0; i < b->nstages && i < 32; i++)
        if (cs.stage && strcmp(b->stages[i].code, cs.stage) == 0)
            st->cases_per_stage[i]++;
    kb_case_free(&cs);
    return 0;
}

int kb_board_stats_get(kb_board *b, kb_board_stats *out, kb_err *e)
{
    memset(out, 0, sizeof *out);
    kb_txn *t = NULL;
    int rc = kb_store_read(b->s, &t, e);
    if (rc)
        return rc;
    struct {
        enum kb_table t;
        size_t *n;
    } tabs[] = {{KB_T_CASES, &out->cases},     {KB_T_COMMENTS, &out->comments},
                {KB_T_USERS, &out->users},     {KB_T_DEPTS, &out->depts},
                {KB_T_STAGES, &out->stages},   {KB_T_LINES, &out->lines},
                {KB_T_ACTIONS, &out->actions}, {KB_T_LINKS, &out->links},
                {KB_T_LEASES, &out->leases}};
    for (size_t i = 0; i < sizeof tabs / sizeof tabs[0] && !rc; i++)
        rc = kb_txn_count(t, tabs[i].t, tabs[i].n, e);
    out->audit_entries = kb_txn_audit_seq(t);
    void *ctx[2] = {b, out};
    if (!rc)
        rc = kb_txn_each(t, KB_T_CASES, NULL, 0, kb_count_stage, ctx, e);
    kb_txn_abort(&t);
    if (rc == KB_EDATA && (!e || !e->msg[0])) /* a case that does not decode */
        return kb_err_damage(e, _("a %s record is damaged; run 'kernboard verify'"), _("case"));
    if (rc)
        return rc;
    kb_action_vec av;
    if ((rc = kb_board_action_list(b, 0, &av, e)))
        return rc;
    kb_date today = kb_date_today();
    for (size_t i = 0; i < av.n; i++)
        out->overdue_actions += kb_action_item_overdue(&av.v[i], today);
    kb_action_vec_free(&av);
    kb_session *ss = NULL;
    if ((rc = kb_board_sessions(b, &ss, &out->sessions, e)) == KB_OK)
        kb_free(&ss);
    return rc;
}

typedef struct kb_doctor_relay {
    kb_check_fn fn;
    void *ctx;
} kb_doctor_relay;

static void kb_doctor_forward(void *ctx, enum kb_doctor_level lvl, const char *msg)
{
    kb_doctor_relay *r = ctx;
    r->fn(r->ctx,
          lvl == KB_DOCTOR_PROBLEM   ? KB_CHECK_PROBLEM
          : lvl == KB_DOCTOR_WARNING ? KB_CHECK_WARNING
                                     : KB_CHECK_OK,
          msg);
}

int kb_board_doctor(const char *path, kb_check_fn fn, void *ctx, int *problems, kb_err *e)
{
    kb_doctor_relay r = {fn, ctx};
    return kb_store_doctor(path, kb_doctor_forward, &r, problems, e);
}

int kb_board_repair_lock(const char *path, int *outcome, uint64_t *generation, kb_err *e)
{
    return kb_store_repair_lock(path, outcome, generation, e);
}
