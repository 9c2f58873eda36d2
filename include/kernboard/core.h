/*
 * core.h - use cases over the board: one user change = one write
 * transaction with its audit entries.
 *
 * A kb_board is an open, unlocked board: the store session plus the
 * reference data (stages, departments, action lines) loaded at open.
 * Front ends (CLI, TUI) call only this API and the model; they never see
 * the store.  Single-record operations read and decrypt only that record
 * (through the keyed index), never the whole board.  Permissions: viewers
 * read; members and up change cases; admins manage users.
 */
#ifndef KERNBOARD_CORE_H
#define KERNBOARD_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernboard/err.h"
#include "kernboard/model.h"
#include "kernboard/query.h"
#include "kernboard/rekey.h"
#include "kernboard/secret.h"
#include "kernboard/verify.h"
#include "kernboard/views.h"

typedef struct kb_board kb_board;

typedef struct kb_board_opts {
    int lock_timeout_ms; /* 0 = default */
    const char *kdf;     /* "interactive" | "moderate" | "sensitive"; NULL = moderate */
    long key_cache_s;    /* keep the unlocked key this long idle in the session keyring; 0 = no */
    bool cache_only;     /* open with the kept key alone (pass may be NULL): KB_EPERM if none */
    kb_clock clock;      /* the time writes are stamped with; {0}: the system clock */
} kb_board_opts;

/* Create a board with the default stages, action lines and departments;
 * user becomes its first admin. */
int kb_board_init(const char *path, const char *user, const kb_secret *pass,
                  const kb_board_opts *opts, kb_board **out, kb_err *e) KB_WARN_UNUSED;
int kb_board_open(const char *path, const char *user, const kb_secret *pass,
                  const kb_board_opts *opts, kb_board **out, kb_err *e) KB_WARN_UNUSED;
void kb_board_close(kb_board **b);
/* Run hook (e.g. restore the terminal) before a damaged board file ends the
 * process (see kb_store_on_fatal); it may run in a signal handler. */
void kb_board_on_fatal(void (*hook)(void));
/* Forget the key of this board kept in the session keyring (the TUI's
 * idle lock, after rekey or a passphrase change); true if one was kept. */
bool kb_board_forget_key(kb_board *b);
/* `kernboard lock`: forget every kept key; the number forgotten. */
size_t kb_board_forget_all_keys(void);
/* kb_store_key_cache_ready: false where no key can be kept (no session keyring). */
bool kb_board_key_cache_ready(void);
/* After a command failed with rc (KB_EDATA, KB_EIO or KB_EPERM): when the
 * board file's structure is damaged, e names the damage (table, page) and
 * KB_EDATA is returned; otherwise rc and e stay. */
int kb_board_explain_damage(const char *path, int rc, kb_err *e) KB_WARN_UNUSED;
const char *kb_board_user(const kb_board *b);
enum kb_role kb_board_role(const kb_board *b);

/* Reference data (borrowed; valid until the next refresh or close). */
const kb_stage *kb_board_stages(const kb_board *b, size_t *n);
const kb_dept *kb_board_depts(const kb_board *b, size_t *n);
const kb_line *kb_board_lines(const kb_board *b, size_t *n);
/* Resolve a stage, department or action line by code or name, case- and
 * accent-insensitive (kb_resolve_stage and friends); NULL if none. */
const kb_stage *kb_board_stage_find(const kb_board *b, const char *s);
const kb_dept *kb_board_dept_find(const kb_board *b, const char *code);
const kb_line *kb_board_line_find(const kb_board *b, const char *s);
/* Resolve a user by name or unique prefix (kb_resolve_user); *name_out
 * gets the user's login name (new string).  KB_ENOENT / KB_EDATA. */
int kb_board_user_find(kb_board *b, const char *text, char **name_out, kb_err *e) KB_WARN_UNUSED;
/* Fill a query context for this board to match q with: today, the one
 * resolver (kb_query_resolve_refs over the board's stages, departments,
 * action lines and users), stage norms, the user, and the last meeting's
 * start, read only when q uses since:lastmeeting.  The context refers to
 * the board's reference data: use it until the next kb_board_cache_refresh
 * or close. */
void kb_board_query_ctx(kb_board *b, const kb_query *q, kb_query_ctx *ctx);

/* Cases.  add fills in number, key, created/updated and version.  A new
 * case in a stage that needs a reason (any but the first stage, where
 * cases start) needs one, as a move there does: without it KB_EDATA ("a new
 * case in "Done" needs a reason: add --reason TEXT") and nothing is
 * written; the reason is stored with the "case created" timeline entry. */
int kb_board_case_add(kb_board *b, kb_case *c, kb_err *e) KB_WARN_UNUSED;
int kb_board_case_add_reason(kb_board *b, kb_case *c, const char *reason, kb_err *e) KB_WARN_UNUSED;
/* Does a new case in stage (code or name; NULL: the first stage) need a
 * reason?  (The rule of kb_board_case_add_reason, for a front end that
 * asks before it saves.) */
bool kb_board_add_needs_reason(const kb_board *b, const char *stage);
int kb_board_case_get(kb_board *b, uint32_t number, kb_case *out, kb_err *e) KB_WARN_UNUSED;
/* Who made the newest change of case number (the author of its newest
 * change entry in the timeline): a new string in *who, NULL when none is
 * recorded. */
int kb_board_case_changed_by(kb_board *b, uint32_t number, char **who, kb_err *e) KB_WARN_UNUSED;
/* Save c (number identifies it) if the stored version is still expect
 * (KB_CORE_ANY_VERSION: the version c was read at).  Field changes are
 * added to the timeline.  KB_ECONFLICT names who changed it, or who holds
 * the case's edit lease.  lease_token: the token of the caller's lease on
 * the case (0 = none); a save under a lease that was broken is refused. */
#define KB_CORE_ANY_VERSION UINT64_MAX
int kb_board_case_save(kb_board *b, kb_case *c, uint64_t expect, uint64_t lease_token,
                       kb_err *e) KB_WARN_UNUSED;
/* Every path that changes a case's stage (update, move, save, import with
 * the fields) stores the move in the timeline entry of the change
 * (kb_comment move_from, move_to, reason).  Moving a case into a stage with
 * needs_reason requires a non-empty reason: without one the change is
 * refused with KB_EDATA ("moving #12 to "Done" needs a reason: add --reason
 * TEXT") and nothing is written.
 *
 * A patch: the fields whose bit (1u << kb_field_id) is in set get the
 * values in v; stage, departments and action line may be codes or names,
 * the owner a user name or unique prefix (the core resolves them). */
typedef struct kb_case_patch {
    uint32_t set;
    kb_case v;
    uint32_t append; /* list fields (bits as in set) added to, not replaced */
} kb_case_patch;
void kb_case_patch_init(kb_case_patch *p);
void kb_case_patch_free(kb_case_patch *p);
/* Apply a patch to case number in ONE write transaction, if the stored
 * version is still expect (KB_CORE_ANY_VERSION: no check) and nobody else
 * holds a live edit lease (lease_token: the caller's lease, 0 = none).
 * reason: required when the patch moves the case into a stage that needs
 * one; stored with the move.  *out (may be NULL; initialised with
 * kb_case_init or holding a case, which is replaced) gets the saved case,
 * or the stored one when nothing changed.  No change (or p NULL) = no
 * write, KB_OK.  Unknown stage, department, line or user: KB_EDATA. */
int kb_board_case_update(kb_board *b, uint32_t number, const kb_case_patch *p, const char *reason,
                         uint64_t expect, uint64_t lease_token, kb_case *out,
                         kb_err *e) KB_WARN_UNUSED;
/* Move to a stage (code or name); as kb_board_case_update.  A case already
 * in that stage is left alone (no write, no timeline entry, KB_OK) and
 * *already (may be NULL) says so, for the front end to tell the user. */
int kb_board_case_move(kb_board *b, uint32_t number, const char *stage, const char *reason,
                       uint64_t expect, uint64_t lease_token, kb_case *out, bool *already,
                       kb_err *e) KB_WARN_UNUSED;
/* kb_board_case_save with the reason for a stage move (the TUI form). */
int kb_board_case_save_reason(kb_board *b, kb_case *c, uint64_t expect, uint64_t lease_token,
                              const char *reason, kb_err *e) KB_WARN_UNUSED;
/* Undo: save c, a copy of the case as it was before the caller's last
 * change, as kb_board_case_save_reason (a new change: versioned, in the
 * timeline and the audit log, the move with its reason), but a case that
 * goes back to another stage keeps c->moved, its time in that stage, so an
 * undone move leaves "days in stage", stuck markers and report ages as they
 * were. */
int kb_board_case_restore(kb_board *b, kb_case *c, uint64_t expect, const char *reason,
                          kb_err *e) KB_WARN_UNUSED;
/* Does moving from stage `from` to `to` (codes or names) need a reason?
 * (to needs one and differs from from.) */
bool kb_board_move_needs_reason(const kb_board *b, const char *from, const char *to);
/* Write transactions committed through this handle (test hook). */
uint64_t kb_board_commits(const kb_board *b);

typedef struct kb_case_vec {
    kb_case *v;
    size_t n;
} kb_case_vec;
int kb_board_case_list(kb_board *b, kb_case_vec *out, kb_err *e) KB_WARN_UNUSED;
/* The same with only some fields stored: the bits (1u << kb_field_id) of
 * fields, besides the number, times, key and version (the others keep
 * kb_case_init's values); every record is still checked whole (the same
 * KB_EDATA as kb_board_case_list).  For a list that shows a few columns. */
int kb_board_case_list_some(kb_board *b, uint32_t fields, kb_case_vec *out,
                            kb_err *e) KB_WARN_UNUSED;
/* Fill in each case's active (the newest entry of its timeline: comment,
 * decision, action item, change; 0 without one) for the query terms
 * updated and since: (kb_case_last_activity).  One read transaction and
 * one pass over the timeline table, whatever n is: call it only when the
 * query uses them (kb_query_needs_activity), so an ordinary case list
 * pays nothing.  cases need their key (as listed). */
int kb_board_case_activity(kb_board *b, kb_case *cases, size_t n, kb_err *e) KB_WARN_UNUSED;
/* After kb_board_case_list failed with KB_EDATA (a damaged record): the
 * cases that still read, one by one, the numbers of the damaged ones
 * (appended to *damaged) and, when why is not NULL, what is wrong with each
 * (appended to *why, same order).  For listing only: export must not skip
 * any. */
int kb_board_case_list_salvage(kb_board *b, kb_case_vec *out, kb_u32v *damaged, kb_strv *why,
                               kb_err *e) KB_WARN_UNUSED;
void kb_case_vec_free(kb_case_vec *v);
int kb_board_comment_add(kb_board *b, uint32_t number, const char *text, kb_err *e) KB_WARN_UNUSED;
typedef struct kb_comment_vec {
    kb_comment *v;
    size_t n;
} kb_comment_vec;
int kb_board_timeline(kb_board *b, uint32_t number, kb_comment_vec *out, kb_err *e) KB_WARN_UNUSED;
void kb_comment_vec_free(kb_comment_vec *v);

/* Reference data (brokers and admins).  Codes are stable; names, colours,
 * WIP limits, norms and order can change.  The board's copy is reloaded
 * after each change. */
int kb_board_dept_add(kb_board *b, const kb_dept *d, kb_err *e) KB_WARN_UNUSED;
int kb_board_dept_edit(kb_board *b, const kb_dept *d, kb_err *e) KB_WARN_UNUSED; /* by code */
int kb_board_stage_add(kb_board *b, const kb_stage *s, kb_err *e) KB_WARN_UNUSED;
int kb_board_stage_edit(kb_board *b, const kb_stage *s, kb_err *e) KB_WARN_UNUSED;
int kb_board_line_add(kb_board *b, const kb_line *l, kb_err *e) KB_WARN_UNUSED;
int kb_board_line_edit(kb_board *b, const kb_line *l, kb_err *e) KB_WARN_UNUSED;

/* Action items. */
typedef struct kb_action_vec {
    kb_action_item *v;
    size_t n;
} kb_action_vec;
/* a->case_number, text, owner, due in; number, key, created, version out. */
int kb_board_action_add(kb_board *b, kb_action_item *a, kb_err *e) KB_WARN_UNUSED;
int kb_board_action_done(kb_board *b, uint32_t number, bool done, kb_err *e) KB_WARN_UNUSED;
/* The same; *changed (may be NULL): false when the item was done (or open)
 * already, and then nothing is written; out (may be NULL, initialised):
 * the item afterwards. */
int kb_board_action_set_done(kb_board *b, uint32_t number, bool done, bool *changed,
                             kb_action_item *out, kb_err *e) KB_WARN_UNUSED;
/* All action items (case_number 0), or those of one case. */
int kb_board_action_list(kb_board *b, uint32_t case_number, kb_action_vec *out,
                         kb_err *e) KB_WARN_UNUSED;
void kb_action_vec_free(kb_action_vec *v);

/* Case links. */
typedef struct kb_link_vec {
    kb_link *v;
    size_t n;
} kb_link_vec;
/* Link from to to (one write transaction, a "link" entry in from's
 * timeline).  Refused with KB_EDATA, saying what exists and how to change
 * it, when the two cases are linked already (two cases have at most one
 * link between them, either way round) or when a "duplicate of" or
 * "blocks" link would close a circle (#3 duplicate of #2, #2 of #1, #1 of
 * #3). */
int kb_board_link_add(kb_board *b, uint32_t from, uint32_t to, enum kb_link_kind kind,
                      kb_err *e) KB_WARN_UNUSED;
/* Remove the links between cases x and y, either way round (kind NULL:
 * every kind; else only that kind), in one write transaction, each with a
 * "link removed" entry in the timeline of the case it started from;
 * *removed (may be NULL; free with kb_link_vec_free) gets the links
 * removed.  None: KB_ENOENT, nothing written. */
int kb_board_link_remove(kb_board *b, uint32_t x, uint32_t y, const enum kb_link_kind *kind,
                         kb_link_vec *removed, kb_err *e) KB_WARN_UNUSED;
/* Links touching a case (either end); case_number 0 = all. */
int kb_board_link_list(kb_board *b, uint32_t case_number, kb_link_vec *out,
                       kb_err *e) KB_WARN_UNUSED;
void kb_link_vec_free(kb_link_vec *v);

/* Import (all or nothing, one write transaction).  Reference data is
 * upserted by code (shared views by name: a view of the same name is
 * replaced, as a department of the same code is); cases, action items and
 * timeline entries keep their numbers and times when given (number 0 =
 * next free number); a case number that exists already is an error.  The
 * board settings are set when given.  dry_run checks everything and
 * reports what would change without writing.  Strings in the arrays are
 * borrowed. */
typedef struct kb_import {
    kb_dept *depts;
    size_t ndepts;
    kb_stage *stages;
    size_t nstages;
    kb_line *lines;
    size_t nlines;
    kb_case *cases;
    size_t ncases;
    kb_comment *comments; /* by case_number */
    size_t ncomments;
    kb_action_item *actions;
    size_t nactions;
    kb_link *links;
    size_t nlinks;
    kb_org *orgs; /* upserted by name */
    size_t norgs;
    kb_contact *contacts;
    size_t ncontacts;
    kb_meeting *meetings; /* keep their numbers */
    size_t nmeetings;
    kb_decision *decisions; /* keep their numbers, authors and times */
    size_t ndecisions;
    kb_goal *goals; /* department goals, upserted by code */
    size_t ngoals;
    kb_saved_view *views; /* shared views, upserted by name */
    size_t nviews;
    /* board settings ("settings" of the export); absent: left as they are */
    bool has_contact_window;
    int contact_window;
    /* The cases are new ones, as `case add` makes them (a CSV, which
     * carries no history and no organisations): each gets a "case
     * imported" timeline entry and records of the organisations it names,
     * and one in a stage that needs a reason needs reasons[i], kept with
     * that entry.  false (a JSON export): the file's timelines and
     * organisations are imported; a case without an id gets the entry. */
    bool new_cases;
    char **reasons; /* NULL, or one per case (NULL or "": none) */
} kb_import;
typedef struct kb_import_report {
    size_t depts_added, depts_changed, stages_added, stages_changed, lines_added, lines_changed;
    size_t cases_added, comments_added, actions_added, links_added;
    size_t orgs_added, orgs_changed, contacts_added, meetings_added, decisions_added;
    size_t goals_added, goals_changed;
    size_t bad_case; /* on an error about one case: its index + 1 in cases, else 0 */
    size_t views_added, views_changed, settings_changed;
} kb_import_report;
int kb_board_import(kb_board *b, kb_import *imp, bool dry_run, kb_import_report *rep,
                    kb_err *e) KB_WARN_UNUSED;
/* The same, telling p (may be NULL) of its progress: a large import is
 * staged (docs/storage.md "Staged imports"), and fn hears after each
 * staged transaction how many of the file's items are written, with no
 * lock held (it may wait). */
typedef struct kb_import_progress {
    void (*fn)(void *ctx, size_t done, size_t total);
    void *ctx;
} kb_import_progress;
int kb_board_import_ex(kb_board *b, kb_import *imp, bool dry_run, const kb_import_progress *p,
                       kb_import_report *rep, kb_err *e) KB_WARN_UNUSED;

/* Organisations and contact moments.  Names are unique (case-insensitive). */
typedef struct kb_org_vec {
    kb_org *v;
    size_t n;
} kb_org_vec;
typedef struct kb_contact_vec {
    kb_contact *v;
    size_t n;
} kb_contact_vec;
int kb_board_org_add(kb_board *b, kb_org *o, kb_err *e) KB_WARN_UNUSED;
/* Replace kind/contact/notes of the organisation named o->name. */
int kb_board_org_edit(kb_board *b, const kb_org *o, kb_err *e) KB_WARN_UNUSED;
int kb_board_org_list(kb_board *b, kb_org_vec *out, kb_err *e) KB_WARN_UNUSED;
/* The organisation called name, case- and accent-insensitively (kb_fold,
 * as everywhere organisations are named); KB_ENOENT with a message. */
int kb_board_org_get(kb_board *b, const char *name, kb_org *out, kb_err *e) KB_WARN_UNUSED;
void kb_org_vec_free(kb_org_vec *v);
/* Record a contact moment; *clashes gets the contact moments of OTHER
 * departments with the same organisation within window_days of its date
 * (entrepreneurs must not be asked the same thing twice); window_days
 * KB_CONTACT_WINDOW_BOARD takes the board's setting.  An organisation
 * without a record gets one (kind entrepreneur) in the same transaction,
 * and c->org becomes its stored spelling. */
int kb_board_contact_add(kb_board *b, kb_contact *c, int window_days, kb_contact_vec *clashes,
                         kb_err *e) KB_WARN_UNUSED;
/* Contact moments of one organisation (NULL = all), by date. */
int kb_board_contact_list(kb_board *b, const char *org, kb_contact_vec *out,
                          kb_err *e) KB_WARN_UNUSED;
void kb_contact_vec_free(kb_contact_vec *v);

/* Meetings and decisions.  Meetings are numbered (M3), decisions too (D12);
 * a decision also appears in its case's timeline. */
typedef struct kb_meeting_vec {
    kb_meeting *v;
    size_t n;
} kb_meeting_vec;
typedef struct kb_decision_vec {
    kb_decision *v;
    size_t n;
} kb_decision_vec;
/* m->date, attendees, agenda, minutes in; number, key, version out.
 * Attendees must be users of the board; agenda entries existing cases. */
int kb_board_meeting_add(kb_board *b, kb_meeting *m, kb_err *e) KB_WARN_UNUSED;
int kb_board_meeting_get(kb_board *b, uint32_t number, kb_meeting *out, kb_err *e) KB_WARN_UNUSED;
int kb_board_meeting_list(kb_board *b, kb_meeting_vec *out, kb_err *e) KB_WARN_UNUSED;
void kb_meeting_vec_free(kb_meeting_vec *v);
/* When the last meeting started (for since:lastmeeting): the start time
 * of the latest meeting that started and ended (meetings recorded
 * afterwards count from their date's local midnight); a meeting running
 * now does not count, so "since the last meeting" during a meeting means
 * since the previous one.  0 when there is none or the meetings
 * cannot be read. */
kb_time kb_board_last_meeting_time(kb_board *b);
/* Both in one read: the running meeting (*running, may be NULL; number 0
 * when none runs) and *last as kb_board_last_meeting_time gives it. */
int kb_board_meeting_status(kb_board *b, kb_meeting *running, kb_time *last,
                            kb_err *e) KB_WARN_UNUSED;
/* d->case_number, meeting (0 = none), text in; number, author, time out. */
int kb_board_decision_add(kb_board *b, kb_decision *d, kb_err *e) KB_WARN_UNUSED;
/* Decisions of a case and/or a meeting (0 = any), oldest first. */
int kb_board_decision_list(kb_board *b, uint32_t case_number, uint32_t meeting,
                           kb_decision_vec *out, kb_err *e) KB_WARN_UNUSED;
void kb_decision_vec_free(kb_decision_vec *v);
/* A decision with its action items, in ONE write transaction (refused while
 * someone else holds a live edit lease on the case).  d->case_number,
 * meeting, text in; each item's text, owner (name or unique prefix) and due
 * in, its case_number taken from d; numbers, author, times out. */
int kb_board_decide(kb_board *b, kb_decision *d, kb_action_item *items, size_t nitems,
                    kb_err *e) KB_WARN_UNUSED;

/* Meeting mode (SPEC §3).  One draft agenda and at most one running
 * meeting at a time; both are meeting records (state draft / running) so
 * every member sees them.  Decisions taken while a meeting runs (case
 * decide without --meeting) attach to it.  All times come from
 * kb_board_now(), which tests can replace per board. */
#define KB_MEETING_DEFAULT_PLAN 300 /* seconds planned per agenda item */
/* The board's clock (kb_board_opts.clock): every time the core and the
 * store stamp (cases, timeline, decisions, action items, leases, meeting
 * times, the audit log) comes from it.  c NULL: the system clock. */
void kb_board_set_clock(kb_board *b, const kb_clock *c);
kb_time kb_board_now(const kb_board *b);
int64_t kb_board_now_us(const kb_board *b);
/* The latest meeting in state (KB_MEETING_DRAFT / RUNNING); KB_ENOENT when
 * there is none. */
int kb_board_meeting_state_get(kb_board *b, int state, kb_meeting *out, kb_err *e) KB_WARN_UNUSED;
/* An agenda proposal from the board (not stored): cases flagged on-agenda
 * ("agenda"), new signals since the last meeting ("new"), cases that
 * changed stage since then ("moved"), cases past their stage norm
 * ("stuck") and cases with overdue action items ("actions") (SPEC §3;
 * a case that only got comments since is found by since:lastmeeting);
 * the reasons go to why, in that order of priority. */
int kb_board_agenda_build(kb_board *b, kb_meeting *out, kb_err *e) KB_WARN_UNUSED;
enum kb_agenda_op_kind {
    KB_AGENDA_REBUILD, /* replace the draft by a new proposal */
    KB_AGENDA_ADD,     /* case at pos (1-based; 0 = at the end) */
    KB_AGENDA_DROP,
    KB_AGENDA_MOVE, /* case to pos (1-based) */
    KB_AGENDA_PLAN  /* planned seconds */
};
typedef struct kb_agenda_op {
    enum kb_agenda_op_kind kind;
    uint32_t case_number;
    size_t pos;
    uint32_t plan;
} kb_agenda_op;
typedef struct kb_agenda_edit {
    const kb_agenda_op *ops;
    size_t n;
} kb_agenda_edit;
/* Edit the agenda of the running meeting, or else of the draft (built
 * from the board when there is none), in one write. */
int kb_board_agenda_edit(kb_board *b, const kb_agenda_edit *ed, kb_meeting *out,
                         kb_err *e) KB_WARN_UNUSED;
/* Start: the draft (or a new proposal) becomes the running meeting, with
 * the session user in the chair.  KB_EBUSY when one runs already. */
int kb_board_meeting_start(kb_board *b, const kb_strv *attendees, const kb_strv *guests,
                           kb_meeting *out, kb_err *e) KB_WARN_UNUSED;
/* Go to item index (>= 0) or move by delta; the time on the item left is
 * stored. */
int kb_board_meeting_goto(kb_board *b, int delta, long index, kb_meeting *out,
                          kb_err *e) KB_WARN_UNUSED;
/* Attendance: a user (name or prefix) or a guest (by name) present or not. */
int kb_board_meeting_attend(kb_board *b, const char *who, bool present, bool guest, kb_meeting *out,
                            kb_err *e) KB_WARN_UNUSED;
/* The chair reveals a confidential case on the shared screen (recorded). */
int kb_board_meeting_reveal(kb_board *b, uint32_t case_number, kb_meeting *out,
                            kb_err *e) KB_WARN_UNUSED;
/* End the running meeting: times stored, minutes (without confidential
 * details) generated and stored; out->minutes holds them. */
int kb_board_meeting_end(kb_board *b, kb_meeting *out, kb_err *e) KB_WARN_UNUSED;
/* Markdown minutes of meeting number in the locale's language:
 * attendance, "since the last meeting", per item the decisions and action
 * items (owner, department, due date), action items per owner.
 * Confidential cases show number and title only unless include_conf. */
int kb_board_meeting_minutes(kb_board *b, uint32_t number, bool include_conf, char **out,
                             kb_err *e) KB_WARN_UNUSED;
/* Why an item is on the agenda, in words: "new signal, changed stage"
 * from "new,moved" (new string). */
char *kb_meeting_why_text(const char *why);

typedef struct kb_goal_vec {
    kb_goal *v;
    size_t n;
} kb_goal_vec;

/* A case's whole detail read in ONE read transaction (a consistent
 * snapshot): the case, its timeline (oldest first), action items, links
 * (either end), decisions, and the department goals its hooks stand for
 * (kb_goal_of_hook), to show them by name (kb_hooks_label). */
typedef struct kb_case_detail {
    kb_case c;
    kb_comment_vec timeline;
    kb_action_vec actions;
    kb_link_vec links;
    kb_decision_vec decisions;
    kb_goal_vec goals;
} kb_case_detail;
int kb_board_case_detail(kb_board *b, uint32_t number, kb_case_detail *out,
                         kb_err *e) KB_WARN_UNUSED;
void kb_case_detail_free(kb_case_detail *d);

/* Edit leases (record locks), SPEC §6.  A lease is held by this
 * session; it is provably dead when the holder's session is gone, and
 * expires unless renewed. */
enum kb_lease_state { KB_LEASE_ALIVE, KB_LEASE_EXPIRED, KB_LEASE_DEAD };
typedef struct kb_lease_info {
    kb_lease lease;
    enum kb_lease_state state;
    bool mine;
} kb_lease_info;
typedef struct kb_lease_vec {
    kb_lease_info *v;
    size_t n;
} kb_lease_vec;
/* Take the lease on a case for seconds (0 = KB_LEASE_SECONDS).  A dead
 * holder's lease is taken over at once; an expired one only with
 * take_expired; a live one gives KB_ECONFLICT "case #12 is being edited by
 * USER on HOST since HH:MM".  Our own lease is renewed. */
int kb_board_lease_acquire(kb_board *b, uint32_t number, int seconds, bool take_expired,
                           uint64_t *token, kb_err *e) KB_WARN_UNUSED;
int kb_board_lease_renew(kb_board *b, uint32_t number, uint64_t token, int seconds,
                         kb_err *e) KB_WARN_UNUSED;
int kb_board_lease_release(kb_board *b, uint32_t number, uint64_t token, kb_err *e) KB_WARN_UNUSED;
/* Break someone's lease: brokers and admins any; others only a dead one,
 * or an expired one with confirm_expired. */
int kb_board_lease_break(kb_board *b, uint32_t number, bool confirm_expired,
                         kb_err *e) KB_WARN_UNUSED;
int kb_board_lease_list(kb_board *b, kb_lease_vec *out, kb_err *e) KB_WARN_UNUSED;
/* The lease on one case, if any (KB_ENOENT when none). */
int kb_board_lease_get(kb_board *b, uint32_t number, kb_lease_info *out, kb_err *e) KB_WARN_UNUSED;
void kb_lease_vec_free(kb_lease_vec *v);
const char *kb_lease_state_name(enum kb_lease_state s);

/* Who is online: the board's open sessions. */
typedef struct kb_session {
    char user[65];
    char host[65];
    kb_time since;
    unsigned pid;
    bool self;
} kb_session;
int kb_board_sessions(kb_board *b, kb_session **out, size_t *n, kb_err *e) KB_WARN_UNUSED;

/* Users. */
int kb_board_user_add(kb_board *b, const char *name, enum kb_role role, const kb_strv *depts,
                      const kb_secret *pass, kb_err *e) KB_WARN_UNUSED;
typedef struct kb_user_vec {
    kb_user *v;
    size_t n;
} kb_user_vec;
int kb_board_user_list(kb_board *b, kb_user_vec *out, kb_err *e) KB_WARN_UNUSED;
/* Remove a user's access (admin): keyslot and sealed data key go, the
 * user record goes; their signatures stay verifiable.  Run rekey to rotate
 * the data key as well. */
int kb_board_user_remove(kb_board *b, const char *name, kb_err *e) KB_WARN_UNUSED;
/* Change a passphrase: your own (keys unchanged), or, as admin, reset
 * another user's access with a new key pair. */
int kb_board_user_passwd(kb_board *b, const char *name, const kb_secret *pass,
                         kb_err *e) KB_WARN_UNUSED;

/* Counts for `stats`. */
typedef struct kb_board_stats {
    size_t cases, comments, users, depts, stages, lines, actions, links, leases, sessions;
    uint64_t audit_entries;
    size_t cases_per_stage[32];
    size_t overdue_actions;
} kb_board_stats;
int kb_board_stats_get(kb_board *b, kb_board_stats *out, kb_err *e) KB_WARN_UNUSED;
void kb_user_vec_free(kb_user_vec *v);

/* Integrity. */
typedef struct kb_verify_result {
    uint64_t records;
    uint64_t entries;
    uint64_t head_seq;
    char head_hex[65];
    bool incremental; /* only what was appended after this client's last verify */
    /* an import not finished (docs/storage.md "Staged imports"): its
     * records, not yet the board's; staged_alive: its session is open */
    uint64_t staged;
    bool staged_alive;
} kb_verify_result;
int kb_board_verify(kb_board *b, kb_verify_result *out, kb_err *e) KB_WARN_UNUSED;
/* With options (kernboard/verify.h): --incremental, progress. */
int kb_board_verify_ex(kb_board *b, const kb_verify_opts *o, kb_verify_result *out,
                       kb_err *e) KB_WARN_UNUSED;
/* Rotate the board's data key (admin; nobody else may have it open).  In
 * bounded batches through a side file BOARD.rekey; run again after an
 * interruption, it goes on where it stopped.  fn (may be NULL) hears of the
 * progress (kernboard/rekey.h). */
int kb_board_rekey(kb_board *b, size_t *records, kb_rekey_fn fn, void *ctx,
                   kb_err *e) KB_WARN_UNUSED;
/* Backup to dest (must not exist): a compacted copy taken under the shared
 * lock, verified with this session's keys before it gets its name. */
int kb_board_backup(kb_board *b, const char *dest, kb_verify_result *out, kb_err *e) KB_WARN_UNUSED;

/* Restore a backup made by `backup` over the open board (admin; nobody
 * else may have it open: KB_EBUSY).  The restored board records the
 * restore in a signed audit entry, so clients that verified the newer,
 * discarded history accept it (their rollback pin); see docs/security.md. */
typedef struct kb_restore_result {
    uint64_t backup_seq;   /* newest audit entry of the backup */
    uint64_t replaced_seq; /* newest audit entry of the replaced board */
    uint64_t discarded;    /* audit entries the restore discarded */
    uint64_t head_seq;     /* newest audit entry after the restore */
    uint64_t records;
} kb_restore_result;
int kb_board_restore(kb_board *b, const char *backup, kb_restore_result *out,
                     kb_err *e) KB_WARN_UNUSED;
/* Restore a backup to a board path that does not exist yet (a copy with a
 * fresh lock file); open and verify it afterwards. */
int kb_board_restore_new(const char *backup, const char *board, kb_err *e) KB_WARN_UNUSED;

/* In-memory board kept current from the change feed (SPEC §3 "Live"):
 * load once, then refresh reads only the audit entries after the last
 * seen sequence and reloads just the cases they name. */
typedef struct kb_board_cache {
    kb_case_vec cases; /* sorted by number */
    kb_link_vec links; /* every case link (the triage inbox leaves duplicates out) */
    uint64_t seq;      /* newest audit entry applied */
    uint64_t generation;
    /* What the last refresh changed, for callers that update their own
     * structures incrementally (the TUI's board layout); replaced by the
     * next refresh (empty when it found no commit):
     * - changed: the numbers of the cases reloaded, added or removed
     *   (ascending, each once); old: the versions they replaced or the
     *   removed cases (any order; added cases have none);
     * - refs_changed: the reference data was reloaded;
     * - meetings_changed, leases_changed: a meeting or an edit lease was
     *   written (every write is in the change feed);
     * - moved: cases were added or removed and the cases' addresses in
     *   `cases` changed (else a reloaded case was replaced in place and
     *   every other case kept its address). */
    uint32_t *changed;
    size_t nchanged;
    kb_case_vec old;
    bool refs_changed;
    bool moved;
    bool meetings_changed, leases_changed;
    bool links_changed; /* a link was added or removed: links reloaded */
    /* The cases' active times are filled in (kb_board_cache_activity) and
     * kept current: a new timeline entry (comment, decision, action item)
     * raises its case's active and names the case in changed, with its
     * previous state in old, as a change of the case would. */
    bool activity;
} kb_board_cache;
int kb_board_cache_load(kb_board *b, kb_board_cache *c, kb_err *e) KB_WARN_UNUSED;
/* Fill in the cached cases' active times once (kb_board_case_activity)
 * and keep them current from then on; cheap when already done.  For a
 * filter that uses updated or since:. */
int kb_board_cache_activity(kb_board *b, kb_board_cache *c, kb_err *e) KB_WARN_UNUSED;
/* Apply changes since c->seq; *changed = number of cases reloaded or
 * removed (may be NULL).  Cheap when nothing changed (one header read).
 * Work is in proportion to the changes, not to the board: reloaded cases
 * are replaced in place, new ones appended (merged when their numbers are
 * not the highest); only a removal moves the cases after it.  On an error
 * the cache stays sorted and whole, but its delta (changed, old) may be
 * incomplete: rebuild what depends on it.
 * When others changed stages, departments, action lines or users, the
 * board's reference data is reloaded too: pointers from kb_board_stages()
 * and friends must be fetched again after this call. */
int kb_board_cache_refresh(kb_board *b, kb_board_cache *c, size_t *changed,
                           kb_err *e) KB_WARN_UNUSED;
/* The same, with the generation the caller has just read
 * (kb_board_generation): one read of the lock file's header less per
 * change, a round trip on a network drive. */
int kb_board_cache_refresh_at(kb_board *b, kb_board_cache *c, uint64_t gen, size_t *changed,
                              kb_err *e) KB_WARN_UNUSED;
void kb_board_cache_free(kb_board_cache *c);

/* The audit log as a change feed, oldest first. */
typedef struct kb_log_entry {
    uint64_t seq;
    kb_time time;
    char user[65];
    char action[33];
    char table[16];
    uint64_t version;
    bool deleted;
} kb_log_entry;
typedef struct kb_log_vec {
    kb_log_entry *v;
    size_t n;
} kb_log_vec;
int kb_board_log(kb_board *b, uint64_t since, kb_log_vec *out, kb_err *e) KB_WARN_UNUSED;
void kb_log_vec_free(kb_log_vec *v);

/* Deployment checks (no unlock needed); see kb_store_doctor. */
enum kb_check_level { KB_CHECK_OK, KB_CHECK_WARNING, KB_CHECK_PROBLEM };
typedef void (*kb_check_fn)(void *ctx, enum kb_check_level lvl, const char *msg);
int kb_board_doctor(const char *path, kb_check_fn fn, void *ctx, int *problems,
                    kb_err *e) KB_WARN_UNUSED;
/* Recreate a missing or damaged lock file; see kb_store_repair_lock. */
int kb_board_repair_lock(const char *path, int *outcome, uint64_t *generation,
                         kb_err *e) KB_WARN_UNUSED;

/* Cheap poll for live refresh: changes when anyone commits. */
int kb_board_generation(kb_board *b, uint64_t *gen, kb_err *e) KB_WARN_UNUSED;

/* ---- contacts and my work (issue 12) */
/* The contact window: how many days apart two departments' contact
 * moments with one organisation draw a warning.  A board setting (META),
 * 14 days unless a broker or admin changed it. */
#define KB_CONTACT_WINDOW_DEFAULT 14
#define KB_CONTACT_WINDOW_MAX 365
#define KB_CONTACT_WINDOW_BOARD (-1)
int kb_board_contact_window(kb_board *b, int *days, kb_err *e) KB_WARN_UNUSED;
int kb_board_contact_window_set(kb_board *b, int days, kb_err *e) KB_WARN_UNUSED;
/* "INC (fatima) also has contact with X on DATE: PURPOSE" for a clash
 * kb_board_contact_add reported, naming who and when (new string). */
char *kb_contact_clash_text(const kb_contact *c);
/* Every organisation (by name, case- and accent-insensitively) and every
 * contact moment (by date), in one read transaction. */
int kb_board_org_overview(kb_board *b, kb_org_vec *orgs, kb_contact_vec *contacts,
                          kb_err *e) KB_WARN_UNUSED;
/* Sort action items for "my work": open ones by due date (so the overdue
 * come first), those without a due date last, then by number; done ones
 * after all open ones. */
void kb_action_items_by_due(kb_action_item *v, size_t n);
/* The open action items owned by user (NULL: the session's user), sorted
 * with kb_action_items_by_due. */
int kb_board_my_actions(kb_board *b, const char *user, kb_action_vec *out,
                        kb_err *e) KB_WARN_UNUSED;
/* ---- Department goals (issue 12): reference data per department,
 * maintained by brokers and admins; a case's policy hooks name them by
 * code (free-text hooks stay possible).  Codes are unique on the board. */
/* All goals, in the board's department order, then by code. */
int kb_board_goal_list(kb_board *b, kb_goal_vec *out, kb_err *e) KB_WARN_UNUSED;
void kb_goal_vec_free(kb_goal_vec *v);
/* Add a goal (g->dept: a department code or name).  promote (may be NULL):
 * a free-text hook that becomes this goal: in the same write transaction,
 * every case whose hooks hold that text (kb_fold-equal) gets the goal's
 * code instead, with a timeline entry; *promoted (may be NULL) counts
 * them. */
int kb_board_goal_add(kb_board *b, const kb_goal *g, const char *promote, size_t *promoted,
                      kb_err *e) KB_WARN_UNUSED;
/* Change the text and/or department (NULL: keep) of the goal g->code. */
int kb_board_goal_edit(kb_board *b, const kb_goal *g, kb_err *e) KB_WARN_UNUSED;
/* Remove a goal (cases that name it keep the code as a free-text hook). */
int kb_board_goal_remove(kb_board *b, const char *code, kb_err *e) KB_WARN_UNUSED;

/* ---- Triage (issue 12): one decision on a case in ONE write
 * transaction: a patch (kb_board_case_update) plus what comes with the
 * decision: a comment, a next-step action item, a link to another case.
 * Lists in p->append (bits as in p->set) are added to the stored list
 * instead of replacing it.  Without a patch change the case record is not
 * rewritten, but the extras still are (one transaction).  expect: the
 * version the decision was made on (KB_CORE_ANY_VERSION: no check); a
 * patch on a case changed since is refused with KB_ECONFLICT naming who
 * changed it, and nothing is written (extras alone are not checked: a
 * comment or an action item does not overwrite anything). */
typedef struct kb_case_extra {
    const char *comment;         /* NULL: none */
    kb_action_item *action;      /* NULL: none; text, owner (name or prefix), due in; number out */
    uint32_t link_to;            /* 0: none */
    enum kb_link_kind link_kind; /* this case <kind> link_to */
} kb_case_extra;
int kb_board_case_decide_triage(kb_board *b, uint32_t number, const kb_case_patch *p,
                                const char *reason, const kb_case_extra *x, uint64_t expect,
                                kb_case *out, kb_err *e) KB_WARN_UNUSED;
/* A new case and its link to an existing one (the new-case form's "one
 * key links it as duplicate of / related to"), in one write transaction;
 * reason as in kb_board_case_add_reason. */
int kb_board_case_add_linked(kb_board *b, kb_case *c, uint32_t link_to, enum kb_link_kind kind,
                             const char *reason, kb_err *e) KB_WARN_UNUSED;

/* Export (snapshot.c): everything an export needs, read in ONE read
 * transaction, so that the export is one state the board really had; the
 * board's reference data (kb_board_depts, _stages, _lines) is reloaded in
 * the same transaction.  The timeline of cases.v[i] is
 * comments.v[tl[i] .. tl[i + 1]), oldest first. */
typedef struct kb_export_snapshot {
    kb_case_vec cases; /* by number */
    kb_comment_vec comments;
    size_t *tl; /* cases.n + 1 offsets into comments */
    kb_action_vec actions;
    kb_link_vec links;
    kb_org_vec orgs;
    kb_contact_vec contacts;
    kb_meeting_vec meetings;
    kb_decision_vec decisions;
    kb_goal_vec goals;
    kb_view_vec views;  /* the shared views (personal views belong to users: not exported) */
    int contact_window; /* the board settings */
} kb_export_snapshot;
int kb_board_export_snapshot(kb_board *b, kb_export_snapshot *s, kb_err *e) KB_WARN_UNUSED;
void kb_export_snapshot_free(kb_export_snapshot *s);

#endif
