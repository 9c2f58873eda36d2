/* orgs.c - organisations and contact moments. */
#include "core_internal.h"
#include "kernboard/codec.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

/* Index name of an organisation: folded (kb_fold: case and accents
 * ignored), the way the resolver matches names, so "cafe de zwaan" finds
 * "Café de Zwaan" and cannot become a second record. */
static char *kb_org_index_name(const char *name)
{
    char *f = kb_fold(name);
    char *s = kb_asprintf("org:%s", f);
    kb_free(&f);
    return s;
}

/* The index name boards wrote before names were folded: ASCII-lowercased. */
static char *kb_org_index_name_v1(const char *name)
{
    char *s = kb_asprintf("org:%s", name);
    for (char *p = s; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return s;
}

static bool kb_org_keep_fold(const void *item, const void *ctx)
{
    return kb_fold_eq(((const kb_org *)item)->name, ctx);
}

static int kb_org_dec(const void *p, size_t n, void *out, kb_err *e);
static void kb_org_fr(void *o);
static int kb_org_cmp(const void *a, const void *b);

/* A record indexed the old way under another spelling (an organisation
 * stored before names were folded): the first one whose folded name is
 * name's, by stored name.  Only when both index look-ups missed. */
static int kb_org_scan(kb_txn *t, const char *name, kb_org *out, kb_err *e)
{
    kb_collect_spec spec = {sizeof(kb_org),
                            offsetof(kb_org, key),
                            offsetof(kb_org, version),
                            kb_org_dec,
                            kb_org_fr,
                            kb_org_keep_fold,
                            name,
                            kb_org_cmp,
                            N_("organisation")};
    void *v = NULL;
    size_t n = 0;
    int rc = kb_collect(t, KB_T_ORGS, NULL, 0, &spec, &v, &n, e);
    kb_org *o = v;
    if (rc == KB_OK && n == 0)
        rc = KB_ENOENT;
    if (rc == KB_OK) {
        *out = o[0];
        memset(&o[0], 0, sizeof o[0]); /* moved */
    }
    for (size_t i = 0; i < n; i++)
        kb_org_free(&o[i]);
    kb_free(&v);
    return rc;
}

/* The organisation called name, case- and accent-insensitively (*v1 set
 * when it was found without its folded index entry). */
static int kb_org_find(kb_txn *t, const char *name, kb_org *out, bool *v1, kb_err *e)
{
    char *iname = kb_org_index_name(name);
    unsigned char key[KB_KEY_LEN];
    char *val = NULL;
    size_t n = 0;
    uint64_t ver = 0;
    *v1 = false;
    int rc = kb_txn_index_get(t, iname, key, NULL);
    if (rc == KB_ENOENT) {
        char *old = kb_org_index_name_v1(name);
        rc = kb_txn_index_get(t, old, key, NULL);
        kb_free(&old);
        *v1 = true;
    }
    if (rc == KB_OK)
        rc = kb_txn_get(t, KB_T_ORGS, key, KB_KEY_LEN, &val, &n, &ver, e);
    if (rc == KB_OK && (rc = kb_codec_org_decode(val, n, out, e)) == KB_OK) {
        memcpy(out->key.b, key, KB_KEY_LEN);
        out->version = ver;
    }
    if (rc == KB_ENOENT)
        rc = kb_org_scan(t, name, out, e);
    if (rc == KB_ENOENT)
        rc = kb_err_set(e, KB_ENOENT, _("no organisation '%s' (see 'kernboard org list')"), name);
    kb_free(&val);
    kb_free(&iname);
    return rc;
}

int kb_org_get(kb_txn *t, const char *name, kb_org *out, kb_err *e)
{
    bool v1;
    return kb_org_find(t, name, out, &v1, e);
}

/* Inside t: the record of the organisation called *name; one is made
 * (kind entrepreneur, no contact person) when there is none, and *name
 * becomes the stored spelling. */
int kb_org_ensure(kb_txn *t, char **name, bool *created, kb_err *e)
{
    if (created)
        *created = false;
    kb_org o;
    memset(&o, 0, sizeof o);
    bool v1 = false;
    int rc = kb_org_find(t, *name, &o, &v1, NULL);
    if (rc == KB_OK && v1) { /* an old record: index it folded from now on */
        char *iname = kb_org_index_name(o.name);
        rc = kb_txn_index_put(t, iname, o.key.b, e);
        kb_free(&iname);
        if (rc) {
            kb_org_free(&o);
            return rc;
        }
    }
    if (rc == KB_OK) {
        if (strcmp(o.name, *name) != 0) {
            kb_free(name);
            *name = o.name;
            o.name = NULL;
        }
        kb_org_free(&o);
        return KB_OK;
    }
    if (rc != KB_ENOENT)
        return kb_err_set(e, rc, _("cannot read organisation '%s'"), *name);
    o.name = *name;
    o.kind = KB_ORG_ENTREPRENEUR;
    if ((rc = kb_org_validate(&o, e)))
        return rc;
    kb_buf enc = KB_BUF_INIT;
    char *iname = kb_org_index_name(o.name);
    kb_store_random(o.key.b, KB_ID_LEN);
    kb_codec_org_encode(&o, &enc);
    rc = kb_txn_put(t, KB_T_ORGS, o.key.b, KB_KEY_LEN, enc.data, enc.len, KB_VERSION_NEW, NULL,
                    NULL, e);
    if (rc == KB_OK)
        rc = kb_txn_index_put(t, iname, o.key.b, e);
    if (rc == KB_OK && created)
        *created = true;
    kb_free(&iname);
    kb_buf_free(&enc);
    return rc;
}

int kb_orgs_ensure(kb_txn *t, kb_strv *names, kb_err *e)
{
    int rc = KB_OK;
    for (size_t i = 0; rc == KB_OK && i < names->n; i++)
        rc = kb_org_ensure(t, &names->v[i], NULL, e);
    return rc;
}

int kb_board_org_add(kb_board *b, kb_org *o, kb_err *e)
{
    int rc = kb_require_writer(b, e);
    if (rc || (rc = kb_org_validate(o, e)))
        return rc;
    kb_txn *t = NULL;
    char *iname = kb_org_index_name(o->name);
    kb_buf enc = KB_BUF_INIT;
    kb_org cur;
    memset(&cur, 0, sizeof cur);
    if ((rc = kb_store_write(b->s, "org.add", NULL, &t, e)))
        goto out;
    rc = kb_org_get(t, o->name, &cur, NULL);
    if (rc == KB_OK) /* the same name but for case or accents is the same organisation */
        rc = strcmp(cur.name, o->name) == 0
                 ? kb_err_set(e, KB_EDATA, _("organisation '%s' already exists"), o->name)
                 : kb_err_set(e, KB_EDATA, _("organisation '%s' already exists as '%s'"), o->name,
                              cur.name);
    kb_org_free(&cur);
    if (rc != KB_ENOENT)
        goto out;
    kb_store_random(o->key.b, KB_ID_LEN);
    kb_codec_org_encode(o, &enc);
    if ((rc = kb_txn_put(t, KB_T_ORGS, o->key.b, KB_KEY_LEN, enc.data, enc.len, KB_VERSION_NEW,
                         &o->version, NULL, e)) ||
        (rc = kb_txn_index_put(t, iname, o->key.b, e)))
        goto out;
    rc = kb_txn_commit(&t, e);
out:
    kb_txn_abort(&t);
    kb_buf_free(&enc);
    kb_free(&iname);
    return rc;
}

int kb_board_org_edit(kb_board *b, const kb_org *o, kb_err *e)
{
    int rc = kb_require_writer(b, e);
    if (rc || (rc = kb_org_validate(o, e)))
        return rc;
    kb_txn *t = NULL;
    kb_org cur;
    memset(&cur, 0, sizeof cur);
    kb_buf enc = KB_BUF_INIT;
    if ((rc = kb_store_write(b->s, "org.edit", NULL, &t, e)))
        return rc;
    if ((rc = kb_org_get(t, o->name, &cur, e)))
        goto out;
    kb_org n = *o;
    n.name = cur.name; /* keep the stored spelling */
    kb_codec_org_encode(&n, &enc);
    if ((rc = kb_txn_put(t, KB_T_ORGS, cur.key.b, KB_KEY_LEN, enc.data, enc.len, cur.version, NULL,
                         NULL, e)) == KB_OK)
        rc = kb_txn_commit(&t, e);
out:
    kb_txn_abort(&t);
    kb_org_free(&cur);
    kb_buf_free(&enc);
    return rc;
}

static int kb_org_cmp(const void *a, const void *b)
{
    return strcmp(((const kb_org *)a)->name, ((const kb_org *)b)->name);
}

/* By name as a reader sorts: case- and accent-insensitive. */
static int kb_org_cmp_fold(const void *a, const void *b)
{
    char *x = kb_fold(((const kb_org *)a)->name), *y = kb_fold(((const kb_org *)b)->name);
    int c = strcmp(x, y);
    kb_free(&x);
    kb_free(&y);
    return c ? c : kb_org_cmp(a, b);
}

static int kb_org_dec(const void *p, size_t n, void *out, kb_err *e)
{
    return kb_codec_org_decode(p, n, out, e);
}

static void kb_org_fr(void *o)
{
    kb_org_free(o);
}

int kb_board_org_get(kb_board *b, const char *name, kb_org *out, kb_err *e)
{
    memset(out, 0, sizeof *out);
    kb_txn *t = NULL;
    int rc = kb_store_read(b->s, &t, e);
    if (rc == KB_OK)
        rc = kb_org_get(t, name, out, e);
    kb_txn_abort(&t);
    return rc;
}

int kb_board_org_list(kb_board *b, kb_org_vec *out, kb_err *e)
{
    return kb_org_list_in(NULL, b, out, e);
}

int kb_org_list_in(kb_txn *t, kb_board *b, kb_org_vec *out, kb_err *e)
{
    static const kb_collect_spec spec = {sizeof(kb_org),
                                         offsetof(kb_org, key),
                                         offsetof(kb_org, version),
                                         kb_org_dec,
                                         kb_org_fr,
                                         NULL,
                                         NULL,
                                         kb_org_cmp,
                                         N_("organisation")};
    void *v = NULL;
    int rc = t ? kb_collect(t, KB_T_ORGS, NULL, 0, &spec, &v, &out->n, e)
               : kb_collect_all(b, KB_T_ORGS, &spec, &v, &out->n, e);
    out->v = v;
    return rc;
}

void kb_org_vec_free(kb_org_vec *v)
{
    for (size_t i = 0; i < v->n; i++)
        kb_org_free(&v->v[i]);
    kb_free(&v->v);
    v->n = 0;
}

static int kb_strcmp0(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/* By date, then a stable order for contacts on the same day. */
static int kb_contact_cmp(const void *a, const void *b)
{
    const kb_contact *x = a, *y = b;
    if (x->date != y->date)
        return (x->date > y->date) - (x->date < y->date);
    int c = kb_strcmp0(x->org, y->org);
    if (!c)
        c = kb_strcmp0(x->dept, y->dept);
    if (!c)
        c = kb_strcmp0(x->purpose, y->purpose);
    return c ? c : kb_strcmp0(x->user, y->user);
}

static bool kb_contact_keep(const void *item, const void *ctx)
{
    return !ctx || kb_fold_eq(((const kb_contact *)item)->org, ctx);
}

static int kb_contact_dec(const void *p, size_t n, void *out, kb_err *e)
{
    return kb_codec_contact_decode(p, n, out, e);
}

static void kb_contact_fr(void *c)
{
    kb_contact_free(c);
}

/* Contact moments of org (NULL = all), by date. */
int kb_contacts_in(kb_txn *t, const char *org, kb_contact_vec *out, kb_err *e)
{
    kb_collect_spec spec = {sizeof(kb_contact),
                            offsetof(kb_contact, key),
                            offsetof(kb_contact, version),
                            kb_contact_dec,
                            kb_contact_fr,
                            kb_contact_keep,
                            org,
                            kb_contact_cmp,
                            N_("contact")};
    void *v = NULL;
    int rc = kb_collect(t, KB_T_CONTACTS, NULL, 0, &spec, &v, &out->n, e);
    out->v = v;
    return rc;
}

/* ------------------------------------------------------------ the window */

/* META record of the board's contact window: u32 days (absent: the default). */
static const unsigned char kb_meta_contact_window[KB_KEY_LEN] = {0, 0, 0, 0, 0, 0, 0,   0,
                                                                 0, 0, 0, 0, 0, 0, 'c', 'w'};

static int kb_contact_window_get(kb_txn *t, int *days, uint64_t *ver, kb_err *e)
{
    char *val = NULL;
    size_t n = 0;
    *days = KB_CONTACT_WINDOW_DEFAULT;
    *ver = KB_VERSION_NEW;
    int rc = kb_txn_get(t, KB_T_META, kb_meta_contact_window, KB_KEY_LEN, &val, &n, ver, e);
    if (rc == KB_ENOENT) {
        kb_err_clear(e);
        *ver = KB_VERSION_NEW;
        rc = KB_OK;
    } else if (rc == KB_OK && n == 4) {
        const unsigned char *p = (const unsigned char *)val;
        uint32_t v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        *days = v > KB_CONTACT_WINDOW_MAX ? KB_CONTACT_WINDOW_MAX : (int)v;
    } else if (rc == KB_OK) {
        rc = kb_err_damage(e, _("damaged contact window record; run 'kernboard verify'"));
    }
    kb_free(&val);
    return rc;
}

int kb_contact_window_in(kb_txn *t, int *days, kb_err *e)
{
    uint64_t ver;
    return kb_contact_window_get(t, days, &ver, e);
}

int kb_board_contact_window(kb_board *b, int *days, kb_err *e)
{
    kb_txn *t = NULL;
    int rc = kb_store_read(b->s, &t, e);
    if (rc == KB_OK)
        rc = kb_contact_window_in(t, days, e);
    kb_txn_abort(&t);
    return rc;
}

int kb_board_contact_window_set(kb_board *b, int days, kb_err *e)
{
    if (b->me.role < KB_ROLE_BROKER)
        return kb_err_set(e, KB_EPERM,
                          _("only a broker or admin may change the contact window (you are %s)"),
                          kb_role_label(b->me.role));
    if (days < 0 || days > KB_CONTACT_WINDOW_MAX)
        return kb_err_set(e, KB_EDATA, _("the contact window must be 0 to %d days"),
                          KB_CONTACT_WINDOW_MAX);
    kb_txn *t = NULL;
    int rc = kb_store_write(b->s, "contact.window", NULL, &t, e);
    if (rc)
        return rc;
    if ((rc = kb_contact_window_put(t, days, e)) == KB_OK)
        rc = kb_txn_commit(&t, e);
    kb_txn_abort(&t);
    return rc;
}

int kb_contact_window_put(kb_txn *t, int days, kb_err *e)
{
    if (days < 0 || days > KB_CONTACT_WINDOW_MAX)
        return kb_err_set(e, KB_EDATA, _("the contact window must be 0 to %d days"),
                          KB_CONTACT_WINDOW_MAX);
    int cur;
    uint64_t ver;
    int rc = kb_contact_window_get(t, &cur, &ver, e);
    if (rc)
        return rc;
    unsigned char v[4] = {(unsigned char)(days >> 24), (unsigned char)(days >> 16),
                          (unsigned char)(days >> 8), (unsigned char)days};
    char detail[48];
    snprintf(detail, sizeof detail, "contact window %d -> %d days", cur, days);
    return kb_txn_put(t, KB_T_META, kb_meta_contact_window, KB_KEY_LEN, v, 4, ver, NULL, detail, e);
}

/* ------------------------------------------------------------ contact moments (use cases) */

char *kb_contact_clash_text(const kb_contact *c)
{
    char d[KB_DATE_STRLEN];
    kb_date_format(c->date, d);
    if (c->purpose && c->purpose[0])
        /* TRANSLATORS: department, user, organisation, date, purpose of
         * another department's contact moment */
        return kb_asprintf(_("%s (%s) also has contact with %s on %s: %s"), c->dept,
                           c->user ? c->user : "-", c->org, d, c->purpose);
    return kb_asprintf(_("%s (%s) also has contact with %s on %s"), c->dept,
                       c->user ? c->user : "-", c->org, d);
}

int kb_board_contact_add(kb_board *b, kb_contact *c, int window_days, kb_contact_vec *clashes,
                         kb_err *e)
{
    memset(clashes, 0, sizeof *clashes);
    int rc = kb_require_writer(b, e);
    if (!rc && !c->user)
        c->user = kb_strdup(kb_board_user(b));
    if (rc || (rc = kb_contact_validate(c, e)))
        return rc;
    const kb_dept *d = kb_board_dept_find(b, c->dept);
    if (!d)
        return kb_err_set(e, KB_EDATA, _("unknown department '%s'"), c->dept);
    kb_free(&c->dept);
    c->dept = kb_strdup(d->code);
    kb_txn *t = NULL;
    kb_contact_vec all = {0};
    kb_buf enc = KB_BUF_INIT;
    if ((rc = kb_store_write(b->s, "contact.add", NULL, &t, e)))
        return rc;
    /* the organisation is made on the fly when nobody added it yet */
    if ((rc = kb_org_ensure(t, &c->org, NULL, e)) ||
        (window_days < 0 && (rc = kb_contact_window_in(t, &window_days, e))) ||
        (rc = kb_contacts_in(t, c->org, &all, e)))
        goto out;
    for (size_t i = 0; i < all.n; i++) {
        kb_contact *x = &all.v[i];
        int gap = x->date - c->date;
        if (!kb_str_ieq(x->dept, c->dept) && abs(gap) <= window_days) {
            clashes->v = kb_reallocarray(clashes->v, clashes->n + 1, sizeof *clashes->v);
            clashes->v[clashes->n++] = *x;
            memset(x, 0, sizeof *x); /* moved */
        }
    }
    kb_store_random(c->key.b, KB_ID_LEN);
    kb_codec_contact_encode(c, &enc);
    if ((rc = kb_txn_put(t, KB_T_CONTACTS, c->key.b, KB_KEY_LEN, enc.data, enc.len, KB_VERSION_NEW,
                         &c->version, NULL, e)) == KB_OK)
        rc = kb_txn_commit(&t, e);
out:
    kb_txn_abort(&t);
    kb_contact_vec_free(&all);
    kb_buf_free(&enc);
    if (rc)
        kb_contact_vec_free(clashes);
    return rc;
}

int kb_board_contact_list(kb_board *b, const char *org, kb_contact_vec *out, kb_err *e)
{
    memset(out, 0, sizeof *out);
    kb_txn *t = NULL;
    int rc = kb_store_read(b->s, &t, e);
    if (rc)
        return rc;
    kb_org o;
    memset(&o, 0, sizeof o);
    if (org && (rc = kb_org_get(t, org, &o, e)) == KB_OK)
        org = o.name;
    if (rc == KB_OK)
        rc = kb_contacts_in(t, org, out, e);
    kb_txn_abort(&t);
    kb_org_free(&o);
    if (rc)
        kb_contact_vec_free(out);
    return rc;
}

int kb_board_org_overview(kb_board *b, kb_org_vec *orgs, kb_contact_vec *contacts, kb_err *e)
{
    static const kb_collect_spec spec = {sizeof(kb_org),
                                         offsetof(kb_org, key),
                                         offsetof(kb_org, version),
                                         kb_org_dec,
                                         kb_org_fr,
                                         NULL,
                                         NULL,
                                         kb_org_cmp_fold,
                                         N_("organisation")};
    memset(orgs, 0, sizeof *orgs);
    memset(contacts, 0, sizeof *contacts);
    kb_txn *t = NULL;
    int rc = kb_store_read(b->s, &t, e);
    if (rc)
        return rc;
    void *v = NULL;
    rc = kb_collect(t, KB_T_ORGS, NULL, 0, &spec, &v, &orgs->n, e);
    orgs->v = v;
    if (rc == KB_OK)
        rc = kb_contacts_in(t, NULL, contacts, e);
    kb_txn_abort(&t);
    if (rc) {
        kb_org_vec_free(orgs);
        kb_contact_vec_free(contacts);
    }
    return rc;
}

void kb_contact_vec_free(kb_contact_vec *v)
{
    for (size_t i = 0; i < v->n; i++)
        kb_contact_free(&v->v[i]);
    kb_free(&v->v);
    v->n = 0;
}

/* Import helpers (inside the import's write transaction). */
int kb_org_upsert(kb_txn *t, const kb_org *o, bool *added, bool *changed, kb_err *e)
{
    *added = *changed = false;
    kb_org cur;
    memset(&cur, 0, sizeof cur);
    int rc = kb_org_get(t, o->name, &cur, NULL);
    kb_buf enc = KB_BUF_INIT;
    if (rc == KB_ENOENT) {
        kb_org n = *o;
        kb_store_random(n.key.b, KB_ID_LEN);
        kb_codec_org_encode(&n, &enc);
        char *iname = kb_org_index_name(o->name);
        rc = kb_txn_put(t, KB_T_ORGS, n.key.b, KB_KEY_LEN, enc.data, enc.len, KB_VERSION_NEW, NULL,
                        NULL, e);
        if (rc == KB_OK)
            rc = kb_txn_index_put(t, iname, n.key.b, e);
        kb_free(&iname);
        *added = rc == KB_OK;
    } else if (rc == KB_OK) {
        if (cur.kind != o->kind || kb_strcmp0(cur.contact, o->contact) ||
            kb_strcmp0(cur.notes, o->notes)) {
            kb_org n = *o;
            n.name = cur.name;
            kb_codec_org_encode(&n, &enc);
            rc = kb_txn_put(t, KB_T_ORGS, cur.key.b, KB_KEY_LEN, enc.data, enc.len, cur.version,
                            NULL, NULL, e);
            *changed = rc == KB_OK;
        }
    } else {
        kb_err_set(e, rc, _("cannot read organisation '%s'"), o->name);
    }
    kb_org_free(&cur);
    kb_buf_free(&enc);
    return rc;
}

int kb_contact_insert(kb_txn *t, kb_contact *c, kb_err *e)
{
    kb_org o;
    memset(&o, 0, sizeof o);
    int rc = kb_org_get(t, c->org, &o, e);
    kb_org_free(&o);
    if (rc)
        return rc;
    kb_store_random(c->key.b, KB_ID_LEN);
    kb_buf enc = KB_BUF_INIT;
    kb_codec_contact_encode(c, &enc);
    rc = kb_txn_put(t, KB_T_CONTACTS, c->key.b, KB_KEY_LEN, enc.data, enc.len, KB_VERSION_NEW, NULL,
                    NULL, e);
    kb_buf_free(&enc);
    return rc;
}
