/*
 * report.h - the numbers of `kernboard report` and the report screen
 * (SPEC.md section 3 "Reports"), computed in the model from plain arrays
 * (cases, their timeline entries, action items, organisations, reference
 * data), so they are testable without a board; and the terminal charts.
 *
 * A report is a list of sections; each section is one table (named
 * columns, rows of cells) plus an optional chart of two of its columns.
 * Every output format (text, JSON, CSV, Markdown, the TUI screen) is made
 * from the same tables, so they show the same numbers.  The definitions
 * are documented in docs/reports.md.
 */
#ifndef KERNBOARD_REPORT_H
#define KERNBOARD_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "kernboard/model.h"
#include "kernboard/timeutil.h"

/* ---- Statistics (values sorted ascending, n > 0). */
/* The median: the middle value, or the mean of the two middle values. */
double kb_stat_median(const int *sorted, size_t n);
/* The p-th percentile (0 < p <= 100) by the nearest-rank method: the value
 * at 1-based rank ceil(p / 100 * n) of the sorted values. */
int kb_stat_percentile(const int *sorted, size_t n, int p);

/* ---- Report tables. */
enum kb_rcell_type { KB_RC_NULL, KB_RC_INT, KB_RC_NUM, KB_RC_TEXT, KB_RC_BOOL };
typedef struct kb_rcell {
    enum kb_rcell_type t;
    long long i; /* KB_RC_INT, KB_RC_BOOL */
    double d;    /* KB_RC_NUM (only when not a whole number) */
    char *s;     /* KB_RC_TEXT, owned */
} kb_rcell;
typedef struct kb_rcol {
    char *key;      /* JSON/CSV key (owned): "stage", "cases", "ECO", ... */
    char *label;    /* heading for text and Markdown (owned, translated) */
    bool data_only; /* only in JSON and CSV (codes next to their names) */
} kb_rcol;
enum kb_chart_kind { KB_CHART_NONE, KB_CHART_BARS, KB_CHART_COLUMNS };
typedef struct kb_rsection {
    const char *name; /* "stages", "ages", ... (static) */
    char *title;      /* translated (owned) */
    kb_rcol *cols;
    size_t ncols;
    kb_rcell *cells; /* nrows * ncols, row by row */
    size_t nrows;
    enum kb_chart_kind chart;
    size_t chart_label, chart_value; /* columns the chart shows */
    char *note;                      /* a line under the table (owned), or NULL */
    /* NULL, or per row a heading (owned, translated) shown above that row
     * in the text output (the TUI too), the rows under it indented: the
     * groups of lead time ("by lead department:").  JSON, CSV and
     * Markdown have the data_only column that says the group instead. */
    char **headings;
} kb_rsection;
typedef struct kb_report {
    kb_rsection *v;
    size_t n;
    kb_date today, from, to; /* from/to: KB_DATE_NONE when open */
} kb_report;
void kb_report_free(kb_report *r);
const kb_rsection *kb_report_section(const kb_report *r, const char *name);
const kb_rcell *kb_rsection_cell(const kb_rsection *s, size_t row, size_t col);
/* A cell as text ("" for null, "yes"/"no" for booleans, whole numbers
 * without decimals, others with one); new string. */
char *kb_rcell_text(const kb_rcell *c);
/* A cell as shown to a reader (the text report, Markdown, the TUI): as
 * kb_rcell_text, with booleans in the user's language; new string. */
char *kb_rcell_show(const kb_rcell *c);

/* The section names, in report order ("stages", "ages", "leadtime",
 * "throughput", "cross", "stuck", "actions", "hooks", "orgkinds"). */
extern const char *const kb_report_names[];
extern const size_t kb_report_name_count;
bool kb_report_name_ok(const char *name);

/* What a report is computed from (all borrowed).  cases: the cases to
 * report on (already limited by a query).  entries: timeline entries of
 * those cases (moves: move_to set; others are ignored).  stages sorted by
 * position.  from/to limit the period (KB_DATE_NONE: open). */
typedef struct kb_report_input {
    const kb_case *cases;
    size_t ncases;
    const kb_comment *entries;
    size_t nentries;
    const kb_action_item *actions;
    size_t nactions;
    const kb_stage *stages;
    size_t nstages;
    const kb_dept *depts;
    size_t ndepts;
    const kb_line *lines;
    size_t nlines;
    const kb_org *orgs;
    size_t norgs;
    /* the department goals (may be NULL): a hook naming a goal by code
     * and the goal's text typed as free text count as one hook, shown as
     * "CODE: text" (kb_goal_of_hook) */
    const kb_goal *goals;
    size_t ngoals;
    kb_date today, from, to;
} kb_report_input;
/* Compute the sections named in only (NULL: all) into out. */
void kb_report_compute(const kb_report_input *in, const char *only, kb_report *out);

/* The shared screen (SPEC §3: presenting or a meeting): a hidden case is
 * a confidential one that shows its number and title only there.  A
 * kb_report_hidden_fn says whether c is one. */
typedef bool (*kb_report_hidden_fn)(const kb_case *c, void *ctx);
/* Leave the rows of hidden cases (hidden(number, ctx) true) out of the
 * sections that list cases one per row (stuck cases: stage, lead, days,
 * blocked reason); the counts of the other sections are not changed. */
void kb_report_drop_hidden(kb_report *r, bool (*hidden)(uint32_t number, void *ctx), void *ctx);
/* A copy of c that holds its key, number, title, confidentiality and
 * version only, for matching a hidden case on those (shallow: its strings
 * are c's; not to be freed). */
kb_case kb_case_masked_view(const kb_case *c);

/* ---- Terminal charts (shared by the CLI text output and the TUI).
 * Lines are appended to out.  unicode: block characters (U+2581..U+2588,
 * eighths); otherwise ASCII ('#' and '|').  width: columns available. */
typedef struct kb_chart_item {
    const char *label;
    double value;
} kb_chart_item;
/* Horizontal bars: "label  ████▌ 12". */
void kb_chart_bars(const kb_chart_item *items, size_t n, int width, bool unicode, kb_strv *out);
/* Vertical columns, height rows high, labels underneath. */
void kb_chart_columns(const kb_chart_item *items, size_t n, int width, int height, bool unicode,
                      kb_strv *out);
/* May charts use block characters?  locale_utf8: the locale's character
 * set is UTF-8; term: $TERM (vt100/vt220/dumb get ASCII). */
bool kb_chart_unicode_ok(bool locale_utf8, const char *term);
/* Display columns of a UTF-8 string (one per code point; the model has
 * no wcwidth). */
int kb_report_text_width(const char *s);
/* A section as text lines for a terminal width: the title, the table
 * (columns aligned) and its chart; appended to out.  When the table is
 * wider than width, the widest text columns give way in turn (down to 6
 * columns, or their heading's longest word) and their cells wrap at
 * blanks over more lines, so no value is cut; numbers never wrap. */
void kb_report_section_lines(const kb_rsection *s, int width, bool unicode, kb_strv *out);

/* ---- Core: a report over the board.  q (may be NULL: every case)
 * limits the cases; only (NULL: all) names one section. */
typedef struct kb_board kb_board;
typedef struct kb_query kb_query;
int kb_board_report(kb_board *b, const kb_query *q, const char *only, kb_date from, kb_date to,
                    kb_report *out, kb_err *e) KB_WARN_UNUSED;
/* The same for the shared screen: q matches a case for which hidden(c,
 * ctx) is true on its number and title only (kb_case_masked_view), so no
 * count tells what else it holds.  hidden NULL: as kb_board_report. */
int kb_board_report_shared(kb_board *b, const kb_query *q, const char *only, kb_date from,
                           kb_date to, kb_report_hidden_fn hidden, void *ctx, kb_report *out,
                           kb_err *e) KB_WARN_UNUSED;

#endif
