/* report.c - gathering what a report is computed from (cases, their stage
 * moves, action items, organisations) in one read transaction; the
 * numbers themselves are computed in the model (src/model/report.c). */
#include "core_internal.h"
#include "kernboard/mem.h"
#include "kernboard/query.h"
#include "kernboard/report.h"

#include <string.h>

int kb_board_report(kb_board *b, const kb_query *q, const char *only, kb_date from, kb_date to,
                    kb_report *out, kb_err *e)
{
    return kb_board_report_shared(b, q, only, from, to, NULL, NULL, out, e);
}

int kb_board_report_shared(kb_board *b, const kb_query *q, const char *only, kb_date from,
                           kb_date to, kb_report_hidden_fn hidden, void *hctx, kb_report *out,
                           kb_err *e)
{
    kb_case_vec all = {0};
    kb_action_vec acts = {0};
    kb_org_vec orgs = {0};
    kb_goal_vec goals = {0};
    kb_comment *entries = NULL;
    size_t nentries = 0;
    kb_txn *t = NULL;
    memset(out, 0, sizeof *out);
    int rc = kb_board_case_list(b, &all, e);
    if (rc || (rc = kb_board_action_list(b, 0, &acts, e)) || (rc = kb_board_org_list(b, &orgs, e)))
        goto out;
    if (kb_query_needs_activity(q) && (rc = kb_board_case_activity(b, all.v, all.n, e)))
        goto out; /* updated, since: comments and decisions count too */
    kb_query_ctx ctx;
    kb_board_query_ctx(b, q, &ctx);
    /* keep the matching cases (moved to the front) */
    size_t n = 0;
    for (size_t i = 0; i < all.n; i++) {
        /* the shared screen: a hidden case matches on number and title */
        kb_case masked;
        const kb_case *m = &all.v[i];
        if (q && hidden && hidden(m, hctx)) {
            masked = kb_case_masked_view(m);
            m = &masked;
        }
        if (q && !kb_query_match(q, m, &ctx)) {
            kb_case_free(&all.v[i]);
            continue;
        }
        if (n != i)
            all.v[n] = all.v[i];
        n++;
    }
    all.n = n;
    if ((rc = kb_store_read(b->s, &t, e)))
        goto out;
    for (size_t i = 0; i < all.n; i++) {
        kb_comment_vec tl = {0};
        if ((rc = kb_timeline_in(t, &all.v[i].key, &tl, e)))
            goto out;
        for (size_t k = 0; k < tl.n; k++) {
            if (tl.v[k].kind != KB_ENTRY_CHANGE || !tl.v[k].move_to) {
                kb_comment_free(&tl.v[k]);
                continue;
            }
            entries = kb_reallocarray(entries, nentries + 1, sizeof *entries);
            entries[nentries] = tl.v[k];
            entries[nentries].case_number = all.v[i].number;
            nentries++;
        }
        kb_free(&tl.v);
    }
    /* the goals, so that hooks read and count as goals (same snapshot) */
    if ((rc = kb_goals_in(b, t, &goals, e)))
        goto out;
    kb_txn_abort(&t);
    size_t nstages, ndepts, nlines;
    const kb_stage *stages = kb_board_stages(b, &nstages);
    const kb_dept *depts = kb_board_depts(b, &ndepts);
    const kb_line *lines = kb_board_lines(b, &nlines);
    kb_report_input in = {.cases = all.v,
                          .ncases = all.n,
                          .entries = entries,
                          .nentries = nentries,
                          .actions = acts.v,
                          .nactions = acts.n,
                          .stages = stages,
                          .nstages = nstages,
                          .depts = depts,
                          .ndepts = ndepts,
                          .lines = lines,
                          .nlines = nlines,
                          .orgs = orgs.v,
                          .norgs = orgs.n,
                          .goals = goals.v,
                          .ngoals = goals.n,
                          .today = ctx.today,
                          .from = from,
                          .to = to};
    kb_report_compute(&in, only, out);
out:
    kb_txn_abort(&t);
    for (size_t i = 0; i < nentries; i++)
        kb_comment_free(&entries[i]);
    kb_free(&entries);
    kb_case_vec_free(&all);
    kb_action_vec_free(&acts);
    kb_org_vec_free(&orgs);
    kb_goal_vec_free(&goals);
    return rc;
}
