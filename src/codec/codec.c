/*
 * codec.c - descriptor-driven CBOR encoding of entities.
 * One table per entity lists (key, type, offset); encode and decode walk it.
 */
#include "kernboard/codec.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <stddef.h>
#include <string.h>

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

/* Each case field's id in the model's field table (kb_field_id), for a
 * decode of some fields only (kb_codec_case_decode_some); -1: always read. */
static const signed char kb_case_codec_fid[] = {
    -1,          KB_F_TITLE,  KB_F_DESC,    KB_F_STAGE,    KB_F_LEAD, KB_F_DEPTS, KB_F_LINE,
    KB_F_HOOKS,  KB_F_ORGS,   KB_F_OWNER,   KB_F_PRIORITY, -1,        -1,         KB_F_DUE,
    KB_F_REVIEW, KB_F_AGENDA, KB_F_BLOCKED, KB_F_CONF,     KB_F_TAGS, -1,
};
_Static_assert(sizeof kb_case_codec_fid == sizeof kb_case_codec_fields / sizeof(kb_field),
               "one id per case codec field");

static const kb_field kb_comment_fields[] = {
    FLD(kb_comment, "case", F_U32, case_number),
    FLD(kb_comment, "kind", F_INT, kind),
    FLD(kb_comment, "author", F_STR, author),
    FLD(kb_comment, "time", F_TIME, time),
    FLD(kb_comment, "text", F_STR, text),
    FLD(kb_comment, "tus", F_TIME, time_us),
    /* stage moves (optional; absent on other entries and on older records) */
    FLD(kb_comment, "mfrom", F_STR, move_from),
    FLD(kb_comment, "mto", F_STR, move_to),
    FLD(kb_comment, "reason", F_STR, reason),
};

static const kb_field kb_user_fields[] = {
    FLD(kb_user, "name", F_STR, name), FLD(kb_user, "display", F_STR, display),
    FLD(kb_user, "role", F_INT, role), FLD(kb_user, "depts", F_STRV, depts),
    FLD(kb_user, "pk", F_PK, sign_pk),
};

static const kb_field kb_dept_fields[] = {
    FLD(kb_dept, "code", F_STR, code),
    FLD(kb_dept, "name", F_STR, name),
    FLD(kb_dept, "colour", F_STR, colour),
};

static const kb_field kb_stage_fields[] = {
    FLD(kb_stage, "code", F_STR, code),      FLD(kb_stage, "name", F_STR, name),
    FLD(kb_stage, "pos", F_INT, position),   FLD(kb_stage, "wip", F_INT, wip_limit),
    FLD(kb_stage, "norm", F_INT, norm_days), FLD(kb_stage, "reason", F_BOOL, needs_reason),
    FLD(kb_stage, "dwip", F_STRV, dept_wip),
};

static const kb_field kb_line_fields[] = {
    FLD(kb_line, "code", F_STR, code),
    FLD(kb_line, "name", F_STR, name),
};

static const kb_field kb_lease_fields[] = {
    FLD(kb_lease, "case", F_U32, case_number), FLD(kb_lease, "slot", F_INT, slot),
    FLD(kb_lease, "nonce", F_NONCE, nonce),    FLD(kb_lease, "user", F_STR, user),
    FLD(kb_lease, "host", F_STR, host),        FLD(kb_lease, "since", F_TIME, since),
    FLD(kb_lease, "expires", F_TIME, expires), FLD(kb_lease, "token", F_U64, token),
    FLD(kb_lease, "secs", F_INT, seconds),
};

static const kb_field kb_action_fields[] = {
    FLD(kb_action_item, "n", F_U32, number),
    FLD(kb_action_item, "case", F_U32, case_number),
    FLD(kb_action_item, "text", F_STR, text),
    FLD(kb_action_item, "owner", F_STR, owner),
    FLD(kb_action_item, "due", F_DATE, due),
    FLD(kb_action_item, "done", F_BOOL, done),
    FLD(kb_action_item, "created", F_TIME, created),
};

static const kb_field kb_link_fields[] = {
    FLD(kb_link, "from", F_U32, from),
    FLD(kb_link, "to", F_U32, to),
    FLD(kb_link, "kind", F_INT, kind),
};

static const kb_field kb_org_fields[] = {
    FLD(kb_org, "name", F_STR, name),
    FLD(kb_org, "kind", F_INT, kind),
    FLD(kb_org, "contact", F_STR, contact),
    FLD(kb_org, "notes", F_STR, notes),
};

static const kb_field kb_contact_fields[] = {
    FLD(kb_contact, "org", F_STR, org),         FLD(kb_contact, "date", F_DATE, date),
    FLD(kb_contact, "dept", F_STR, dept),       FLD(kb_contact, "user", F_STR, user),
    FLD(kb_contact, "purpose", F_STR, purpose),
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

static const kb_field kb_decision_fields[] = {
    FLD(kb_decision, "n", F_U32, number),        FLD(kb_decision, "case", F_U32, case_number),
    FLD(kb_decision, "meeting", F_U32, meeting), FLD(kb_decision, "text", F_STR, text),
    FLD(kb_decision, "author", F_STR, author),   FLD(kb_decision, "time", F_TIME, time),
};

static const kb_field kb_goal_fields[] = {
    FLD(kb_goal, "code", F_STR, code),
    FLD(kb_goal, "text", F_STR, text),
    FLD(kb_goal, "dept", F_STR, dept),
};

#define NF(a) (sizeof a / sizeof a[0])

/* The encoder writes the CBOR bytes straight into the buffer (no item
 * tree: an allocation per item was most of an import's encoding time),
 * the same bytes as libcbor wrote for the same item tree: an indefinite
 * map of text keys, integers in their 8-byte form, every other head
 * (lengths) as short as its argument allows. */
static void kb_cw_head(kb_buf *b, unsigned major, uint64_t v)
{
    unsigned char h[9];
    size_t n;
    unsigned char m = (unsigned char)(major << 5);
    if (v < 24) {
        h[0] = (unsigned char)(m | v);
        n = 1;
    } else if (v <= 0xFF) {
        h[0] = m | 24;
        h[1] = (unsigned char)v;
        n = 2;
    } else if (v <= 0xFFFF) {
        h[0] = m | 25;
        h[1] = (unsigned char)(v >> 8);
        h[2] = (unsigned char)v;
        n = 3;
    } else if (v <= 0xFFFFFFFFu) {
        h[0] = m | 26;
        for (int i = 0; i < 4; i++)
            h[1 + i] = (unsigned char)(v >> (24 - 8 * i));
        n = 5;
    } else {
        h[0] = m | 27;
        for (int i = 0; i < 8; i++)
            h[1 + i] = (unsigned char)(v >> (56 - 8 * i));
        n = 9;
    }
    kb_buf_append(b, h, n);
}

static void kb_cw_text(kb_buf *b, const char *s)
{
    size_t n = strlen(s);
    kb_cw_head(b, 3, n);
    kb_buf_append(b, s, n);
}

/* An integer: always the 8-byte form (libcbor's 64-bit items; the
 * records have been written so since format 1). */
static void kb_cw_int8(kb_buf *b, unsigned char head, uint64_t u)
{
    unsigned char h[9];
    h[0] = head;
    for (int i = 0; i < 8; i++)
        h[1 + i] = (unsigned char)(u >> (56 - 8 * i));
    kb_buf_append(b, h, sizeof h);
}

static void kb_cw_int(kb_buf *b, int64_t v)
{
    if (v >= 0)
        kb_cw_int8(b, 0x1B, (uint64_t)v);
    else
        kb_cw_int8(b, 0x3B, (uint64_t)(-1 - v));
}

static void kb_cw_bytes(kb_buf *b, const void *p, size_t n)
{
    kb_cw_head(b, 2, n);
    kb_buf_append(b, p, n);
}

static void kb_encode(const kb_field *f, size_t nf, const void *obj, kb_buf *out)
{
    const char *base = obj;
    kb_buf_clear(out);
    kb_buf_reserve(out, 256);
    static const unsigned char open = 0xBF, brk = 0xFF, yes = 0xF5;
    kb_buf_append(out, &open, 1); /* an indefinite map */
    kb_cw_text(out, "v");
    kb_cw_int(out, KB_CODEC_VERSION);
    for (size_t i = 0; i < nf; i++) {
        const void *m = base + f[i].off;
        switch (f[i].type) {
        case F_STR: {
            const char *s = *(char *const *)m;
            if (s) {
                kb_cw_text(out, f[i].key);
                kb_cw_text(out, s);
            }
            break;
        }
        case F_STRV: {
            const kb_strv *sv = m;
            if (!sv->n)
                break;
            kb_cw_text(out, f[i].key);
            kb_cw_head(out, 4, sv->n);
            for (size_t k = 0; k < sv->n; k++)
                kb_cw_text(out, sv->v[k]);
            break;
        }
        case F_U32:
            kb_cw_text(out, f[i].key);
            kb_cw_int(out, *(const uint32_t *)m);
            break;
        case F_U32V: {
            const kb_u32v *uv = m;
            if (!uv->n)
                break;
            kb_cw_text(out, f[i].key);
            kb_cw_head(out, 4, uv->n);
            for (size_t k = 0; k < uv->n; k++)
                kb_cw_int(out, uv->v[k]);
            break;
        }
        case F_U64:
            kb_cw_text(out, f[i].key);
            kb_cw_int8(out, 0x1B, *(const uint64_t *)m);
            break;
        case F_INT:
            kb_cw_text(out, f[i].key);
            kb_cw_int(out, *(const int *)m);
            break;
        case F_BOOL:
            if (*(const bool *)m) {
                kb_cw_text(out, f[i].key);
                kb_buf_append(out, &yes, 1);
            }
            break;
        case F_DATE:
            if (*(const kb_date *)m != KB_DATE_NONE) {
                kb_cw_text(out, f[i].key);
                kb_cw_int(out, *(const kb_date *)m);
            }
            break;
        case F_TIME:
            kb_cw_text(out, f[i].key);
            kb_cw_int(out, *(const kb_time *)m);
            break;
        case F_PK:
            kb_cw_text(out, f[i].key);
            kb_cw_bytes(out, m, KB_SIGN_PK_LEN);
            break;
        case F_NONCE:
            kb_cw_text(out, f[i].key);
            kb_cw_bytes(out, m, KB_LEASE_NONCE_LEN);
            break;
        }
    }
    kb_buf_append(out, &brk, 1);
}

/* ------------------------------------------------------------ decoding
 *
 * Records are decoded straight into the structs by a small reader of the
 * CBOR the codec writes, without building libcbor's item tree (which cost
 * one allocation per item and most of a scan's time).  Two passes over the
 * bytes: the first checks that the input is exactly one well-formed CBOR
 * map (RFC 8949, every declared length within the input, nesting bounded),
 * the second reads the known keys and skips the rest.  (The encoder above
 * no longer uses libcbor either.) */

typedef struct kb_cr {
    const unsigned char *p, *end;
    bool utf8; /* check text for UTF-8 as it is read (else pass 1 did) */
} kb_cr;

#ifndef KB_CR_DEPTH /* nesting the reader follows (unknown keys only: records are flat) */
#define KB_CR_DEPTH 64
#endif
#define KB_CR_BREAK 0xFF

/* The head of an item: major type, argument, indefinite-length flag. */
static bool kb_cr_head(kb_cr *r, unsigned *major, uint64_t *arg, bool *indef)
{
    if (r->p >= r->end)
        return false;
    unsigned b = *r->p++;
    unsigned ai = b & 31;
    *major = b >> 5;
    *indef = false;
    *arg = 0;
    if (ai < 24) {
        *arg = ai;
        return true;
    }
    if (ai <= 27) {
        size_t len = (size_t)1 << (ai - 24);
        if ((size_t)(r->end - r->p) < len)
            return false;
        uint64_t v = 0;
        for (size_t i = 0; i < len; i++)
            v = v << 8 | r->p[i];
        r->p += len;
        *arg = v;
        return true;
    }
    if (ai == 31 && *major >= 2 && *major <= 5) {
        *indef = true;
        return true;
    }
    return false; /* reserved (28-30), or a break where an item belongs */
}

static size_t kb_cr_left(const kb_cr *r)
{
    return (size_t)(r->end - r->p);
}

static bool kb_cr_at_break(kb_cr *r)
{
    if (r->p < r->end && *r->p == KB_CR_BREAK) {
        r->p++;
        return true;
    }
    return false;
}

/* Skip one well-formed item; false when it is not (or nests too deep). */
static bool kb_cr_skip(kb_cr *r, int depth)
{
    unsigned major;
    uint64_t arg;
    bool indef;
    const unsigned char *start = r->p;
    if (depth > KB_CR_DEPTH || !kb_cr_head(r, &major, &arg, &indef))
        return false;
    switch (major) {
    case 0:
    case 1:
        return true;
    case 2:
    case 3:
        /* text is UTF-8 (libcbor counted that as well-formedness too) */
        if (!indef) {
            if (arg > kb_cr_left(r) || (major == 3 && !kb_utf8_valid((const char *)r->p, arg)))
                return false;
            r->p += arg;
            return true;
        }
        /* chunks: definite strings of the same major type, then a break */
        for (;;) {
            if (kb_cr_at_break(r))
                return true;
            unsigned cm;
            uint64_t cl;
            bool ci;
            if (!kb_cr_head(r, &cm, &cl, &ci) || cm != major || ci || cl > kb_cr_left(r) ||
                (major == 3 && !kb_utf8_valid((const char *)r->p, cl)))
                return false;
            r->p += cl;
        }
    case 4:
    case 5: {
        uint64_t per = major == 5 ? 2 : 1;
        if (!indef) {
            if (arg > kb_cr_left(r) / per)
                return false;
            for (uint64_t i = 0; i < arg * per; i++)
                if (!kb_cr_skip(r, depth + 1))
                    return false;
            return true;
        }
        for (;;) {
            if (kb_cr_at_break(r))
                return true;
            for (uint64_t i = 0; i < per; i++)
                if (!kb_cr_skip(r, depth + 1))
                    return false;
        }
    }
    case 6:
        /* tags 6..20 in the head byte: libcbor refused them (unassigned) */
        if ((*start & 31) >= 6 && (*start & 31) <= 20)
            return false;
        return kb_cr_skip(r, depth + 1);
    default:
        /* simple values: false, true, null, undefined and the three float
         * widths; the unassigned ones are refused as libcbor did */
        return ((*start & 31) >= 20 && (*start & 31) <= 23) ||
               ((*start & 31) >= 25 && (*start & 31) <= 27);
    }
}

/* A signed integer item (major type 0 or 1) that fits an int64_t. */
static bool kb_cr_i64(kb_cr *r, int64_t *out)
{
    unsigned major;
    uint64_t arg;
    bool indef;
    if (!kb_cr_head(r, &major, &arg, &indef) || major > 1 || arg > INT64_MAX)
        return false;
    *out = major == 0 ? (int64_t)arg : -1 - (int64_t)arg;
    return true;
}

/* A definite text string without NUL, at most KB_STRING_MAX bytes (pass 1
 * checked that every text string is UTF-8). */
static bool kb_cr_text(kb_cr *r, const char **s, size_t *n)
{
    unsigned major;
    uint64_t arg;
    bool indef;
    if (!kb_cr_head(r, &major, &arg, &indef) || major != 3 || indef || arg > kb_cr_left(r) ||
        arg > KB_STRING_MAX)
        return false;
    const char *p = (const char *)r->p;
    size_t len = (size_t)arg;
    if (memchr(p, 0, len) || (r->utf8 && !kb_utf8_valid(p, len)))
        return false;
    r->p += len;
    *s = p;
    *n = len;
    return true;
}

static bool kb_cr_text_dup(kb_cr *r, char **out)
{
    const char *s;
    size_t n;
    if (!kb_cr_text(r, &s, &n))
        return false;
    *out = kb_strndup(s, n);
    return true;
}

/* The head of a definite array of at most KB_LIST_MAX items (the limit the
 * model's validation enforces on every list field it lets be written). */
static bool kb_cr_array(kb_cr *r, size_t *count)
{
    unsigned major;
    uint64_t arg;
    bool indef;
    if (!kb_cr_head(r, &major, &arg, &indef) || major != 4 || indef || arg > KB_LIST_MAX ||
        arg > kb_cr_left(r))
        return false;
    *count = (size_t)arg;
    return true;
}

static bool kb_cr_bytes(kb_cr *r, void *out, size_t want)
{
    unsigned major;
    uint64_t arg;
    bool indef;
    if (!kb_cr_head(r, &major, &arg, &indef) || major != 2 || indef || arg != want ||
        arg > kb_cr_left(r))
        return false;
    memcpy(out, r->p, want);
    r->p += want;
    return true;
}

/* One known field's value into the struct member m. */
static bool kb_cr_field(kb_cr *r, enum kb_ftype type, void *m)
{
    int64_t iv = 0;
    switch (type) {
    case F_STR: {
        char *s = NULL;
        if (!kb_cr_text_dup(r, &s))
            return false;
        kb_free((char **)m);
        *(char **)m = s;
        return true;
    }
    case F_STRV: {
        kb_strv *sv = m;
        size_t cnt = 0;
        if (!kb_cr_array(r, &cnt))
            return false;
        kb_strv_free(sv);
        if (cnt)
            sv->v = kb_reallocarray(NULL, cnt, sizeof *sv->v);
        for (size_t k = 0; k < cnt; k++) {
            if (!kb_cr_text_dup(r, &sv->v[k]))
                return false;
            sv->n++;
        }
        return true;
    }
    case F_U32:
        if (!kb_cr_i64(r, &iv) || iv < 0 || iv > UINT32_MAX)
            return false;
        *(uint32_t *)m = (uint32_t)iv;
        return true;
    case F_U32V: {
        kb_u32v *uv = m;
        size_t cnt = 0;
        if (!kb_cr_array(r, &cnt))
            return false;
        kb_u32v_free(uv);
        if (cnt)
            uv->v = kb_reallocarray(NULL, cnt, sizeof *uv->v);
        for (size_t k = 0; k < cnt; k++) {
            if (!kb_cr_i64(r, &iv) || iv < 0 || iv > UINT32_MAX)
                return false;
            uv->v[uv->n++] = (uint32_t)iv;
        }
        return true;
    }
    case F_U64: {
        unsigned major;
        uint64_t arg;
        bool indef;
        if (!kb_cr_head(r, &major, &arg, &indef) || major != 0)
            return false;
        *(uint64_t *)m = arg;
        return true;
    }
    case F_INT:
        if (!kb_cr_i64(r, &iv) || iv < -1000000 || iv > 1000000)
            return false;
        *(int *)m = (int)iv;
        return true;
    case F_BOOL:
        if (r->p >= r->end || (*r->p != 0xF4 && *r->p != 0xF5))
            return false;
        *(bool *)m = *r->p++ == 0xF5;
        return true;
    case F_DATE:
        if (!kb_cr_i64(r, &iv) || iv <= INT32_MIN || iv > INT32_MAX)
            return false;
        *(kb_date *)m = (kb_date)iv;
        return true;
    case F_TIME:
        if (!kb_cr_i64(r, &iv))
            return false;
        *(kb_time *)m = iv;
        return true;
    case F_PK:
        return kb_cr_bytes(r, m, KB_SIGN_PK_LEN);
    case F_NONCE:
        return kb_cr_bytes(r, m, KB_LEASE_NONCE_LEN);
    }
    return false;
}

/* One known field's value checked as kb_cr_field checks it, not stored. */
static bool kb_cr_field_check(kb_cr *r, enum kb_ftype type)
{
    const char *s;
    size_t len, cnt = 0;
    switch (type) {
    case F_STR:
        return kb_cr_text(r, &s, &len);
    case F_STRV:
        if (!kb_cr_array(r, &cnt))
            return false;
        for (size_t k = 0; k < cnt; k++)
            if (!kb_cr_text(r, &s, &len))
                return false;
        return true;
    case F_U32V:
        if (!kb_cr_array(r, &cnt))
            return false;
        for (size_t k = 0; k < cnt; k++) {
            int64_t iv;
            if (!kb_cr_i64(r, &iv) || iv < 0 || iv > UINT32_MAX)
                return false;
        }
        return true;
    default: {
        /* the scalar types allocate nothing: read into a scratch value */
        union {
            uint64_t u;
            kb_time t;
            unsigned char b[KB_SIGN_PK_LEN + KB_LEASE_NONCE_LEN];
        } tmp;
        return kb_cr_field(r, type, &tmp);
    }
    }
}

/* The table's field with this key; the encoder writes the fields in table
 * order, so the search starts after the field matched last (*hint; keys
 * are unique in a table). */
static const kb_field *kb_field_find(const kb_field *f, size_t nf, const char *key, size_t klen,
                                     size_t *hint)
{
    for (size_t j = 0; j < nf && klen; j++) {
        size_t k = *hint + j < nf ? *hint + j : *hint + j - nf;
        if (f[k].key[0] == key[0] && strlen(f[k].key) == klen && memcmp(f[k].key, key, klen) == 0) {
            *hint = k + 1 < nf ? k + 1 : 0;
            return &f[k];
        }
    }
    return NULL;
}

/* The two-pass reader: pass 1 checks the whole input, pass 2 reads it.
 * Used when the one-pass reader below refuses an input, for the message
 * that names what is wrong. */
static int kb_decode_checked(const kb_field *f, size_t nf, const char *what, const void *p,
                             size_t n, void *obj, kb_err *e)
{
    char *base = obj;
    kb_cr r = {p, (const unsigned char *)p + n, false};
    /* pass 1: exactly one well-formed map */
    kb_cr chk = r;
    if (n == 0 || n > KB_RECORD_MAX || (*r.p >> 5) != 5 || !kb_cr_skip(&chk, 0) || chk.p != r.end)
        return kb_err_set(e, KB_EDATA, _("damaged %s record: not a valid CBOR map"), what);
    /* pass 2: the fields */
    unsigned major;
    uint64_t npairs;
    bool indef;
    if (!kb_cr_head(&r, &major, &npairs, &indef))
        return kb_err_set(e, KB_EDATA, _("damaged %s record: not a valid CBOR map"), what);
    size_t hint = 0;
    for (uint64_t i = 0; indef || i < npairs; i++) {
        if (indef && kb_cr_at_break(&r))
            break;
        const char *key;
        size_t klen;
        if (!kb_cr_text(&r, &key, &klen))
            return kb_err_set(e, KB_EDATA, _("damaged %s record: bad key"), what);
        if (klen == 1 && key[0] == 'v') {
            int64_t v = 0;
            if (!kb_cr_i64(&r, &v) || v < 1 || v > KB_CODEC_VERSION)
                return kb_err_set(e, KB_EDATA,
                                  _("%s record has encoding version this kernboard cannot read"),
                                  what);
            continue;
        }
        const kb_field *fd = kb_field_find(f, nf, key, klen, &hint);
        if (!fd) {
            if (!kb_cr_skip(&r, 1)) /* cannot happen after pass 1 */
                return kb_err_set(e, KB_EDATA, _("damaged %s record: not a valid CBOR map"), what);
            continue;
        }
        if (!kb_cr_field(&r, fd->type, base + fd->off))
            return kb_err_set(e, KB_EDATA, _("damaged %s record: field '%s' has a bad value"), what,
                              fd->key);
    }
    return KB_OK;
}

/* The one-pass reader: checks and reads in one walk over the bytes (text
 * is checked for UTF-8 as it is read), and accepts exactly what the
 * two-pass reader accepts: false for anything that one refuses, which then
 * runs for the message.  A field whose id (fid, the model's kb_field_id;
 * -1: always read) is not in want is checked as the reader would check it
 * but not stored (it keeps its initial value). */
static bool kb_decode_fast(const kb_field *f, size_t nf, const signed char *fid, uint32_t want,
                           const void *p, size_t n, void *obj)
{
    char *base = obj;
    kb_cr r = {p, (const unsigned char *)p + n, true};
    unsigned major;
    uint64_t npairs;
    bool indef;
    if (n == 0 || n > KB_RECORD_MAX || (*r.p >> 5) != 5 || !kb_cr_head(&r, &major, &npairs, &indef))
        return false;
    if (!indef && npairs > kb_cr_left(&r) / 2)
        return false;
    size_t hint = 0;
    for (uint64_t i = 0; indef || i < npairs; i++) {
        if (indef && kb_cr_at_break(&r))
            break;
        const char *key;
        size_t klen;
        if (!kb_cr_text(&r, &key, &klen))
            return false;
        if (klen == 1 && key[0] == 'v') {
            int64_t v = 0;
            if (!kb_cr_i64(&r, &v) || v < 1 || v > KB_CODEC_VERSION)
                return false;
            continue;
        }
        const kb_field *fd = kb_field_find(f, nf, key, klen, &hint);
        if (!fd) {
            if (!kb_cr_skip(&r, 1))
                return false;
            continue;
        }
        signed char id = fid ? fid[fd - f] : -1;
        if (id >= 0 && !(want & (1u << id))) {
            if (!kb_cr_field_check(&r, fd->type))
                return false;
        } else if (!kb_cr_field(&r, fd->type, base + fd->off)) {
            return false;
        }
    }
    return r.p == r.end;
}

#define KB_CODEC_PAIR(name, type, fields, what, init, fini)                                        \
    void kb_codec_##name##_encode(const type *x, kb_buf *out)                                      \
    {                                                                                              \
        kb_encode(fields, NF(fields), x, out);                                                     \
    }                                                                                              \
    int kb_codec_##name##_decode(const void *p, size_t n, type *out, kb_err *e)                    \
    {                                                                                              \
        init;                                                                                      \
        if (kb_decode_fast(fields, NF(fields), NULL, 0, p, n, out))                                \
            return KB_OK;                                                                          \
        fini;                                                                                      \
        init;                                                                                      \
        int rc = kb_decode_checked(fields, NF(fields), what, p, n, out, e);                        \
        if (rc)                                                                                    \
            fini;                                                                                  \
        return rc;                                                                                 \
    }

KB_CODEC_PAIR(case, kb_case, kb_case_codec_fields, "case", kb_case_init(out), kb_case_free(out))
int kb_codec_case_decode_two_pass(const void *p, size_t n, kb_case *out, kb_err *e)
{
    kb_case_init(out);
    int rc =
        kb_decode_checked(kb_case_codec_fields, NF(kb_case_codec_fields), "case", p, n, out, e);
    if (rc)
        kb_case_free(out);
    return rc;
}
int kb_codec_case_decode_some(const void *p, size_t n, kb_case *out, uint32_t fields, kb_err *e)
{
    kb_case_init(out);
    if (kb_decode_fast(kb_case_codec_fields, NF(kb_case_codec_fields), kb_case_codec_fid, fields, p,
                       n, out))
        return KB_OK;
    kb_case_free(out);
    kb_case_init(out);
    int rc =
        kb_decode_checked(kb_case_codec_fields, NF(kb_case_codec_fields), "case", p, n, out, e);
    if (rc)
        kb_case_free(out);
    return rc;
}

KB_CODEC_PAIR(comment, kb_comment, kb_comment_fields, "comment", memset(out, 0, sizeof *out),
              kb_comment_free(out))
KB_CODEC_PAIR(user, kb_user, kb_user_fields, "user", memset(out, 0, sizeof *out), kb_user_free(out))
KB_CODEC_PAIR(dept, kb_dept, kb_dept_fields, "department", memset(out, 0, sizeof *out),
              kb_dept_free(out))
KB_CODEC_PAIR(stage, kb_stage, kb_stage_fields, "stage", memset(out, 0, sizeof *out),
              kb_stage_free(out))
KB_CODEC_PAIR(line, kb_line, kb_line_fields, "action line", memset(out, 0, sizeof *out),
              kb_line_free(out))
KB_CODEC_PAIR(lease, kb_lease, kb_lease_fields, "lease", memset(out, 0, sizeof *out),
              kb_lease_free(out))
KB_CODEC_PAIR(action, kb_action_item, kb_action_fields, "action item", kb_action_item_init(out),
              kb_action_item_free(out))
KB_CODEC_PAIR(link, kb_link, kb_link_fields, "link", memset(out, 0, sizeof *out), (void)0)
KB_CODEC_PAIR(org, kb_org, kb_org_fields, "organisation", memset(out, 0, sizeof *out),
              kb_org_free(out))
KB_CODEC_PAIR(contact, kb_contact, kb_contact_fields, "contact moment",
              (memset(out, 0, sizeof *out), out->date = KB_DATE_NONE), kb_contact_free(out))
KB_CODEC_PAIR(meeting, kb_meeting, kb_meeting_fields, "meeting", kb_meeting_init(out),
              kb_meeting_free(out))
KB_CODEC_PAIR(decision, kb_decision, kb_decision_fields, "decision", memset(out, 0, sizeof *out),
              kb_decision_free(out))
KB_CODEC_PAIR(goal, kb_goal, kb_goal_fields, "goal", memset(out, 0, sizeof *out), kb_goal_free(out))
