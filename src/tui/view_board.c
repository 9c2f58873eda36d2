/* view_board.c - the board: stages as columns, departments as lanes.
 *
 * The layout (which card is in which lane and stage) is computed from the
 * cached cases, the filter and the collapsed lanes whenever one of them
 * changes; drawing and navigation read it.  The selection is kept as a
 * case number (plus lane and stage), so a refresh that reorders the cards
 * leaves the cursor on the same case. */
#include "tui_internal.h"

#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Narrowest stage column before the board scrolls sideways: "#123 ", a
 * title of at least 20 cells and " !A+2" (the markers). */
#define KB_COL_MIN 30
/* From this screen height on, cards have two rows (the title wraps). */
#define KB_TWO_ROW_H 40

void kb_tui_layout_free(kb_tui_blayout *l)
{
    for (size_t i = 0; i < l->nlanes; i++) {
        for (size_t s = 0; s < l->nstages; s++)
            kb_free(&l->lanes[i].cells[s].v);
        kb_free(&l->lanes[i].cells);
        kb_free(&l->lanes[i].lead_total);
    }
    kb_free(&l->lanes);
    kb_free(&l->stage_total);
    kb_free(&l->stage_shown);
    memset(l, 0, sizeof *l);
}

/* Equal codes; most differ in the first letter (no call then). */
static inline bool kb_code_eq(const char *x, const char *y)
{
    return x[0] == y[0] && strcmp(x, y) == 0;
}

/* Stage of a code (exact match first, then in any case; 0 if none);
 * *exact: matched exactly. */
static size_t kb_stage_find(const kb_tui_app *a, const char *code, bool *exact)
{
    *exact = false;
    for (size_t i = 0; code && i < a->refs.nstages; i++)
        if (kb_code_eq(a->refs.stages[i].code, code)) {
            *exact = true;
            return i;
        }
    for (size_t i = 0; code && i < a->refs.nstages; i++)
        if (kb_str_ieq(a->refs.stages[i].code, code))
            return i;
    return 0;
}

/* Lane of a department code; lane 0 is "no lead department" when present.
 * Codes are unique in any case, so the exact match is tried first
 * (*exact, may be NULL). */
static size_t kb_lane_find(const kb_tui_blayout *l, const char *code, bool *found, bool *exact)
{
    *found = false;
    if (exact)
        *exact = false;
    for (size_t i = 0; code && i < l->nlanes; i++)
        if (l->lanes[i].code[0] && kb_code_eq(l->lanes[i].code, code)) {
            *found = true;
            if (exact)
                *exact = true;
            return i;
        }
    for (size_t i = 0; code && i < l->nlanes; i++)
        if (l->lanes[i].code[0] && kb_str_ieq(l->lanes[i].code, code)) {
            *found = true;
            return i;
        }
    return 0;
}

/* A case without a lead department the board knows (it then needs the
 * "no lead department" lane). */
static bool kb_case_orphan(const kb_tui_app *a, const kb_case *c)
{
    if (!c->lead_dept)
        return true;
    for (size_t d = 0; d < a->refs.ndepts; d++) /* the usual case, without folding */
        if (kb_code_eq(a->refs.depts[d].code, c->lead_dept))
            return false;
    return !kb_tui_dept(a, c->lead_dept);
}

static kb_tui_card kb_card_of(const kb_case *c, bool mirror, int h)
{
    kb_tui_card k = {.c = c, .number = c->number, .mirror = mirror};
    k.h = mirror ? 1 : h; /* copies stay compact: one row */
    return k;
}

static void kb_cell_reserve(kb_tui_bcell *cell, size_t n)
{
    if (n <= cell->cap)
        return;
    size_t cap = cell->cap ? cell->cap * 2 : 8;
    while (cap < n)
        cap *= 2;
    cell->v = kb_reallocarray(cell->v, cap, sizeof *cell->v);
    cell->cap = cap;
}

static void kb_cell_add(kb_tui_bcell *cell, const kb_case *c, bool mirror, int h)
{
    kb_cell_reserve(cell, cell->n + 1);
    cell->v[cell->n] = kb_card_of(c, mirror, h);
    cell->rows += cell->v[cell->n].h;
    cell->n++;
}

/* Insert a card at its place in the column's order (binary search). */
static void kb_cell_insert(const kb_tui_app *a, kb_tui_bcell *cell, const kb_case *c, bool mirror,
                           int h)
{
    kb_tui_card k = kb_card_of(c, mirror, h);
    size_t lo = 0, hi = cell->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (kb_tui_card_order(a, &cell->v[mid], &k) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    kb_cell_reserve(cell, cell->n + 1);
    memmove(cell->v + lo + 1, cell->v + lo, (cell->n - lo) * sizeof *cell->v);
    cell->v[lo] = k;
    cell->rows += k.h;
    cell->n++;
}

/* Remove the card of case number (a copy or not); false if it is not there. */
static bool kb_cell_remove(kb_tui_bcell *cell, uint32_t number, bool mirror)
{
    for (size_t i = 0; i < cell->n; i++)
        if (cell->v[i].number == number && cell->v[i].mirror == mirror) {
            cell->rows -= cell->v[i].h;
            memmove(cell->v + i, cell->v + i + 1, (cell->n - i - 1) * sizeof *cell->v);
            cell->n--;
            return true;
        }
    return false;
}

/* Is department code one of the user's (kb_user.depts)? */
static bool kb_user_has_dept(const kb_tui_app *a, const char *code)
{
    for (size_t i = 0; a->user && code && code[0] && i < a->refs.nusers; i++) {
        const kb_user *u = &a->refs.users[i];
        if (!u->name || strcmp(u->name, a->user) != 0)
            continue;
        for (size_t k = 0; k < u->depts.n; k++)
            if (kb_str_ieq(u->depts.v[k], code))
                return true;
    }
    return false;
}

/* kb_tui_card_order without a card sort (the board order), for qsort */
static int kb_card_cmp(const void *x, const void *y)
{
    const kb_tui_card *a = x, *b = y;
    if (a->mirror != b->mirror)
        return a->mirror ? 1 : -1;
    if (a->c->priority != b->c->priority)
        return b->c->priority - a->c->priority;
    return (a->c->number > b->c->number) - (a->c->number < b->c->number);
}

static bool kb_lane_is_collapsed(const kb_tui_app *a, const char *code)
{
    return kb_strv_contains(&a->collapsed, code[0] ? code : "-");
}

enum kb_lay_op { KB_LAY_APPEND, KB_LAY_INSERT, KB_LAY_REMOVE };

/* Count case c into the layout (its cards appended, or inserted at their
 * place) or out of it (its cards removed).  False when a card to remove
 * is not there (the layout does not match the cache: rebuild it). */
static bool kb_lay_case(kb_tui_app *a, const kb_query_ctx *qc, const kb_case *c, enum kb_lay_op op)
{
    kb_tui_blayout *l = &a->lay;
    bool out = op == KB_LAY_REMOVE;
    bool st_exact, lead_found, lead_exact;
    size_t st = kb_stage_find(a, c->stage, &st_exact);
    size_t lead = kb_lane_find(l, c->lead_dept, &lead_found, &lead_exact);
    if (!lead_found) /* the "no lead department" lane */
        for (size_t k = 0; k < l->nlanes; k++)
            if (!l->lanes[k].code[0])
                lead = k;
    l->stage_total[st] = out ? l->stage_total[st] - 1 : l->stage_total[st] + 1;
    l->total = out ? l->total - 1 : l->total + 1;
    /* per department and stage, by their exact codes (the WIP limits) */
    if (l->nlanes && lead_exact && st_exact && st < l->nstages) {
        size_t *n = &l->lanes[lead].lead_total[st];
        *n = out ? *n - 1 : *n + 1;
    }
    if (a->filter && !kb_query_match(a->filter, c, qc))
        return true;
    l->shown = out ? l->shown - 1 : l->shown + 1;
    l->stage_shown[st] = out ? l->stage_shown[st] - 1 : l->stage_shown[st] + 1;
    if (!l->nlanes)
        return true;
    kb_tui_lane *ln = &l->lanes[lead];
    if (op == KB_LAY_APPEND)
        kb_cell_add(&ln->cells[st], c, false, l->card_h);
    else if (op == KB_LAY_INSERT)
        kb_cell_insert(a, &ln->cells[st], c, false, l->card_h);
    else if (!kb_cell_remove(&ln->cells[st], c->number, false))
        return false;
    ln->nlead = out ? ln->nlead - 1 : ln->nlead + 1;
    for (size_t k = 0; k < c->depts.n; k++) {
        bool found;
        size_t m = kb_lane_find(l, c->depts.v[k], &found, NULL);
        if (!found || m == lead)
            continue;
        kb_tui_lane *mn = &l->lanes[m];
        mn->nmirror = out ? mn->nmirror - 1 : mn->nmirror + 1;
        if (!a->show_mirrors)
            continue;
        if (op == KB_LAY_APPEND)
            kb_cell_add(&mn->cells[st], c, true, 1);
        else if (op == KB_LAY_INSERT)
            kb_cell_insert(a, &mn->cells[st], c, true, 1);
        else if (!kb_cell_remove(&mn->cells[st], c->number, true))
            return false;
    }
    return true;
}

/* The lanes' heights and rows in the virtual board. */
static void kb_lay_rows(kb_tui_blayout *l)
{
    int y = 0;
    for (size_t i = 0; i < l->nlanes; i++) {
        kb_tui_lane *ln = &l->lanes[i];
        int most = 1;
        for (size_t s = 0; s < l->nstages; s++)
            if (ln->cells[s].rows > most)
                most = ln->cells[s].rows;
        ln->body = most;
        ln->y = y;
        y += 1 + (ln->collapsed ? 0 : ln->body);
    }
    l->rows = y;
}

/* The layout for another screen height: only the cards' heights (one or
 * two rows) and the rows they take change; nothing is counted or sorted
 * again.  (The first frame measures the terminal after the board was
 * laid out at the default size.) */
static void kb_lay_restamp(kb_tui_app *a)
{
    kb_tui_blayout *l = &a->lay;
    int card_h = a->h >= KB_TWO_ROW_H ? 2 : 1;
    l->for_h = a->h;
    if (card_h == l->card_h)
        return;
    l->card_h = card_h;
    for (size_t i = 0; i < l->nlanes; i++)
        for (size_t s = 0; s < l->nstages; s++) {
            kb_tui_bcell *cell = &l->lanes[i].cells[s];
            cell->rows = 0;
            for (size_t k = 0; k < cell->n; k++) {
                cell->v[k].h = cell->v[k].mirror ? 1 : card_h;
                cell->rows += cell->v[k].h;
            }
        }
    kb_lay_rows(l);
}

/* The board's order of one column (kb_card_cmp: cases first, copies last,
 * each by priority, high first, then by number) for cards that were
 * appended in number order (the cache's order): a stable split by copy
 * and priority instead of a comparison sort, checked in one pass.  False
 * (nothing moved) for a priority outside 0..3, or cards that were not in
 * number order, for qsort. */
#define KB_PRIO_N 4
static bool kb_cards_by_priority(kb_tui_card *v, size_t n)
{
    size_t count[2 * KB_PRIO_N + 1] = {0};
    for (size_t k = 0; k < n; k++) {
        int p = v[k].c->priority;
        if (p < 0 || p >= KB_PRIO_N)
            return false;
        count[(v[k].mirror ? KB_PRIO_N : 0) + (KB_PRIO_N - 1 - p) + 1]++;
    }
    for (size_t b = 1; b <= 2 * KB_PRIO_N; b++)
        count[b] += count[b - 1];
    kb_tui_card *out = kb_reallocarray(NULL, n, sizeof *out);
    for (size_t k = 0; k < n; k++)
        out[count[(v[k].mirror ? KB_PRIO_N : 0) + (KB_PRIO_N - 1 - v[k].c->priority)]++] = v[k];
    /* the same numbers in order within a bucket, as the sort gives them */
    bool sorted = true;
    for (size_t k = 1; sorted && k < n; k++)
        sorted = kb_card_cmp(&out[k - 1], &out[k]) < 0;
    if (sorted)
        memcpy(v, out, n * sizeof *v);
    kb_free(&out);
    return sorted;
}

void kb_tui_layout(kb_tui_app *a)
{
    if (!a->lay_dirty && a->lay.nstages == a->refs.nstages && a->lay.lanes &&
        a->lay.mirrors == a->show_mirrors) {
        if (a->lay.for_h != a->h)
            kb_lay_restamp(a);
        return;
    }
    kb_tui_layout_free(&a->lay);
    a->lay_builds++;
    kb_tui_blayout *l = &a->lay;
    size_t ns = a->refs.nstages ? a->refs.nstages : 1;
    l->nstages = ns;
    l->stage_total = kb_calloc(ns, sizeof *l->stage_total);
    l->stage_shown = kb_calloc(ns, sizeof *l->stage_shown);
    l->for_h = a->h;
    l->card_h = a->h >= KB_TWO_ROW_H ? 2 : 1;
    l->mirrors = a->show_mirrors;

    for (size_t i = 0; i < a->cache.cases.n; i++)
        l->orphans += kb_case_orphan(a, &a->cache.cases.v[i]);
    bool orphans = l->orphans > 0;
    l->nlanes = a->refs.ndepts + (orphans ? 1 : 0);
    l->lanes = kb_calloc(l->nlanes ? l->nlanes : 1, sizeof *l->lanes);
    /* the user's own departments first, then "no lead department", then
     * the others, each in the board's order */
    size_t li = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && orphans) {
            l->lanes[li].code = "";
            l->lanes[li].name = _("No lead department");
            l->lanes[li].color = KB_GC_LANE;
            li++;
        }
        for (size_t d = 0; d < a->refs.ndepts; d++) {
            const kb_dept *dp = &a->refs.depts[d];
            bool own = kb_user_has_dept(a, dp->code);
            if (own != (pass == 0))
                continue;
            l->lanes[li].code = dp->code;
            l->lanes[li].name = dp->name ? dp->name : "";
            l->lanes[li].color = kb_tui_dept_color(dp->colour);
            l->lanes[li].own = own;
            li++;
        }
    }
    for (size_t i = 0; i < l->nlanes; i++) {
        l->lanes[i].cells = kb_calloc(ns, sizeof *l->lanes[i].cells);
        l->lanes[i].lead_total = kb_calloc(ns, sizeof *l->lanes[i].lead_total);
        l->lanes[i].collapsed = kb_lane_is_collapsed(a, l->lanes[i].code);
    }

    kb_query_ctx qc = kb_tui_query_ctx(a);
    for (size_t i = 0; i < a->cache.cases.n; i++)
        (void)kb_lay_case(a, &qc, &a->cache.cases.v[i], KB_LAY_APPEND);
    for (size_t i = 0; i < l->nlanes; i++)
        for (size_t s = 0; s < ns; s++) {
            kb_tui_bcell *cell = &l->lanes[i].cells[s];
            if (cell->n > 1 && a->card_sort) /* the chosen sort (view_views.c) */
                kb_tui_sort_cards(a, cell->v, cell->n);
            else if (cell->n > 1 && !kb_cards_by_priority(cell->v, cell->n))
                qsort(cell->v, cell->n, sizeof *cell->v, kb_card_cmp);
        }
    kb_lay_rows(l);
    a->lay_dirty = false;
}

/* More changed cases than this at once: rebuild (a rebuild is then about
 * as cheap, and simpler). */
#define KB_APPLY_MAX 256

static bool kb_changed_has(const kb_board_cache *c, uint32_t number)
{
    size_t lo = 0, hi = c->nchanged;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->changed[mid] == number)
            return true;
        if (c->changed[mid] < number)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* The cache's cases moved (added or removed ones): point every card at
 * its case again, by number (one pass; the cards of changed cases are
 * removed and inserted afterwards).  False if a card's case is gone
 * without being named as changed. */
static bool kb_lay_rebase(kb_tui_app *a)
{
    const kb_case_vec *cv = &a->cache.cases;
    uint32_t max = cv->n ? cv->v[cv->n - 1].number : 0;
    if ((size_t)max > 4 * cv->n + 1024)
        return false;                                      /* sparse numbers: no table by number */
    uint32_t *at = kb_calloc((size_t)max + 1, sizeof *at); /* index + 1; 0: none */
    for (size_t i = 0; i < cv->n; i++)
        at[cv->v[i].number] = (uint32_t)(i + 1);
    bool ok = true;
    for (size_t li = 0; ok && li < a->lay.nlanes; li++)
        for (size_t s = 0; ok && s < a->lay.nstages; s++) {
            kb_tui_bcell *cell = &a->lay.lanes[li].cells[s];
            for (size_t k = 0; ok && k < cell->n; k++) {
                uint32_t n = cell->v[k].number;
                uint32_t j = n <= max ? at[n] : 0;
                if (j)
                    cell->v[k].c = &cv->v[j - 1];
                else if (kb_changed_has(&a->cache, n))
                    cell->v[k].c = NULL; /* removed below */
                else
                    ok = false;
            }
        }
    kb_free(&at);
    return ok;
}

bool kb_tui_layout_apply(kb_tui_app *a)
{
    kb_board_cache *cache = &a->cache;
    kb_tui_blayout *l = &a->lay;
    if (!cache->nchanged && !cache->refs_changed)
        return true; /* nothing the board shows changed */
    if (!a->lay_dirty && l->lanes && l->for_h != a->h)
        kb_lay_restamp(a);
    bool ok = !a->lay_dirty && l->lanes && l->nstages == a->refs.nstages && l->for_h == a->h &&
              l->mirrors == a->show_mirrors && !cache->refs_changed &&
              cache->nchanged <= KB_APPLY_MAX &&
              (cache->nchanged <= 16 || cache->nchanged * 100 <= cache->cases.n);
    if (ok && cache->moved)
        ok = kb_lay_rebase(a);
    kb_query_ctx qc = kb_tui_query_ctx(a);
    /* out with the old versions, in with the new ones */
    for (size_t i = 0; ok && i < cache->old.n; i++) {
        const kb_case *o = &cache->old.v[i];
        l->orphans -= kb_case_orphan(a, o);
        ok = kb_lay_case(a, &qc, o, KB_LAY_REMOVE);
    }
    for (size_t i = 0; ok && i < cache->nchanged; i++) {
        const kb_case *c = kb_tui_case(a, cache->changed[i]);
        if (!c)
            continue; /* removed */
        l->orphans += kb_case_orphan(a, c);
        ok = kb_lay_case(a, &qc, c, KB_LAY_INSERT);
    }
    /* the "no lead department" lane comes or goes: other lanes move */
    bool orphan_lane = false;
    for (size_t i = 0; i < l->nlanes; i++)
        orphan_lane = orphan_lane || !l->lanes[i].code[0];
    ok = ok && (l->orphans > 0) == orphan_lane && l->total == cache->cases.n;
    if (!ok) {
        kb_tui_app_dirty(a);
        return false;
    }
    kb_lay_rows(l);
    return true;
}

/* ------------------------------------------------------------ cursor */

static const kb_tui_bcell *kb_cur_cell(const kb_tui_app *a)
{
    if (a->cur_lane >= a->lay.nlanes || a->cur_stage >= a->lay.nstages)
        return NULL;
    return &a->lay.lanes[a->cur_lane].cells[a->cur_stage];
}

/* Clamp the cursor to the layout and update the selected case number. */
static void kb_cur_fix(kb_tui_app *a)
{
    kb_tui_blayout *l = &a->lay;
    if (!l->nlanes) {
        a->cur_lane = a->cur_stage = a->cur_idx = 0;
        a->cur_number = 0;
        return;
    }
    if (a->cur_lane >= l->nlanes)
        a->cur_lane = l->nlanes - 1;
    if (a->cur_stage >= l->nstages)
        a->cur_stage = l->nstages - 1;
    const kb_tui_lane *ln = &l->lanes[a->cur_lane];
    const kb_tui_bcell *cell = &ln->cells[a->cur_stage];
    if (ln->collapsed || cell->n == 0) {
        a->cur_idx = 0;
        a->cur_number = 0;
        return;
    }
    if (a->cur_idx >= cell->n)
        a->cur_idx = cell->n - 1;
    a->cur_number = cell->v[a->cur_idx].c->number;
}

static bool kb_find_in_lane(kb_tui_app *a, size_t lane, uint32_t number, bool lead_only)
{
    const kb_tui_lane *ln = &a->lay.lanes[lane];
    for (size_t s = 0; s < a->lay.nstages; s++)
        for (size_t i = 0; i < ln->cells[s].n; i++)
            if (ln->cells[s].v[i].c->number == number &&
                (!lead_only || !ln->cells[s].v[i].mirror)) {
                a->cur_lane = lane;
                a->cur_stage = s;
                a->cur_idx = ln->collapsed ? 0 : i;
                return true;
            }
    return false;
}

bool kb_tui_select_case(kb_tui_app *a, uint32_t number, const char *lane)
{
    kb_tui_layout(a);
    bool ok = false;
    if (lane)
        for (size_t i = 0; !ok && i < a->lay.nlanes; i++)
            ok = kb_str_ieq(a->lay.lanes[i].code, lane) && kb_find_in_lane(a, i, number, false);
    for (size_t i = 0; !ok && i < a->lay.nlanes; i++)
        ok = kb_find_in_lane(a, i, number, true);
    for (size_t i = 0; !ok && i < a->lay.nlanes; i++)
        ok = kb_find_in_lane(a, i, number, false);
    if (ok) {
        kb_cur_fix(a);
        a->cur_placed = true;
    }
    return ok;
}

static bool kb_select_at(kb_tui_app *a, size_t lane, size_t stage)
{
    const kb_tui_lane *ln = &a->lay.lanes[lane];
    if (ln->collapsed)
        return false;
    for (size_t k = 0; k < ln->cells[stage].n; k++)
        if (!ln->cells[stage].v[k].mirror) {
            a->cur_lane = lane;
            a->cur_stage = stage;
            a->cur_idx = k;
            kb_cur_fix(a);
            a->cur_placed = true;
            return true;
        }
    return false;
}

bool kb_tui_select_first(kb_tui_app *a)
{
    kb_tui_layout(a);
    /* the first card of the user's own lanes (they come first) */
    for (size_t i = 0; i < a->lay.nlanes && a->lay.lanes[i].own; i++)
        for (size_t s = 0; s < a->lay.nstages; s++)
            if (kb_select_at(a, i, s))
                return true;
    /* else the top card of the leftmost stage that has one: the board
     * opens at its left edge */
    for (size_t s = 0; s < a->lay.nstages; s++)
        for (size_t i = 0; i < a->lay.nlanes; i++)
            if (kb_select_at(a, i, s))
                return true;
    return false;
}

void kb_tui_reselect(kb_tui_app *a)
{
    kb_tui_layout(a);
    uint32_t n = a->cur_number;
    if (n) {
        /* same lane first (the case may have moved to another stage) */
        if (a->cur_lane < a->lay.nlanes && kb_find_in_lane(a, a->cur_lane, n, false)) {
            kb_cur_fix(a);
            return;
        }
        if (kb_tui_select_case(a, n, NULL))
            return;
    }
    /* at the start, after a filter, or when the selected case is gone:
     * the first card (an empty cell the user went to on purpose stays) */
    if ((!a->cur_placed || n) && kb_tui_select_first(a))
        return;
    kb_cur_fix(a);
}

/* The next stop of j (dir 1) or k (dir -1) in another lane: a collapsed
 * lane, or a lane with cards in the cursor's stage.  Returns false if
 * there is none (the cursor stays). */
static bool kb_cur_lane_step(kb_tui_app *a, int dir)
{
    size_t i = a->cur_lane;
    while (dir > 0 ? i + 1 < a->lay.nlanes : i > 0) {
        i = dir > 0 ? i + 1 : i - 1;
        const kb_tui_lane *ln = &a->lay.lanes[i];
        size_t n = ln->cells[a->cur_stage].n;
        if (ln->collapsed || n) {
            a->cur_lane = i;
            a->cur_idx = dir > 0 || ln->collapsed || !n ? 0 : n - 1;
            return true;
        }
    }
    return false;
}

static void kb_cur_down(kb_tui_app *a)
{
    const kb_tui_bcell *cell = kb_cur_cell(a);
    const kb_tui_lane *ln = &a->lay.lanes[a->cur_lane];
    if (cell && !ln->collapsed && a->cur_idx + 1 < cell->n)
        a->cur_idx++;
    else
        (void)kb_cur_lane_step(a, 1);
    kb_cur_fix(a);
}

static void kb_cur_up(kb_tui_app *a)
{
    const kb_tui_lane *ln = &a->lay.lanes[a->cur_lane];
    if (!ln->collapsed && a->cur_idx > 0)
        a->cur_idx--;
    else
        (void)kb_cur_lane_step(a, -1);
    kb_cur_fix(a);
}

/* Does the board scroll sideways (then a line lists every stage)? */
static bool kb_board_strip(const kb_tui_app *a)
{
    size_t fit = (size_t)((a->w + 1) / (KB_COL_MIN + 1));
    return (fit < 1 ? 1 : fit) < a->lay.nstages;
}

static int kb_board_rows(const kb_tui_app *a)
{
    int bh = a->h - 3 - (kb_board_strip(a) ? 1 : 0);
    return bh > 1 ? bh : 1;
}

unsigned kb_view_board_action(kb_tui_app *a, kb_action act)
{
    kb_tui_layout(a);
    if (!a->lay.nlanes && act != KB_ACTION_CASE_NEW && act != KB_ACTION_FILTER &&
        act != KB_ACTION_REPORT_OPEN && act != KB_ACTION_VIEW_PICK &&
        act != KB_ACTION_CONTACTS_OPEN && act != KB_ACTION_MYWORK_OPEN && act != KB_ACTION_TRIAGE)
        return KB_TUI_R_NONE;
    switch (act) {
    case KB_ACTION_CURSOR_DOWN:
        kb_cur_down(a);
        return KB_TUI_R_VIEW;
    case KB_ACTION_CURSOR_UP:
        kb_cur_up(a);
        return KB_TUI_R_VIEW;
    case KB_ACTION_CURSOR_LEFT:
        if (a->cur_stage > 0)
            a->cur_stage--;
        kb_cur_fix(a);
        return KB_TUI_R_VIEW;
    case KB_ACTION_CURSOR_RIGHT:
        if (a->cur_stage + 1 < a->lay.nstages)
            a->cur_stage++;
        kb_cur_fix(a);
        return KB_TUI_R_VIEW;
    case KB_ACTION_PAGE_DOWN:
        for (int i = 0; i < kb_board_rows(a) - 1; i++)
            kb_cur_down(a);
        return KB_TUI_R_VIEW;
    case KB_ACTION_PAGE_UP:
        for (int i = 0; i < kb_board_rows(a) - 1; i++)
            kb_cur_up(a);
        return KB_TUI_R_VIEW;
    case KB_ACTION_FIRST:
        a->cur_lane = 0;
        a->cur_idx = 0;
        kb_cur_fix(a);
        return KB_TUI_R_VIEW;
    case KB_ACTION_LAST: {
        a->cur_lane = a->lay.nlanes - 1;
        const kb_tui_bcell *cell = kb_cur_cell(a);
        a->cur_idx = cell && cell->n ? cell->n - 1 : 0;
        kb_cur_fix(a);
        return KB_TUI_R_VIEW;
    }
    case KB_ACTION_LANE_NEXT:
        if (a->cur_lane + 1 < a->lay.nlanes)
            a->cur_lane++;
        a->cur_idx = 0;
        kb_cur_fix(a);
        return KB_TUI_R_VIEW;
    case KB_ACTION_LANE_PREV:
        if (a->cur_lane > 0)
            a->cur_lane--;
        a->cur_idx = 0;
        kb_cur_fix(a);
        return KB_TUI_R_VIEW;
    case KB_ACTION_LANE_TOGGLE: {
        const char *code = a->lay.lanes[a->cur_lane].code;
        const char *key = code[0] ? code : "-";
        if (kb_strv_contains(&a->collapsed, key)) {
            kb_strv nv = {0};
            for (size_t i = 0; i < a->collapsed.n; i++)
                if (strcmp(a->collapsed.v[i], key) != 0)
                    kb_strv_push(&nv, a->collapsed.v[i]);
            kb_strv_free(&a->collapsed);
            a->collapsed = nv;
        } else {
            kb_strv_push(&a->collapsed, key);
        }
        uint32_t keep = a->cur_number;
        kb_tui_app_dirty(a);
        kb_tui_layout(a);
        a->cur_number = keep;
        if (!keep || !kb_find_in_lane(a, a->cur_lane, keep, false))
            a->cur_idx = 0;
        kb_cur_fix(a);
        return KB_TUI_R_VIEW;
    }
    case KB_ACTION_MIRRORS_TOGGLE:
        a->show_mirrors = !a->show_mirrors;
        kb_tui_app_dirty(a);
        kb_tui_reselect(a); /* from a hidden copy to the case in its lead lane */
        kb_tui_msg(a, false, "%s",
                   a->show_mirrors ? _("Showing the cases of involved departments in their lanes")
                                   : _("Showing each case in its lead department's lane only"));
        return KB_TUI_R_VIEW | KB_TUI_R_STATUS;
    case KB_ACTION_CASE_OPEN:
        if (!a->cur_number) {
            kb_tui_msg(a, false, "%s", _("No case selected"));
            return KB_TUI_R_STATUS;
        }
        return kb_view_case_open(a, a->cur_number);
    case KB_ACTION_CASE_NEW:
        return kb_view_form_new(a);
    case KB_ACTION_TRIAGE:
        return kb_view_triage_open(a);
    case KB_ACTION_CASE_EDIT:
        if (!a->cur_number) {
            kb_tui_msg(a, false, "%s", _("No case selected"));
            return KB_TUI_R_STATUS;
        }
        return kb_view_form_open(a, a->cur_number);
    case KB_ACTION_CASE_COMMENT: {
        if (!a->cur_number) {
            kb_tui_msg(a, false, "%s", _("No case selected"));
            return KB_TUI_R_STATUS;
        }
        char *label = kb_asprintf(_("Comment on #%u: "), a->cur_number);
        unsigned r = kb_view_prompt_open(a, KB_PR_COMMENT, label, "", a->cur_number, NULL);
        kb_free(&label);
        return r;
    }
    case KB_ACTION_CASE_MOVE_NEXT:
    case KB_ACTION_CASE_MOVE_PREV:
        if (!a->cur_number) {
            kb_tui_msg(a, false, "%s", _("No case selected"));
            return KB_TUI_R_STATUS;
        }
        return kb_tui_move_dir(a, a->cur_number, act == KB_ACTION_CASE_MOVE_NEXT ? 1 : -1);
    case KB_ACTION_FILTER:
        return kb_view_prompt_open(a, KB_PR_FILTER, "/", a->filter_text ? a->filter_text : "", 0,
                                   NULL);
    case KB_ACTION_REPORT_OPEN: /* reports and saved views (view_report.c, view_views.c) */
        return kb_view_report_open(a);
    case KB_ACTION_VIEW_PICK:
        return kb_view_views_open(a);
    case KB_ACTION_SORT_CYCLE:
        return kb_tui_sort_cycle(a);
    case KB_ACTION_BACK:
        return KB_TUI_R_QUIT;
    /* contacts and my work */
    case KB_ACTION_CONTACTS_OPEN:
        return kb_view_contacts_open(a);
    case KB_ACTION_MYWORK_OPEN:
        return kb_view_mywork_open(a);
    default:
        return KB_TUI_R_NONE;
    }
}

/* ------------------------------------------------------------ drawing */

void kb_tui_card_markers(const kb_tui_app *a, const kb_case *c, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
    if (kb_case_overdue(c, a->today) && k + 1 < n)
        buf[k++] = '!';
    if (c->blocked && k + 1 < n)
        buf[k++] = 'B';
    if (kb_tui_past_norm(a, c) && k + 8 < n) { /* past its stage's norm: S and the days */
        int w = snprintf(buf + k, n - k, "S%dd", kb_case_age_days(c, a->today));
        k += w > 0 && (size_t)w < n - k ? (size_t)w : 0;
    }
    if (c->on_agenda && k + 1 < n)
        buf[k++] = 'A';
    if (kb_tui_edit_of(a, c->number) && k + 1 < n)
        buf[k++] = 'E';
    buf[k] = '\0';
    size_t nd = kb_case_dept_count(c);
    if (nd > 1 && k + 4 < n)
        snprintf(buf + k, n - k, "+%zu", nd - 1);
}

/* A card: "#id title" and the markers at the right of its last row; a
 * two-row card wraps the title onto its second row (or shows the due
 * date there).  A copy in an involved department's lane is "~#id", one
 * row, muted. */
static void kb_draw_card(kb_tui_app *a, kb_grid *g, int x, int y, int w, int miny, int maxy,
                         const kb_tui_card *card, bool selected)
{
    const kb_case *c = card->c;
    char marks[24], head[32];
    kb_tui_card_markers(a, c, marks, sizeof marks);
    snprintf(head, sizeof head, "%s#%u ", card->mirror ? "~" : "", c->number);
    kb_style base = card->mirror ? KB_STYLE(KB_GA_DIM, KB_GC_MUTED) : KB_PLAIN;
    if (selected)
        base = KB_STYLE(KB_GA_REVERSE | KB_GA_BOLD, KB_GC_DEFAULT);
    int rows = card->h > 1 ? card->h : 1;
    for (int r = 0; r < rows; r++)
        if (y + r >= miny && y + r < maxy)
            kb_grid_fill(g, x, y + r, w, 1, base);
    int mw = marks[0] ? (int)strlen(marks) : 0;
    int hw = kb_tui_width(head, g->utf8);
    const char *title = c->title ? c->title : "";
    int last = y + rows - 1; /* the row with the markers */
    if (rows == 1) {
        int used = y >= miny && y < maxy ? kb_grid_put(g, x, y, w, head, base) : hw;
        int tw = w - used - (mw ? mw + 1 : 0);
        if (tw > 0 && y >= miny && y < maxy)
            kb_grid_put_cut(g, x + used, y, tw, title, base);
    } else {
        /* first row: as much of the title as fits, broken at a blank */
        int tw = w - hw;
        kb_strv lines = {0};
        if (tw > 0)
            kb_tui_wrap(title, tw, g->utf8, &lines);
        if (y >= miny && y < maxy) {
            kb_grid_put(g, x, y, w, head, base);
            if (tw > 0 && lines.n)
                kb_grid_put_cut(g, x + hw, y, tw, lines.v[0], base);
        }
        int tw2 = w - hw - (mw ? mw + 1 : 0);
        if (last >= miny && last < maxy && tw2 > 0) {
            if (lines.n > 1) {
                kb_buf rest = KB_BUF_INIT;
                for (size_t i = 1; i < lines.n; i++)
                    kb_buf_printf(&rest, "%s%s", i > 1 ? " " : "", lines.v[i]);
                kb_grid_put_cut(g, x + hw, last, tw2, rest.data, base);
                kb_buf_free(&rest);
            } else if (c->due != KB_DATE_NONE) {
                char d[KB_DATE_STRLEN];
                kb_date_format(c->due, d);
                char *due = kb_asprintf("%s %s", _("due"), d);
                kb_grid_put_cut(g, x + hw, last, tw2, due,
                                selected ? base : KB_STYLE(0, KB_GC_MUTED));
                kb_free(&due);
            }
        }
        kb_strv_free(&lines);
    }
    if (mw && mw < w && last >= miny && last < maxy) {
        kb_style ms = selected ? base
                               : KB_STYLE(KB_GA_BOLD, kb_case_overdue(c, a->today) || c->blocked
                                                          ? KB_GC_ERROR
                                                          : KB_GC_ACCENT);
        kb_grid_put(g, x + w - mw, last, mw, marks, ms);
    }
}

/* The bar's left part with less and less detail as level grows: 0 all,
 * 1 without the names of who is online, 2 without who is online at all,
 * 3 without the program's name. */
static void kb_bar_left(const kb_tui_app *a, const char *db, const char *title, int level,
                        kb_buf *out)
{
    kb_buf_clear(out);
    kb_buf_printf(out, " %s%s  %s", level < 3 ? "kernboard  " : "", db, a->user ? a->user : "");
    if (a->nsessions && level < 2) {
        kb_buf_printf(out, "  %zu %s", a->nsessions, _("online"));
        if (a->online.n && level < 1) {
            char *names = kb_strv_join(&a->online, ", ");
            kb_buf_printf(out, ": %s", names);
            kb_free(&names);
        }
    }
    if (title && title[0])
        kb_buf_printf(out, "  %s", title);
}

void kb_tui_draw_bar(kb_tui_app *a, kb_grid *g, const char *title)
{
    kb_style bar = KB_STYLE(KB_GA_REVERSE, KB_GC_BAR);
    kb_grid_fill(g, 0, 0, g->w, 1, bar);
    const char *db = a->db_path ? strrchr(a->db_path, '/') : NULL;
    db = db ? db + 1 : a->db_path ? a->db_path : "";
    kb_buf left = KB_BUF_INIT, right = KB_BUF_INIT;
    bool filter = a->filter_text && a->filter_text[0];
    char count[48] = "";
    if (filter)
        snprintf(count, sizeof count, " (%zu/%zu) ", a->lay.shown, a->lay.total);
    const char *flabel = _("filter:");
    int fw = filter ? kb_tui_width(flabel, g->utf8) + 1 + kb_tui_width(a->filter_text, g->utf8) +
                          kb_tui_width(count, g->utf8)
                    : 0;
    /* the screen's title and the filter, whole, come first: the left part
     * gives up detail (who is online, the program's name) until they fit */
    bool keep = filter || (title && title[0]);
    for (int level = 0;; level++) {
        kb_bar_left(a, db, title, level, &left);
        if (!keep || level == 3 || kb_tui_width(left.data, g->utf8) + (filter ? 1 + fw : 0) <= g->w)
            break;
    }
    int lw = kb_tui_width(left.data, g->utf8);
    int rw = fw;
    if (filter) {
        /* still too wide: the query is cut, its label and count stay */
        int room = g->w - lw - 1;
        if (room < g->w / 2)
            room = g->w / 2;
        if (rw > room) {
            int qw = room - (rw - kb_tui_width(a->filter_text, g->utf8));
            kb_buf_printf(&right, "%s ", flabel);
            if (qw > 1)
                kb_tui_append_fit(&right, a->filter_text, qw, g->utf8);
            kb_buf_puts(&right, count);
            rw = kb_tui_width(right.data, g->utf8);
            if (rw > room)
                rw = room;
        } else {
            kb_buf_printf(&right, "%s %s%s", flabel, a->filter_text, count);
        }
    }
    /* a cut left part keeps a blank before the filter */
    kb_grid_put_cut(g, 0, 0, g->w - rw - (rw ? 1 : 0), left.data, bar);
    if (rw)
        kb_grid_put_cut(g, g->w - rw, 0, rw, right.data, bar);
    kb_buf_free(&left);
    kb_buf_free(&right);
}

/* Visible stage columns: first index, count, x and width of each. */
typedef struct kb_cols {
    size_t first, n;
    int x[64], w[64];
} kb_cols;

static void kb_columns(kb_tui_app *a, int width, kb_cols *cols)
{
    size_t ns = a->lay.nstages;
    size_t fit = (size_t)((width + 1) / (KB_COL_MIN + 1));
    if (fit < 1)
        fit = 1;
    if (fit > 64)
        fit = 64;
    size_t k = ns < fit ? ns : fit;
    if (a->cur_stage < a->scroll_x)
        a->scroll_x = a->cur_stage;
    if (a->cur_stage >= a->scroll_x + k)
        a->scroll_x = a->cur_stage - k + 1;
    if (a->scroll_x + k > ns)
        a->scroll_x = ns - k;
    cols->first = a->scroll_x;
    cols->n = k;
    int avail = width - (int)(k - 1);
    int base = avail / (int)k, rem = avail % (int)k, x = 0;
    for (size_t i = 0; i < k; i++) {
        cols->w[i] = base + ((int)i < rem ? 1 : 0);
        cols->x[i] = x;
        x += cols->w[i] + 1;
    }
}

/* The first and the last row of the cursor in the virtual board. */
static int kb_cursor_row(const kb_tui_app *a, int *end)
{
    *end = 0;
    if (a->cur_lane >= a->lay.nlanes)
        return 0;
    const kb_tui_lane *ln = &a->lay.lanes[a->cur_lane];
    if (ln->collapsed) {
        *end = ln->y;
        return ln->y;
    }
    int row = ln->y + 1, h = 1;
    const kb_tui_bcell *cell = kb_cur_cell(a);
    for (size_t i = 0; cell && i < cell->n; i++) {
        h = cell->v[i].h;
        if (i == a->cur_idx)
            break;
        row += h;
    }
    if (!cell || !cell->n)
        h = 1;
    *end = row + h - 1;
    return row;
}

/* The line above the column headers when the board scrolls sideways:
 * every stage with its count, the ones on screen in brackets.  The count
 * is the column header's: with a filter the cases it shows, "!" when the
 * stage's WIP limit is exceeded by all its cases. */
static void kb_strip_num(const kb_tui_app *a, size_t s, char *num, size_t n)
{
    const kb_stage *sg = s < a->refs.nstages ? &a->refs.stages[s] : NULL;
    size_t cnt = a->lay.stage_total[s];
    bool breach = sg && sg->wip_limit > 0 && cnt > (size_t)sg->wip_limit;
    if (a->filter) /* as the column headers: the filter's count, the WIP breach of all */
        snprintf(num, n, "%zu%s", a->lay.stage_shown[s], breach ? "!" : "");
    else if (sg && sg->wip_limit > 0)
        snprintf(num, n, "%zu/%d%s", cnt, sg->wip_limit, breach ? "!" : "");
    else
        snprintf(num, n, "%zu", cnt);
}

static const char *kb_strip_name(const kb_tui_app *a, size_t s)
{
    const kb_stage *sg = s < a->refs.nstages ? &a->refs.stages[s] : NULL;
    return sg && sg->name ? sg->name : sg ? sg->code : "";
}

/* One stage of the line, its name cut to NAMEW cells (with an ellipsis;
 * a negative NAMEW keeps it whole).  The count is never cut. */
static char *kb_strip_item(const kb_tui_app *a, size_t s, const kb_cols *cols, int namew, bool utf8)
{
    bool on = s >= cols->first && s < cols->first + cols->n;
    bool open = on && s == cols->first, close = on && s + 1 == cols->first + cols->n;
    char num[48];
    kb_strip_num(a, s, num, sizeof num);
    kb_buf b = KB_BUF_INIT;
    kb_buf_printf(&b, "%s", open ? "[" : " ");
    const char *name = kb_strip_name(a, s);
    if (namew < 0)
        kb_buf_printf(&b, "%s", name);
    else
        kb_tui_append_fit(&b, name, namew, utf8);
    kb_buf_printf(&b, " %s%s ", num, close ? "]" : " ");
    return kb_buf_take(&b);
}

/* Names are cut to no fewer cells than this (ellipsis included) before
 * stages go off the line's left end. */
#define KB_STRIP_MIN_NAME 4

/* The widest name the stages from START on may keep so that the line
 * fits W cells with every count whole: -1 when the names fit whole, 0
 * when not even KB_STRIP_MIN_NAME cells each fit. */
static int kb_strip_cap(const kb_tui_app *a, size_t start, int w, bool utf8)
{
    int fixed = start ? 2 : 0, whole = 0, widest = 0;
    for (size_t s = start; s < a->lay.nstages; s++) {
        char num[48];
        kb_strip_num(a, s, num, sizeof num);
        int nw = kb_tui_width(kb_strip_name(a, s), utf8);
        fixed += 4 + kb_tui_width(num, utf8); /* "[" or " ", " ", "]" or " ", " " */
        whole += nw;
        if (nw > widest)
            widest = nw;
    }
    if (fixed + whole <= w)
        return -1;
    for (int cap = widest - 1; cap >= KB_STRIP_MIN_NAME; cap--) {
        int need = fixed;
        for (size_t s = start; s < a->lay.nstages; s++) {
            int nw = kb_tui_width(kb_strip_name(a, s), utf8);
            need += nw < cap ? nw : cap;
        }
        if (need <= w)
            return cap;
    }
    return 0;
}

/* The line above the column headers when the board scrolls sideways:
 * every stage with its count, the ones on screen in brackets.  When the
 * line is too narrow the longest names are cut first (never a count);
 * only when even short names do not fit do the stages before the ones on
 * screen give way ("…" at the left), and last the line is cut at the
 * right. */
static void kb_draw_strip(kb_tui_app *a, kb_grid *g, int y, const kb_cols *cols)
{
    kb_style st = KB_STYLE(0, KB_GC_STAGE);
    kb_grid_fill(g, 0, y, g->w, 1, st);
    size_t start = 0;
    int cap = kb_strip_cap(a, start, g->w, g->utf8);
    while (cap == 0 && start < cols->first)
        cap = kb_strip_cap(a, ++start, g->w, g->utf8);
    if (cap == 0)
        cap = KB_STRIP_MIN_NAME;
    int x = 0;
    if (start) {
        x += kb_grid_putc(g, x, y, g->w, kb_tui_glyph(KB_GL_ELLIPSIS, g->utf8),
                          KB_STYLE(KB_GA_DIM, KB_GC_STAGE));
        x++;
    }
    for (size_t s = start; s < a->lay.nstages && x < g->w; s++) {
        char *t = kb_strip_item(a, s, cols, cap, g->utf8);
        bool on = s >= cols->first && s < cols->first + cols->n;
        kb_style ts = on ? KB_STYLE(KB_GA_BOLD, KB_GC_STAGE) : KB_STYLE(KB_GA_DIM, KB_GC_STAGE);
        int tw = kb_tui_width(t, g->utf8);
        if (x + tw > g->w) {
            kb_grid_put_cut(g, x, y, g->w - x, t, ts);
            kb_free(&t);
            break;
        }
        x += kb_grid_put(g, x, y, tw, t, ts);
        kb_free(&t);
    }
}

void kb_view_board_draw(kb_tui_app *a, kb_grid *g)
{
    kb_tui_layout(a);
    kb_cur_fix(a);
    kb_tui_draw_bar(a, g, NULL);
    if (g->w < 20 || g->h < 6) {
        kb_grid_put(g, 0, 1, g->w, _("window too small"), KB_PLAIN);
        return;
    }
    kb_cols cols;
    kb_columns(a, g->w, &cols);
    bool utf8 = g->utf8;
    uint32_t vline = kb_tui_glyph(KB_GL_VLINE, utf8);
    int hy = 1; /* the column headers */
    if (cols.n < a->lay.nstages) {
        kb_draw_strip(a, g, 1, &cols);
        hy = 2;
    }
    int y0 = hy + 1; /* the first row of the lanes */

    /* stage headers */
    kb_style hs = KB_STYLE(KB_GA_BOLD | KB_GA_UNDERLINE, KB_GC_STAGE);
    kb_grid_fill(g, 0, hy, g->w, 1, hs);
    for (size_t i = 0; i < cols.n; i++) {
        size_t s = cols.first + i;
        const kb_stage *st = s < a->refs.nstages ? &a->refs.stages[s] : NULL;
        size_t cnt = a->lay.stage_total[s];
        char num[48];
        bool breach = st && st->wip_limit > 0 && cnt > (size_t)st->wip_limit;
        if (a->filter) /* the count follows the filter (the WIP breach stays marked) */
            snprintf(num, sizeof num, " %zu%s", a->lay.stage_shown[s], breach ? "!" : "");
        else if (st && st->wip_limit > 0)
            snprintf(num, sizeof num, " %zu/%d%s", cnt, st->wip_limit, breach ? "!" : "");
        else
            snprintf(num, sizeof num, " %zu", cnt);
        kb_buf h = KB_BUF_INIT;
        if (i == 0 && cols.first > 0)
            kb_buf_puts(&h, "< ");
        kb_buf_puts(&h, st && st->name ? st->name : st ? st->code : "");
        int nw = (int)strlen(num);
        bool more = i + 1 == cols.n && cols.first + cols.n < a->lay.nstages;
        int room = cols.w[i] - nw - (more ? 2 : 0);
        kb_grid_put_cut(g, cols.x[i], hy, room > 0 ? room : 0, h.data, hs);
        kb_style ns = breach ? KB_STYLE(KB_GA_BOLD | KB_GA_REVERSE, KB_GC_ERROR) : hs;
        if (room >= 0)
            kb_grid_put(g, cols.x[i] + room, hy, nw, num, ns);
        if (more)
            kb_grid_put(g, cols.x[i] + cols.w[i] - 2, hy, 2, " >", hs);
        if (i + 1 < cols.n)
            kb_grid_putc(g, cols.x[i] + cols.w[i], hy, g->w, vline, hs);
        kb_buf_free(&h);
    }

    /* keep the cursor (all its rows) visible */
    int bh = kb_board_rows(a);
    int cend;
    int crow = kb_cursor_row(a, &cend);
    const kb_tui_lane *cl = a->lay.nlanes ? &a->lay.lanes[a->cur_lane] : NULL;
    if (cl && cend >= a->scroll_y + bh)
        a->scroll_y = cend - bh + 1;
    if (cl && crow < a->scroll_y)
        a->scroll_y = (a->cur_idx == 0 || cl->collapsed) ? cl->y : crow;
    if (cl && a->cur_idx == 0 && cl->y < a->scroll_y && cend - cl->y < bh)
        a->scroll_y = cl->y;
    if (a->scroll_y > a->lay.rows - bh)
        a->scroll_y = a->lay.rows - bh > 0 ? a->lay.rows - bh : 0;
    if (a->scroll_y < 0)
        a->scroll_y = 0;

    int maxy = y0 + bh;
    for (size_t li = 0; li < a->lay.nlanes; li++) {
        const kb_tui_lane *ln = &a->lay.lanes[li];
        int top = y0 + ln->y - a->scroll_y;
        if (top >= maxy)
            break;
        if (top >= y0) {
            bool sel = li == a->cur_lane && ln->collapsed;
            kb_style ls = sel ? KB_STYLE(KB_GA_REVERSE | KB_GA_BOLD, KB_GC_DEFAULT)
                              : KB_STYLE(KB_GA_BOLD, ln->color ? ln->color : KB_GC_LANE);
            kb_grid_fill(g, 0, top, g->w, 1, ls);
            char count[64];
            if (ln->nmirror)
                snprintf(count, sizeof count, " (%zu +%zu) ", ln->nlead, ln->nmirror);
            else
                snprintf(count, sizeof count, " (%zu) ", ln->nlead);
            kb_buf h = KB_BUF_INIT;
            char arrow[5];
            size_t an = kb_tui_utf8_put(
                kb_tui_glyph(ln->collapsed ? KB_GL_COLLAPSED : KB_GL_EXPANDED, utf8), arrow);
            arrow[an] = '\0';
            kb_buf_printf(&h, "%s %s%s%s%s", arrow, ln->code[0] ? ln->code : "",
                          ln->code[0] ? " " : "", ln->name, count);
            /* WIP limits per stage x department: "Explore 3/2!" on a breach */
            for (size_t s = 0; ln->code[0] && s < a->refs.nstages; s++) {
                int lim = kb_stage_dept_wip(&a->refs.stages[s], ln->code);
                if (lim <= 0)
                    continue;
                size_t cnt = s < a->lay.nstages ? ln->lead_total[s] : 0;
                kb_buf_printf(&h, "%s %zu/%d%s ", a->refs.stages[s].name, cnt, lim,
                              cnt > (size_t)lim ? "!" : "");
            }
            int used = kb_grid_put(g, 0, top, g->w, h.data, ls);
            kb_grid_hline(g, used, top, g->w - used, ls);
            kb_buf_free(&h);
        }
        if (ln->collapsed)
            continue;
        for (size_t i = 0; i < cols.n; i++) {
            size_t s = cols.first + i;
            const kb_tui_bcell *cell = &ln->cells[s];
            bool cursor_here = li == a->cur_lane && s == a->cur_stage;
            int y = top + 1;
            for (size_t k = 0; k < cell->n && y < maxy; k++) {
                if (y + cell->v[k].h > y0)
                    kb_draw_card(a, g, cols.x[i], y, cols.w[i], y0, maxy, &cell->v[k],
                                 cursor_here && k == a->cur_idx);
                y += cell->v[k].h;
            }
            if (cursor_here && cell->n == 0 && top + 1 >= y0 && top + 1 < maxy)
                kb_grid_fill(g, cols.x[i], top + 1, cols.w[i], 1,
                             KB_STYLE(KB_GA_REVERSE, KB_GC_DEFAULT));
            if (i + 1 < cols.n)
                for (int r = 0; r < ln->body; r++) {
                    int yy = top + 1 + r;
                    if (yy >= y0 && yy < maxy)
                        kb_grid_putc(g, cols.x[i] + cols.w[i], yy, g->w, vline,
                                     KB_STYLE(0, KB_GC_MUTED));
                }
        }
    }
    if (!a->lay.nlanes)
        kb_grid_put(g, 1, y0 + 1, g->w - 2, _("This board has no departments."), KB_PLAIN);
}

/* ------------------------------------------------------------ the view */

/* Status line: the selected case (or lane). */
static kb_style kb_board_hints(kb_tui_app *a, void *state, kb_buf *out)
{
    (void)state;
    const kb_case *c = a->cur_number ? kb_tui_case(a, a->cur_number) : NULL;
    if (!c) {
        if (a->lay.nlanes && a->cur_lane < a->lay.nlanes) {
            const kb_tui_lane *ln = &a->lay.lanes[a->cur_lane];
            kb_buf_printf(out, " %s%s%s", ln->code, ln->code[0] ? " " : "", ln->name);
        }
        return KB_PLAIN;
    }
    const kb_stage *st = kb_tui_stage(a, c->stage);
    kb_buf_printf(out, " #%u %s | %s", c->number, c->title ? c->title : "",
                  st         ? st->name
                  : c->stage ? c->stage
                             : "");
    if (c->lead_dept)
        kb_buf_printf(out, " | %s", c->lead_dept);
    if (c->depts.n) {
        char *d = kb_strv_join(&c->depts, ",");
        kb_buf_printf(out, " +%s", d);
        kb_free(&d);
    }
    if (c->due != KB_DATE_NONE) {
        char d[KB_DATE_STRLEN];
        kb_date_format(c->due, d);
        kb_buf_printf(out, " | %s %s%s", _("due"), d,
                      kb_case_overdue(c, a->today) ? _(" (overdue)") : "");
    }
    if (c->blocked)
        kb_buf_printf(out, " | %s %s", _("blocked:"), c->blocked);
    const kb_tui_edit *ed = kb_tui_edit_of(a, c->number);
    if (ed) {
        char hhmm[6];
        kb_time_format_hhmm(ed->since, hhmm);
        kb_buf_printf(out, " | ");
        kb_buf_printf(out, _("being edited by %s since %s"), ed->user, hhmm);
    }
    return KB_PLAIN;
}

static void kb_board_draw(kb_tui_app *a, void *st, kb_grid *g)
{
    (void)st;
    kb_view_board_draw(a, g);
}

static unsigned kb_board_action(kb_tui_app *a, void *st, kb_action act)
{
    (void)st;
    return kb_view_board_action(a, act);
}

/* The board's state is the app's board cursor, layout and filter. */
const kb_tui_view_ops kb_tui_view_board = {
    .name = "board",
    .ctx = KB_CONTEXT_BOARD,
    .draw = kb_board_draw,
    .action = kb_board_action,
    .hints = kb_board_hints,
};
