/*
 * cli_transfer.c - export (json, csv, md) and import (json, csv).
 *
 * JSON export is complete and lossless for everything but users and their
 * keys: importing it into a new board and exporting again gives the same
 * document.  Import is all-or-nothing (one write transaction in the core);
 * any problem in the file exits 65 and changes nothing.
 */
#include "cmd_internal.h"
#include "cmd_import.h"
#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/paths.h"

#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define KB_IMPORT_MAX ((size_t)64 << 20)

/* ------------------------------------------------------------ gathering */

typedef struct kb_snapshot {
    kb_case_vec cases;
    kb_comment_vec *timelines; /* one per case */
    kb_action_vec actions;
    kb_link_vec links;
    kb_org_vec orgs;
    kb_contact_vec contacts;
    kb_meeting_vec meetings;
    kb_decision_vec decisions;
    kb_goal_vec goals;
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
    kb_meeting_vec_free(&s->meetings);
    kb_decision_vec_free(&s->decisions);
    kb_goal_vec_free(&s->goals);
}

static int kb_snapshot_load(kb_board *b, kb_snapshot *s, kb_err *e)
{
    memset(s, 0, sizeof *s);
    int rc = kb_board_case_list(b, &s->cases, e);
    if (rc)
        return rc;
    s->timelines = kb_calloc(s->cases.n ? s->cases.n : 1, sizeof *s->timelines);
    rc = kb_board_timelines(b, &s->cases, s->timelines, e);
    if (!rc)
        rc = kb_board_action_list(b, 0, &s->actions, e);
    if (!rc)
        rc = kb_board_link_list(b, 0, &s->links, e);
    if (!rc)
        rc = kb_board_org_list(b, &s->orgs, e);
    if (!rc)
        rc = kb_board_contact_list(b, NULL, &s->contacts, e);
    if (!rc)
        rc = kb_board_meeting_list(b, &s->meetings, e);
    if (!rc)
        rc = kb_board_decision_list(b, 0, 0, &s->decisions, e);
    if (!rc)
        rc = kb_board_goal_list(b, &s->goals, e);
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
        json_t *dw = json_array();
        for (size_t k = 0; k < st[i].dept_wip.n; k++)
            json_array_append_new(dw, json_string(st[i].dept_wip.v[k]));
        json_object_set_new(o, "dept_wip", dw);
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
    a = json_array(); /* department goals (policy hooks as reference data) */
    for (size_t i = 0; i < s->goals.n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "code", json_string(s->goals.v[i].code));
        json_object_set_new(o, "text", json_string(s->goals.v[i].text));
        json_object_set_new(o, "dept", json_string(s->goals.v[i].dept));
        json_array_append_new(a, o);
    }
    json_object_set_new(doc, "goals", a);
    a = json_array();
    for (size_t i = 0; i < s->cases.n; i++) {
        json_t *o = kb_cmd_case_json(&s->cases.v[i]);
        json_object_del(o, "version"); /* versions belong to the board, not the content */
        json_t *tl = json_array();
        for (size_t k = 0; k < s->timelines[i].n; k++) {
            json_t *c = kb_cmd_comment_json(&s->timelines[i].v[k]);
            json_object_set_new(c, "time_us", json_integer(s->timelines[i].v[k].time_us));
            json_array_append_new(tl, c);
        }
        json_object_set_new(o, "timeline", tl);
        json_array_append_new(a, o);
    }
    json_object_set_new(doc, "cases", a);
    a = json_array();
    for (size_t i = 0; i < s->actions.n; i++)
        json_array_append_new(a, kb_cmd_action_json(&s->actions.v[i]));
    json_object_set_new(doc, "actions", a);
    a = json_array();
    for (size_t i = 0; i < s->links.n; i++)
        json_array_append_new(a, kb_cmd_link_json(&s->links.v[i]));
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
    a = json_array();
    for (size_t i = 0; i < s->meetings.n; i++)
        json_array_append_new(a, kb_cmd_meeting_json(&s->meetings.v[i]));
    json_object_set_new(doc, "meetings", a);
    a = json_array();
    for (size_t i = 0; i < s->decisions.n; i++)
        json_array_append_new(a, kb_cmd_decision_json(&s->decisions.v[i]));
    json_object_set_new(doc, "decisions", a);
    return doc;
}

/* ------------------------------------------------------------ csv export */

static void kb_csv_field(FILE *f, const char *s, bool last)
{
    csv_fwrite(f, s, strlen(s));
    fputc(last ? '\n' : ',', f);
}

static void kb_export_csv(FILE *f, const kb_snapshot *s)
{
    for (size_t i = 0; i < KB_NCSV; i++)
        kb_csv_field(f, kb_csv_col(i), i + 1 == KB_NCSV);
    for (size_t i = 0; i < s->cases.n; i++) {
        const kb_case *c = &s->cases.v[i];
        char num[16], cr[KB_TIME_STRLEN], up[KB_TIME_STRLEN];
        snprintf(num, sizeof num, "%u", c->number);
        kb_csv_field(f, num, false);
        for (int k = 0; k < KB_F_COUNT; k++) { /* the field table, in its order */
            const kb_field_desc *d = kb_case_field((enum kb_field_id)k);
            const kb_strv *lv = kb_case_field_list((kb_case *)c, d->id);
            char *v = d->list ? kb_strv_join(lv, ";") : kb_case_field_text(c, d->id);
            kb_csv_field(f, v, false);
            kb_free(&v);
        }
        kb_time_format(c->created, cr);
        kb_time_format(c->updated, up);
        kb_csv_field(f, cr, false);
        kb_csv_field(f, up, true);
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

/* Markdown is a handout: confidential cases show number and title only
 * unless include_conf (export --include-confidential). */
static void kb_export_md(FILE *f, kb_board *b, const kb_snapshot *s, bool include_conf)
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
            if (k->blocked && (include_conf || k->conf != KB_CONF_CONFIDENTIAL)) {
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
        if (k->conf == KB_CONF_CONFIDENTIAL && !include_conf) {
            fprintf(f, "\n\n_%s_\n",
                    _("Confidential: details left out (export with --include-confidential)."));
            continue;
        }
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

int kb_cmd_export(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"format", required_argument, NULL, 'f'},
        {"out", required_argument, NULL, 'o'},
        {"include-confidential", no_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    const char *fmt = NULL, *outp = NULL;
    bool include_conf = false;
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, "export", argc, argv, longs, &idx, &opt)) == KB_OK &&
           opt != -1) {
        if (opt == 'f')
            fmt = optarg;
        else if (opt == 'c')
            include_conf = true;
        else
            outp = optarg;
    }
    if (rc)
        return rc;
    if (optind < argc)
        return kb_cmd_usage(cx, "export", _("unexpected argument '%s'"), argv[optind]);
    if (!fmt || (strcmp(fmt, "json") && strcmp(fmt, "csv") && strcmp(fmt, "md")))
        return kb_cmd_usage(cx, "export", _("give --format json, csv or md"));
    kb_board *b = NULL;
    if ((rc = kb_cmd_open(cx, "export", &b)))
        return rc;
    kb_snapshot s;
    if (kb_snapshot_load(b, &s, &cx->err)) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    /* --out F: an owner-only temporary beside F, renamed over F when complete;
     * never over a board or lock file (kb_out_open, kernboard/paths.h) */
    kb_out o = {.f = NULL};
    FILE *f = cx->out;
    if (outp) {
        if (kb_out_open(&o, outp, cx->db, &cx->err)) {
            rc = kb_cmd_report(cx);
            goto out;
        }
        f = o.f;
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
        kb_export_md(f, b, &s, include_conf);
    }
    if (outp) {
        if (rc) {
            int err = errno ? errno : EIO;
            kb_out_abort(&o);
            rc = kb_cmd_fail(cx, KB_EIO, _("cannot write %s: %s"), outp, strerror(err));
        } else if (kb_out_commit(&o, &cx->err)) {
            rc = kb_cmd_report(cx);
        }
    } else if (rc || fflush(cx->out) != 0) {
        rc = kb_cmd_fail(cx, KB_EIO, _("cannot write the export: %s"), strerror(errno));
    }
out:
    kb_snapshot_free(&s);
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_import(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"dry-run", no_argument, NULL, 'n'},
        {"format", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0},
    };
    bool dry = false;
    const char *fmt = NULL;
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, "import", argc, argv, longs, &idx, &opt)) == KB_OK &&
           opt != -1) {
        if (opt == 'n')
            dry = true;
        else
            fmt = optarg;
    }
    if (rc)
        return rc;
    if (optind + 1 != argc)
        return kb_cmd_usage(cx, "import", _("give one file: import F [--dry-run]"));
    const char *fname = argv[optind];
    if (fmt && strcmp(fmt, "json") && strcmp(fmt, "csv"))
        return kb_cmd_usage(cx, "import", _("--format must be json or csv"));
    size_t n = strlen(fname);
    bool csv = fmt ? strcmp(fmt, "csv") == 0 : (n > 4 && kb_str_ieq(fname + n - 4, ".csv"));
    char *text = NULL;
    size_t len = 0;
    if ((rc = kb_file_read(fname, KB_IMPORT_MAX, &text, &len, &cx->err))) {
        if (rc == KB_ENOENT || rc == KB_EIO)
            cx->err.code = rc == KB_ENOENT ? KB_ENOENT : KB_EIO;
        return kb_cmd_report(cx);
    }
    kb_import_buf ib;
    memset(&ib, 0, sizeof ib);
    kb_board *b = NULL;
    if (!kb_utf8_valid(text, len))
        rc = kb_err_set(&cx->err, KB_EDATA, _("%s is not UTF-8 text"), fname);
    else
        rc = csv ? kb_import_csv(text, len, fname, &ib, &cx->err)
                 : kb_import_json(text, len, fname, &ib, &cx->err);
    kb_free(&text);
    if (rc) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    if ((rc = kb_cmd_open(cx, "import", &b)))
        goto out;
    kb_import_report rep;
    if (kb_board_import(b, &ib.imp, dry, &rep, &cx->err)) {
        kb_err_prefix(&cx->err, "%s: ", fname);
        rc = kb_cmd_report(cx);
        goto out;
    }
    if (cx->json) {
        json_t *o = json_object();
        json_object_set_new(o, "dry_run", json_boolean(dry));
        json_object_set_new(o, "cases", json_integer((json_int_t)rep.cases_added));
        json_object_set_new(o, "timeline_entries", json_integer((json_int_t)rep.comments_added));
        json_object_set_new(o, "actions", json_integer((json_int_t)rep.actions_added));
        json_object_set_new(o, "links", json_integer((json_int_t)rep.links_added));
        json_object_set_new(o, "meetings", json_integer((json_int_t)rep.meetings_added));
        json_object_set_new(o, "decisions", json_integer((json_int_t)rep.decisions_added));
        json_object_set_new(o, "organisations", json_integer((json_int_t)rep.orgs_added));
        json_object_set_new(o, "contacts", json_integer((json_int_t)rep.contacts_added));
        json_object_set_new(o, "departments_added", json_integer((json_int_t)rep.depts_added));
        json_object_set_new(o, "departments_changed", json_integer((json_int_t)rep.depts_changed));
        json_object_set_new(o, "stages_added", json_integer((json_int_t)rep.stages_added));
        json_object_set_new(o, "stages_changed", json_integer((json_int_t)rep.stages_changed));
        json_object_set_new(o, "lines_added", json_integer((json_int_t)rep.lines_added));
        json_object_set_new(o, "lines_changed", json_integer((json_int_t)rep.lines_changed));
        rc = kb_cmd_print_json(cx, o);
    } else {
        fprintf(cx->out,
                dry ? _("Dry run: would add %zu cases, %zu timeline entries, %zu action items, "
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
    kb_cmd_close(cx, &b);
    return rc;
}
