/* report.c - the report's numbers from plain arrays; see kernboard/report.h
 * and docs/reports.md for the definitions. */
#include "kernboard/report.h"
#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <stdio.h>
#include <string.h>

const char *const kb_report_names[] = {"stages", "ages",    "leadtime", "throughput", "cross",
                                       "stuck",  "actions", "hooks",    "orgkinds"};
const size_t kb_report_name_count = sizeof kb_report_names / sizeof kb_report_names[0];

bool kb_report_name_ok(const char *name)
{
    for (size_t i = 0; i < kb_report_name_count; i++)
        if (strcmp(kb_report_names[i], name) == 0)
            return true;
    return false;
}

/* ------------------------------------------------------------ statistics */

double kb_stat_median(const int *sorted, size_t n)
{
    if (n % 2)
        return sorted[n / 2];
    return ((double)sorted[n / 2 - 1] + (double)sorted[n / 2]) / 2.0;
}

int kb_stat_percentile(const int *sorted, size_t n, int p)
{
    size_t rank = ((size_t)p * n + 99) / 100; /* ceil(p * n / 100) */
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

static int kb_int_cmp(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* ------------------------------------------------------------ tables */

void kb_report_free(kb_report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        kb_rsection *s = &r->v[i];
        for (size_t c = 0; c < s->ncols; c++) {
            kb_free(&s->cols[c].key);
            kb_free(&s->cols[c].label);
        }
        for (size_t c = 0; c < s->ncols * s->nrows; c++)
            kb_free(&s->cells[c].s);
        kb_free(&s->cols);
        kb_free(&s->cells);
        kb_free(&s->title);
        kb_free(&s->note);
        for (size_t k = 0; s->headings && k < s->nrows; k++)
            kb_free(&s->headings[k]);
        kb_free(&s->headings);
    }
    kb_free(&r->v);
    r->n = 0;
}

const kb_rsection *kb_report_section(const kb_report *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i].name, name) == 0)
            return &r->v[i];
    return NULL;
}

const kb_rcell *kb_rsection_cell(const kb_rsection *s, size_t row, size_t col)
{
    return &s->cells[row * s->ncols + col];
}

char *kb_rcell_text(const kb_rcell *c)
{
    switch (c->t) {
    case KB_RC_INT:
        return kb_asprintf("%lld", c->i);
    case KB_RC_NUM:
        return kb_asprintf("%.1f", c->d);
    case KB_RC_TEXT:
        return kb_strdup(c->s ? c->s : "");
    case KB_RC_BOOL:
        return kb_strdup(c->i ? "yes" : "no");
    case KB_RC_NULL:
        break;
    }
    return kb_strdup("");
}

char *kb_rcell_show(const kb_rcell *c)
{
    if (c->t == KB_RC_BOOL) /* TRANSLATORS: a yes/no column of the report */
        return kb_strdup(c->i ? _("yes") : _("no"));
    return kb_rcell_text(c);
}

static kb_rsection *kb_sec_new(kb_report *r, const char *name, const char *title)
{
    r->v = kb_reallocarray(r->v, r->n + 1, sizeof *r->v);
    kb_rsection *s = &r->v[r->n++];
    memset(s, 0, sizeof *s);
    s->name = name;
    s->title = kb_strdup(title);
    return s;
}

static size_t kb_sec_col(kb_rsection *s, const char *key, const char *label, bool data_only)
{
    s->cols = kb_reallocarray(s->cols, s->ncols + 1, sizeof *s->cols);
    s->cols[s->ncols] = (kb_rcol){kb_strdup(key), kb_strdup(label), data_only};
    return s->ncols++;
}

/* A heading over row (when there is such a row; see kb_rsection). */
static void kb_sec_heading(kb_rsection *s, size_t row, const char *text)
{
    if (row >= s->nrows)
        return;
    if (!s->headings)
        s->headings = kb_calloc(s->nrows + 1, sizeof *s->headings);
    kb_free(&s->headings[row]);
    s->headings[row] = kb_strdup(text);
}

/* A new row of null cells; returns its first cell. */
static kb_rcell *kb_sec_row(kb_rsection *s)
{
    s->cells = kb_reallocarray(s->cells, (s->nrows + 1) * s->ncols, sizeof *s->cells);
    kb_rcell *row = &s->cells[s->nrows * s->ncols];
    memset(row, 0, s->ncols * sizeof *row);
    if (s->headings) {
        s->headings = kb_reallocarray(s->headings, s->nrows + 2, sizeof *s->headings);
        s->headings[s->nrows] = NULL;
    }
    s->nrows++;
    return row;
}

static void kb_set_int(kb_rcell *c, long long v)
{
    c->t = KB_RC_INT;
    c->i = v;
}

static void kb_set_num(kb_rcell *c, double v)
{
    if (v == (double)(long long)v) {
        kb_set_int(c, (long long)v);
    } else {
        c->t = KB_RC_NUM;
        c->d = v;
    }
}

static void kb_set_text(kb_rcell *c, const char *s)
{
    c->t = KB_RC_TEXT;
    c->s = kb_strdup(s ? s : "");
}

static void kb_set_bool(kb_rcell *c, bool v)
{
    c->t = KB_RC_BOOL;
    c->i = v;
}

/* ------------------------------------------------------------ helpers */

static const char *kb_stage_name_of(const kb_report_input *in, const char *code)
{
    for (size_t i = 0; i < in->nstages; i++)
        if (code && strcmp(in->stages[i].code, code) == 0)
            return in->stages[i].name;
    return code ? code : "";
}

static int kb_norm_of(const kb_report_input *in, const char *code)
{
    for (size_t i = 0; i < in->nstages; i++)
        if (code && strcmp(in->stages[i].code, code) == 0)
            return in->stages[i].norm_days;
    return 0;
}

static const char *kb_last_stage(const kb_report_input *in)
{
    return in->nstages ? in->stages[in->nstages - 1].code : NULL;
}

/* When case c reached the last stage (it is in it now): the latest move
 * into it in the timeline, else the time it entered its current stage. */
static kb_time kb_done_time(const kb_report_input *in, const kb_case *c)
{
    const char *last = kb_last_stage(in);
    kb_time best = 0;
    for (size_t i = 0; i < in->nentries; i++) {
        const kb_comment *m = &in->entries[i];
        if (m->case_number == c->number && m->move_to && last && strcmp(m->move_to, last) == 0 &&
            m->time > best)
            best = m->time;
    }
    return best ? best : kb_case_stage_since(c);
}

static bool kb_is_done(const kb_report_input *in, const kb_case *c)
{
    const char *last = kb_last_stage(in);
    return last && c->stage && strcmp(c->stage, last) == 0;
}

static bool kb_in_period(const kb_report_input *in, kb_date d)
{
    return (in->from == KB_DATE_NONE || d >= in->from) && (in->to == KB_DATE_NONE || d <= in->to);
}

/* Was the case open during the period: created on or before its end, and
 * not finished before its start. */
static bool kb_case_active(const kb_report_input *in, const kb_case *c)
{
    if (in->to != KB_DATE_NONE && kb_date_of_time(c->created) > in->to)
        return false;
    if (in->from != KB_DATE_NONE && kb_is_done(in, c) &&
        kb_date_of_time(kb_done_time(in, c)) < in->from)
        return false;
    return true;
}

/* A growing int vector. */
typedef struct kb_intv {
    int *v;
    size_t n;
} kb_intv;

static void kb_intv_push(kb_intv *v, int x)
{
    v->v = kb_reallocarray(v->v, v->n + 1, sizeof *v->v);
    v->v[v->n++] = x;
}

/* ------------------------------------------------------------ sections */

static void kb_sec_stages(const kb_report_input *in, kb_report *r)
{
    kb_rsection *s = kb_sec_new(r, "stages", _("Cases per stage and department"));
    kb_sec_col(s, "stage", _("Stage code"), true);
    kb_sec_col(s, "name", _("Stage"), false);
    for (size_t d = 0; d < in->ndepts; d++)
        kb_sec_col(s, in->depts[d].code, in->depts[d].code, false);
    size_t cnone = kb_sec_col(s, "none", _("none"), false);
    size_t ctotal = kb_sec_col(s, "total", _("total"), false);
    for (size_t st = 0; st < in->nstages; st++) {
        kb_rcell *row = kb_sec_row(s);
        kb_set_text(&row[0], in->stages[st].code);
        kb_set_text(&row[1], in->stages[st].name);
        long long total = 0, none = 0;
        for (size_t d = 0; d < in->ndepts; d++)
            kb_set_int(&row[2 + d], 0);
        for (size_t i = 0; i < in->ncases; i++) {
            const kb_case *c = &in->cases[i];
            if (!c->stage || strcmp(c->stage, in->stages[st].code) || !kb_case_active(in, c))
                continue;
            total++;
            bool found = false;
            for (size_t d = 0; c->lead_dept && d < in->ndepts; d++)
                if (strcmp(in->depts[d].code, c->lead_dept) == 0) {
                    row[2 + d].i++;
                    found = true;
                }
            if (!found)
                none++;
        }
        kb_set_int(&row[cnone], none);
        kb_set_int(&row[ctotal], total);
    }
    s->chart = KB_CHART_BARS;
    s->chart_label = 1;
    s->chart_value = ctotal;
}

static void kb_sec_ages(const kb_report_input *in, kb_report *r)
{
    kb_rsection *s = kb_sec_new(r, "ages", _("Age in current stage (days) against the norm"));
    kb_sec_col(s, "stage", _("Stage code"), true);
    kb_sec_col(s, "name", _("Stage"), false);
    kb_sec_col(s, "norm_days", _("norm"), false);
    kb_sec_col(s, "cases", _("cases"), false);
    size_t cmed = kb_sec_col(s, "median_days", _("median"), false);
    kb_sec_col(s, "p80_days", _("80%"), false);
    kb_sec_col(s, "max_days", _("max"), false);
    kb_sec_col(s, "past_norm", _("past norm"), false);
    for (size_t st = 0; st < in->nstages; st++) {
        const kb_stage *sg = &in->stages[st];
        kb_intv ages = {0};
        long long past = 0;
        for (size_t i = 0; i < in->ncases; i++) {
            const kb_case *c = &in->cases[i];
            if (!c->stage || strcmp(c->stage, sg->code) || !kb_case_active(in, c))
                continue;
            kb_intv_push(&ages, kb_case_age_days(c, in->today));
            if (kb_case_past_norm(c, sg->norm_days, in->today))
                past++;
        }
        kb_rcell *row = kb_sec_row(s);
        kb_set_text(&row[0], sg->code);
        kb_set_text(&row[1], sg->name);
        if (sg->norm_days > 0)
            kb_set_int(&row[2], sg->norm_days);
        kb_set_int(&row[3], (long long)ages.n);
        if (ages.n) {
            kb_sort(ages.v, ages.n, sizeof *ages.v, kb_int_cmp);
            kb_set_num(&row[4], kb_stat_median(ages.v, ages.n));
            kb_set_int(&row[5], kb_stat_percentile(ages.v, ages.n, 80));
            kb_set_int(&row[6], ages.v[ages.n - 1]);
        }
        kb_set_int(&row[7], past);
        kb_free(&ages.v);
    }
    s->chart = KB_CHART_BARS;
    s->chart_label = 1;
    s->chart_value = cmed;
}

/* One lead-time row: the group ("all", "dept", "line"), its key and the
 * lead times of the finished cases whose key matches. */
static void kb_lead_row(const kb_report_input *in, kb_rsection *s, const char *by, const char *key,
                        const char *name, const char *(*key_of)(const kb_case *))
{
    kb_intv days = {0};
    for (size_t i = 0; i < in->ncases; i++) {
        const kb_case *c = &in->cases[i];
        if (!kb_is_done(in, c))
            continue;
        kb_time end = kb_done_time(in, c);
        if (!kb_in_period(in, kb_date_of_time(end)))
            continue;
        if (key_of) {
            const char *k = key_of(c);
            if (strcmp(k ? k : "", key))
                continue;
        }
        int d = (int)(kb_date_of_time(end) - kb_date_of_time(c->created));
        kb_intv_push(&days, d < 0 ? 0 : d);
    }
    if (key_of && days.n == 0) {
        kb_free(&days.v);
        return; /* only groups with finished cases */
    }
    kb_rcell *row = kb_sec_row(s);
    kb_set_text(&row[0], by);
    kb_set_text(&row[1], key[0] ? key : "-");
    kb_set_text(&row[2], name);
    kb_set_int(&row[3], (long long)days.n);
    if (days.n) {
        kb_sort(days.v, days.n, sizeof *days.v, kb_int_cmp);
        kb_set_num(&row[4], kb_stat_median(days.v, days.n));
        kb_set_int(&row[5], kb_stat_percentile(days.v, days.n, 80));
    }
    kb_free(&days.v);
}

static const char *kb_lead_of(const kb_case *c)
{
    return c->lead_dept;
}

static const char *kb_line_of(const kb_case *c)
{
    return c->action_line;
}

static void kb_sec_leadtime(const kb_report_input *in, kb_report *r)
{
    kb_rsection *s =
        kb_sec_new(r, "leadtime", _("Lead time from first to last stage (days, finished cases)"));
    kb_sec_col(s, "by", _("by"), true);
    kb_sec_col(s, "key", _("code"), true);
    kb_sec_col(s, "name", _("group"), false);
    kb_sec_col(s, "cases", _("cases"), false);
    size_t cmed = kb_sec_col(s, "median_days", _("median"), false);
    kb_sec_col(s, "p80_days", _("80%"), false);
    kb_lead_row(in, s, "all", "all", _("all cases"), NULL);
    size_t first = s->nrows;
    for (size_t d = 0; d < in->ndepts; d++)
        kb_lead_row(in, s, "dept", in->depts[d].code, in->depts[d].name, kb_lead_of);
    kb_lead_row(in, s, "dept", "", _("no department"), kb_lead_of);
    /* TRANSLATORS: a heading in the lead time table, over the departments */
    kb_sec_heading(s, first, _("by lead department:"));
    first = s->nrows;
    for (size_t l = 0; l < in->nlines; l++)
        kb_lead_row(in, s, "line", in->lines[l].code, in->lines[l].name, kb_line_of);
    kb_lead_row(in, s, "line", "", _("no action line"), kb_line_of);
    /* TRANSLATORS: a heading in the lead time table, over the action lines */
    kb_sec_heading(s, first, _("by action line:"));
    s->chart = KB_CHART_BARS;
    s->chart_label = 2;
    s->chart_value = cmed;
}

static int kb_month_of(kb_date d)
{
    int y, m, day;
    kb_date_to_ymd(d, &y, &m, &day);
    return y * 12 + (m - 1);
}

static void kb_sec_throughput(const kb_report_input *in, kb_report *r)
{
    kb_rsection *s = kb_sec_new(r, "throughput", _("Throughput: cases reaching the last stage"));
    kb_sec_col(s, "month", _("month"), false);
    size_t ccases = kb_sec_col(s, "cases", _("cases"), false);
    kb_intv months = {0};
    for (size_t i = 0; i < in->ncases; i++) {
        const kb_case *c = &in->cases[i];
        if (!kb_is_done(in, c))
            continue;
        kb_date d = kb_date_of_time(kb_done_time(in, c));
        if (kb_in_period(in, d))
            kb_intv_push(&months, kb_month_of(d));
    }
    int lo = INT32_MAX, hi = INT32_MIN;
    for (size_t i = 0; i < months.n; i++) {
        lo = months.v[i] < lo ? months.v[i] : lo;
        hi = months.v[i] > hi ? months.v[i] : hi;
    }
    if (in->from != KB_DATE_NONE)
        lo = kb_month_of(in->from);
    if (in->to != KB_DATE_NONE)
        hi = kb_month_of(in->to);
    for (int m = lo; m <= hi && (months.n || (in->from != KB_DATE_NONE && in->to != KB_DATE_NONE));
         m++) {
        long long n = 0;
        for (size_t i = 0; i < months.n; i++)
            n += months.v[i] == m;
        kb_rcell *row = kb_sec_row(s);
        char buf[16];
        snprintf(buf, sizeof buf, "%04d-%02d", m / 12, m % 12 + 1);
        kb_set_text(&row[0], buf);
        kb_set_int(&row[1], n);
        if (s->nrows > 600)
            break;
    }
    kb_free(&months.v);
    s->chart = KB_CHART_COLUMNS;
    s->chart_label = 0;
    s->chart_value = ccases;
}

static void kb_sec_cross(const kb_report_input *in, kb_report *r)
{
    kb_rsection *s = kb_sec_new(r, "cross", _("Cross-domain cases (two or more departments)"));
    kb_sec_col(s, "cases", _("cases"), false);
    kb_sec_col(s, "cross", _("cross-domain"), false);
    kb_sec_col(s, "percent", _("percent"), false);
    long long n = 0, x = 0;
    for (size_t i = 0; i < in->ncases; i++) {
        if (!kb_case_active(in, &in->cases[i]))
            continue;
        n++;
        x += kb_case_dept_count(&in->cases[i]) >= 2;
    }
    kb_rcell *row = kb_sec_row(s);
    kb_set_int(&row[0], n);
    kb_set_int(&row[1], x);
    kb_set_int(&row[2], n ? (x * 100 + n / 2) / n : 0);
}

static int kb_stuck_cmp(const void *a, const void *b)
{
    /* longest in its stage first, then by number */
    const long long *x = a, *y = b;
    if (x[0] != y[0])
        return (x[0] < y[0]) - (x[0] > y[0]);
    return (x[1] > y[1]) - (x[1] < y[1]);
}

static void kb_sec_stuck(const kb_report_input *in, kb_report *r)
{
    kb_rsection *s = kb_sec_new(r, "stuck", _("Stuck cases: past the stage norm, or blocked"));
    kb_sec_col(s, "id", "#", false);
    kb_sec_col(s, "stage", _("Stage code"), true);
    kb_sec_col(s, "stage_name", _("Stage"), false);
    kb_sec_col(s, "dept", _("Lead"), false);
    kb_sec_col(s, "days", _("days"), false);
    kb_sec_col(s, "norm_days", _("norm"), false);
    kb_sec_col(s, "past_norm", _("past norm"), false);
    kb_sec_col(s, "blocked", _("blocked"), false);
    kb_sec_col(s, "title", _("Title"), false);
    /* (days, number, index) triples, sorted */
    long long *ord = kb_calloc(in->ncases * 3 + 1, sizeof *ord);
    size_t n = 0;
    for (size_t i = 0; i < in->ncases; i++) {
        const kb_case *c = &in->cases[i];
        if (!kb_case_active(in, c))
            continue;
        bool past = kb_case_past_norm(c, kb_norm_of(in, c->stage), in->today);
        if (!past && !c->blocked)
            continue;
        ord[n * 3] = kb_case_age_days(c, in->today);
        ord[n * 3 + 1] = c->number;
        ord[n * 3 + 2] = (long long)i;
        n++;
    }
    kb_sort(ord, n, 3 * sizeof *ord, kb_stuck_cmp);
    for (size_t k = 0; k < n; k++) {
        const kb_case *c = &in->cases[ord[k * 3 + 2]];
        int norm = kb_norm_of(in, c->stage);
        kb_rcell *row = kb_sec_row(s);
        kb_set_int(&row[0], c->number);
        kb_set_text(&row[1], c->stage);
        kb_set_text(&row[2], kb_stage_name_of(in, c->stage));
        kb_set_text(&row[3], c->lead_dept ? c->lead_dept : "-");
        kb_set_int(&row[4], ord[k * 3]);
        if (norm > 0)
            kb_set_int(&row[5], norm);
        kb_set_bool(&row[6], kb_case_past_norm(c, norm, in->today));
        if (c->blocked)
            kb_set_text(&row[7], c->blocked);
        kb_set_text(&row[8], c->title);
    }
    kb_free(&ord);
}

static const kb_case *kb_case_by_number(const kb_report_input *in, uint32_t n)
{
    for (size_t i = 0; i < in->ncases; i++)
        if (in->cases[i].number == n)
            return &in->cases[i];
    return NULL;
}

static void kb_sec_actions(const kb_report_input *in, kb_report *r)
{
    kb_rsection *s = kb_sec_new(r, "actions", _("Action items on time and late, per department"));
    kb_sec_col(s, "dept", _("Department"), false);
    kb_sec_col(s, "items", _("items"), false);
    kb_sec_col(s, "done", _("done"), false);
    kb_sec_col(s, "open", _("open"), false);
    size_t cont = kb_sec_col(s, "on_time", _("on time"), false);
    size_t clate = kb_sec_col(s, "late", _("late"), false);
    for (size_t d = 0; d <= in->ndepts; d++) {
        const char *code = d < in->ndepts ? in->depts[d].code : NULL;
        long long items = 0, done = 0, open = 0, late = 0;
        for (size_t i = 0; i < in->nactions; i++) {
            const kb_action_item *a = &in->actions[i];
            const kb_case *c = kb_case_by_number(in, a->case_number);
            if (!c)
                continue; /* not one of the reported cases */
            if (code ? !c->lead_dept || strcmp(c->lead_dept, code) : c->lead_dept != NULL)
                continue;
            if ((in->from != KB_DATE_NONE || in->to != KB_DATE_NONE) &&
                (a->due == KB_DATE_NONE || !kb_in_period(in, a->due)))
                continue;
            items++;
            if (a->done)
                done++;
            else if (kb_action_item_overdue(a, in->today))
                late++;
            else
                open++;
        }
        if (!items && !code)
            continue;
        kb_rcell *row = kb_sec_row(s);
        kb_set_text(&row[0], code ? code : "-");
        kb_set_int(&row[1], items);
        kb_set_int(&row[2], done);
        kb_set_int(&row[3], open);
        kb_set_int(&row[cont], done + open);
        kb_set_int(&row[clate], late);
    }
    s->chart = KB_CHART_BARS;
    s->chart_label = 0;
    s->chart_value = clate;
}

typedef struct kb_count {
    char *key;
    long long n;
} kb_count;

static int kb_count_cmp(const void *a, const void *b)
{
    const kb_count *x = a, *y = b;
    if (x->n != y->n)
        return (x->n < y->n) - (x->n > y->n);
    return strcmp(x->key, y->key);
}

static void kb_sec_hooks(const kb_report_input *in, kb_report *r)
{
    kb_rsection *s = kb_sec_new(r, "hooks", _("Cases per policy hook"));
    kb_sec_col(s, "hook", _("policy hook"), false);
    size_t ccases = kb_sec_col(s, "cases", _("cases"), false);
    kb_count *v = NULL;
    size_t n = 0;
    long long none = 0;
    for (size_t i = 0; i < in->ncases; i++) {
        const kb_case *c = &in->cases[i];
        if (!kb_case_active(in, c))
            continue;
        if (!c->hooks.n)
            none++;
        /* a goal picked by code and its text typed out are one hook */
        kb_strv labels = {0};
        for (size_t h = 0; h < c->hooks.n; h++) {
            char *l = kb_hook_label(in->goals, in->ngoals, c->hooks.v[h]);
            bool dup = false; /* a case counts once per hook */
            for (size_t k = 0; k < labels.n; k++)
                dup |= kb_fold_eq(labels.v[k], l);
            if (dup) {
                kb_free(&l);
                continue;
            }
            kb_strv_push(&labels, l);
            size_t k = 0;
            while (k < n && !kb_fold_eq(v[k].key, l))
                k++;
            if (k == n) {
                v = kb_reallocarray(v, n + 1, sizeof *v);
                v[n++] = (kb_count){l, 0};
                l = NULL;
            }
            kb_free(&l);
            v[k].n++;
        }
        kb_strv_free(&labels);
    }
    kb_sort(v, n, sizeof *v, kb_count_cmp);
    for (size_t k = 0; k < n; k++) {
        kb_rcell *row = kb_sec_row(s);
        kb_set_text(&row[0], v[k].key);
        kb_set_int(&row[1], v[k].n);
        kb_free(&v[k].key);
    }
    kb_free(&v);
    s->note = kb_asprintf(_("Cases without a policy hook: %lld"), none);
    s->chart = KB_CHART_BARS;
    s->chart_label = 0;
    s->chart_value = ccases;
}

static void kb_sec_orgkinds(const kb_report_input *in, kb_report *r)
{
    kb_rsection *s = kb_sec_new(r, "orgkinds", _("Cases per organisation kind"));
    kb_sec_col(s, "kind", _("Kind code"), true);
    kb_sec_col(s, "name", _("organisation kind"), false);
    size_t ccases = kb_sec_col(s, "cases", _("cases"), false);
    enum { NKINDS = KB_ORG_OTHER + 1 };
    long long counts[NKINDS + 2] = {0}; /* kinds, unknown, none */
    for (size_t i = 0; i < in->ncases; i++) {
        const kb_case *c = &in->cases[i];
        if (!kb_case_active(in, c))
            continue;
        bool seen[NKINDS + 1] = {false};
        for (size_t o = 0; o < c->orgs.n; o++) {
            size_t kind = NKINDS; /* unknown: no record of that name */
            for (size_t k = 0; k < in->norgs; k++)
                if (kb_fold_eq(in->orgs[k].name, c->orgs.v[o])) {
                    kind = (size_t)in->orgs[k].kind;
                    break;
                }
            seen[kind] = true;
        }
        for (size_t k = 0; k <= NKINDS; k++)
            counts[k] += seen[k];
        counts[NKINDS + 1] += c->orgs.n == 0;
    }
    for (size_t k = 0; k < NKINDS + 2; k++) {
        kb_rcell *row = kb_sec_row(s);
        if (k < NKINDS) {
            kb_set_text(&row[0], kb_org_kind_name((enum kb_org_kind)k));
            kb_set_text(&row[1], kb_org_kind_label((enum kb_org_kind)k));
        } else if (k == NKINDS) {
            kb_set_text(&row[0], "unknown");
            kb_set_text(&row[1], _("unknown (no record)"));
        } else {
            kb_set_text(&row[0], "none");
            kb_set_text(&row[1], _("no organisation"));
        }
        kb_set_int(&row[2], counts[k]);
    }
    s->chart = KB_CHART_BARS;
    s->chart_label = 1;
    s->chart_value = ccases;
}

void kb_report_compute(const kb_report_input *in, const char *only, kb_report *out)
{
    static const struct {
        const char *name;
        void (*fn)(const kb_report_input *, kb_report *);
    } secs[] = {
        {"stages", kb_sec_stages},         {"ages", kb_sec_ages},   {"leadtime", kb_sec_leadtime},
        {"throughput", kb_sec_throughput}, {"cross", kb_sec_cross}, {"stuck", kb_sec_stuck},
        {"actions", kb_sec_actions},       {"hooks", kb_sec_hooks}, {"orgkinds", kb_sec_orgkinds}};
    memset(out, 0, sizeof *out);
    out->today = in->today;
    out->from = in->from;
    out->to = in->to;
    for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++)
        if (!only || strcmp(only, secs[i].name) == 0)
            secs[i].fn(in, out);
}

/* ------------------------------------------------------------ the shared screen */

void kb_report_drop_hidden(kb_report *r, bool (*hidden)(uint32_t number, void *ctx), void *ctx)
{
    for (size_t i = 0; i < r->n; i++) {
        kb_rsection *s = &r->v[i];
        if (strcmp(s->name, "stuck") != 0 || !s->ncols || s->headings)
            continue;
        size_t keep = 0;
        for (size_t row = 0; row < s->nrows; row++) {
            kb_rcell *cells = s->cells + row * s->ncols;
            if (cells[0].t == KB_RC_INT && hidden((uint32_t)cells[0].i, ctx)) {
                for (size_t c = 0; c < s->ncols; c++)
                    kb_free(&cells[c].s);
                continue;
            }
            if (keep != row)
                memmove(s->cells + keep * s->ncols, cells, s->ncols * sizeof *cells);
            keep++;
        }
        s->nrows = keep;
    }
}

kb_case kb_case_masked_view(const kb_case *c)
{
    kb_case m;
    kb_case_init(&m);
    m.key = c->key;
    m.number = c->number;
    m.title = c->title;
    m.conf = c->conf;
    m.version = c->version;
    return m;
}
