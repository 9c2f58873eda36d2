/*
 * query.h - the case query language (SPEC.md section 3 "Filter / search").
 *
 * One implementation serves the CLI (`case list QUERY`) and the TUI's `/`
 * line: kb_query_parse turns the text into a kb_query, kb_query_match tests
 * one kb_case against it, kb_query_print gives the canonical text (for saved
 * views and for showing the active filter).  docs/query.md is the user
 * reference; in short:
 *
 *     query  = blank* [ term { blank+ term } ] blank*
 *     term   = [ "-" ] ( flag | field op value | "#" number | word | quoted )
 *     flag   = overdue | blocked | agenda | cross | stuck | mine
 *     field  = dept | lead | stage | line | owner | org | tag | hook | title
 *            | text | conf | prio (alias priority) | id | due | review | has
 *            | updated | moved | age | since
 *     op     = ":"                          (every field)
 *            | "=" | "<" | "<=" | ">" | ">=" (only due, review, updated,
 *                                             moved, age, prio, id; ":"
 *                                             means "=" there)
 *     value  = quoted | run of non-blank characters without '"' that does
 *              not start with one of : < > =
 *     word   = run of non-blank characters without '"', ':', '<', '>', '='
 *              that does not start with "-" or "#": a text search, like text:
 *     quoted = '"' { any character but '"' and '\' | '\"' | '\\' } '"'
 *     blank  = space, tab, CR or LF
 *
 * A word that equals a flag name (in any case) is that flag: search for the
 * word itself with text:blocked or "blocked".  String values keep the case
 * typed; substring and tag matching is case- and accent-insensitive
 * (kb_fold: "cafe" finds "Café"); codes compare ASCII-case-insensitively.
 *
 * Terms are ANDed; "-" negates one term (plain logical NOT, so `-due<14d`
 * also matches cases without a due date).  Field and flag names are
 * case-insensitive.  Dates are YYYY-MM-DD, `today`, or a signed offset from
 * today in days or weeks (14d, -3d, 2w); `due<14d` means due < today + 14.
 * A case with no due (review) date never satisfies a due (review)
 * comparison.  The empty query matches every case.
 *
 * Invariants: a parsed query holds at most KB_QUERY_MAX_TERMS terms, its
 * text was at most KB_QUERY_MAX_LEN bytes of valid UTF-8 without control
 * characters other than blanks; kb_query_print(q) parses back to a query
 * kb_query_equal to q, and printing that again gives the identical text.
 * Equal queries print identically (the canonical form).  A query owns all
 * its strings and does not refer to the text it was parsed from.
 *
 * Parse errors are KB_EDATA with a translated message of the form
 * "query column N: ...", N being the 1-based character (code point) column
 * in the query text.  The model does not know the board's stages, lines or
 * departments: names are mapped to codes by the caller's resolver in
 * kb_query_ctx.
 */
#ifndef KERNBOARD_QUERY_H
#define KERNBOARD_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "kernboard/err.h"
#include "kernboard/model.h"
#include "kernboard/timeutil.h"

#define KB_QUERY_MAX_LEN 4096 /* bytes */
#define KB_QUERY_MAX_TERMS 64

/* What a term tests.  Also passed to the resolver (see kb_query_ctx). */
enum kb_query_field {
    KB_QF_TEXT,    /* text:V, bare words: substring of title, description,
                      hooks, orgs, tags, blocked reason */
    KB_QF_TITLE,   /* title:V   substring of the title */
    KB_QF_DEPT,    /* dept:V    lead or involved department */
    KB_QF_LEAD,    /* lead:V    lead department only */
    KB_QF_STAGE,   /* stage:V   stage code or name */
    KB_QF_LINE,    /* line:V    action line code or name */
    KB_QF_OWNER,   /* owner:V   user name, equal */
    KB_QF_ORG,     /* org:V     substring of an organisation name */
    KB_QF_TAG,     /* tag:V     a tag, equal */
    KB_QF_HOOK,    /* hook:V    substring of a policy hook */
    KB_QF_CONF,    /* conf:public|internal|confidential */
    KB_QF_PRIO,    /* prio OP 0..3 */
    KB_QF_ID,      /* id OP N, #N */
    KB_QF_DUE,     /* due OP DATE */
    KB_QF_REVIEW,  /* review OP DATE */
    KB_QF_HAS,     /* has:FIELD  the field is set / not empty */
    KB_QF_OVERDUE, /* flag: due date before today */
    KB_QF_BLOCKED, /* flag: has a blocked reason */
    KB_QF_AGENDA,  /* flag: on the agenda */
    KB_QF_CROSS,   /* flag: more than one distinct department */
    KB_QF_UPDATED, /* updated OP DATE: date of the last change or timeline
                      entry (kb_case_last_activity) */
    KB_QF_MOVED,   /* moved OP DATE: date it entered its current stage */
    KB_QF_AGE,     /* age OP N: whole days in its current stage */
    KB_QF_SINCE,   /* since:DATE|lastmeeting  changed or commented on or after */
    KB_QF_STUCK,   /* flag: longer in its stage than the stage's norm */
    KB_QF_MINE,    /* flag: owned by ctx->me, or led by one of ctx->my_depts */
};

typedef struct kb_query kb_query;

/*
 * Maps a name the user typed to a code: field is KB_QF_DEPT (for dept: and
 * lead:), KB_QF_STAGE, KB_QF_LINE or KB_QF_OWNER.  Returns the code of the
 * department, stage or action line whose code or name equals value (or the
 * user name value stands for), or NULL when there is none.  The string
 * must stay valid until kb_query_match returns.  A value always matches a
 * case whose code (owner) equals it case-insensitively, resolver or not.
 * kb_query_resolve_refs is the resolver every front end should use.
 */
typedef const char *(*kb_query_resolve_fn)(void *user, enum kb_query_field field,
                                           const char *value);

/* The norm in days of the stage with this code (0 = none or unknown). */
typedef int (*kb_query_norm_fn)(void *user, const char *stage);

typedef struct kb_query_ctx {
    kb_date today;               /* for overdue, ages and relative dates */
    kb_query_resolve_fn resolve; /* may be NULL: codes only */
    void *user;                  /* passed to resolve and norm */
    kb_query_norm_fn norm;       /* may be NULL: no case is stuck */
    kb_time last_meeting;        /* start of the last meeting, for
                                    since:lastmeeting; 0 = none (then every
                                    case matches) */
    const char *me;              /* the user (for mine); NULL: nothing is */
    const kb_strv *my_depts;     /* the user's departments; may be NULL */
    /* May be NULL.  When it returns true for a case (a confidential case
     * on a shared screen), only its number, title, stage and departments
     * take part: text, org:, hook:, tag:, owner:, line:, blocked and has:
     * see its other fields as empty, so a filter cannot reveal them. */
    bool (*masked)(void *user, const kb_case *c);
} kb_query_ctx;

/* Reference data for kb_query_resolve_refs (borrowed arrays). */
typedef struct kb_query_refs {
    const kb_stage *stages;
    size_t nstages;
    const kb_dept *depts;
    size_t ndepts;
    const kb_line *lines;
    size_t nlines;
    const kb_user *users;
    size_t nusers;
} kb_query_refs;
/* The resolver (a kb_query_resolve_fn; refs is a kb_query_refs *): stages,
 * departments and action lines by code or name through kb_resolve_stage,
 * kb_resolve_dept and kb_resolve_line (case- and accent-insensitive, so
 * dept:Economy equals dept:ECO); owners by name or unique prefix
 * (kb_resolve_user).  Needs no open board. */
const char *kb_query_resolve_refs(void *refs, enum kb_query_field f, const char *value);
/* The stage norm (a kb_query_norm_fn; refs is a kb_query_refs *). */
int kb_query_norm_refs(void *refs, const char *stage);
/* The namer for display (a kb_ref_namer; refs is a kb_query_refs *): the
 * name of a stage or action line code; NULL for departments (their short
 * codes are shown) and unknown codes. */
const char *kb_query_name_refs(void *refs, enum kb_field_type t, const char *code);

/* Parse text (NULL or blank = the empty query).  On success *out is a new
 * query the caller frees; on error *out is NULL and e says where and why
 * (KB_EDATA). */
int kb_query_parse(const char *text, kb_query **out, kb_err *e) KB_WARN_UNUSED;
/* Free *q and set it to NULL; *q may be NULL. */
void kb_query_free(kb_query **q);
/* Canonical text of q as a new string ("" for the empty query). */
char *kb_query_print(const kb_query *q);
/* Same terms in the same order with the same values. */
bool kb_query_equal(const kb_query *a, const kb_query *b);
size_t kb_query_term_count(const kb_query *q);
/* Does q use since:lastmeeting (so its context needs last_meeting)? */
bool kb_query_needs_last_meeting(const kb_query *q);
/* Does q use updated or since: (so its cases need their timeline's newest
 * entry, kb_case.active: see kb_board_case_activity)?  Without it those
 * terms see only the case record's own updated time. */
bool kb_query_needs_activity(const kb_query *q);
/* Does case c satisfy every term?  ctx may be NULL: today is then
 * kb_date_today() and there is no resolver. */
bool kb_query_match(const kb_query *q, const kb_case *c, const kb_query_ctx *ctx);

#endif
