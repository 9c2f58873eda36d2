/* Table-driven validation tests for the domain model. */
#include <criterion/criterion.h>
#include <string.h>

#include "kernboard/mem.h"
#include "kernboard/model.h"

typedef struct case_row {
    const char *name;
    void (*mutate)(kb_case *c);
    int want;
    const char *msg; /* fragment of the error message */
} case_row;

static void m_none(kb_case *c)
{
    (void)c;
}
static void m_no_title(kb_case *c)
{
    kb_free(&c->title);
}
static void m_empty_title(kb_case *c)
{
    c->title[0] = '\0';
}
static void m_long_title(kb_case *c)
{
    kb_free(&c->title);
    c->title = kb_malloc(KB_TITLE_MAX + 2);
    memset(c->title, 'x', KB_TITLE_MAX + 1);
    c->title[KB_TITLE_MAX + 1] = '\0';
}
static void m_bad_utf8(kb_case *c)
{
    kb_free(&c->title);
    c->title = kb_strdup("caf\xc3");
}
static void m_control(kb_case *c)
{
    kb_free(&c->title);
    c->title = kb_strdup("a\x1b[2Jb");
}
static void m_newline_title(kb_case *c)
{
    kb_free(&c->title);
    c->title = kb_strdup("two\nlines");
}
static void m_newline_desc(kb_case *c)
{
    c->description = kb_strdup("two\nlines\tok");
}
static void m_no_stage(kb_case *c)
{
    kb_free(&c->stage);
}
static void m_bad_dept(kb_case *c)
{
    c->lead_dept = kb_strdup("E C O");
}
static void m_lead_twice(kb_case *c)
{
    c->lead_dept = kb_strdup("ECO");
    kb_strv_push(&c->depts, "eco");
}
static void m_dept_twice(kb_case *c)
{
    kb_strv_push(&c->depts, "INC");
    kb_strv_push(&c->depts, "INC");
}
static void m_prio_high(kb_case *c)
{
    c->priority = 4;
}
static void m_prio_neg(kb_case *c)
{
    c->priority = -1;
}
static void m_empty_blocked(kb_case *c)
{
    c->blocked = kb_strdup("");
}
static void m_bad_owner(kb_case *c)
{
    c->owner = kb_strdup("jan de vries");
}
static void m_empty_tag(kb_case *c)
{
    kb_strv_push(&c->tags, "");
}
static void m_good_full(kb_case *c)
{
    c->lead_dept = kb_strdup("ECO");
    kb_strv_push(&c->depts, "INC");
    c->owner = kb_strdup("jan.de-vries");
    c->priority = 3;
    c->blocked = kb_strdup("wacht op ontheffing");
    kb_strv_push(&c->tags, "sroi");
    kb_strv_push(&c->orgs, "Bakkerij De Korenschoof");
}

static const case_row case_rows[] = {
    {"minimal case", m_none, KB_OK, NULL},
    {"all fields", m_good_full, KB_OK, NULL},
    {"no title", m_no_title, KB_EDATA, "title"},
    {"empty title", m_empty_title, KB_EDATA, "title"},
    {"title too long", m_long_title, KB_EDATA, "too long"},
    {"invalid UTF-8", m_bad_utf8, KB_EDATA, "UTF-8"},
    {"escape sequence in title", m_control, KB_EDATA, "control"},
    {"newline in title", m_newline_title, KB_EDATA, "control"},
    {"newline in description", m_newline_desc, KB_OK, NULL},
    {"no stage", m_no_stage, KB_EDATA, "stage"},
    {"bad department code", m_bad_dept, KB_EDATA, "department"},
    {"lead also involved", m_lead_twice, KB_EDATA, "lead"},
    {"department twice", m_dept_twice, KB_EDATA, "twice"},
    {"priority too high", m_prio_high, KB_EDATA, "priority"},
    {"negative priority", m_prio_neg, KB_EDATA, "priority"},
    {"blocked without reason", m_empty_blocked, KB_EDATA, "reason"},
    {"bad owner name", m_bad_owner, KB_EDATA, "user name"},
    {"empty tag", m_empty_tag, KB_EDATA, "empty"},
};

Test(model, case_validation_table)
{
    for (size_t i = 0; i < sizeof case_rows / sizeof case_rows[0]; i++) {
        const case_row *r = &case_rows[i];
        kb_case c;
        kb_case_init(&c);
        c.title = kb_strdup("Inclusieve werkgevers");
        c.stage = kb_strdup("signal");
        r->mutate(&c);
        kb_err e;
        kb_err_clear(&e);
        int rc = kb_case_validate(&c, &e);
        cr_expect_eq(rc, r->want, "%s: got %d (%s)", r->name, rc, e.msg);
        if (r->msg)
            cr_expect(strstr(e.msg, r->msg) != NULL, "%s: message '%s' lacks '%s'", r->name, e.msg,
                      r->msg);
        kb_case_free(&c);
    }
}

Test(model, case_numbers)
{
    struct {
        const char *in;
        int rc;
        uint32_t n;
    } rows[] = {{"12", KB_OK, 12},     {"#12", KB_OK, 12},   {"#4294967295", KB_OK, 4294967295u},
                {"0", KB_EUSAGE, 0},   {"#", KB_EUSAGE, 0},  {"", KB_EUSAGE, 0},
                {"12a", KB_EUSAGE, 0}, {"-3", KB_EUSAGE, 0}, {"4294967296", KB_EUSAGE, 0},
                {"##1", KB_EUSAGE, 0}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        uint32_t n = 0;
        int rc = kb_case_number_parse(rows[i].in, &n, NULL);
        cr_expect_eq(rc, rows[i].rc, "'%s'", rows[i].in);
        if (rc == KB_OK)
            cr_expect_eq(n, rows[i].n, "'%s'", rows[i].in);
    }
}

Test(model, reference_data_validation)
{
    kb_dept d = {.code = "ECO", .name = "Economie"};
    cr_expect_eq(kb_dept_validate(&d, NULL), KB_OK);
    d.code = "";
    cr_expect_eq(kb_dept_validate(&d, NULL), KB_EDATA);
    d.code = "TOO-LONG-A-CODE-X";
    cr_expect_eq(kb_dept_validate(&d, NULL), KB_EDATA);
    d.code = "ECO";
    d.name = "";
    cr_expect_eq(kb_dept_validate(&d, NULL), KB_EDATA);
    kb_stage s = {.code = "explore", .name = "Verkennen", .wip_limit = 5, .norm_days = 30};
    cr_expect_eq(kb_stage_validate(&s, NULL), KB_OK);
    s.wip_limit = -1;
    cr_expect_eq(kb_stage_validate(&s, NULL), KB_EDATA);
    s.wip_limit = 0;
    s.norm_days = 4000;
    cr_expect_eq(kb_stage_validate(&s, NULL), KB_EDATA);
    kb_line l = {.code = "procure", .name = "Impact inkopen"};
    cr_expect_eq(kb_line_validate(&l, NULL), KB_OK);
    l.code = "a b";
    cr_expect_eq(kb_line_validate(&l, NULL), KB_EDATA);
}

Test(model, users_roles_and_enums)
{
    const char *good[] = {"anna", "jan.de-vries", "p_bakker", "A1"};
    const char *bad[] = {"", ".anna", "jan de vries", "anna/x", "é"};
    for (size_t i = 0; i < 4; i++)
        cr_expect_eq(kb_user_name_check(good[i], NULL), KB_OK, "%s", good[i]);
    for (size_t i = 0; i < 5; i++)
        cr_expect_eq(kb_user_name_check(bad[i], NULL), KB_EDATA, "%s", bad[i]);
    char longname[KB_USER_NAME_MAX + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    cr_expect_eq(kb_user_name_check(longname, NULL), KB_EDATA, "64 bytes is too long");
    longname[KB_USER_NAME_MAX] = '\0';
    cr_expect_eq(kb_user_name_check(longname, NULL), KB_OK);
    enum kb_role r;
    cr_expect_eq(kb_role_parse("Broker", &r, NULL), KB_OK);
    cr_expect_eq(r, KB_ROLE_BROKER);
    cr_expect_eq(kb_role_parse("boss", &r, NULL), KB_EUSAGE);
    cr_expect(kb_role_can_write(KB_ROLE_MEMBER));
    cr_expect_not(kb_role_can_write(KB_ROLE_VIEWER));
    enum kb_conf cf;
    cr_expect_eq(kb_conf_parse("confidential", &cf, NULL), KB_OK);
    cr_expect_eq(kb_conf_parse("secret", &cf, NULL), KB_EDATA);
    enum kb_link_kind lk;
    cr_expect_eq(kb_link_kind_parse("duplicate", &lk, NULL), KB_OK);
    cr_expect_eq(lk, KB_LINK_DUPLICATE);
    cr_expect_eq(kb_link_kind_parse("parent", &lk, NULL), KB_EUSAGE);
}

Test(model, action_items_and_overdue)
{
    kb_action_item a;
    kb_action_item_init(&a);
    cr_expect_eq(kb_action_item_validate(&a, NULL), KB_EDATA);
    a.text = kb_strdup("Bel de ondernemer");
    cr_expect_eq(kb_action_item_validate(&a, NULL), KB_EDATA, "needs an owner");
    a.owner = kb_strdup("bob");
    cr_expect_eq(kb_action_item_validate(&a, NULL), KB_OK);
    a.due = 100;
    cr_expect(kb_action_item_overdue(&a, 101));
    cr_expect_not(kb_action_item_overdue(&a, 100));
    a.done = true;
    cr_expect_not(kb_action_item_overdue(&a, 101));
    kb_action_item_free(&a);
    kb_case c;
    kb_case_init(&c);
    cr_expect_not(kb_case_overdue(&c, 5), "no due date is never overdue");
}

Test(model, strv_helpers)
{
    kb_strv v = {0};
    kb_strv_split(&v, " ECO, INC,,SOC ,");
    cr_assert_eq(v.n, 3);
    cr_expect_str_eq(v.v[2], "SOC");
    char *j = kb_strv_join(&v, "|");
    cr_expect_str_eq(j, "ECO|INC|SOC");
    kb_free(&j);
    cr_expect(kb_strv_contains_ci(&v, "inc"));
    kb_strv w;
    kb_strv_copy(&w, &v);
    cr_expect(kb_strv_eq(&v, &w));
    kb_strv_free(&w);
    kb_strv_free(&v);
}

Test(model, timeline_localize_keeps_structure)
{
    /* in the C locale the neutral text comes back unchanged */
    const char *in[] = {"stage: signal -> explore; put on the agenda", "case created",
                        "free text: with a colon; and a semicolon", "decision: D1 (M1) Besloten",
                        ""};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        char *out = kb_timeline_localize(in[i]);
        cr_expect_str_eq(out, in[i]);
        kb_free(&out);
    }
}
