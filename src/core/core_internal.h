/*
 * core_internal.h - state shared by the core's source files.
 */
#ifndef KERNBOARD_CORE_INTERNAL_H
#define KERNBOARD_CORE_INTERNAL_H

#include "kernboard/core.h"
#include "kernboard/store.h"

struct kb_board {
    kb_store *s;
    kb_clock clock; /* kb_board_opts.clock, kb_board_set_clock */
    kb_stage *stages;
    size_t nstages;
    kb_dept *depts;
    size_t ndepts;
    kb_line *lines;
    size_t nlines;
    kb_user me;
    enum kb_kdf kdf;   /* for keyslots this session creates */
    kb_user_vec users; /* for kb_board_query_ctx; loaded on first use */
    bool users_loaded;
    kb_query_refs qrefs;        /* what kb_board_query_ctx hands out */
    struct kb_lease_seen *seen; /* lease.c: when this host first saw each lease */
    size_t nseen;
    bool seen_loaded;
};

/* Lease expiry without comparing two hosts' clocks (lease.c): a lease
 * record changes version at every renewal; a reader remembers, on its own
 * monotonic clock (CLOCK_BOOTTIME, shared by the processes of one boot),
 * when it first saw the current version.  A live session's lease has
 * expired once this host has seen no renewal for the lease's lifetime. */
typedef struct kb_lease_seen {
    unsigned char key[KB_KEY_LEN];
    uint64_t token, version;
    int64_t first_ms; /* when this (token, version) was first seen */
} kb_lease_seen;
/* The pure decision (unit-tested): records a new or changed lease in the
 * table (*changed), and says whether it has gone unrenewed for its lifetime
 * as of now_ms. */
bool kb_lease_seen_expired(kb_lease_seen **tab, size_t *n, const kb_lease *l, int64_t now_ms,
                           bool *changed);

/* Fixed META record keys (no names in LMDB keys). */
extern const unsigned char kb_meta_counters[KB_KEY_LEN];
extern const unsigned char kb_meta_lease_tokens[KB_KEY_LEN];
extern const unsigned char kb_meta_action_counter[KB_KEY_LEN];
extern const unsigned char kb_meta_meeting_counter[KB_KEY_LEN];
extern const unsigned char kb_meta_decision_counter[KB_KEY_LEN];

/* Reload stages, departments, lines and the session user's record. */
int kb_refs_load(kb_board *b, kb_err *e);
/* Next value of a u32 counter in META (inside a write transaction). */
int kb_counter_next(kb_txn *t, const unsigned char key[KB_KEY_LEN], uint32_t *out, kb_err *e);
/* Make sure the counter's next value is at least min_next. */
int kb_counter_ensure(kb_txn *t, const unsigned char key[KB_KEY_LEN], uint32_t min_next, kb_err *e);
/* Take count numbers of counter key, all above `above`: *first .. *first +
 * count - 1 (the counter passes them and every number up to above). */
int kb_counter_reserve(kb_txn *t, const unsigned char key[KB_KEY_LEN], uint32_t above,
                       uint32_t count, uint32_t *first, kb_err *e);

int kb_require_writer(const kb_board *b, kb_err *e);
/* Inside a write transaction: remove a user's personal views (views.c). */
int kb_views_personal_drop(kb_txn *t, const char *user, kb_err *e);
/* The board's shared views in t (*ver: the record's version, for
 * kb_views_shared_put), and writing them (detail: for the audit log). */
int kb_views_shared_in(kb_txn *t, kb_view_vec *out, uint64_t *ver, kb_err *e);
int kb_views_shared_put(kb_txn *t, const kb_view_vec *v, uint64_t ver, const char *detail,
                        kb_err *e);
/* Read case number inside a transaction (via the keyed index). */
int kb_case_read(kb_txn *t, uint32_t number, kb_case *out, kb_err *e);
char *kb_case_index_name(uint32_t number);
/* Inside a write transaction: refuse when someone else holds a live,
 * unexpired lease on the case, or when token (non-zero) is not the
 * caller's current lease. */
int kb_lease_check_save(kb_board *b, kb_txn *t, const kb_case *c, uint64_t token, kb_err *e);

/* Resolve and normalise a case's stage, departments and line; validate. */
int kb_case_refs(const kb_board *b, kb_case *c, kb_err *e);
/* Insert a new case in t: number 0 takes the next number, otherwise the
 * given one (must be free).  keep_times keeps created/updated (imports);
 * reason (may be NULL) is stored with the "case created" entry. */
int kb_case_insert(kb_board *b, kb_txn *t, kb_case *c, bool keep_times, const char *reason,
                   kb_err *e);
/* A new case (stage resolved) in a stage that needs a reason -- any stage
 * but the first, where cases start -- needs a non-empty reason (KB_EDATA). */
int kb_case_add_reason_check(const kb_board *b, const kb_case *c, const char *reason, kb_err *e);
int kb_timeline_put(kb_txn *t, const unsigned char case_key[KB_KEY_LEN], uint32_t number,
                    enum kb_entry_kind kind, const char *author, const char *text, kb_err *e);
/* The same for a full entry (a stage move with move_from/move_to/reason);
 * case_number, time and time_us are filled in when 0. */
int kb_timeline_put_entry(kb_txn *t, const unsigned char case_key[KB_KEY_LEN], kb_comment *cm,
                          kb_err *e);
/* Inside t: a case's timeline (oldest first), action items, links (either
 * end) and decisions. */
int kb_timeline_in(kb_txn *t, const kb_id *case_key, kb_comment_vec *out, kb_err *e);
int kb_actions_in(kb_txn *t, const kb_id *case_key, kb_action_vec *out, kb_err *e);
int kb_links_of(kb_txn *t, const kb_id *case_key, kb_link_vec *out, kb_err *e);
int kb_decisions_in(kb_txn *t, const kb_id *case_key, kb_decision_vec *out, kb_err *e);
/* Inside t: add an action item / decision to case c with its timeline entry
 * (the use cases' bodies; the owner must be a user, a prefix is resolved). */
int kb_action_add_in(kb_board *b, kb_txn *t, const kb_case *c, kb_action_item *a, kb_err *e);
int kb_decision_add_in(kb_board *b, kb_txn *t, const kb_case *c, kb_decision *d, kb_err *e);
/* Inside t: the board's users, sorted by name. */
int kb_users_in(kb_txn *t, kb_user_vec *out, kb_err *e);
/* A user name or a unique prefix typed for an owner or attendee: *name is
 * replaced by the user's login name; unknown or ambiguous: KB_EDATA. */
int kb_owner_resolve(kb_txn *t, char **name, kb_err *e);

/* Insert a new action item / link in t (imports keep a->number). */
int kb_action_insert(kb_txn *t, kb_action_item *a, const kb_id *case_key, kb_err *e);
/* Inside t: link case a (stored) to case number to, with its timeline
 * entry; refuses a link to itself or one that exists. */
int kb_link_add_in(kb_board *b, kb_txn *t, const kb_case *a, uint32_t to, enum kb_link_kind kind,
                   kb_err *e);
int kb_link_insert(kb_txn *t, kb_link *l, const kb_id *from_key, const kb_id *to_key, kb_err *e);
/* Where the link rule reads the links a case has: the board in a
 * transaction (case link, triage), or an import's file and the board
 * together (transfer.c). */
typedef struct kb_link_src {
    /* the links of case n, from either end (new vector) */
    int (*links_of)(void *ctx, uint32_t n, kb_link_vec *out, kb_err *e);
    /* NULL, or where link l comes from when it is not on the board yet
     * ("links[4]" of an import file; new string, NULL: on the board) */
    char *(*origin)(void *ctx, const kb_link *l);
    void *ctx;
} kb_link_src;
/* The one rule for the name and code of a department, stage or action
 * line (items.c), used by the commands and by an import: the name must not
 * be another one's name or code, and a new code (code non-NULL; NULL when
 * the code is not new) must not be another one's name, case and accents
 * ignored (the resolver matches codes first, then names, and would pick
 * one silently).  v: n records of size bytes with their code and name at
 * code_off and name_off; self: the record being checked when it is in v
 * (skipped), else NULL; list: the command that lists them ("dept").
 * KB_EDATA names the other one. */
int kb_ref_unique(const void *v, size_t n, size_t size, size_t code_off, size_t name_off,
                  const void *self, const char *code, const char *name, const char *list,
                  kb_err *e);
#define KB_REF_UNIQUE(arr, n, type, self, c, nm, list, e)                                          \
    kb_ref_unique((arr), (n), sizeof(type), offsetof(type, code), offsetof(type, name), (self),    \
                  (c), (nm), (list), (e))
/* The one rule for a new link from -> to of kind (items.c): no case
 * linked to itself, one link between two cases, no circle of duplicates
 * or blockers; KB_EDATA names what exists and what to do. */
int kb_link_rule(const kb_link_src *src, uint32_t from, uint32_t to, enum kb_link_kind kind,
                 kb_err *e);
/* Inside t: the department goals (board department order, then code). */
int kb_goals_in(const kb_board *b, kb_txn *t, kb_goal_vec *out, kb_err *e);
/* Inside t: kb_board_case_activity (each case's newest timeline entry). */
int kb_case_activity_in(kb_txn *t, kb_case *cases, size_t n, kb_err *e);
/* Inside t: the goals the hooks stand for (kb_goal_of_hook), in that order. */
int kb_hook_goals_in(const kb_board *b, kb_txn *t, const kb_strv *hooks, kb_goal_vec *out,
                     kb_err *e);
int kb_org_upsert(kb_txn *t, const kb_org *o, bool *added, bool *changed, kb_err *e);
/* Inside t: the organisation of that name (case and accents ignored). */
int kb_org_get(kb_txn *t, const char *name, kb_org *out, kb_err *e);
int kb_contact_insert(kb_txn *t, kb_contact *c, kb_err *e);
/* Inside t: the record of organisation *name, made (kind entrepreneur)
 * when there is none; *name becomes the stored spelling (orgs.c). */
int kb_org_ensure(kb_txn *t, char **name, bool *created, kb_err *e);
/* The same for every name of a case's organisations. */
int kb_orgs_ensure(kb_txn *t, kb_strv *names, kb_err *e);
/* Inside t: the board's contact window in days. */
int kb_contact_window_in(kb_txn *t, int *days, kb_err *e);
/* Set the board's contact window in t (0..KB_CONTACT_WINDOW_MAX days). */
int kb_contact_window_put(kb_txn *t, int days, kb_err *e);
/* Insert with the given number (imports) or the next one (number 0). */
int kb_meeting_insert(kb_txn *t, kb_meeting *m, kb_err *e);
int kb_decision_insert(kb_txn *t, kb_decision *d, const kb_id *case_key, kb_err *e);
/* Meeting mode (meeting_run.c): inside t, the latest meeting in a state
 * (KB_ENOENT when none); the running meeting's number (0 = none); after a
 * decision of the running meeting and its items are stored, record them in
 * the meeting (and put the case on its agenda). */
int kb_meeting_in_state(kb_txn *t, int state, kb_meeting *out, kb_err *e);
uint32_t kb_meeting_running_number(kb_txn *t);
int kb_meeting_decision_hook(kb_board *b, kb_txn *t, kb_decision *d, const kb_action_item *items,
                             size_t nitems, kb_err *e);

/* Reading a table into an array of entities (collect.c). */
#define KB_NO_FIELD ((size_t)-1)
typedef struct kb_collect_spec {
    size_t size;             /* sizeof the entity */
    size_t key_off, ver_off; /* offsetof its kb_id key and uint64_t version (or KB_NO_FIELD) */
    int (*decode)(const void *p, size_t n, void *out, kb_err *e);
    void (*free_item)(void *item);
    bool (*keep)(const void *item, const void *ctx); /* NULL: keep all */
    const void *ctx;
    int (*cmp)(const void *a, const void *b); /* NULL: key order */
    const char *what;                         /* "case", for error messages */
} kb_collect_spec;
int kb_collect(kb_txn *t, enum kb_table tbl, const void *prefix, size_t plen,
               const kb_collect_spec *spec, void **out, size_t *n, kb_err *e);
/* How cases are collected (sorted by number). */
extern const kb_collect_spec kb_case_collect;
/* The same in a read transaction of its own. */
int kb_collect_all(kb_board *b, enum kb_table tbl, const kb_collect_spec *spec, void **out,
                   size_t *n, kb_err *e);
/* The same from the read transaction *t, which it ends (*t = NULL) as soon
 * as the table's sealed values are copied: decrypting and decoding happen
 * after the lock is released, on two threads (kb_txn_snap).  Not for the
 * relation lists. */
int kb_collect_release(kb_txn **t, enum kb_table tbl, const kb_collect_spec *spec, void **out,
                       size_t *n, kb_err *e);
/* The two halves of kb_collect_release, for a reader that copies several
 * tables in one transaction (the export): kb_txn_snap under the lock, then
 * kb_collect_finish after the transaction ended (it frees *sn). */
int kb_collect_finish(kb_snap **sn, const kb_collect_spec *spec, void **out, size_t *n, kb_err *e);

/* Per-case relations (table rels): so that showing one case reads only its
 * own action items, links and decisions, never the whole table. */
enum kb_rel_kind { KB_REL_ACTION = 'A', KB_REL_LINK = 'L', KB_REL_DECISION = 'D' };
int kb_rel_put(kb_txn *t, const kb_id *case_key, enum kb_rel_kind kind, const kb_id *target,
               kb_err *e);
/* Take target off the case's relations (a removed link). */
int kb_rel_del(kb_txn *t, const kb_id *case_key, enum kb_rel_kind kind, const kb_id *target,
               kb_err *e);
/* Collect the records of tbl related to the case (spec's keep and cmp apply). */
int kb_rel_collect(kb_txn *t, const kb_id *case_key, enum kb_rel_kind kind, enum kb_table tbl,
                   const kb_collect_spec *spec, void **out, size_t *n, kb_err *e);
/* The records of tbl for one case (through its relations), or all of them
 * when case_number is 0; in t, or in a read transaction of its own. */
int kb_collect_case(kb_txn *t, uint32_t case_number, enum kb_rel_kind kind, enum kb_table tbl,
                    const kb_collect_spec *spec, void **out, size_t *n, kb_err *e);
int kb_collect_case_all(kb_board *b, uint32_t case_number, enum kb_rel_kind kind, enum kb_table tbl,
                        const kb_collect_spec *spec, void **out, size_t *n, kb_err *e);

/* Export (snapshot.c): the lists of the use cases read inside t (NULL: a
 * read transaction of their own), so that everything an export needs
 * comes from one transaction. */
int kb_refs_load_in(kb_board *b, kb_txn *t, kb_err *e);
int kb_action_list_in(kb_txn *t, kb_board *b, uint32_t case_number, kb_action_vec *out, kb_err *e);
int kb_links_in(kb_txn *t, uint32_t case_number, kb_link_vec *out, kb_err *e);
int kb_meeting_list_in(kb_txn *t, kb_board *b, kb_meeting_vec *out, kb_err *e);
int kb_decision_list_in(kb_txn *t, kb_board *b, uint32_t case_number, uint32_t meeting,
                        kb_decision_vec *out, kb_err *e);
int kb_org_list_in(kb_txn *t, kb_board *b, kb_org_vec *out, kb_err *e);
int kb_contacts_in(kb_txn *t, const char *org, kb_contact_vec *out, kb_err *e);
/* The order of a timeline (oldest first). */
int kb_comment_cmp(const void *a, const void *b);

#endif
