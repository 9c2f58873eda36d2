/* items.c - reference data (departments, stages, action lines), action
 * items and case links. */
#include "core_internal.h"
#include "kernboard/codec.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <stdlib.h>
#include <stddef.h>
#include <string.h>

static int kb_require_broker(const kb_board *b, const char *what, kb_err *e)
{
    if (b->me.role < KB_ROLE_BROKER)
        return kb_err_set(e, KB_EPERM, _("only a broker or admin may change %s (you are %s)"), what,
                          kb_role_label(b->me.role));
    return KB_OK;
}

/* Write one encoded reference record (new or replacing key at version). */
static int kb_ref_write(kb_board *b, const char *action, enum kb_table tbl, const kb_id *key,
                        uint64_t version, kb_buf *enc, kb_err *e)
{
    kb_txn *t = NULL;
    int rc = kb_store_write(b->s, action, NULL, &t, e);
    if (rc)
        return rc;
    if ((rc = kb_txn_put(t, tbl, key->b, KB_KEY_LEN, enc->data, enc->len, version, NULL, NULL,
                         e)) == KB_OK)
        rc = kb_txn_commit(&t, e);
    kb_txn_abort(&t);
    if (rc == KB_ECONFLICT)
        kb_err_set(e, KB_ECONFLICT, _("someone else changed it at the same time; try again"));
    if (rc == KB_OK)
        rc = kb_refs_load(b, e);
    return rc;
}

/* A department's colour: unset, or a known colour name; a colour stored
 * before it was checked may stay as it is. */
static int kb_dept_colour_ok(const kb_dept *d, const kb_dept *old, kb_err *e)
{
    if (!d->colour || (old && old->colour && strcmp(old->colour, d->colour) == 0))
        return KB_OK;
    return kb_colour_check(d->colour, e);
}

/* The rule itself (kb_ref_unique) is declared in core_internal.h: the
 * commands below and an import (transfer.c) apply the same one. */
int kb_ref_unique(const void *v, size_t n, size_t size, size_t code_off, size_t name_off,
                  const void *self, const char *code, const char *name, const char *list, kb_err *e)
{
    for (size_t i = 0; i < n; i++) {
        const char *base = (const char *)v + i * size;
        if (base == self)
            continue;
        const char *oc = *(char *const *)(base + code_off), *on = *(char *const *)(base + name_off);
        if (name && (kb_fold_eq(name, on) || kb_fold_eq(name, oc)))
            return kb_err_set(e, KB_EDATA,
                              _("the name '%s' is already used by %s (%s); choose another name "
                                "(see 'kernboard %s list')"),
                              name, oc, on, list);
        if (code && kb_fold_eq(code, on))
            return kb_err_set(e, KB_EDATA,
                              _("the code '%s' is already the name of %s (%s); choose another code "
                                "(see 'kernboard %s list')"),
                              code, oc, on, list);
    }
    return KB_OK;
}

int kb_board_dept_add(kb_board *b, const kb_dept *d, kb_err *e)
{
    int rc = kb_require_broker(b, _("departments"), e);
    if (rc || (rc = kb_dept_validate(d, e)) || (rc = kb_dept_colour_ok(d, NULL, e)))
        return rc;
    if (kb_board_dept_find(b, d->code))
        return kb_err_set(e, KB_EDATA, _("department %s already exists"), d->code);
    if ((rc = KB_REF_UNIQUE(b->depts, b->ndepts, kb_dept, NULL, d->code, d->name, "dept", e)))
        return rc;
    kb_dept nd = *d;
    kb_store_random(nd.key.b, KB_ID_LEN);
    kb_buf enc = KB_BUF_INIT;
    kb_codec_dept_encode(&nd, &enc);
    rc = kb_ref_write(b, "dept.add", KB_T_DEPTS, &nd.key, KB_VERSION_NEW, &enc, e);
    kb_buf_free(&enc);
    return rc;
}

int kb_board_dept_edit(kb_board *b, const kb_dept *d, kb_err *e)
{
    int rc = kb_require_broker(b, _("departments"), e);
    if (rc)
        return rc;
    /* an unknown department first, whatever else is wrong */
    const kb_dept *old = kb_board_dept_find(b, d->code);
    if (!old)
        return kb_err_set(e, KB_ENOENT, _("no department %s (see 'kernboard dept list')"), d->code);
    if ((rc = kb_dept_validate(d, e)) || (rc = kb_dept_colour_ok(d, old, e)) ||
        (rc = KB_REF_UNIQUE(b->depts, b->ndepts, kb_dept, old, NULL, d->name, "dept", e)))
        return rc;
    kb_dept nd = *d;
    nd.code = old->code; /* codes are stable: keep the stored spelling */
    kb_buf enc = KB_BUF_INIT;
    kb_codec_dept_encode(&nd, &enc);
    kb_id key = old->key;
    rc = kb_ref_write(b, "dept.edit", KB_T_DEPTS, &key, old->version, &enc, e);
    kb_buf_free(&enc);
    return rc;
}

static int kb_stage_depts_ok(const kb_board *b, const kb_stage *s, kb_err *e)
{
    for (size_t i = 0; i < s->dept_wip.n; i++) {
        char *code = kb_strndup(s->dept_wip.v[i], strcspn(s->dept_wip.v[i], "="));
        bool ok = kb_board_dept_find(b, code) != NULL;
        int rc = ok ? KB_OK : kb_err_set(e, KB_EDATA, _("unknown department '%s'"), code);
        kb_free(&code);
        if (rc)
            return rc;
    }
    return KB_OK;
}

/* Write a stage (new, or old replaced) at column place pos (1-based) and
 * number every stage 1..N in that order, in one write transaction: the
 * stages from pos on move one place right (or left, when a stage moves
 * towards the end).  Positions are places, never ties. */
static int kb_stage_place(kb_board *b, const char *action, const kb_stage *ns, const kb_stage *old,
                          size_t pos, kb_err *e)
{
    size_t n = 0;
    const kb_stage **order = kb_reallocarray(NULL, b->nstages + 1, sizeof *order);
    for (size_t i = 0; i < b->nstages; i++)
        if (&b->stages[i] != old)
            order[n++] = &b->stages[i];
    memmove(order + pos, order + pos - 1, (n - (pos - 1)) * sizeof *order);
    order[pos - 1] = ns;
    n++;
    kb_txn *t = NULL;
    kb_buf enc = KB_BUF_INIT;
    int rc = kb_store_write(b->s, action, NULL, &t, e);
    for (size_t i = 0; rc == KB_OK && i < n; i++) {
        const kb_stage *s = order[i];
        int want = (int)i + 1;
        if (s != ns && s->position == want)
            continue;
        kb_stage w = *s;
        w.position = want;
        uint64_t ver = s != ns ? s->version : old ? old->version : KB_VERSION_NEW;
        kb_buf_clear(&enc);
        kb_codec_stage_encode(&w, &enc);
        rc = kb_txn_put(t, KB_T_STAGES, w.key.b, KB_KEY_LEN, enc.data, enc.len, ver, NULL, NULL, e);
    }
    if (rc == KB_OK)
        rc = kb_txn_commit(&t, e);
    kb_txn_abort(&t);
    kb_buf_free(&enc);
    kb_free(&order);
    if (rc == KB_ECONFLICT)
        kb_err_set(e, KB_ECONFLICT, _("someone else changed it at the same time; try again"));
    if (rc == KB_OK)
        rc = kb_refs_load(b, e);
    return rc;
}

/* The column place a stage's position asks for: 1..max (max: N+1 for a
 * new stage, N for one that moves). */
static int kb_stage_pos_ok(int pos, size_t max, kb_err *e)
{
    if (pos < 1 || (size_t)pos > max)
        return kb_err_set(e, KB_EDATA,
                          _("position %d is not a column of the board: give 1 to %zu (the place "
                            "among the stages, 1 = first column; the last column is the stage "
                            "that counts as finished)"),
                          pos, max);
    return KB_OK;
}

int kb_board_stage_add(kb_board *b, const kb_stage *s, kb_err *e)
{
    int rc = kb_require_broker(b, _("stages"), e);
    if (rc || (rc = kb_stage_validate(s, e)) || (rc = kb_stage_depts_ok(b, s, e)))
        return rc;
    if (kb_board_stage_find(b, s->code))
        return kb_err_set(e, KB_EDATA, _("stage %s already exists"), s->code);
    if ((rc = KB_REF_UNIQUE(b->stages, b->nstages, kb_stage, NULL, s->code, s->name, "stage", e)))
        return rc;
    kb_stage ns = *s;
    if (ns.position <= 0) /* no place given: after the last stage */
        ns.position = (int)b->nstages + 1;
    else if ((rc = kb_stage_pos_ok(ns.position, b->nstages + 1, e)))
        return rc;
    kb_store_random(ns.key.b, KB_ID_LEN);
    return kb_stage_place(b, "stage.add", &ns, NULL, (size_t)ns.position, e);
}

int kb_board_stage_edit(kb_board *b, const kb_stage *s, kb_err *e)
{
    int rc = kb_require_broker(b, _("stages"), e);
    if (rc)
        return rc;
    const kb_stage *old = NULL; /* an unknown stage first, whatever else is wrong */
    for (size_t i = 0; i < b->nstages; i++)
        if (kb_str_ieq(b->stages[i].code, s->code))
            old = &b->stages[i];
    if (!old)
        return kb_err_set(e, KB_ENOENT, _("no stage %s (see 'kernboard stage list')"), s->code);
    if ((rc = kb_stage_validate(s, e)) || (rc = kb_stage_depts_ok(b, s, e)) ||
        (rc = KB_REF_UNIQUE(b->stages, b->nstages, kb_stage, old, NULL, s->name, "stage", e)))
        return rc;
    kb_stage ns = *s;
    ns.code = old->code;
    ns.key = old->key;
    if (s->position != old->position) { /* a move to another column */
        if ((rc = kb_stage_pos_ok(s->position, b->nstages, e)))
            return rc;
        return kb_stage_place(b, "stage.edit", &ns, old, (size_t)s->position, e);
    }
    kb_buf enc = KB_BUF_INIT;
    kb_codec_stage_encode(&ns, &enc);
    kb_id key = old->key;
    rc = kb_ref_write(b, "stage.edit", KB_T_STAGES, &key, old->version, &enc, e);
    kb_buf_free(&enc);
    return rc;
}

int kb_board_line_add(kb_board *b, const kb_line *l, kb_err *e)
{
    int rc = kb_require_broker(b, _("action lines"), e);
    if (rc || (rc = kb_line_validate(l, e)))
        return rc;
    if (kb_board_line_find(b, l->code))
        return kb_err_set(e, KB_EDATA, _("action line %s already exists"), l->code);
    if ((rc = KB_REF_UNIQUE(b->lines, b->nlines, kb_line, NULL, l->code, l->name, "line", e)))
        return rc;
    kb_line nl = *l;
    kb_store_random(nl.key.b, KB_ID_LEN);
    kb_buf enc = KB_BUF_INIT;
    kb_codec_line_encode(&nl, &enc);
    rc = kb_ref_write(b, "line.add", KB_T_LINES, &nl.key, KB_VERSION_NEW, &enc, e);
    kb_buf_free(&enc);
    return rc;
}

int kb_board_line_edit(kb_board *b, const kb_line *l, kb_err *e)
{
    int rc = kb_require_broker(b, _("action lines"), e);
    if (rc)
        return rc;
    const kb_line *old = NULL; /* an unknown action line first, whatever else is wrong */
    for (size_t i = 0; i < b->nlines; i++)
        if (kb_str_ieq(b->lines[i].code, l->code))
            old = &b->lines[i];
    if (!old)
        return kb_err_set(e, KB_ENOENT, _("no action line %s (see 'kernboard line list')"),
                          l->code);
    if ((rc = kb_line_validate(l, e)) ||
        (rc = KB_REF_UNIQUE(b->lines, b->nlines, kb_line, old, NULL, l->name, "line", e)))
        return rc;
    kb_line nl = *l;
    nl.code = old->code;
    kb_buf enc = KB_BUF_INIT;
    kb_codec_line_encode(&nl, &enc);
    kb_id key = old->key;
    rc = kb_ref_write(b, "line.edit", KB_T_LINES, &key, old->version, &enc, e);
    kb_buf_free(&enc);
    return rc;
}

/* ------------------------------------------------------------ action items */

static char *kb_action_index_name(uint32_t number)
{
    return kb_asprintf("action#%u", number);
}

int kb_action_insert(kb_txn *t, kb_action_item *a, const kb_id *case_key, kb_err *e)
{
    int rc;
    if (a->number == 0 && (rc = kb_counter_next(t, kb_meta_action_counter, &a->number, e)))
        return rc;
    kb_store_random(a->key.b, KB_ID_LEN);
    if (!a->created)
        a->created = kb_txn_now(t);
    kb_buf enc = KB_BUF_INIT;
    kb_codec_action_encode(a, &enc);
    char *iname = kb_action_index_name(a->number);
    if ((rc = kb_txn_put(t, KB_T_ACTIONS, a->key.b, KB_KEY_LEN, enc.data, enc.len, KB_VERSION_NEW,
                         &a->version, NULL, e)) == KB_OK &&
        (rc = kb_txn_index_put(t, iname, a->key.b, e)) == KB_OK)
        rc = kb_rel_put(t, case_key, KB_REL_ACTION, &a->key, e);
    kb_free(&iname);
    kb_buf_free(&enc);
    return rc;
}

/* The owner as a user name: exact, or a unique prefix of one. */
int kb_owner_resolve(kb_txn *t, char **owner, kb_err *e)
{
    char *iname = kb_asprintf("user:%s", *owner);
    unsigned char uk[KB_KEY_LEN];
    int rc = kb_txn_index_get(t, iname, uk, e);
    kb_free(&iname);
    if (rc != KB_ENOENT)
        return rc;
    kb_err_clear(e);
    kb_user_vec v = {0};
    const kb_user *u = NULL;
    if ((rc = kb_users_in(t, &v, e)) == KB_OK) {
        rc = kb_resolve_user(v.v, v.n, *owner, &u, e);
        if (rc == KB_OK) {
            kb_free(owner);
            *owner = kb_strdup(u->name);
        } else if (rc == KB_ENOENT) {
            rc = kb_err_set(e, KB_EDATA, _("no user %s on this board (see 'kernboard user list')"),
                            *owner);
        }
    }
    kb_user_vec_free(&v);
    return rc;
}

/* An action item's owner closes it: a viewer may not change the board,
 * so cannot own one (KB_EDATA, before anything is written). */
static int kb_action_owner_check(kb_txn *t, const char *owner, kb_err *e)
{
    kb_user_vec v = {0};
    int rc = kb_users_in(t, &v, e);
    for (size_t i = 0; rc == KB_OK && i < v.n; i++)
        if (strcmp(v.v[i].name, owner) == 0 && !kb_role_can_write(v.v[i].role))
            rc = kb_err_set(e, KB_EDATA,
                            _("user %s is a viewer and cannot close action items: give it to a "
                              "member (see 'kernboard user list')"),
                            owner);
    kb_user_vec_free(&v);
    return rc;
}

int kb_action_add_in(kb_board *b, kb_txn *t, const kb_case *c, kb_action_item *a, kb_err *e)
{
    int rc;
    a->case_number = c->number;
    if ((rc = kb_owner_resolve(t, &a->owner, e)) || (rc = kb_action_owner_check(t, a->owner, e)))
        return rc;
    a->number = 0;
    a->created = 0;
    if ((rc = kb_action_insert(t, a, &c->key, e)))
        return rc;
    /* neutral "label: ..." form, see kb_timeline_localize() */
    char *text = kb_asprintf("%s: A%u (%s) %s", N_("action item"), a->number, a->owner, a->text);
    rc = kb_timeline_put(t, c->key.b, c->number, KB_ENTRY_CHANGE, kb_board_user(b), text, e);
    kb_free(&text);
    return rc;
}

int kb_board_action_add(kb_board *b, kb_action_item *a, kb_err *e)
{
    int rc = kb_require_writer(b, e);
    if (rc || (rc = kb_action_item_validate(a, e)))
        return rc;
    kb_txn *t = NULL;
    kb_case c;
    kb_case_init(&c);
    if ((rc = kb_store_write(b->s, "action.add", NULL, &t, e)))
        return rc;
    if ((rc = kb_case_read(t, a->case_number, &c, e)) == KB_OK &&
        (rc = kb_action_add_in(b, t, &c, a, e)) == KB_OK)
        rc = kb_txn_commit(&t, e);
    kb_txn_abort(&t);
    kb_case_free(&c);
    return rc;
}

int kb_board_action_done(kb_board *b, uint32_t number, bool done, kb_err *e)
{
    return kb_board_action_set_done(b, number, done, NULL, NULL, e);
}

int kb_board_action_set_done(kb_board *b, uint32_t number, bool done, bool *changed,
                             kb_action_item *out, kb_err *e)
{
    if (changed)
        *changed = false;
    int rc = kb_require_writer(b, e);
    if (rc)
        return rc;
    kb_txn *t = NULL;
    if ((rc = kb_store_write(b->s, done ? "action.done" : "action.reopen", NULL, &t, e)))
        return rc;
    char *iname = kb_action_index_name(number);
    unsigned char key[KB_KEY_LEN];
    char *val = NULL;
    size_t n = 0;
    uint64_t ver = 0;
    kb_action_item a;
    kb_action_item_init(&a);
    kb_buf enc = KB_BUF_INIT;
    rc = kb_txn_index_get(t, iname, key, e);
    if (rc == KB_OK)
        rc = kb_txn_get(t, KB_T_ACTIONS, key, KB_KEY_LEN, &val, &n, &ver, e);
    if (rc == KB_ENOENT)
        rc =
            kb_err_set(e, KB_ENOENT, _("no action item A%u (see 'kernboard action list')"), number);
    if (rc == KB_OK)
        rc = kb_codec_action_decode(val, n, &a, e);
    if (rc == KB_OK && a.done != done) {
        a.done = done;
        kb_codec_action_encode(&a, &enc);
        if ((rc = kb_txn_put(t, KB_T_ACTIONS, key, KB_KEY_LEN, enc.data, enc.len, ver, NULL, NULL,
                             e)) == KB_OK)
            rc = kb_txn_commit(&t, e);
        if (rc == KB_OK && changed)
            *changed = true;
    }
    kb_txn_abort(&t);
    if (rc == KB_OK && out) {
        kb_action_item_free(out);
        *out = a;
        kb_action_item_init(&a);
    }
    kb_action_item_free(&a);
    kb_buf_free(&enc);
    kb_free(&val);
    kb_free(&iname);
    return rc;
}

static bool kb_action_keep(const void *item, const void *ctx)
{
    const uint32_t *cn = ctx;
    return *cn == 0 || ((const kb_action_item *)item)->case_number == *cn;
}

static int kb_action_cmp(const void *a, const void *b)
{
    const kb_action_item *x = a, *y = b;
    return (x->number > y->number) - (x->number < y->number);
}

static int kb_action_dec(const void *p, size_t n, void *out, kb_err *e)
{
    return kb_codec_action_decode(p, n, out, e);
}

static void kb_action_fr(void *a)
{
    kb_action_item_free(a);
}

int kb_board_action_list(kb_board *b, uint32_t case_number, kb_action_vec *out, kb_err *e)
{
    return kb_action_list_in(NULL, b, case_number, out, e);
}

int kb_action_list_in(kb_txn *t, kb_board *b, uint32_t case_number, kb_action_vec *out, kb_err *e)
{
    kb_collect_spec spec = {sizeof(kb_action_item),
                            offsetof(kb_action_item, key),
                            offsetof(kb_action_item, version),
                            kb_action_dec,
                            kb_action_fr,
                            kb_action_keep,
                            &case_number,
                            kb_action_cmp,
                            N_("action item")};
    void *v = NULL;
    int rc =
        t ? kb_collect_case(t, case_number, KB_REL_ACTION, KB_T_ACTIONS, &spec, &v, &out->n, e)
          : kb_collect_case_all(b, case_number, KB_REL_ACTION, KB_T_ACTIONS, &spec, &v, &out->n, e);
    out->v = v;
    return rc;
}

int kb_actions_in(kb_txn *t, const kb_id *case_key, kb_action_vec *out, kb_err *e)
{
    uint32_t any = 0;
    kb_collect_spec spec = {sizeof(kb_action_item),
                            offsetof(kb_action_item, key),
                            offsetof(kb_action_item, version),
                            kb_action_dec,
                            kb_action_fr,
                            kb_action_keep,
                            &any,
                            kb_action_cmp,
                            N_("action item")};
    void *v = NULL;
    out->n = 0;
    int rc = kb_rel_collect(t, case_key, KB_REL_ACTION, KB_T_ACTIONS, &spec, &v, &out->n, e);
    out->v = v;
    return rc;
}

void kb_action_vec_free(kb_action_vec *v)
{
    for (size_t i = 0; i < v->n; i++)
        kb_action_item_free(&v->v[i]);
    kb_free(&v->v);
    v->n = 0;
}

/* ------------------------------------------------------------ links */

int kb_link_insert(kb_txn *t, kb_link *l, const kb_id *from_key, const kb_id *to_key, kb_err *e)
{
    kb_store_random(l->key.b, KB_ID_LEN);
    kb_buf enc = KB_BUF_INIT;
    kb_codec_link_encode(l, &enc);
    int rc = kb_txn_put(t, KB_T_LINKS, l->key.b, KB_KEY_LEN, enc.data, enc.len, KB_VERSION_NEW,
                        &l->version, NULL, e);
    kb_buf_free(&enc);
    /* found from either end */
    if (rc == KB_OK)
        rc = kb_rel_put(t, from_key, KB_REL_LINK, &l->key, e);
    if (rc == KB_OK)
        rc = kb_rel_put(t, to_key, KB_REL_LINK, &l->key, e);
    return rc;
}

static int kb_link_cmp(const void *a, const void *b)
{
    const kb_link *x = a, *y = b;
    if (x->from != y->from)
        return (x->from > y->from) - (x->from < y->from);
    if (x->to != y->to)
        return (x->to > y->to) - (x->to < y->to);
    return ((int)x->kind > (int)y->kind) - ((int)x->kind < (int)y->kind);
}

static bool kb_link_keep(const void *item, const void *ctx)
{
    const kb_link *l = item;
    const uint32_t *cn = ctx;
    return *cn == 0 || l->from == *cn || l->to == *cn;
}

static int kb_link_dec(const void *p, size_t n, void *out, kb_err *e)
{
    return kb_codec_link_decode(p, n, out, e);
}

static void kb_link_fr(void *l)
{
    (void)l; /* links own no memory */
}

int kb_links_of(kb_txn *t, const kb_id *case_key, kb_link_vec *out, kb_err *e)
{
    uint32_t any = 0;
    kb_collect_spec spec = {sizeof(kb_link),
                            offsetof(kb_link, key),
                            offsetof(kb_link, version),
                            kb_link_dec,
                            kb_link_fr,
                            kb_link_keep,
                            &any,
                            kb_link_cmp,
                            N_("link")};
    void *v = NULL;
    out->n = 0;
    int rc = kb_rel_collect(t, case_key, KB_REL_LINK, KB_T_LINKS, &spec, &v, &out->n, e);
    out->v = v;
    return rc;
}

/* Links touching case_number (0 = all) inside t. */
int kb_links_in(kb_txn *t, uint32_t case_number, kb_link_vec *out, kb_err *e)
{
    kb_collect_spec spec = {sizeof(kb_link),
                            offsetof(kb_link, key),
                            offsetof(kb_link, version),
                            kb_link_dec,
                            kb_link_fr,
                            kb_link_keep,
                            &case_number,
                            kb_link_cmp,
                            N_("link")};
    void *v = NULL;
    int rc = kb_collect_case(t, case_number, KB_REL_LINK, KB_T_LINKS, &spec, &v, &out->n, e);
    out->v = v;
    return rc;
}

/* "#45 is already a duplicate of #7": what an existing link says. */
static char *kb_link_sentence(const kb_link *l)
{
    switch (l->kind) {
    case KB_LINK_DUPLICATE:
        return kb_asprintf(_("#%u is already a duplicate of #%u"), l->from, l->to);
    case KB_LINK_BLOCKS:
        return kb_asprintf(_("#%u already blocks #%u"), l->from, l->to);
    case KB_LINK_RELATED:
        break;
    }
    return kb_asprintf(_("#%u is already related to #%u"), l->from, l->to);
}

/* The links of case n in transaction t: the rule's source for a change
 * made on the board (kb_link_src). */
static int kb_link_src_txn(void *ctx, uint32_t n, kb_link_vec *out, kb_err *e)
{
    return kb_links_in(ctx, n, out, e);
}

/* A set of case numbers (open addressing; 0 is never a case), so that a
 * search through many links stays linear. */
typedef struct kb_numset {
    uint32_t *v;
    size_t n, mask;
} kb_numset;

static bool kb_numset_add(kb_numset *s, uint32_t x)
{
    if (!s->v || (s->n + 1) * 2 > s->mask + 1) {
        size_t cap = s->v ? (s->mask + 1) * 2 : 16;
        uint32_t *old = s->v;
        size_t oldcap = s->v ? s->mask + 1 : 0;
        s->v = kb_calloc(cap, sizeof *s->v);
        s->mask = cap - 1;
        s->n = 0;
        for (size_t i = 0; i < oldcap; i++)
            if (old[i])
                (void)kb_numset_add(s, old[i]);
        kb_free(&old);
    }
    size_t i = (size_t)(x * 2654435761u) & s->mask;
    while (s->v[i] && s->v[i] != x)
        i = (i + 1) & s->mask;
    if (s->v[i])
        return false;
    s->v[i] = x;
    s->n++;
    return true;
}

/* Does a path of links of kind (duplicate of, blocks: they have a
 * direction) lead from case start to case goal?  Breadth first, through
 * each case's own links as src lists them; *via (may stay NULL) gets the
 * path as "#a, #b" between start and goal.  KB_OK with *found. */
static int kb_link_path(const kb_link_src *src, uint32_t start, uint32_t goal,
                        enum kb_link_kind kind, bool *found, char **via, kb_err *e)
{
    *found = false;
    *via = NULL;
    /* queue of visited cases, with the index of the case each came from */
    uint32_t *node = kb_calloc(1, sizeof *node);
    size_t *prev = kb_calloc(1, sizeof *prev);
    size_t n = 1, head = 0;
    kb_numset seen = {0};
    node[0] = start;
    prev[0] = SIZE_MAX;
    (void)kb_numset_add(&seen, start);
    int rc = KB_OK;
    while (rc == KB_OK && head < n && !*found) {
        kb_link_vec lv = {0};
        size_t at = head++;
        if ((rc = src->links_of(src->ctx, node[at], &lv, e)))
            break;
        for (size_t i = 0; i < lv.n && !*found; i++) {
            const kb_link *l = &lv.v[i];
            if (l->kind != kind || l->from != node[at] || !kb_numset_add(&seen, l->to))
                continue;
            node = kb_reallocarray(node, n + 1, sizeof *node);
            prev = kb_reallocarray(prev, n + 1, sizeof *prev);
            node[n] = l->to;
            prev[n] = at;
            if (l->to == goal) {
                *found = true;
                /* the cases between start and goal, in path order */
                kb_buf b = KB_BUF_INIT;
                size_t cnt = 0;
                for (size_t k = prev[n]; k != SIZE_MAX && prev[k] != SIZE_MAX; k = prev[k])
                    cnt++;
                size_t *order = kb_calloc(cnt ? cnt : 1, sizeof *order);
                size_t j = cnt;
                for (size_t k = prev[n]; k != SIZE_MAX && prev[k] != SIZE_MAX; k = prev[k])
                    order[--j] = k;
                for (j = 0; j < cnt; j++)
                    kb_buf_printf(&b, "%s#%u", j ? ", " : "", node[order[j]]);
                kb_free(&order);
                *via = b.data ? kb_buf_take(&b) : NULL;
            }
            n++;
        }
        kb_link_vec_free(&lv);
    }
    kb_free(&node);
    kb_free(&prev);
    kb_free(&seen.v);
    return rc;
}

/* May case from get a link of kind to case to, given the links src lists?
 * The one rule for every new link (case link, triage, case add, import):
 * no case linked to itself; two cases have at most one link between them
 * (either way round: "related" and "blocks" between the same two cases, or
 * each a duplicate of the other, contradict each other); "duplicate of"
 * and "blocks" never go round in a circle.  KB_EDATA says what exists and
 * how to change it. */
/* The rule's first part, which needs no links (so a link of a case to
 * itself is refused before the case is looked up). */
static int kb_link_not_self(uint32_t from, uint32_t to, kb_err *e)
{
    return from == to ? kb_err_set(e, KB_EDATA, _("a case cannot be linked to itself")) : KB_OK;
}

int kb_link_rule(const kb_link_src *src, uint32_t from, uint32_t to, enum kb_link_kind kind,
                 kb_err *e)
{
    int rc = kb_link_not_self(from, to, e);
    if (rc)
        return rc;
    kb_link_vec existing = {0};
    rc = src->links_of(src->ctx, from, &existing, e);
    for (size_t i = 0; rc == KB_OK && i < existing.n; i++) {
        const kb_link *l = &existing.v[i];
        bool fwd = l->from == from && l->to == to, back = l->from == to && l->to == from;
        if (!fwd && !back)
            continue;
        char *what = kb_link_sentence(l);
        char *where = src->origin ? src->origin(src->ctx, l) : NULL;
        if (where) { /* "#1 already blocks #2 (links[3])" */
            char *x = kb_asprintf("%s (%s)", what, where);
            kb_free(&what);
            what = x;
        }
        if (l->kind == kind && (fwd || kind == KB_LINK_RELATED))
            rc = kb_err_set(e, KB_EDATA, "%s", what);
        else if (where)
            rc = kb_err_set(e, KB_EDATA,
                            _("%s; two cases have one link between them: keep one of the two"),
                            what);
        else
            rc = kb_err_set(e, KB_EDATA,
                            _("%s; two cases have one link between them: to change it, first "
                              "remove that one with 'kernboard case unlink %u %u'"),
                            what, l->from, l->to);
        kb_free(&what);
        kb_free(&where);
        kb_link_vec_free(&existing);
        return rc;
    }
    kb_link_vec_free(&existing);
    if (rc || kind == KB_LINK_RELATED)
        return rc;
    /* would it close a circle (to ... from, then from -> to)? */
    bool found = false;
    char *via = NULL;
    rc = kb_link_path(src, to, from, kind, &found, &via, e);
    if (rc == KB_OK && found) {
        kb_link l = {.from = to, .to = from, .kind = kind};
        char *what = kb_link_sentence(&l);
        rc = kb_err_set(e, KB_EDATA,
                        src->origin
                            ? _("%s (through %s), so this link would close a circle; leave one "
                                "of those links out (or remove it from the board with "
                                "'kernboard case unlink N M')")
                            : _("%s (through %s), so this link would close a circle; first "
                                "remove one of those links with 'kernboard case unlink N M'"),
                        what, via ? via : "");
        kb_free(&what);
    }
    kb_free(&via);
    return rc;
}

int kb_link_add_in(kb_board *b, kb_txn *t, const kb_case *a, uint32_t to, enum kb_link_kind kind,
                   kb_err *e)
{
    uint32_t from = a->number;
    kb_case c;
    kb_case_init(&c);
    kb_link_src src = {kb_link_src_txn, NULL, t};
    int rc;
    if ((rc = kb_case_read(t, to, &c, e)) || (rc = kb_link_rule(&src, from, to, kind, e)))
        goto out;
    kb_link l = {.from = from, .to = to, .kind = kind};
    if ((rc = kb_link_insert(t, &l, &a->key, &c.key, e)))
        goto out;
    {
        char *text = kb_asprintf("%s: #%u %s", N_("link"), to, kb_link_kind_name(kind));
        rc = kb_timeline_put(t, a->key.b, from, KB_ENTRY_CHANGE, kb_board_user(b), text, e);
        kb_free(&text);
    }
out:
    kb_case_free(&c);
    return rc;
}

int kb_board_link_add(kb_board *b, uint32_t from, uint32_t to, enum kb_link_kind kind, kb_err *e)
{
    int rc = kb_require_writer(b, e);
    if (rc || (rc = kb_link_not_self(from, to, e)))
        return rc;
    kb_txn *t = NULL;
    kb_case a;
    kb_case_init(&a);
    if ((rc = kb_store_write(b->s, "case.link", NULL, &t, e)))
        return rc;
    if ((rc = kb_case_read(t, from, &a, e)) == KB_OK &&
        (rc = kb_link_add_in(b, t, &a, to, kind, e)) == KB_OK)
        rc = kb_txn_commit(&t, e);
    kb_txn_abort(&t);
    kb_case_free(&a);
    return rc;
}

/* Remove the links between cases x and y (either way round; only those
 * of *kind when kind is not NULL), each with a "link removed" entry in the
 * timeline of the case it started from, where "link" was written;
 * *removed (may be NULL) gets them. */
int kb_board_link_remove(kb_board *b, uint32_t x, uint32_t y, const enum kb_link_kind *kind,
                         kb_link_vec *removed, kb_err *e)
{
    if (removed)
        memset(removed, 0, sizeof *removed);
    int rc = kb_require_writer(b, e);
    if (rc)
        return rc;
    kb_txn *t = NULL;
    kb_case cx, cy;
    kb_case_init(&cx);
    kb_case_init(&cy);
    kb_link_vec lv = {0}, gone = {0};
    if ((rc = kb_store_write(b->s, "case.unlink", NULL, &t, e)))
        return rc;
    if ((rc = kb_case_read(t, x, &cx, e)) || (rc = kb_case_read(t, y, &cy, e)) ||
        (rc = kb_links_in(t, x, &lv, e)))
        goto out;
    for (size_t i = 0; i < lv.n && rc == KB_OK; i++) {
        const kb_link *l = &lv.v[i];
        bool pair = (l->from == x && l->to == y) || (l->from == y && l->to == x);
        if (!pair || (kind && l->kind != *kind))
            continue;
        const kb_case *from = l->from == x ? &cx : &cy, *to = l->from == x ? &cy : &cx;
        /* neutral, as the "link" entry (kb_timeline_localize) */
        char *text =
            kb_asprintf("%s: #%u %s", N_("link removed"), l->to, kb_link_kind_name(l->kind));
        rc = kb_txn_del(t, KB_T_LINKS, l->key.b, KB_KEY_LEN, l->version, text, e);
        if (rc == KB_OK)
            rc = kb_rel_del(t, &from->key, KB_REL_LINK, &l->key, e);
        if (rc == KB_OK)
            rc = kb_rel_del(t, &to->key, KB_REL_LINK, &l->key, e);
        if (rc == KB_OK)
            rc = kb_timeline_put(t, from->key.b, from->number, KB_ENTRY_CHANGE, kb_board_user(b),
                                 text, e);
        if (rc == KB_OK) {
            gone.v = kb_reallocarray(gone.v, gone.n + 1, sizeof *gone.v);
            gone.v[gone.n++] = *l;
        }
        kb_free(&text);
    }
    if (rc)
        goto out;
    if (gone.n == 0) {
        if (kind)
            rc = kb_err_set(e, KB_ENOENT, _("#%u and #%u have no %s link"), x, y,
                            kb_link_kind_label(*kind));
        else
            rc = kb_err_set(e, KB_ENOENT, _("#%u and #%u are not linked"), x, y);
        goto out;
    }
    if ((rc = kb_txn_commit(&t, e)) == KB_OK && removed) {
        *removed = gone;
        memset(&gone, 0, sizeof gone);
    }
out:
    kb_txn_abort(&t);
    kb_case_free(&cx);
    kb_case_free(&cy);
    kb_link_vec_free(&lv);
    kb_link_vec_free(&gone);
    return rc;
}

int kb_board_link_list(kb_board *b, uint32_t case_number, kb_link_vec *out, kb_err *e)
{
    memset(out, 0, sizeof *out);
    kb_txn *t = NULL;
    int rc = kb_store_read(b->s, &t, e);
    if (rc)
        return rc;
    rc = kb_links_in(t, case_number, out, e);
    kb_txn_abort(&t);
    if (rc)
        kb_link_vec_free(out);
    return rc;
}

void kb_link_vec_free(kb_link_vec *v)
{
    kb_free(&v->v);
    v->n = 0;
}
