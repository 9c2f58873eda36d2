/*
 * test_tui_fixture.h - an in-memory board for the TUI tests: the default
 * stages, departments and action lines, a dozen realistic cases, someone
 * else editing one of them, two other people online, and a fixed "today"
 * (2024-05-15, TZ=UTC) so every screen is deterministic.  No board file
 * is needed: the views take plain model structs (app.board stays NULL).
 */
#ifndef KB_TEST_TUI_FIXTURE_H
#define KB_TEST_TUI_FIXTURE_H

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernboard/mem.h"
#include "tui/tui_internal.h"

static kb_stage kb_fx_stages[] = {
    {.code = "signal", .name = "Signal", .position = 1},
    {.code = "explore", .name = "Explore", .position = 2, .wip_limit = 3},
    {.code = "connect", .name = "Connect", .position = 3, .wip_limit = 4, .needs_reason = true},
    {.code = "progress", .name = "In progress", .position = 4},
    {.code = "done", .name = "Embedded/Done", .position = 5},
};
static kb_dept kb_fx_depts[] = {
    {.code = "DUU", .name = "Sustainability"}, {.code = "ECO", .name = "Economy"},
    {.code = "INC", .name = "Inclusion"},      {.code = "INK", .name = "Procurement"},
    {.code = "SOC", .name = "Social domain"},  {.code = "VAS", .name = "Real estate"},
};
static kb_line kb_fx_lines[] = {
    {.code = "service", .name = "Service to entrepreneurs"},
    {.code = "trade", .name = "Collaboration & trade"},
    {.code = "procure", .name = "Impact procurement"},
    {.code = "finance", .name = "Financing"},
    {.code = "visible", .name = "Visibility"},
};

static kb_time kb_fx_time(int y, int m, int d, int hh, int mm)
{
    return (kb_time)kb_date_from_ymd(y, m, d) * 86400 + hh * 3600 + mm * 60;
}

static void kb_fx_case(kb_case_vec *v, const char *title, const char *stage, const char *lead,
                       const char *also)
{
    v->v = kb_reallocarray(v->v, v->n + 1, sizeof *v->v);
    kb_case *c = &v->v[v->n];
    kb_case_init(c);
    c->number = (uint32_t)v->n + 1;
    c->title = kb_strdup(title);
    c->stage = kb_strdup(stage);
    c->lead_dept = lead ? kb_strdup(lead) : NULL;
    if (also)
        kb_strv_split(&c->depts, also);
    c->created = kb_fx_time(2024, 4, 2 + (int)v->n, 9, 0);
    c->updated = kb_fx_time(2024, 5, 13, 16, 45);
    c->version = 3 + v->n;
    v->n++;
}

static void kb_fx_app(kb_tui_app *a, int w, int h, bool utf8)
{
    setenv("TZ", "UTC", 1);
    tzset();
    setlocale(LC_ALL, utf8 ? "C.UTF-8" : "C");
    kb_tui_app_init(a, "/srv/share/kernteam.kb", "alice", w, h, utf8);
    a->today = kb_date_from_ymd(2024, 5, 15);
    a->today_fixed = true;
    a->refs.stages = kb_fx_stages;
    a->refs.nstages = sizeof kb_fx_stages / sizeof *kb_fx_stages;
    a->refs.depts = kb_fx_depts;
    a->refs.ndepts = sizeof kb_fx_depts / sizeof *kb_fx_depts;
    a->refs.lines = kb_fx_lines;
    a->refs.nlines = sizeof kb_fx_lines / sizeof *kb_fx_lines;

    kb_case_vec *v = &a->cache.cases;
    kb_fx_case(v, "Café De Hoek wil uitbreiden op het terras", "explore", "ECO", "INC,DUU");
    kb_fx_case(v, "Leegstand winkelcentrum Noord", "explore", "VAS", NULL);
    kb_fx_case(v, "Social return bij aanbesteding groenonderhoud", "connect", "INK", "SOC");
    kb_fx_case(v, "Signaal: ondernemer zoekt werkplek voor statushouders", "signal", NULL, NULL);
    kb_fx_case(v, "Duurzaam bedrijfsverzamelgebouw Zuid", "progress", "DUU", NULL);
    kb_fx_case(v, "東京-delegatie wil kennis delen over waterstof", "signal", "ECO", "DUU");
    kb_fx_case(v, "Arbeidsmarktregio: leerwerkbanen techniek", "explore", "INC", NULL);
    kb_fx_case(v, "Financiering starters via microkrediet", "connect", "ECO", NULL);
    kb_fx_case(v, "Zonnepanelen op sporthal De Vijver", "done", "DUU", NULL);
    kb_fx_case(v, "Ondernemersloket: één aanspreekpunt", "explore", "ECO", NULL);
    kb_fx_case(v, "Inkoopbeleid lokaal MKB", "signal", "INK", "ECO");
    kb_fx_case(v, "Schuldhulp voor zzp'ers", "progress", "SOC", "INC,ECO");

    kb_case *c = &v->v[0];
    c->due = kb_date_from_ymd(2024, 5, 1);
    c->review = kb_date_from_ymd(2024, 5, 22);
    c->on_agenda = true;
    c->priority = 2;
    c->owner = kb_strdup("alice");
    c->action_line = kb_strdup("service");
    kb_strv_push(&c->orgs, "Café De Hoek");
    kb_strv_push(&c->orgs, "Ondernemersvereniging Centrum");
    kb_strv_push(&c->hooks, "Economische visie 2030: levendige binnenstad");
    kb_strv_split(&c->tags, "horeca, terras");
    c->description = kb_strdup("De eigenaar wil het terras uitbreiden en twee mensen met een "
                               "afstand tot de arbeidsmarkt aannemen.\nVraag: kan de vergunning "
                               "sneller, en is er een loonkostensubsidie?");
    v->v[1].blocked = kb_strdup("wacht op ontheffing bestemmingsplan");
    v->v[2].on_agenda = true;
    v->v[6].due = kb_date_from_ymd(2024, 6, 1);
    v->v[9].priority = 3;
    v->v[11].due = kb_date_from_ymd(2024, 5, 10);

    a->edits = kb_calloc(1, sizeof *a->edits);
    a->edits[0].number = 5;
    snprintf(a->edits[0].user, sizeof a->edits[0].user, "bob");
    a->edits[0].since = kb_fx_time(2024, 5, 15, 10, 3);
    a->nedits = 1;
    kb_strv_push(&a->online, "bob");
    kb_strv_push(&a->online, "carol");
    a->nsessions = 3;
    kb_tui_app_dirty(a);
    (void)kb_tui_select_case(a, 1, "ECO");
}

/* Forget the borrowed reference data before kb_tui_app_free. */
static void kb_fx_free(kb_tui_app *a)
{
    memset(&a->refs, 0, sizeof a->refs);
    kb_tui_app_free(a);
}

#endif
