/* resolve.c - accent folding and the one resolver of typed names to
 * reference data; see kernboard/model.h and kernboard/query.h. */
#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/model.h"
#include "kernboard/query.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Base letters of U+00C0..U+00FF; NULL = keep (× and ÷). */
static const char *const kb_fold_latin1[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c",  "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  NULL, "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c",  "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  NULL, "o", "u", "u", "u", "u", "y", "th", "y",
};

/* Latin Extended-A (U+0100..U+017F) in runs of one base letter. */
static const struct {
    unsigned lo, hi;
    const char *base;
} kb_fold_exta[] = {
    {0x100, 0x105, "a"}, {0x106, 0x10D, "c"},  {0x10E, 0x111, "d"}, {0x112, 0x11B, "e"},
    {0x11C, 0x123, "g"}, {0x124, 0x127, "h"},  {0x128, 0x131, "i"}, {0x132, 0x133, "ij"},
    {0x134, 0x135, "j"}, {0x136, 0x138, "k"},  {0x139, 0x142, "l"}, {0x143, 0x14B, "n"},
    {0x14C, 0x151, "o"}, {0x152, 0x153, "oe"}, {0x154, 0x159, "r"}, {0x15A, 0x161, "s"},
    {0x162, 0x167, "t"}, {0x168, 0x173, "u"},  {0x174, 0x175, "w"}, {0x176, 0x178, "y"},
    {0x179, 0x17E, "z"}, {0x17F, 0x17F, "s"},
};

static const char *kb_fold_cp(unsigned cp)
{
    if (cp >= 0xC0 && cp <= 0xFF)
        return kb_fold_latin1[cp - 0xC0];
    for (size_t i = 0; i < sizeof kb_fold_exta / sizeof kb_fold_exta[0]; i++)
        if (cp >= kb_fold_exta[i].lo && cp <= kb_fold_exta[i].hi)
            return kb_fold_exta[i].base;
    return NULL;
}

size_t kb_fold_into(const char *s, char *out)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t n = 0;
    while (*p) {
        if (*p < 0x80) {
            out[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + ('a' - 'A') : *p);
            p++;
            continue;
        }
        /* two-byte sequences C3 xx .. C5 xx cover U+00C0..U+017F; every
         * base is one or two letters, so the result never grows */
        if (*p >= 0xC3 && *p <= 0xC5 && (p[1] & 0xC0) == 0x80) {
            unsigned cp = ((unsigned)(*p & 0x1F) << 6) | (unsigned)(p[1] & 0x3F);
            const char *base = kb_fold_cp(cp);
            if (base) {
                for (const char *c = base; *c; c++)
                    out[n++] = *c;
                p += 2;
                continue;
            }
        }
        out[n++] = (char)*p++;
    }
    out[n] = '\0';
    return n;
}

char *kb_fold(const char *s)
{
    char *out = kb_malloc(strlen(s ? s : "") + 1);
    kb_fold_into(s, out);
    return out;
}

bool kb_fold_contains(const char *hay, const char *folded)
{
    if (!hay)
        return false;
    size_t n = strlen(hay);
    char stack[512];
    char *buf = n < sizeof stack ? stack : kb_malloc(n + 1);
    kb_fold_into(hay, buf);
    bool found = strstr(buf, folded) != NULL;
    if (buf != stack)
        free(buf);
    return found;
}

bool kb_fold_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    char *x = kb_fold(a), *y = kb_fold(b);
    bool eq = strcmp(x, y) == 0;
    free(x);
    free(y);
    return eq;
}

/* Index of the entry whose code, then whose name, equals text folded. */
static size_t kb_resolve_ref(const void *v, size_t n, size_t size, size_t code_off, size_t name_off,
                             const char *text)
{
    if (!text || !v)
        return n;
    char *t = kb_fold(text);
    size_t hit = n;
    for (int pass = 0; pass < 2 && hit == n; pass++)
        for (size_t i = 0; i < n && hit == n; i++) {
            const char *base = (const char *)v + i * size;
            const char *s = *(char *const *)(base + (pass ? name_off : code_off));
            char *f = s ? kb_fold(s) : NULL;
            if (f && strcmp(f, t) == 0)
                hit = i;
            free(f);
        }
    free(t);
    return hit;
}

#define KB_RESOLVE(T, v, n, text)                                                                  \
    kb_resolve_ref(v, n, sizeof(T), offsetof(T, code), offsetof(T, name), text)

const kb_dept *kb_resolve_dept(const kb_dept *v, size_t n, const char *text)
{
    size_t i = KB_RESOLVE(kb_dept, v, n, text);
    return i < n ? &v[i] : NULL;
}

void kb_case_lead_leaves_involved(const kb_case *before, kb_case *c, const kb_dept *v, size_t n)
{
    const kb_dept *lead = c->lead_dept ? kb_resolve_dept(v, n, c->lead_dept) : NULL;
    if (!lead)
        return; /* no lead, or an unknown one: the references check says so */
    kb_strv keep = {0};
    for (size_t i = 0; i < c->depts.n; i++) {
        const char *d = c->depts.v[i];
        if (!kb_strv_contains_ci(&before->depts, d) || kb_resolve_dept(v, n, d) != lead)
            kb_strv_push(&keep, d);
    }
    kb_strv_free(&c->depts);
    c->depts = keep;
}

const kb_stage *kb_resolve_stage(const kb_stage *v, size_t n, const char *text)
{
    size_t i = KB_RESOLVE(kb_stage, v, n, text);
    return i < n ? &v[i] : NULL;
}

const kb_line *kb_resolve_line(const kb_line *v, size_t n, const char *text)
{
    size_t i = KB_RESOLVE(kb_line, v, n, text);
    return i < n ? &v[i] : NULL;
}

int kb_resolve_user(const kb_user *v, size_t n, const char *text, const kb_user **out, kb_err *e)
{
    *out = NULL;
    char *t = kb_fold(text);
    size_t tl = strlen(t);
    const kb_user *exact = NULL;
    kb_buf names = KB_BUF_INIT;
    size_t hits = 0;
    const kb_user *hit = NULL;
    for (size_t i = 0; tl && i < n; i++) {
        char *f = kb_fold(v[i].name);
        if (strcmp(f, t) == 0)
            exact = &v[i];
        if (strncmp(f, t, tl) == 0) {
            hit = &v[i];
            kb_buf_printf(&names, "%s%s", hits++ ? ", " : "", v[i].name);
        }
        free(f);
    }
    int rc = KB_OK;
    if (exact || hits == 1)
        *out = exact ? exact : hit;
    else if (hits == 0)
        rc = kb_err_set(e, KB_ENOENT, _("no user %s on this board (see 'kernboard user list')"),
                        text ? text : "");
    else
        rc = kb_err_set(e, KB_EDATA, _("'%s' matches %s: type more"), text, names.data);
    free(t);
    kb_buf_free(&names);
    return rc;
}

int kb_query_norm_refs(void *refs, const char *stage)
{
    const kb_query_refs *r = refs;
    const kb_stage *st = stage ? kb_resolve_stage(r->stages, r->nstages, stage) : NULL;
    return st ? st->norm_days : 0;
}

const char *kb_query_resolve_refs(void *refs, enum kb_query_field f, const char *value)
{
    const kb_query_refs *r = refs;
    if (!r)
        return NULL;
    switch (f) {
    case KB_QF_DEPT:
    case KB_QF_LEAD: {
        const kb_dept *d = kb_resolve_dept(r->depts, r->ndepts, value);
        return d ? d->code : NULL;
    }
    case KB_QF_STAGE: {
        const kb_stage *s = kb_resolve_stage(r->stages, r->nstages, value);
        return s ? s->code : NULL;
    }
    case KB_QF_LINE: {
        const kb_line *l = kb_resolve_line(r->lines, r->nlines, value);
        return l ? l->code : NULL;
    }
    case KB_QF_OWNER: {
        const kb_user *u = NULL;
        return kb_resolve_user(r->users, r->nusers, value, &u, NULL) == KB_OK ? u->name : NULL;
    }
    default:
        return NULL;
    }
}

const char *kb_query_name_refs(void *refs, enum kb_field_type t, const char *code)
{
    const kb_query_refs *r = refs;
    if (!r || !code)
        return NULL;
    if (t == KB_FT_STAGE) {
        for (size_t i = 0; i < r->nstages; i++)
            if (r->stages[i].code && kb_str_ieq(r->stages[i].code, code))
                return r->stages[i].name && r->stages[i].name[0] ? r->stages[i].name : NULL;
    } else if (t == KB_FT_LINE) {
        for (size_t i = 0; i < r->nlines; i++)
            if (r->lines[i].code && kb_str_ieq(r->lines[i].code, code))
                return r->lines[i].name && r->lines[i].name[0] ? r->lines[i].name : NULL;
    }
    /* departments keep their short codes (ECO), as on the board's lanes */
    return NULL;
}
