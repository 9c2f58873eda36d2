/* meetings.c - meetings ("overleg") and decisions ("besluiten"). */
#include "core_internal.h"
#include "kernboard/codec.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <stddef.h>
#include <string.h>

/* Store a numbered record (number already chosen) and index it as
 * "PREFIX#N"; the number must be free and the counter passes it. */
static int kb_numbered_insert(kb_txn *t, enum kb_table tbl, const unsigned char *counter,
                              const char *prefix, uint32_t number, kb_id *key, kb_buf *enc,
                              uint64_t *version, kb_err *e)
{
    char *iname = kb_asprintf("%s#%u", prefix, number);
    unsigned char k[KB_KEY_LEN];
    int rc = kb_txn_index_get(t, iname, k, NULL);
    if (rc == KB_OK)
        rc = kb_err_set(e, KB_EDATA, _("%s %u already exists on this board"), prefix, number);
    else if (rc == KB_ENOENT)
        rc = kb_counter_ensure(t, counter, number + 1, e);
    if (rc == KB_OK) {
        kb_store_random(key->b, KB_ID_LEN);
        rc = kb_txn_put(t, tbl, key->b, KB_KEY_LEN, enc->data, enc->len, KB_VERSION_NEW, version,
                        NULL, e);
    }
    if (rc == KB_OK)
        rc = kb_txn_index_put(t, iname, key->b, e);
    kb_free(&iname);
    return rc;
}

int kb_meeting_insert(kb_txn *t, kb_meeting *m, kb_err *e)
{
    int rc;
    if (m->number == 0 && (rc = kb_counter_next(t, kb_meta_meeting_counter, &m->number, e)))
        return rc;
    kb_buf enc = KB_BUF_INIT;
    kb_codec_meeting_encode(m, &enc);
    rc = kb_numbered_insert(t, KB_T_MEETINGS, kb_meta_meeting_counter, "meeting", m->number,
                            &m->key, &enc, &m->version, e);
    kb_buf_free(&enc);
    return rc;
}

int kb_decision_insert(kb_txn *t, kb_decision *d, const kb_id *case_key, kb_err *e)
{
    int rc;
    if (d->number == 0 && (rc = kb_counter_next(t, kb_meta_decision_counter, &d->number, e)))
        return rc;
    kb_buf enc = KB_BUF_INIT;
    kb_codec_decision_encode(d, &enc);
    rc = kb_numbered_insert(t, KB_T_DECISIONS, kb_meta_decision_counter, "decision", d->number,
                            &d->key, &enc, &d->version, e);
    kb_buf_free(&enc);
    if (rc == KB_OK)
        rc = kb_rel_put(t, case_key, KB_REL_DECISION, &d->key, e);
    return rc;
}

int kb_board_meeting_add(kb_board *b, kb_meeting *m, kb_err *e)
{
    int rc = kb_require_writer(b, e);
    if (rc || (rc = kb_meeting_validate(m, e)))
        return rc;
    kb_txn *t = NULL;
    if ((rc = kb_store_write(b->s, "meeting.add", NULL, &t, e)))
        return rc;
    for (size_t i = 0; i < m->attendees.n && !rc; i++) /* names or unique prefixes */
        rc = kb_owner_resolve(t, &m->attendees.v[i], e);
    for (size_t i = 0; i < m->agenda.n && !rc; i++) {
        kb_case c;
        kb_case_init(&c);
        rc = kb_case_read(t, m->agenda.v[i], &c, e);
        kb_case_free(&c);
    }
    m->number = 0;
    if (!rc)
        rc = kb_meeting_insert(t, m, e);
    if (!rc)
        rc = kb_txn_commit(&t, e);
    kb_txn_abort(&t);
    return rc;
}

int kb_board_meeting_get(kb_board *b, uint32_t number, kb_meeting *out, kb_err *e)
{
    kb_meeting_init(out);
    kb_txn *t = NULL;
    int rc = kb_store_read(b->s, &t, e);
    if (rc)
        return rc;
    char *iname = kb_asprintf("meeting#%u", number);
    unsigned char key[KB_KEY_LEN];
    char *val = NULL;
    size_t n = 0;
    uint64_t ver = 0;
    rc = kb_txn_index_get(t, iname, key, e);
    if (rc == KB_OK)
        rc = kb_txn_get(t, KB_T_MEETINGS, key, KB_KEY_LEN, &val, &n, &ver, e);
    if (rc == KB_ENOENT)
        rc = kb_err_set(e, KB_ENOENT, _("no meeting M%u (see 'kernboard meeting list')"), number);
    if (rc == KB_OK && (rc = kb_codec_meeting_decode(val, n, out, e)) == KB_OK) {
        memcpy(out->key.b, key, KB_KEY_LEN);
        out->version = ver;
    }
    kb_txn_abort(&t);
    kb_free(&val);
    kb_free(&iname);
    return rc;
}

static int kb_meeting_cmp(const void *a, const void *b)
{
    const kb_meeting *x = a, *y = b;
    return (x->number > y->number) - (x->number < y->number);
}

static int kb_meeting_dec(const void *p, size_t n, void *out, kb_err *e)
{
    return kb_codec_meeting_decode(p, n, out, e);
}

static void kb_meeting_fr(void *m)
{
    kb_meeting_free(m);
}

int kb_board_meeting_list(kb_board *b, kb_meeting_vec *out, kb_err *e)
{
    return kb_meeting_list_in(NULL, b, out, e);
}

int kb_meeting_list_in(kb_txn *t, kb_board *b, kb_meeting_vec *out, kb_err *e)
{
    static const kb_collect_spec spec = {sizeof(kb_meeting),
                                         offsetof(kb_meeting, key),
                                         offsetof(kb_meeting, version),
                                         kb_meeting_dec,
                                         kb_meeting_fr,
                                         NULL,
                                         NULL,
                                         kb_meeting_cmp,
                                         N_("meeting")};
    void *v = NULL;
    int rc = t ? kb_collect(t, KB_T_MEETINGS, NULL, 0, &spec, &v, &out->n, e)
               : kb_collect_all(b, KB_T_MEETINGS, &spec, &v, &out->n, e);
    out->v = v;
    return rc;
}

int kb_board_meeting_status(kb_board *b, kb_meeting *running, kb_time *last, kb_err *e)
{
    if (running)
        kb_meeting_init(running);
    *last = 0;
    kb_meeting_vec v = {0};
    int rc = kb_board_meeting_list(b, &v, e);
    for (size_t i = 0; rc == KB_OK && i < v.n; i++) {
        kb_meeting *m = &v.v[i];
        if (m->state == KB_MEETING_RUNNING && running) {
            kb_meeting_free(running);
            *running = *m; /* taken over */
            kb_meeting_init(m);
        }
        if (m->state == KB_MEETING_DRAFT || m->state == KB_MEETING_RUNNING)
            continue; /* during a meeting, "since the last one" means the previous one */
        kb_time t = m->started > 0            ? m->started
                    : m->date != KB_DATE_NONE ? kb_time_of_date(m->date)
                                              : 0;
        if (t > *last)
            *last = t;
    }
    kb_meeting_vec_free(&v);
    return rc;
}

kb_time kb_board_last_meeting_time(kb_board *b)
{
    kb_time last = 0;
    kb_err e;
    return kb_board_meeting_status(b, NULL, &last, &e) == KB_OK ? last : 0;
}

void kb_meeting_vec_free(kb_meeting_vec *v)
{
    for (size_t i = 0; i < v->n; i++)
        kb_meeting_free(&v->v[i]);
    kb_free(&v->v);
    v->n = 0;
}

int kb_decision_add_in(kb_board *b, kb_txn *t, const kb_case *c, kb_decision *d, kb_err *e)
{
    int rc;
    if (d->meeting) {
        char *iname = kb_asprintf("meeting#%u", d->meeting);
        unsigned char k[KB_KEY_LEN];
        rc = kb_txn_index_get(t, iname, k, e);
        kb_free(&iname);
        if (rc == KB_ENOENT)
            rc = kb_err_set(e, KB_EDATA, _("no meeting M%u"), d->meeting);
        if (rc)
            return rc;
    }
    kb_free(&d->author);
    d->author = kb_strdup(kb_board_user(b));
    d->time = kb_txn_now(t);
    d->number = 0;
    if ((rc = kb_decision_insert(t, d, &c->key, e)))
        return rc;
    char *text =
        d->meeting ? kb_asprintf("%s: D%u (M%u) %s", N_("decision"), d->number, d->meeting, d->text)
                   : kb_asprintf("%s: D%u %s", N_("decision"), d->number, d->text);
    rc = kb_timeline_put(t, c->key.b, c->number, KB_ENTRY_CHANGE, kb_board_user(b), text, e);
    kb_free(&text);
    return rc;
}

int kb_board_decision_add(kb_board *b, kb_decision *d, kb_err *e)
{
    int rc = kb_require_writer(b, e);
    if (rc || (rc = kb_decision_validate(d, e)))
        return rc;
    kb_txn *t = NULL;
    kb_case c;
    kb_case_init(&c);
    if ((rc = kb_store_write(b->s, "decision.add", NULL, &t, e)))
        return rc;
    if (!d->meeting)
        d->meeting = kb_meeting_running_number(t);
    if ((rc = kb_case_read(t, d->case_number, &c, e)) == KB_OK &&
        (rc = kb_decision_add_in(b, t, &c, d, e)) == KB_OK &&
        (rc = kb_meeting_decision_hook(b, t, d, NULL, 0, e)) == KB_OK)
        rc = kb_txn_commit(&t, e);
    kb_txn_abort(&t);
    kb_case_free(&c);
    return rc;
}

int kb_board_decide(kb_board *b, kb_decision *d, kb_action_item *items, size_t nitems, kb_err *e)
{
    int rc = kb_require_writer(b, e);
    if (rc || (rc = kb_decision_validate(d, e)))
        return rc;
    for (size_t i = 0; i < nitems; i++) {
        items[i].case_number = d->case_number;
        if ((rc = kb_action_item_validate(&items[i], e)))
            return rc;
    }
    kb_txn *t = NULL;
    kb_case c;
    kb_case_init(&c);
    if ((rc = kb_store_write(b->s, "case.decide", NULL, &t, e)))
        return rc;
    if (!d->meeting) /* taken while a meeting runs: it belongs to that meeting */
        d->meeting = kb_meeting_running_number(t);
    if ((rc = kb_case_read(t, d->case_number, &c, e)) ||
        (rc = kb_lease_check_save(b, t, &c, 0, e)) || (rc = kb_decision_add_in(b, t, &c, d, e)))
        goto out;
    for (size_t i = 0; i < nitems; i++)
        if ((rc = kb_action_add_in(b, t, &c, &items[i], e)))
            goto out;
    if ((rc = kb_meeting_decision_hook(b, t, d, items, nitems, e)))
        goto out;
    rc = kb_txn_commit(&t, e);
out:
    kb_txn_abort(&t);
    kb_case_free(&c);
    return rc;
}

typedef struct kb_decision_filter {
    uint32_t case_number, meeting; /* 0 = any */
} kb_decision_filter;

static bool kb_decision_keep(const void *item, const void *ctx)
{
    const kb_decision *d = item;
    const kb_decision_filter *f = ctx;
    return (!f->case_number || d->case_number == f->case_number) &&
           (!f->meeting || d->meeting == f->meeting);
}

static int kb_decision_cmp(const void *a, const void *b)
{
    const kb_decision *x = a, *y = b;
    return (x->number > y->number) - (x->number < y->number);
}

static int kb_decision_dec(const void *p, size_t n, void *out, kb_err *e)
{
    return kb_codec_decision_decode(p, n, out, e);
}

static void kb_decision_fr(void *d)
{
    kb_decision_free(d);
}

int kb_board_decision_list(kb_board *b, uint32_t case_number, uint32_t meeting,
                           kb_decision_vec *out, kb_err *e)
{
    return kb_decision_list_in(NULL, b, case_number, meeting, out, e);
}

int kb_decision_list_in(kb_txn *t, kb_board *b, uint32_t case_number, uint32_t meeting,
                        kb_decision_vec *out, kb_err *e)
{
    kb_decision_filter f = {case_number, meeting};
    kb_collect_spec spec = {sizeof(kb_decision),
                            offsetof(kb_decision, key),
                            offsetof(kb_decision, version),
                            kb_decision_dec,
                            kb_decision_fr,
                            kb_decision_keep,
                            &f,
                            kb_decision_cmp,
                            N_("decision")};
    void *v = NULL;
    int rc =
        t ? kb_collect_case(t, case_number, KB_REL_DECISION, KB_T_DECISIONS, &spec, &v, &out->n, e)
          : kb_collect_case_all(b, case_number, KB_REL_DECISION, KB_T_DECISIONS, &spec, &v, &out->n,
                                e);
    out->v = v;
    return rc;
}

int kb_decisions_in(kb_txn *t, const kb_id *case_key, kb_decision_vec *out, kb_err *e)
{
    kb_decision_filter f = {0, 0};
    kb_collect_spec spec = {sizeof(kb_decision),
                            offsetof(kb_decision, key),
                            offsetof(kb_decision, version),
                            kb_decision_dec,
                            kb_decision_fr,
                            kb_decision_keep,
                            &f,
                            kb_decision_cmp,
                            N_("decision")};
    void *v = NULL;
    out->n = 0;
    int rc = kb_rel_collect(t, case_key, KB_REL_DECISION, KB_T_DECISIONS, &spec, &v, &out->n, e);
    out->v = v;
    return rc;
}

void kb_decision_vec_free(kb_decision_vec *v)
{
    for (size_t i = 0; i < v->n; i++)
        kb_decision_free(&v->v[i]);
    kb_free(&v->v);
    v->n = 0;
}
