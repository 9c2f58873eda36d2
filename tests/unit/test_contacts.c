/* Organisations as records, contact moments and "my work" in the core
 * (issue 12): organisations named on a case get a record in the case's own
 * write transaction, a contact moment makes its organisation on the fly,
 * the contact window is a board setting, a clash names who and when, and a
 * user's open action items come by due date, the overdue first. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kernboard/core.h"
#include "kernboard/mem.h"
#include "kb_test.h"

static char kb_dir[300], kb_path[400];

static kb_board *kb_open_as(const char *user, const char *pass)
{
    kb_secret *p = kb_test_pass(pass);
    kb_board_opts o = {.kdf = "interactive", .lock_timeout_ms = 20000};
    kb_board *b = NULL;
    kb_err e;
    int rc = kb_board_open(kb_path, user, p, &o, &b, &e);
    kb_secret_free(&p);
    cr_assert_eq(rc, KB_OK, "open %s: %s", user, e.msg);
    return b;
}

static void kb_setup(void)
{
    kb_test_dir(kb_dir, sizeof kb_dir, "contacts");
    snprintf(kb_path, sizeof kb_path, "%s/board.kb", kb_dir);
    setenv("XDG_STATE_HOME", kb_dir, 1);
    kb_secret *p = kb_test_pass("admin passphrase");
    kb_board_opts o = {.kdf = "interactive"};
    kb_board *b = NULL;
    kb_err e;
    cr_assert_eq(kb_board_init(kb_path, "anna", p, &o, &b, &e), KB_OK, "%s", e.msg);
    kb_secret_free(&p);
    p = kb_test_pass("member passphrase");
    kb_strv depts = {0};
    kb_strv_push(&depts, "INC");
    cr_assert_eq(kb_board_user_add(b, "bob", KB_ROLE_MEMBER, &depts, p, &e), KB_OK, "%s", e.msg);
    kb_strv_free(&depts);
    kb_secret_free(&p);
    kb_board_close(&b);
}

static void kb_teardown(void)
{
    kb_test_dir_remove(kb_dir);
}

TestSuite(contacts, .init = kb_setup, .fini = kb_teardown, .timeout = 120);

static const kb_org *kb_find_org(const kb_org_vec *v, const char *name)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->v[i].name, name) == 0)
            return &v->v[i];
    return NULL;
}

Test(contacts, organisations_of_a_case_become_records_in_the_same_transaction)
{
    kb_board *b = kb_open_as("anna", "admin passphrase");
    kb_err e;
    kb_org o = {.name = kb_strdup("Stichting Werk"), .kind = KB_ORG_FOUNDATION};
    cr_assert_eq(kb_board_org_add(b, &o, &e), KB_OK, "%s", e.msg);
    kb_org_free(&o);
    kb_case c;
    kb_case_init(&c);
    c.title = kb_strdup("Café de Zwaan wil uitbreiden");
    kb_strv_push(&c.orgs, "Café de Zwaan");
    kb_strv_push(&c.orgs, "stichting werk"); /* an existing one, another spelling */
    uint64_t n0 = kb_board_commits(b);
    cr_assert_eq(kb_board_case_add(b, &c, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_commits(b) - n0, 1, "one write transaction");
    cr_assert_str_eq(c.orgs.v[1], "Stichting Werk", "the stored spelling");
    kb_org_vec v = {0};
    cr_assert_eq(kb_board_org_list(b, &v, &e), KB_OK);
    cr_assert_eq(v.n, 2);
    const kb_org *z = kb_find_org(&v, "Café de Zwaan");
    cr_assert_not_null(z);
    cr_assert_eq(z->kind, KB_ORG_ENTREPRENEUR);
    cr_assert_eq(kb_find_org(&v, "Stichting Werk")->kind, KB_ORG_FOUNDATION, "kept as it was");
    kb_org_vec_free(&v);

    /* an update naming a new organisation: one transaction, one new record */
    kb_case_patch p;
    kb_case_patch_init(&p);
    p.set = 1u << KB_F_ORGS;
    cr_assert_eq(kb_case_field_parse(&p.v, KB_F_ORGS, "Café de Zwaan; Bakkerij Jansen", &e), KB_OK);
    n0 = kb_board_commits(b);
    cr_assert_eq(kb_board_case_update(b, c.number, &p, NULL, KB_CORE_ANY_VERSION, 0, NULL, &e),
                 KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_commits(b) - n0, 1);
    cr_assert_eq(kb_board_org_list(b, &v, &e), KB_OK);
    cr_assert_eq(v.n, 3);
    cr_assert_not_null(kb_find_org(&v, "Bakkerij Jansen"));
    kb_org_vec_free(&v);
    /* a refused update makes no record */
    kb_case_patch_free(&p);
    p.set = 1u << KB_F_ORGS | 1u << KB_F_OWNER;
    cr_assert_eq(kb_case_field_parse(&p.v, KB_F_ORGS, "Nooit Gemaakt BV", &e), KB_OK);
    p.v.owner = kb_strdup("nobody");
    cr_assert_eq(kb_board_case_update(b, c.number, &p, NULL, KB_CORE_ANY_VERSION, 0, NULL, &e),
                 KB_EDATA);
    cr_assert_eq(kb_board_org_list(b, &v, &e), KB_OK);
    cr_assert_eq(v.n, 3);
    kb_org_vec_free(&v);
    kb_case_patch_free(&p);
    kb_case_free(&c);
    kb_board_close(&b);
}

Test(contacts, contact_moment_makes_its_organisation_and_warns_naming_who_and_when)
{
    kb_board *b = kb_open_as("anna", "admin passphrase");
    kb_err e;
    int days = 0;
    cr_assert_eq(kb_board_contact_window(b, &days, &e), KB_OK);
    cr_assert_eq(days, KB_CONTACT_WINDOW_DEFAULT);
    kb_contact c = {.org = kb_strdup("Fietsen BV"),
                    .date = 20000,
                    .dept = kb_strdup("eco"),
                    .purpose = kb_strdup("Kennismaking")};
    kb_contact_vec clashes;
    uint64_t n0 = kb_board_commits(b);
    cr_assert_eq(kb_board_contact_add(b, &c, KB_CONTACT_WINDOW_BOARD, &clashes, &e), KB_OK, "%s",
                 e.msg);
    cr_assert_eq(kb_board_commits(b) - n0, 1, "organisation and contact in one transaction");
    cr_assert_eq(clashes.n, 0);
    cr_assert_str_eq(c.user, "anna");
    cr_assert_str_eq(c.dept, "ECO");
    kb_contact_free(&c);
    kb_board_close(&b);

    /* bob (INC) plans one ten days later: within the default window */
    b = kb_open_as("bob", "member passphrase");
    kb_contact d = {.org = kb_strdup("fietsen bv"), .date = 20010, .dept = kb_strdup("INC")};
    cr_assert_eq(kb_board_contact_add(b, &d, KB_CONTACT_WINDOW_BOARD, &clashes, &e), KB_OK, "%s",
                 e.msg);
    cr_assert_str_eq(d.org, "Fietsen BV");
    cr_assert_eq(clashes.n, 1);
    char *w = kb_contact_clash_text(&clashes.v[0]);
    cr_assert(strstr(w, "ECO") && strstr(w, "anna") && strstr(w, "Fietsen BV") &&
                  strstr(w, "2024-10-04") && strstr(w, "Kennismaking"),
              "%s", w);
    kb_free(&w);
    kb_contact_vec_free(&clashes);
    kb_contact_free(&d);
    /* only a broker or admin sets the window */
    cr_assert_eq(kb_board_contact_window_set(b, 3, &e), KB_EPERM);
    kb_board_close(&b);

    b = kb_open_as("anna", "admin passphrase");
    cr_assert_eq(kb_board_contact_window_set(b, 3, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_contact_window_set(b, 400, &e), KB_EDATA);
    cr_assert_eq(kb_board_contact_window(b, &days, &e), KB_OK);
    cr_assert_eq(days, 3);
    /* 5 days after bob's: outside the window of 3; same department: never */
    kb_contact f = {.org = kb_strdup("Fietsen BV"), .date = 20015, .dept = kb_strdup("DUU")};
    cr_assert_eq(kb_board_contact_add(b, &f, KB_CONTACT_WINDOW_BOARD, &clashes, &e), KB_OK);
    cr_assert_eq(clashes.n, 0);
    kb_contact_free(&f);
    kb_contact g = {.org = kb_strdup("Fietsen BV"), .date = 20001, .dept = kb_strdup("ECO")};
    cr_assert_eq(kb_board_contact_add(b, &g, KB_CONTACT_WINDOW_BOARD, &clashes, &e), KB_OK);
    cr_assert_eq(clashes.n, 0, "ECO's own contact is no clash");
    kb_contact_free(&g);

    kb_org_vec orgs;
    kb_contact_vec all;
    cr_assert_eq(kb_board_org_overview(b, &orgs, &all, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(orgs.n, 1);
    cr_assert_eq(all.n, 4);
    cr_assert_eq(all.v[0].date, 20000, "by date");
    cr_assert_str_eq(all.v[1].user, "anna");
    kb_org_vec_free(&orgs);
    kb_contact_vec_free(&all);
    kb_board_close(&b);
}

Test(contacts, my_actions_by_due_date_overdue_first)
{
    kb_board *b = kb_open_as("anna", "admin passphrase");
    kb_err e;
    kb_case c;
    kb_case_init(&c);
    c.title = kb_strdup("Werk");
    cr_assert_eq(kb_board_case_add(b, &c, &e), KB_OK, "%s", e.msg);
    kb_date today = kb_date_today();
    struct {
        const char *owner;
        kb_date due;
    } items[] = {{"anna", KB_DATE_NONE},
                 {"anna", today + 5},
                 {"bob", today - 9},
                 {"anna", today - 2},
                 {"anna", today + 1}};
    for (size_t i = 0; i < 5; i++) {
        kb_action_item a;
        kb_action_item_init(&a);
        a.case_number = c.number;
        a.text = kb_asprintf("item %zu", i);
        a.owner = kb_strdup(items[i].owner);
        a.due = items[i].due;
        cr_assert_eq(kb_board_action_add(b, &a, &e), KB_OK, "%s", e.msg);
        kb_action_item_free(&a);
    }
    cr_assert_eq(kb_board_action_done(b, 5, true, &e), KB_OK, "%s", e.msg); /* today + 1 */
    kb_action_vec v;
    cr_assert_eq(kb_board_my_actions(b, NULL, &v, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(v.n, 3, "open items of anna only");
    cr_assert_eq(v.v[0].due, today - 2, "overdue first");
    cr_assert_eq(v.v[1].due, today + 5);
    cr_assert_eq(v.v[2].due, KB_DATE_NONE, "no due date last");
    kb_action_vec_free(&v);
    cr_assert_eq(kb_board_my_actions(b, "bob", &v, &e), KB_OK);
    cr_assert_eq(v.n, 1);
    kb_action_vec_free(&v);
    kb_case_free(&c);
    kb_board_close(&b);
}
