/* model.c - entities, validation and defaults; see kernboard/model.h. */
#include "kernboard/model.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/buf.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const kb_default_entry kb_default_stages[] = {
    {"signal", N_("Signal")},        {"explore", N_("Explore")},    {"connect", N_("Connect")},
    {"progress", N_("In progress")}, {"done", N_("Embedded/Done")},
};
const size_t kb_default_stage_count = sizeof kb_default_stages / sizeof kb_default_stages[0];

const kb_default_entry kb_default_lines[] = {
    {"service", N_("Service to entrepreneurs")},
    {"trade", N_("Collaboration & trade")},
    {"procure", N_("Impact procurement")},
    {"finance", N_("Financing")},
    {"visible", N_("Visibility")},
};
const size_t kb_default_line_count = sizeof kb_default_lines / sizeof kb_default_lines[0];

const kb_default_entry kb_default_depts[] = {
    {"ECO", N_("Economy")},     {"INC", N_("Inclusion")},   {"DUU", N_("Sustainability")},
    {"INK", N_("Procurement")}, {"VAS", N_("Real estate")}, {"SOC", N_("Social domain")},
};
const size_t kb_default_dept_count = sizeof kb_default_depts / sizeof kb_default_depts[0];

/* ------------------------------------------------------------ strv */

void kb_strv_push(kb_strv *sv, const char *s)
{
    sv->v = kb_reallocarray(sv->v, sv->n + 1, sizeof *sv->v);
    sv->v[sv->n++] = kb_strdup(s);
}

bool kb_strv_contains(const kb_strv *sv, const char *s)
{
    for (size_t i = 0; i < sv->n; i++)
        if (strcmp(sv->v[i], s) == 0)
            return true;
    return false;
}

bool kb_strv_contains_ci(const kb_strv *sv, const char *s)
{
    for (size_t i = 0; i < sv->n; i++)
        if (kb_str_ieq(sv->v[i], s))
            return true;
    return false;
}

void kb_strv_copy(kb_strv *dst, const kb_strv *src)
{
    dst->v = NULL;
    dst->n = 0;
    for (size_t i = 0; i < src->n; i++)
        kb_strv_push(dst, src->v[i]);
}

void kb_strv_free(kb_strv *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    kb_free(&sv->v);
    sv->n = 0;
}

void kb_strv_split(kb_strv *sv, const char *csv)
{
    const char *p = csv;
    while (*p) {
        const char *q = strchr(p, ',');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        const char *s = p;
        while (n && isspace((unsigned char)*s)) {
            s++;
            n--;
        }
        while (n && isspace((unsigned char)s[n - 1]))
            n--;
        if (n) {
            char *t = kb_strndup(s, n);
            kb_strv_push(sv, t);
            free(t);
        }
        if (!q)
            break;
        p = q + 1;
    }
}

char *kb_strv_join(const kb_strv *sv, const char *sep)
{
    kb_buf b = KB_BUF_INIT;
    for (size_t i = 0; i < sv->n; i++) {
        if (i)
            kb_buf_puts(&b, sep);
        kb_buf_puts(&b, sv->v[i]);
    }
    return kb_buf_take(&b);
}

bool kb_strv_eq(const kb_strv *a, const kb_strv *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i], b->v[i]) != 0)
            return false;
    return true;
}

/* ------------------------------------------------------------ text */

bool kb_utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
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
            return false;
        }
        if (i + len > n)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            c = (c << 6) | (s[i + k] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

bool kb_str_ieq(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

bool kb_code_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > KB_CODE_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
            return false;
    return true;
}

void kb_text_newlines(char *s)
{
    if (!s)
        return;
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (*r == '\r') {
            *w++ = '\n';
            if (r[1] == '\n') /* CRLF: one line break */
                r++;
        } else {
            *w++ = *r;
        }
    }
    *w = 0;
}

/* The text limits fit what the decoder reads back (see model.h). */
_Static_assert(KB_TEXT_MAX * 4 <= KB_STRING_MAX, "minutes fit a decodable text value");
_Static_assert((size_t)KB_LIST_MAX *(2 * KB_TITLE_MAX + KB_NAME_MAX + KB_CODE_MAX + 16) +
                       4 * (size_t)KB_TEXT_MAX <
                   KB_RECORD_MAX,
               "a case with every list full fits a decodable record");

/* The byte offset of the first control character (tabs and line breaks
 * are fine in multi-line text), or SIZE_MAX; its code point in *cp.  In
 * one-line text the bidirectional embedding, override and isolate
 * characters (U+202A-U+202E, U+2066-U+2069) count as control characters
 * too: printed raw they reverse the rest of a listing's row.  s is valid
 * UTF-8. */
static size_t kb_find_control(const char *s, bool allow_newline, unsigned *cp)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\n' && allow_newline)
            continue;
        if (*p == '\t' && allow_newline)
            continue;
        if (*p < 0x20 || *p == 0x7f) {
            *cp = *p;
            return (size_t)(p - (const unsigned char *)s);
        }
        if (!allow_newline && p[0] == 0xE2 &&
            ((p[1] == 0x80 && p[2] >= 0xAA && p[2] <= 0xAE) ||
             (p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9))) {
            *cp = (unsigned)(p[1] & 0x3F) << 6 | (unsigned)(p[2] & 0x3F) | 0x2000;
            return (size_t)(p - (const unsigned char *)s);
        }
    }
    return SIZE_MAX;
}

/* Check one text field: valid UTF-8, within max bytes, no control chars
 * (the first one is named with its line and column, counted in characters). */
int kb_text_check(const char *field, const char *s, size_t max, bool multiline, kb_err *e)
{
    size_t n = strlen(s);
    if (n > max)
        return kb_err_set(e, KB_EDATA, _("%s is too long (%zu bytes, at most %zu)"), field, n, max);
    if (!kb_utf8_valid(s, n))
        return kb_err_set(e, KB_EDATA, _("%s is not valid UTF-8 text"), field);
    unsigned cp = 0;
    size_t at = kb_find_control(s, multiline, &cp);
    if (at == SIZE_MAX)
        return KB_OK;
    size_t line = 1, col = 1;
    for (size_t i = 0; i < at; i++) {
        if (s[i] == '\n') {
            line++;
            col = 1;
        } else if (((unsigned char)s[i] & 0xC0) != 0x80) {
            col++;
        }
    }
    if (!multiline && (cp == '\n' || cp == '\r'))
        return kb_err_set(e, KB_EDATA, _("%s must be one line: it has a line break at column %zu"),
                          field, col);
    if (multiline)
        return kb_err_set(e, KB_EDATA,
                          _("%s contains a control character (U+%04X) at line %zu, column %zu; "
                            "remove it"),
                          field, cp, line, col);
    return kb_err_set(e, KB_EDATA,
                      _("%s contains a control character (U+%04X) at column %zu; remove it"), field,
                      cp, col);
}

/* A list field holds at most KB_LIST_MAX items (what the decoder reads
 * back).  field is the list's name ("tags"). */
static int kb_list_check(const char *field, size_t n, kb_err *e)
{
    if (n > KB_LIST_MAX)
        return kb_err_set(e, KB_EDATA, _("too many %s (%zu, at most %d)"), field, n, KB_LIST_MAX);
    return KB_OK;
}

/* A list of one-line texts: the count, then each item, named as one item
 * ("a tag") in the messages about it. */
static int kb_strv_check(const char *field, const char *item, const kb_strv *sv, size_t max,
                         kb_err *e)
{
    int rc = kb_list_check(field, sv->n, e);
    for (size_t i = 0; !rc && i < sv->n; i++) {
        if ((rc = kb_text_check(item, sv->v[i], max, false, e)))
            return rc;
        if (!sv->v[i][0])
            return kb_err_set(e, KB_EDATA, _("%s is empty"), item);
    }
    return rc;
}

/* ------------------------------------------------------------ enums */

/* An enum value typed by a user: the English code (what files and scripts
 * use), the name shown in the reader's language, or a Dutch word (so a Dutch
 * team can type what it reads, whatever the locale), case- and
 * accent-insensitively. */
typedef struct kb_enum_alias {
    const char *word;
    int value;
} kb_enum_alias;

static bool kb_enum_parse(const char *s, const char *const *codes, const char *const *labels, int n,
                          const kb_enum_alias *aliases, int *out)
{
    if (!s)
        return false;
    for (int i = 0; i < n; i++)
        if (kb_str_ieq(s, codes[i]) || kb_fold_eq(s, _(labels[i]))) {
            *out = i;
            return true;
        }
    for (const kb_enum_alias *a = aliases; a->word; a++)
        if (kb_fold_eq(s, a->word)) {
            *out = a->value;
            return true;
        }
    return false;
}

static const char *const kb_role_names[] = {"viewer", "member", "broker", "admin"};
/* TRANSLATORS: the roles as shown (the typed values stay admin, broker, ...) */
static const char *const kb_role_labels[] = {N_("viewer"), N_("member"), N_("broker"), N_("admin")};
static const kb_enum_alias kb_role_aliases[] = {{"lezer", KB_ROLE_VIEWER},
                                                {"lid", KB_ROLE_MEMBER},
                                                {"makelaar", KB_ROLE_BROKER},
                                                {"beheerder", KB_ROLE_ADMIN},
                                                {NULL, 0}};

const char *kb_role_name(enum kb_role r)
{
    return (unsigned)r < 4 ? kb_role_names[r] : "viewer";
}

const char *kb_role_label(enum kb_role r)
{
    return _(kb_role_labels[(unsigned)r < 4 ? r : KB_ROLE_VIEWER]);
}

int kb_role_parse(const char *s, enum kb_role *out, kb_err *e)
{
    int v;
    if (kb_enum_parse(s, kb_role_names, kb_role_labels, 4, kb_role_aliases, &v)) {
        *out = (enum kb_role)v;
        return KB_OK;
    }
    return kb_err_set(e, KB_EDATA, _("unknown role '%s': use admin, broker, member or viewer"), s);
}

bool kb_role_can_write(enum kb_role r)
{
    return r >= KB_ROLE_MEMBER;
}

static const char *const kb_conf_names[] = {"public", "internal", "confidential"};
/* TRANSLATORS: confidentiality levels as shown (typed: public, internal, confidential) */
static const char *const kb_conf_labels[] = {N_("public"), N_("internal"), N_("confidential")};
static const kb_enum_alias kb_conf_aliases[] = {{"openbaar", KB_CONF_PUBLIC},
                                                {"intern", KB_CONF_INTERNAL},
                                                {"vertrouwelijk", KB_CONF_CONFIDENTIAL},
                                                {NULL, 0}};

const char *kb_conf_name(enum kb_conf c)
{
    return (unsigned)c < 3 ? kb_conf_names[c] : "internal";
}

const char *kb_conf_label(enum kb_conf c)
{
    return _(kb_conf_labels[(unsigned)c < 3 ? c : KB_CONF_INTERNAL]);
}

int kb_conf_parse(const char *s, enum kb_conf *out, kb_err *e)
{
    int v;
    if (kb_enum_parse(s, kb_conf_names, kb_conf_labels, 3, kb_conf_aliases, &v)) {
        *out = (enum kb_conf)v;
        return KB_OK;
    }
    return kb_err_set(e, KB_EDATA,
                      _("unknown confidentiality '%s': use public, internal or confidential"), s);
}

/* ------------------------------------------------------------ case */

void kb_case_init(kb_case *c)
{
    memset(c, 0, sizeof *c);
    c->due = KB_DATE_NONE;
    c->review = KB_DATE_NONE;
    c->conf = KB_CONF_INTERNAL;
}

void kb_case_free(kb_case *c)
{
    kb_free(&c->title);
    kb_free(&c->description);
    kb_free(&c->stage);
    kb_free(&c->lead_dept);
    kb_strv_free(&c->depts);
    kb_free(&c->action_line);
    kb_strv_free(&c->hooks);
    kb_strv_free(&c->orgs);
    kb_free(&c->owner);
    kb_free(&c->blocked);
    kb_strv_free(&c->tags);
}

static char *kb_dup_opt(const char *s)
{
    return s ? kb_strdup(s) : NULL;
}

void kb_case_copy(kb_case *dst, const kb_case *src)
{
    *dst = *src;
    dst->title = kb_dup_opt(src->title);
    dst->description = kb_dup_opt(src->description);
    dst->stage = kb_dup_opt(src->stage);
    dst->lead_dept = kb_dup_opt(src->lead_dept);
    kb_strv_copy(&dst->depts, &src->depts);
    dst->action_line = kb_dup_opt(src->action_line);
    kb_strv_copy(&dst->hooks, &src->hooks);
    kb_strv_copy(&dst->orgs, &src->orgs);
    dst->owner = kb_dup_opt(src->owner);
    dst->blocked = kb_dup_opt(src->blocked);
    kb_strv_copy(&dst->tags, &src->tags);
}

int kb_case_validate(const kb_case *c, kb_err *e)
{
    int rc;
    if (!c->title || !c->title[0])
        return kb_err_set(e, KB_EDATA, _("a case needs a title"));
    if ((rc = kb_text_check(_("title"), c->title, KB_TITLE_MAX, false, e)))
        return rc;
    if (c->description &&
        (rc = kb_text_check(_("description"), c->description, KB_TEXT_MAX, true, e)))
        return rc;
    if (!c->stage || !kb_code_ok(c->stage))
        return kb_err_set(e, KB_EDATA, _("a case needs a valid stage"));
    if (c->lead_dept && !kb_code_ok(c->lead_dept))
        return kb_err_set(e, KB_EDATA, _("invalid department code '%s'"), c->lead_dept);
    if ((rc = kb_list_check(_("departments"), c->depts.n, e)))
        return rc;
    for (size_t i = 0; i < c->depts.n; i++) {
        if (!kb_code_ok(c->depts.v[i]))
            return kb_err_set(e, KB_EDATA, _("invalid department code '%s'"), c->depts.v[i]);
        if (c->lead_dept && kb_str_ieq(c->depts.v[i], c->lead_dept))
            return kb_err_set(e, KB_EDATA,
                              _("department %s is the lead department; do not list it again"),
                              c->depts.v[i]);
        for (size_t j = 0; j < i; j++)
            if (kb_str_ieq(c->depts.v[i], c->depts.v[j]))
                return kb_err_set(e, KB_EDATA, _("department %s is listed twice"), c->depts.v[i]);
    }
    if (c->action_line && !kb_code_ok(c->action_line))
        return kb_err_set(e, KB_EDATA, _("invalid action line code '%s'"), c->action_line);
    if ((rc = kb_strv_check(_("policy hooks"), _("a policy hook"), &c->hooks, KB_TITLE_MAX, e)) ||
        (rc = kb_strv_check(_("organisations"), _("an organisation"), &c->orgs, KB_TITLE_MAX, e)) ||
        (rc = kb_strv_check(_("tags"), _("a tag"), &c->tags, KB_NAME_MAX, e)))
        return rc;
    if (c->owner && (rc = kb_user_name_check(c->owner, e)))
        return rc;
    if (c->priority < 0 || c->priority > KB_PRIORITY_MAX)
        return kb_err_set(e, KB_EDATA, _("priority must be 0 to %d"), KB_PRIORITY_MAX);
    if (c->blocked && (rc = kb_text_check(_("blocked reason"), c->blocked, KB_TITLE_MAX, false, e)))
        return rc;
    if (c->blocked && !c->blocked[0])
        return kb_err_set(e, KB_EDATA, _("a blocked case needs a reason"));
    if ((unsigned)c->conf > KB_CONF_CONFIDENTIAL)
        return kb_err_set(e, KB_EDATA, _("invalid confidentiality"));
    return KB_OK;
}

int kb_case_number_parse(const char *s, uint32_t *out, kb_err *e)
{
    const char *p = s;
    if (*p == '#')
        p++;
    if (!*p)
        goto bad;
    uint64_t v = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            goto bad;
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > UINT32_MAX)
            goto bad;
    }
    if (v == 0)
        goto bad;
    *out = (uint32_t)v;
    return KB_OK;
bad:
    return kb_err_set(e, KB_EUSAGE, _("invalid case number '%s': write it as 12 or #12"), s);
}

size_t kb_case_dept_count(const kb_case *c)
{
    return (c->lead_dept ? 1 : 0) + c->depts.n;
}

bool kb_case_overdue(const kb_case *c, kb_date today)
{
    return c->due != KB_DATE_NONE && c->due < today;
}

kb_time kb_case_stage_since(const kb_case *c)
{
    return c->moved ? c->moved : c->created;
}

kb_time kb_case_last_activity(const kb_case *c)
{
    return c->active > c->updated ? c->active : c->updated;
}

int kb_case_age_days(const kb_case *c, kb_date today)
{
    kb_date since = kb_date_of_time(kb_case_stage_since(c));
    return today > since ? (int)(today - since) : 0;
}

bool kb_case_past_norm(const kb_case *c, int norm_days, kb_date today)
{
    return norm_days > 0 && kb_case_age_days(c, today) > norm_days;
}

/* ------------------------------------------------------------ others */

void kb_comment_free(kb_comment *c)
{
    kb_free(&c->author);
    kb_free(&c->text);
    kb_free(&c->move_from);
    kb_free(&c->move_to);
    kb_free(&c->reason);
}

int kb_comment_validate(const kb_comment *c, kb_err *e)
{
    if (!c->text || !c->text[0])
        return kb_err_set(e, KB_EDATA, _("a comment needs text"));
    int rc = kb_text_check(_("comment"), c->text, KB_TEXT_MAX, true, e);
    if (!rc && c->reason)
        rc = kb_text_check(_("reason"), c->reason, KB_TEXT_MAX, true, e);
    if (!rc && c->move_from && !kb_code_ok(c->move_from))
        rc = kb_err_set(e, KB_EDATA, _("a case needs a valid stage"));
    if (!rc && c->move_to && !kb_code_ok(c->move_to))
        rc = kb_err_set(e, KB_EDATA, _("a case needs a valid stage"));
    return rc;
}

void kb_dept_free(kb_dept *d)
{
    kb_free(&d->code);
    kb_free(&d->name);
    kb_free(&d->colour);
}

static int kb_code_name_check(const char *what, const char *code, const char *name, kb_err *e)
{
    if (!code || !kb_code_ok(code))
        return kb_err_set(e, KB_EDATA,
                          _("%s code '%s' is invalid: use 1 to %d letters, digits, '_' or '-'"),
                          what, code ? code : "", KB_CODE_MAX);
    if (!name || !name[0])
        return kb_err_set(e, KB_EDATA, _("%s %s needs a name"), what, code);
    return kb_text_check(what, name, KB_NAME_MAX, false, e);
}

int kb_dept_validate(const kb_dept *d, kb_err *e)
{
    return kb_code_name_check(_("department"), d->code, d->name, e);
}

static const char *const kb_colours[] = {"black", "red",     "green", "yellow",
                                         "blue",  "magenta", "cyan",  "white"};

int kb_colour_index(const char *name)
{
    if (!name)
        return -1;
    while (*name == ' ')
        name++;
    static const char *const prefixes[] = {"bright", "light", "bold"};
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncasecmp(name, prefixes[i], n) == 0) {
            name += n;
            while (*name == ' ' || *name == '-' || *name == '_')
                name++;
            break;
        }
    }
    for (size_t i = 0; i < sizeof kb_colours / sizeof *kb_colours; i++)
        if (strcasecmp(name, kb_colours[i]) == 0)
            return (int)i;
    return -1;
}

const char *kb_colour_names(void)
{
    return "black, red, green, yellow, blue, magenta, cyan, white";
}

int kb_colour_check(const char *colour, kb_err *e)
{
    if (kb_colour_index(colour) >= 0)
        return KB_OK;
    return kb_err_set(e, KB_EDATA,
                      _("unknown colour '%s': use one of %s (optionally with 'bright-')"),
                      colour ? colour : "", kb_colour_names());
}

void kb_stage_free(kb_stage *s)
{
    kb_free(&s->code);
    kb_free(&s->name);
    kb_strv_free(&s->dept_wip);
}

/* Parse "CODE=N"; false when malformed. */
static bool kb_dept_wip_parse(const char *entry, char code[KB_CODE_MAX + 1], int *limit)
{
    const char *eq = strchr(entry, '=');
    if (!eq || eq == entry || (size_t)(eq - entry) > KB_CODE_MAX)
        return false;
    memcpy(code, entry, (size_t)(eq - entry));
    code[eq - entry] = '\0';
    char *end = NULL;
    long v = strtol(eq + 1, &end, 10);
    if (!eq[1] || *end || v < 1 || v > 10000 || !kb_code_ok(code))
        return false;
    *limit = (int)v;
    return true;
}

int kb_stage_dept_wip(const kb_stage *s, const char *dept)
{
    for (size_t i = 0; i < s->dept_wip.n; i++) {
        char code[KB_CODE_MAX + 1];
        int limit;
        if (kb_dept_wip_parse(s->dept_wip.v[i], code, &limit) && kb_str_ieq(code, dept))
            return limit;
    }
    return 0;
}

void kb_stage_set_dept_wip(kb_stage *s, const char *dept, int limit)
{
    kb_strv keep = {0};
    for (size_t i = 0; i < s->dept_wip.n; i++) {
        char code[KB_CODE_MAX + 1];
        int l;
        if (!kb_dept_wip_parse(s->dept_wip.v[i], code, &l) || !kb_str_ieq(code, dept))
            kb_strv_push(&keep, s->dept_wip.v[i]);
    }
    if (limit > 0) {
        char *e = kb_asprintf("%s=%d", dept, limit);
        kb_strv_push(&keep, e);
        kb_free(&e);
    }
    kb_strv_free(&s->dept_wip);
    s->dept_wip = keep;
}

int kb_stage_validate(const kb_stage *s, kb_err *e)
{
    int rc = kb_code_name_check(_("stage"), s->code, s->name, e);
    if (rc)
        return rc;
    if (s->wip_limit < 0 || s->wip_limit > 10000)
        return kb_err_set(e, KB_EDATA, _("WIP limit must be 0 (none) to 10000"));
    if (s->norm_days < 0 || s->norm_days > 3650)
        return kb_err_set(e, KB_EDATA, _("norm must be 0 (none) to 3650 days"));
    if ((rc = kb_list_check(_("department WIP limits"), s->dept_wip.n, e)))
        return rc;
    for (size_t i = 0; i < s->dept_wip.n; i++) {
        char code[KB_CODE_MAX + 1];
        int limit;
        if (!kb_dept_wip_parse(s->dept_wip.v[i], code, &limit))
            return kb_err_set(e, KB_EDATA,
                              _("invalid department WIP limit '%s': write CODE=N, e.g. ECO=3"),
                              s->dept_wip.v[i]);
    }
    return KB_OK;
}

void kb_line_free(kb_line *l)
{
    kb_free(&l->code);
    kb_free(&l->name);
}

int kb_line_validate(const kb_line *l, kb_err *e)
{
    return kb_code_name_check(_("action line"), l->code, l->name, e);
}

void kb_user_free(kb_user *u)
{
    kb_free(&u->name);
    kb_free(&u->display);
    kb_strv_free(&u->depts);
}

int kb_user_name_check(const char *name, kb_err *e)
{
    size_t n = strlen(name);
    bool ok = n > 0 && n <= KB_USER_NAME_MAX && isalnum((unsigned char)name[0]);
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)name[i]) || name[i] == '.' || name[i] == '_' || name[i] == '-';
    if (!ok)
        return kb_err_set(e, KB_EDATA,
                          _("invalid user name '%s': use letters, digits, '.', '_' or '-'"), name);
    return KB_OK;
}

int kb_user_validate(const kb_user *u, kb_err *e)
{
    int rc = kb_user_name_check(u->name ? u->name : "", e);
    if (rc)
        return rc;
    if (u->display && (rc = kb_text_check(_("display name"), u->display, KB_NAME_MAX, false, e)))
        return rc;
    if ((unsigned)u->role > KB_ROLE_ADMIN)
        return kb_err_set(e, KB_EDATA, _("invalid role"));
    if ((rc = kb_list_check(_("departments"), u->depts.n, e)))
        return rc;
    for (size_t i = 0; i < u->depts.n; i++)
        if (!kb_code_ok(u->depts.v[i]))
            return kb_err_set(e, KB_EDATA, _("invalid department code '%s'"), u->depts.v[i]);
    return KB_OK;
}

void kb_lease_free(kb_lease *l)
{
    kb_free(&l->user);
    kb_free(&l->host);
}

void kb_action_item_init(kb_action_item *a)
{
    memset(a, 0, sizeof *a);
    a->due = KB_DATE_NONE;
}

void kb_action_item_free(kb_action_item *a)
{
    kb_free(&a->text);
    kb_free(&a->owner);
}

int kb_action_item_validate(const kb_action_item *a, kb_err *e)
{
    if (!a->text || !a->text[0])
        return kb_err_set(e, KB_EDATA, _("an action item needs text"));
    int rc = kb_text_check(_("action item"), a->text, KB_TITLE_MAX, false, e);
    if (rc)
        return rc;
    if (!a->owner || !a->owner[0])
        return kb_err_set(e, KB_EDATA, _("an action item needs an owner"));
    return kb_user_name_check(a->owner, e);
}

bool kb_action_item_overdue(const kb_action_item *a, kb_date today)
{
    return !a->done && a->due != KB_DATE_NONE && a->due < today;
}

static const char *const kb_link_names[] = {"related", "duplicate", "blocks"};
/* TRANSLATORS: link kinds as shown ("#15 duplicate"; typed: related,
 * duplicate, blocks) */
static const char *const kb_link_labels[] = {N_("related"), N_("duplicate"), N_("blocks")};
static const kb_enum_alias kb_link_aliases[] = {{"gerelateerd", KB_LINK_RELATED},
                                                {"duplicaat", KB_LINK_DUPLICATE},
                                                {"blokkeert", KB_LINK_BLOCKS},
                                                {NULL, 0}};

const char *kb_link_kind_name(enum kb_link_kind k)
{
    return (unsigned)k < 3 ? kb_link_names[k] : "related";
}

const char *kb_link_kind_label(enum kb_link_kind k)
{
    return _(kb_link_labels[(unsigned)k < 3 ? k : KB_LINK_RELATED]);
}

int kb_link_kind_parse(const char *s, enum kb_link_kind *out, kb_err *e)
{
    int v;
    if (kb_enum_parse(s, kb_link_names, kb_link_labels, 3, kb_link_aliases, &v)) {
        *out = (enum kb_link_kind)v;
        return KB_OK;
    }
    return kb_err_set(e, KB_EDATA, _("unknown link kind '%s': use related, duplicate or blocks"),
                      s);
}

static const char *const kb_org_kinds[] = {"entrepreneur", "foundation", "partner", "government",
                                           "other"};
/* TRANSLATORS: kinds of organisation as shown; "government" is another
 * government than the municipality (typed: entrepreneur, foundation, ...) */
static const char *const kb_org_labels[] = {N_("entrepreneur"), N_("foundation"), N_("partner"),
                                            N_("government"), N_("other")};
static const kb_enum_alias kb_org_aliases[] = {{"ondernemer", KB_ORG_ENTREPRENEUR},
                                               {"stichting", KB_ORG_FOUNDATION},
                                               {"partner", KB_ORG_PARTNER},
                                               {"overheid", KB_ORG_GOVERNMENT},
                                               {"andere overheid", KB_ORG_GOVERNMENT},
                                               {"overig", KB_ORG_OTHER},
                                               {"anders", KB_ORG_OTHER},
                                               {"andere", KB_ORG_OTHER},
                                               {NULL, 0}};

const char *kb_org_kind_name(enum kb_org_kind k)
{
    return (unsigned)k < 5 ? kb_org_kinds[k] : "other";
}

const char *kb_org_kind_label(enum kb_org_kind k)
{
    return _(kb_org_labels[(unsigned)k < 5 ? k : KB_ORG_OTHER]);
}

int kb_org_kind_parse(const char *s, enum kb_org_kind *out, kb_err *e)
{
    int v;
    if (kb_enum_parse(s, kb_org_kinds, kb_org_labels, 5, kb_org_aliases, &v)) {
        *out = (enum kb_org_kind)v;
        return KB_OK;
    }
    return kb_err_set(e, KB_EDATA,
                      _("unknown kind '%s': use entrepreneur, foundation, partner, government or "
                        "other"),
                      s);
}

void kb_org_free(kb_org *o)
{
    kb_free(&o->name);
    kb_free(&o->contact);
    kb_free(&o->notes);
}

int kb_org_validate(const kb_org *o, kb_err *e)
{
    if (!o->name || !o->name[0])
        return kb_err_set(e, KB_EDATA, _("an organisation needs a name"));
    int rc = kb_text_check(_("organisation name"), o->name, KB_TITLE_MAX, false, e);
    if (!rc && o->contact)
        rc = kb_text_check(_("contact person"), o->contact, KB_TITLE_MAX, false, e);
    if (!rc && o->notes)
        rc = kb_text_check(_("notes"), o->notes, KB_TEXT_MAX, true, e);
    if (!rc && (unsigned)o->kind > KB_ORG_OTHER)
        rc = kb_err_set(e, KB_EDATA, _("invalid organisation kind"));
    return rc;
}

void kb_contact_free(kb_contact *c)
{
    kb_free(&c->org);
    kb_free(&c->dept);
    kb_free(&c->user);
    kb_free(&c->purpose);
}

int kb_contact_validate(const kb_contact *c, kb_err *e)
{
    if (!c->org || !c->org[0])
        return kb_err_set(e, KB_EDATA, _("a contact moment needs an organisation"));
    if (c->date == KB_DATE_NONE)
        return kb_err_set(e, KB_EDATA, _("a contact moment needs a date"));
    if (!c->dept || !kb_code_ok(c->dept))
        return kb_err_set(e, KB_EDATA, _("a contact moment needs a department"));
    int rc = c->user ? kb_user_name_check(c->user, e) : KB_OK;
    if (!rc && c->purpose)
        rc = kb_text_check(_("purpose"), c->purpose, KB_TITLE_MAX, false, e);
    return rc;
}

void kb_u32v_push(kb_u32v *v, uint32_t x)
{
    v->v = kb_reallocarray(v->v, v->n + 1, sizeof *v->v);
    v->v[v->n++] = x;
}

void kb_u32v_free(kb_u32v *v)
{
    kb_free(&v->v);
    v->n = 0;
}

void kb_meeting_init(kb_meeting *m)
{
    memset(m, 0, sizeof *m);
    m->date = KB_DATE_NONE;
}

void kb_meeting_free(kb_meeting *m)
{
    kb_strv_free(&m->attendees);
    kb_u32v_free(&m->agenda);
    kb_free(&m->minutes);
    kb_free(&m->chair);
    kb_strv_free(&m->guests);
    kb_u32v_free(&m->plan);
    kb_u32v_free(&m->spent);
    kb_strv_free(&m->why);
    kb_u32v_free(&m->reveals);
    kb_u32v_free(&m->actions);
}

const char *kb_meeting_state_name(int state)
{
    switch (state) {
    case KB_MEETING_DRAFT:
        return "draft";
    case KB_MEETING_RUNNING:
        return "running";
    case KB_MEETING_ENDED:
        return "ended";
    default:
        return "recorded";
    }
}

void kb_meeting_items_fix(kb_meeting *m, uint32_t default_plan)
{
    while (m->plan.n < m->agenda.n)
        kb_u32v_push(&m->plan, default_plan);
    while (m->spent.n < m->agenda.n)
        kb_u32v_push(&m->spent, 0);
    while (m->why.n < m->agenda.n)
        kb_strv_push(&m->why, "");
    m->plan.n = m->spent.n = m->agenda.n;
    while (m->why.n > m->agenda.n)
        kb_free(&m->why.v[--m->why.n]);
    if (m->current < 0 || (size_t)m->current >= m->agenda.n)
        m->current = 0;
}

uint32_t kb_meeting_item_seconds(const kb_meeting *m, size_t i, kb_time now)
{
    uint64_t s = i < m->spent.n ? m->spent.v[i] : 0;
    if (m->state == KB_MEETING_RUNNING && (size_t)m->current == i && m->item_since > 0 &&
        now > m->item_since)
        s += (uint64_t)(now - m->item_since);
    return s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

void kb_meeting_clock_stop(kb_meeting *m, kb_time now)
{
    if (m->state != KB_MEETING_RUNNING || m->current < 0 || (size_t)m->current >= m->spent.n)
        return;
    m->spent.v[m->current] = kb_meeting_item_seconds(m, (size_t)m->current, now);
    m->item_since = now;
}

void kb_meeting_item_remove(kb_meeting *m, size_t i)
{
    if (i >= m->agenda.n)
        return;
    kb_meeting_items_fix(m, 0);
    memmove(&m->agenda.v[i], &m->agenda.v[i + 1], (m->agenda.n - i - 1) * sizeof *m->agenda.v);
    memmove(&m->plan.v[i], &m->plan.v[i + 1], (m->plan.n - i - 1) * sizeof *m->plan.v);
    memmove(&m->spent.v[i], &m->spent.v[i + 1], (m->spent.n - i - 1) * sizeof *m->spent.v);
    kb_free(&m->why.v[i]);
    memmove(&m->why.v[i], &m->why.v[i + 1], (m->why.n - i - 1) * sizeof *m->why.v);
    m->agenda.n--, m->plan.n--, m->spent.n--, m->why.n--;
    if (m->current > 0 && (size_t)m->current > i)
        m->current--;
    if ((size_t)m->current >= m->agenda.n)
        m->current = m->agenda.n ? (int)m->agenda.n - 1 : 0;
}

void kb_meeting_item_insert(kb_meeting *m, size_t pos, uint32_t case_number, uint32_t plan,
                            const char *why)
{
    kb_meeting_items_fix(m, plan);
    if (pos > m->agenda.n)
        pos = m->agenda.n;
    kb_u32v_push(&m->agenda, 0);
    kb_u32v_push(&m->plan, 0);
    kb_u32v_push(&m->spent, 0);
    kb_strv_push(&m->why, "");
    size_t tail = m->agenda.n - 1 - pos;
    memmove(&m->agenda.v[pos + 1], &m->agenda.v[pos], tail * sizeof *m->agenda.v);
    memmove(&m->plan.v[pos + 1], &m->plan.v[pos], tail * sizeof *m->plan.v);
    memmove(&m->spent.v[pos + 1], &m->spent.v[pos], tail * sizeof *m->spent.v);
    char *w = m->why.v[m->why.n - 1];
    memmove(&m->why.v[pos + 1], &m->why.v[pos], tail * sizeof *m->why.v);
    m->agenda.v[pos] = case_number;
    m->plan.v[pos] = plan;
    m->spent.v[pos] = 0;
    kb_free(&w);
    m->why.v[pos] = kb_strdup(why ? why : "");
    if (m->agenda.n > 1 && m->current >= 0 && (size_t)m->current >= pos &&
        m->state == KB_MEETING_RUNNING)
        m->current++;
}

long kb_meeting_item_find(const kb_meeting *m, uint32_t case_number)
{
    for (size_t i = 0; i < m->agenda.n; i++)
        if (m->agenda.v[i] == case_number)
            return (long)i;
    return -1;
}

bool kb_meeting_revealed(const kb_meeting *m, uint32_t case_number)
{
    for (size_t i = 0; i < m->reveals.n; i++)
        if (m->reveals.v[i] == case_number)
            return true;
    return false;
}

bool kb_case_hidden_on_screen(const kb_case *c, bool shared, const kb_u32v *reveals)
{
    if (!shared || !c || c->conf != KB_CONF_CONFIDENTIAL)
        return false;
    for (size_t i = 0; reveals && i < reveals->n; i++)
        if (reveals->v[i] == c->number)
            return false;
    return true;
}

int kb_meeting_validate(const kb_meeting *m, kb_err *e)
{
    if (m->date == KB_DATE_NONE)
        return kb_err_set(e, KB_EDATA, _("a meeting needs a date"));
    if (m->state < KB_MEETING_RECORDED || m->state > KB_MEETING_ENDED)
        return kb_err_set(e, KB_EDATA, _("invalid meeting state"));
    /* every list the meeting record holds (the agenda's per-item lists
     * have one entry per agenda item) */
    int lrc = kb_list_check(_("attendees"), m->attendees.n, e);
    if (!lrc)
        lrc = kb_list_check(_("guests"), m->guests.n, e);
    if (!lrc)
        lrc = kb_list_check(_("agenda items"), m->agenda.n, e);
    if (!lrc)
        lrc = kb_list_check(_("agenda items"), m->plan.n, e);
    if (!lrc)
        lrc = kb_list_check(_("agenda items"), m->spent.n, e);
    if (!lrc)
        lrc = kb_list_check(_("agenda items"), m->why.n, e);
    if (!lrc)
        lrc = kb_list_check(_("revealed cases"), m->reveals.n, e);
    if (!lrc)
        lrc = kb_list_check(_("action items"), m->actions.n, e);
    if (lrc)
        return lrc;
    for (size_t i = 0; i < m->why.n; i++) {
        int rc = kb_text_check(_("agenda item"), m->why.v[i], KB_NAME_MAX, false, e);
        if (rc)
            return rc;
    }
    if (m->chair && m->chair[0]) {
        int rc = kb_user_name_check(m->chair, e);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < m->guests.n; i++) {
        int rc = kb_text_check(_("a guest"), m->guests.v[i], KB_NAME_MAX, false, e);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < m->attendees.n; i++) {
        int rc = kb_user_name_check(m->attendees.v[i], e);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < m->agenda.n; i++) {
        if (m->agenda.v[i] == 0)
            return kb_err_set(e, KB_EDATA, _("invalid case number on the agenda"));
        for (size_t j = 0; j < i; j++)
            if (m->agenda.v[i] == m->agenda.v[j])
                return kb_err_set(e, KB_EDATA, _("case #%u is on the agenda twice"),
                                  m->agenda.v[i]);
    }
    return m->minutes ? kb_text_check(_("minutes"), m->minutes, KB_TEXT_MAX * 4, true, e) : KB_OK;
}

void kb_decision_free(kb_decision *d)
{
    kb_free(&d->text);
    kb_free(&d->author);
}

int kb_decision_validate(const kb_decision *d, kb_err *e)
{
    if (!d->text || !d->text[0])
        return kb_err_set(e, KB_EDATA, _("a decision needs text"));
    if (d->case_number == 0)
        return kb_err_set(e, KB_EDATA, _("a decision belongs to a case"));
    return kb_text_check(_("decision"), d->text, KB_TEXT_MAX, true, e);
}

/* Labels and fixed messages the core writes into automatic timeline
 * entries (see kb_case_diff and friends in src/core). */
static const char *const kb_timeline_words[] = {
    N_("title"),
    N_("stage"),
    N_("lead department"),
    N_("departments"),
    N_("action line"),
    N_("policy hooks"),
    N_("organisations"),
    N_("owner"),
    N_("priority"),
    N_("due"),
    N_("review"),
    N_("blocked"),
    N_("confidentiality"),
    N_("tags"),
    N_("action item"),
    N_("link"),
    N_("link removed"),
    N_("decision"),
    N_("case created"),
    N_("case imported"),
    N_("description changed"),
    N_("put on the agenda"),
    N_("taken off the agenda"),
};

static const char *kb_timeline_word(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof kb_timeline_words / sizeof kb_timeline_words[0]; i++)
        if (strlen(kb_timeline_words[i]) == n && strncmp(kb_timeline_words[i], s, n) == 0)
            return kb_timeline_words[i];
    return NULL;
}

/* One value of a "label: old -> new" part, as the reader sees it. */
static void kb_timeline_value(kb_buf *b, const char *word, const char *v, size_t n,
                              kb_ref_namer namer, void *ctx)
{
    char *code = kb_strndup(v, n);
    const char *shown = NULL;
    if (strcmp(word, "confidentiality") == 0) {
        for (int i = 0; i < 3 && !shown; i++)
            if (strcmp(code, kb_conf_name((enum kb_conf)i)) == 0)
                shown = kb_conf_label((enum kb_conf)i);
    } else if (namer && strcmp(code, "-") != 0) {
        enum kb_field_type t = strcmp(word, "stage") == 0             ? KB_FT_STAGE
                               : strcmp(word, "action line") == 0     ? KB_FT_LINE
                               : strcmp(word, "lead department") == 0 ? KB_FT_DEPT
                                                                      : KB_FT_TEXT;
        if (t != KB_FT_TEXT)
            shown = namer(ctx, t, code);
    }
    kb_buf_puts(b, shown ? shown : code);
    kb_free(&code);
}

/* The text after "label:" of a part (" old -> new", " #15 related", ...). */
static void kb_timeline_rest(kb_buf *b, const char *word, const char *r, size_t n,
                             kb_ref_namer namer, void *ctx)
{
    const char *arrow = NULL;
    for (size_t i = 0; i + 4 <= n && !arrow; i++)
        if (memcmp(r + i, " -> ", 4) == 0)
            arrow = r + i;
    if (n && r[0] == ' ' && arrow &&
        (!strcmp(word, "stage") || !strcmp(word, "action line") ||
         !strcmp(word, "lead department") || !strcmp(word, "confidentiality"))) {
        kb_buf_puts(b, " ");
        kb_timeline_value(b, word, r + 1, (size_t)(arrow - r - 1), namer, ctx);
        kb_buf_puts(b, " -> ");
        kb_timeline_value(b, word, arrow + 4, n - (size_t)(arrow + 4 - r), namer, ctx);
        return;
    }
    if (strcmp(word, "link") == 0 || strcmp(word, "link removed") == 0) {
        /* " #15 related" */
        const char *sp = n > 2 && r[0] == ' ' && r[1] == '#' ? memchr(r + 1, ' ', n - 1) : NULL;
        if (sp) {
            size_t kn = n - (size_t)(sp + 1 - r);
            for (int i = 0; i < 3; i++) {
                const char *k = kb_link_kind_name((enum kb_link_kind)i);
                if (strlen(k) == kn && memcmp(sp + 1, k, kn) == 0) {
                    kb_buf_append(b, r, (size_t)(sp + 1 - r));
                    kb_buf_puts(b, kb_link_kind_label((enum kb_link_kind)i));
                    return;
                }
            }
        }
    }
    kb_buf_append(b, r, n);
}

char *kb_timeline_localize(const char *text)
{
    return kb_timeline_localize_refs(text, NULL, NULL);
}

char *kb_timeline_localize_refs(const char *text, kb_ref_namer namer, void *ctx)
{
    kb_buf b = KB_BUF_INIT;
    const char *p = text ? text : "";
    for (;;) {
        const char *end = strstr(p, "; ");
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *colon = memchr(p, ':', n);
        const char *w;
        if ((w = kb_timeline_word(p, n)))
            kb_buf_puts(&b, _(w));
        else if (colon && (w = kb_timeline_word(p, (size_t)(colon - p)))) {
            kb_buf_puts(&b, _(w));
            kb_buf_puts(&b, ":");
            kb_timeline_rest(&b, w, colon + 1, n - (size_t)(colon + 1 - p), namer, ctx);
        } else
            kb_buf_append(&b, p, n);
        if (!end)
            break;
        kb_buf_puts(&b, "; ");
        p = end + 2;
    }
    return b.data ? kb_buf_take(&b) : kb_strdup("");
}
