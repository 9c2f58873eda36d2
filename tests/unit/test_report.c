/* Unit tests for the report model (kernboard/report.h): median and
 * nearest-rank percentiles, the sections over plain arrays, the terminal
 * charts (Unicode and ASCII) and saved views (kernboard/views.h). */
#include <criterion/criterion.h>
#include <string.h>

#include "kernboard/buf.h"
#include "kernboard/err.h"
#include "kernboard/mem.h"
#include "kernboard/model.h"
#include "kernboard/report.h"
#include "kernboard/views.h"

/* ------------------------------------------------------------ statistics */

Test(report, median_and_percentile_table)
{
    static const struct {
        int v[10];
        size_t n;
        double median;
        int p80, p50, p100;
    } t[] = {
        {{7}, 1, 7, 7, 7, 7},
        {{1, 2}, 2, 1.5, 2, 1, 2},
        {{1, 2, 3}, 3, 2, 3, 2, 3},
        {{1, 2, 3, 4}, 4, 2.5, 4, 2, 4},
        {{1, 2, 3, 4, 5}, 5, 3, 4, 3, 5},
        /* 10 values: rank ceil(0.8 * 10) = 8 */
        {{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}, 10, 55, 80, 50, 100},
        {{0, 0, 0, 5, 9, 9}, 6, 2.5, 9, 0, 9},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        cr_assert_float_eq(kb_stat_median(t[i].v, t[i].n), t[i].median, 1e-9, "row %zu", i);
        cr_assert_eq(kb_stat_percentile(t[i].v, t[i].n, 80), t[i].p80, "p80 row %zu", i);
        cr_assert_eq(kb_stat_percentile(t[i].v, t[i].n, 50), t[i].p50, "p50 row %zu", i);
        cr_assert_eq(kb_stat_percentile(t[i].v, t[i].n, 100), t[i].p100, "p100 row %zu", i);
    }
}

/* ------------------------------------------------------------ sections */

static kb_time day(kb_date d)
{
    return kb_time_of_date(d) + 12 * 3600;
}

Test(report, sections_from_plain_arrays)
{
    kb_date today = kb_date_from_ymd(2026, 6, 30);
    kb_stage st[3] = {{.code = "a", .name = "A", .position = 1, .norm_days = 10},
                      {.code = "b", .name = "B", .position = 2},
                      {.code = "z", .name = "Z", .position = 3}};
    kb_dept dp[2] = {{.code = "ECO", .name = "Economy"}, {.code = "INC", .name = "Inclusion"}};
    kb_case c[4];
    for (int i = 0; i < 4; i++)
        kb_case_init(&c[i]);
    /* #1 in a for 20 days (past the norm), #2 in a for 5 days, blocked,
     * #3 and #4 done: lead times 10 and 31 days */
    c[0] = (kb_case){.number = 1,
                     .stage = "a",
                     .lead_dept = "ECO",
                     .title = "one",
                     .created = day(today - 20),
                     .moved = day(today - 20)};
    c[1] = (kb_case){.number = 2,
                     .stage = "a",
                     .lead_dept = "INC",
                     .title = "two",
                     .blocked = "waiting",
                     .created = day(today - 5),
                     .moved = day(today - 5)};
    c[2] = (kb_case){.number = 3,
                     .stage = "z",
                     .lead_dept = "ECO",
                     .title = "three",
                     .created = day(kb_date_from_ymd(2026, 5, 1)),
                     .moved = day(kb_date_from_ymd(2026, 5, 11))};
    c[3] = (kb_case){.number = 4,
                     .stage = "z",
                     .title = "four",
                     .created = day(kb_date_from_ymd(2026, 4, 1)),
                     .moved = day(kb_date_from_ymd(2026, 6, 20))};
    kb_strv_push(&c[0].depts, "INC");
    /* #4's move into z is in the timeline at 2026-05-02: that counts, not
     * its moved field */
    kb_comment mv = {.case_number = 4,
                     .kind = KB_ENTRY_CHANGE,
                     .move_from = "b",
                     .move_to = "z",
                     .time = day(kb_date_from_ymd(2026, 5, 2))};
    kb_report_input in = {.cases = c,
                          .ncases = 4,
                          .entries = &mv,
                          .nentries = 1,
                          .stages = st,
                          .nstages = 3,
                          .depts = dp,
                          .ndepts = 2,
                          .today = today,
                          .from = KB_DATE_NONE,
                          .to = KB_DATE_NONE};
    kb_report r;
    kb_report_compute(&in, NULL, &r);
    cr_assert_eq(r.n, kb_report_name_count);

    const kb_rsection *s = kb_report_section(&r, "stages");
    cr_assert_eq(s->nrows, 3);
    /* columns: stage, name, ECO, INC, none, total */
    cr_assert_eq(kb_rsection_cell(s, 0, 2)->i, 1);
    cr_assert_eq(kb_rsection_cell(s, 0, 3)->i, 1);
    cr_assert_eq(kb_rsection_cell(s, 2, 4)->i, 1);
    cr_assert_eq(kb_rsection_cell(s, 2, 5)->i, 2);

    s = kb_report_section(&r, "leadtime");
    /* all: 10 and 31 days -> median 20.5, p80 31 */
    cr_assert_str_eq(kb_rsection_cell(s, 0, 0)->s, "all");
    cr_assert_eq(kb_rsection_cell(s, 0, 3)->i, 2);
    cr_assert_eq(kb_rsection_cell(s, 0, 4)->t, KB_RC_NUM);
    cr_assert_float_eq(kb_rsection_cell(s, 0, 4)->d, 20.5, 1e-9);
    cr_assert_eq(kb_rsection_cell(s, 0, 5)->i, 31);

    s = kb_report_section(&r, "throughput");
    cr_assert_eq(s->nrows, 1);
    cr_assert_str_eq(kb_rsection_cell(s, 0, 0)->s, "2026-05");
    cr_assert_eq(kb_rsection_cell(s, 0, 1)->i, 2);

    s = kb_report_section(&r, "cross");
    cr_assert_eq(kb_rsection_cell(s, 0, 1)->i, 1);
    cr_assert_eq(kb_rsection_cell(s, 0, 2)->i, 25);

    s = kb_report_section(&r, "stuck");
    cr_assert_eq(s->nrows, 2);
    cr_assert_eq(kb_rsection_cell(s, 0, 0)->i, 1);  /* longest first */
    cr_assert_eq(kb_rsection_cell(s, 0, 4)->i, 20); /* days */
    cr_assert_eq(kb_rsection_cell(s, 1, 0)->i, 2);
    cr_assert_str_eq(kb_rsection_cell(s, 1, 7)->s, "waiting");
    kb_report_free(&r);

    /* a period: only #3 and #4 finished in May */
    in.from = kb_date_from_ymd(2026, 6, 1);
    kb_report_compute(&in, "leadtime", &r);
    cr_assert_eq(r.n, 1);
    cr_assert_eq(kb_rsection_cell(&r.v[0], 0, 3)->i, 0);
    kb_report_free(&r);
    kb_strv_free(&c[0].depts);
}

/* ------------------------------------------------------------ charts */

static char *joined(const kb_strv *v)
{
    return kb_strv_join(v, "\n");
}

/* ------------------------------------------------------------ text layout */

static char *kb_join_lines(const kb_strv *v)
{
    kb_buf b = KB_BUF_INIT;
    for (size_t i = 0; i < v->n; i++)
        kb_buf_printf(&b, "%s\n", v->v[i]);
    return kb_buf_take(&b);
}

/* Every word of text appears in the lines (wrapped values lose nothing). */
static void kb_has_words(const char *all, const char *text)
{
    char *copy = kb_strdup(text), *save = NULL;
    for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
        cr_assert(strstr(all, w), "'%s' missing:\n%s", w, all);
    kb_free(&copy);
}

/* Audit: `report stuck` at 80 columns cut the titles to five characters
 * ("Tijde…") while the blocked reason kept 35.  The text columns now give
 * way in turn and wrap: no value is cut, no line is wider than 80; lead
 * time's department and action line rows are under their own headings. */
Test(report, text_tables_wrap_instead_of_cutting)
{
    kb_date today = kb_date_from_ymd(2026, 12, 2);
    kb_stage st[2] = {{.code = "connect", .name = "Verbinden", .position = 1, .norm_days = 1},
                      {.code = "done", .name = "Geborgd", .position = 2}};
    kb_dept dp[1] = {{.code = "VAS", .name = "Vastgoed"}};
    kb_line ln[1] = {{.code = "finance", .name = "Financiering"}};
    static const char *const titles[] = {
        "Tijdelijk gebruik leegstaande textielfabriek De Volharding",
        "Kringloopbedrijf vraagt garantstelling voor tweede vestiging",
    };
    static const char *const why[] = {"wacht op ontheffing bestemmingsplan",
                                      "wacht op besluit college over garantstelling"};
    kb_case c[3];
    for (int i = 0; i < 2; i++)
        c[i] = (kb_case){.number = (uint32_t)(5 + i),
                         .stage = "connect",
                         .lead_dept = "VAS",
                         .title = (char *)titles[i],
                         .blocked = (char *)why[i],
                         .created = day(today - 9),
                         .moved = day(today - 9)};
    c[2] = (kb_case){.number = 9,
                     .stage = "done",
                     .lead_dept = "VAS",
                     .action_line = "finance",
                     .title = "Klaar",
                     .created = day(today - 9),
                     .moved = day(today - 2)};
    kb_report_input in = {.cases = c,
                          .ncases = 3,
                          .stages = st,
                          .nstages = 2,
                          .depts = dp,
                          .ndepts = 1,
                          .lines = ln,
                          .nlines = 1,
                          .today = today,
                          .from = KB_DATE_NONE,
                          .to = KB_DATE_NONE};
    kb_report r;
    kb_report_compute(&in, NULL, &r);
    /* (at 40 columns the headings' words are the least a column takes, so
     * a line may be wider there; nothing is cut either way) */
    for (int w = 40; w <= 80; w += 40) {
        kb_strv lines = {0};
        kb_report_section_lines(kb_report_section(&r, "stuck"), w, true, &lines);
        char *all = kb_join_lines(&lines);
        for (size_t i = 0; i < lines.n && w == 80; i++)
            cr_assert_leq(kb_report_text_width(lines.v[i]), w, "%d columns:\n%s", w, all);
        cr_assert(!strstr(all, "\xe2\x80\xa6"), "nothing cut at %d columns:\n%s", w, all);
        if (w == 80)
            for (int i = 0; i < 2; i++) {
                kb_has_words(all, titles[i]);
                kb_has_words(all, why[i]);
            }
        kb_free(&all);
        kb_strv_free(&lines);
    }
    /* wide enough: one line per case, as before */
    kb_strv lines = {0};
    kb_report_section_lines(kb_report_section(&r, "stuck"), 200, true, &lines);
    cr_assert_eq(lines.n, 4, "title, heading, two cases");
    kb_strv_free(&lines);

    kb_report_section_lines(kb_report_section(&r, "leadtime"), 80, true, &lines);
    char *all = kb_join_lines(&lines);
    const char *dept = strstr(all, "by lead department:\n  Vastgoed "),
               *line = strstr(all, "by action line:\n  Financiering ");
    cr_assert(dept && line && dept < line, "%s", all);
    kb_free(&all);
    kb_strv_free(&lines);
    kb_report_free(&r);
}

Test(report, bars_unicode_and_ascii)
{
    kb_chart_item it[] = {{"a", 8}, {"bb", 4}, {"c", 1}, {"d", 0}};
    kb_strv out = {0};
    kb_chart_bars(it, 4, 20, true, &out);
    char *s = joined(&out);
    /* area = 20 - 2 (label) - 2 - 1 - 1 (value) = 14 columns for 8 */
    cr_assert_str_eq(s, "a   ██████████████ 8\n"
                        "bb  ███████ 4\n"
                        "c   █▊ 1\n"
                        "d    0");
    kb_free(&s);
    kb_strv_free(&out);
    kb_chart_bars(it, 4, 20, false, &out);
    s = joined(&out);
    cr_assert_str_eq(s, "a   ############## 8\n"
                        "bb  ####### 4\n"
                        "c   ## 1\n"
                        "d    0");
    kb_free(&s);
    kb_strv_free(&out);
}

Test(report, columns_unicode_and_ascii)
{
    kb_chart_item it[] = {{"2026-01", 2}, {"2026-02", 1}, {"2026-03", 0}};
    kb_strv out = {0};
    kb_chart_columns(it, 3, 12, 2, true, &out);
    char *s = joined(&out);
    cr_assert_str_eq(s, "  2   1   0\n"
                        " ██\n"
                        " ██  ██  __\n"
                        " 01  02  03\n"
                        "2026-01 .. 2026-03");
    kb_free(&s);
    kb_strv_free(&out);
    kb_chart_columns(it, 3, 12, 2, false, &out);
    s = joined(&out);
    cr_assert_str_eq(s, "  2   1   0\n"
                        " ##\n"
                        " ##  ##  __\n"
                        " 01  02  03\n"
                        "2026-01 .. 2026-03");
    kb_free(&s);
    kb_strv_free(&out);
}

Test(report, unicode_choice)
{
    cr_assert(kb_chart_unicode_ok(true, "xterm-256color"));
    cr_assert_not(kb_chart_unicode_ok(false, "xterm-256color"));
    cr_assert_not(kb_chart_unicode_ok(true, "vt100"));
    cr_assert_not(kb_chart_unicode_ok(true, "vt220"));
}

/* ------------------------------------------------------------ views */

Test(report, views_text_form_and_expansion)
{
    kb_view_vec v = {0};
    kb_views_parse("eco\tlead:ECO stuck\tage\t\nbad name\tx\n\nold\tblocked\n", true, &v);
    cr_assert_eq(v.n, 2);
    cr_assert_str_eq(v.v[0].name, "eco");
    cr_assert_str_eq(v.v[0].sort, "age");
    cr_assert_null(v.v[0].lanes);
    cr_assert(v.v[1].shared);
    char *t = kb_views_format(&v);
    cr_assert_str_eq(t, "eco\tlead:ECO stuck\tage\t\nold\tblocked\t\t\n");
    kb_free(&t);
    char *q = NULL;
    const char *sort = NULL;
    kb_err e;
    cr_assert_eq(kb_views_expand(&v, "@eco -blocked", &q, &sort, &e), KB_OK);
    cr_assert_str_eq(q, "lead:ECO stuck -blocked");
    cr_assert_str_eq(sort, "age");
    kb_free(&q);
    cr_assert_eq(kb_views_expand(&v, "user@host", &q, NULL, &e), KB_OK); /* not a word start */
    cr_assert_str_eq(q, "user@host");
    kb_free(&q);
    cr_assert_eq(kb_views_expand(&v, "@nope", &q, NULL, &e), KB_ENOENT);
    /* a lone '@' is a query error at its column, not an unknown view '' */
    cr_assert_eq(kb_views_expand(&v, "@", &q, NULL, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "query column 1: ") == e.msg, "%s", e.msg);
    cr_assert_eq(kb_views_expand(&v, "é @ blocked", &q, NULL, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "query column 3: ") == e.msg, "%s", e.msg);
    cr_assert_null(q);
    cr_assert(kb_views_remove(&v, "eco"));
    cr_assert_not(kb_views_remove(&v, "eco"));
    cr_assert_eq(kb_view_name_check("a b", &e), KB_EDATA);
    cr_assert(kb_view_sort_ok("priority"));
    cr_assert_not(kb_view_sort_ok("colour"));
    kb_view_vec_free(&v);
}
