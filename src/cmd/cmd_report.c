/* cmd_report.c - `report [NAME] [--json|--csv|--md] [--from DATE --to DATE]
 * [QUERY]`: the numbers of kernboard/report.h in text (with charts), JSON,
 * CSV or Markdown, all made from the same tables (docs/reports.md). */
#include "cmd_internal.h"
#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/query.h"
#include "kernboard/report.h"
#include "kernboard/views.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

enum kb_rfmt { KB_RF_TEXT, KB_RF_JSON, KB_RF_CSV, KB_RF_MD };

static json_t *kb_rcell_json(const kb_rcell *c)
{
    switch (c->t) {
    case KB_RC_INT:
        return json_integer(c->i);
    case KB_RC_NUM:
        return json_real(c->d);
    case KB_RC_TEXT:
        return json_string(c->s ? c->s : "");
    case KB_RC_BOOL:
        return json_boolean(c->i);
    case KB_RC_NULL:
        break;
    }
    return json_null();
}

static json_t *kb_date_json(kb_date d)
{
    if (d == KB_DATE_NONE)
        return json_null();
    char s[KB_DATE_STRLEN];
    kb_date_format(d, s);
    return json_string(s);
}

static int kb_report_json(kb_cmd_ctx *cx, const kb_report *r, const char *query)
{
    json_t *doc = json_object();
    json_object_set_new(doc, "today", kb_date_json(r->today));
    json_object_set_new(doc, "from", kb_date_json(r->from));
    json_object_set_new(doc, "to", kb_date_json(r->to));
    json_object_set_new(doc, "query", json_string(query));
    for (size_t i = 0; i < r->n; i++) {
        const kb_rsection *s = &r->v[i];
        json_t *rows = json_array();
        for (size_t row = 0; row < s->nrows; row++) {
            json_t *o = json_object();
            for (size_t c = 0; c < s->ncols; c++)
                json_object_set_new(o, s->cols[c].key, kb_rcell_json(kb_rsection_cell(s, row, c)));
            json_array_append_new(rows, o);
        }
        json_object_set_new(doc, s->name, rows);
    }
    return kb_cmd_print_json(cx, doc);
}

static void kb_csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void kb_report_csv(kb_cmd_ctx *cx, const kb_report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        const kb_rsection *s = &r->v[i];
        if (i)
            fputc('\n', cx->out);
        fputs("section", cx->out);
        for (size_t c = 0; c < s->ncols; c++) {
            fputc(',', cx->out);
            kb_csv_field(cx->out, s->cols[c].key);
        }
        fputc('\n', cx->out);
        for (size_t row = 0; row < s->nrows; row++) {
            fputs(s->name, cx->out);
            for (size_t c = 0; c < s->ncols; c++) {
                char *t = kb_rcell_text(kb_rsection_cell(s, row, c));
                fputc(',', cx->out);
                kb_csv_field(cx->out, t);
                kb_free(&t);
            }
            fputc('\n', cx->out);
        }
    }
}

static void kb_md_cell(FILE *f, const char *s)
{
    fputc(' ', f);
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
    fputs(" |", f);
}

static void kb_report_md(kb_cmd_ctx *cx, const kb_report *r)
{
    char today[KB_DATE_STRLEN];
    kb_date_format(r->today, today);
    fprintf(cx->out, "# %s\n\n", _("Report"));
    fprintf(cx->out, _("Today: %s"), today);
    fputc('\n', cx->out);
    for (size_t i = 0; i < r->n; i++) {
        const kb_rsection *s = &r->v[i];
        fprintf(cx->out, "\n## %s\n\n", s->title);
        if (!s->nrows) {
            fprintf(cx->out, "%s\n", _("(nothing to show)"));
        } else {
            fputc('|', cx->out);
            for (size_t c = 0; c < s->ncols; c++)
                if (!s->cols[c].data_only)
                    kb_md_cell(cx->out, s->cols[c].label);
            fputs("\n|", cx->out);
            for (size_t c = 0; c < s->ncols; c++)
                if (!s->cols[c].data_only) {
                    const kb_rcell *x = kb_rsection_cell(s, 0, c);
                    fputs(x->t == KB_RC_INT || x->t == KB_RC_NUM ? "---:|" : "---|", cx->out);
                }
            fputc('\n', cx->out);
            for (size_t row = 0; row < s->nrows; row++) {
                fputc('|', cx->out);
                for (size_t c = 0; c < s->ncols; c++) {
                    if (s->cols[c].data_only)
                        continue;
                    char *t = kb_rcell_show(kb_rsection_cell(s, row, c));
                    kb_md_cell(cx->out, t);
                    kb_free(&t);
                }
                fputc('\n', cx->out);
            }
        }
        if (s->note)
            fprintf(cx->out, "\n%s\n", s->note);
    }
}

static int kb_term_width(void)
{
    const char *c = getenv("COLUMNS");
    int w = c ? atoi(c) : 0;
    struct winsize ws;
    if (w <= 0 && isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
        w = ws.ws_col;
    if (w <= 0)
        w = 80;
    return w < 40 ? 40 : w > 200 ? 200 : w;
}

static void kb_report_text(kb_cmd_ctx *cx, const kb_report *r, const char *query)
{
    char today[KB_DATE_STRLEN], from[KB_DATE_STRLEN], to[KB_DATE_STRLEN];
    kb_date_format(r->today, today);
    kb_date_format(r->from, from);
    kb_date_format(r->to, to);
    bool uni = kb_chart_unicode_ok(MB_CUR_MAX > 1, getenv("TERM"));
    const char *open_end = uni ? "…" : "..."; /* ASCII where the charts are */
    fprintf(cx->out, _("Report of %s"), today);
    if (r->from != KB_DATE_NONE || r->to != KB_DATE_NONE)
        fprintf(cx->out, _(", period %s .. %s"), from[0] ? from : open_end, to[0] ? to : open_end);
    if (query[0])
        fprintf(cx->out, _(", cases matching '%s'"), query);
    fputc('\n', cx->out);
    int w = cx->width > 0 ? cx->width : kb_term_width();
    for (size_t i = 0; i < r->n; i++) {
        kb_strv lines = {0};
        kb_report_section_lines(&r->v[i], w, uni, &lines);
        fputc('\n', cx->out);
        for (size_t k = 0; k < lines.n; k++)
            fprintf(cx->out, "%s\n", lines.v[k]);
        kb_strv_free(&lines);
    }
}

/* Edit distance of two short ASCII words (at most 31 characters; longer
 * ones count as far apart). */
static size_t kb_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b), d[32][32];
    if (n > 31 || m > 31)
        return 99;
    for (size_t i = 0; i <= n; i++)
        d[i][0] = i;
    for (size_t k = 0; k <= m; k++)
        d[0][k] = k;
    for (size_t i = 1; i <= n; i++)
        for (size_t k = 1; k <= m; k++) {
            size_t sub = d[i - 1][k - 1] + (a[i - 1] != b[k - 1]);
            size_t del = d[i - 1][k] + 1, ins = d[i][k - 1] + 1;
            d[i][k] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
    return d[n][m];
}

/* The first word after `report` names a section or starts the query.  A
 * plain search word there (not quoted, not a field, flag, #N, -term or
 * @view) that is at most two letters off a section name (and 4 letters or
 * longer) is refused: `report stuk` is a misspelt section far more often
 * than a search for "stuk", and as a query it printed a plausible report
 * of zeros.  Any other word is the query, as SPEC §5 has it; the same
 * search can always be written text:WORD (docs/reports.md).  Returns
 * KB_OK, or the usage error it reported. */
static int kb_report_first_word(kb_cmd_ctx *cx, const char *arg)
{
    size_t n = strcspn(arg, " \t\r\n");
    if (n == 0 || arg[0] == '"' || arg[0] == '@')
        return KB_OK;
    char *w = kb_strndup(arg, n), *t = kb_asprintf("text:%s", w);
    kb_query *q1 = NULL, *q2 = NULL;
    kb_err e;
    bool plain = kb_query_parse(w, &q1, &e) == KB_OK && kb_query_parse(t, &q2, &e) == KB_OK &&
                 kb_query_equal(q1, q2);
    kb_query_free(&q1);
    kb_query_free(&q2);
    int rc = KB_OK;
    if (plain) {
        const char *near = NULL;
        size_t best = 3; /* at most two letters off */
        for (size_t i = 0; i < kb_report_name_count; i++) {
            char *lw = kb_strdup(w);
            for (char *p = lw; *p; p++)
                *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
            size_t d = kb_distance(lw, kb_report_names[i]);
            kb_free(&lw);
            if (d < best) {
                best = d;
                near = kb_report_names[i];
            }
        }
        if (near && strlen(w) >= 4)
            rc = kb_cmd_usage(cx, "report",
                              _("no report section '%s': did you mean '%s'? To report on the "
                                "cases that contain the word, write text:%s"),
                              w, near, w);
    }
    kb_free(&w);
    kb_free(&t);
    return rc;
}

static int kb_date_opt(kb_cmd_ctx *cx, const char *opt, const char *v, kb_date *out)
{
    if (!v)
        return kb_cmd_usage(cx, "report", _("option '%s' needs a value"), opt);
    if (kb_date_parse(v, out, &cx->err))
        return kb_cmd_bad_value(cx, "report", "%s: %s", opt, cx->err.msg);
    return KB_OK;
}

/* The shared screen (kb_cmd_env.shared_screen): a hidden confidential case
 * matches the query on its number and title only, and the sections that
 * list cases one per row (stuck cases) leave it out; the counts keep it. */
typedef struct kb_report_hide_ctx {
    kb_cmd_ctx *cx;
    kb_board *b;
} kb_report_hide_ctx;

static bool kb_report_hidden_case(const kb_case *c, void *ctx)
{
    return kb_cmd_hidden(((kb_report_hide_ctx *)ctx)->cx, c);
}

static bool kb_report_hidden_number(uint32_t number, void *ctx)
{
    kb_report_hide_ctx *h = ctx;
    return kb_cmd_hidden_number(h->cx, h->b, number);
}

int kb_cmd_report_run(kb_cmd_ctx *cx, int argc, char **argv)
{
    enum kb_rfmt fmt = cx->json ? KB_RF_JSON : KB_RF_TEXT;
    kb_date from = KB_DATE_NONE, to = KB_DATE_NONE;
    const char *name = NULL;
    kb_buf qtext = KB_BUF_INIT;
    kb_board *b = NULL;
    kb_query *q = NULL;
    char *expanded = NULL;
    kb_view_vec views = {0};
    kb_report r = {0};
    int rc = KB_OK;
    /* one output format: the global --json counts as given */
    const char *fmt_opt = cx->json ? "--json" : NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool opt = kb_cmd_is_option(cx, argv, i); /* not after "--" */
        if (opt &&
            (strcmp(a, "--json") == 0 || strcmp(a, "--csv") == 0 || strcmp(a, "--md") == 0)) {
            if (fmt_opt && strcmp(fmt_opt, a) != 0) {
                rc = kb_cmd_usage(cx, "report", _("%s and %s cannot be combined: give one format"),
                                  fmt_opt, a);
                goto out;
            }
            fmt_opt = a;
            fmt = a[2] == 'j' ? KB_RF_JSON : a[2] == 'c' ? KB_RF_CSV : KB_RF_MD;
        } else if (opt && (strcmp(a, "--from") == 0 || strcmp(a, "--to") == 0)) {
            if ((rc = kb_date_opt(cx, a, i + 1 < argc ? argv[i + 1] : NULL,
                                  a[2] == 'f' ? &from : &to)))
                goto out;
            i++;
        } else if (opt && (strncmp(a, "--from=", 7) == 0 || strncmp(a, "--to=", 5) == 0)) {
            bool f = a[2] == 'f';
            if ((rc = kb_date_opt(cx, f ? "--from" : "--to", strchr(a, '=') + 1, f ? &from : &to)))
                goto out;
        } else if (opt) {
            rc = kb_cmd_usage(cx, "report", _("unknown option '%s'"), a);
            goto out;
        } else if (!name && !qtext.len && kb_report_name_ok(a)) {
            name = a;
        } else {
            if (!name && !qtext.len && (rc = kb_report_first_word(cx, a)))
                goto out;
            kb_buf_printf(&qtext, "%s%s", qtext.len ? " " : "", a);
        }
    }
    if (from != KB_DATE_NONE && to != KB_DATE_NONE && from > to) {
        rc = kb_cmd_bad_value(cx, "report", _("--from is after --to"));
        goto out;
    }
    const char *query = qtext.data ? qtext.data : "";
    if ((rc = kb_cmd_open(cx, "report", &b)))
        goto out;
    if (strchr(query, '@')) {
        if ((rc = kb_views_all(b, &views, &cx->err)) ||
            (rc = kb_views_expand(&views, query, &expanded, NULL, &cx->err))) {
            rc = kb_cmd_report(cx);
            goto out;
        }
        query = expanded;
    }
    kb_report_hide_ctx hide = {cx, b};
    if (kb_query_parse(query, &q, &cx->err) ||
        kb_board_report_shared(b, q, name, from, to,
                               cx->shared_screen ? kb_report_hidden_case : NULL, &hide, &r,
                               &cx->err)) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    if (cx->shared_screen)
        kb_report_drop_hidden(&r, kb_report_hidden_number, &hide);
    switch (fmt) {
    case KB_RF_JSON:
        rc = kb_report_json(cx, &r, query);
        break;
    case KB_RF_CSV:
        kb_report_csv(cx, &r);
        break;
    case KB_RF_MD:
        kb_report_md(cx, &r);
        break;
    case KB_RF_TEXT:
        kb_report_text(cx, &r, query);
        break;
    }
out:
    kb_report_free(&r);
    kb_query_free(&q);
    kb_free(&expanded);
    kb_view_vec_free(&views);
    kb_buf_free(&qtext);
    kb_cmd_close(cx, &b);
    return rc;
}
