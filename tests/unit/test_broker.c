/* The broker's day (issue 12) below the screens: the similar-case ranking
 * and the triage inbox (model), department goals (model, codec, core),
 * relative due dates, and every triage decision as ONE write transaction
 * (core): a patch that adds to lists, with a comment, a next-step action
 * item or a link; a new case with its duplicate link. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernboard/codec.h"
#include "kernboard/core.h"
#include "kernboard/mem.h"

/* ------------------------------------------------------------ model */

static void kb_add(kb_case_vec *v, const char *title, const char *desc, const char *org,
                   const char *stage, const char *lead, kb_time created)
{
    v->v = kb_reallocarray(v->v, v->n + 1, sizeof *v->v);
    kb_case *c = &v->v[v->n];
    kb_case_init(c);
    c->number = (uint32_t)v->n + 1;
    c->title = kb_strdup(title);
    c->description = desc ? kb_strdup(desc) : NULL;
    if (org)
        kb_strv_push(&c->orgs, org);
    c->stage = kb_strdup(stage);
    c->lead_dept = lead ? kb_strdup(lead) : NULL;
    c->created = created;
    v->n++;
}

static void kb_cases(kb_case_vec *v)
{
    memset(v, 0, sizeof *v);
    kb_add(v, "Café de Zwaan wil een terras aan de kade", "Terras en vergunning", "Café de Zwaan",
           "explore", "ECO", 100);                                                /* 1 */
    kb_add(v, "Leegstand winkelcentrum Noord", NULL, NULL, "signal", "VAS", 300); /* 2 */
    kb_add(v, "Bakkerij zoekt personeel", "Vier vacatures voor bakkers", "Bakkerij De Korenschoof",
           "signal", NULL, 200);                                            /* 3 */
    kb_add(v, "Zonnepanelen op de sporthal", NULL, NULL, "done", NULL, 50); /* 4 */
    kb_add(v, "Nieuwe oven voor de bakker", "Netcongestie", "bakkerij de korenschoof", "connect",
           "DUU", 150); /* 5 */
}

Test(similar, accents_case_and_typos_rank_the_title_first)
{
    kb_case_vec v;
    kb_cases(&v);
    kb_similar s[5];
    size_t n = kb_similar_rank(v.v, v.n, "cafe DE zwaan terras", NULL, NULL, 0, s, 5);
    cr_assert_geq(n, 1);
    cr_assert_eq(s[0].number, 1, "Café de Zwaan first, found without the accent");
    cr_assert_geq(s[0].score, 60, "%d", s[0].score);
    n = kb_similar_rank(v.v, v.n, "Caffe de Zwan", NULL, NULL, 0, s, 5);
    cr_assert(n >= 1 && s[0].number == 1, "typos still find it");
    /* unrelated text finds nothing; empty input finds nothing */
    cr_assert_eq(kb_similar_rank(v.v, v.n, "Subsidie voor sportverenigingen", NULL, NULL, 0, s, 5),
                 0);
    cr_assert_eq(kb_similar_rank(v.v, v.n, "", "", NULL, 0, s, 5), 0);
    kb_case_vec_free(&v);
}

Test(similar, same_organisation_and_description_words)
{
    kb_case_vec v;
    kb_cases(&v);
    kb_similar s[5];
    kb_strv orgs = {0};
    kb_strv_push(&orgs, "Bakkerij De Korenschoof");
    size_t n = kb_similar_rank(v.v, v.n, "Vraag over een subsidie", NULL, &orgs, 0, s, 5);
    cr_assert_eq(n, 2, "both cases of the bakery (case-insensitive name)");
    cr_assert(s[0].same_org && s[1].same_org);
    cr_assert_eq(s[0].number + s[1].number, 3 + 5);
    /* exclude: the case being triaged is not its own duplicate */
    n = kb_similar_rank(v.v, v.n, "Bakkerij zoekt personeel", NULL, &orgs, 3, s, 5);
    cr_assert(n >= 1 && s[0].number == 5);
    for (size_t i = 0; i < n; i++)
        cr_assert_neq(s[i].number, 3);
    /* words of the description count too */
    n = kb_similar_rank(v.v, v.n, "Iets anders", "netcongestie bij de bakker", NULL, 0, s, 5);
    cr_assert(n >= 1 && s[0].number == 5, "n=%zu", n);
    /* max limits the answer, best first */
    n = kb_similar_rank(v.v, v.n, "Bakkerij", NULL, &orgs, 0, s, 1);
    cr_assert_eq(n, 1);
    kb_strv_free(&orgs);
    kb_case_vec_free(&v);
}

Test(triage, inbox_is_first_stage_or_no_lead_oldest_first)
{
    kb_case_vec v;
    kb_cases(&v);
    size_t idx[8];
    size_t n = kb_triage_inbox(v.v, v.n, "signal", "done", NULL, 0, idx);
    /* #3 (signal, no lead, created 200), #2 (signal, 300); #4 has no lead
     * but is done; #1 and #5 have a lead and left the first stage */
    cr_assert_eq(n, 2);
    cr_assert_eq(v.v[idx[0]].number, 3);
    cr_assert_eq(v.v[idx[1]].number, 2);
    free(v.v[4].lead_dept);
    v.v[4].lead_dept = NULL; /* no lead: back in the inbox, by age */
    n = kb_triage_inbox(v.v, v.n, "signal", "done", NULL, 0, idx);
    cr_assert_eq(n, 3);
    cr_assert_eq(v.v[idx[0]].number, 5);
    kb_case_vec_free(&v);
}

/* "duplicate of" resolves a signal: a case that is a duplicate of another
 * leaves the inbox; the case it duplicates, and cases with other links,
 * stay */
Test(triage, a_duplicate_leaves_the_inbox)
{
    kb_case_vec v;
    kb_cases(&v);
    size_t idx[8];
    kb_link links[] = {
        {.from = 3, .to = 5, .kind = KB_LINK_DUPLICATE}, /* #3 is a duplicate of #5 */
        {.from = 1, .to = 2, .kind = KB_LINK_DUPLICATE}, /* #2 is duplicated by #1: stays */
        {.from = 2, .to = 4, .kind = KB_LINK_RELATED},
    };
    size_t n = kb_triage_inbox(v.v, v.n, "signal", "done", links, 3, idx);
    cr_assert_eq(n, 1, "%zu", n);
    cr_assert_eq(v.v[idx[0]].number, 2);
    kb_case_vec_free(&v);
}

/* The similar cases offered in triage leave out the cases already linked
 * to this one as duplicates (either way round), and still fill max */
Test(triage, similar_leaves_out_linked_duplicates)
{
    kb_case_vec v;
    kb_cases(&v);
    kb_add(&v, "Bakkerij zoekt personeel voor de winkel", NULL, "Bakkerij De Korenschoof", "signal",
           NULL, 400); /* 6 */
    kb_similar s[5];
    size_t n = kb_triage_similar(v.v, v.n, &v.v[2], NULL, 0, s, 5);
    bool six = false, five = false;
    for (size_t i = 0; i < n; i++) {
        cr_assert_neq(s[i].number, 3, "not itself");
        six = six || s[i].number == 6;
        five = five || s[i].number == 5;
    }
    cr_assert(six && five, "both offered without links (n=%zu)", n);
    kb_link links[] = {{.from = 6, .to = 3, .kind = KB_LINK_DUPLICATE},
                       {.from = 5, .to = 3, .kind = KB_LINK_RELATED}};
    n = kb_triage_similar(v.v, v.n, &v.v[2], links, 2, s, 5);
    five = false;
    for (size_t i = 0; i < n; i++) {
        cr_assert_neq(s[i].number, 6, "#6 is already a duplicate of #3");
        five = five || s[i].number == 5;
    }
    cr_assert(five, "a related case is still offered");
    n = kb_triage_similar(v.v, v.n, &v.v[2], links, 2, s, 1);
    cr_assert_eq(n, 1, "max is filled past the linked one");
    cr_assert_eq(s[0].number, 5);
    kb_case_vec_free(&v);
}

Test(goal, validate_find_codec)
{
    kb_goal g = {.code = "banen", .text = "Meer banen", .dept = "ECO"};
    kb_err e;
    cr_assert_eq(kb_goal_validate(&g, &e), KB_OK);
    kb_goal bad = g;
    bad.code = "met spatie";
    cr_assert_eq(kb_goal_validate(&bad, &e), KB_EDATA);
    bad = g;
    bad.text = "";
    cr_assert_eq(kb_goal_validate(&bad, &e), KB_EDATA);
    bad = g;
    bad.dept = NULL;
    cr_assert_eq(kb_goal_validate(&bad, &e), KB_EDATA);
    bad = g;
    bad.text = "twee\nregels";
    cr_assert_eq(kb_goal_validate(&bad, &e), KB_EDATA);
    kb_goal v[2] = {g, {.code = "Énergie", .text = "x", .dept = "DUU"}};
    cr_assert_eq(kb_goal_find(v, 2, "BANEN"), &v[0]);
    cr_assert_eq(kb_goal_find(v, 2, "energie"), &v[1], "accent-insensitive");
    cr_assert_null(kb_goal_find(v, 2, "Meer banen"), "free text is no goal");
    kb_buf buf = KB_BUF_INIT;
    kb_codec_goal_encode(&g, &buf);
    kb_goal d;
    cr_assert_eq(kb_codec_goal_decode(buf.data, buf.len, &d, &e), KB_OK);
    cr_assert_str_eq(d.code, "banen");
    cr_assert_str_eq(d.text, "Meer banen");
    cr_assert_str_eq(d.dept, "ECO");
    kb_goal_free(&d);
    kb_buf_free(&buf);
}

Test(dates, relative_due_dates)
{
    kb_date today = kb_date_from_ymd(2027, 1, 30), d;
    kb_err e;
    cr_assert_eq(kb_date_parse_rel("7d", today, &d, &e), KB_OK);
    cr_assert_eq(d, today + 7);
    cr_assert_eq(kb_date_parse_rel("+2w", today, &d, &e), KB_OK);
    cr_assert_eq(d, today + 14);
    cr_assert_eq(kb_date_parse_rel("0d", today, &d, &e), KB_OK);
    cr_assert_eq(d, today);
    cr_assert_eq(kb_date_parse_rel("2027-02-03", today, &d, &e), KB_OK);
    cr_assert_eq(d, kb_date_from_ymd(2027, 2, 3));
    cr_assert_eq(kb_date_parse_rel("7x", today, &d, &e), KB_EDATA);
    cr_assert_eq(kb_date_parse_rel("d", today, &d, &e), KB_EDATA);
    cr_assert_eq(kb_date_parse_rel("overmorgen", today, &d, &e), KB_EDATA);
    cr_assert_eq(kb_date_parse_rel("morgen", today, &d, &e), KB_OK); /* tomorrow, in Dutch */
    cr_assert_eq(d, today + 1);
}

/* ------------------------------------------------------------ core */

static char kb_dir[300], kb_path[400];
static kb_board *kb_b;

static void kb_core_setup(void)
{
    snprintf(kb_dir, sizeof kb_dir, "/tmp/kbbrokerXXXXXX");
    cr_assert_not_null(mkdtemp(kb_dir));
    snprintf(kb_path, sizeof kb_path, "%s/board.kb", kb_dir);
    setenv("XDG_STATE_HOME", kb_dir, 1);
    kb_secret *p = kb_secret_new(KB_PASSPHRASE_MAX);
    const char *pw = "admin passphrase";
    memcpy(kb_secret_data(p), pw, strlen(pw));
    kb_secret_set_len(p, strlen(pw));
    kb_board_opts o = {.kdf = "interactive"};
    kb_err e;
    cr_assert_eq(kb_board_init(kb_path, "anna", p, &o, &kb_b, &e), KB_OK, "%s", e.msg);
    kb_secret_free(&p);
    for (int i = 0; i < 2; i++) {
        kb_case c;
        kb_case_init(&c);
        c.title = kb_strdup(i ? "Café de Zwaan" : "Bakkerij zoekt personeel");
        kb_strv_push(&c.hooks, "vrije tekst");
        cr_assert_eq(kb_board_case_add(kb_b, &c, &e), KB_OK, "%s", e.msg);
        kb_case_free(&c);
    }
}

static void kb_core_teardown(void)
{
    kb_board_close(&kb_b);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", kb_dir);
    if (system(cmd) != 0) {
        /* left behind in /tmp */
    }
}

TestSuite(broker_core, .init = kb_core_setup, .fini = kb_core_teardown);

Test(broker_core, goals_add_list_edit_remove_promote)
{
    kb_err e;
    kb_goal g = {.dept = "economy", .code = "banen", .text = "Meer banen"};
    cr_assert_eq(kb_board_goal_add(kb_b, &g, NULL, NULL, &e), KB_OK, "%s", e.msg);
    g.code = "BANEN";
    cr_assert_eq(kb_board_goal_add(kb_b, &g, NULL, NULL, &e), KB_EDATA, "codes are unique");
    g.dept = "XYZ";
    g.code = "x";
    cr_assert_eq(kb_board_goal_add(kb_b, &g, NULL, NULL, &e), KB_EDATA, "unknown department");
    kb_goal p = {.dept = "INC", .code = "tekst", .text = "Vrije tekst als doel"};
    size_t n = 0;
    uint64_t before = kb_board_commits(kb_b);
    cr_assert_eq(kb_board_goal_add(kb_b, &p, "VRIJE tekst", &n, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_commits(kb_b), before + 1, "goal and promoted cases: one transaction");
    cr_assert_eq(n, 2);
    kb_case c;
    kb_case_init(&c);
    cr_assert_eq(kb_board_case_get(kb_b, 1, &c, &e), KB_OK);
    cr_assert_eq(c.hooks.n, 1);
    cr_assert_str_eq(c.hooks.v[0], "tekst");
    kb_case_free(&c);
    kb_goal_vec v = {0};
    cr_assert_eq(kb_board_goal_list(kb_b, &v, &e), KB_OK);
    cr_assert_eq(v.n, 2);
    cr_assert_str_eq(v.v[0].dept, "ECO", "stored with the department's code");
    kb_goal_vec_free(&v);
    kb_goal ed = {.code = "banen", .text = "Meer en betere banen"};
    cr_assert_eq(kb_board_goal_edit(kb_b, &ed, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_goal_remove(kb_b, "tekst", &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_goal_remove(kb_b, "tekst", &e), KB_ENOENT);
    cr_assert_eq(kb_board_goal_list(kb_b, &v, &e), KB_OK);
    cr_assert_eq(v.n, 1);
    cr_assert_str_eq(v.v[0].text, "Meer en betere banen");
    kb_goal_vec_free(&v);
}

Test(broker_core, one_decision_is_one_transaction)
{
    kb_err e;
    /* a patch that adds a hook and an involved department, keeping the
     * stored ones, with a next-step action item: one write */
    kb_case_patch p;
    kb_case_patch_init(&p);
    p.set = (1u << KB_F_HOOKS) | (1u << KB_F_DEPTS) | (1u << KB_F_LEAD);
    p.append = (1u << KB_F_HOOKS) | (1u << KB_F_DEPTS);
    p.v.lead_dept = kb_strdup("economy");
    kb_strv_push(&p.v.hooks, "banen");
    kb_strv_push(&p.v.depts, "INC");
    kb_action_item it;
    kb_action_item_init(&it);
    it.text = kb_strdup("Eerste contact");
    it.owner = kb_strdup("an");
    it.due = kb_date_today() + 7;
    kb_case_extra x = {.action = &it};
    uint64_t before = kb_board_commits(kb_b);
    kb_case out;
    kb_case_init(&out);
    cr_assert_eq(kb_board_case_decide_triage(kb_b, 1, &p, NULL, &x, KB_CORE_ANY_VERSION, &out, &e),
                 KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_commits(kb_b), before + 1);
    cr_assert_str_eq(out.lead_dept, "ECO");
    cr_assert_eq(out.hooks.n, 2, "added, not replaced");
    cr_assert_str_eq(out.hooks.v[0], "vrije tekst");
    cr_assert_str_eq(out.hooks.v[1], "banen");
    cr_assert_eq(it.number, 1);
    kb_case_free(&out);
    kb_case_patch_free(&p);
    kb_action_item_free(&it);
    /* extras alone: a comment and a duplicate link, one write */
    before = kb_board_commits(kb_b);
    kb_case_extra y = {
        .comment = "Meer informatie nodig", .link_to = 2, .link_kind = KB_LINK_DUPLICATE};
    cr_assert_eq(
        kb_board_case_decide_triage(kb_b, 1, NULL, NULL, &y, KB_CORE_ANY_VERSION, NULL, &e), KB_OK,
        "%s", e.msg);
    cr_assert_eq(kb_board_commits(kb_b), before + 1);
    kb_case_detail d;
    cr_assert_eq(kb_board_case_detail(kb_b, 1, &d, &e), KB_OK);
    cr_assert_eq(d.links.n, 1);
    cr_assert_eq(d.links.v[0].to, 2);
    cr_assert_eq(d.actions.n, 1);
    cr_assert_str_eq(d.actions.v[0].owner, "anna", "owner prefix resolved");
    kb_case_detail_free(&d);
    /* a bad part writes nothing */
    before = kb_board_commits(kb_b);
    kb_case_extra z = {.link_to = 99, .link_kind = KB_LINK_RELATED};
    cr_assert_neq(
        kb_board_case_decide_triage(kb_b, 1, NULL, NULL, &z, KB_CORE_ANY_VERSION, NULL, &e), KB_OK);
    cr_assert_eq(kb_board_commits(kb_b), before);
}

Test(broker_core, a_decision_on_a_stale_case_is_refused)
{
    kb_err e;
    kb_case shown;
    kb_case_init(&shown);
    cr_assert_eq(kb_board_case_get(kb_b, 1, &shown, &e), KB_OK, "%s", e.msg);
    /* someone else sets the lead department after the broker saw the case */
    kb_case_patch other;
    kb_case_patch_init(&other);
    other.set = 1u << KB_F_LEAD;
    other.v.lead_dept = kb_strdup("INC");
    cr_assert_eq(kb_board_case_update(kb_b, 1, &other, NULL, KB_CORE_ANY_VERSION, 0, NULL, &e),
                 KB_OK, "%s", e.msg);
    kb_case_patch_free(&other);
    /* the broker's decision on what was shown: refused, nothing written */
    kb_case_patch p;
    kb_case_patch_init(&p);
    p.set = 1u << KB_F_LEAD;
    p.v.lead_dept = kb_strdup("economy");
    kb_case_extra x = {.comment = "Economie trekt"};
    uint64_t before = kb_board_commits(kb_b);
    cr_assert_eq(kb_board_case_decide_triage(kb_b, 1, &p, NULL, &x, shown.version, NULL, &e),
                 KB_ECONFLICT);
    cr_assert(strstr(e.msg, "#1") != NULL, "%s", e.msg);
    cr_assert_eq(kb_board_commits(kb_b), before);
    kb_case now;
    kb_case_init(&now);
    cr_assert_eq(kb_board_case_get(kb_b, 1, &now, &e), KB_OK, "%s", e.msg);
    cr_assert_str_eq(now.lead_dept, "INC");
    /* extras alone do not overwrite anything: no version check */
    kb_case_extra y = {.comment = "Toch even bellen"};
    cr_assert_eq(kb_board_case_decide_triage(kb_b, 1, NULL, NULL, &y, shown.version, NULL, &e),
                 KB_OK, "%s", e.msg);
    /* on the current version the decision goes through */
    cr_assert_eq(kb_board_case_decide_triage(kb_b, 1, &p, NULL, &x, now.version, NULL, &e), KB_OK,
                 "%s", e.msg);
    kb_case_free(&now);
    kb_case_free(&shown);
    kb_case_patch_free(&p);
}

Test(broker_core, new_case_with_its_duplicate_link)
{
    kb_err e;
    kb_case c;
    kb_case_init(&c);
    c.title = kb_strdup("Cafe de Zwaan (nogmaals)");
    uint64_t before = kb_board_commits(kb_b);
    cr_assert_eq(kb_board_case_add_linked(kb_b, &c, 2, KB_LINK_DUPLICATE, NULL, &e), KB_OK, "%s",
                 e.msg);
    cr_assert_eq(kb_board_commits(kb_b), before + 1);
    cr_assert_eq(c.number, 3);
    kb_link_vec lv = {0};
    cr_assert_eq(kb_board_link_list(kb_b, 3, &lv, &e), KB_OK);
    cr_assert(lv.n == 1 && lv.v[0].from == 3 && lv.v[0].to == 2 &&
              lv.v[0].kind == KB_LINK_DUPLICATE);
    kb_link_vec_free(&lv);
    kb_case_free(&c);
    /* a link to a case that does not exist: no case either */
    kb_case_init(&c);
    c.title = kb_strdup("Nog een");
    cr_assert_neq(kb_board_case_add_linked(kb_b, &c, 77, KB_LINK_RELATED, NULL, &e), KB_OK);
    kb_case_free(&c);
    kb_case_vec all = {0};
    cr_assert_eq(kb_board_case_list(kb_b, &all, &e), KB_OK);
    cr_assert_eq(all.n, 3);
    kb_case_vec_free(&all);
}

/* ---- links: contradictions are refused, a link can be removed */

static void kb_more_cases(int n)
{
    kb_err e;
    for (int i = 0; i < n; i++) {
        kb_case c;
        kb_case_init(&c);
        c.title = kb_asprintf("Signaal %d", i + 3);
        cr_assert_eq(kb_board_case_add(kb_b, &c, &e), KB_OK, "%s", e.msg);
        kb_case_free(&c);
    }
}

static size_t kb_nlinks(uint32_t number)
{
    kb_err e;
    kb_link_vec lv = {0};
    cr_assert_eq(kb_board_link_list(kb_b, number, &lv, &e), KB_OK, "%s", e.msg);
    size_t n = lv.n;
    kb_link_vec_free(&lv);
    return n;
}

Test(broker_core, contradictory_links_are_refused)
{
    kb_err e;
    kb_more_cases(2); /* #3, #4 */
    cr_assert_eq(kb_board_link_add(kb_b, 2, 1, KB_LINK_DUPLICATE, &e), KB_OK, "%s", e.msg);
    uint64_t before = kb_board_commits(kb_b);
    /* each a duplicate of the other */
    cr_assert_eq(kb_board_link_add(kb_b, 1, 2, KB_LINK_DUPLICATE, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "#2 is already a duplicate of #1") != NULL, "%s", e.msg);
    cr_assert(strstr(e.msg, "kernboard case unlink 2 1") != NULL, "says how: %s", e.msg);
    /* the same link again; related or blocks between the same two */
    cr_assert_eq(kb_board_link_add(kb_b, 2, 1, KB_LINK_DUPLICATE, &e), KB_EDATA);
    cr_assert_str_eq(e.msg, "#2 is already a duplicate of #1");
    cr_assert_eq(kb_board_link_add(kb_b, 1, 2, KB_LINK_RELATED, &e), KB_EDATA);
    cr_assert_eq(kb_board_link_add(kb_b, 2, 1, KB_LINK_BLOCKS, &e), KB_EDATA);
    /* blocks each other */
    cr_assert_eq(kb_board_link_add(kb_b, 3, 4, KB_LINK_BLOCKS, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_link_add(kb_b, 4, 3, KB_LINK_BLOCKS, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "#3 already blocks #4") != NULL, "%s", e.msg);
    /* related is one link whichever way round */
    cr_assert_eq(kb_board_link_add(kb_b, 1, 3, KB_LINK_RELATED, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_link_add(kb_b, 3, 1, KB_LINK_RELATED, &e), KB_EDATA);
    cr_assert_str_eq(e.msg, "#1 is already related to #3");
    /* a circle through a third case: #4 blocks #1 would close 3 -> 4 ->
     * ... no; #2 duplicate of #1, #1 duplicate of #4, then #4 of #2 */
    cr_assert_eq(kb_board_link_add(kb_b, 1, 4, KB_LINK_DUPLICATE, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_link_add(kb_b, 4, 2, KB_LINK_DUPLICATE, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "#2 is already a duplicate of #4 (through #1)") != NULL, "%s", e.msg);
    cr_assert(strstr(e.msg, "circle") != NULL, "%s", e.msg);
    /* nothing written by the refusals */
    cr_assert_eq(kb_board_commits(kb_b), before + 3);
    cr_assert_eq(kb_nlinks(1), 3);
}

Test(broker_core, unlink_removes_links_in_one_transaction)
{
    kb_err e;
    kb_more_cases(1); /* #3 */
    cr_assert_eq(kb_board_link_add(kb_b, 2, 1, KB_LINK_DUPLICATE, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_link_add(kb_b, 3, 1, KB_LINK_BLOCKS, &e), KB_OK, "%s", e.msg);
    kb_board_cache bc;
    cr_assert_eq(kb_board_cache_load(kb_b, &bc, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(bc.links.n, 2, "the cache holds the links");
    /* a kind that is not there: 66, nothing written */
    uint64_t before = kb_board_commits(kb_b);
    enum kb_link_kind rel = KB_LINK_RELATED, dup = KB_LINK_DUPLICATE;
    kb_link_vec gone = {0};
    cr_assert_eq(kb_board_link_remove(kb_b, 1, 2, &rel, &gone, &e), KB_ENOENT);
    cr_assert(strstr(e.msg, "#1 and #2") != NULL, "%s", e.msg);
    cr_assert_eq(kb_board_link_remove(kb_b, 2, 3, NULL, &gone, &e), KB_ENOENT);
    cr_assert_str_eq(e.msg, "#2 and #3 are not linked");
    cr_assert_eq(kb_board_commits(kb_b), before);
    /* named from the other end, with its kind: one write */
    cr_assert_eq(kb_board_link_remove(kb_b, 1, 2, &dup, &gone, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_board_commits(kb_b), before + 1);
    cr_assert(gone.n == 1 && gone.v[0].from == 2 && gone.v[0].to == 1);
    kb_link_vec_free(&gone);
    cr_assert_eq(kb_nlinks(2), 0);
    cr_assert_eq(kb_nlinks(1), 1, "the other link stays");
    /* the timeline of #2 says so; the link can be made again */
    kb_case_detail d;
    cr_assert_eq(kb_board_case_detail(kb_b, 2, &d, &e), KB_OK, "%s", e.msg);
    const char *last = d.timeline.v[d.timeline.n - 1].text;
    cr_assert_str_eq(last, "link removed: #1 duplicate");
    char *shown = kb_timeline_localize(last);
    cr_assert_str_eq(shown, "link removed: #1 duplicate");
    kb_free(&shown);
    kb_case_detail_free(&d);
    cr_assert_eq(kb_board_link_add(kb_b, 1, 2, KB_LINK_RELATED, &e), KB_OK, "%s", e.msg);
    /* all kinds: both links between #1 and #3 (one made each way) */
    cr_assert_eq(kb_board_link_remove(kb_b, 1, 3, NULL, NULL, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(kb_nlinks(3), 0);
    /* the cache follows the change feed */
    size_t changed = 0;
    cr_assert_eq(kb_board_cache_refresh(kb_b, &bc, &changed, &e), KB_OK, "%s", e.msg);
    cr_assert(bc.links_changed);
    cr_assert(bc.links.n == 1 && bc.links.v[0].from == 1 && bc.links.v[0].to == 2 &&
              bc.links.v[0].kind == KB_LINK_RELATED);
    kb_board_cache_free(&bc);
    kb_verify_result vr;
    cr_assert_eq(kb_board_verify(kb_b, &vr, &e), KB_OK, "%s", e.msg);
}

/* A triage "duplicate of" takes the case out of the inbox (the cache's
 * cases and links, as triage list and the TUI use them) */
Test(broker_core, duplicate_decision_empties_the_inbox)
{
    kb_err e;
    kb_board_cache bc;
    cr_assert_eq(kb_board_cache_load(kb_b, &bc, &e), KB_OK, "%s", e.msg);
    size_t ns = 0;
    const kb_stage *st = kb_board_stages(kb_b, &ns);
    size_t idx[4];
    size_t n = kb_triage_inbox(bc.cases.v, bc.cases.n, st[0].code, st[ns - 1].code, bc.links.v,
                               bc.links.n, idx);
    cr_assert_eq(n, 2);
    kb_case_extra x = {.link_to = 1, .link_kind = KB_LINK_DUPLICATE};
    cr_assert_eq(
        kb_board_case_decide_triage(kb_b, 2, NULL, NULL, &x, KB_CORE_ANY_VERSION, NULL, &e), KB_OK,
        "%s", e.msg);
    cr_assert_eq(kb_board_cache_refresh(kb_b, &bc, NULL, &e), KB_OK, "%s", e.msg);
    n = kb_triage_inbox(bc.cases.v, bc.cases.n, st[0].code, st[ns - 1].code, bc.links.v, bc.links.n,
                        idx);
    cr_assert_eq(n, 1);
    cr_assert_eq(bc.cases.v[idx[0]].number, 1, "#2 is done with; #1 still waits");
    kb_board_cache_free(&bc);
}

/* An involved department made the lead leaves the involved ones in the
 * same change; listing it as both is still refused, with a true message */
Test(broker_core, involved_department_becomes_the_lead)
{
    kb_err e;
    kb_case_patch p;
    kb_case_patch_init(&p);
    p.set = (1u << KB_F_LEAD) | (1u << KB_F_DEPTS);
    p.v.lead_dept = kb_strdup("INC");
    kb_strv_push(&p.v.depts, "SOC");
    kb_strv_push(&p.v.depts, "ECO");
    cr_assert_eq(kb_board_case_update(kb_b, 1, &p, NULL, KB_CORE_ANY_VERSION, 0, NULL, &e), KB_OK,
                 "%s", e.msg);
    kb_case_patch_free(&p);
    /* case edit 1 --dept economy (ECO is involved) */
    kb_case_patch_init(&p);
    p.set = 1u << KB_F_LEAD;
    p.v.lead_dept = kb_strdup("economy");
    uint64_t before = kb_board_commits(kb_b);
    kb_case out;
    kb_case_init(&out);
    cr_assert_eq(kb_board_case_update(kb_b, 1, &p, NULL, KB_CORE_ANY_VERSION, 0, &out, &e), KB_OK,
                 "%s", e.msg);
    cr_assert_eq(kb_board_commits(kb_b), before + 1, "one change");
    cr_assert_str_eq(out.lead_dept, "ECO");
    cr_assert(out.depts.n == 1 && strcmp(out.depts.v[0], "SOC") == 0);
    kb_case_free(&out);
    kb_case_patch_free(&p);
    kb_case_detail d;
    cr_assert_eq(kb_board_case_detail(kb_b, 1, &d, &e), KB_OK, "%s", e.msg);
    cr_assert_str_eq(d.timeline.v[d.timeline.n - 1].text,
                     "lead department: INC -> ECO; departments: SOC,ECO -> SOC");
    kb_case_detail_free(&d);
    /* the triage way: the lead with an involved department added */
    kb_case_patch_init(&p);
    p.set = (1u << KB_F_LEAD) | (1u << KB_F_DEPTS);
    p.append = 1u << KB_F_DEPTS;
    p.v.lead_dept = kb_strdup("SOC");
    kb_strv_push(&p.v.depts, "INC");
    cr_assert_eq(
        kb_board_case_decide_triage(kb_b, 1, &p, NULL, NULL, KB_CORE_ANY_VERSION, &out, &e), KB_OK,
        "%s", e.msg);
    cr_assert_str_eq(out.lead_dept, "SOC");
    cr_assert(out.depts.n == 1 && strcmp(out.depts.v[0], "INC") == 0, "SOC left, INC added");
    kb_case_free(&out);
    kb_case_patch_free(&p);
    /* --dept ECO --also ECO,INC: listed twice by the change itself */
    kb_case_patch_init(&p);
    p.set = (1u << KB_F_LEAD) | (1u << KB_F_DEPTS);
    p.v.lead_dept = kb_strdup("ECO");
    kb_strv_push(&p.v.depts, "ECO");
    kb_strv_push(&p.v.depts, "INC");
    before = kb_board_commits(kb_b);
    cr_assert_eq(kb_board_case_update(kb_b, 1, &p, NULL, KB_CORE_ANY_VERSION, 0, NULL, &e),
                 KB_EDATA);
    cr_assert_str_eq(e.msg, "department ECO is the lead department; do not list it again");
    cr_assert_eq(kb_board_commits(kb_b), before);
    kb_case_patch_free(&p);
}
