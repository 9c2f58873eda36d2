/* query.c - the case query language; see kernboard/query.h and docs/query.md. */
#include "kernboard/query.h"
#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

enum kb_query_op { KB_QOP_COLON, KB_QOP_EQ, KB_QOP_LT, KB_QOP_LE, KB_QOP_GT, KB_QOP_GE };

/* What has:NAME tests. */
enum kb_query_has {
    KB_HAS_LEAD,
    KB_HAS_STAGE,
    KB_HAS_LINE,
    KB_HAS_OWNER,
    KB_HAS_ORG,
    KB_HAS_TAG,
    KB_HAS_HOOK,
    KB_HAS_DUE,
    KB_HAS_REVIEW,
    KB_HAS_PRIO,
    KB_HAS_DESCRIPTION,
};

typedef struct kb_query_term {
    enum kb_query_field field;
    enum kb_query_op op; /* KB_QOP_COLON for string fields and has/conf; EQ..GE for ordered */
    bool neg;
    bool rel;    /* date relative to today: num is an offset in days */
    int64_t num; /* prio, id, date, conf, has */
    char *str;   /* string fields; NULL otherwise (since: "lastmeeting" or NULL) */
    char *fold;  /* str folded (kb_fold) for the substring and tag fields */
} kb_query_term;

struct kb_query {
    kb_query_term *t;
    size_t n;
};

typedef struct kb_name {
    const char *name;
    int value;
} kb_name;

/* Fields that take a value; the first entry for a value is its canonical name. */
static const kb_name kb_query_fields[] = {
    {"dept", KB_QF_DEPT}, {"lead", KB_QF_LEAD},       {"stage", KB_QF_STAGE},
    {"line", KB_QF_LINE}, {"owner", KB_QF_OWNER},     {"org", KB_QF_ORG},
    {"tag", KB_QF_TAG},   {"hook", KB_QF_HOOK},       {"title", KB_QF_TITLE},
    {"text", KB_QF_TEXT}, {"conf", KB_QF_CONF},       {"prio", KB_QF_PRIO},
    {"id", KB_QF_ID},     {"due", KB_QF_DUE},         {"review", KB_QF_REVIEW},
    {"has", KB_QF_HAS},   {"updated", KB_QF_UPDATED}, {"moved", KB_QF_MOVED},
    {"age", KB_QF_AGE},   {"since", KB_QF_SINCE},     {"priority", KB_QF_PRIO},
};
#define KB_QUERY_FIELD_COUNT (sizeof kb_query_fields / sizeof kb_query_fields[0])

static const kb_name kb_query_flags[] = {
    {"overdue", KB_QF_OVERDUE}, {"blocked", KB_QF_BLOCKED}, {"agenda", KB_QF_AGENDA},
    {"cross", KB_QF_CROSS},     {"stuck", KB_QF_STUCK},     {"mine", KB_QF_MINE},
};
#define KB_QUERY_FLAG_COUNT (sizeof kb_query_flags / sizeof kb_query_flags[0])

static const kb_name kb_query_has_names[] = {
    {"lead", KB_HAS_LEAD},
    {"stage", KB_HAS_STAGE},
    {"line", KB_HAS_LINE},
    {"owner", KB_HAS_OWNER},
    {"org", KB_HAS_ORG},
    {"tag", KB_HAS_TAG},
    {"hook", KB_HAS_HOOK},
    {"due", KB_HAS_DUE},
    {"review", KB_HAS_REVIEW},
    {"prio", KB_HAS_PRIO},
    {"description", KB_HAS_DESCRIPTION},
};
#define KB_QUERY_HAS_COUNT (sizeof kb_query_has_names / sizeof kb_query_has_names[0])

#define KB_REL_MAX_DAYS 100000 /* largest relative date offset, about 273 years */

/* ------------------------------------------------------------ text helpers */

static char kb_ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive for ASCII letters only; other bytes (UTF-8) compare exactly,
 * so the result does not depend on the locale. */
static bool kb_ascii_ieq_n(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (kb_ascii_lower(a[i]) != kb_ascii_lower(b[i]))
            return false;
        if (!a[i])
            return true;
    }
    return true;
}

static bool kb_ascii_ieq(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    size_t n = strlen(a);
    return strlen(b) == n && kb_ascii_ieq_n(a, b, n);
}

/* Does one of the strings contain folded (see kb_fold_contains)? */
static bool kb_strv_any_contains(const kb_strv *sv, const char *folded)
{
    for (size_t i = 0; i < sv->n; i++)
        if (kb_fold_contains(sv->v[i], folded))
            return true;
    return false;
}

/* Is one of the strings equal to s, case- and accent-insensitively? */
static bool kb_strv_any_ieq(const kb_strv *sv, const char *s)
{
    for (size_t i = 0; i < sv->n; i++)
        if (kb_ascii_ieq(sv->v[i], s) || kb_fold_eq(sv->v[i], s))
            return true;
    return false;
}

/* Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid. */
static size_t kb_utf8_seq(const unsigned char *s, size_t n, size_t i)
{
    unsigned c = s[i];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0) {
        len = 2;
        min = 0x80;
        c &= 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        min = 0x800;
        c &= 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        min = 0x10000;
        c &= 0x07;
    } else {
        return 0;
    }
    if (n - i < len)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[i + k] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i + k] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    return len;
}

/* 1-based character column of byte offset off: bytes that start a character
 * (not 10xxxxxx) are counted, so each code point is one column. */
static size_t kb_column(const char *s, size_t off)
{
    size_t col = 1;
    for (size_t i = 0; i < off; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            col++;
    return col;
}

/* Copy at most about 40 bytes of s into out, cut on a character boundary,
 * with "..." when shortened: values quoted in messages stay short. */
static const char *kb_clip(const char *s, size_t n, char out[48])
{
    if (n <= 40) {
        memcpy(out, s, n);
        out[n] = '\0';
        return out;
    }
    size_t k = 40;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    memcpy(out, s, k);
    memcpy(out + k, "...", 4);
    return out;
}

static bool kb_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool kb_opchar(char c)
{
    return c == ':' || c == '<' || c == '>' || c == '=';
}

static bool kb_ordered(enum kb_query_field f)
{
    return f == KB_QF_DUE || f == KB_QF_REVIEW || f == KB_QF_PRIO || f == KB_QF_ID ||
           f == KB_QF_UPDATED || f == KB_QF_MOVED || f == KB_QF_AGE;
}

static const char *kb_field_name(enum kb_query_field f)
{
    for (size_t i = 0; i < KB_QUERY_FIELD_COUNT; i++)
        if (kb_query_fields[i].value == (int)f)
            return kb_query_fields[i].name;
    for (size_t i = 0; i < KB_QUERY_FLAG_COUNT; i++)
        if (kb_query_flags[i].value == (int)f)
            return kb_query_flags[i].name;
    return "?";
}

static const kb_name *kb_name_find(const kb_name *tab, size_t count, const char *s, size_t n)
{
    for (size_t i = 0; i < count; i++)
        if (strlen(tab[i].name) == n && kb_ascii_ieq_n(tab[i].name, s, n))
            return &tab[i];
    return NULL;
}

/* "a, b, c" of the names in a table, without aliases (repeated values). */
static char *kb_name_list(const kb_name *tab, size_t count)
{
    kb_buf b = KB_BUF_INIT;
    for (size_t i = 0; i < count; i++) {
        bool alias = false;
        for (size_t k = 0; k < i; k++)
            alias = alias || tab[k].value == tab[i].value;
        if (alias)
            continue;
        if (b.len)
            kb_buf_puts(&b, ", ");
        kb_buf_puts(&b, tab[i].name);
    }
    return kb_buf_take(&b);
}

/* ------------------------------------------------------------ parser */

typedef struct kb_parser {
    const char *s;
    size_t n;
    size_t pos;
    kb_query *q;
    kb_err *e;
} kb_parser;

/* Set e from a printf-style message and prefix the column of byte offset off. */
static int kb_perr(kb_parser *p, size_t off, const char *fmt, ...) KB_PRINTF(3, 4);
static int kb_perr(kb_parser *p, size_t off, const char *fmt, ...)
{
    if (p->e) {
        va_list ap;
        va_start(ap, fmt);
        kb_buf b = KB_BUF_INIT;
        kb_buf_vprintf(&b, fmt, ap);
        va_end(ap);
        kb_err_set(p->e, KB_EDATA, "%s", b.data);
        kb_buf_free(&b);
    }
    kb_err_prefix(p->e, _("query column %zu: "), kb_column(p->s, off));
    return KB_EDATA;
}

/* Whole-text checks: length, UTF-8, control characters. */
static int kb_check_text(kb_parser *p)
{
    const unsigned char *u = (const unsigned char *)p->s;
    if (p->n > KB_QUERY_MAX_LEN)
        return kb_perr(p, KB_QUERY_MAX_LEN, _("the query is longer than %d bytes"),
                       KB_QUERY_MAX_LEN);
    for (size_t i = 0; i < p->n;) {
        size_t len = kb_utf8_seq(u, p->n, i);
        if (len == 0)
            return kb_perr(p, i, _("the query is not valid UTF-8"));
        if (len == 1 && (u[i] < 0x20 || u[i] == 0x7f) && !kb_blank(p->s[i]))
            return kb_perr(p, i, _("control character in the query"));
        i += len;
    }
    return KB_OK;
}

/* Quoted string at p->pos (on the opening '"').  Moves past the closing quote,
 * which must be followed by a blank or the end. */
static int kb_parse_quoted(kb_parser *p, kb_buf *out)
{
    size_t open = p->pos;
    p->pos++;
    for (;;) {
        if (p->pos >= p->n)
            return kb_perr(p, open, _("unterminated quote: add a closing '\"'"));
        char c = p->s[p->pos];
        if (c == '"')
            break;
        if (c == '\\') {
            if (p->pos + 1 >= p->n)
                return kb_perr(p, open, _("unterminated quote: add a closing '\"'"));
            char d = p->s[p->pos + 1];
            if (d != '"' && d != '\\')
                return kb_perr(p, p->pos,
                               _("unknown escape: inside quotes only \\\" and \\\\ are allowed"));
            kb_buf_putc(out, d);
            p->pos += 2;
            continue;
        }
        kb_buf_putc(out, c);
        p->pos++;
    }
    p->pos++; /* closing quote */
    if (p->pos < p->n && !kb_blank(p->s[p->pos]))
        return kb_perr(p, p->pos, _("expected a space after the closing quote"));
    return KB_OK;
}

/* A value: quoted, or a run of non-blank characters without '"'. */
static int kb_parse_value(kb_parser *p, kb_buf *out)
{
    if (p->pos < p->n && p->s[p->pos] == '"')
        return kb_parse_quoted(p, out);
    while (p->pos < p->n && !kb_blank(p->s[p->pos])) {
        if (p->s[p->pos] == '"')
            return kb_perr(p, p->pos, _("unexpected '\"' inside a word: quote the whole value"));
        kb_buf_putc(out, p->s[p->pos]);
        p->pos++;
    }
    return KB_OK;
}

/* Decimal digits only, at most max. */
static bool kb_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > max)
            return false;
    }
    *out = v;
    return true;
}

static int kb_parse_date_value(kb_parser *p, size_t at, const char *v, kb_query_term *t)
{
    char clip[48];
    size_t n = strlen(v);
    if (kb_ascii_ieq(v, "today")) {
        t->rel = true;
        t->num = 0;
        return KB_OK;
    }
    if (n >= 2 && (v[n - 1] == 'd' || v[n - 1] == 'w' || v[n - 1] == 'D' || v[n - 1] == 'W')) {
        const char *d = v;
        int64_t sign = 1;
        if (*d == '-' || *d == '+') {
            sign = *d == '-' ? -1 : 1;
            d++;
        }
        char num[8];
        size_t dn = (size_t)(v + n - 1 - d);
        uint64_t u = 0;
        if (dn >= 1 && dn < sizeof num) {
            memcpy(num, d, dn);
            num[dn] = '\0';
            uint64_t mult = kb_ascii_lower(v[n - 1]) == 'w' ? 7 : 1;
            if (kb_parse_uint(num, KB_REL_MAX_DAYS, &u) && u * mult <= KB_REL_MAX_DAYS) {
                t->rel = true;
                t->num = sign * (int64_t)(u * mult);
                return KB_OK;
            }
        }
    } else {
        kb_date date;
        if (kb_date_parse(v, &date, NULL) == KB_OK) {
            t->rel = false;
            t->num = date;
            return KB_OK;
        }
    }
    return kb_perr(p, at,
                   _("invalid date '%s': expected YYYY-MM-DD, today, or days or weeks from today "
                     "such as 14d, -3d or 2w"),
                   kb_clip(v, n, clip));
}

/* Convert the text value of a field term into t. */
static int kb_term_value(kb_parser *p, size_t at, const char *v, kb_query_term *t)
{
    char clip[48];
    uint64_t u;
    switch (t->field) {
    case KB_QF_CONF:
        for (int c = KB_CONF_PUBLIC; c <= KB_CONF_CONFIDENTIAL; c++)
            if (kb_ascii_ieq(v, kb_conf_name((enum kb_conf)c))) {
                t->num = c;
                return KB_OK;
            }
        return kb_perr(p, at,
                       _("unknown confidentiality '%s': use public, internal or confidential"),
                       kb_clip(v, strlen(v), clip));
    case KB_QF_PRIO:
        if (!kb_parse_uint(v, KB_PRIORITY_MAX, &u))
            return kb_perr(p, at, _("invalid priority '%s': expected 0, 1, 2 or 3"),
                           kb_clip(v, strlen(v), clip));
        t->num = (int64_t)u;
        return KB_OK;
    case KB_QF_ID:
        if (!kb_parse_uint(v[0] == '#' ? v + 1 : v, UINT32_MAX, &u))
            return kb_perr(p, at,
                           _("invalid case number '%s': expected a number such as 12 or #12"),
                           kb_clip(v, strlen(v), clip));
        t->num = (int64_t)u;
        return KB_OK;
    case KB_QF_DUE:
    case KB_QF_REVIEW:
    case KB_QF_UPDATED:
    case KB_QF_MOVED:
        return kb_parse_date_value(p, at, v, t);
    case KB_QF_SINCE:
        if (kb_ascii_ieq(v, "lastmeeting")) {
            t->str = kb_strdup("lastmeeting");
            return KB_OK;
        }
        return kb_parse_date_value(p, at, v, t);
    case KB_QF_AGE: {
        size_t n = strlen(v);
        uint64_t mult = 1;
        char num[8];
        if (n >= 2 && (kb_ascii_lower(v[n - 1]) == 'd' || kb_ascii_lower(v[n - 1]) == 'w')) {
            mult = kb_ascii_lower(v[n - 1]) == 'w' ? 7 : 1;
            n--;
        }
        if (n >= 1 && n < sizeof num) {
            memcpy(num, v, n);
            num[n] = '\0';
            if (kb_parse_uint(num, KB_REL_MAX_DAYS, &u) && u * mult <= KB_REL_MAX_DAYS) {
                t->num = (int64_t)(u * mult);
                return KB_OK;
            }
        }
        return kb_perr(p, at,
                       _("invalid age '%s': expected days or weeks in the stage such as 30d, 30 "
                         "or 4w"),
                       kb_clip(v, strlen(v), clip));
    }
    case KB_QF_HAS: {
        const kb_name *h = kb_name_find(kb_query_has_names, KB_QUERY_HAS_COUNT, v, strlen(v));
        if (!h) {
            char *known = kb_name_list(kb_query_has_names, KB_QUERY_HAS_COUNT);
            kb_perr(p, at, _("unknown has: value '%s' (known: %s)"), kb_clip(v, strlen(v), clip),
                    known);
            kb_free(&known);
            return KB_EDATA;
        }
        t->num = h->value;
        return KB_OK;
    }
    default:
        t->str = kb_strdup(v);
        return KB_OK;
    }
}

/* Substring and tag terms match accent- and case-insensitively: keep the
 * folded value next to the typed one (which is what prints). */
static void kb_term_fold(kb_query_term *t)
{
    switch (t->field) {
    case KB_QF_TEXT:
    case KB_QF_TITLE:
    case KB_QF_ORG:
    case KB_QF_HOOK:
    case KB_QF_TAG:
        if (t->str && !t->fold)
            t->fold = kb_fold(t->str);
        break;
    default:
        break;
    }
}

/* field op value, with p->pos on the first operator character. */
static int kb_parse_field_term(kb_parser *p, size_t name_at, kb_query_term *t)
{
    char clip[48];
    const char *name = p->s + name_at;
    size_t name_len = p->pos - name_at;
    const kb_name *fl = kb_name_find(kb_query_flags, KB_QUERY_FLAG_COUNT, name, name_len);
    if (fl)
        return kb_perr(p, p->pos, _("'%s' is a flag and takes no value: write %s or -%s"), fl->name,
                       fl->name, fl->name);
    const kb_name *f = kb_name_find(kb_query_fields, KB_QUERY_FIELD_COUNT, name, name_len);
    if (!f) {
        char *known = kb_name_list(kb_query_fields, KB_QUERY_FIELD_COUNT);
        char *flags = kb_name_list(kb_query_flags, KB_QUERY_FLAG_COUNT);
        kb_perr(p, name_at, _("unknown field '%s' (known: %s; flags: %s)"),
                kb_clip(name, name_len, clip), known, flags);
        kb_free(&known);
        kb_free(&flags);
        return KB_EDATA;
    }
    t->field = (enum kb_query_field)f->value;

    size_t op_at = p->pos;
    size_t op_end = op_at;
    while (op_end < p->n && kb_opchar(p->s[op_end]))
        op_end++;
    size_t op_len = op_end - op_at;
    const char *op = p->s + op_at;
    if (op_len == 1 && op[0] == ':')
        t->op = KB_QOP_COLON;
    else if (op_len == 1 && op[0] == '=')
        t->op = KB_QOP_EQ;
    else if (op_len == 1 && op[0] == '<')
        t->op = KB_QOP_LT;
    else if (op_len == 1 && op[0] == '>')
        t->op = KB_QOP_GT;
    else if (op_len == 2 && op[0] == '<' && op[1] == '=')
        t->op = KB_QOP_LE;
    else if (op_len == 2 && op[0] == '>' && op[1] == '=')
        t->op = KB_QOP_GE;
    else if (kb_ordered(t->field))
        return kb_perr(p, op_at,
                       _("bad comparison operator '%s' after '%s': use :, =, <, <=, > or >="),
                       kb_clip(op, op_len, clip), f->name);
    else
        return kb_perr(p, op_at, _("bad comparison operator '%s' after '%s': write %s:VALUE"),
                       kb_clip(op, op_len, clip), f->name, f->name);
    if (kb_ordered(t->field)) {
        if (t->op == KB_QOP_COLON)
            t->op = KB_QOP_EQ;
    } else if (t->op != KB_QOP_COLON) {
        return kb_perr(p, op_at, _("bad comparison operator '%s' after '%s': write %s:VALUE"),
                       kb_clip(op, op_len, clip), f->name, f->name);
    }
    p->pos = op_end;

    size_t val_at = p->pos;
    kb_buf v = KB_BUF_INIT;
    int rc = kb_parse_value(p, &v);
    if (rc == KB_OK && v.len == 0)
        rc = kb_perr(p, val_at, _("missing value for '%s'"), f->name);
    if (rc == KB_OK)
        rc = kb_term_value(p, val_at, v.data, t);
    kb_buf_free(&v);
    return rc;
}

/* One term at p->pos (not blank). */
static int kb_parse_term(kb_parser *p, kb_query_term *t)
{
    size_t start = p->pos;
    memset(t, 0, sizeof *t);
    if (p->s[p->pos] == '-') {
        t->neg = true;
        p->pos++;
        if (p->pos >= p->n || kb_blank(p->s[p->pos]))
            return kb_perr(p, start, _("'-' must be followed by a term, e.g. -blocked"));
        if (p->s[p->pos] == '-')
            return kb_perr(p, p->pos, _("a term can be negated only once"));
    }
    size_t at = p->pos;
    char c = p->s[at];
    if (c == '"') {
        kb_buf v = KB_BUF_INIT;
        int rc = kb_parse_quoted(p, &v);
        if (rc == KB_OK && v.len == 0)
            rc = kb_perr(p, at, _("empty search text \"\""));
        if (rc == KB_OK) {
            t->field = KB_QF_TEXT;
            t->op = KB_QOP_COLON;
            t->str = kb_buf_take(&v);
        }
        kb_buf_free(&v);
        return rc;
    }
    if (c == '#') {
        size_t end = at + 1;
        while (end < p->n && !kb_blank(p->s[end]))
            end++;
        char *num = kb_strndup(p->s + at + 1, end - at - 1);
        uint64_t u = 0;
        bool ok = kb_parse_uint(num, UINT32_MAX, &u);
        kb_free(&num);
        if (!ok)
            return kb_perr(p, at, _("expected a case number after '#', e.g. #12"));
        t->field = KB_QF_ID;
        t->op = KB_QOP_EQ;
        t->num = (int64_t)u;
        p->pos = end;
        return KB_OK;
    }
    while (p->pos < p->n && !kb_blank(p->s[p->pos]) && p->s[p->pos] != '"' &&
           !kb_opchar(p->s[p->pos]))
        p->pos++;
    if (p->pos < p->n && kb_opchar(p->s[p->pos])) {
        if (p->pos == at)
            return kb_perr(p, at, _("expected a field name before '%c'"), p->s[at]);
        return kb_parse_field_term(p, at, t);
    }
    if (p->pos < p->n && p->s[p->pos] == '"')
        return kb_perr(p, p->pos, _("unexpected '\"' inside a word: quote the whole value"));
    const kb_name *fl = kb_name_find(kb_query_flags, KB_QUERY_FLAG_COUNT, p->s + at, p->pos - at);
    if (fl) {
        t->field = (enum kb_query_field)fl->value;
        t->op = KB_QOP_COLON;
        return KB_OK;
    }
    t->field = KB_QF_TEXT;
    t->op = KB_QOP_COLON;
    t->str = kb_strndup(p->s + at, p->pos - at);
    return KB_OK;
}

void kb_query_free(kb_query **q)
{
    if (!q || !*q)
        return;
    for (size_t i = 0; i < (*q)->n; i++) {
        kb_free(&(*q)->t[i].str);
        kb_free(&(*q)->t[i].fold);
    }
    kb_free(&(*q)->t);
    kb_free(q);
}

int kb_query_parse(const char *text, kb_query **out, kb_err *e)
{
    *out = NULL;
    if (!text)
        text = "";
    kb_parser p = {text, strnlen(text, KB_QUERY_MAX_LEN + 1), 0, NULL, e};
    p.q = kb_calloc(1, sizeof *p.q);
    int rc = kb_check_text(&p);
    if (rc != KB_OK)
        goto fail;
    for (;;) {
        while (p.pos < p.n && kb_blank(p.s[p.pos]))
            p.pos++;
        if (p.pos >= p.n)
            break;
        if (p.q->n == KB_QUERY_MAX_TERMS) {
            rc = kb_perr(&p, p.pos, _("too many terms: at most %d"), KB_QUERY_MAX_TERMS);
            goto fail;
        }
        kb_query_term t;
        rc = kb_parse_term(&p, &t);
        if (rc != KB_OK) {
            kb_free(&t.str);
            goto fail;
        }
        kb_term_fold(&t);
        p.q->t = kb_reallocarray(p.q->t, p.q->n + 1, sizeof *p.q->t);
        p.q->t[p.q->n++] = t;
    }
    *out = p.q;
    return KB_OK;
fail:
    kb_query_free(&p.q);
    return rc;
}

/* ------------------------------------------------------------ printing */

/* Must a value after "field:" be quoted to read back the same? */
static bool kb_value_needs_quotes(const char *v)
{
    if (!v[0] || kb_opchar(v[0]))
        return true;
    for (const char *s = v; *s; s++)
        if (kb_blank(*s) || *s == '"' || *s == '\\')
            return true;
    return false;
}

/* May a text value be printed as a bare word? */
static bool kb_word_ok(const char *v)
{
    if (kb_value_needs_quotes(v) || v[0] == '-' || v[0] == '#')
        return false;
    for (const char *s = v; *s; s++)
        if (kb_opchar(*s))
            return false;
    return !kb_name_find(kb_query_flags, KB_QUERY_FLAG_COUNT, v, strlen(v));
}

static void kb_put_quoted(kb_buf *b, const char *v)
{
    kb_buf_putc(b, '"');
    for (const char *s = v; *s; s++) {
        if (*s == '"' || *s == '\\')
            kb_buf_putc(b, '\\');
        kb_buf_putc(b, *s);
    }
    kb_buf_putc(b, '"');
}

static const char *kb_op_text(enum kb_query_op op)
{
    switch (op) {
    case KB_QOP_EQ:
        return "=";
    case KB_QOP_LT:
        return "<";
    case KB_QOP_LE:
        return "<=";
    case KB_QOP_GT:
        return ">";
    case KB_QOP_GE:
        return ">=";
    default:
        return ":";
    }
}

static void kb_print_date(kb_buf *b, const kb_query_term *t)
{
    if (t->rel && t->num == 0) {
        kb_buf_puts(b, "today");
    } else if (t->rel) {
        kb_buf_printf(b, "%lldd", (long long)t->num);
    } else {
        char d[KB_DATE_STRLEN];
        kb_date_format((kb_date)t->num, d);
        kb_buf_puts(b, d);
    }
}

static void kb_print_term(kb_buf *b, const kb_query_term *t)
{
    if (t->neg)
        kb_buf_putc(b, '-');
    switch (t->field) {
    case KB_QF_OVERDUE:
    case KB_QF_BLOCKED:
    case KB_QF_AGENDA:
    case KB_QF_CROSS:
    case KB_QF_STUCK:
    case KB_QF_MINE:
        kb_buf_puts(b, kb_field_name(t->field));
        return;
    case KB_QF_TEXT:
        if (kb_word_ok(t->str))
            kb_buf_puts(b, t->str);
        else
            kb_put_quoted(b, t->str);
        return;
    case KB_QF_ID:
        if (t->op == KB_QOP_EQ) {
            kb_buf_printf(b, "#%lld", (long long)t->num);
            return;
        }
        break;
    default:
        break;
    }
    kb_buf_puts(b, kb_field_name(t->field));
    kb_buf_puts(b, kb_op_text(t->op));
    switch (t->field) {
    case KB_QF_CONF:
        kb_buf_puts(b, kb_conf_name((enum kb_conf)t->num));
        break;
    case KB_QF_HAS:
        for (size_t i = 0; i < KB_QUERY_HAS_COUNT; i++)
            if (kb_query_has_names[i].value == t->num) {
                kb_buf_puts(b, kb_query_has_names[i].name);
                break;
            }
        break;
    case KB_QF_PRIO:
    case KB_QF_ID:
        kb_buf_printf(b, "%lld", (long long)t->num);
        break;
    case KB_QF_AGE:
        kb_buf_printf(b, "%lldd", (long long)t->num);
        break;
    case KB_QF_SINCE:
        if (t->str)
            kb_buf_puts(b, t->str); /* lastmeeting */
        else
            kb_print_date(b, t);
        break;
    case KB_QF_DUE:
    case KB_QF_REVIEW:
    case KB_QF_UPDATED:
    case KB_QF_MOVED:
        kb_print_date(b, t);
        break;
    default:
        if (kb_value_needs_quotes(t->str))
            kb_put_quoted(b, t->str);
        else
            kb_buf_puts(b, t->str);
        break;
    }
}

char *kb_query_print(const kb_query *q)
{
    kb_buf b = KB_BUF_INIT;
    for (size_t i = 0; q && i < q->n; i++) {
        if (i)
            kb_buf_putc(&b, ' ');
        kb_print_term(&b, &q->t[i]);
    }
    return kb_buf_take(&b);
}

bool kb_query_equal(const kb_query *a, const kb_query *b)
{
    size_t na = a ? a->n : 0, nb = b ? b->n : 0;
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++) {
        const kb_query_term *x = &a->t[i], *y = &b->t[i];
        if (x->field != y->field || x->op != y->op || x->neg != y->neg || x->rel != y->rel ||
            x->num != y->num)
            return false;
        if ((x->str == NULL) != (y->str == NULL) || (x->str && strcmp(x->str, y->str) != 0))
            return false;
    }
    return true;
}

bool kb_query_needs_last_meeting(const kb_query *q)
{
    for (size_t i = 0; q && i < q->n; i++)
        if (q->t[i].field == KB_QF_SINCE && q->t[i].str)
            return true;
    return false;
}

bool kb_query_needs_activity(const kb_query *q)
{
    for (size_t i = 0; q && i < q->n; i++)
        if (q->t[i].field == KB_QF_SINCE || q->t[i].field == KB_QF_UPDATED)
            return true;
    return false;
}

size_t kb_query_term_count(const kb_query *q)
{
    return q ? q->n : 0;
}

/* ------------------------------------------------------------ matching */

static bool kb_cmp(int64_t have, enum kb_query_op op, int64_t want)
{
    switch (op) {
    case KB_QOP_LT:
        return have < want;
    case KB_QOP_LE:
        return have <= want;
    case KB_QOP_GT:
        return have > want;
    case KB_QOP_GE:
        return have >= want;
    default:
        return have == want;
    }
}

/* Does code equal the typed value, or the code the resolver gives for it? */
static bool kb_code_is(const char *code, const char *value, const char *resolved)
{
    if (!code)
        return false;
    return kb_ascii_ieq(code, value) || (resolved && kb_ascii_ieq(code, resolved));
}

static const char *kb_resolve(const kb_query_ctx *ctx, enum kb_query_field f, const char *v)
{
    return ctx && ctx->resolve ? ctx->resolve(ctx->user, f, v) : NULL;
}

/* More than one distinct department (case-insensitive codes)? */
static bool kb_is_cross(const kb_case *c)
{
    const char *first = c->lead_dept;
    for (size_t i = 0; i < c->depts.n; i++) {
        const char *d = c->depts.v[i];
        if (!d)
            continue;
        if (!first)
            first = d;
        else if (!kb_ascii_ieq(first, d))
            return true;
    }
    return false;
}

static bool kb_has(const kb_case *c, int64_t what)
{
    switch ((enum kb_query_has)what) {
    case KB_HAS_LEAD:
        return c->lead_dept && c->lead_dept[0];
    case KB_HAS_STAGE:
        return c->stage && c->stage[0];
    case KB_HAS_LINE:
        return c->action_line && c->action_line[0];
    case KB_HAS_OWNER:
        return c->owner && c->owner[0];
    case KB_HAS_ORG:
        return c->orgs.n > 0;
    case KB_HAS_TAG:
        return c->tags.n > 0;
    case KB_HAS_HOOK:
        return c->hooks.n > 0;
    case KB_HAS_DUE:
        return c->due != KB_DATE_NONE;
    case KB_HAS_REVIEW:
        return c->review != KB_DATE_NONE;
    case KB_HAS_PRIO:
        return c->priority > 0;
    case KB_HAS_DESCRIPTION:
        return c->description && c->description[0];
    }
    return false;
}

static bool kb_term_match(const kb_query_term *t, const kb_case *c, const kb_query_ctx *ctx,
                          kb_date today)
{
    const char *v = t->str;
    switch (t->field) {
    case KB_QF_TEXT:
        v = t->fold;
        return kb_fold_contains(c->title, v) || kb_fold_contains(c->description, v) ||
               kb_strv_any_contains(&c->hooks, v) || kb_strv_any_contains(&c->orgs, v) ||
               kb_strv_any_contains(&c->tags, v) || kb_fold_contains(c->blocked, v);
    case KB_QF_TITLE:
        return kb_fold_contains(c->title, t->fold);
    case KB_QF_DEPT: {
        const char *r = kb_resolve(ctx, KB_QF_DEPT, v);
        if (kb_code_is(c->lead_dept, v, r))
            return true;
        for (size_t i = 0; i < c->depts.n; i++)
            if (kb_code_is(c->depts.v[i], v, r))
                return true;
        return false;
    }
    case KB_QF_LEAD:
        return kb_code_is(c->lead_dept, v, kb_resolve(ctx, KB_QF_DEPT, v));
    case KB_QF_STAGE:
        return kb_code_is(c->stage, v, kb_resolve(ctx, KB_QF_STAGE, v));
    case KB_QF_LINE:
        return kb_code_is(c->action_line, v, kb_resolve(ctx, KB_QF_LINE, v));
    case KB_QF_OWNER:
        return kb_code_is(c->owner, v, kb_resolve(ctx, KB_QF_OWNER, v));
    case KB_QF_ORG:
        return kb_strv_any_contains(&c->orgs, t->fold);
    case KB_QF_TAG:
        return kb_strv_any_ieq(&c->tags, v);
    case KB_QF_HOOK:
        return kb_strv_any_contains(&c->hooks, t->fold);
    case KB_QF_CONF:
        return (int64_t)c->conf == t->num;
    case KB_QF_PRIO:
        return kb_cmp(c->priority, t->op, t->num);
    case KB_QF_ID:
        return kb_cmp(c->number, t->op, t->num);
    case KB_QF_DUE:
    case KB_QF_REVIEW: {
        kb_date d = t->field == KB_QF_DUE ? c->due : c->review;
        if (d == KB_DATE_NONE)
            return false;
        return kb_cmp(d, t->op, t->rel ? (int64_t)today + t->num : t->num);
    }
    case KB_QF_UPDATED:
    case KB_QF_MOVED: {
        /* updated: anything that happened, comments and decisions too */
        kb_time at = t->field == KB_QF_UPDATED ? kb_case_last_activity(c) : kb_case_stage_since(c);
        return kb_cmp(kb_date_of_time(at), t->op, t->rel ? (int64_t)today + t->num : t->num);
    }
    case KB_QF_AGE:
        return kb_cmp(kb_case_age_days(c, today), t->op, t->num);
    case KB_QF_SINCE:
        if (t->str) /* lastmeeting: changed at or after its start (all without one) */
            return !ctx || ctx->last_meeting == 0 || kb_case_last_activity(c) >= ctx->last_meeting;
        return kb_date_of_time(kb_case_last_activity(c)) >=
               (t->rel ? (int64_t)today + t->num : t->num);
    case KB_QF_STUCK: {
        int norm = ctx && ctx->norm && c->stage ? ctx->norm(ctx->user, c->stage) : 0;
        return kb_case_past_norm(c, norm, today);
    }
    case KB_QF_MINE:
        if (!ctx || !ctx->me)
            return false;
        if (c->owner && kb_ascii_ieq(c->owner, ctx->me))
            return true;
        return c->lead_dept && ctx->my_depts && kb_strv_any_ieq(ctx->my_depts, c->lead_dept);
    case KB_QF_HAS:
        return kb_has(c, t->num);
    case KB_QF_OVERDUE:
        return kb_case_overdue(c, today);
    case KB_QF_BLOCKED:
        return c->blocked != NULL;
    case KB_QF_AGENDA:
        return c->on_agenda;
    case KB_QF_CROSS:
        return kb_is_cross(c);
    }
    return false;
}

bool kb_query_match(const kb_query *q, const kb_case *c, const kb_query_ctx *ctx)
{
    if (!q || q->n == 0)
        return true;
    kb_date today = ctx ? ctx->today : kb_date_today();
    kb_case shown;
    if (ctx && ctx->masked && ctx->masked(ctx->user, c)) {
        /* a shallow copy without what a masked case does not show */
        shown = *c;
        shown.description = NULL;
        shown.action_line = NULL;
        shown.owner = NULL;
        shown.blocked = NULL;
        shown.hooks = (kb_strv){0};
        shown.orgs = (kb_strv){0};
        shown.tags = (kb_strv){0};
        shown.priority = 0;
        shown.due = shown.review = KB_DATE_NONE;
        c = &shown;
    }
    for (size_t i = 0; i < q->n; i++) {
        const kb_query_term *t = &q->t[i];
        if (kb_term_match(t, c, ctx, today) == t->neg)
            return false;
    }
    return true;
}
