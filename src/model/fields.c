/* fields.c - the fields of a case, described once; see kernboard/model.h. */
#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/model.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const kb_field_desc kb_fields[KB_F_COUNT] = {
    {KB_F_TITLE, "title", "title", N_("Title"), N_("title"), KB_FT_TEXT, false, 0},
    {KB_F_STAGE, "stage", "stage", N_("Stage"), N_("stage"), KB_FT_STAGE, false, 0},
    {KB_F_LEAD, "lead_dept", "dept", N_("Lead department"), N_("lead department"), KB_FT_DEPT,
     false, 0},
    {KB_F_DEPTS, "depts", "also", N_("Also involved"), N_("departments"), KB_FT_DEPTS, true, ','},
    {KB_F_LINE, "action_line", "line", N_("Action line"), N_("action line"), KB_FT_LINE, false, 0},
    {KB_F_OWNER, "owner", "owner", N_("Owner"), N_("owner"), KB_FT_USER, false, 0},
    {KB_F_PRIORITY, "priority", "priority", N_("Priority (0-3)"), N_("priority"), KB_FT_PRIORITY,
     false, 0},
    {KB_F_DUE, "due", "due", N_("Due"), N_("due"), KB_FT_DATE, false, 0},
    {KB_F_REVIEW, "review", "review", N_("Next review"), N_("review"), KB_FT_DATE, false, 0},
    /* the timeline says "put on the agenda" / "taken off the agenda" */
    {KB_F_AGENDA, "on_agenda", "agenda", N_("On agenda"), N_("put on the agenda"), KB_FT_BOOL,
     false, 0},
    {KB_F_BLOCKED, "blocked", "blocked", N_("Blocked because"), N_("blocked"), KB_FT_TEXT, false,
     0},
    {KB_F_CONF, "confidentiality", "confidentiality", N_("Confidentiality"), N_("confidentiality"),
     KB_FT_CONF, false, 0},
    {KB_F_TAGS, "tags", "tag", N_("Tags"), N_("tags"), KB_FT_LIST, true, ','},
    {KB_F_HOOKS, "hooks", "hook", N_("Policy hooks"), N_("policy hooks"), KB_FT_LIST, true, ';'},
    {KB_F_ORGS, "orgs", "org", N_("Organisations"), N_("organisations"), KB_FT_LIST, true, ';'},
    /* the timeline says only "description changed": descriptions can be long */
    {KB_F_DESC, "description", "description", N_("Description"), N_("description changed"),
     KB_FT_LONGTEXT, false, 0},
};

const kb_field_desc *kb_case_field_table(void)
{
    return kb_fields;
}

const kb_field_desc *kb_case_field(enum kb_field_id f)
{
    return (unsigned)f < KB_F_COUNT ? &kb_fields[f] : NULL;
}

const kb_field_desc *kb_case_field_by_option(const char *opt)
{
    for (size_t i = 0; opt && i < KB_F_COUNT; i++)
        if (strcmp(kb_fields[i].option, opt) == 0)
            return &kb_fields[i];
    return NULL;
}

const kb_field_desc *kb_case_field_by_json(const char *key)
{
    for (size_t i = 0; key && i < KB_F_COUNT; i++)
        if (strcmp(kb_fields[i].json, key) == 0)
            return &kb_fields[i];
    return NULL;
}

/* ------------------------------------------------------------ access */

static char **kb_field_str(kb_case *c, enum kb_field_id f)
{
    switch (f) {
    case KB_F_TITLE:
        return &c->title;
    case KB_F_STAGE:
        return &c->stage;
    case KB_F_LEAD:
        return &c->lead_dept;
    case KB_F_LINE:
        return &c->action_line;
    case KB_F_OWNER:
        return &c->owner;
    case KB_F_BLOCKED:
        return &c->blocked;
    case KB_F_DESC:
        return &c->description;
    default:
        return NULL;
    }
}

static kb_strv *kb_field_strv(kb_case *c, enum kb_field_id f)
{
    switch (f) {
    case KB_F_DEPTS:
        return &c->depts;
    case KB_F_TAGS:
        return &c->tags;
    case KB_F_HOOKS:
        return &c->hooks;
    case KB_F_ORGS:
        return &c->orgs;
    default:
        return NULL;
    }
}

static kb_date *kb_field_date(kb_case *c, enum kb_field_id f)
{
    return f == KB_F_DUE ? &c->due : f == KB_F_REVIEW ? &c->review : NULL;
}

kb_strv *kb_case_field_list(kb_case *c, enum kb_field_id f)
{
    return kb_field_strv(c, f);
}

char *kb_case_field_text(const kb_case *c, enum kb_field_id f)
{
    kb_case *m = (kb_case *)c; /* only read through these */
    char **s = kb_field_str(m, f);
    if (s)
        return kb_strdup(*s ? *s : "");
    kb_strv *sv = kb_field_strv(m, f);
    if (sv) {
        char sep[3] = {kb_fields[f].sep, ' ', 0};
        return kb_strv_join(sv, sep);
    }
    kb_date *d = kb_field_date(m, f);
    if (d) {
        char buf[KB_DATE_STRLEN];
        kb_date_format(*d, buf);
        return kb_strdup(buf);
    }
    switch (f) {
    case KB_F_PRIORITY:
        return kb_asprintf("%d", c->priority);
    case KB_F_AGENDA:
        return kb_strdup(c->on_agenda ? "yes" : "no");
    case KB_F_CONF:
        return kb_strdup(kb_conf_name(c->conf));
    default:
        return kb_strdup("");
    }
}

char *kb_case_field_show(const kb_case *c, enum kb_field_id f, kb_ref_namer namer, void *ctx)
{
    switch (f) {
    case KB_F_AGENDA:
        return kb_strdup(c->on_agenda ? _("yes") : _("no"));
    case KB_F_CONF:
        return kb_strdup(kb_conf_label(c->conf));
    case KB_F_STAGE:
    case KB_F_LINE: {
        const char *code = f == KB_F_STAGE ? c->stage : c->action_line;
        const char *name =
            code && namer ? namer(ctx, f == KB_F_STAGE ? KB_FT_STAGE : KB_FT_LINE, code) : NULL;
        if (name && name[0])
            return kb_strdup(name);
        return kb_strdup(code ? code : "");
    }
    default:
        return kb_case_field_text(c, f);
    }
}

/* ------------------------------------------------------------ parsing */

static char *kb_trimmed(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return kb_strndup(s, n);
}

/* Split at sep, trim the parts, drop empty ones, append to sv. */
static void kb_split_append(kb_strv *sv, const char *text, char sep)
{
    const char *p = text;
    for (;;) {
        const char *q = strchr(p, sep);
        size_t n = q ? (size_t)(q - p) : strlen(p);
        char *part = kb_trimmed(p, n);
        if (part[0])
            kb_strv_push(sv, part);
        free(part);
        if (!q)
            break;
        p = q + 1;
    }
}

static bool kb_word_is(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (kb_str_ieq(s, *words))
            return true;
    return false;
}

static int kb_field_fail(enum kb_field_id f, kb_err *e, const char *why)
{
    return kb_err_set(e, KB_EDATA, "%s: %s", _(kb_fields[f].label), why);
}

static int kb_field_set(kb_case *c, enum kb_field_id f, const char *text, bool append, kb_err *e)
{
    if ((unsigned)f >= KB_F_COUNT)
        return kb_err_set(e, KB_EDATA, "unknown case field %d", (int)f); /* a program error */
    if (!text)
        text = "";
    const kb_field_desc *d = &kb_fields[f];
    char *t = kb_trimmed(text, strlen(text));
    int rc = KB_OK;
    kb_strv *sv = kb_field_strv(c, f);
    char **s = kb_field_str(c, f);
    kb_date *dp = kb_field_date(c, f);
    if (sv) {
        kb_strv parts = {0};
        kb_split_append(&parts, t, d->sep);
        if (!append)
            kb_strv_free(sv);
        for (size_t i = 0; i < parts.n; i++)
            kb_strv_push(sv, parts.v[i]);
        kb_strv_free(&parts);
    } else if (s) {
        if (f == KB_F_STAGE && !t[0]) {
            rc = kb_field_fail(f, e, _("a case needs a stage"));
        } else {
            kb_free(s);
            /* free text keeps what was typed; names and codes are trimmed */
            if (d->type == KB_FT_TEXT || d->type == KB_FT_LONGTEXT)
                *s = text[0] && t[0] ? kb_strdup(text) : NULL;
            else
                *s = t[0] ? kb_strdup(t) : NULL;
            if (d->type == KB_FT_LONGTEXT) /* CRLF pasted from Windows: LF */
                kb_text_newlines(*s);
        }
    } else if (dp) {
        kb_date v = KB_DATE_NONE;
        kb_err de;
        if (t[0] && !kb_str_ieq(t, "none") &&
            kb_date_parse_rel(t, kb_date_today(), &v, &de) != KB_OK)
            rc = kb_field_fail(f, e, de.msg);
        else
            *dp = v;
    } else if (f == KB_F_PRIORITY) {
        char *end = NULL;
        long v = t[0] ? strtol(t, &end, 10) : 0;
        if ((t[0] && (*end || !isdigit((unsigned char)t[0]))) || v < 0 || v > KB_PRIORITY_MAX) {
            char *why = kb_asprintf(_("invalid priority '%s': expected 0, 1, 2 or 3"), t);
            rc = kb_field_fail(f, e, why);
            free(why);
        } else {
            c->priority = (int)v;
        }
    } else if (f == KB_F_AGENDA) {
        static const char *const yes[] = {"yes", "true", "1", "ja", "y", "j", NULL};
        static const char *const no[] = {"no", "false", "0", "nee", "n", "", NULL};
        if (kb_word_is(t, yes) || kb_fold_eq(t, _("yes")))
            c->on_agenda = true;
        else if (kb_word_is(t, no) || kb_fold_eq(t, _("no")))
            c->on_agenda = false;
        else {
            rc = kb_field_fail(f, e, _("answer yes or no"));
        }
    } else if (f == KB_F_CONF) {
        enum kb_conf v = KB_CONF_INTERNAL;
        kb_err ce;
        if (t[0] && kb_conf_parse(t, &v, &ce) != KB_OK)
            rc = kb_field_fail(f, e, ce.msg);
        else
            c->conf = v;
    }
    free(t);
    return rc;
}

int kb_case_field_parse(kb_case *c, enum kb_field_id f, const char *text, kb_err *e)
{
    return kb_field_set(c, f, text, false, e);
}

int kb_case_field_append(kb_case *c, enum kb_field_id f, const char *text, kb_err *e)
{
    return kb_field_set(c, f, text, true, e);
}

static bool kb_opt_streq(const char *a, const char *b)
{
    return (a == NULL) == (b == NULL) && (!a || strcmp(a, b) == 0);
}

bool kb_case_field_eq(const kb_case *a, const kb_case *b, enum kb_field_id f)
{
    kb_case *x = (kb_case *)a, *y = (kb_case *)b; /* only read */
    char **s = kb_field_str(x, f);
    if (s)
        return kb_opt_streq(*s, *kb_field_str(y, f));
    kb_strv *sv = kb_field_strv(x, f);
    if (sv)
        return kb_strv_eq(sv, kb_field_strv(y, f));
    kb_date *d = kb_field_date(x, f);
    if (d)
        return *d == *kb_field_date(y, f);
    switch (f) {
    case KB_F_PRIORITY:
        return a->priority == b->priority;
    case KB_F_AGENDA:
        return a->on_agenda == b->on_agenda;
    case KB_F_CONF:
        return a->conf == b->conf;
    default:
        return true;
    }
}

void kb_case_field_copy(kb_case *dst, const kb_case *src, enum kb_field_id f)
{
    kb_case *s = (kb_case *)src; /* only read */
    char **ds = kb_field_str(dst, f);
    if (ds) {
        const char *v = *kb_field_str(s, f);
        char *copy = v ? kb_strdup(v) : NULL;
        kb_free(ds);
        *ds = copy;
        return;
    }
    kb_strv *dv = kb_field_strv(dst, f);
    if (dv) {
        kb_strv copy;
        kb_strv_copy(&copy, kb_field_strv(s, f));
        kb_strv_free(dv);
        *dv = copy;
        return;
    }
    kb_date *dd = kb_field_date(dst, f);
    if (dd) {
        *dd = *kb_field_date(s, f);
        return;
    }
    switch (f) {
    case KB_F_PRIORITY:
        dst->priority = src->priority;
        break;
    case KB_F_AGENDA:
        dst->on_agenda = src->on_agenda;
        break;
    case KB_F_CONF:
        dst->conf = src->conf;
        break;
    default:
        break;
    }
}
