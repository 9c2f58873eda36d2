/*
 * views.h - saved views: a named query with an optional card sort and a
 * lane/column choice (SPEC.md section 3 "Filter / search").
 *
 * Shared views are stored in the board (one sealed META record; brokers
 * and admins manage them, everyone uses them).  Personal views belong to
 * one user on one board: one sealed META record per user, found through
 * the keyed index entry "views:<login>" (any role may keep them; nobody
 * else is shown them).  The views file of older versions
 * ($XDG_CONFIG_HOME/kernboard/views, not tied to a board or user) moves to
 * the first board user who reads or changes views, and is then removed.
 * `@name` in `case list`, `report` and the TUI filter stands for the
 * view's query; a personal view hides a shared one of the same name.
 *
 * The text form (every record): one view per line,
 *   name TAB query TAB sort TAB lanes
 * where sort is "", "priority", "due", "age" or "number" and lanes a
 * comma-separated list of department codes ("" = all).
 */
#ifndef KERNBOARD_VIEWS_H
#define KERNBOARD_VIEWS_H

#include <stdbool.h>
#include <stddef.h>

#include "kernboard/err.h"
#include "kernboard/model.h"

typedef struct kb_board kb_board;

typedef struct kb_saved_view {
    char *name;
    char *query;
    char *sort;  /* NULL = board order */
    char *lanes; /* NULL = all */
    bool shared;
} kb_saved_view;
typedef struct kb_view_vec {
    kb_saved_view *v;
    size_t n;
} kb_view_vec;
void kb_view_vec_free(kb_view_vec *v);
/* 1..32 of [A-Za-z0-9_.-]. */
int kb_view_name_check(const char *name, kb_err *e) KB_WARN_UNUSED;
/* Card sorts: "priority", "due", "age", "number" (kb_view_sorts). */
extern const char *const kb_view_sorts[];
extern const size_t kb_view_sort_count;
bool kb_view_sort_ok(const char *sort);
/* Parse the text form (lines that do not parse are skipped). */
void kb_views_parse(const char *text, bool shared, kb_view_vec *out);
/* The text form (new string). */
char *kb_views_format(const kb_view_vec *v);
/* Replace or add (by name); remove: true if it was there. */
void kb_views_put(kb_view_vec *v, const kb_saved_view *x);
bool kb_views_remove(kb_view_vec *v, const char *name);
const kb_saved_view *kb_views_find(const kb_view_vec *v, const char *name);

/* Core: the board's shared views; save/remove need broker or admin. */
int kb_board_views_shared(kb_board *b, kb_view_vec *out, kb_err *e) KB_WARN_UNUSED;
int kb_board_view_save_shared(kb_board *b, const kb_saved_view *x, kb_err *e) KB_WARN_UNUSED;
int kb_board_view_remove_shared(kb_board *b, const char *name, kb_err *e) KB_WARN_UNUSED;
/* The session user's personal views on board b (b NULL: none).  Reading
 * first moves the old views file into them (kb_views_migrate; a failure
 * there leaves the file for the next time and is not reported). */
int kb_views_personal(kb_board *b, kb_view_vec *out, kb_err *e) KB_WARN_UNUSED;
int kb_view_save_personal(kb_board *b, const kb_saved_view *x, kb_err *e) KB_WARN_UNUSED;
int kb_view_remove_personal(kb_board *b, const char *name, bool *removed, kb_err *e) KB_WARN_UNUSED;
/* Move the views of the old file ($XDG_CONFIG_HOME/kernboard/views) into
 * the session user's personal views on b (a view of the same name already
 * there wins), then remove the file; *moved: how many it held. */
int kb_views_migrate(kb_board *b, size_t *moved, kb_err *e) KB_WARN_UNUSED;
/* Every view this user can use: personal ones first, then shared ones not
 * hidden by a personal view of the same name (b NULL: none). */
int kb_views_all(kb_board *b, kb_view_vec *out, kb_err *e) KB_WARN_UNUSED;
/* Expand "@name" words of a query to the view's query (new string in
 * *out); KB_ENOENT "no view named x (see 'kernboard view list')", KB_EDATA
 * "query column N: ..." for a lone '@' (no name).  *sort
 * (may be NULL) gets the sort of the last view named (borrowed from all). */
int kb_views_expand(const kb_view_vec *all, const char *query, char **out, const char **sort,
                    kb_err *e) KB_WARN_UNUSED;

#endif
