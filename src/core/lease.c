/* lease.c - edit leases on cases (record locks) and who is online. */
#include "core_internal.h"
#include "kernboard/codec.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <stddef.h>
#include <string.h>

const char *kb_lease_state_name(enum kb_lease_state s)
{
    switch (s) {
    case KB_LEASE_ALIVE:
        return "alive";
    case KB_LEASE_EXPIRED:
        return "expired";
    default:
        return "dead";
    }
}

static void kb_lease_classify(kb_board *b, const kb_lease *l, kb_lease_info *out)
{
    int slot;
    unsigned char nonce[KB_NONCE_LEN];
    kb_store_session_self(b->s, &slot, nonce);
    out->mine = l->slot == slot && memcmp(l->nonce, nonce, KB_NONCE_LEN) == 0;
    if (!kb_store_session_alive(b->s, l->slot, l->nonce))
        out->state = KB_LEASE_DEAD;
    else if (l->expires <= kb_time_now())
        out->state = KB_LEASE_EXPIRED;
    else
        out->state = KB_LEASE_ALIVE;
}

/* Read the lease of the case with record key ck inside t. */
static int kb_lease_read(kb_txn *t, const kb_id *ck, kb_lease *out, kb_err *e)
{
    char *val = NULL;
    size_t n = 0;
    uint64_t ver = 0;
    int rc = kb_txn_get(t, KB_T_LEASES, ck->b, KB_KEY_LEN, &val, &n, &ver, e);
    if (rc == KB_OK)
        rc = kb_codec_lease_decode(val, n, out, e);
    if (rc == KB_OK) {
        out->key = *ck;
        out->version = ver;
    }
    kb_free(&val);
    return rc;
}

static int kb_lease_busy(const kb_lease *l, kb_err *e)
{
    char hhmm[6];
    kb_time_format_hhmm(l->since, hhmm);
    return kb_err_set(e, KB_ECONFLICT, _("case #%u is being edited by %s on %s since %s"),
                      l->case_number, l->user ? l->user : "?", l->host ? l->host : "?", hhmm);
}

int kb_lease_check_save(kb_board *b, kb_txn *t, const kb_case *c, uint64_t token, kb_err *e)
{
    kb_lease l;
    int rc = kb_lease_read(t, &c->key, &l, e);
    if (rc == KB_ENOENT) {
        kb_err_clear(e);
        if (token)
            return kb_err_set(e, KB_ECONFLICT,
                              _("your edit lock on case #%u was broken by someone else; your "
                                "change was not saved"),
                              c->number);
        return KB_OK;
    }
    if (rc)
        return rc;
    kb_lease_info li;
    kb_lease_classify(b, &l, &li);
    if (li.mine) {
        rc = token && token != l.token
                 ? kb_err_set(e, KB_ECONFLICT,
                              _("your edit lock on case #%u was replaced; your change was not "
                                "saved"),
                              c->number)
                 : KB_OK;
    } else if (token) {
        rc = kb_err_set(e, KB_ECONFLICT,
                        _("your edit lock on case #%u was broken; %s holds it now; your change "
                          "was not saved"),
                        c->number, l.user ? l.user : "?");
    } else if (li.state == KB_LEASE_ALIVE) {
        rc = kb_lease_busy(&l, e);
    } else if (li.state == KB_LEASE_EXPIRED) {
        /* its session is still open: the holder may come back and save */
        char hhmm[6];
        kb_time_format_hhmm(l.since, hhmm);
        rc = kb_err_set(e, KB_ECONFLICT,
                        _("case #%u has an expired edit lock of %s on %s since %s; break it "
                          "with 'kernboard locks --break %u' after checking with them"),
                        c->number, l.user ? l.user : "?", l.host ? l.host : "?", hhmm, c->number);
    }
    kb_lease_free(&l);
    return rc;
}

static uint64_t kb_next_token(kb_txn *t, kb_err *e, int *rc)
{
    char *val = NULL;
    size_t n = 0;
    uint64_t ver = KB_VERSION_NEW, next = 1;
    *rc = kb_txn_get(t, KB_T_META, kb_meta_lease_tokens, KB_KEY_LEN, &val, &n, &ver, e);
    if (*rc == KB_OK && n == 8)
        next = kb_get_u64be((unsigned char *)val) + 1;
    else if (*rc == KB_ENOENT)
        *rc = KB_OK;
    else if (*rc == KB_OK)
        *rc = kb_err_set(e, KB_EDATA, _("damaged lease counter; run 'kernboard verify'"));
    kb_free(&val);
    if (*rc)
        return 0;
    unsigned char buf[8];
    kb_put_u64be(buf, next);
    *rc = kb_txn_put(t, KB_T_META, kb_meta_lease_tokens, KB_KEY_LEN, buf, 8, ver, NULL, NULL, e);
    return next;
}

int kb_board_lease_acquire(kb_board *b, uint32_t number, int seconds, bool take_expired,
                           uint64_t *token, kb_err *e)
{
    int rc = kb_require_writer(b, e);
    if (rc)
        return rc;
    if (seconds <= 0)
        seconds = KB_LEASE_SECONDS;
    kb_txn *t = NULL;
    kb_case c;
    kb_case_init(&c);
    kb_lease old;
    memset(&old, 0, sizeof old);
    bool have_old = false;
    kb_buf enc = KB_BUF_INIT;
    char *detail = NULL;
    if ((rc = kb_store_write(b->s, "lease.acquire", NULL, &t, e)))
        return rc;
    if ((rc = kb_case_read(t, number, &c, e)))
        goto out;
    rc = kb_lease_read(t, &c.key, &old, e);
    if (rc == KB_OK) {
        have_old = true;
        kb_lease_info li;
        kb_lease_classify(b, &old, &li);
        if (!li.mine && li.state == KB_LEASE_ALIVE) {
            rc = kb_lease_busy(&old, e);
            goto out;
        }
        if (!li.mine && li.state == KB_LEASE_EXPIRED && !take_expired) {
            char hhmm[6];
            kb_time_format_hhmm(old.since, hhmm);
            rc = kb_err_set(e, KB_ECONFLICT,
                            _("case #%u has an expired edit lock of %s on %s since %s; break it "
                              "with 'kernboard locks --break %u' after checking with them"),
                            number, old.user ? old.user : "?", old.host ? old.host : "?", hhmm,
                            number);
            goto out;
        }
        if (!li.mine)
            detail = kb_asprintf("took over %s lease of %s", kb_lease_state_name(li.state),
                                 old.user ? old.user : "?");
    } else if (rc != KB_ENOENT) {
        goto out;
    }
    kb_err_clear(e);
    kb_lease l;
    memset(&l, 0, sizeof l);
    l.case_number = number;
    kb_store_session_self(b->s, &l.slot, l.nonce);
    l.user = (char *)kb_board_user(b);
    l.host = (char *)kb_store_host(b->s);
    l.since = kb_time_now();
    l.expires = l.since + seconds;
    l.token = kb_next_token(t, e, &rc);
    if (rc)
        goto out;
    kb_codec_lease_encode(&l, &enc);
    if ((rc = kb_txn_put(t, KB_T_LEASES, c.key.b, KB_KEY_LEN, enc.data, enc.len,
                         have_old ? old.version : KB_VERSION_NEW, NULL, detail, e)) ||
        (rc = kb_txn_commit(&t, e)))
        goto out;
    *token = l.token;
out:
    kb_txn_abort(&t);
    kb_case_free(&c);
    kb_lease_free(&old);
    kb_buf_free(&enc);
    kb_free(&detail);
    return rc;
}

int kb_board_lease_renew(kb_board *b, uint32_t number, uint64_t token, int seconds, kb_err *e)
{
    if (seconds <= 0)
        seconds = KB_LEASE_SECONDS;
    kb_txn *t = NULL;
    kb_case c;
    kb_case_init(&c);
    kb_lease l;
    memset(&l, 0, sizeof l);
    kb_buf enc = KB_BUF_INIT;
    int rc = kb_store_write(b->s, "lease.renew", NULL, &t, e);
    if (rc)
        return rc;
    if ((rc = kb_case_read(t, number, &c, e)) || (rc = kb_lease_check_save(b, t, &c, token, e)) ||
        (rc = kb_lease_read(t, &c.key, &l, e)))
        goto out;
    l.expires = kb_time_now() + seconds;
    kb_codec_lease_encode(&l, &enc);
    if ((rc = kb_txn_put(t, KB_T_LEASES, c.key.b, KB_KEY_LEN, enc.data, enc.len, l.version, NULL,
                         NULL, e)))
        goto out;
    rc = kb_txn_commit(&t, e);
out:
    kb_txn_abort(&t);
    kb_case_free(&c);
    kb_lease_free(&l);
    kb_buf_free(&enc);
    return rc;
}

int kb_board_lease_release(kb_board *b, uint32_t number, uint64_t token, kb_err *e)
{
    kb_txn *t = NULL;
    kb_case c;
    kb_case_init(&c);
    kb_lease l;
    memset(&l, 0, sizeof l);
    int rc = kb_store_write(b->s, "lease.release", NULL, &t, e);
    if (rc)
        return rc;
    if ((rc = kb_case_read(t, number, &c, e)))
        goto out;
    rc = kb_lease_read(t, &c.key, &l, e);
    if (rc == KB_ENOENT) { /* already gone (broken): nothing to release */
        kb_err_clear(e);
        rc = KB_OK;
        goto out;
    }
    kb_lease_info li;
    kb_lease_classify(b, &l, &li);
    if (rc || !li.mine || l.token != token)
        goto out; /* not ours any more: leave it */
    if ((rc = kb_txn_del(t, KB_T_LEASES, c.key.b, KB_KEY_LEN, l.version, NULL, e)))
        goto out;
    rc = kb_txn_commit(&t, e);
out:
    kb_txn_abort(&t);
    kb_case_free(&c);
    kb_lease_free(&l);
    return rc;
}

int kb_board_lease_break(kb_board *b, uint32_t number, bool confirm_expired, kb_err *e)
{
    int rc = kb_require_writer(b, e);
    if (rc)
        return rc;
    kb_txn *t = NULL;
    kb_case c;
    kb_case_init(&c);
    kb_lease l;
    memset(&l, 0, sizeof l);
    char *detail = NULL;
    if ((rc = kb_store_write(b->s, "lease.break", NULL, &t, e)))
        return rc;
    if ((rc = kb_case_read(t, number, &c, e)))
        goto out;
    rc = kb_lease_read(t, &c.key, &l, e);
    if (rc == KB_ENOENT) {
        rc = kb_err_set(e, KB_ENOENT, _("case #%u has no edit lock"), number);
        goto out;
    }
    if (rc)
        goto out;
    kb_lease_info li;
    kb_lease_classify(b, &l, &li);
    bool privileged = b->me.role >= KB_ROLE_BROKER;
    if (!privileged && li.state == KB_LEASE_ALIVE && !li.mine) {
        rc = kb_err_set(e, KB_EPERM,
                        _("only a broker or admin may break the live edit lock of %s on case "
                          "#%u"),
                        l.user ? l.user : "?", number);
        goto out;
    }
    if (!privileged && li.state == KB_LEASE_EXPIRED && !confirm_expired) {
        rc = kb_err_set(e, KB_EUSAGE,
                        _("the edit lock of %s on case #%u has expired but its session is still "
                          "open; add --yes to break it"),
                        l.user ? l.user : "?", number);
        goto out;
    }
    detail = kb_asprintf("broke %s lease of %s (token %llu)", kb_lease_state_name(li.state),
                         l.user ? l.user : "?", (unsigned long long)l.token);
    if ((rc = kb_txn_del(t, KB_T_LEASES, c.key.b, KB_KEY_LEN, l.version, detail, e)))
        goto out;
    rc = kb_txn_commit(&t, e);
out:
    kb_txn_abort(&t);
    kb_case_free(&c);
    kb_lease_free(&l);
    kb_free(&detail);
    return rc;
}

static int kb_lease_info_dec(const void *p, size_t n, void *out, kb_err *e)
{
    kb_lease_info *li = out;
    memset(li, 0, sizeof *li);
    return kb_codec_lease_decode(p, n, &li->lease, e);
}

static void kb_lease_info_fr(void *x)
{
    kb_lease_free(&((kb_lease_info *)x)->lease);
}

int kb_board_lease_list(kb_board *b, kb_lease_vec *out, kb_err *e)
{
    static const kb_collect_spec spec = {sizeof(kb_lease_info),
                                         offsetof(kb_lease_info, lease.key),
                                         offsetof(kb_lease_info, lease.version),
                                         kb_lease_info_dec,
                                         kb_lease_info_fr,
                                         NULL,
                                         NULL,
                                         NULL,
                                         N_("lease")};
    void *v = NULL;
    int rc = kb_collect_all(b, KB_T_LEASES, &spec, &v, &out->n, e);
    out->v = v;
    for (size_t i = 0; rc == KB_OK && i < out->n; i++)
        kb_lease_classify(b, &out->v[i].lease, &out->v[i]);
    return rc;
}

int kb_board_lease_get(kb_board *b, uint32_t number, kb_lease_info *out, kb_err *e)
{
    memset(out, 0, sizeof *out);
    kb_txn *t = NULL;
    kb_case c;
    kb_case_init(&c);
    int rc = kb_store_read(b->s, &t, e);
    if (rc)
        return rc;
    if ((rc = kb_case_read(t, number, &c, e)) == KB_OK &&
        (rc = kb_lease_read(t, &c.key, &out->lease, e)) == KB_OK)
        kb_lease_classify(b, &out->lease, out);
    kb_txn_abort(&t);
    kb_case_free(&c);
    return rc;
}

void kb_lease_vec_free(kb_lease_vec *v)
{
    for (size_t i = 0; i < v->n; i++)
        kb_lease_free(&v->v[i].lease);
    kb_free(&v->v);
    v->n = 0;
}

int kb_board_sessions(kb_board *b, kb_session **out, size_t *n, kb_err *e)
{
    kb_session_info *si = NULL;
    size_t k = 0;
    int rc = kb_store_sessions(b->s, &si, &k, e);
    if (rc)
        return rc;
    *out = kb_calloc(k ? k : 1, sizeof **out);
    for (size_t i = 0; i < k; i++) {
        memcpy((*out)[i].user, si[i].user, sizeof si[i].user);
        memcpy((*out)[i].host, si[i].host, sizeof si[i].host);
        (*out)[i].since = si[i].since;
        (*out)[i].pid = si[i].pid;
        (*out)[i].self = si[i].self;
    }
    *n = k;
    kb_free(&si);
    return KB_OK;
}
