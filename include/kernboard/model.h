/*
 * model.h - the domain model of SPEC.md section 2.
 *
 * Plain C structs with owned strings; every entity has _free (and _copy
 * where the core needs it) and the model validates values with messages a
 * user can act on.  The model knows nothing of storage, encryption or the
 * terminal: a record is identified by an opaque 16-byte kb_id that the core
 * gets from the store.  Cross-references use stable short codes (stage
 * "explore", department "ECO", action line "inkoop") and user names.
 */
#ifndef KERNBOARD_MODEL_H
#define KERNBOARD_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernboard/err.h"
#include "kernboard/timeutil.h"

#define KB_ID_LEN 16
typedef struct kb_id {
    unsigned char b[KB_ID_LEN];
} kb_id;

/* An owned vector of owned strings. */
typedef struct kb_strv {
    char **v;
    size_t n;
} kb_strv;

void kb_strv_push(kb_strv *sv, const char *s);
bool kb_strv_contains(const kb_strv *sv, const char *s);
bool kb_strv_contains_ci(const kb_strv *sv, const char *s);
void kb_strv_copy(kb_strv *dst, const kb_strv *src);
void kb_strv_free(kb_strv *sv);
/* Split "a,b, c" at commas, trimming blanks and dropping empty parts. */
void kb_strv_split(kb_strv *sv, const char *csv);
/* Join with sep into a new string. */
char *kb_strv_join(const kb_strv *sv, const char *sep);
bool kb_strv_eq(const kb_strv *a, const kb_strv *b);

enum kb_role { KB_ROLE_VIEWER, KB_ROLE_MEMBER, KB_ROLE_BROKER, KB_ROLE_ADMIN };
/* kb_X_name: the English code (files, JSON, CSV, scripts); kb_X_label: the
 * name in the reader's language (for display).  kb_X_parse accepts the code,
 * the label and the Dutch word (beheerder, openbaar, duplicaat, ondernemer,
 * ...), case- and accent-insensitively. */
const char *kb_role_name(enum kb_role r);
const char *kb_role_label(enum kb_role r);
int kb_role_parse(const char *s, enum kb_role *out, kb_err *e) KB_WARN_UNUSED;

enum kb_conf { KB_CONF_PUBLIC, KB_CONF_INTERNAL, KB_CONF_CONFIDENTIAL };
const char *kb_conf_name(enum kb_conf c);
const char *kb_conf_label(enum kb_conf c);
int kb_conf_parse(const char *s, enum kb_conf *out, kb_err *e) KB_WARN_UNUSED;

/* Limits on user-entered text (bytes). */
#define KB_TITLE_MAX 200
#define KB_TEXT_MAX 65536
#define KB_NAME_MAX 64
#define KB_USER_NAME_MAX 63 /* login names (fit a keyslot) */
#define KB_CODE_MAX 16
#define KB_PRIORITY_MAX 3

/* Limits of the record decoder (src/codec): what it refuses to read back.
 * Every entity's validation keeps what is written within them (the list
 * fields through KB_LIST_MAX; the text limits above are far below
 * KB_STRING_MAX, checked at compile time in model.c), so a record the
 * board accepted can always be read. */
#define KB_LIST_MAX 9999         /* items in one list field */
#define KB_STRING_MAX (1u << 20) /* bytes in one text value */
#define KB_RECORD_MAX (1u << 24) /* bytes of one encoded record */

/* A case ("casus").  Strings are owned; NULL means unset. */
typedef struct kb_case {
    kb_id key;
    uint32_t number; /* #123: stable, human */
    char *title;
    char *description;
    char *stage;     /* stage code */
    char *lead_dept; /* department code */
    kb_strv depts;   /* involved department codes (besides the lead) */
    char *action_line;
    kb_strv hooks; /* policy hooks, free text */
    kb_strv orgs;  /* organisation names */
    char *owner;   /* user name of the broker/owner */
    int priority;  /* 0 (none) .. 3 (high) */
    kb_time created;
    kb_time updated;
    /* When the case entered its current stage (set by the core on create
     * and on every stage change); 0 on records written before it existed:
     * kb_case_stage_since then gives created. */
    kb_time moved;
    /* The newest entry of its timeline: a comment, a decision, an action
     * item, a recorded change.  Not stored (a comment does not rewrite the
     * case, so that it never makes someone's edit stale): filled in by the
     * core when a query needs it (kb_query_needs_activity), else 0.
     * kb_case_last_activity combines it with updated. */
    kb_time active;
    kb_date due;
    kb_date review;
    bool on_agenda;
    char *blocked; /* reason, NULL when not blocked */
    enum kb_conf conf;
    kb_strv tags;
    uint64_t version; /* record version, set by the store */
} kb_case;

void kb_case_init(kb_case *c);
void kb_case_free(kb_case *c);
void kb_case_copy(kb_case *dst, const kb_case *src);
/* Field checks that need no other records (lengths, ranges, required). */
int kb_case_validate(const kb_case *c, kb_err *e) KB_WARN_UNUSED;
/* Parse "12" or "#12". */
int kb_case_number_parse(const char *s, uint32_t *out, kb_err *e) KB_WARN_UNUSED;
/* Number of departments of a case: the lead (if any) plus the involved ones
 * (a validated case never lists one twice). */
size_t kb_case_dept_count(const kb_case *c);
bool kb_case_overdue(const kb_case *c, kb_date today);
/* When the case entered its current stage: moved, or created on records
 * written before moved existed. */
kb_time kb_case_stage_since(const kb_case *c);
/* When anything last happened to the case: the newer of updated (its
 * fields, stage) and active (its timeline: comments, decisions, action
 * items).  This is what the query's updated and since: compare. */
kb_time kb_case_last_activity(const kb_case *c);
/* Whole days in the current stage on date today (0 on the day of the move;
 * never negative). */
int kb_case_age_days(const kb_case *c, kb_date today);
/* Past its stage's norm: norm_days > 0 and more days in the stage than
 * that. */
bool kb_case_past_norm(const kb_case *c, int norm_days, kb_date today);

/* A timeline entry: a comment, or an automatic entry for a change. */
enum kb_entry_kind { KB_ENTRY_COMMENT, KB_ENTRY_CHANGE };
typedef struct kb_comment {
    kb_id key;
    uint32_t case_number;
    enum kb_entry_kind kind;
    char *author;
    kb_time time;
    int64_t time_us; /* same moment in microseconds: orders the timeline */
    char *text;
    /* A stage move (KB_ENTRY_CHANGE written with the move): the stage codes
     * before and after, and the reason given (NULL when none).  NULL on
     * entries that are not moves, and on moves written before these fields
     * existed (their text still reads "stage: a -> b"). */
    char *move_from;
    char *move_to;
    char *reason;
} kb_comment;
void kb_comment_free(kb_comment *c);
/* Automatic timeline entries are stored in a neutral form ("stage: signal
 * -> explore; put on the agenda", untranslated labels); this returns the
 * text in the reader's language (a new string).  Other text is copied. */
char *kb_timeline_localize(const char *text);
/* kb_timeline_localize_refs (below, with the case fields) also names the
 * codes of stages and action lines. */
int kb_comment_validate(const kb_comment *c, kb_err *e) KB_WARN_UNUSED;

/* A department ("afdeling"). */
typedef struct kb_dept {
    kb_id key;
    char *code; /* e.g. "ECO": 2..8 letters/digits, upper case */
    char *name;
    char *colour; /* curses colour name, may be NULL */
    uint64_t version;
} kb_dept;
void kb_dept_free(kb_dept *d);
int kb_dept_validate(const kb_dept *d, kb_err *e) KB_WARN_UNUSED;
/* A department colour: one of the eight curses colours black, red, green,
 * yellow, blue, magenta, cyan, white, optionally prefixed "bright"/"light"/
 * "bold" (any case; the board draws it as the base colour).  Returns 0..7
 * in that order, or -1 for NULL or an unknown name. */
int kb_colour_index(const char *name);
/* The colour names kb_colour_index knows, for messages ("black, red, ..."). */
const char *kb_colour_names(void);
/* KB_EDATA naming the known colours unless colour is a known colour. */
int kb_colour_check(const char *colour, kb_err *e) KB_WARN_UNUSED;

/* A stage ("fase"), ordered by position. */
typedef struct kb_stage {
    kb_id key;
    char *code; /* e.g. "explore" */
    char *name; /* e.g. "Explore" */
    int position;
    int wip_limit;    /* 0 = none */
    kb_strv dept_wip; /* "CODE=N": WIP limit per department in this stage */
    int norm_days;    /* 0 = none */
    bool needs_reason;
    uint64_t version;
} kb_stage;
void kb_stage_free(kb_stage *s);
/* The WIP limit of dept in this stage (0 = none). */
int kb_stage_dept_wip(const kb_stage *s, const char *dept);
/* Set (limit > 0) or clear (0) a department's WIP limit. */
void kb_stage_set_dept_wip(kb_stage *s, const char *dept, int limit);
int kb_stage_validate(const kb_stage *s, kb_err *e) KB_WARN_UNUSED;

/* An action line ("actielijn"). */
typedef struct kb_line {
    kb_id key;
    char *code;
    char *name;
    uint64_t version;
} kb_line;
void kb_line_free(kb_line *l);
int kb_line_validate(const kb_line *l, kb_err *e) KB_WARN_UNUSED;

/* A user.  The key equals the user's keyslot id. */
#define KB_SIGN_PK_LEN 32
typedef struct kb_user {
    kb_id key;
    char *name; /* login name: letters, digits, . _ - */
    char *display;
    enum kb_role role;
    kb_strv depts;
    unsigned char sign_pk[KB_SIGN_PK_LEN];
    uint64_t version;
} kb_user;
void kb_user_free(kb_user *u);
int kb_user_validate(const kb_user *u, kb_err *e) KB_WARN_UNUSED;
int kb_user_name_check(const char *name, kb_err *e) KB_WARN_UNUSED;
/* May a user with this role change records (member and up)? */
bool kb_role_can_write(enum kb_role r);

/* An action item ("actiepunt"): numbered like cases (A12). */
typedef struct kb_action_item {
    kb_id key;
    uint32_t number;
    uint32_t case_number;
    char *text;
    char *owner; /* user name */
    kb_date due;
    bool done;
    kb_time created;
    uint64_t version;
} kb_action_item;
void kb_action_item_init(kb_action_item *a);
void kb_action_item_free(kb_action_item *a);
int kb_action_item_validate(const kb_action_item *a, kb_err *e) KB_WARN_UNUSED;
bool kb_action_item_overdue(const kb_action_item *a, kb_date today);

/* A link between two cases. */
enum kb_link_kind { KB_LINK_RELATED, KB_LINK_DUPLICATE, KB_LINK_BLOCKS };
const char *kb_link_kind_name(enum kb_link_kind k);
const char *kb_link_kind_label(enum kb_link_kind k);
int kb_link_kind_parse(const char *s, enum kb_link_kind *out, kb_err *e) KB_WARN_UNUSED;
typedef struct kb_link {
    kb_id key;
    uint32_t from; /* "from duplicate-of to", "from blocks to" */
    uint32_t to;
    enum kb_link_kind kind;
    uint64_t version;
} kb_link;

/* An organisation (entrepreneur, foundation, partner, other government). */
enum kb_org_kind {
    KB_ORG_ENTREPRENEUR,
    KB_ORG_FOUNDATION,
    KB_ORG_PARTNER,
    KB_ORG_GOVERNMENT,
    KB_ORG_OTHER
};
const char *kb_org_kind_name(enum kb_org_kind k);
const char *kb_org_kind_label(enum kb_org_kind k);
int kb_org_kind_parse(const char *s, enum kb_org_kind *out, kb_err *e) KB_WARN_UNUSED;
typedef struct kb_org {
    kb_id key;
    char *name; /* unique, case-insensitive */
    enum kb_org_kind kind;
    char *contact; /* contact person */
    char *notes;
    uint64_t version;
} kb_org;
void kb_org_free(kb_org *o);
int kb_org_validate(const kb_org *o, kb_err *e) KB_WARN_UNUSED;

/* A contact moment with an organisation (planned or held). */
typedef struct kb_contact {
    kb_id key;
    char *org; /* organisation name */
    kb_date date;
    char *dept; /* department code */
    char *user; /* who makes the contact */
    char *purpose;
    uint64_t version;
} kb_contact;
void kb_contact_free(kb_contact *c);
int kb_contact_validate(const kb_contact *c, kb_err *e) KB_WARN_UNUSED;

/* An owned vector of numbers (case numbers on an agenda). */
typedef struct kb_u32v {
    uint32_t *v;
    size_t n;
} kb_u32v;
void kb_u32v_push(kb_u32v *v, uint32_t x);
void kb_u32v_free(kb_u32v *v);

/* A meeting ("overleg") of the kernteam. */
typedef struct kb_meeting {
    kb_id key;
    uint32_t number;
    kb_date date;
    kb_strv attendees; /* user names */
    kb_u32v agenda;    /* case numbers, in order */
    char *minutes;     /* Markdown */
    /* Meeting mode (all optional in the record: meetings recorded
     * afterwards with `meeting add` have state KB_MEETING_RECORDED). */
    int state;          /* enum kb_meeting_state */
    char *chair;        /* user who started it */
    kb_strv guests;     /* attendees who are not users, by name */
    kb_time started;    /* 0 = not started */
    kb_time ended;      /* 0 = not ended */
    kb_u32v plan;       /* planned seconds per agenda item (parallel to agenda) */
    kb_u32v spent;      /* seconds spent per agenda item (parallel to agenda) */
    kb_strv why;        /* why each item is on the agenda: "agenda,moved,..." */
    int current;        /* index of the item under discussion */
    kb_time item_since; /* when the current item's timer last started */
    kb_u32v reveals;    /* confidential cases the chair revealed */
    kb_u32v actions;    /* action items created in this meeting */
    uint64_t version;
} kb_meeting;
enum kb_meeting_state {
    KB_MEETING_RECORDED, /* recorded afterwards (no meeting mode) */
    KB_MEETING_DRAFT,    /* agenda being prepared */
    KB_MEETING_RUNNING,
    KB_MEETING_ENDED
};
const char *kb_meeting_state_name(int state);
/* Make plan, spent and why as long as agenda (missing entries: plan
 * default_plan seconds, spent 0, why ""). */
void kb_meeting_items_fix(kb_meeting *m, uint32_t default_plan);
/* Seconds spent on item i at time now (a running meeting's current item
 * counts the time since item_since). */
uint32_t kb_meeting_item_seconds(const kb_meeting *m, size_t i, kb_time now);
/* Close the running item's timer at now (adds to spent) and restart it. */
void kb_meeting_clock_stop(kb_meeting *m, kb_time now);
/* Remove agenda item i / insert case at position pos (0-based; clamped),
 * keeping the parallel arrays in step. */
void kb_meeting_item_remove(kb_meeting *m, size_t i);
void kb_meeting_item_insert(kb_meeting *m, size_t pos, uint32_t case_number, uint32_t plan,
                            const char *why);
/* Index of case on the agenda, or -1. */
long kb_meeting_item_find(const kb_meeting *m, uint32_t case_number);
bool kb_meeting_revealed(const kb_meeting *m, uint32_t case_number);
/* Is c hidden on a shared screen (presenting, or a running meeting on
 * the projector)?  A confidential case is, unless its number is in
 * reveals (the running meeting's reveals; NULL: none).  The one rule of
 * the TUI and of the ':' command line. */
bool kb_case_hidden_on_screen(const kb_case *c, bool shared, const kb_u32v *reveals);
void kb_meeting_init(kb_meeting *m);
void kb_meeting_free(kb_meeting *m);
int kb_meeting_validate(const kb_meeting *m, kb_err *e) KB_WARN_UNUSED;

/* A decision ("besluit") on a case, usually taken in a meeting. */
typedef struct kb_decision {
    kb_id key;
    uint32_t number;
    uint32_t case_number;
    uint32_t meeting; /* 0 = outside a meeting */
    char *text;
    char *author;
    kb_time time;
    uint64_t version;
} kb_decision;
void kb_decision_free(kb_decision *d);
int kb_decision_validate(const kb_decision *d, kb_err *e) KB_WARN_UNUSED;

/* An edit lease ("record lock") on a case.  slot/nonce name the holder's
 * session; token is the fencing token checked when the holder saves. */
#define KB_LEASE_NONCE_LEN 16
#define KB_LEASE_SECONDS 300 /* default lifetime; the holder renews it */
typedef struct kb_lease {
    kb_id key; /* the case's record key */
    uint32_t case_number;
    int slot;
    unsigned char nonce[KB_LEASE_NONCE_LEN];
    char *user;
    char *host;
    kb_time since;
    kb_time expires;
    uint64_t token;
    uint64_t version;
    int seconds; /* lifetime of each grant or renewal (0 in old records) */
} kb_lease;
void kb_lease_free(kb_lease *l);

/* Defaults of a new board (SPEC.md section 2). */
typedef struct kb_default_entry {
    const char *code;
    const char *name;
} kb_default_entry;
extern const kb_default_entry kb_default_stages[];
extern const size_t kb_default_stage_count;
extern const kb_default_entry kb_default_lines[];
extern const size_t kb_default_line_count;
extern const kb_default_entry kb_default_depts[];
extern const size_t kb_default_dept_count;

/* Text helpers shared by the model and the front ends. */
bool kb_utf8_valid(const char *s, size_t n);
/* A text field of a record: valid UTF-8, at most max bytes, no control
 * characters (one line: no line breaks and no bidirectional embedding,
 * override or isolate characters either); KB_EDATA naming field and the
 * first bad character's line and column. */
int kb_text_check(const char *field, const char *s, size_t max, bool multiline, kb_err *e);
bool kb_str_ieq(const char *a, const char *b);
/* Line breaks of multi-line text as typed or pasted on any system, in
 * place: CRLF and a lone CR become LF (NULL is fine).  Read texts (files,
 * standard input, CSV cells) go through it before they are checked. */
void kb_text_newlines(char *s);
/* Valid short code: 1..KB_CODE_MAX of [A-Za-z0-9_-]. */
bool kb_code_ok(const char *s);
/* Folded form for comparing names as users type them (new string): ASCII
 * letters lower-cased, and the accented Latin letters of Latin-1 and
 * Latin Extended-A (U+00C0..U+017F) mapped to their base letters in lower
 * case ("Économie" -> "economie", "Æ" -> "ae", "ß" -> "ss", "ĳ" -> "ij").
 * Other bytes are kept. */
char *kb_fold(const char *s);
/* The same folding into out, which has room for strlen(s) + 1 bytes (a
 * folded string is never longer than the original); returns its length. */
size_t kb_fold_into(const char *s, char *out);
/* Does kb_fold(hay) contain folded (already folded with kb_fold)?  NULL
 * hay contains nothing; the empty needle is in every non-NULL hay. */
bool kb_fold_contains(const char *hay, const char *folded);
/* Equal after kb_fold (NULL equals only NULL). */
bool kb_fold_eq(const char *a, const char *b);

/* ---- Resolving what a user typed to reference data.
 * One resolver for every front end and the core; it works on plain arrays,
 * so it needs no open board.  Departments, stages and action lines: the
 * code or the name, case- and accent-insensitive (kb_fold): an exact code
 * match wins, then an exact name match; NULL when none ("economie" finds
 * the department named "Economie" or "Économie", "eco" the code ECO). */
const kb_dept *kb_resolve_dept(const kb_dept *v, size_t n, const char *text);
const kb_stage *kb_resolve_stage(const kb_stage *v, size_t n, const char *text);
/* The rule for a new lead (one place for the core's patch and the TUI's
 * edit form): a department that was involved in `before` and is made the
 * lead of c leaves c's involved ones (names resolved in v, the board's
 * departments), so the timeline shows both changes.  One that c lists as
 * involved and was not before stays, for kb_case_validate to refuse. */
void kb_case_lead_leaves_involved(const kb_case *before, kb_case *c, const kb_dept *v, size_t n);
const kb_line *kb_resolve_line(const kb_line *v, size_t n, const char *text);
/* Users: the login name (folded), or a prefix of exactly one name.
 * KB_ENOENT "no user x on this board (see 'kernboard user list')" or
 * KB_EDATA "'j' matches jan, joke: type more". */
int kb_resolve_user(const kb_user *v, size_t n, const char *text, const kb_user **out,
                    kb_err *e) KB_WARN_UNUSED;

/* ---- The fields of a case, described once (fields.c).
 * Every front end (CLI options, JSON/CSV keys, the TUI form, the `:` line)
 * and the core's timeline use this table, so a field is added in one place.
 *
 * Lists: a repeated list option appends (`--org A --org B` = two
 * organisations), and one typed value is split at the field's separator
 * (`--org "A; B"` = the same two); this holds everywhere (CLI, `:` line,
 * form).  The separator is ',' for departments and tags (codes and words)
 * and ';' for policy hooks and organisations (names may contain commas). */
enum kb_field_id {
    KB_F_TITLE,
    KB_F_STAGE,
    KB_F_LEAD,
    KB_F_DEPTS,
    KB_F_LINE,
    KB_F_OWNER,
    KB_F_PRIORITY,
    KB_F_DUE,
    KB_F_REVIEW,
    KB_F_AGENDA,
    KB_F_BLOCKED,
    KB_F_CONF,
    KB_F_TAGS,
    KB_F_HOOKS,
    KB_F_ORGS,
    KB_F_DESC,
    KB_F_COUNT
};
enum kb_field_type {
    KB_FT_TEXT, /* one line */
    KB_FT_LONGTEXT,
    KB_FT_STAGE,
    KB_FT_DEPT,
    KB_FT_DEPTS,
    KB_FT_LINE,
    KB_FT_USER,
    KB_FT_PRIORITY,
    KB_FT_DATE,
    KB_FT_BOOL,
    KB_FT_CONF,
    KB_FT_LIST
};
typedef struct kb_field_desc {
    enum kb_field_id id;
    const char *json;   /* JSON/CSV key: "title", "lead_dept", "on_agenda", ... */
    const char *option; /* CLI option without dashes: "title", "dept", "also", ... */
    const char *label;  /* form label, untranslated (N_): show with _() */
    const char *diff;   /* neutral timeline label (see kb_timeline_localize) */
    enum kb_field_type type;
    bool list; /* a kb_strv field */
    char sep;  /* list separator within one typed value (0 if not a list) */
} kb_field_desc;
/* KB_F_COUNT rows in form order (row i has id i).  (Not named
 * kb_case_fields: src/tui/view_case.c has a static function of that name.) */
const kb_field_desc *kb_case_field_table(void);
const kb_field_desc *kb_case_field(enum kb_field_id f);
/* NULL if none (exact, case-sensitive). */
const kb_field_desc *kb_case_field_by_option(const char *opt);
const kb_field_desc *kb_case_field_by_json(const char *key);
/* The value as a user types it (new string): lists joined with "sep "
 * ("ECO, INC", "A; B"), dates YYYY-MM-DD or "", bools "yes"/"no", the
 * confidentiality name, the priority number, unset text "". */
char *kb_case_field_text(const kb_case *c, enum kb_field_id f);
/* The name of the code of a stage (KB_FT_STAGE), action line (KB_FT_LINE)
 * or department (KB_FT_DEPT) for display, from the board's reference data;
 * NULL to show the code itself. */
typedef const char *(*kb_ref_namer)(void *ctx, enum kb_field_type t, const char *code);
/* The value as a reader sees it (new string), in the reader's language: as
 * kb_case_field_text, but yes/no and the confidentiality translated, and the
 * stage and action line by name through namer (may be NULL).  What it
 * returns parses back (kb_case_field_parse, then the name resolver). */
char *kb_case_field_show(const kb_case *c, enum kb_field_id f, kb_ref_namer namer, void *ctx);
/* kb_timeline_localize, and the values of the neutral form in the reader's
 * language too: confidentiality levels and link kinds always, the codes of
 * stages, action lines and lead departments as namer names them (NULL:
 * codes stay), e.g. "fase: Signaal -> Verkennen", "koppeling: #15
 * gerelateerd". */
char *kb_timeline_localize_refs(const char *text, kb_ref_namer namer, void *ctx);
/* Set a field from typed text.  Lists are split at the separator (parts
 * trimmed, empty parts dropped) and replace the list; "" clears optional
 * fields (text, references, lists, dates; priority 0, agenda no,
 * confidentiality internal); the stage cannot be cleared.  Dates: as
 * kb_date_parse, or "" / "none"; booleans yes/no/true/false/1/0/ja/nee
 * (and the translated yes/no); confidentiality as kb_conf_parse;
 * priority 0..KB_PRIORITY_MAX.  Names are NOT resolved to codes here (the
 * core does that).  Errors: KB_EDATA, one line naming the field; c is then
 * unchanged. */
int kb_case_field_parse(kb_case *c, enum kb_field_id f, const char *text, kb_err *e) KB_WARN_UNUSED;
/* List fields: split text at the separator and append the parts (repeated
 * options).  Other fields: as kb_case_field_parse. */
int kb_case_field_append(kb_case *c, enum kb_field_id f, const char *text,
                         kb_err *e) KB_WARN_UNUSED;
bool kb_case_field_eq(const kb_case *a, const kb_case *b, enum kb_field_id f);
/* Replace dst's field with a copy of src's. */
void kb_case_field_copy(kb_case *dst, const kb_case *src, enum kb_field_id f);
/* The list of a list field (departments, tags, hooks, organisations);
 * NULL for other fields. */
kb_strv *kb_case_field_list(kb_case *c, enum kb_field_id f);

/* ---- Department goals ("doelen") and similar cases (issue 12).
 * A goal is reference data of one department: the policy goals whose
 * "hooks" make a case worth its time.  Its code is unique on the board
 * (case-insensitive), so a case's policy hook can name it by code; a hook
 * that is no goal's code is free text and stays as it is. */
typedef struct kb_goal {
    kb_id key;
    char *code; /* e.g. "banen": 1..KB_CODE_MAX of [A-Za-z0-9_-] */
    char *text; /* "Meer banen voor mensen met afstand" */
    char *dept; /* department code */
    uint64_t version;
} kb_goal;
void kb_goal_free(kb_goal *g);
void kb_goal_copy(kb_goal *dst, const kb_goal *src);
int kb_goal_validate(const kb_goal *g, kb_err *e) KB_WARN_UNUSED;
/* The goal a hook names (its code, case- and accent-insensitive), NULL
 * for a free-text hook. */
const kb_goal *kb_goal_find(const kb_goal *v, size_t n, const char *code);
/* The goal a hook stands for: the goal whose code it is, else the goal
 * whose text it is (a goal's words typed as free text); both case- and
 * accent-insensitive.  NULL for any other free-text hook.  Showing and
 * counting hooks go through this, so that a hook picked from a goal and
 * the same goal typed out are one hook. */
const kb_goal *kb_goal_of_hook(const kb_goal *v, size_t n, const char *hook);
/* How a hook reads: "CODE: text" for a goal (kb_goal_of_hook), else the
 * hook as typed (new string). */
char *kb_hook_label(const kb_goal *v, size_t n, const char *hook);
/* The hooks of a list as they read (kb_hook_label), joined by sep (new
 * string; "" for none). */
char *kb_hooks_label(const kb_strv *hooks, const kb_goal *v, size_t n, const char *sep);

/* Similar cases (duplicate search while typing): every case of v whose
 * title, description or organisations resemble the given ones, accent- and
 * case-insensitively (kb_fold), best first.  Scores 0..100: character
 * trigrams of the titles, the words (4+ letters) shared with the title and
 * description, and a shared organisation.  exclude (0: none) is left out
 * (the case being triaged).  At most max results; returns their number. */
typedef struct kb_similar {
    size_t index; /* into v */
    uint32_t number;
    int score;
    bool same_org;
} kb_similar;
#define KB_SIMILAR_MIN 30 /* lowest score listed */
size_t kb_similar_rank(const kb_case *v, size_t n, const char *title, const char *desc,
                       const kb_strv *orgs, uint32_t exclude, kb_similar *out, size_t max);
/* The score of one pair (the same measure). */
int kb_similar_score(const kb_case *c, const char *title, const char *desc, const kb_strv *orgs,
                     bool *same_org);

/* The triage inbox: the cases in the first stage (first_stage) or without
 * a lead department, but not in the last stage (last_stage, NULL when the
 * board has one stage) and not a duplicate of another case (a "duplicate"
 * link from it in links, the board's links: the triage decision "duplicate
 * of" resolves the signal), oldest first (created, then number).  out gets
 * indexes into v (at most n); returns their number.  The CLI's triage list
 * and the TUI's inbox both call it with the cases and links of the board's
 * cache (kb_board_cache), so they agree. */
size_t kb_triage_inbox(const kb_case *v, size_t n, const char *first_stage, const char *last_stage,
                       const kb_link *links, size_t nlinks, size_t *out);
/* The similar cases of case c for triage (kb_similar_rank on its title,
 * description and organisations), without c itself and without the cases
 * already linked to it as duplicates (either way round) in links. */
size_t kb_triage_similar(const kb_case *v, size_t n, const kb_case *c, const kb_link *links,
                         size_t nlinks, kb_similar *out, size_t max);

#endif
