/* lease.c - edit leases on cases (record locks) and who is online. */
#include "core_internal.h"
#include "kernboard/codec.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kernboard/paths.h"

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

/* ---- expiry as seen from this host (core_internal.h, kb_lease_seen).
 * The table lives in the board handle and, for one-shot commands, in
 * $XDG_STATE_HOME/kernboard/leases-seen: one line per lease,
 * "KEYHEX TOKEN VERSION BOOTID FIRST_MS", kept for the current boot only
 * (CLOCK_BOOTTIME restarts at boot). */
#define KB_SEEN_MAX 512

static int64_t kb_boot_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void kb_boot_id(char out[40])
{
    memset(out, 0, 40);
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
    if (f) {
        if (!fgets(out, 40, f))
            out[0] = '\0';
        fclose(f);
    }
    out[strcspn(out, "\n \t")] = '\0';
    if (!out[0])
        strcpy(out, "-");
}

static char *kb_seen_path(void)
{
    char *dir = kb_path_state_dir();
    char *p = dir ? kb_asprintf("%s/leases-seen", dir) : NULL;
    kb_free(&dir);
    return p;
}

static void kb_seen_load(kb_board *b)
{
    if (b->seen_loaded)
        return;
    b->seen_loaded = true;
    char *path = kb_seen_path(), boot[40], line[256];
    FILE *f = path ? fopen(path, "r") : NULL;
    kb_free(&path);
    if (!f)
        return;
    kb_boot_id(boot);
    while (fgets(line, sizeof line, f) && b->nseen < KB_SEEN_MAX) {
        char hex[2 * KB_KEY_LEN + 2], bid[40];
        unsigned long long tok, ver;
        long long first;
        if (sscanf(line, "%33s %llu %llu %39s %lld", hex, &tok, &ver, bid, &first) != 5 ||
            strlen(hex) != 2 * KB_KEY_LEN || strcmp(bid, boot) != 0)
            continue;
        kb_lease_seen ls;
        memset(&ls, 0, sizeof ls);
        bool ok = true;
        for (size_t i = 0; ok && i < KB_KEY_LEN; i++) {
            unsigned v;
            ok = sscanf(hex + 2 * i, "%2x", &v) == 1;
            ls.key[i] = (unsigned char)v;
        }
        if (!ok)
            continue;
        ls.token = tok;
        ls.version = ver;
        ls.first_ms = first;
        b->seen = kb_reallocarray(b->seen, b->nseen + 1, sizeof *b->seen);
        b->seen[b->nseen++] = ls;
    }
    fclose(f);
}

static void kb_seen_save(kb_board *b)
{
    char *dir = kb_path_state_dir();
    kb_err ignore;
    bool ok = dir && kb_path_mkdirs(dir, 0700, &ignore) == KB_OK;
    kb_free(&dir);
    char *path = ok ? kb_seen_path() : NULL;
    if (!path)
        return;
    char *tmp = kb_asprintf("%s.%d.tmp", path, (int)getpid()), boot[40];
    kb_boot_id(boot);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f) {
        size_t from = b->nseen > KB_SEEN_MAX ? b->nseen - KB_SEEN_MAX : 0;
        for (size_t i = from; i < b->nseen; i++) {
            for (size_t k = 0; k < KB_KEY_LEN; k++)
                fprintf(f, "%02x", b->seen[i].key[k]);
            fprintf(f, " %llu %llu %s %lld\n", (unsigned long long)b->seen[i].token,
                    (unsigned long long)b->seen[i].version, boot, (long long)b->seen[i].first_ms);
        }
        if (fclose(f) == 0 && rename(tmp, path) == 0)
            tmp[0] = '\0';
    } else if (fd >= 0) {
        close(fd);
    }
    if (tmp[0])
        unlink(tmp);
    kb_free(&tmp);
    kb_free(&path);
}

bool kb_lease_seen_expired(kb_lease_seen **tab, size_t *n, const kb_lease *l, int64_t now_ms,
                           bool *changed)
{
    kb_lease_seen *e = NULL;
    for (size_t i = 0; i < *n; i++)
        if (memcmp((*tab)[i].key, l->key.b, KB_KEY_LEN) == 0)
            e = &(*tab)[i];
    if (!e) {
        *tab = kb_reallocarray(*tab, *n + 1, sizeof **tab);
        e = &(*tab)[(*n)++];
        memcpy(e->key, l->key.b, KB_KEY_LEN);
        e->token = l->token;
        e->version = l->version;
        e->first_ms = now_ms;
        *changed = true;
        return false;
    }
    if (e->token != l->token || e->version != l->version || now_ms < e->first_ms) {
        /* renewed (or taken over) since we last looked: the lifetime
         * starts again from now */
        e->token = l->token;
        e->version = l->version;
        e->first_ms = now_ms;
        *changed = true;
        return false;
    }
    int64_t life = l->seconds > 0 ? l->seconds : (int64_t)(l->expires - l->since);
    if (life < 1)
        life = 1;
    return now_ms - e->first_ms >= life * 1000;
}

/* Liveness from the holder's SLOT lock byte; expiry of a live session's
 * lease from the renewals this host has seen, never from comparing the
 * holder's clock with ours.  Only our own lease is timed by our clock. */
static void kb_lease_classify(kb_board *b, const kb_lease *l, kb_lease_info *out)
{
    int slot;
    unsigned char nonce[KB_NONCE_LEN];
    kb_store_session_self(b->s, &slot, nonce);
    out->mine = l->slot == slot && memcmp(l->nonce, nonce, KB_NONCE_LEN) == 0;
    if (!kb_store_session_alive(b->s, l->slot, l->nonce)) {
        out->state = KB_LEASE_DEAD;
    } else if (out->mine) {
        out->state = l->expires <= kb_board_now(b) ? KB_LEASE_EXPIRED : KB_LEASE_ALIVE;
    } else {
        kb_seen_load(b);
        bool changed = false;
        bool expired = kb_lease_seen_expired(&b->seen, &b->nseen, l, kb_boot_ms(), &changed);
        if (changed)
            kb_seen_save(b);
        out->state = expired ? KB_LEASE_EXPIRED : KB_LEASE_ALIVE;
    }
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
        *rc = kb_err_damage(e, _("damaged lease counter; run 'kernboard verify'"));
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
    l.since = kb_board_now(b);
    l.expires = l.since + seconds;
    l.seconds = seconds;
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
    l.expires = kb_board_now(b) + seconds;
    l.seconds = seconds;
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
