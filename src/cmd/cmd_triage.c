/* cmd_triage.c - the triage inbox on the command line: triage list and
 * triage next (issue 12); the TUI's inbox is src/tui/view_triage.c. */
#include "cmd_internal.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <string.h>

/* ------------------------------------------------------------ triage */

/* The inbox of the board's cases and links (the board's cache, as the
 * TUI's inbox): indexes into its cases (new array). */
static size_t kb_cmd_inbox(kb_board *b, const kb_board_cache *bc, size_t **idx)
{
    size_t ns = 0;
    const kb_stage *st = kb_board_stages(b, &ns);
    const kb_case_vec *v = &bc->cases;
    *idx = kb_calloc(v->n ? v->n : 1, sizeof **idx);
    return kb_triage_inbox(v->v, v->n, ns ? st[0].code : NULL, ns > 1 ? st[ns - 1].code : NULL,
                           bc->links.v, bc->links.n, *idx);
}

static int kb_cmd_triage(kb_cmd_ctx *cx, const char *cmd, int argc, char **argv, bool next)
{
    (void)argv;
    if (argc > 1)
        return kb_cmd_usage(cx, cmd, _("unexpected argument '%s'"), argv[1]);
    kb_board *b = NULL;
    int rc = kb_cmd_open(cx, cmd, &b);
    if (rc)
        return rc;
    kb_board_cache bc;
    memset(&bc, 0, sizeof bc);
    kb_case_vec v = {0}; /* borrowed from bc */
    size_t *idx = NULL;
    if (kb_board_cache_load(b, &bc, &cx->err)) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    v = bc.cases;
    size_t n = kb_cmd_inbox(b, &bc, &idx);
    kb_date today = kb_date_today();
    if (next) {
        if (n == 0) {
            if (cx->json)
                rc = kb_cmd_print_json(cx, json_null());
            else
                fprintf(cx->out, "%s\n", _("The triage inbox is empty."));
            goto out;
        }
        const kb_case *c = &v.v[idx[0]];
        kb_similar sim[5];
        /* the shared screen: a hidden confidential case by its number and
         * title only, without the similar cases its fields would find */
        bool hidden = kb_cmd_mask(cx, &v.v[idx[0]]);
        size_t ns = hidden ? 0 : kb_triage_similar(v.v, v.n, c, bc.links.v, bc.links.n, sim, 5);
        if (cx->json) {
            json_t *o = kb_cmd_case_json(c);
            json_object_set_new(o, "left", json_integer((json_int_t)n));
            json_t *sa = json_array();
            for (size_t i = 0; i < ns; i++) {
                json_t *so = json_object();
                json_object_set_new(so, "number", json_integer(sim[i].number));
                json_object_set_new(so, "title", json_string(v.v[sim[i].index].title));
                json_object_set_new(so, "score", json_integer(sim[i].score));
                json_object_set_new(so, "same_org", json_boolean(sim[i].same_org));
                json_array_append_new(sa, so);
            }
            json_object_set_new(o, "similar", sa);
            rc = kb_cmd_print_json(cx, o);
            goto out;
        }
        fprintf(cx->out,
                dngettext(KB_TEXTDOMAIN, "%zu case to triage\n", "%zu cases to triage\n", n), n);
        fprintf(cx->out, "#%u %s\n", c->number, c->title);
        if (hidden) {
            fprintf(cx->out, "%s\n",
                    _("(confidential: its other fields and similar cases are not shown on the "
                      "shared screen)"));
            goto out;
        }
        char *orgs = kb_strv_join(&c->orgs, "; ");
        fprintf(cx->out, "%-16s %s\n", _("Organisations:"), orgs[0] ? orgs : "-");
        kb_free(&orgs);
        fprintf(cx->out, "%-16s %d\n", _("Days waiting:"), kb_case_age_days(c, today));
        if (c->description && c->description[0])
            fprintf(cx->out, "\n%s\n", c->description);
        if (ns)
            fprintf(cx->out, "\n%s\n", _("Similar cases:"));
        for (size_t i = 0; i < ns; i++)
            fprintf(cx->out, "  #%u %s\n", sim[i].number, v.v[sim[i].index].title);
        goto out;
    }
    /* the shared screen: a hidden confidential case keeps its place in the
     * inbox, with its number and title only */
    for (size_t i = 0; cx->shared_screen && i < n; i++)
        kb_cmd_mask(cx, &v.v[idx[i]]);
    if (cx->json) {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, kb_cmd_case_json(&v.v[idx[i]]));
        rc = kb_cmd_print_json(cx, a);
        goto out;
    }
    fprintf(cx->out, dngettext(KB_TEXTDOMAIN, "%zu case to triage\n", "%zu cases to triage\n", n),
            n);
    /* the stage by name, as case list shows it (JSON keeps the code) */
    kb_query_refs refs = {0};
    refs.stages = kb_board_stages(b, &refs.nstages);
    refs.lines = kb_board_lines(b, &refs.nlines);
    for (size_t i = 0; i < n; i++) {
        const kb_case *c = &v.v[idx[i]];
        char num[16], age[16];
        snprintf(num, sizeof num, "#%u", c->number);
        snprintf(age, sizeof age, "%dd", kb_case_age_days(c, today));
        if (kb_cmd_hidden(cx, c)) {
            fprintf(cx->out, "%-6s %5s ", num, "");
            kb_cmd_cell(cx->out, kb_cmd_masked_text(), 20);
            fprintf(cx->out, " %s\n", c->title ? c->title : "");
            continue;
        }
        fprintf(cx->out, "%-6s %5s ", num, age);
        char *stage = kb_case_field_show(c, KB_F_STAGE, kb_query_name_refs, &refs);
        kb_cmd_cell(cx->out, stage && stage[0] ? stage : "-", 14);
        kb_free(&stage);
        fputc(' ', cx->out);
        kb_cmd_cell(cx->out, c->lead_dept ? c->lead_dept : "-", 5);
        fprintf(cx->out, " %s\n", c->title ? c->title : "");
    }
out:
    kb_free(&idx);
    kb_board_cache_free(&bc);
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_triage_list(kb_cmd_ctx *cx, int argc, char **argv)
{
    return kb_cmd_triage(cx, "triage list", argc, argv, false);
}

int kb_cmd_triage_next(kb_cmd_ctx *cx, int argc, char **argv)
{
    return kb_cmd_triage(cx, "triage next", argc, argv, true);
}
