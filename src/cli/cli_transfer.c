/*
 * cli_transfer.c - export (json, csv, md) and import (json, csv).
 *
 * JSON export is complete and lossless for everything but users and their
 * keys: importing it into a new board and exporting again gives the same
 * document.  Import is all-or-nothing (one write transaction in the core);
 * any problem in the file exits 65 and changes nothing.
 */
#include "cli_internal.h"
#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/paths.h"

#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KB_EXPORT_FORMAT "kernboard-export"
#define KB_EXPORT_VERSION 1
#define KB_IMPORT_MAX ((size_t)64 << 20)

/* ------------------------------------------------------------ gathering */

typedef struct kb_snapshot {
    kb_case_vec cases;
    kb_comment_vec *timelines; /* one per case */
    kb_action_vec actions;
    kb_link_vec links;
    kb_org_vec orgs;
    kb_contact_vec contacts;
} kb_snapshot;

static void kb_snapshot_free(kb_snapshot *s)
{
    for (size_t i = 0; s->timelines && i < s->cases.n; i++)
        kb_comment_vec_free(&s->timelines[i]);
    kb_free(&s->timelines);
    kb_case_vec_free(&s->cases);
    kb_action_vec_free(&s->actions);
    kb_link_vec_free(&s->links);
    kb_org_vec_free(&s->orgs);
    kb_contact_vec_free(&s->contacts);
}

static int kb_snapshot_load(kb_board *b, kb_snapshot *s, kb_err *e)
{
    memset(s, 0, sizeof *s);
    int rc = kb_board_case_list(b, &s->cases, e);
    if (rc)
        return rc;
    s->timelines = kb_calloc(s->cases.n ? s->cases.n : 1, sizeof *s->timelines);
    for (size_t i = 0; i < s->cases.n && !rc; i++)
        rc = kb_board_timeline(b, s->cases.v[i].number, &s->timelines[i], e);
    if (!rc)
        rc = kb_board_action_list(b, 0, &s->actions, e);
    if (!rc)
        rc = kb_board_link_list(b, 0, &s->links, e);
    if (!rc)
        rc = kb_board_org_list(b, &s->orgs, e);
    if (!rc)
        rc = kb_board_contact_list(b, NULL, &s->contacts, e);
    return rc;
}

/* ------------------------------------------------------------ json export */

static json_t *kb_export_json(kb_board *b, const kb_snapshot *s)
{
    json_t *doc = json_object();
    json_object_set_new(doc, "format", json_string(KB_EXPORT_FORMAT));
    json_object_set_new(doc, "format_version", json_integer(KB_EXPORT_VERSION));
    size_t n;
    const kb_dept *d = kb_board_depts(b, &n);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "code", json_string(d[i].code));
        json_object_set_new(o, "name", json_string(d[i].name));
        json_object_set_new(o, "colour", d[i].colour ? json_string(d[i].colour) : json_null());
        json_array_append_new(a, o);
    }
    json_object_set_new(doc, "departments", a);
    const kb_stage *st = kb_board_stages(b, &n);
    a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "code", json_string(st[i].code));
        json_object_set_new(o, "name", json_string(st[i].name));
        json_object_set_new(o, "position", json_integer(st[i].position));
        json_object_set_new(o, "wip_limit", json_integer(st[i].wip_limit));
        json_object_set_new(o, "norm_days", json_integer(st[i].norm_days));
        json_object_set_new(o, "needs_reason", json_boolean(st[i].needs_reason));
        json_array_append_new(a, o);
    }
    json_object_set_new(doc, "stages", a);
    const kb_line *l = kb_board_lines(b, &n);
    a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "code", json_string(l[i].code));
        json_object_set_new(o, "name", json_string(l[i].name));
        json_array_append_new(a, o);
    }
    json_object_set_new(doc, "action_lines", a);
    a = json_array();
    for (size_t i = 0; i < s->cases.n; i++) {
        json_t *o = kb_cli_case_json(&s->cases.v[i]);
        json_object_del(o, "version"); /* versions belong to the board, not the content */
        json_t *tl = json_array();
        for (size_t k = 0; k < s->timelines[i].n; k++) {
            json_t *c = kb_cli_comment_json(&s->timelines[i].v[k]);
            json_object_set_new(c, "time_us", json_integer(s->timelines[i].v[k].time_us));
            json_array_append_new(tl, c);
        }
        json_object_set_new(o, "timeline", tl);
        json_array_append_new(a, o);
    }
    json_object_set_new(doc, "cases", a);
    a = json_array();
    for (size_t i = 0; i < s->actions.n; i++)
        json_array_append_new(a, kb_cli_action_json(&s->actions.v[i]));
    json_object_set_new(doc, "actions", a);
    a = json_array();
    for (size_t i = 0; i < s->links.n; i++)
        json_array_append_new(a, kb_cli_link_json(&s->links.v[i]));
    json_object_set_new(doc, "links", a);
    a = json_array();
    for (size_t i = 0; i < s->orgs.n; i++) {
        const kb_org *o = &s->orgs.v[i];
        json_t *x = json_object();
        json_object_set_new(x, "name", json_string(o->name));
        json_object_set_new(x, "kind", json_string(kb_org_kind_name(o->kind)));
        json_object_set_new(x, "contact", o->contact ? json_string(o->contact) : json_null());
        json_object_set_new(x, "notes", o->notes ? json_string(o->notes) : json_null());
        json_array_append_new(a, x);
    }
    json_object_set_new(doc, "organisations", a);
    a = json_array();
    for (size_t i = 0; i < s->contacts.n; i++) {
        const kb_contact *c = &s->contacts.v[i];
        char day[KB_DATE_STRLEN];
        kb_date_format(c->date, day);
        json_t *x = json_object();
        json_object_set_new(x, "org", json_string(c->org));
        json_object_set_new(x, "date", json_string(day));
        json_object_set_new(x, "dept", json_string(c->dept));
        json_object_set_new(x, "user", c->user ? json_string(c->user) : json_null());
        json_object_set_new(x, "purpose", c->purpose ? json_string(c->purpose) : json_null());
        json_array_append_new(a, x);
    }
    json_object_set_new(doc, "contacts", a);
    return doc;
}

/* ------------------------------------------------------------ csv export */

static const char *const kb_csv_cols[] = {
    "id",          "title",     "description", "stage",           "lead_dept", "depts",
    "action_line", "hooks",     "orgs",        "owner",           "priority",  "due",
    "review",      "on_agenda", "blocked",     "confidentiality", "tags",      "created",
    "updated",
};
#define KB_NCSV (sizeof kb_csv_cols / sizeof kb_csv_cols[0])

static void kb_csv_field(FILE *f, const char *s, bool last)
{
    csv_fwrite(f, s, strlen(s));
    fputc(last ? '\n' : ',', f);
}

static void kb_export_csv(FILE *f, const kb_snapshot *s)
{
    for (size_t i = 0; i < KB_NCSV; i++)
        kb_csv_field(f, kb_csv_cols[i], i + 1 == KB_NCSV);
    for (size_t i = 0; i < s->cases.n; i++) {
        const kb_case *c = &s->cases.v[i];
        char num[16], prio[8], due[KB_DATE_STRLEN], rev[KB_DATE_STRLEN], cr[KB_TIME_STRLEN],
            up[KB_TIME_STRLEN];
        snprintf(num, sizeof num, "%u", c->number);
        snprintf(prio, sizeof prio, "%d", c->priority);
        kb_date_format(c->due, due);
        kb_date_format(c->review, rev);
        kb_time_format(c->created, cr);
        kb_time_format(c->updated, up);
        char *depts = kb_strv_join(&c->depts, ";"), *hooks = kb_strv_join(&c->hooks, ";"),
             *orgs = kb_strv_join(&c->orgs, ";"), *tags = kb_strv_join(&c->tags, ";");
        const char *vals[KB_NCSV] = {num,
                                     c->title ? c->title : "",
                                     c->description ? c->description : "",
                                     c->stage ? c->stage : "",
                                     c->lead_dept ? c->lead_dept : "",
                                     depts,
                                     c->action_line ? c->action_line : "",
                                     hooks,
                                     orgs,
                                     c->owner ? c->owner : "",
                                     prio,
                                     due,
                                     rev,
                                     c->on_agenda ? "yes" : "no",
                                     c->blocked ? c->blocked : "",
                                     kb_conf_name(c->conf),
                                     tags,
                                     cr,
                                     up};
        for (size_t k = 0; k < KB_NCSV; k++)
            kb_csv_field(f, vals[k], k + 1 == KB_NCSV);
        kb_free(&depts);
        kb_free(&hooks);
        kb_free(&orgs);
        kb_free(&tags);
    }
}

/* ------------------------------------------------------------ md export */

static void kb_md_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (strchr("|*_`[]<>#\\", *s))
            fputc('\\', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
}

static void kb_export_md(FILE *f, kb_board *b, const kb_snapshot *s)
{
    size_t ns, nd;
    const kb_stage *st = kb_board_stages(b, &ns);
    const kb_dept *dp = kb_board_depts(b, &nd);
    char today[KB_DATE_STRLEN];
    kb_date_format(kb_date_today(), today);
    kb_date td = kb_date_today();
    fprintf(f, "# %s\n\n%s %s · %zu %s\n\n", _("Kernteam board"), _("Exported on"), today,
            s->cases.n, _("cases"));
    /* overview: stages x departments */
    fprintf(f, "## %s\n\n| %s |", _("Overview"), _("Department"));
    for (size_t i = 0; i < ns; i++) {
        fputc(' ', f);
        kb_md_escape(f, st[i].name);
        fputs(" |", f);
    }
    fprintf(f, " %s |\n|---|", _("Total"));
    for (size_t i = 0; i <= ns; i++)
        fputs("---:|", f);
    fputc('\n', f);
    for (size_t d = 0; d <= nd; d++) {
        const char *code = d < nd ? dp[d].code : NULL;
        fputs("| ", f);
        if (code)
            kb_md_escape(f, dp[d].name);
        else
            fputs(_("(no lead department)"), f);
        fputs(" |", f);
        size_t total = 0;
        for (size_t i = 0; i < ns; i++) {
            size_t cnt = 0;
            for (size_t c = 0; c < s->cases.n; c++) {
                const kb_case *k = &s->cases.v[c];
                if (strcmp(k->stage, st[i].code) == 0 &&
                    (code ? (k->lead_dept && strcmp(k->lead_dept, code) == 0) : !k->lead_dept))
                    cnt++;
            }
            total += cnt;
            fprintf(f, " %zu |", cnt);
        }
        fprintf(f, " %zu |\n", total);
    }
    /* per stage, by department */
    for (size_t i = 0; i < ns; i++) {
        fprintf(f, "\n## ");
        kb_md_escape(f, st[i].name);
        fputs("\n\n", f);
        bool any = false;
        for (size_t c = 0; c < s->cases.n; c++) {
            const kb_case *k = &s->cases.v[c];
            if (strcmp(k->stage, st[i].code) != 0)
                continue;
            any = true;
            fprintf(f, "- **#%u** ", k->number);
            kb_md_escape(f, k->title);
            fprintf(f, " (%s", k->lead_dept ? k->lead_dept : "-");
            for (size_t x = 0; x < k->depts.n; x++)
                fprintf(f, ", %s", k->depts.v[x]);
            fputs(")", f);
            if (kb_case_overdue(k, td))
                fprintf(f, " — %s", _("overdue"));
            if (k->blocked) {
                fprintf(f, " — %s: ", _("blocked"));
                kb_md_escape(f, k->blocked);
            }
            if (k->on_agenda)
                fprintf(f, " — %s", _("on the agenda"));
            fputc('\n', f);
        }
        if (!any)
            fprintf(f, "_%s_\n", _("no cases"));
    }
    /* details */
    fprintf(f, "\n## %s\n", _("Case details"));
    for (size_t c = 0; c < s->cases.n; c++) {
        const kb_case *k = &s->cases.v[c];
        char due[KB_DATE_STRLEN];
        kb_date_format(k->due, due);
        fprintf(f, "\n### #%u ", k->number);
        kb_md_escape(f, k->title);
        fprintf(f, "\n\n- %s: %s\n- %s: %s\n", _("Stage"), k->stage, _("Lead department"),
                k->lead_dept ? k->lead_dept : "-");
        if (k->action_line)
            fprintf(f, "- %s: %s\n", _("Action line"), k->action_line);
        if (k->orgs.n) {
            char *o = kb_strv_join(&k->orgs, ", ");
            fprintf(f, "- %s: ", _("Organisations"));
            kb_md_escape(f, o);
            fputc('\n', f);
            kb_free(&o);
        }
        if (due[0])
            fprintf(f, "- %s: %s\n", _("Due"), due);
        if (k->description && k->description[0])
            fprintf(f, "\n%s\n", k->description);
        bool head = false;
        for (size_t a = 0; a < s->actions.n; a++) {
            const kb_action_item *it = &s->actions.v[a];
            if (it->case_number != k->number)
                continue;
            if (!head)
                fprintf(f, "\n%s:\n\n", _("Action items"));
            head = true;
            char d2[KB_DATE_STRLEN];
            kb_date_format(it->due, d2);
            fprintf(f, "- [%c] A%u ", it->done ? 'x' : ' ', it->number);
            kb_md_escape(f, it->text);
            fprintf(f, " (%s%s%s)\n", it->owner, d2[0] ? ", " : "", d2);
        }
    }
}

int kb_cmd_export(kb_cli *cli, int argc, char **argv)
{
    static const struct option longs[] = {
        {"format", required_argument, NULL, 'f'},
        {"out", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    const char *fmt = NULL, *outp = NULL;
    kb_cli_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cli_getopt(cli, "export", argc, argv, longs, &idx, &opt)) == KB_OK &&
           opt != -1) {
        if (opt == 'f')
            fmt = optarg;
        else
            outp = optarg;
    }
    if (rc)
        return rc;
    if (optind < argc)
        return kb_cli_usage(cli, "export", _("unexpected argument '%s'"), argv[optind]);
    if (!fmt || (strcmp(fmt, "json") && strcmp(fmt, "csv") && strcmp(fmt, "md")))
        return kb_cli_usage(cli, "export", _("give --format json, csv or md"));
    kb_board *b = NULL;
    if ((rc = kb_cli_open(cli, "export", &b)))
        return rc;
    kb_snapshot s;
    if (kb_snapshot_load(b, &s, &cli->err)) {
        rc = kb_cli_report(cli);
        goto out;
    }
    char *tmp = outp ? kb_asprintf("%s.tmp", outp) : NULL;
    FILE *f = outp ? fopen(tmp, "w") : stdout;
    if (!f) {
        rc = kb_cli_fail(cli, KB_ECANTCREAT, _("cannot create %s: %s"), outp, strerror(errno));
        kb_free(&tmp);
        goto out;
    }
    if (strcmp(fmt, "json") == 0) {
        json_t *doc = kb_export_json(b, &s);
        if (json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
            rc = KB_EIO;
        fputc('\n', f);
        json_decref(doc);
    } else if (strcmp(fmt, "csv") == 0) {
        kb_export_csv(f, &s);
    } else {
        kb_export_md(f, b, &s);
    }
    if (outp) {
        /* write to F.tmp and rename: a failed export never leaves half a file */
        if (fflush(f) != 0 || ferror(f) || rc)
            rc = KB_EIO;
        if (fclose(f) != 0)
            rc = KB_EIO;
        if (rc == KB_OK && rename(tmp, outp) != 0)
            rc = KB_EIO;
        if (rc) {
            unlink(tmp);
            rc = kb_cli_fail(cli, KB_EIO, _("cannot write %s: %s"), outp, strerror(errno));
        }
    } else if (fflush(stdout) != 0) {
        rc = kb_cli_fail(cli, KB_EIO, _("cannot write the export: %s"), strerror(errno));
    }
    kb_free(&tmp);
out:
    kb_snapshot_free(&s);
    kb_board_close(&b);
    return rc;
}

/* ------------------------------------------------------------ import: json */

typedef struct kb_import_buf {
    kb_import imp;
    kb_strv strings; /* owns every string the kb_import borrows */
} kb_import_buf;

static void kb_import_buf_free(kb_import_buf *ib)
{
    for (size_t i = 0; i < ib->imp.ncases; i++) {
        /* case strings are owned by the case (the core normalises them) */
        kb_case_free(&ib->imp.cases[i]);
    }
    kb_free(&ib->imp.depts);
    kb_free(&ib->imp.stages);
    kb_free(&ib->imp.lines);
    kb_free(&ib->imp.cases);
    kb_free(&ib->imp.comments);
    kb_free(&ib->imp.actions);
    kb_free(&ib->imp.links);
    kb_free(&ib->imp.orgs);
    kb_free(&ib->imp.contacts);
    kb_strv_free(&ib->strings);
}

/* Keep a copy of s alive for the import; returns the copy. */
static char *kb_keep(kb_import_buf *ib, const char *s)
{
    kb_strv_push(&ib->strings, s);
    return ib->strings.v[ib->strings.n - 1];
}

typedef struct kb_jctx {
    kb_err *e;
    const char *path; /* "cases[3]" */
} kb_jctx;

static int kb_jfail(kb_jctx *j, const char *key, const char *what)
{
    return kb_err_set(j->e, KB_EDATA, _("%s.%s: %s"), j->path, key, what);
}

static int kb_jstr(kb_jctx *j, json_t *o, const char *key, bool required, const char **out)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return required ? kb_jfail(j, key, _("missing")) : KB_OK;
    if (!json_is_string(v))
        return kb_jfail(j, key, _("expected a string"));
    if (strlen(json_string_value(v)) != json_string_length(v))
        return kb_jfail(j, key, _("contains a NUL character"));
    *out = json_string_value(v);
    return KB_OK;
}

static int kb_jint(kb_jctx *j, json_t *o, const char *key, long long lo, long long hi,
                   bool required, long long *out)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return required ? kb_jfail(j, key, _("missing")) : KB_OK;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return kb_jfail(j, key, _("expected a whole number in range"));
    *out = json_integer_value(v);
    return KB_OK;
}

static int kb_jbool(kb_jctx *j, json_t *o, const char *key, bool *out)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return KB_OK;
    if (!json_is_boolean(v))
        return kb_jfail(j, key, _("expected true or false"));
    *out = json_is_true(v);
    return KB_OK;
}

static int kb_jstrv(kb_jctx *j, json_t *o, const char *key, kb_strv *out)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return KB_OK;
    if (!json_is_array(v))
        return kb_jfail(j, key, _("expected a list of strings"));
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
    {
        if (!json_is_string(x))
            return kb_jfail(j, key, _("expected a list of strings"));
        kb_strv_push(out, json_string_value(x));
    }
    return KB_OK;
}

static int kb_jdate(kb_jctx *j, json_t *o, const char *key, kb_date *out)
{
    const char *s;
    int rc = kb_jstr(j, o, key, false, &s);
    if (rc || !s)
        return rc;
    kb_err de;
    if (kb_date_parse(s, out, &de))
        return kb_jfail(j, key, de.msg);
    return KB_OK;
}

static int kb_jtime(kb_jctx *j, json_t *o, const char *key, kb_time *out)
{
    const char *s;
    int rc = kb_jstr(j, o, key, false, &s);
    if (rc || !s)
        return rc;
    kb_err de;
    if (kb_time_parse(s, out, &de))
        return kb_jfail(j, key, de.msg);
    return KB_OK;
}

static int kb_jarray(kb_err *e, json_t *doc, const char *key, json_t **out)
{
    *out = json_object_get(doc, key);
    if (!*out || json_is_null(*out)) {
        *out = NULL;
        return KB_OK;
    }
    if (!json_is_array(*out))
        return kb_err_set(e, KB_EDATA, _("%s: expected a list"), key);
    return KB_OK;
}

static int kb_import_json_case(kb_import_buf *ib, kb_jctx *j, json_t *o, kb_case *c)
{
    const char *s;
    long long ll = 0;
    int rc;
    if (!json_is_object(o))
        return kb_err_set(j->e, KB_EDATA, _("%s: expected an object"), j->path);
    if ((rc = kb_jint(j, o, "id", 0, UINT32_MAX, false, &ll)))
        return rc;
    c->number = (uint32_t)ll;
#define KB_JS(key, field, req)                                                                     \
    do {                                                                                           \
        if ((rc = kb_jstr(j, o, key, req, &s)))                                                    \
            return rc;                                                                             \
        if (s && (s[0] || req))                                                                    \
            c->field = kb_strdup(s);                                                               \
    } while (0)
    KB_JS("title", title, true);
    KB_JS("description", description, false);
    KB_JS("stage", stage, false);
    KB_JS("lead_dept", lead_dept, false);
    KB_JS("action_line", action_line, false);
    KB_JS("owner", owner, false);
    KB_JS("blocked", blocked, false);
#undef KB_JS
    if ((rc = kb_jstrv(j, o, "depts", &c->depts)) || (rc = kb_jstrv(j, o, "hooks", &c->hooks)) ||
        (rc = kb_jstrv(j, o, "orgs", &c->orgs)) || (rc = kb_jstrv(j, o, "tags", &c->tags)))
        return rc;
    ll = 0;
    if ((rc = kb_jint(j, o, "priority", 0, KB_PRIORITY_MAX, false, &ll)))
        return rc;
    c->priority = (int)ll;
    if ((rc = kb_jdate(j, o, "due", &c->due)) || (rc = kb_jdate(j, o, "review", &c->review)) ||
        (rc = kb_jbool(j, o, "on_agenda", &c->on_agenda)) ||
        (rc = kb_jtime(j, o, "created", &c->created)) ||
        (rc = kb_jtime(j, o, "updated", &c->updated)))
        return rc;
    if ((rc = kb_jstr(j, o, "confidentiality", false, &s)))
        return rc;
    if (s && kb_conf_parse(s, &c->conf, NULL))
        return kb_jfail(j, "confidentiality", _("use public, internal or confidential"));
    if (c->created && !c->updated)
        c->updated = c->created;
    (void)ib;
    return KB_OK;
}

static int kb_import_json(const char *src, size_t len, const char *fname, kb_import_buf *ib,
                          kb_err *e)
{
    json_error_t je;
    json_t *doc = json_loadb(src, len, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        return kb_err_set(e, KB_EDATA, _("%s:%d:%d: not valid JSON: %s"), fname, je.line, je.column,
                          je.text);
    int rc = KB_OK;
    json_t *fmt = json_is_object(doc) ? json_object_get(doc, "format") : NULL;
    if (!fmt || !json_is_string(fmt) || strcmp(json_string_value(fmt), KB_EXPORT_FORMAT) != 0) {
        rc = kb_err_set(e, KB_EDATA, _("%s is not a kernboard export (\"format\": \"%s\" missing)"),
                        fname, KB_EXPORT_FORMAT);
        goto out;
    }
    json_t *fv = json_object_get(doc, "format_version");
    if (!json_is_integer(fv) || json_integer_value(fv) != KB_EXPORT_VERSION) {
        rc = kb_err_set(e, KB_EDATA,
                        _("%s has an export format version this kernboard cannot "
                          "read (expected %d)"),
                        fname, KB_EXPORT_VERSION);
        goto out;
    }
    char path[64];
    kb_jctx j = {e, path};
    json_t *arr, *o;
    size_t i;
    kb_import *imp = &ib->imp;
    if ((rc = kb_jarray(e, doc, "departments", &arr)))
        goto out;
    if (arr) {
        imp->depts = kb_calloc(json_array_size(arr) + 1, sizeof *imp->depts);
        json_array_foreach(arr, i, o)
        {
            snprintf(path, sizeof path, "departments[%zu]", i);
            const char *code, *name, *colour;
            if ((rc = kb_jstr(&j, o, "code", true, &code)) ||
                (rc = kb_jstr(&j, o, "name", true, &name)) ||
                (rc = kb_jstr(&j, o, "colour", false, &colour)))
                goto out;
            kb_dept *d = &imp->depts[imp->ndepts++];
            d->code = kb_keep(ib, code);
            d->name = kb_keep(ib, name);
            d->colour = colour ? kb_keep(ib, colour) : NULL;
        }
    }
    if ((rc = kb_jarray(e, doc, "stages", &arr)))
        goto out;
    if (arr) {
        imp->stages = kb_calloc(json_array_size(arr) + 1, sizeof *imp->stages);
        json_array_foreach(arr, i, o)
        {
            snprintf(path, sizeof path, "stages[%zu]", i);
            const char *code, *name;
            long long pos = 0, wip = 0, norm = 0;
            bool reason = false;
            if ((rc = kb_jstr(&j, o, "code", true, &code)) ||
                (rc = kb_jstr(&j, o, "name", true, &name)) ||
                (rc = kb_jint(&j, o, "position", 1, 1000, true, &pos)) ||
                (rc = kb_jint(&j, o, "wip_limit", 0, 10000, false, &wip)) ||
                (rc = kb_jint(&j, o, "norm_days", 0, 3650, false, &norm)) ||
                (rc = kb_jbool(&j, o, "needs_reason", &reason)))
                goto out;
            kb_stage *s = &imp->stages[imp->nstages++];
            s->code = kb_keep(ib, code);
            s->name = kb_keep(ib, name);
            s->position = (int)pos;
            s->wip_limit = (int)wip;
            s->norm_days = (int)norm;
            s->needs_reason = reason;
        }
    }
    if ((rc = kb_jarray(e, doc, "action_lines", &arr)))
        goto out;
    if (arr) {
        imp->lines = kb_calloc(json_array_size(arr) + 1, sizeof *imp->lines);
        json_array_foreach(arr, i, o)
        {
            snprintf(path, sizeof path, "action_lines[%zu]", i);
            const char *code, *name;
            if ((rc = kb_jstr(&j, o, "code", true, &code)) ||
                (rc = kb_jstr(&j, o, "name", true, &name)))
                goto out;
            kb_line *l = &imp->lines[imp->nlines++];
            l->code = kb_keep(ib, code);
            l->name = kb_keep(ib, name);
        }
    }
    if ((rc = kb_jarray(e, doc, "cases", &arr)))
        goto out;
    if (arr) {
        size_t ncomments = 0;
        imp->cases = kb_calloc(json_array_size(arr) + 1, sizeof *imp->cases);
        json_array_foreach(arr, i, o)
        {
            snprintf(path, sizeof path, "cases[%zu]", i);
            kb_case *c = &imp->cases[imp->ncases];
            kb_case_init(c);
            imp->ncases++;
            if ((rc = kb_import_json_case(ib, &j, o, c)))
                goto out;
            json_t *tl = json_object_get(o, "timeline");
            if (tl && !json_is_array(tl)) {
                rc = kb_jfail(&j, "timeline", _("expected a list"));
                goto out;
            }
            if (tl && !c->number) {
                rc = kb_jfail(&j, "id", _("a case with a timeline needs its id"));
                goto out;
            }
            size_t k;
            json_t *x;
            json_array_foreach(tl, k, x)
            {
                imp->comments =
                    kb_reallocarray(imp->comments, ncomments + 1, sizeof *imp->comments);
                kb_comment *cm = &imp->comments[ncomments++];
                memset(cm, 0, sizeof *cm);
                imp->ncomments = ncomments;
                char tpath[96];
                snprintf(tpath, sizeof tpath, "cases[%zu].timeline[%zu]", i, k);
                kb_jctx tj = {e, tpath};
                const char *kind, *author, *text;
                long long us = 0;
                if (!json_is_object(x)) {
                    rc = kb_err_set(e, KB_EDATA, _("%s: expected an object"), tpath);
                    goto out;
                }
                if ((rc = kb_jstr(&tj, x, "kind", true, &kind)) ||
                    (rc = kb_jstr(&tj, x, "author", true, &author)) ||
                    (rc = kb_jstr(&tj, x, "text", true, &text)) ||
                    (rc = kb_jtime(&tj, x, "time", &cm->time)) ||
                    (rc = kb_jint(&tj, x, "time_us", 0, INT64_MAX, false, &us)))
                    goto out;
                if (strcmp(kind, "comment") && strcmp(kind, "change")) {
                    rc = kb_jfail(&tj, "kind", _("use comment or change"));
                    goto out;
                }
                cm->case_number = c->number;
                cm->kind = strcmp(kind, "comment") == 0 ? KB_ENTRY_COMMENT : KB_ENTRY_CHANGE;
                cm->author = kb_keep(ib, author);
                cm->text = kb_keep(ib, text);
                cm->time_us = us;
            }
        }
    }
    if ((rc = kb_jarray(e, doc, "actions", &arr)))
        goto out;
    if (arr) {
        imp->actions = kb_calloc(json_array_size(arr) + 1, sizeof *imp->actions);
        json_array_foreach(arr, i, o)
        {
            snprintf(path, sizeof path, "actions[%zu]", i);
            kb_action_item *a = &imp->actions[imp->nactions++];
            kb_action_item_init(a);
            long long num = 0, cs = 0;
            const char *text, *owner;
            if ((rc = kb_jint(&j, o, "id", 0, UINT32_MAX, false, &num)) ||
                (rc = kb_jint(&j, o, "case", 1, UINT32_MAX, true, &cs)) ||
                (rc = kb_jstr(&j, o, "text", true, &text)) ||
                (rc = kb_jstr(&j, o, "owner", true, &owner)) ||
                (rc = kb_jdate(&j, o, "due", &a->due)) ||
                (rc = kb_jbool(&j, o, "done", &a->done)) ||
                (rc = kb_jtime(&j, o, "created", &a->created)))
                goto out;
            a->number = (uint32_t)num;
            a->case_number = (uint32_t)cs;
            a->text = kb_keep(ib, text);
            a->owner = kb_keep(ib, owner);
        }
    }
    if ((rc = kb_jarray(e, doc, "links", &arr)))
        goto out;
    if (arr) {
        imp->links = kb_calloc(json_array_size(arr) + 1, sizeof *imp->links);
        json_array_foreach(arr, i, o)
        {
            snprintf(path, sizeof path, "links[%zu]", i);
            long long from = 0, to = 0;
            const char *kind;
            kb_link *l = &imp->links[imp->nlinks++];
            memset(l, 0, sizeof *l);
            if ((rc = kb_jint(&j, o, "from", 1, UINT32_MAX, true, &from)) ||
                (rc = kb_jint(&j, o, "to", 1, UINT32_MAX, true, &to)) ||
                (rc = kb_jstr(&j, o, "kind", true, &kind)))
                goto out;
            if (kb_link_kind_parse(kind, &l->kind, NULL)) {
                rc = kb_jfail(&j, "kind", _("use related, duplicate or blocks"));
                goto out;
            }
            l->from = (uint32_t)from;
            l->to = (uint32_t)to;
        }
    }
    if ((rc = kb_jarray(e, doc, "organisations", &arr)))
        goto out;
    if (arr) {
        imp->orgs = kb_calloc(json_array_size(arr) + 1, sizeof *imp->orgs);
        json_array_foreach(arr, i, o)
        {
            snprintf(path, sizeof path, "organisations[%zu]", i);
            const char *name, *kind, *contact, *notes;
            kb_org *g = &imp->orgs[imp->norgs++];
            if ((rc = kb_jstr(&j, o, "name", true, &name)) ||
                (rc = kb_jstr(&j, o, "kind", false, &kind)) ||
                (rc = kb_jstr(&j, o, "contact", false, &contact)) ||
                (rc = kb_jstr(&j, o, "notes", false, &notes)))
                goto out;
            if (kind && kb_org_kind_parse(kind, &g->kind, NULL)) {
                rc = kb_jfail(&j, "kind",
                              _("use entrepreneur, foundation, partner, government "
                                "or other"));
                goto out;
            }
            g->name = kb_keep(ib, name);
            g->contact = contact ? kb_keep(ib, contact) : NULL;
            g->notes = notes ? kb_keep(ib, notes) : NULL;
        }
    }
    if ((rc = kb_jarray(e, doc, "contacts", &arr)))
        goto out;
    if (arr) {
        imp->contacts = kb_calloc(json_array_size(arr) + 1, sizeof *imp->contacts);
        json_array_foreach(arr, i, o)
        {
            snprintf(path, sizeof path, "contacts[%zu]", i);
            const char *org, *dept, *user, *purpose;
            kb_contact *c = &imp->contacts[imp->ncontacts++];
            c->date = KB_DATE_NONE;
            if ((rc = kb_jstr(&j, o, "org", true, &org)) ||
                (rc = kb_jstr(&j, o, "dept", true, &dept)) ||
                (rc = kb_jstr(&j, o, "user", false, &user)) ||
                (rc = kb_jstr(&j, o, "purpose", false, &purpose)) ||
                (rc = kb_jdate(&j, o, "date", &c->date)))
                goto out;
            c->org = kb_keep(ib, org);
            c->dept = kb_keep(ib, dept);
            c->user = user ? kb_keep(ib, user) : NULL;
            c->purpose = purpose ? kb_keep(ib, purpose) : NULL;
        }
    }
out:
    /* action items and comments borrow their strings from ib->strings */
    json_decref(doc);
    return rc;
}

/* ------------------------------------------------------------ import: csv */

typedef struct kb_csv_ctx {
    kb_strv row;
    size_t line;
    int col[KB_NCSV]; /* column index per field, -1 if absent */
    bool header_done;
    kb_import_buf *ib;
    const char *fname;
    kb_err *e;
    int rc;
} kb_csv_ctx;

static void kb_csv_cb_field(void *s, size_t len, void *data)
{
    kb_csv_ctx *x = data;
    char *v = kb_strndup(s ? (const char *)s : "", len);
    if (len && memchr(s, 0, len) && x->rc == KB_OK)
        x->rc = kb_err_set(x->e, KB_EDATA, _("%s: line %zu: contains a NUL character"), x->fname,
                           x->line + 1);
    kb_strv_push(&x->row, v);
    kb_free(&v);
}

static const char *kb_csv_get(kb_csv_ctx *x, size_t field)
{
    int c = x->col[field];
    return c >= 0 && (size_t)c < x->row.n ? x->row.v[c] : "";
}

static void kb_csv_split(kb_strv *out, const char *s)
{
    const char *p = s;
    while (*p) {
        const char *q = strchr(p, ';');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        while (n && *p == ' ') {
            p++;
            n--;
        }
        while (n && p[n - 1] == ' ')
            n--;
        if (n) {
            char *t = kb_strndup(p, n);
            kb_strv_push(out, t);
            kb_free(&t);
        }
        if (!q)
            break;
        p = q + 1;
    }
}

static void kb_csv_cb_row(int term, void *data)
{
    (void)term;
    kb_csv_ctx *x = data;
    x->line++;
    if (x->rc)
        goto done;
    if (!x->header_done) {
        for (size_t f = 0; f < KB_NCSV; f++)
            x->col[f] = -1;
        for (size_t c = 0; c < x->row.n; c++) {
            size_t f;
            for (f = 0; f < KB_NCSV; f++)
                if (kb_str_ieq(x->row.v[c], kb_csv_cols[f]))
                    break;
            if (f == KB_NCSV) {
                x->rc = kb_err_set(x->e, KB_EDATA, _("%s: line 1: unknown column '%s'"), x->fname,
                                   x->row.v[c]);
                goto done;
            }
            x->col[f] = (int)c;
        }
        if (x->col[1] < 0)
            x->rc =
                kb_err_set(x->e, KB_EDATA, _("%s: line 1: a 'title' column is required"), x->fname);
        x->header_done = true;
        goto done;
    }
    kb_import *imp = &x->ib->imp;
    imp->cases = kb_reallocarray(imp->cases, imp->ncases + 1, sizeof *imp->cases);
    kb_case *c = &imp->cases[imp->ncases++];
    kb_case_init(c);
    kb_err fe;
    const char *v;
#define KB_CSV_FAIL(...)                                                                           \
    do {                                                                                           \
        char m_[KB_ERR_MSG_MAX];                                                                   \
        snprintf(m_, sizeof m_, __VA_ARGS__);                                                      \
        x->rc = kb_err_set(x->e, KB_EDATA, _("%s: line %zu: %s"), x->fname, x->line, m_);          \
        goto done;                                                                                 \
    } while (0)
    v = kb_csv_get(x, 0);
    if (v[0] && kb_case_number_parse(v, &c->number, &fe))
        KB_CSV_FAIL("%s", fe.msg);
    c->title = kb_strdup(kb_csv_get(x, 1));
    if ((v = kb_csv_get(x, 2))[0])
        c->description = kb_strdup(v);
    if ((v = kb_csv_get(x, 3))[0])
        c->stage = kb_strdup(v);
    if ((v = kb_csv_get(x, 4))[0])
        c->lead_dept = kb_strdup(v);
    kb_csv_split(&c->depts, kb_csv_get(x, 5));
    if ((v = kb_csv_get(x, 6))[0])
        c->action_line = kb_strdup(v);
    kb_csv_split(&c->hooks, kb_csv_get(x, 7));
    kb_csv_split(&c->orgs, kb_csv_get(x, 8));
    if ((v = kb_csv_get(x, 9))[0])
        c->owner = kb_strdup(v);
    if ((v = kb_csv_get(x, 10))[0]) {
        char *end = NULL;
        long p = strtol(v, &end, 10);
        if (*end || p < 0 || p > KB_PRIORITY_MAX)
            KB_CSV_FAIL(_("priority must be 0 to %d"), KB_PRIORITY_MAX);
        c->priority = (int)p;
    }
    if ((v = kb_csv_get(x, 11))[0] && kb_date_parse(v, &c->due, &fe))
        KB_CSV_FAIL("%s", fe.msg);
    if ((v = kb_csv_get(x, 12))[0] && kb_date_parse(v, &c->review, &fe))
        KB_CSV_FAIL("%s", fe.msg);
    v = kb_csv_get(x, 13);
    if (v[0] && strcmp(v, "yes") && strcmp(v, "no") && strcmp(v, "ja") && strcmp(v, "nee"))
        KB_CSV_FAIL(_("on_agenda must be yes or no"));
    c->on_agenda = strcmp(v, "yes") == 0 || strcmp(v, "ja") == 0;
    if ((v = kb_csv_get(x, 14))[0])
        c->blocked = kb_strdup(v);
    if ((v = kb_csv_get(x, 15))[0] && kb_conf_parse(v, &c->conf, &fe))
        KB_CSV_FAIL("%s", fe.msg);
    kb_csv_split(&c->tags, kb_csv_get(x, 16));
    if ((v = kb_csv_get(x, 17))[0] && kb_time_parse(v, &c->created, &fe))
        KB_CSV_FAIL("%s", fe.msg);
    if ((v = kb_csv_get(x, 18))[0] && kb_time_parse(v, &c->updated, &fe))
        KB_CSV_FAIL("%s", fe.msg);
    if (c->created && !c->updated)
        c->updated = c->created;
#undef KB_CSV_FAIL
done:
    kb_strv_free(&x->row);
}

static int kb_import_csv(const char *text, size_t len, const char *fname, kb_import_buf *ib,
                         kb_err *e)
{
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
        return kb_err_set(e, KB_ESOFTWARE, "csv_init failed");
    kb_csv_ctx x = {.ib = ib, .fname = fname, .e = e};
    if (csv_parse(&p, text, len, kb_csv_cb_field, kb_csv_cb_row, &x) != len && x.rc == KB_OK)
        x.rc = kb_err_set(e, KB_EDATA, _("%s: line %zu: not valid CSV: %s"), fname, x.line + 1,
                          csv_strerror(csv_error(&p)));
    if (x.rc == KB_OK && csv_fini(&p, kb_csv_cb_field, kb_csv_cb_row, &x) != 0 && x.rc == KB_OK)
        x.rc = kb_err_set(e, KB_EDATA, _("%s: line %zu: not valid CSV: %s"), fname, x.line + 1,
                          csv_strerror(csv_error(&p)));
    csv_free(&p);
    kb_strv_free(&x.row);
    if (x.rc == KB_OK && !x.header_done)
        x.rc = kb_err_set(e, KB_EDATA, _("%s is empty: expected a header line"), fname);
    return x.rc;
}

int kb_cmd_import(kb_cli *cli, int argc, char **argv)
{
    static const struct option longs[] = {
        {"dry-run", no_argument, NULL, 'n'},
        {"format", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0},
    };
    bool dry = false;
    const char *fmt = NULL;
    kb_cli_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cli_getopt(cli, "import", argc, argv, longs, &idx, &opt)) == KB_OK &&
           opt != -1) {
        if (opt == 'n')
            dry = true;
        else
            fmt = optarg;
    }
    if (rc)
        return rc;
    if (optind + 1 != argc)
        return kb_cli_usage(cli, "import", _("give one file: import F [--dry-run]"));
    const char *fname = argv[optind];
    if (fmt && strcmp(fmt, "json") && strcmp(fmt, "csv"))
        return kb_cli_usage(cli, "import", _("--format must be json or csv"));
    size_t n = strlen(fname);
    bool csv = fmt ? strcmp(fmt, "csv") == 0 : (n > 4 && kb_str_ieq(fname + n - 4, ".csv"));
    char *text = NULL;
    size_t len = 0;
    if ((rc = kb_file_read(fname, KB_IMPORT_MAX, &text, &len, &cli->err))) {
        if (rc == KB_ENOENT || rc == KB_EIO)
            cli->err.code = rc == KB_ENOENT ? KB_ENOENT : KB_EIO;
        return kb_cli_report(cli);
    }
    kb_import_buf ib;
    memset(&ib, 0, sizeof ib);
    kb_board *b = NULL;
    if (!kb_utf8_valid(text, len))
        rc = kb_err_set(&cli->err, KB_EDATA, _("%s is not UTF-8 text"), fname);
    else
        rc = csv ? kb_import_csv(text, len, fname, &ib, &cli->err)
                 : kb_import_json(text, len, fname, &ib, &cli->err);
    kb_free(&text);
    if (rc) {
        rc = kb_cli_report(cli);
        goto out;
    }
    if ((rc = kb_cli_open(cli, "import", &b)))
        goto out;
    kb_import_report rep;
    if (kb_board_import(b, &ib.imp, dry, &rep, &cli->err)) {
        kb_err_prefix(&cli->err, "%s: ", fname);
        rc = kb_cli_report(cli);
        goto out;
    }
    if (cli->json) {
        json_t *o = json_object();
        json_object_set_new(o, "dry_run", json_boolean(dry));
        json_object_set_new(o, "cases", json_integer((json_int_t)rep.cases_added));
        json_object_set_new(o, "timeline_entries", json_integer((json_int_t)rep.comments_added));
        json_object_set_new(o, "actions", json_integer((json_int_t)rep.actions_added));
        json_object_set_new(o, "links", json_integer((json_int_t)rep.links_added));
        json_object_set_new(o, "departments_added", json_integer((json_int_t)rep.depts_added));
        json_object_set_new(o, "departments_changed", json_integer((json_int_t)rep.depts_changed));
        json_object_set_new(o, "stages_added", json_integer((json_int_t)rep.stages_added));
        json_object_set_new(o, "stages_changed", json_integer((json_int_t)rep.stages_changed));
        json_object_set_new(o, "lines_added", json_integer((json_int_t)rep.lines_added));
        json_object_set_new(o, "lines_changed", json_integer((json_int_t)rep.lines_changed));
        rc = kb_cli_print_json(o);
    } else {
        printf(dry ? _("Dry run: would add %zu cases, %zu timeline entries, %zu action items, "
                       "%zu links; departments +%zu ~%zu, stages +%zu ~%zu, action lines +%zu "
                       "~%zu. Nothing was changed.\n")
                   : _("Imported %zu cases, %zu timeline entries, %zu action items, %zu links; "
                       "departments +%zu ~%zu, stages +%zu ~%zu, action lines +%zu ~%zu.\n"),
               rep.cases_added, rep.comments_added, rep.actions_added, rep.links_added,
               rep.depts_added, rep.depts_changed, rep.stages_added, rep.stages_changed,
               rep.lines_added, rep.lines_changed);
    }
out:
    kb_import_buf_free(&ib);
    kb_board_close(&b);
    return rc;
}
