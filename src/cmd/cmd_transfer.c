/*
 * cli_transfer.c - export (json, csv, md) and import (json, csv).
 *
 * JSON export is complete and lossless for everything but users and their
 * keys (and so their personal views): importing it into a new board and
 * exporting again gives the same document.  It holds the board settings
 * ("settings") and the shared views ("views") too.  Import is all-or-nothing (one write transaction
 * in the core); any problem in the file exits 65 and changes nothing.
 */
#include "cmd_internal.h"
#include "cmd_import.h"
#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/paths.h"
#include "kernboard/thread.h"

#include <csv.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ json export */

/* The document is written as it is made, one element at a time: each
 * element is dumped by jansson on its own (same escaping, same key order)
 * and indented to its depth, so the bytes are those json_dumpf of the
 * whole tree with JSON_INDENT(2) | JSON_PRESERVE_ORDER gave, without the
 * tree (a 100k board's tree took over a gigabyte). */
typedef struct kb_jw {
    FILE *f;
    size_t n;       /* elements written in the open list */
    bool failed;    /* a write or dump failed */
    kb_buf out;     /* the element being written (reused) */
    kb_buf scratch; /* jansson's dump of it (reused) */
} kb_jw;

#define KB_JW_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)

/* v (taken) dumped into out (replacing it) with every line after the first
 * indented by indent; scratch is the dump's buffer (grows, reused).  False
 * when jansson could not dump it. */
static bool kb_jw_render(json_t *v, const char *indent, kb_buf *out, kb_buf *scratch)
{
    kb_buf_clear(out);
    size_t need = json_dumpb(v, scratch->data, scratch->cap, KB_JW_FLAGS);
    if (need > scratch->cap) { /* too small: grow and dump again */
        kb_buf_reserve(scratch, need);
        need = json_dumpb(v, scratch->data, scratch->cap, KB_JW_FLAGS);
    }
    json_decref(v);
    if (need == 0 || need > scratch->cap)
        return false;
    size_t ind = strlen(indent);
    const char *p = scratch->data, *end = scratch->data + need, *nl;
    kb_buf_reserve(out, need + need / 8 * ind);
    while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
        kb_buf_append(out, p, (size_t)(nl - p) + 1);
        kb_buf_append(out, indent, ind);
        p = nl + 1;
    }
    kb_buf_append(out, p, (size_t)(end - p));
    return true;
}

static void kb_jw_value(kb_jw *w, json_t *v, const char *indent)
{
    if (!kb_jw_render(v, indent, &w->out, &w->scratch))
        w->failed = true;
    else
        fwrite(w->out.data, 1, w->out.len, w->f);
}

/* A member of the top-level object: "key": value. */
static void kb_jw_member(kb_jw *w, const char *key, json_t *v, bool first)
{
    fprintf(w->f, "%s\n  \"%s\": ", first ? "{" : ",", key);
    kb_jw_value(w, v, "  ");
}

static void kb_jw_open(kb_jw *w, const char *key)
{
    fprintf(w->f, ",\n  \"%s\": [", key);
    w->n = 0;
}

static void kb_jw_elem(kb_jw *w, json_t *v)
{
    fputs(w->n++ ? ",\n    " : "\n    ", w->f);
    kb_jw_value(w, v, "    ");
}

static void kb_jw_close(kb_jw *w)
{
    fputs(w->n ? "\n  ]" : "]", w->f);
}

/* The cases (with their timelines) are most of a large export: they are
 * made and dumped on both cores, a block at a time, each case into its own
 * text, and written in order. */
#define KB_JW_BLOCK 1024

typedef struct kb_jw_cases_job {
    const kb_export_snapshot *s;
    size_t base;              /* the block's first case */
    kb_buf text[KB_JW_BLOCK]; /* each case's element, indented */
    bool failed[KB_JW_BLOCK];
} kb_jw_cases_job;

static json_t *kb_jw_case(const kb_export_snapshot *s, size_t i)
{
    json_t *o = kb_cmd_case_json(&s->cases.v[i]);
    json_object_del(o, "version"); /* versions belong to the board, not the content */
    json_t *tl = json_array();
    for (size_t k = s->tl[i]; k < s->tl[i + 1]; k++) {
        json_t *c = kb_cmd_comment_json(&s->comments.v[k]);
        json_object_set_new(c, "time_us", json_integer(s->comments.v[k].time_us));
        json_array_append_new(tl, c);
    }
    json_object_set_new(o, "timeline", tl);
    return o;
}

static void kb_jw_cases_part(void *ctx, size_t from, size_t to)
{
    kb_jw_cases_job *j = ctx;
    kb_buf scratch = KB_BUF_INIT;
    for (size_t i = from; i < to; i++)
        j->failed[i] = !kb_jw_render(kb_jw_case(j->s, j->base + i), "    ", &j->text[i], &scratch);
    kb_buf_free(&scratch);
}

static void kb_jw_cases(kb_jw *w, const kb_export_snapshot *s)
{
    kb_jw_cases_job *j = kb_calloc(1, sizeof *j);
    j->s = s;
    for (j->base = 0; j->base < s->cases.n && !w->failed; j->base += KB_JW_BLOCK) {
        size_t n = s->cases.n - j->base < KB_JW_BLOCK ? s->cases.n - j->base : KB_JW_BLOCK;
        kb_par(n, 2, kb_jw_cases_part, j);
        for (size_t i = 0; i < n; i++) {
            if (j->failed[i]) {
                w->failed = true;
                break;
            }
            fputs(w->n++ ? ",\n    " : "\n    ", w->f);
            fwrite(j->text[i].data, 1, j->text[i].len, w->f);
        }
    }
    for (size_t i = 0; i < KB_JW_BLOCK; i++)
        kb_buf_free(&j->text[i]);
    kb_free(&j);
}

static int kb_export_json(FILE *f, kb_board *b, const kb_export_snapshot *s)
{
    kb_jw w = {f, 0, false, KB_BUF_INIT, KB_BUF_INIT};
    kb_jw_member(&w, "format", json_string(KB_EXPORT_FORMAT), true);
    fprintf(f, ",\n  \"format_version\": %d", KB_EXPORT_VERSION);
    json_t *set = json_object(); /* the board settings */
    json_object_set_new(set, "contact_window", json_integer(s->contact_window));
    kb_jw_member(&w, "settings", set, false);
    size_t n;
    const kb_dept *d = kb_board_depts(b, &n);
    kb_jw_open(&w, "departments");
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "code", json_string(d[i].code));
        json_object_set_new(o, "name", json_string(d[i].name));
        json_object_set_new(o, "colour", d[i].colour ? json_string(d[i].colour) : json_null());
        kb_jw_elem(&w, o);
    }
    kb_jw_close(&w);
    const kb_stage *st = kb_board_stages(b, &n);
    kb_jw_open(&w, "stages");
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
        kb_jw_elem(&w, o);
    }
    kb_jw_close(&w);
    const kb_line *l = kb_board_lines(b, &n);
    kb_jw_open(&w, "action_lines");
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "code", json_string(l[i].code));
        json_object_set_new(o, "name", json_string(l[i].name));
        kb_jw_elem(&w, o);
    }
    kb_jw_close(&w);
    kb_jw_open(&w, "goals"); /* department goals (policy hooks as reference data) */
    for (size_t i = 0; i < s->goals.n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "code", json_string(s->goals.v[i].code));
        json_object_set_new(o, "text", json_string(s->goals.v[i].text));
        json_object_set_new(o, "dept", json_string(s->goals.v[i].dept));
        kb_jw_elem(&w, o);
    }
    kb_jw_close(&w);
    kb_jw_open(&w, "views"); /* the shared views (personal ones belong to users) */
    for (size_t i = 0; i < s->views.n; i++) {
        const kb_saved_view *v = &s->views.v[i];
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(v->name));
        json_object_set_new(o, "query", json_string(v->query ? v->query : ""));
        json_object_set_new(o, "sort", v->sort ? json_string(v->sort) : json_null());
        json_object_set_new(o, "lanes", v->lanes ? json_string(v->lanes) : json_null());
        kb_jw_elem(&w, o);
    }
    kb_jw_close(&w);
    kb_jw_open(&w, "cases");
    kb_jw_cases(&w, s);
    kb_jw_close(&w);
    kb_jw_open(&w, "actions");
    for (size_t i = 0; i < s->actions.n; i++)
        kb_jw_elem(&w, kb_cmd_action_json(&s->actions.v[i]));
    kb_jw_close(&w);
    kb_jw_open(&w, "links");
    for (size_t i = 0; i < s->links.n; i++)
        kb_jw_elem(&w, kb_cmd_link_json(&s->links.v[i]));
    kb_jw_close(&w);
    kb_jw_open(&w, "organisations");
    for (size_t i = 0; i < s->orgs.n; i++) {
        const kb_org *o = &s->orgs.v[i];
        json_t *x = json_object();
        json_object_set_new(x, "name", json_string(o->name));
        json_object_set_new(x, "kind", json_string(kb_org_kind_name(o->kind)));
        json_object_set_new(x, "contact", o->contact ? json_string(o->contact) : json_null());
        json_object_set_new(x, "notes", o->notes ? json_string(o->notes) : json_null());
        kb_jw_elem(&w, x);
    }
    kb_jw_close(&w);
    kb_jw_open(&w, "contacts");
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
        kb_jw_elem(&w, x);
    }
    kb_jw_close(&w);
    kb_jw_open(&w, "meetings");
    for (size_t i = 0; i < s->meetings.n; i++)
        kb_jw_elem(&w, kb_cmd_meeting_json(&s->meetings.v[i]));
    kb_jw_close(&w);
    kb_jw_open(&w, "decisions");
    for (size_t i = 0; i < s->decisions.n; i++)
        kb_jw_elem(&w, kb_cmd_decision_json(&s->decisions.v[i]));
    kb_jw_close(&w);
    fputs("\n}\n", f);
    kb_buf_free(&w.out);
    kb_buf_free(&w.scratch);
    return w.failed || ferror(f) ? KB_EIO : KB_OK;
}

/* ------------------------------------------------------------ csv export */

static void kb_csv_field(FILE *f, const char *s, bool last)
{
    csv_fwrite(f, s, strlen(s));
    fputc(last ? '\n' : ',', f);
}

static void kb_export_csv(FILE *f, const kb_export_snapshot *s)
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
            char *v = d->list ? kb_csv_list_join(lv) : kb_case_field_text(c, d->id);
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

static int kb_md_action_cmp(const void *a, const void *b)
{
    const kb_action_item *x = *(const kb_action_item *const *)a;
    const kb_action_item *y = *(const kb_action_item *const *)b;
    if (x->case_number != y->case_number)
        return (x->case_number > y->case_number) - (x->case_number < y->case_number);
    return (x->number > y->number) - (x->number < y->number);
}

static size_t kb_md_first_action(const kb_action_item **v, size_t n, uint32_t number)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid]->case_number < number)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Markdown is a handout: confidential cases show number and title only
 * unless include_conf (export --include-confidential). */
static void kb_export_md(FILE *f, kb_board *b, const kb_export_snapshot *s, bool include_conf)
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
    /* details; the action items by case (then number), found by search */
    const kb_action_item **byc = kb_calloc(s->actions.n + 1, sizeof *byc);
    for (size_t i = 0; i < s->actions.n; i++)
        byc[i] = &s->actions.v[i];
    kb_sort((void *)byc, s->actions.n, sizeof *byc, kb_md_action_cmp);
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
        size_t a = kb_md_first_action(byc, s->actions.n, k->number);
        for (; a < s->actions.n && byc[a]->case_number == k->number; a++) {
            const kb_action_item *it = byc[a];
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
    kb_free(&byc);
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
    if (!fmt)
        return kb_cmd_usage(cx, "export", _("give --format json, csv or md"));
    if (strcmp(fmt, "json") && strcmp(fmt, "csv") && strcmp(fmt, "md"))
        return kb_cmd_bad_value(cx, "export", _("unknown --format '%s': use json, csv or md"), fmt);
    if (cx->json && strcmp(fmt, "json"))
        return kb_cmd_usage(cx, "export",
                            _("--json asks for JSON, but --format %s is not: use --format json, or "
                              "leave out --json"),
                            fmt);
    kb_board *b = NULL;
    if ((rc = kb_cmd_open(cx, "export", &b)))
        return rc;
    kb_export_snapshot s;
    if (kb_board_export_snapshot(b, &s, &cx->err)) {
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
        rc = kb_export_json(f, b, &s);
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
    kb_export_snapshot_free(&s);
    kb_cmd_close(cx, &b);
    return rc;
}

/* Progress of a staged import on stderr (a terminal, or --progress): a
 * line after each staged transaction, at most one per 5% of the items.
 * KERNBOARD_IMPORT_PAUSE (a testing hook, docs/testing.md): while the file
 * it names exists, the import waits there, with no lock held. */
typedef struct kb_import_out {
    FILE *err;
    bool lines;
    unsigned last_pct;
    bool any;
} kb_import_out;

static void kb_import_print(void *ctx, size_t done, size_t total)
{
    kb_import_out *o = ctx;
    unsigned pct = total ? (unsigned)((uint64_t)done * 100 / total) : 100;
    if (o->lines && (!o->any || pct / 5 != o->last_pct / 5 || done == total)) {
        fprintf(o->err,
                _("import: %zu of %zu items written (%u%%); the board shows them when the "
                  "import has finished\n"),
                done, total, pct);
        fflush(o->err);
        o->any = true;
        o->last_pct = pct;
    }
    const char *pause = getenv("KERNBOARD_IMPORT_PAUSE");
    struct stat st;
    while (pause && pause[0] && stat(pause, &st) == 0) {
        struct timespec ts = {0, 10000000L};
        nanosleep(&ts, NULL);
    }
}

int kb_cmd_import(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"dry-run", no_argument, NULL, 'n'},
        {"format", required_argument, NULL, 'f'},
        {"progress", no_argument, NULL, 'p'},
        {NULL, 0, NULL, 0},
    };
    bool dry = false, progress = false;
    const char *fmt = NULL;
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, "import", argc, argv, longs, &idx, &opt)) == KB_OK &&
           opt != -1) {
        if (opt == 'n')
            dry = true;
        else if (opt == 'p')
            progress = true;
        else
            fmt = optarg;
    }
    if (rc)
        return rc;
    if (optind + 1 != argc)
        return kb_cmd_usage(cx, "import", _("give one file: import F [--dry-run]"));
    const char *fname = argv[optind];
    if (fmt && strcmp(fmt, "json") && strcmp(fmt, "csv"))
        return kb_cmd_bad_value(cx, "import", _("--format must be json or csv"));
    size_t n = strlen(fname);
    bool csv = fmt ? strcmp(fmt, "csv") == 0 : (n > 4 && kb_str_ieq(fname + n - 4, ".csv"));
    /* read as a stream: no size limit (the board's map is the limit) */
    FILE *in = fopen(fname, "re");
    if (!in) {
        int err = errno;
        return kb_cmd_fail(cx, err == ENOENT ? KB_ENOENT : KB_EIO, _("cannot read %s: %s"), fname,
                           strerror(err));
    }
    kb_import_buf ib;
    memset(&ib, 0, sizeof ib);
    kb_board *b = NULL;
    rc = csv ? kb_import_csv_file(in, fname, &ib, &cx->err)
             : kb_import_json_file(in, fname, &ib, &cx->err);
    fclose(in);
    if (rc) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    if ((rc = kb_cmd_open(cx, "import", &b)))
        goto out;
    kb_import_report rep;
    kb_import_out pout = {cx->errf ? cx->errf : stderr, progress, 0, false};
    if (!progress && !cx->shared && pout.err == stderr && isatty(STDERR_FILENO))
        pout.lines = true;
    kb_import_progress ip = {kb_import_print, &pout};
    if (kb_board_import_ex(b, &ib.imp, dry, &ip, &rep, &cx->err)) {
        /* an error about one case: where that case is in the file */
        const kb_import_pos *at = rep.bad_case ? kb_import_case_at(&ib, rep.bad_case - 1) : NULL;
        if (at && at->col)
            kb_err_prefix(&cx->err, "%s:%zu:%zu: ", fname, at->line, at->col);
        else if (at)
            kb_err_prefix(&cx->err, _("%s: line %zu: "), fname, at->line);
        else
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
        json_object_set_new(o, "views_added", json_integer((json_int_t)rep.views_added));
        json_object_set_new(o, "views_changed", json_integer((json_int_t)rep.views_changed));
        json_object_set_new(o, "settings_changed", json_integer((json_int_t)rep.settings_changed));
        rc = kb_cmd_print_json(cx, o);
    } else {
        fprintf(cx->out,
                dry ? _("Dry run: would add %zu cases, %zu timeline entries, %zu action items, "
                        "%zu links; departments +%zu ~%zu, stages +%zu ~%zu, action lines +%zu "
                        "~%zu, shared views +%zu ~%zu, settings ~%zu. Nothing was changed.\n")
                    : _("Imported %zu cases, %zu timeline entries, %zu action items, %zu links; "
                        "departments +%zu ~%zu, stages +%zu ~%zu, action lines +%zu ~%zu, "
                        "shared views +%zu ~%zu, settings ~%zu.\n"),
                rep.cases_added, rep.comments_added, rep.actions_added, rep.links_added,
                rep.depts_added, rep.depts_changed, rep.stages_added, rep.stages_changed,
                rep.lines_added, rep.lines_changed, rep.views_added, rep.views_changed,
                rep.settings_changed);
    }
out:
    kb_import_buf_free(&ib);
    kb_cmd_close(cx, &b);
    return rc;
}
