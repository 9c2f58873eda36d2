/* libFuzzer target: the codec's own CBOR reader (src/codec/codec.c, issue 16)
 * against the decoder it replaced, which built libcbor's item tree
 * (cbor_load) and read the fields from it: on every input both accept or
 * both refuse with the same message, and what they accept re-encodes to
 * the same bytes.  The reference below is that decoder, unchanged, with the
 * field tables of the record types it checks (case, meeting, lease, user:
 * every field type); a field added to codec.c must be added here too.
 * Built with a deeper nesting limit than the product's (see run.sh), as
 * libcbor has none. */
#include <cbor.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernboard/codec.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum kb_ftype { F_STR, F_STRV, F_U32, F_U32V, F_U64, F_INT, F_BOOL, F_DATE, F_TIME, F_PK, F_NONCE };

typedef struct kb_field {
    const char *key;
    enum kb_ftype type;
    size_t off;
} kb_field;

#define FLD(st, k, t, m)                                                                           \
    {                                                                                              \
        k, t, offsetof(st, m)                                                                      \
    }
#define NF(a) (sizeof a / sizeof a[0])

static const kb_field kb_case_codec_fields[] = {
    FLD(kb_case, "n", F_U32, number),         FLD(kb_case, "title", F_STR, title),
    FLD(kb_case, "desc", F_STR, description), FLD(kb_case, "stage", F_STR, stage),
    FLD(kb_case, "lead", F_STR, lead_dept),   FLD(kb_case, "depts", F_STRV, depts),
    FLD(kb_case, "line", F_STR, action_line), FLD(kb_case, "hooks", F_STRV, hooks),
    FLD(kb_case, "orgs", F_STRV, orgs),       FLD(kb_case, "owner", F_STR, owner),
    FLD(kb_case, "prio", F_INT, priority),    FLD(kb_case, "created", F_TIME, created),
    FLD(kb_case, "updated", F_TIME, updated), FLD(kb_case, "due", F_DATE, due),
    FLD(kb_case, "review", F_DATE, review),   FLD(kb_case, "agenda", F_BOOL, on_agenda),
    FLD(kb_case, "blocked", F_STR, blocked),  FLD(kb_case, "conf", F_INT, conf),
    FLD(kb_case, "tags", F_STRV, tags),       FLD(kb_case, "moved", F_TIME, moved),
};

static const kb_field kb_user_fields[] = {
    FLD(kb_user, "name", F_STR, name), FLD(kb_user, "display", F_STR, display),
    FLD(kb_user, "role", F_INT, role), FLD(kb_user, "depts", F_STRV, depts),
    FLD(kb_user, "pk", F_PK, sign_pk),
};

static const kb_field kb_lease_fields[] = {
    FLD(kb_lease, "case", F_U32, case_number), FLD(kb_lease, "slot", F_INT, slot),
    FLD(kb_lease, "nonce", F_NONCE, nonce),    FLD(kb_lease, "user", F_STR, user),
    FLD(kb_lease, "host", F_STR, host),        FLD(kb_lease, "since", F_TIME, since),
    FLD(kb_lease, "expires", F_TIME, expires), FLD(kb_lease, "token", F_U64, token),
    FLD(kb_lease, "secs", F_INT, seconds),
};

static const kb_field kb_meeting_fields[] = {
    FLD(kb_meeting, "n", F_U32, number),
    FLD(kb_meeting, "date", F_DATE, date),
    FLD(kb_meeting, "attendees", F_STRV, attendees),
    FLD(kb_meeting, "agenda", F_U32V, agenda),
    FLD(kb_meeting, "minutes", F_STR, minutes),
    /* meeting mode (optional: absent on meetings recorded afterwards) */
    FLD(kb_meeting, "state", F_INT, state),
    FLD(kb_meeting, "chair", F_STR, chair),
    FLD(kb_meeting, "guests", F_STRV, guests),
    FLD(kb_meeting, "started", F_TIME, started),
    FLD(kb_meeting, "ended", F_TIME, ended),
    FLD(kb_meeting, "plan", F_U32V, plan),
    FLD(kb_meeting, "spent", F_U32V, spent),
    FLD(kb_meeting, "why", F_STRV, why),
    FLD(kb_meeting, "cur", F_INT, current),
    FLD(kb_meeting, "isince", F_TIME, item_since),
    FLD(kb_meeting, "reveals", F_U32V, reveals),
    FLD(kb_meeting, "actions", F_U32V, actions),
};

static bool kb_get_i64(const cbor_item_t *it, int64_t *out)
{
    if (cbor_isa_uint(it)) {
        uint64_t v = cbor_get_int(it);
        if (v > INT64_MAX)
            return false;
        *out = (int64_t)v;
        return true;
    }
    if (cbor_isa_negint(it)) {
        uint64_t v = cbor_get_int(it);
        if (v > INT64_MAX)
            return false;
        *out = -1 - (int64_t)v;
        return true;
    }
    return false;
}

static char *kb_get_text(const cbor_item_t *it)
{
    if (!cbor_isa_string(it) || !cbor_string_is_definite(it))
        return NULL;
    size_t n = cbor_string_length(it);
    const char *p = (const char *)cbor_string_handle(it);
    if (n > 1 << 20 || (n && !p) || !kb_utf8_valid(p ? p : "", n) || (p && memchr(p, 0, n)))
        return NULL;
    return kb_strndup(p ? p : "", n);
}

/* libcbor allocates a definite array or map for its declared size before
 * reading its items, so a forged header could ask for gigabytes.  Walk the
 * input with the streaming decoder first (no allocation) and refuse any
 * collection that declares more items than the input has bytes. */
typedef struct kb_prescan {
    size_t total;
    bool bad;
} kb_prescan;

static void kb_prescan_array(void *ctx, size_t size)
{
    kb_prescan *ps = ctx;
    if (size > ps->total)
        ps->bad = true;
}

static void kb_prescan_map(void *ctx, size_t size)
{
    kb_prescan *ps = ctx;
    if (size > ps->total / 2)
        ps->bad = true;
}

static bool kb_prescan_ok(const unsigned char *p, size_t n)
{
    struct cbor_callbacks cb = cbor_empty_callbacks;
    cb.array_start = kb_prescan_array;
    cb.map_start = kb_prescan_map;
    kb_prescan ps = {.total = n, .bad = false};
    size_t off = 0;
    while (off < n && !ps.bad) {
        struct cbor_decoder_result r = cbor_stream_decode(p + off, n - off, &cb, &ps);
        if (r.status != CBOR_DECODER_FINISHED || r.read == 0)
            return false;
        off += r.read;
    }
    return !ps.bad;
}

static int kb_decode(const kb_field *f, size_t nf, const char *what, const void *p, size_t n,
                     void *obj, kb_err *e)
{
    char *base = obj;
    struct cbor_load_result res;
    cbor_item_t *root = NULL;
    int rc = KB_OK;
    if (n == 0 || n > (1u << 24) || !kb_prescan_ok(p, n)) {
        rc = kb_err_set(e, KB_EDATA, _("damaged %s record: not a valid CBOR map"), what);
        goto out;
    }
    root = cbor_load(p, n, &res);
    if (!root || res.error.code != CBOR_ERR_NONE || res.read != n || !cbor_isa_map(root)) {
        rc = kb_err_set(e, KB_EDATA, _("damaged %s record: not a valid CBOR map"), what);
        goto out;
    }
    size_t np = cbor_map_size(root);
    struct cbor_pair *pairs = cbor_map_handle(root);
    for (size_t i = 0; i < np && rc == KB_OK; i++) {
        char *key = kb_get_text(pairs[i].key);
        if (!key) {
            rc = kb_err_set(e, KB_EDATA, _("damaged %s record: bad key"), what);
            break;
        }
        const kb_field *fd = NULL;
        for (size_t k = 0; k < nf; k++)
            if (strcmp(f[k].key, key) == 0)
                fd = &f[k];
        if (strcmp(key, "v") == 0) {
            int64_t v = 0;
            if (!kb_get_i64(pairs[i].value, &v) || v < 1 || v > KB_CODEC_VERSION)
                rc = kb_err_set(e, KB_EDATA,
                                _("%s record has encoding version this kernboard cannot read"),
                                what);
        }
        if (fd && rc == KB_OK) {
            void *m = base + fd->off;
            const cbor_item_t *v = pairs[i].value;
            int64_t iv = 0;
            bool ok = true;
            switch (fd->type) {
            case F_STR: {
                char *s = kb_get_text(v);
                ok = s != NULL;
                if (ok) {
                    kb_free((char **)m);
                    *(char **)m = s;
                }
                break;
            }
            case F_STRV: {
                kb_strv *sv = m;
                ok = cbor_isa_array(v) && cbor_array_is_definite(v) && cbor_array_size(v) < 10000;
                if (ok) {
                    kb_strv_free(sv);
                    cbor_item_t **items = cbor_array_handle(v);
                    for (size_t k = 0; ok && k < cbor_array_size(v); k++) {
                        char *s = kb_get_text(items[k]);
                        ok = s != NULL;
                        if (ok) {
                            kb_strv_push(sv, s);
                            kb_free(&s);
                        }
                    }
                }
                break;
            }
            case F_U32:
                ok = kb_get_i64(v, &iv) && iv >= 0 && iv <= UINT32_MAX;
                if (ok)
                    *(uint32_t *)m = (uint32_t)iv;
                break;
            case F_U32V: {
                kb_u32v *uv = m;
                ok = cbor_isa_array(v) && cbor_array_is_definite(v) && cbor_array_size(v) < 10000;
                if (ok) {
                    kb_u32v_free(uv);
                    cbor_item_t **items = cbor_array_handle(v);
                    for (size_t k = 0; ok && k < cbor_array_size(v); k++) {
                        ok = kb_get_i64(items[k], &iv) && iv >= 0 && iv <= UINT32_MAX;
                        if (ok)
                            kb_u32v_push(uv, (uint32_t)iv);
                    }
                }
                break;
            }
            case F_U64:
                ok = cbor_isa_uint(v);
                if (ok)
                    *(uint64_t *)m = cbor_get_int(v);
                break;
            case F_INT:
                ok = kb_get_i64(v, &iv) && iv >= -1000000 && iv <= 1000000;
                if (ok)
                    *(int *)m = (int)iv;
                break;
            case F_BOOL:
                ok = cbor_is_bool(v);
                if (ok)
                    *(bool *)m = cbor_get_bool(v);
                break;
            case F_DATE:
                ok = kb_get_i64(v, &iv) && iv > INT32_MIN && iv <= INT32_MAX;
                if (ok)
                    *(kb_date *)m = (kb_date)iv;
                break;
            case F_TIME:
                ok = kb_get_i64(v, &iv);
                if (ok)
                    *(kb_time *)m = iv;
                break;
            case F_PK:
                ok = cbor_isa_bytestring(v) && cbor_bytestring_is_definite(v) &&
                     cbor_bytestring_length(v) == KB_SIGN_PK_LEN;
                if (ok)
                    memcpy(m, cbor_bytestring_handle(v), KB_SIGN_PK_LEN);
                break;
            case F_NONCE:
                ok = cbor_isa_bytestring(v) && cbor_bytestring_is_definite(v) &&
                     cbor_bytestring_length(v) == KB_LEASE_NONCE_LEN;
                if (ok)
                    memcpy(m, cbor_bytestring_handle(v), KB_LEASE_NONCE_LEN);
                break;
            }
            if (!ok)
                rc = kb_err_set(e, KB_EDATA, _("damaged %s record: field '%s' has a bad value"),
                                what, key);
        }
        kb_free(&key);
    }
out:
    if (root)
        cbor_decref(&root);
    return rc;
}

#define KB_REF_CHECK(name, type, fields, init, fini)                                               \
    do {                                                                                           \
        type a_, b_;                                                                               \
        kb_err ea_, eb_;                                                                           \
        kb_err_clear(&ea_);                                                                        \
        kb_err_clear(&eb_);                                                                        \
        int ra_ = kb_codec_##name##_decode(data, size, &a_, &ea_);                                 \
        init(&b_);                                                                                 \
        int rb_ = kb_decode(fields, NF(fields), #name, data, size, &b_, &eb_);                     \
        if (ra_ != rb_ || strcmp(ea_.msg, eb_.msg) != 0)                                           \
            __builtin_trap();                                                                      \
        if (ra_ == KB_OK) {                                                                        \
            kb_buf x_ = KB_BUF_INIT, y_ = KB_BUF_INIT;                                             \
            kb_codec_##name##_encode(&a_, &x_);                                                    \
            kb_codec_##name##_encode(&b_, &y_);                                                    \
            if (x_.len != y_.len || memcmp(x_.data, y_.data, x_.len) != 0)                         \
                __builtin_trap();                                                                  \
            kb_buf_free(&x_);                                                                      \
            kb_buf_free(&y_);                                                                      \
            fini(&a_);                                                                             \
        }                                                                                          \
        fini(&b_);                                                                                 \
    } while (0)

static void kb_zero_user(kb_user *u)
{
    memset(u, 0, sizeof *u);
}

static void kb_zero_lease(kb_lease *l)
{
    memset(l, 0, sizeof *l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    KB_REF_CHECK(case, kb_case, kb_case_codec_fields, kb_case_init, kb_case_free);
    KB_REF_CHECK(meeting, kb_meeting, kb_meeting_fields, kb_meeting_init, kb_meeting_free);
    KB_REF_CHECK(lease, kb_lease, kb_lease_fields, kb_zero_lease, kb_lease_free);
    KB_REF_CHECK(user, kb_user, kb_user_fields, kb_zero_user, kb_user_free);
    return 0;
}
