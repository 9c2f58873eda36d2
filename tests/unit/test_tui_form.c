/* The TUI's edit form on the case field table: labels, values, the
 * parsing of each field (list separators, messages) and the names typed
 * for stages, departments, action lines and owners, which the form
 * resolves with the one resolver (the same names the CLI accepts).  Most
 * tests use the in-memory fixture; one saves through a real board. */
#include <criterion/criterion.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kernboard/core.h"
#include "kernboard/mem.h"
#include "test_tui_fixture.h"
#include "tui/tui_internal.h"
#include "kb_test.h"

/* ------------------------------------------------------------ fixture */

/* The fixture's departments with accented names, and three users. */
static kb_dept kb_form_depts[] = {
    {.code = "DUU", .name = "Duurzaamheid"},   {.code = "ECO", .name = "Économie"},
    {.code = "INC", .name = "Inclusie"},       {.code = "INK", .name = "Inkoop"},
    {.code = "SOC", .name = "Sociaal domein"}, {.code = "VAS", .name = "Vastgoed"},
};
static kb_user kb_form_users[] = {
    {.name = "anna", .role = KB_ROLE_ADMIN},
    {.name = "jan", .role = KB_ROLE_MEMBER},
    {.name = "joke", .role = KB_ROLE_MEMBER},
};

static kb_tui_form *kb_form_of(kb_tui_app *a, uint32_t number)
{
    kb_fx_app(a, 80, 24, true);
    a->refs.depts = kb_form_depts;
    a->refs.ndepts = sizeof kb_form_depts / sizeof *kb_form_depts;
    a->refs.users = kb_form_users;
    a->refs.nusers = sizeof kb_form_users / sizeof *kb_form_users;
    kb_view_form_fill(a, kb_tui_case(a, number), false);
    kb_tui_form *f = kb_tui_form_state(a);
    cr_assert_not_null(f);
    return f;
}

static void kb_set(kb_tui_form *f, enum kb_tui_field i, const char *text)
{
    kb_tui_line_set(&f->f[i], text);
}

Test(tui_form, rows_are_the_field_table)
{
    kb_tui_app a;
    kb_tui_form *f = kb_form_of(&a, 1);
    const kb_case *c = kb_tui_case(&a, 1);
    for (int i = 0; i < KB_FF_COUNT; i++) {
        cr_assert_str_eq(kb_view_form_label((enum kb_tui_field)i),
                         kb_case_field((enum kb_field_id)i)->label, "row %d", i);
        /* the value as the reader sees it: stage and line by name */
        char *v = kb_view_form_shown(&a, c, (enum kb_tui_field)i);
        cr_assert_str_eq(f->f[i].text, v, "row %d", i);
        kb_free(&v);
    }
    cr_assert_str_eq(f->f[KB_FF_ORGS].text, "Café De Hoek; Ondernemersvereniging Centrum");
    cr_assert_str_eq(f->f[KB_FF_DEPTS].text, "INC, DUU");
    /* untouched, the form builds the case it was opened with */
    kb_case out;
    kb_case_init(&out);
    cr_assert(kb_view_form_build(&a, &out), "%s", f->error ? f->error : "");
    for (int i = 0; i < KB_F_COUNT; i++)
        cr_assert(kb_case_field_eq(&out, c, (enum kb_field_id)i), "field %d changed", i);
    kb_case_free(&out);
    kb_fx_free(&a);
}

/* The row of the screen s that starts with prefix (NULL if none). */
static const char *kb_row(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *p = s; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, prefix, n) == 0)
            return p;
    return NULL;
}

/* At 80x24: a long title shows its start (cut with an ellipsis) until you
 * edit it, then it scrolls to the cursor; the description wraps at word
 * boundaries (no blank at the start of a row) and marks the rows it
 * cannot show. */
Test(tui_form, long_values_show_their_start_and_wrap_at_words)
{
    kb_tui_app a;
    kb_tui_form *f = kb_form_of(&a, 1);
    kb_set(f, KB_FF_TITLE,
           "Kringloopbedrijf vraagt garantstelling voor een tweede vestiging in het centrum");
    kb_set(f, KB_FF_DESC,
           "De eigenaar wil het terras uitbreiden en twee mensen met een afstand tot de "
           "arbeidsmarkt aannemen in een BBL-traject. Vraag: kan de vergunning sneller, en is "
           "er een loonkostensubsidie? Daarnaast wil hij weten of de gemeente kan helpen bij "
           "het vinden van een tweede locatie in het centrum, liefst dicht bij het station, "
           "want de huidige zaak is te klein.");
    f->focus = KB_FF_TITLE;
    kb_grid *g = kb_grid_new(80, 24, true);
    kb_tui_app_draw(&a, g);
    char *s = kb_grid_dump(g);
    const char *t = kb_row(s, "> Title");
    cr_assert_not_null(t, "%s", s);
    cr_assert(strncmp(t + 20, "Kringloopbedrijf vraagt", 23) == 0, "%s", s);
    cr_assert(strstr(t, "…\n") == t + strcspn(t, "\n") - strlen("…"), "cut with an ellipsis:\n%s",
              s);
    const char *d = kb_row(s, "  Description");
    cr_assert_not_null(d, "%s", s);
    const char *r = d;
    for (int k = 0; k < 4; k++) {
        cr_assert_neq(r[20], ' ', "row %d starts with a blank:\n%s", k, s);
        const char *nl = strchr(r, '\n');
        /* no word is broken: a row ends at a word's end */
        cr_assert(nl[-1] != ' ', "%s", s);
        if (k < 3)
            r = nl + 1;
    }
    cr_assert(strncmp(strchr(r, '\n') - strlen("…"), "…", strlen("…")) == 0,
              "the last row marks more text:\n%s", s);
    cr_assert(strstr(s, "twee mensen met\n") != NULL, "wrapped at a blank:\n%s", s);
    kb_free(&s);
    /* editing the title: it scrolls to keep the cursor (at the end) */
    kb_tui_app_key(&a, 'X', 1);
    kb_tui_app_draw(&a, g);
    s = kb_grid_dump(g);
    t = kb_row(s, "> Title");
    cr_assert(strstr(t, "centrumX") != NULL, "%s", s);
    kb_free(&s);
    kb_grid_free(&g);
    kb_fx_free(&a);
}

Test(tui_form, lists_split_at_the_tables_separator)
{
    kb_tui_app a;
    kb_tui_form *f = kb_form_of(&a, 2); /* lead VAS, no other departments */
    kb_set(f, KB_FF_ORGS, " Gemeente, afdeling EZ ;Kamer van Koophandel; ");
    kb_set(f, KB_FF_HOOKS, "Visie 2030; Actieplan");
    kb_set(f, KB_FF_TAGS, "leegstand, retail ,");
    kb_set(f, KB_FF_DEPTS, "ECO, INC");
    kb_case out;
    kb_case_init(&out);
    cr_assert(kb_view_form_build(&a, &out), "%s", f->error ? f->error : "");
    cr_assert_eq(out.orgs.n, 2);
    cr_assert_str_eq(out.orgs.v[0], "Gemeente, afdeling EZ", "a comma stays in an organisation");
    cr_assert_str_eq(out.orgs.v[1], "Kamer van Koophandel");
    cr_assert_eq(out.hooks.n, 2);
    cr_assert_str_eq(out.hooks.v[1], "Actieplan");
    cr_assert_eq(out.tags.n, 2);
    cr_assert_str_eq(out.tags.v[1], "retail");
    cr_assert_eq(out.depts.n, 2);
    cr_assert_str_eq(out.depts.v[0], "ECO");
    cr_assert_str_eq(out.depts.v[1], "INC");
    kb_case_free(&out);
    /* departments are split at ',' only: "ECO; INC" is one (unknown) name */
    kb_set(f, KB_FF_DEPTS, "ECO; INC");
    cr_assert_not(kb_view_form_build(&a, &out));
    cr_assert_not_null(f->ferr[KB_FF_DEPTS]);
    cr_assert(strstr(f->ferr[KB_FF_DEPTS], "'ECO; INC'") != NULL, "%s", f->ferr[KB_FF_DEPTS]);
    kb_fx_free(&a);
}

Test(tui_form, names_resolve_like_the_cli)
{
    kb_tui_app a;
    kb_tui_form *f = kb_form_of(&a, 2);
    kb_set(f, KB_FF_LEAD, "Economie");            /* no accent typed */
    kb_set(f, KB_FF_DEPTS, "inclusie, VASTGOED"); /* names, any case */
    kb_set(f, KB_FF_STAGE, "in PROGRESS");
    kb_set(f, KB_FF_LINE, "impact procurement");
    kb_set(f, KB_FF_OWNER, "jo");
    kb_case out;
    kb_case_init(&out);
    cr_assert(kb_view_form_build(&a, &out), "%s", f->error ? f->error : "");
    cr_assert_str_eq(out.lead_dept, "ECO");
    cr_assert_eq(out.depts.n, 2);
    cr_assert_str_eq(out.depts.v[0], "INC");
    cr_assert_str_eq(out.depts.v[1], "VAS");
    cr_assert_str_eq(out.stage, "progress");
    cr_assert_str_eq(out.action_line, "procure");
    cr_assert_str_eq(out.owner, "joke", "a unique prefix gives the login name");
    kb_case_free(&out);
    kb_fx_free(&a);
}

Test(tui_form, an_involved_department_made_the_lead_leaves_the_involved)
{
    kb_tui_app a;
    kb_tui_form *f = kb_form_of(&a, 2);
    /* the case as if stored with lead ECO and INC, VAS involved */
    kb_free(&f->base.lead_dept);
    f->base.lead_dept = kb_strdup("ECO");
    kb_strv_free(&f->base.depts);
    kb_strv_push(&f->base.depts, "INC");
    kb_strv_push(&f->base.depts, "VAS");
    char *shown = kb_view_form_shown(&a, &f->base, KB_FF_DEPTS);
    kb_set(f, KB_FF_DEPTS, shown);
    kb_free(&shown);
    kb_set(f, KB_FF_LEAD, "INC");
    kb_case out;
    kb_case_init(&out);
    cr_assert(kb_view_form_build(&a, &out), "%s", f->error ? f->error : "");
    cr_assert_str_eq(out.lead_dept, "INC");
    cr_assert_eq(out.depts.n, 1, "INC left the involved ones");
    cr_assert_str_eq(out.depts.v[0], "VAS");
    kb_case_free(&out);
    /* the involved field edited to list the new lead: still refused */
    kb_set(f, KB_FF_DEPTS, "INC");
    kb_case_init(&out);
    cr_assert_not(kb_view_form_build(&a, &out));
    kb_case_free(&out);
    kb_fx_free(&a);
}

Test(tui_form, owner_prefix_must_be_unique)
{
    kb_tui_app a;
    kb_tui_form *f = kb_form_of(&a, 1); /* owner alice, not in the user list */
    kb_case out;
    kb_case_init(&out);
    /* left as it was: not looked up again */
    cr_assert(kb_view_form_build(&a, &out), "%s", f->error ? f->error : "");
    cr_assert_str_eq(out.owner, "alice");
    kb_case_free(&out);
    kb_set(f, KB_FF_OWNER, "j");
    cr_assert_not(kb_view_form_build(&a, &out));
    cr_assert_not_null(f->ferr[KB_FF_OWNER]);
    cr_assert(strstr(f->ferr[KB_FF_OWNER], "jan") != NULL, "%s", f->ferr[KB_FF_OWNER]);
    cr_assert_eq(f->focus, KB_FF_OWNER);
    kb_set(f, KB_FF_OWNER, "zed");
    cr_assert_not(kb_view_form_build(&a, &out));
    cr_assert(strstr(f->ferr[KB_FF_OWNER], "zed") != NULL, "%s", f->ferr[KB_FF_OWNER]);
    kb_set(f, KB_FF_OWNER, "");
    cr_assert(kb_view_form_build(&a, &out), "%s", f->error ? f->error : "");
    cr_assert_null(out.owner, "cleared");
    kb_case_free(&out);
    /* without the user list the owner stays as typed (the core decides) */
    a.refs.users = NULL;
    a.refs.nusers = 0;
    kb_set(f, KB_FF_OWNER, "j");
    cr_assert(kb_view_form_build(&a, &out), "%s", f->error ? f->error : "");
    cr_assert_str_eq(out.owner, "j");
    kb_case_free(&out);
    kb_fx_free(&a);
}

Test(tui_form, messages_come_from_the_table)
{
    kb_tui_app a;
    kb_tui_form *f = kb_form_of(&a, 1);
    kb_set(f, KB_FF_PRIORITY, "7");
    kb_set(f, KB_FF_REVIEW, "overmorgen");
    kb_set(f, KB_FF_STAGE, " ");
    kb_set(f, KB_FF_CONF, "geheimer");
    kb_case out;
    kb_case_init(&out);
    cr_assert_not(kb_view_form_build(&a, &out));
    for (int i = 0; i < KB_FF_COUNT; i++) {
        bool bad = i == KB_FF_PRIORITY || i == KB_FF_REVIEW || i == KB_FF_STAGE || i == KB_FF_CONF;
        cr_assert_eq(f->ferr[i] != NULL, bad, "row %d: %s", i, f->ferr[i] ? f->ferr[i] : "-");
    }
    /* the table's message, without the label the row already shows */
    kb_case c;
    kb_case_init(&c);
    kb_err e;
    cr_assert_neq(kb_case_field_parse(&c, KB_F_PRIORITY, "7", &e), KB_OK);
    const char *label = kb_case_field(KB_F_PRIORITY)->label;
    cr_assert_eq(strncmp(e.msg, label, strlen(label)), 0, "%s", e.msg);
    cr_assert_str_eq(f->ferr[KB_FF_PRIORITY], e.msg + strlen(label) + 2);
    cr_assert_str_eq(f->ferr[KB_FF_STAGE], "a case needs a stage");
    kb_case_free(&c);
    cr_assert_eq(f->focus, KB_FF_STAGE, "the first bad field");
    /* "none" clears a date, as on the command line */
    kb_set(f, KB_FF_PRIORITY, "3");
    kb_set(f, KB_FF_REVIEW, "none");
    kb_set(f, KB_FF_STAGE, "signal");
    kb_set(f, KB_FF_CONF, "confidential");
    cr_assert(kb_view_form_build(&a, &out), "%s", f->error ? f->error : "");
    cr_assert_eq(out.review, KB_DATE_NONE);
    cr_assert_eq(out.priority, 3);
    cr_assert_eq(out.conf, KB_CONF_CONFIDENTIAL);
    kb_case_free(&out);
    kb_fx_free(&a);
}

/* ------------------------------------------------------------ a real board */

static char kb_dir[300], kb_path[400];

static void kb_board_setup(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    kb_test_dir(kb_dir, sizeof kb_dir, "tuiform");
    snprintf(kb_path, sizeof kb_path, "%s/board.kb", kb_dir);
    setenv("XDG_STATE_HOME", kb_dir, 1);
    setenv("XDG_CONFIG_HOME", kb_dir, 1);
    kb_secret *p = kb_test_pass("admin passphrase");
    kb_board_opts o = {.kdf = "interactive"};
    kb_board *b = NULL;
    kb_err e;
    cr_assert_eq(kb_board_init(kb_path, "anna", p, &o, &b, &e), KB_OK, "%s", e.msg);
    kb_dept eco = *kb_board_dept_find(b, "ECO");
    eco.name = "Economie";
    cr_assert_eq(kb_board_dept_edit(b, &eco, &e), KB_OK, "%s", e.msg);
    kb_secret *jp = kb_test_pass("joke passphrase");
    cr_assert_eq(kb_board_user_add(b, "joke", KB_ROLE_MEMBER, NULL, jp, &e), KB_OK, "%s", e.msg);
    kb_secret_free(&jp);
    kb_case c;
    kb_case_init(&c);
    c.title = kb_strdup("Leegstand Noord");
    c.lead_dept = kb_strdup("VAS");
    cr_assert_eq(kb_board_case_add(b, &c, &e), KB_OK, "%s", e.msg);
    kb_case_free(&c);
    kb_secret_free(&p);
    kb_board_close(&b);
}

static void kb_board_teardown(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", kb_dir);
    if (system(cmd) != 0) {
        /* leave it */
    }
}

Test(tui_form, saves_names_as_codes_on_a_board, .init = kb_board_setup, .fini = kb_board_teardown,
     .timeout = 60)
{
    kb_tui_app a;
    kb_tui_app_init(&a, kb_path, "anna", 80, 24, true);
    a.now_ms = 1000000;
    kb_secret *p = kb_test_pass("admin passphrase");
    kb_board_opts o = {.kdf = "interactive", .lock_timeout_ms = 20000};
    kb_board *b = NULL;
    kb_err e;
    cr_assert_eq(kb_board_open(kb_path, "anna", p, &o, &b, &e), KB_OK, "%s", e.msg);
    kb_secret_free(&p);
    cr_assert_eq(kb_tui_app_attach(&a, b, &e), KB_OK, "%s", e.msg);
    kb_tui_command(&a, "edit 1");
    kb_tui_form *f = kb_tui_form_state(&a);
    cr_assert_not_null(f, "%s", a.msg);
    kb_set(f, KB_FF_LEAD, "Economie");
    kb_set(f, KB_FF_DEPTS, "vas, Inclusion");
    kb_set(f, KB_FF_ORGS, "A; B");
    kb_set(f, KB_FF_OWNER, "jo");
    kb_set(f, KB_FF_LINE, "financing");
    cr_assert_eq(kb_tui_app_key(&a, KB_KEY_ENTER, 1000010) & KB_TUI_R_VIEW, KB_TUI_R_VIEW);
    cr_assert_not(
        kb_tui_form_open(&a), "saved and closed: %s / %s", a.msg,
        kb_tui_form_state(&a) && kb_tui_form_state(&a)->error ? kb_tui_form_state(&a)->error : "-");
    kb_case c;
    kb_case_init(&c);
    cr_assert_eq(kb_board_case_get(a.board, 1, &c, &e), KB_OK, "%s", e.msg);
    cr_assert_str_eq(c.lead_dept, "ECO");
    cr_assert_eq(c.depts.n, 2);
    cr_assert_str_eq(c.depts.v[0], "VAS");
    cr_assert_str_eq(c.depts.v[1], "INC");
    cr_assert_eq(c.orgs.n, 2);
    cr_assert_str_eq(c.orgs.v[0], "A");
    cr_assert_str_eq(c.orgs.v[1], "B");
    cr_assert_str_eq(c.owner, "joke");
    cr_assert_str_eq(c.action_line, "finance");
    kb_case_free(&c);
    kb_tui_app_free(&a);
}
