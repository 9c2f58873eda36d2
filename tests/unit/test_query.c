/* Unit tests for the query language (kernboard/query.h): parsing, canonical
 * printing and its round trip, errors with columns, matching, robustness. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernboard/buf.h"
#include "kernboard/err.h"
#include "kernboard/mem.h"
#include "kernboard/model.h"
#include "kernboard/query.h"
#include "kernboard/timeutil.h"

/* ------------------------------------------------------------ helpers */

static kb_query *parse_ok(const char *text)
{
    kb_query *q = NULL;
    kb_err e;
    kb_err_clear(&e);
    int rc = kb_query_parse(text, &q, &e);
    cr_assert_eq(rc, KB_OK, "parse '%s' failed: %s", text, e.msg);
    cr_assert_not_null(q);
    return q;
}

/* print(parse(text)) == canonical, and the canonical text is a fixed point
 * that parses to an equal query. */
static void check_canonical(const char *text, const char *canonical)
{
    kb_query *q = parse_ok(text);
    char *p1 = kb_query_print(q);
    cr_assert_str_eq(p1, canonical, "print(parse('%s'))", text);
    kb_query *q2 = parse_ok(p1);
    cr_assert(kb_query_equal(q, q2), "'%s' and '%s' parse differently", text, p1);
    char *p2 = kb_query_print(q2);
    cr_assert_str_eq(p2, p1, "print is not stable for '%s'", text);
    kb_free(&p1);
    kb_free(&p2);
    kb_query_free(&q);
    kb_query_free(&q2);
    cr_assert_null(q);
}

static void check_error(const char *text, size_t column, const char *fragment)
{
    kb_query *q = (kb_query *)&q; /* must be reset to NULL */
    kb_err e;
    kb_err_clear(&e);
    int rc = kb_query_parse(text, &q, &e);
    cr_assert_eq(rc, KB_EDATA, "'%s' parsed (rc %d)", text, rc);
    cr_assert_eq(e.code, KB_EDATA);
    cr_assert_null(q, "'%s': output not reset", text);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "query column %zu: ", column);
    cr_assert(strncmp(e.msg, prefix, strlen(prefix)) == 0, "'%s': expected '%s...', got '%s'", text,
              prefix, e.msg);
    cr_assert(strstr(e.msg, fragment), "'%s': expected '%s' in '%s'", text, fragment, e.msg);
}

/* ------------------------------------------------------------ valid queries */

typedef struct valid_case {
    const char *in;
    const char *out;
} valid_case;

static const valid_case valid[] = {
    {"", ""},
    {"   \t\n ", ""},
    {"dept:ECO", "dept:ECO"},
    {"DEPT:eco", "dept:eco"},
    {"lead:INC", "lead:INC"},
    {"stage:explore line:inkoop", "stage:explore line:inkoop"},
    {"stage:\"In progress\"", "stage:\"In progress\""},
    {"owner:anna   org:\"Bakkerij de Vries\"", "owner:anna org:\"Bakkerij de Vries\""},
    {"tag:x", "tag:x"},
    {"hook:\"Banen 2030\"", "hook:\"Banen 2030\""},
    {"title:café", "title:café"},
    {"updated>2026-11-01 moved<=-30d", "updated>2026-11-01 moved<=-30d"},
    {"age>30d AGE:4w age>=7", "age>30d age=28d age>=7d"},
    {"since:lastmeeting since:LastMeeting", "since:lastmeeting since:lastmeeting"},
    {"since:2026-11-01 -stuck STUCK", "since:2026-11-01 -stuck stuck"},
    {"Mine -mine", "mine -mine"},
    {"due<14d", "due<14d"},
    {"due<2w", "due<14d"},
    {"DUE<2W", "due<14d"},
    {"due<=+3d", "due<=3d"},
    {"due>-3d", "due>-3d"},
    {"due>=-1w", "due>=-7d"},
    {"due:today", "due=today"},
    {"due=TODAY", "due=today"},
    {"due=0d", "due=today"},
    {"due=-0w", "due=today"},
    {"due<2027-01-01", "due<2027-01-01"},
    {"due:2027-01-01", "due=2027-01-01"},
    {"due:\"2027-01-01\"", "due=2027-01-01"},
    {"review>=2026-12-31", "review>=2026-12-31"},
    {"review<100000d", "review<100000d"},
    {"review>-14285w", "review>-99995d"},
    {"overdue blocked agenda cross", "overdue blocked agenda cross"},
    {"-blocked", "-blocked"},
    {"BLOCKED -Agenda", "blocked -agenda"},
    {"text:\"arbeidsmarkt\"", "arbeidsmarkt"},
    {"text:arbeidsmarkt", "arbeidsmarkt"},
    {"\"arbeidsmarkt\"", "arbeidsmarkt"},
    {"text:blocked", "\"blocked\""},
    {"\"Overdue\"", "\"Overdue\""},
    {"hello world", "hello world"},
    {"\"hello world\"", "\"hello world\""},
    {"-\"hello world\"", "-\"hello world\""},
    {"text:-foo", "\"-foo\""},
    {"-foo", "-foo"},
    {"text:#1", "\"#1\""},
    {"text:a:b", "\"a:b\""},
    {"text:a<b", "\"a<b\""},
    {"org:a:b", "org:a:b"},
    {"org:\"=x\"", "org:\"=x\""},
    {"org:\":\"", "org:\":\""},
    {"text:\"=\"", "\"=\""},
    {"text:\"say \\\"hi\\\" \\\\ ok\"", "\"say \\\"hi\\\" \\\\ ok\""},
    {"text:a\\b", "\"a\\\\b\""},
    {"a\\b", "\"a\\\\b\""},
    {"text:\"a\tb\"", "\"a\tb\""},
    {"12", "12"},
    {"#12", "#12"},
    {"id:12", "#12"},
    {"id=#12", "#12"},
    {"id>=100", "id>=100"},
    {"id<4294967295", "id<4294967295"},
    {"-#3", "-#3"},
    {"prio:2", "prio=2"},
    {"priority>=2", "prio>=2"},
    {"PRIO<1", "prio<1"},
    {"conf:Confidential", "conf:confidential"},
    {"conf:public -conf:internal", "conf:public -conf:internal"},
    {"has:due -has:lead", "has:due -has:lead"},
    {"HAS:Description has:prio", "has:description has:prio"},
    {"été", "été"},
    {"\"Ω:x\"", "\"Ω:x\""},
    {"org:Ωmega", "org:Ωmega"},
    {"a-b c#d", "a-b c#d"},
    {"dept:INC stage:explore due<14d text:\"arbeidsmarkt\" -blocked",
     "dept:INC stage:explore due<14d arbeidsmarkt -blocked"},
    {"dept:ECO stage:explore line:inkopen owner:NAME org:NAME tag:x due<14d due<2027-01-01 "
     "overdue blocked agenda -blocked text:\"…\" word",
     "dept:ECO stage:explore line:inkopen owner:NAME org:NAME tag:x due<14d due<2027-01-01 "
     "overdue blocked agenda -blocked … word"},
};

Test(query_parse, canonical_print_table)
{
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++)
        check_canonical(valid[i].in, valid[i].out);
}

Test(query_parse, null_is_empty)
{
    kb_query *q = parse_ok(NULL);
    cr_assert_eq(kb_query_term_count(q), 0);
    char *s = kb_query_print(q);
    cr_assert_str_eq(s, "");
    kb_free(&s);
    kb_query_free(&q);
    kb_query_free(&q); /* NULL is fine */
}

Test(query_parse, term_count_and_limit)
{
    kb_buf b = KB_BUF_INIT;
    for (int i = 0; i < KB_QUERY_MAX_TERMS; i++)
        kb_buf_puts(&b, i ? " w" : "w");
    kb_query *q = parse_ok(b.data);
    cr_assert_eq(kb_query_term_count(q), KB_QUERY_MAX_TERMS);
    kb_query_free(&q);
    kb_buf_free(&b);
}

Test(query_parse, max_length_accepted)
{
    char *s = kb_malloc(KB_QUERY_MAX_LEN + 1);
    memset(s, 'a', KB_QUERY_MAX_LEN);
    s[KB_QUERY_MAX_LEN] = '\0';
    kb_query *q = parse_ok(s);
    kb_query_free(&q);
    kb_free(&s);
}

Test(query_parse, equality)
{
    kb_query *a = parse_ok("text:x dept:ECO");
    kb_query *b = parse_ok("x   DEPT:ECO");
    kb_query *c = parse_ok("dept:ECO x");
    kb_query *d = parse_ok("x dept:eco");
    kb_query *e = parse_ok("x -dept:ECO");
    kb_query *f = parse_ok("due<2w");
    kb_query *g = parse_ok("due<14d");
    kb_query *h = parse_ok("due<=14d");
    cr_assert(kb_query_equal(a, b));
    cr_assert_not(kb_query_equal(a, c), "order is kept");
    cr_assert_not(kb_query_equal(a, d), "values are kept as typed");
    cr_assert_not(kb_query_equal(a, e));
    cr_assert(kb_query_equal(f, g));
    cr_assert_not(kb_query_equal(g, h));
    cr_assert(kb_query_equal(NULL, NULL));
    kb_query *empty = parse_ok("");
    cr_assert(kb_query_equal(empty, NULL));
    cr_assert_not(kb_query_equal(a, NULL));
    kb_query_free(&a);
    kb_query_free(&b);
    kb_query_free(&c);
    kb_query_free(&d);
    kb_query_free(&e);
    kb_query_free(&f);
    kb_query_free(&g);
    kb_query_free(&h);
    kb_query_free(&empty);
}

/* ------------------------------------------------------------ errors */

typedef struct invalid_case {
    const char *in;
    size_t column;
    const char *fragment;
} invalid_case;

static const invalid_case invalid[] = {
    {"foo:bar", 1, "unknown field 'foo' (known: dept, lead, stage,"},
    {"dept:ECO foo:1", 10, "unknown field 'foo'"},
    {"été foo:1", 5, "unknown field 'foo'"},
    {"\"ü ü\" bar=1", 7, "unknown field 'bar'"},
    {"dept:", 6, "missing value for 'dept'"},
    {"dept: ECO", 6, "missing value for 'dept'"},
    {"text:\"\"", 6, "missing value for 'text'"},
    {"due<", 5, "missing value for 'due'"},
    {"\"\"", 1, "empty search text"},
    {"text:\"abc", 6, "unterminated quote"},
    {"x \"abc", 3, "unterminated quote"},
    {"text:\"ab\\", 6, "unterminated quote"},
    {"text:\"ab\\\"", 6, "unterminated quote"},
    {"text:\"a\\nb\"", 8, "unknown escape"},
    {"text:\"ab\"cd", 10, "expected a space after the closing quote"},
    {"\"ab\"\"cd\"", 5, "expected a space after the closing quote"},
    {"ab\"cd\"", 3, "unexpected '\"'"},
    {"org:ab\"cd", 7, "unexpected '\"'"},
    {"due<2027-13-01", 5, "invalid date '2027-13-01'"},
    {"due<2027-1-1", 5, "invalid date"},
    {"due<14x", 5, "invalid date"},
    {"age>old", 5, "invalid age 'old'"},
    {"age>-3d", 5, "invalid age"},
    {"since:yesterday", 7, "invalid date 'yesterday'"},
    {"since>2026-01-01", 6, "write since:VALUE"},
    {"stuck:yes", 6, "is a flag"},
    {"due<14", 5, "invalid date"},
    {"due<d", 5, "invalid date"},
    {"due<-d", 5, "invalid date"},
    {"due<+-3d", 5, "invalid date"},
    {"due<100001d", 5, "invalid date"},
    {"due<14286w", 5, "invalid date"},
    {"review=yesterday", 8, "invalid date"},
    {"due<<14d", 4, "bad comparison operator '<<'"},
    {"due=>3d", 4, "bad comparison operator '=>'"},
    {"due<>3d", 4, "bad comparison operator '<>'"},
    {"due==3d", 4, "bad comparison operator '=='"},
    {"due:=3d", 4, "bad comparison operator ':='"},
    {"dept<ECO", 5, "bad comparison operator '<' after 'dept'"},
    {"dept=ECO", 5, "bad comparison operator '='"},
    {"text>=x", 5, "bad comparison operator '>='"},
    {"conf<public", 5, "bad comparison operator"},
    {"-", 1, "'-' must be followed by a term"},
    {"dept:ECO - blocked", 10, "'-' must be followed by a term"},
    {"--blocked", 2, "negated only once"},
    {"prio:4", 6, "invalid priority '4'"},
    {"prio>high", 6, "invalid priority"},
    {"prio:-1", 6, "invalid priority"},
    {"#", 1, "case number after '#'"},
    {"#12a", 1, "case number after '#'"},
    {"-#x", 2, "case number after '#'"},
    {"#99999999999", 1, "case number"},
    {"id:x", 4, "invalid case number 'x'"},
    {"id:99999999999", 4, "invalid case number"},
    {"conf:secret", 6, "unknown confidentiality 'secret'"},
    {"has:foo", 5, "unknown has: value 'foo' (known: lead,"},
    {"blocked:yes", 8, "'blocked' is a flag"},
    {"-Overdue<3d", 9, "'overdue' is a flag"},
    {":foo", 1, "expected a field name before ':'"},
    {"x <3", 3, "expected a field name before '<'"},
    {"\"é\x01\"", 3, "control character"},
    {"a\x7f", 2, "control character"},
    {"ab\xff", 3, "not valid UTF-8"},
    {"é\xc3", 2, "not valid UTF-8"},
    {"\xed\xa0\x80", 1, "not valid UTF-8"},
};

Test(query_parse, errors_table)
{
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
        check_error(invalid[i].in, invalid[i].column, invalid[i].fragment);
}

Test(query_parse, error_value_is_clipped)
{
    char text[300];
    snprintf(text, sizeof text, "conf:%s", "ééééééééééééééééééééééééééééééééééééééééééééééé");
    kb_query *q = NULL;
    kb_err e;
    cr_assert_eq(kb_query_parse(text, &q, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "...'"), "%s", e.msg);
    cr_assert(kb_utf8_valid(e.msg, strlen(e.msg)), "message cut inside a character");
}

Test(query_parse, error_without_err)
{
    kb_query *q = NULL;
    cr_assert_eq(kb_query_parse("foo:1", &q, NULL), KB_EDATA);
    cr_assert_null(q);
}

Test(query_parse, too_long)
{
    char *s = kb_malloc(KB_QUERY_MAX_LEN + 2);
    memset(s, 'a', KB_QUERY_MAX_LEN + 1);
    s[KB_QUERY_MAX_LEN + 1] = '\0';
    check_error(s, KB_QUERY_MAX_LEN + 1, "longer than 4096 bytes");
    /* The column counts characters, not bytes. */
    kb_buf b = KB_BUF_INIT;
    for (int i = 0; i < 2049; i++)
        kb_buf_puts(&b, "é");
    check_error(b.data, 2049, "longer than 4096 bytes");
    kb_buf_free(&b);
    kb_free(&s);
}

Test(query_parse, too_many_terms)
{
    kb_buf b = KB_BUF_INIT;
    for (int i = 0; i <= KB_QUERY_MAX_TERMS; i++)
        kb_buf_puts(&b, i ? " w" : "w");
    check_error(b.data, 2 * KB_QUERY_MAX_TERMS + 1, "too many terms: at most 64");
    kb_buf_free(&b);
}

/* ------------------------------------------------------------ matching */

static kb_date D(int y, int m, int d)
{
    return kb_date_from_ymd(y, m, d);
}

static const char *test_resolve(void *user, enum kb_query_field f, const char *value)
{
    int *calls = user;
    (*calls)++;
    static const struct {
        enum kb_query_field f;
        const char *name, *code;
    } tab[] = {
        {KB_QF_STAGE, "Explore", "explore"}, {KB_QF_STAGE, "In progress", "progress"},
        {KB_QF_LINE, "Inkopen", "procure"},  {KB_QF_DEPT, "Economy", "ECO"},
        {KB_QF_DEPT, "Inclusion", "INC"},    {KB_QF_LINE, "Financing", "finance"},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (tab[i].f == f && (kb_str_ieq(tab[i].name, value) || kb_str_ieq(tab[i].code, value)))
            return tab[i].code;
    return NULL;
}

static int resolve_calls;
static kb_query_ctx ctx;

/* Stage norms: explore 14 days, progress 60, others none. */
static int test_norm(void *user, const char *stage)
{
    (void)user;
    return strcmp(stage, "explore") == 0 ? 14 : strcmp(stage, "progress") == 0 ? 60 : 0;
}

/* A moment: local time on a date at an hour. */
static kb_time T(int y, int m, int d, int h)
{
    return kb_time_of_date(D(y, m, d)) + h * 3600;
}
static kb_case c1, c2, c3;

/* today = 2026-11-23 */
static void setup(void)
{
    resolve_calls = 0;
    ctx.today = D(2026, 11, 23);
    ctx.resolve = test_resolve;
    ctx.user = &resolve_calls;
    ctx.norm = test_norm;
    ctx.last_meeting = T(2026, 11, 16, 9);

    kb_case_init(&c1);
    c1.number = 12;
    c1.title = kb_strdup("Arbeidsmarkt regio Noord");
    c1.description = kb_strdup("Werkgevers zoeken personeel; café Ökonomie");
    c1.stage = kb_strdup("explore");
    c1.lead_dept = kb_strdup("INC");
    kb_strv_push(&c1.depts, "ECO");
    kb_strv_push(&c1.depts, "SOC");
    c1.action_line = kb_strdup("procure");
    kb_strv_push(&c1.hooks, "Banen 2030");
    kb_strv_push(&c1.orgs, "Bakkerij de Vries");
    kb_strv_push(&c1.orgs, "Stichting Werk");
    c1.owner = kb_strdup("anna");
    c1.priority = 2;
    c1.due = D(2026, 12, 1); /* today + 8 */
    c1.review = D(2026, 11, 20);
    c1.on_agenda = true;
    c1.conf = KB_CONF_INTERNAL;
    c1.created = T(2026, 9, 1, 10);
    c1.moved = T(2026, 10, 3, 10); /* 51 days in explore: past its norm */
    c1.updated = T(2026, 11, 20, 15);
    kb_strv_push(&c1.tags, "urgent");
    kb_strv_push(&c1.tags, "Noord");

    kb_case_init(&c2);
    c2.number = 7;
    c2.title = kb_strdup("Zonnepanelen op bedrijventerrein");
    c2.stage = kb_strdup("progress");
    c2.lead_dept = kb_strdup("DUU");
    c2.owner = kb_strdup("Bram");
    c2.priority = 0;
    c2.due = D(2026, 11, 20); /* overdue */
    c2.blocked = kb_strdup("wacht op ontheffing");
    c2.conf = KB_CONF_CONFIDENTIAL;
    c2.created = T(2026, 11, 1, 8); /* written before "moved": created counts */
    c2.updated = T(2026, 11, 10, 8);

    /* A bare signal: nothing set. */
    kb_case_init(&c3);
    c3.number = 300;
    c3.title = kb_strdup("Signaal");
    c3.created = c3.moved = c3.updated = T(2026, 11, 23, 9);
}

static void teardown(void)
{
    kb_case_free(&c1);
    kb_case_free(&c2);
    kb_case_free(&c3);
}

/* Expect which of c1, c2, c3 match, as a string like "1-3". */
static void expect(const char *query, const char *which)
{
    kb_query *q = parse_ok(query);
    char got[4] = "---";
    const kb_case *cs[3] = {&c1, &c2, &c3};
    for (int i = 0; i < 3; i++)
        if (kb_query_match(q, cs[i], &ctx))
            got[i] = (char)('1' + i);
    cr_assert_str_eq(got, which, "query '%s'", query);
    kb_query_free(&q);
}

TestSuite(query_match, .init = setup, .fini = teardown);

Test(query_match, empty_matches_all)
{
    expect("", "123");
    cr_assert(kb_query_match(NULL, &c1, &ctx));
}

Test(query_match, dept_and_lead)
{
    expect("dept:INC", "1--");
    expect("dept:eco", "1--"); /* involved, case-insensitive */
    expect("dept:DUU", "-2-");
    expect("dept:Economy", "1--"); /* name through the resolver */
    expect("lead:INC", "1--");
    expect("lead:ECO", "---"); /* involved only */
    expect("lead:Inclusion", "1--");
    expect("-dept:ECO", "-23");
    expect("dept:XYZ", "---");
}

Test(query_match, stage_and_line)
{
    expect("stage:explore", "1--");
    expect("stage:EXPLORE", "1--");
    expect("stage:\"in progress\"", "-2-");
    expect("stage:progress", "-2-");
    expect("stage:connect", "---");
    expect("line:procure", "1--");
    expect("line:inkopen", "1--");
    expect("line:finance", "---");
    cr_assert_gt(resolve_calls, 0);
}

Test(query_match, without_resolver_codes_only)
{
    kb_query *q = parse_ok("stage:Explore");
    cr_assert(kb_query_match(q, &c1, NULL)); /* code, case-insensitive */
    kb_query_free(&q);
    q = parse_ok("stage:\"In progress\"");
    kb_query_ctx plain = {.today = ctx.today};
    cr_assert_not(kb_query_match(q, &c2, &plain));
    cr_assert(kb_query_match(q, &c2, &ctx));
    kb_query_free(&q);
}

Test(query_match, owner_org_tag_hook_title)
{
    expect("owner:ANNA", "1--");
    expect("owner:ann", "---"); /* equality, not substring */
    expect("owner:bram", "-2-");
    expect("org:vries", "1--");
    expect("org:STICHTING", "1--");
    expect("org:gemeente", "---");
    expect("-org:werk", "-23");
    expect("tag:URGENT", "1--");
    expect("tag:urg", "---");
    expect("hook:banen", "1--");
    expect("hook:2031", "---");
    expect("title:signaal", "--3");
    expect("title:werkgevers", "---"); /* description is not the title */
}

Test(query_match, text_search)
{
    expect("arbeidsmarkt", "1--");
    expect("text:ARBEIDSMARKT", "1--");
    expect("werkgevers", "1--");     /* description */
    expect("\"banen 2030\"", "1--"); /* hook */
    expect("bakkerij", "1--");       /* org */
    expect("noord", "1--");          /* title and tag */
    expect("ontheffing", "-2-");     /* blocked reason */
    expect("café", "1--");           /* UTF-8 */
    expect("CAFÉ", "1--");           /* case- and accent-insensitive */
    expect("cafe", "1--");
    expect("text:CAFE", "1--");
    expect("ökonomie", "1--"); /* Ö is ö is o */
    expect("Ökonomie", "1--");
    expect("okonomie", "1--");
    expect("title:noord", "1--");
    expect("title:cafe", "---"); /* café is in the description */
    expect("org:BAKKERIJ", "1--");
    expect("tag:noord", "1--");
}

Test(query_match, updated_moved_age_since_stuck)
{
    expect("updated>2026-11-15", "1-3");
    expect("updated<=2026-11-10", "-2-");
    expect("updated>-7d", "1-3"); /* after 2026-11-16 */
    expect("moved<2026-11-01", "1--");
    expect("moved=2026-11-01", "-2-"); /* created counts without moved */
    expect("moved:today", "--3");
    expect("age>30d", "1--");
    expect("age>=22", "12-"); /* c2: 22 days */
    expect("age<1w", "--3");
    expect("age=0", "--3");
    expect("since:lastmeeting", "1-3");
    kb_query *q = parse_ok("since:lastmeeting");
    cr_assert(kb_query_needs_last_meeting(q));
    kb_query_free(&q);
    q = parse_ok("since:2026-11-10 stuck");
    cr_assert_not(kb_query_needs_last_meeting(q), "a dated since: needs no meeting");
    kb_query_free(&q);
    expect("since:2026-11-10", "123");
    expect("-since:2026-11-11", "-2-");
    expect("stuck", "1--"); /* c2 22 < 60; c3 has no stage */
    expect("-stuck", "-23");
    expect("mine", "---"); /* nobody is me */
    kb_strv mine = {0};
    kb_strv_push(&mine, "duu");
    ctx.me = "anna";
    ctx.my_depts = &mine;
    expect("mine", "12-"); /* anna owns #12; #7 is led by DUU */
    expect("-mine", "--3");
    ctx.me = NULL;
    ctx.my_depts = NULL;
    kb_strv_free(&mine);
    kb_query_ctx saved = ctx;
    ctx.last_meeting = 0; /* no meeting yet: everything is new */
    expect("since:lastmeeting", "123");
    ctx.norm = NULL; /* no norms: nothing is stuck */
    expect("stuck", "---");
    ctx = saved;
    cr_assert_eq(kb_case_age_days(&c1, ctx.today), 51);
}

/* A comment, decision or action item (the timeline's newest entry,
 * kb_case.active) is a change for updated and since:, though the case
 * record keeps its own updated time; moved and age ignore it. */
Test(query_match, timeline_activity_counts_for_updated_and_since)
{
    c2.active = T(2026, 11, 17, 14); /* a comment after the last meeting */
    expect("since:lastmeeting", "123");
    expect("updated>2026-11-15", "123");
    expect("updated=2026-11-17", "-2-");
    expect("updated<=2026-11-10", "---");
    expect("since:2026-11-17", "123");
    expect("-since:2026-11-18", "-2-");
    expect("moved=2026-11-01", "-2-"); /* the stage clock is not activity */
    expect("age>=22", "12-");
    c1.active = T(2026, 11, 2, 10); /* older than its record: the record counts */
    expect("updated=2026-11-20", "1--");
    cr_assert_eq(kb_case_last_activity(&c1), c1.updated);
    cr_assert_eq(kb_case_last_activity(&c2), c2.active);
    kb_query *q = parse_ok("since:2026-11-10");
    cr_assert(kb_query_needs_activity(q));
    kb_query_free(&q);
    q = parse_ok("-updated>-7d");
    cr_assert(kb_query_needs_activity(q));
    kb_query_free(&q);
    q = parse_ok("moved>-7d age>3 dept:ECO stuck");
    cr_assert_not(kb_query_needs_activity(q), "an ordinary query needs no timeline scan");
    kb_query_free(&q);
    cr_assert_not(kb_query_needs_activity(NULL));
}

static bool mask_confidential(void *user, const kb_case *c)
{
    (void)user;
    return c->conf == KB_CONF_CONFIDENTIAL;
}

Test(query_match, masked_cases_show_number_and_title_only)
{
    /* #7 is confidential: its blocked reason, owner and due date do not
     * take part while it is masked; its title, number and stage do */
    expect("ontheffing", "-2-");
    ctx.masked = mask_confidential;
    expect("ontheffing", "---");
    expect("blocked", "---");
    expect("owner:bram", "---");
    expect("overdue", "---");
    expect("has:due", "1--");
    expect("zonnepanelen", "-2-");
    expect("#7", "-2-");
    expect("stage:progress", "-2-");
    expect("lead:DUU", "-2-");
    ctx.masked = NULL;
}

Test(query_match, conf)
{
    expect("conf:internal", "1-3"); /* kb_case_init's default is internal */
    expect("conf:confidential", "-2-");
    expect("conf:public", "---");
    expect("-conf:public", "123");
}

Test(query_match, prio_and_id)
{
    expect("prio=2", "1--");
    expect("prio>0", "1--");
    expect("prio<1", "-23");
    expect("prio>=0", "123");
    expect("prio<=2", "123");
    expect("#12", "1--");
    expect("id:7", "-2-");
    expect("id>10", "1-3");
    expect("id<=12", "12-");
    expect("-#12", "-23");
}

Test(query_match, flags)
{
    expect("overdue", "-2-");
    expect("-overdue", "1-3");
    expect("blocked", "-2-");
    expect("-blocked", "1-3");
    expect("agenda", "1--");
    expect("cross", "1--");
    expect("-cross", "-23");
}

Test(query_match, cross_counts_distinct_departments)
{
    kb_case c;
    kb_case_init(&c);
    c.lead_dept = kb_strdup("ECO");
    kb_strv_push(&c.depts, "eco");
    kb_query *q = parse_ok("cross");
    cr_assert_not(kb_query_match(q, &c, &ctx));
    kb_strv_push(&c.depts, "INC");
    cr_assert(kb_query_match(q, &c, &ctx));
    kb_case_free(&c);
    kb_case_init(&c);
    kb_strv_push(&c.depts, "INC");
    cr_assert_not(kb_query_match(q, &c, &ctx));
    kb_strv_push(&c.depts, "ECO");
    cr_assert(kb_query_match(q, &c, &ctx), "two involved, no lead");
    kb_case_free(&c);
    kb_query_free(&q);
}

Test(query_match, has)
{
    expect("has:lead", "12-");
    expect("-has:lead", "--3");
    expect("has:stage", "12-");
    expect("has:line", "1--");
    expect("has:owner", "12-");
    expect("has:org", "1--");
    expect("has:tag", "1--");
    expect("has:hook", "1--");
    expect("has:due", "12-");
    expect("has:review", "1--");
    expect("has:prio", "1--");
    expect("has:description", "1--");
}

Test(query_match, relative_dates)
{
    /* today 2026-11-23; c1 due 2026-12-01 (+8), c2 due 2026-11-20 (-3), c3 none */
    expect("due<14d", "12-");
    expect("due<8d", "-2-");
    expect("due<=8d", "12-");
    expect("due>8d", "---");
    expect("due>=8d", "1--");
    expect("due=8d", "1--");
    expect("due<1w", "-2-");
    expect("due<2w", "12-");
    expect("due<today", "-2-");
    expect("due>=today", "1--");
    expect("due=-3d", "-2-");
    expect("due<-3d", "---");
    expect("due>-4d", "12-");
    expect("-due<14d", "--3"); /* unset: the comparison is false, its negation true */
    expect("review<=-3d", "1--");
}

Test(query_match, absolute_dates)
{
    expect("due<2027-01-01", "12-");
    expect("due=2026-12-01", "1--");
    expect("due>2026-11-20", "1--");
    expect("due>=2026-11-20", "12-");
    expect("due<=2026-11-19", "---");
    expect("review>2000-01-01", "1--");
    expect("-review>2000-01-01", "-23");
}

Test(query_match, and_and_negation)
{
    expect("dept:INC stage:explore due<14d arbeidsmarkt -blocked", "1--");
    expect("dept:INC blocked", "---");
    expect("-dept:INC -blocked", "--3");
    expect("overdue blocked conf:confidential", "-2-");
    expect("signaal -has:lead -has:stage", "--3");
}

Test(query_match, null_ctx_uses_today)
{
    kb_case c;
    kb_case_init(&c);
    c.due = kb_date_today();
    kb_query *q = parse_ok("due=today -overdue");
    cr_assert(kb_query_match(q, &c, NULL));
    kb_query_free(&q);
    kb_case_free(&c);
}

/* ------------------------------------------------------------ robustness */

static uint64_t rng_state;

static uint32_t rnd(void)
{
    /* xorshift64*: deterministic across platforms */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

static size_t rnd_below(size_t n)
{
    return n ? rnd() % n : 0;
}

static const char *const pieces[] = {
    "dept",    "lead",    "stage",  "line",  "owner",      "org",    "tag",    "hook",
    "title",   "text",    "conf",   "prio",  "id",         "due",    "review", "has",
    "overdue", "blocked", "agenda", "cross", ":",          "<",      "<=",     ">",
    ">=",      "=",       "-",      "#",     "\"",         "\\",     " ",      "\t",
    "14d",     "-3d",     "2w",     "today", "2027-01-01", "12",     "ECO",    "x",
    "é",       "…",       "\xff",   "\x01",  "\xc3",       "public", "due",    "99999999999",
    "100000d", "0",       "3",      "\\\"",  "\"\"",       "a:b",
};

static int stable_ok, stable_err;

static void check_stable(const char *text)
{
    kb_query *q = NULL;
    kb_err e;
    if (kb_query_parse(text, &q, &e) != KB_OK) {
        stable_err++;
        cr_assert_null(q);
        cr_assert_eq(e.code, KB_EDATA);
        cr_assert(strncmp(e.msg, "query column ", 13) == 0, "'%s': %s", text, e.msg);
        return;
    }
    stable_ok++;
    char *p1 = kb_query_print(q);
    kb_query *q2 = NULL;
    int rc = kb_query_parse(p1, &q2, &e);
    cr_assert_eq(rc, KB_OK, "print of '%s' is '%s', which fails: %s", text, p1, e.msg);
    cr_assert(kb_query_equal(q, q2), "'%s' -> '%s' parses differently", text, p1);
    char *p2 = kb_query_print(q2);
    cr_assert_str_eq(p1, p2, "unstable print of '%s'", text);
    /* Matching must not crash either. */
    kb_query_match(q, &c1, &ctx);
    kb_query_match(q, &c3, &ctx);
    kb_free(&p1);
    kb_free(&p2);
    kb_query_free(&q);
    kb_query_free(&q2);
}

Test(query_fuzz, round_trip_every_valid_example, .init = setup, .fini = teardown)
{
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++)
        check_stable(valid[i].in);
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
        check_stable(invalid[i].in);
}

Test(query_fuzz, random_queries_never_crash, .init = setup, .fini = teardown)
{
    rng_state = 0x9E3779B97F4A7C15ull;
    size_t nvalid = sizeof valid / sizeof valid[0];
    size_t npieces = sizeof pieces / sizeof pieces[0];
    kb_buf b = KB_BUF_INIT;
    for (int iter = 0; iter < 50000; iter++) {
        kb_buf_clear(&b);
        switch (rnd_below(3)) {
        case 0: /* a valid example, mutated */
            kb_buf_puts(&b, valid[rnd_below(nvalid)].in);
            for (size_t m = rnd_below(4); m > 0; m--) {
                size_t at = rnd_below(b.len + 1);
                switch (rnd_below(4)) {
                case 0: /* truncate */
                    kb_buf_truncate(&b, at);
                    break;
                case 1: { /* insert a piece */
                    const char *pc = pieces[rnd_below(npieces)];
                    kb_buf tail = KB_BUF_INIT;
                    kb_buf_puts(&tail, b.data + at);
                    kb_buf_truncate(&b, at);
                    kb_buf_puts(&b, pc);
                    kb_buf_puts(&b, tail.data);
                    kb_buf_free(&tail);
                    break;
                }
                case 2: /* flip a byte to anything but NUL */
                    if (at < b.len)
                        b.data[at] = (char)(1 + rnd_below(255));
                    break;
                default: /* delete a byte (the move includes the NUL) */
                    if (at < b.len) {
                        memmove(b.data + at, b.data + at + 1, b.len - at);
                        b.len--;
                    }
                    break;
                }
            }
            break;
        case 1: /* pieces glued together */
            for (size_t k = 1 + rnd_below(12); k > 0; k--)
                kb_buf_puts(&b, pieces[rnd_below(npieces)]);
            break;
        default: /* random printable and UTF-8 bytes */
            for (size_t k = rnd_below(40); k > 0; k--) {
                static const char alpha[] = "ab:<>=-#\" \\dw0129é";
                kb_buf_putc(&b, alpha[rnd_below(sizeof alpha - 1)]);
            }
            break;
        }
        if (!b.data)
            kb_buf_puts(&b, "");
        check_stable(b.data);
    }
    kb_buf_free(&b);
    /* Both outcomes must be exercised in earnest. */
    cr_log_info("random queries: %d parsed, %d rejected", stable_ok, stable_err);
    cr_assert_gt(stable_ok, 10000);
    cr_assert_gt(stable_err, 10000);
}

/* The shared resolver: names, accents and owner prefixes, no board needed. */
Test(query_match, resolve_refs_names_and_owner_prefix)
{
    kb_dept depts[] = {{.code = "ECO", .name = "Economy"},
                       {.code = "DUU", .name = "Duurzaamheid"},
                       {.code = "SOC", .name = "Sociaal domein"}};
    kb_stage stages[] = {{.code = "explore", .name = "Verkennen"},
                         {.code = "progress", .name = "In uitvoering"}};
    kb_line lines[] = {{.code = "procure", .name = "Impact inkoop"}};
    kb_user users[] = {{.name = "anna"}, {.name = "bram"}, {.name = "brenda"}};
    kb_query_refs refs = {stages, 2, depts, 3, lines, 1, users, 3};
    kb_query_ctx rc = {.today = ctx.today, .resolve = kb_query_resolve_refs, .user = &refs};
    static const char *const pairs[][2] = {
        {"dept:Economy", "dept:ECO"},
        {"dept:economy", "dept:eco"},
        {"lead:duurzaamheid", "lead:DUU"},
        {"stage:verkennen", "stage:explore"},
        {"stage:\"in uitvoering\"", "stage:progress"},
        {"line:\"impact inkoop\"", "line:procure"},
        {"owner:an", "owner:anna"},
        {"owner:br", "owner:nobody"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        kb_query *a = parse_ok(pairs[i][0]), *b = parse_ok(pairs[i][1]);
        const kb_case *cs[3] = {&c1, &c2, &c3};
        for (int k = 0; k < 3; k++)
            cr_assert_eq(kb_query_match(a, cs[k], &rc), kb_query_match(b, cs[k], &rc),
                         "'%s' vs '%s' on case %d", pairs[i][0], pairs[i][1], k + 1);
        kb_query_free(&a);
        kb_query_free(&b);
    }
    cr_assert_str_eq(kb_query_resolve_refs(&refs, KB_QF_DEPT, "économy"), "ECO");
    cr_assert_null(kb_query_resolve_refs(&refs, KB_QF_OWNER, "br"), "ambiguous prefix");
    cr_assert_null(kb_query_resolve_refs(&refs, KB_QF_TAG, "x"));
    cr_assert_null(kb_query_resolve_refs(NULL, KB_QF_DEPT, "ECO"));
}
