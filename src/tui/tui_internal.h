/*
 * tui_internal.h - the pieces of the terminal UI (src/tui).
 *
 * Layers inside the TUI, from the bottom:
 *
 *   text.c      UTF-8 decoding, display widths (wcwidth), ASCII fallbacks,
 *               word wrap, the one-line editor kb_tui_line.
 *   grid.c      kb_grid: a width x height array of cells (code points,
 *               display width, attributes).  Views draw only into a grid;
 *               tests dump it as text (kb_grid_dump).
 *   list.c      kb_tui_list: the one list/scroll widget (selection kept
 *               visible, page keys, pager mode) every list-like screen uses.
 *   view.c      the view framework: the registry of screens (the built-in
 *               ones are listed once, in views.def) and the view stack.
 *   view_*.c    one file per screen, each a kb_tui_view_ops table (open,
 *               close, draw, action, text, tick, hints, event) over the
 *               screen's own state.
 *   app.c       kb_tui_app: what the screens share (board session, cache,
 *               user, messages, board cursor), key -> action dispatch through
 *               the top of the view stack, periodic work (live refresh,
 *               idle lock) and the calls into the core API.
 *   cmdline.c   the ':' command line.
 *   tui_main.c  the only file that calls curses: terminal set-up, key
 *               input (wget_wch -> kb_key), diff-based blit of the grid,
 *               the main loop and kb_tui_main.
 *
 * Everything except tui_main.c runs without a terminal: the golden-screen
 * tests build a kb_tui_app from plain model structs (app->board may be
 * NULL) and compare kb_grid_dump output with files in tests/golden/.
 *
 * Handlers return KB_TUI_R_* flags saying what must be redrawn; only the
 * main loop draws.  No core transaction or lock is ever held across a
 * wait for input: every core call is synchronous and complete.
 */
#ifndef KERNBOARD_TUI_INTERNAL_H
#define KERNBOARD_TUI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernboard/buf.h"
#include "kernboard/core.h"
#include "kernboard/err.h"
#include "kernboard/keymap.h"
#include "kernboard/model.h"
#include "kernboard/query.h"
#include "kernboard/secret.h"
#include "kernboard/timeutil.h"

/* ---------------------------------------------------------------- text */

/* Decode one UTF-8 character of s[0..n) (n > 0).  Invalid bytes decode as
 * U+FFFD, one byte at a time.  Returns the number of bytes used (>= 1). */
size_t kb_tui_utf8_next(const char *s, size_t n, uint32_t *cp);
/* Encode cp as UTF-8 into out (4 bytes); returns the length. */
size_t kb_tui_utf8_put(uint32_t cp, char out[4]);
/* The code point to show for cp: control characters become '?' (tabs and
 * newlines a space); without UTF-8 (utf8 false) everything outside ASCII
 * becomes an ASCII look-alike ('e' for e-acute) or '?'. */
uint32_t kb_tui_display_cp(uint32_t cp, bool utf8);
/* Display width of a (display) code point: 0, 1 or 2. */
int kb_tui_cp_width(uint32_t cp, bool utf8);
/* Display width of a UTF-8 string. */
int kb_tui_width(const char *s, bool utf8);
/* Byte length of the longest prefix of s that fits in maxw columns. */
size_t kb_tui_fit(const char *s, int maxw, bool utf8);
/* Append s to b when it fits in maxw columns, else the part that fits in
 * maxw - 1 and an ellipsis (cut as on the board). */
void kb_tui_append_fit(kb_buf *b, const char *s, int maxw, bool utf8);

/* Word wrap: split s at blanks into lines of at most width columns (hard
 * breaks at '\n'; words longer than a line are cut).  Lines are new
 * strings appended to out. */
void kb_tui_wrap(const char *s, int width, bool utf8, kb_strv *out);
/* Wrap one line (no '\n') for a pager: a line that fits is kept as it
 * is (blanks and all); a longer one breaks at blanks into rows of at most
 * width columns, and the rows after the first are indented like the start
 * of the line's text (its leading blanks and a "- " or "* " bullet).
 * Words longer than a row are cut.  Rows are appended to out. */
void kb_tui_wrap_hang(const char *s, int width, bool utf8, kb_strv *out);

/* A one-line (or, with '\n', multi-line) text editor on a UTF-8 buffer.
 * cur is a byte offset at a character boundary. */
typedef struct kb_tui_line {
    char *text; /* owned, NUL-terminated, never NULL after init */
    size_t len;
    size_t cur;
    /* The whole text is a suggestion, shown as selected text: the first
     * inserted text replaces it; a line-edit action (cursor keys, Home,
     * End, Backspace, ...) keeps it for editing and ends the selection. */
    bool suggested;
} kb_tui_line;

void kb_tui_line_init(kb_tui_line *l, const char *text);
/* Init with text as a suggestion (suggested; see above), cursor at the end. */
void kb_tui_line_init_suggested(kb_tui_line *l, const char *text);
void kb_tui_line_free(kb_tui_line *l);
void kb_tui_line_set(kb_tui_line *l, const char *text);
void kb_tui_line_insert_cp(kb_tui_line *l, uint32_t cp);
void kb_tui_line_insert(kb_tui_line *l, const char *s);
/* Line-editing actions (delete-char-back, kill-to-end, line-start, ...,
 * cursor-left/right).  Returns true if the action is a line-edit action. */
bool kb_tui_line_action(kb_tui_line *l, kb_action a);

/* ---------------------------------------------------------------- grid */

enum kb_gattr {
    KB_GA_BOLD = 1,
    KB_GA_REVERSE = 2,
    KB_GA_UNDERLINE = 4,
    KB_GA_DIM = 8,
};

/* Colour roles; the terminal maps them to colour pairs (or nothing under
 * NO_COLOR / monochrome: every marker is also a character). */
enum kb_gcolor {
    KB_GC_DEFAULT = 0,
    KB_GC_BAR,    /* title bar */
    KB_GC_STAGE,  /* column headers */
    KB_GC_LANE,   /* lane headers */
    KB_GC_WARN,   /* being edited, pending */
    KB_GC_ERROR,  /* overdue, WIP breach, errors */
    KB_GC_OK,     /* confirmations */
    KB_GC_MUTED,  /* mirrors of involved departments, hints */
    KB_GC_ACCENT, /* markers, focused fields */
    /* lane headers in a department's own colour (kb_dept.colour): the
     * eight curses colours, in curses order (black, red, ..., white) */
    KB_GC_DEPT_BLACK,
    KB_GC_DEPT_RED,
    KB_GC_DEPT_GREEN,
    KB_GC_DEPT_YELLOW,
    KB_GC_DEPT_BLUE,
    KB_GC_DEPT_MAGENTA,
    KB_GC_DEPT_CYAN,
    KB_GC_DEPT_WHITE,
    KB_GC_COUNT
};

/* The colour role of a department's colour name (kb_dept.colour: a curses
 * colour name such as "red", "cyan", in any case, optionally with a
 * "bright"/"light" prefix), KB_GC_LANE for none or an unknown name. */
uint8_t kb_tui_dept_color(const char *name);

typedef struct kb_style {
    uint8_t attr;  /* enum kb_gattr bits */
    uint8_t color; /* enum kb_gcolor */
} kb_style;

#define KB_STYLE(a, c) ((kb_style){(uint8_t)(a), (uint8_t)(c)})
#define KB_PLAIN KB_STYLE(0, KB_GC_DEFAULT)

#define KB_GRID_CP_MAX 3 /* base character + up to 2 combining marks */

typedef struct kb_gcell {
    uint32_t cp[KB_GRID_CP_MAX]; /* cp[0] == 0: continuation of a wide cell */
    uint8_t width;               /* 1 or 2; 0 for a continuation cell */
    kb_style st;
} kb_gcell;

typedef struct kb_grid {
    int w, h;
    bool utf8; /* false: only ASCII is put into cells */
    kb_gcell *cells;
} kb_grid;

kb_grid *kb_grid_new(int w, int h, bool utf8);
void kb_grid_free(kb_grid **g);
void kb_grid_resize(kb_grid *g, int w, int h);
void kb_grid_clear(kb_grid *g);
kb_gcell *kb_grid_at(kb_grid *g, int x, int y);
const kb_gcell *kb_grid_cell(const kb_grid *g, int x, int y);
/* Fill a rectangle with blanks in style st. */
void kb_grid_fill(kb_grid *g, int x, int y, int w, int h, kb_style st);
/* Put one code point; returns its width (0 if it did not fit). */
int kb_grid_putc(kb_grid *g, int x, int y, int maxx, uint32_t cp, kb_style st);
/* Put text at (x, y) using at most maxw columns (clipped at the grid
 * edge); returns the columns used. */
int kb_grid_put(kb_grid *g, int x, int y, int maxw, const char *s, kb_style st);
/* Like kb_grid_put, but text wider than maxw ends in an ellipsis, and the
 * rest of the maxw columns is padded with blanks in style st. */
int kb_grid_put_cut(kb_grid *g, int x, int y, int maxw, const char *s, kb_style st);
void kb_grid_hline(kb_grid *g, int x, int y, int w, kb_style st);
/* The grid as text: one line per row, trailing blanks removed, '\n' after
 * each row.  New string. */
char *kb_grid_dump(const kb_grid *g);
bool kb_grid_cell_eq(const kb_gcell *a, const kb_gcell *b);

/* Glyphs with ASCII fallbacks. */
typedef enum kb_glyph {
    KB_GL_VLINE,
    KB_GL_HLINE,
    KB_GL_ELLIPSIS,
    KB_GL_EXPANDED,
    KB_GL_COLLAPSED,
    KB_GL_MIRROR,
    KB_GL_BULLET,
    KB_GL_ARROW,
    KB_GL_TL,
    KB_GL_TR,
    KB_GL_BL,
    KB_GL_BR,
} kb_glyph;
uint32_t kb_tui_glyph(kb_glyph gl, bool utf8);

/* ---------------------------------------------------------------- app */

/* Handler results: what the main loop must do. */
enum {
    KB_TUI_R_NONE = 0,
    KB_TUI_R_STATUS = 1,   /* the status line changed */
    KB_TUI_R_VIEW = 2,     /* the screen's content changed */
    KB_TUI_R_FULL = 4,     /* repaint the terminal from scratch (refresh, resume) */
    KB_TUI_R_QUIT = 8,     /* leave the main loop */
    KB_TUI_R_SUSPEND = 16, /* Ctrl-Z: stop the process (terminal restored first) */
    KB_TUI_R_REFUSED = 32  /* a view's open refused (its message is on the status line) */
};

/* What the app itself shows over every view. */
typedef enum kb_tui_overlay {
    KB_OV_NONE,
    KB_OV_LOCK,  /* idle lock: passphrase */
    KB_OV_BLANK, /* privacy blank */
} kb_tui_overlay;

/* ---------------------------------------------------------------- list */

/* The list/scroll widget (list.c).  A list of n rows, height of them on
 * screen from row top.  With a selection (pager false) the keys move sel
 * and the view follows it; as a pager (pager true: help, case view) there
 * is no selection and the keys move the view.  Row contents are the
 * caller's: kb_tui_list_draw calls a function per visible row. */
typedef struct kb_tui_list {
    size_t n;   /* rows */
    size_t sel; /* the selected row (< n, or 0 when n is 0); unused by a pager */
    int top;    /* first row on screen */
    int height; /* rows on screen (0 until the first draw or resize) */
    bool pager;
    /* kb_tui_list_end on a pager: the next draw shows the last page of
     * the rows it draws (rows added since, by a reload, included) */
    bool to_end;
} kb_tui_list;

/* Set the number of rows and the height (after new data or a resize):
 * sel is clamped, top follows so sel stays visible and the last page is
 * full. */
void kb_tui_list_resize(kb_tui_list *l, size_t n, int height);
/* cursor-up/down, page-up/down, first, last; true if act is one of them. */
bool kb_tui_list_action(kb_tui_list *l, kb_action act);
/* Select row i (clamped) and bring it into view. */
void kb_tui_list_select(kb_tui_list *l, size_t i);
/* Scroll to the end (a pager: the last page; else select the last row). */
void kb_tui_list_end(kb_tui_list *l);
/* Draw one row: row index, its screen position and width, selected or not. */
typedef void (*kb_tui_list_row_fn)(void *ctx, kb_grid *g, size_t row, int x, int y, int w,
                                   bool selected);
/* Draw the rows visible in the rectangle (x, y, w, h) (resizing the list
 * to h first); a pager with rows below the last one shows "..." at the
 * bottom right. */
void kb_tui_list_draw(kb_tui_list *l, kb_grid *g, int x, int y, int w, int h,
                      kb_tui_list_row_fn row, void *ctx);

/* ---------------------------------------------------------------- views */

typedef struct kb_tui_app kb_tui_app;

/* Notifications every view on the stack receives (kb_tui_views_event). */
typedef enum kb_tui_event {
    KB_TUI_EV_CHANGED, /* the cached cases were reloaded (number: the case, 0: any) */
    KB_TUI_EV_DETACH,  /* the board is closing (idle lock): drop case data, release leases */
    KB_TUI_EV_ATTACH,  /* the board is open again: reload, take leases again */
} kb_tui_event;

/* One screen.  Every function but draw may be NULL.  st is the view's own
 * state: state_size zeroed bytes allocated by kb_tui_view_push, passed to
 * every call and freed after close. */
typedef struct kb_tui_view_ops {
    const char *name; /* unique; kb_tui_view_find */
    kb_context ctx;   /* keymap context of its keys and of its help screen */
    size_t state_size;
    bool overlay; /* drawn over the view below it, after the status line (prompts,
                     dialogs; a prompt takes the status line) */
    /* Fill st from arg.  Returns KB_TUI_R_* flags; with KB_TUI_R_REFUSED
     * the view is not shown (open says why with kb_tui_msg, frees what it
     * took, and close is not called). */
    unsigned (*open)(kb_tui_app *a, void *st, const void *arg);
    /* Free what st holds (st itself is freed by the stack). */
    void (*close)(kb_tui_app *a, void *st);
    /* Paint the screen (an overlay: its part of it) into g. */
    void (*draw)(kb_tui_app *a, void *st, kb_grid *g);
    /* An action of the keymap; KB_TUI_R_NONE passes it on: back/cancel
     * then pop the view, the rest go to the actions every screen has
     * (help, command, undo, refresh, quit, ...). */
    unsigned (*action)(kb_tui_app *a, void *st, kb_action act);
    /* A typed character (only in a text-entry context; '\n' for Ctrl-J). */
    unsigned (*text)(kb_tui_app *a, void *st, uint32_t cp);
    /* Periodic work; called for every view on the stack, bottom first
     * (must not push or pop). */
    unsigned (*tick)(kb_tui_app *a, void *st, int64_t now_ms);
    /* Key hints for the status line; returns their style.  NULL: the
     * hints of the view below. */
    kb_style (*hints)(kb_tui_app *a, void *st, kb_buf *out);
    /* A notification (kb_tui_event). */
    void (*event)(kb_tui_app *a, void *st, kb_tui_event ev, uint32_t number);
} kb_tui_view_ops;

/* A view on the stack. */
typedef struct kb_tui_view {
    const kb_tui_view_ops *ops;
    void *st; /* owned */
} kb_tui_view;

#define KB_TUI_VIEWS_MAX 32

/* The built-in views (views.def: one line per screen). */
#define KB_TUI_VIEW(name) extern const kb_tui_view_ops kb_tui_view_##name;
#include "views.def"
#undef KB_TUI_VIEW

/* Make a view known to the app (kb_tui_app_init registers the built-in
 * ones).  KB_EDATA if its name is taken or the registry is full. */
int kb_tui_view_register(kb_tui_app *a, const kb_tui_view_ops *ops) KB_WARN_UNUSED;
/* A registered view by name, NULL if none. */
const kb_tui_view_ops *kb_tui_view_find(const kb_tui_app *a, const char *name);
/* Open a registered view on top of the stack (its open gets arg).
 * Returns the open's flags (KB_TUI_R_REFUSED: not opened). */
unsigned kb_tui_view_push(kb_tui_app *a, const kb_tui_view_ops *ops, const void *arg);
/* Close the top view (never the board at the bottom): back to the view
 * it was opened from. */
unsigned kb_tui_view_pop(kb_tui_app *a);
/* Close the view whose state is st, wherever it is on the stack. */
void kb_tui_view_close(kb_tui_app *a, const void *st);
/* Close every view, the board too, and free the stack (kb_tui_app_free). */
void kb_tui_view_close_all(kb_tui_app *a);
/* The top of the stack (the view that gets the keys); valid until the
 * next push or pop. */
kb_tui_view *kb_tui_view_top(kb_tui_app *a);
/* The state of the topmost view with these ops, NULL if none is open. */
void *kb_tui_view_state(const kb_tui_app *a, const kb_tui_view_ops *ops);
/* Is the top view one of ops? */
bool kb_tui_view_is_top(const kb_tui_app *a, const kb_tui_view_ops *ops);
/* A viewer on the open board: the status line says msg ("You are a viewer
 * on this board: ..."), and the key that would open an input for a change
 * does nothing (nothing is typed that cannot be saved). */
bool kb_tui_viewer_refused(kb_tui_app *a, const char *msg);
/* Send ev to every view on the stack, bottom first. */
void kb_tui_views_event(kb_tui_app *a, kb_tui_event ev, uint32_t number);

/* Someone else's live edit lease on a case. */
typedef struct kb_tui_edit {
    uint32_t number;
    char user[65];
    kb_time since;
} kb_tui_edit;

/* ---- board layout (computed from the cases, the filter and the lanes) */

typedef struct kb_tui_card {
    const kb_case *c;
    uint32_t number; /* c->number (still known when the cache moved c) */
    bool mirror;     /* shown in an involved department's lane */
    int h;           /* rows on screen: kb_tui_blayout.card_h, 1 for a mirror */
} kb_tui_card;

typedef struct kb_tui_bcell {
    kb_tui_card *v; /* in the column's sort order (kb_tui_card_order) */
    size_t n, cap;
    int rows; /* the sum of the cards' h */
} kb_tui_bcell;

typedef struct kb_tui_lane {
    const char *code; /* department code; "" for cases without a lead department */
    const char *name;
    uint8_t color; /* colour role of the header (kb_tui_dept_color) */
    bool own;      /* one of the user's departments (kb_user.depts) */
    bool collapsed;
    size_t nlead, nmirror; /* cards in the lane (after the filter) */
    kb_tui_bcell *cells;   /* one per stage */
    size_t *lead_total;    /* per stage: cases of the whole board (unfiltered) led by this
                              department in that stage, for its WIP limits */
    int body;              /* rows below the header when expanded (>= 1) */
    int y;                 /* first row of the lane in the virtual board */
} kb_tui_lane;

typedef struct kb_tui_blayout {
    kb_tui_lane *lanes;
    size_t nlanes, nstages;
    size_t *stage_total; /* cases per stage on the whole board (WIP), unfiltered */
    size_t *stage_shown; /* cases per stage that the filter shows */
    size_t shown, total; /* cases matching the filter / all cases */
    size_t orphans;      /* cases without a (known) lead department, unfiltered */
    int rows;            /* height of the virtual board */
    int card_h;          /* rows of a card: 2 when the screen is tall enough, else 1 */
    int for_h;           /* the screen height the layout was made for */
    bool mirrors;        /* involved departments' copies are in the layout */
} kb_tui_blayout;

/* ---- form */

enum kb_tui_field {
    KB_FF_TITLE,
    KB_FF_STAGE,
    KB_FF_LEAD,
    KB_FF_DEPTS,
    KB_FF_LINE,
    KB_FF_OWNER,
    KB_FF_PRIORITY,
    KB_FF_DUE,
    KB_FF_REVIEW,
    KB_FF_AGENDA,
    KB_FF_BLOCKED,
    KB_FF_CONF,
    KB_FF_TAGS,
    KB_FF_HOOKS,
    KB_FF_ORGS,
    KB_FF_DESC,
    KB_FF_COUNT
};

/* The state of the form view (view_form.c). */
typedef struct kb_tui_form {
    bool is_new;
    uint32_t number;       /* 0 for a new case */
    uint64_t base_version; /* the version the form was filled from */
    uint64_t token;        /* our edit lease (0: none) */
    int64_t renewed_ms;    /* last lease renewal (kb_clock_ms) */
    kb_case base;          /* the case as read when the form opened */
    kb_tui_line f[KB_FF_COUNT];
    char *ferr[KB_FF_COUNT];  /* per-field validation messages */
    bool edited[KB_FF_COUNT]; /* a key edited or moved in the field: it scrolls to
                                 its cursor (else it shows its start) */
    size_t focus;
    char *error;  /* form-level message (failed save) */
    char *reason; /* the reason for its stage move (asked on save) */
    int scroll;
    bool confirm_discard; /* Esc on a changed form: "Discard changes? y/n" */
    /* a new case: the similar cases of what is typed (kb_similar_rank) */
    kb_similar sim[3];
    size_t nsim, simsel;
    uint32_t link_to; /* the save links the new case to this one (0: none) */
    enum kb_link_kind link_kind;
} kb_tui_form;

/* ---- conflict dialog */

/* The state of the conflict dialog (view_dialog.c). */
typedef struct kb_tui_conflict {
    kb_case mine, theirs;
    char *who;                /* who made their change (kb_board_case_changed_by); NULL: unknown */
    size_t rows[KB_FF_COUNT]; /* fields that differ */
    bool take_theirs[KB_FF_COUNT];
    size_t n;         /* rows in use */
    kb_tui_list list; /* list.sel is the selected row */
    /* the selected field's two values in full under the list: its first
     * row shown (PageUp/PageDown), for the row detail_sel */
    int detail_top;
    size_t detail_sel;
} kb_tui_conflict;

/* ---- prompts */

typedef enum kb_tui_prompt_kind {
    KB_PR_FILTER,
    KB_PR_COMMAND,
    KB_PR_REASON,      /* reason for a move into a stage that needs one */
    KB_PR_COMMENT,     /* a comment on a case */
    KB_PR_FORM_REASON, /* reason for the stage move the form saves */
    KB_PR_GUEST,       /* a guest's name for the running meeting (meeting mode) */
    KB_PR_AGENDA_PLAN, /* minutes planned for agenda item `number` (meeting mode, t) */
    KB_PR_AGENDA_ADD,  /* a case to add to the agenda (meeting mode, +) */
} kb_tui_prompt_kind;

typedef struct kb_tui_prompt {
    kb_tui_prompt_kind kind;
    kb_tui_line line;
    char *label;     /* shown before the text */
    char *info;      /* right-aligned: match count */
    char *error;     /* parse error, shown above the line */
    uint32_t number; /* case for reason/comment */
    char *stage;     /* target stage for a reason */
    int hist;        /* -1 or index into the history being browsed */

    /* Esc on a typed comment: "Discard changes? y/n" */
    bool confirm_discard;
} kb_tui_prompt;

/* ---- case view */

/* The state of the case view (view_case.c). */
typedef struct kb_tui_case_view {
    bool loaded;
    uint32_t number;
    kb_case c;
    kb_comment_vec tl;
    kb_action_vec actions; /* action items of the case */
    kb_link_vec links;
    kb_decision_vec decisions; /* decisions about the case */
    kb_goal_vec goals;         /* the goals its hooks stand for (shown by name) */
    kb_tui_list list;          /* a pager over the rendered lines */
} kb_tui_case_view;

/* ---- help */

/* The state of the help screen (view_dialog.c). */
typedef struct kb_tui_help_view {
    kb_context ctx;   /* whose keys are shown */
    kb_tui_list list; /* a pager over the rows */
} kb_tui_help_view;

/* ---- the app */

/* The board's reference data (borrowed), as the query resolver takes it. */
typedef kb_query_refs kb_tui_refs;

typedef struct kb_tui_app {
    /* the board (NULL when the data was put in by a test) */
    kb_board *board;
    char *db_path;
    char *user;
    kb_tui_refs refs;
    kb_user_vec users; /* the board's users (refs.users points here) */
    kb_board_cache cache;
    kb_tui_edit *edits; /* others' live edit leases */
    size_t nedits;
    kb_strv online;       /* other sessions: "bob" (distinct user names) */
    size_t nsessions;     /* all sessions including ours */
    kb_date today;        /* for overdue markers and queries */
    kb_time last_meeting; /* start of the last meeting (since:lastmeeting) */
    bool today_fixed;     /* tests: do not follow the clock */
    uint64_t generation;  /* last seen board generation */

    /* keys */
    kb_keymap *km;
    kb_keymap_state kst;
    kb_strv diags; /* keymap/config diagnostics "FILE:LINE: msg" */

    /* terminal properties */
    bool utf8;
    int w, h;

    /* board view */
    kb_strv collapsed; /* lane codes */
    kb_query *filter;
    char *filter_text;
    kb_tui_blayout lay;
    bool lay_dirty;
    unsigned long lay_builds; /* full layout builds so far (tests: rebuild or incremental?) */
    size_t cur_lane, cur_stage, cur_idx;
    uint32_t cur_number; /* the selected case (0: none) */
    bool cur_placed;     /* false: put the cursor on the first card at the next reselect */
    bool show_mirrors;   /* show involved departments' copies (mirrors-toggle) */
    int scroll_y;
    size_t scroll_x; /* first visible stage */

    /* screens: the registered views and the view stack (stack[0] is the
     * board; the top entry gets the keys); each entry owns its state */
    const kb_tui_view_ops *views[KB_TUI_VIEWS_MAX];
    size_t nviews;
    kb_tui_view *stack; /* grows; entries move, their states do not */
    size_t depth, cap;
    kb_tui_overlay overlay;            /* lock screen or privacy blank over everything */
    kb_strv hist_filter, hist_command; /* prompt histories (shared by every prompt) */

    /* idle lock */
    int idle_lock_ms; /* 0: off */
    kb_secret *lock_pass;
    char *lock_error;

    /* the last ':' command: its exit code (KB_OK for a screen command;
     * KB_EUSAGE for a line that cannot be split) and what the command
     * table printed (for the output pager and the tests) */
    int cmd_rc;
    char *cmd_out, *cmd_err;
    /* the error code of the last failed kb_tui_comment or kb_tui_move_to
     * (KB_EPERM: not permitted, a retry cannot help) */
    int save_rc;

    /* status line */
    char msg[KB_ERR_MSG_MAX + 64];
    bool msg_error;
    int64_t msg_until;

    /* undo: the case as it was before our last save, and the version our
     * save produced (undo refuses if someone changed it since).  Every
     * change made from the TUI records itself here: one that can be undone
     * with kb_tui_undo_remember, one that cannot with kb_tui_undo_forget
     * (undo_last: what it was, so that undo says so instead of reverting an
     * older change).  undo_redo: the next undo redoes what undo undid. */
    bool have_undo;
    bool undo_redo;
    kb_case undo_before;
    uint64_t undo_version;
    char *undo_last;

    /* timers (kb_clock_ms) */
    int64_t now_ms;
    int64_t last_key_ms, last_poll_ms, last_reload_ms, last_sessions_ms, last_leases_ms;

    /* cursor for text entry (-1: hidden), set by draw */
    int cursor_x, cursor_y;

    /* the sort of the cards in a column (view_views.c): NULL = board
     * order, "priority", "due", "age", "number" */
    char *card_sort;
    /* meeting mode (view_meeting.c): presenting mode (P) and the running
     * meeting as of the last refresh (NULL: none); while one runs, or in
     * presenting mode, confidential cases show number and title only
     * until the chair reveals them */
    bool presenting;
    kb_meeting *meeting;
    kb_clock clock; /* kb_tui_meeting_clock (tests); {0}: real time */
} kb_tui_app;

/* Set up an app with no board: the caller fills refs, cache, ... (tests)
 * or kb_tui_app_attach does it from an open board. */
void kb_tui_app_init(kb_tui_app *a, const char *db_path, const char *user, int w, int h, bool utf8);
void kb_tui_app_free(kb_tui_app *a);
/* Load reference data, cases, leases and sessions from the open board. */
int kb_tui_app_attach(kb_tui_app *a, kb_board *b, kb_err *e) KB_WARN_UNUSED;
/* Forget the board (idle lock): data cleared, views kept. */
void kb_tui_app_detach(kb_tui_app *a);
void kb_tui_app_resize(kb_tui_app *a, int w, int h);
/* Mark the layout stale after the cases, filter or lanes changed. */
void kb_tui_app_dirty(kb_tui_app *a);
/* One key press.  Returns KB_TUI_R_* flags. */
unsigned kb_tui_app_key(kb_tui_app *a, kb_key k, int64_t now_ms);
/* Periodic work (no key for a while): live refresh, lease renewal, idle
 * lock, message expiry. */
unsigned kb_tui_app_tick(kb_tui_app *a, int64_t now_ms);
/* Draw the whole screen. */
void kb_tui_app_draw(kb_tui_app *a, kb_grid *g);
/* Draw only the status line (after KB_TUI_R_STATUS), and the overlays. */
void kb_tui_draw_status(kb_tui_app *a, kb_grid *g);
/* msg wrapped at the screen's width, drawn in style st over as many rows
 * as it needs, the last one at row y (upward, never over the title bar). */
void kb_tui_draw_wrapped(kb_grid *g, int y, const char *msg, kb_style st);
void kb_tui_hints_fit(const kb_tui_app *a, kb_context ctx, const kb_action *acts,
                      const char *const *labels, size_t n, kb_buf *out);
/* One more hint " KEYS LABEL " that is not a keymap action (label
 * translated), appended to out only if it fits whole, as above. */
void kb_tui_hint_fit(const kb_tui_app *a, kb_context ctx, const char *keys, const char *label,
                     kb_buf *out);
/* Status line message (printf-style). */
void kb_tui_msg(kb_tui_app *a, bool error, const char *fmt, ...) KB_PRINTF(3, 4);
/* Case by number in the cache, NULL if none. */
const kb_case *kb_tui_case(const kb_tui_app *a, uint32_t number);
/* Someone else edits case number: their lease, else NULL. */
const kb_tui_edit *kb_tui_edit_of(const kb_tui_app *a, uint32_t number);
const kb_stage *kb_tui_stage(const kb_tui_app *a, const char *code);
const kb_dept *kb_tui_dept(const kb_tui_app *a, const char *code);
/* Resolver for kb_query_ctx (stage and line names -> codes). */
const char *kb_tui_resolve(void *user, enum kb_query_field f, const char *value);
/* The query context of the filter and every list: today, the resolver and
 * the stage norms over the app's reference data, the last meeting. */
kb_query_ctx kb_tui_query_ctx(kb_tui_app *a);
/* Set the filter (text NULL or "" clears it); KB_EDATA with e set on a parse error. */
int kb_tui_set_filter(kb_tui_app *a, const char *text, kb_err *e) KB_WARN_UNUSED;
/* Count cases matching text (-1 and e set on a parse error). */
long kb_tui_count_matches(kb_tui_app *a, const char *text, kb_err *e);

/* Refresh from the board now (cases, leases, sessions as due). */
unsigned kb_tui_refresh(kb_tui_app *a, bool force);
/* Move a case to stage code (with an optional reason comment). */
unsigned kb_tui_move_to(kb_tui_app *a, uint32_t number, const char *stage, const char *reason);
/* Move by dir (+1/-1) stages, asking for a reason where needed. */
unsigned kb_tui_move_dir(kb_tui_app *a, uint32_t number, int dir);
unsigned kb_tui_comment(kb_tui_app *a, uint32_t number, const char *text);
unsigned kb_tui_undo(kb_tui_app *a);
/* Run a ':' command line: the CLI's command table (kernboard/cmd.h) on the
 * open board, or a screen command (show, edit, add, filter, undo, ...).
 * a->cmd_rc tells whether it failed (the ':' line then opens again). */
unsigned kb_tui_command(kb_tui_app *a, const char *line);
/* The output pager (view_output.c) opens with this. */
typedef struct kb_tui_output_arg {
    const char *title;
    const char *text;
} kb_tui_output_arg;
/* Lock the screen now (as after the idle time). */
unsigned kb_tui_lock_now(kb_tui_app *a);
/* Remember c (before our save) and the version our save produced, for undo. */
void kb_tui_undo_remember(kb_tui_app *a, const kb_case *before, uint64_t after_version);
/* The last change (what: shown as "The last change (what) cannot be
 * undone") cannot be undone: undo no longer reverts an older one. */
void kb_tui_undo_forget(kb_tui_app *a, const char *what);

/* ---- board view (view_board.c) */
void kb_tui_layout_free(kb_tui_blayout *l);
void kb_tui_layout(kb_tui_app *a);
/* Apply the last cache refresh (a->cache.changed, .old) to the layout
 * incrementally: only the changed cases' cards are removed, inserted in
 * order or moved, with the same result as a rebuild.  Returns false when
 * it cannot (the layout is not current, the reference data changed, too
 * many cases changed, the "no lead department" lane appears or goes): the
 * layout is then marked for a rebuild. */
bool kb_tui_layout_apply(kb_tui_app *a);
/* The board (kb_tui_view_board, always at the bottom of the stack): its
 * state is the board cursor, layout and filter in kb_tui_app, which other
 * screens use too. */
void kb_view_board_draw(kb_tui_app *a, kb_grid *g);
unsigned kb_view_board_action(kb_tui_app *a, kb_action act);
/* Put the cursor on case number (in lane code if given), if shown. */
bool kb_tui_select_case(kb_tui_app *a, uint32_t number, const char *lane);
/* Re-find the selected case after the data changed (with cur_placed
 * false: put the cursor on the first card, the user's own lane first). */
void kb_tui_reselect(kb_tui_app *a);
/* Put the cursor on the first card: the first card of the user's own
 * lane(s), else the first card of the board; false if no card is shown. */
bool kb_tui_select_first(kb_tui_app *a);
/* Card text for c as shown on the board, into buf (markers included). */
void kb_tui_card_markers(const kb_tui_app *a, const kb_case *c, char *buf, size_t n);
/* Header bar (row 0) and stage/lane helpers shared by views. */
void kb_tui_draw_bar(kb_tui_app *a, kb_grid *g, const char *title);

/* ---- case view (view_case.c: kb_tui_view_case) */
/* Open case number in the case view (loaded from the board or the cache). */
unsigned kb_view_case_open(kb_tui_app *a, uint32_t number);
/* Reload the case view on top, if any (force: even if the cached version
 * is the one shown). */
void kb_view_case_reload(kb_tui_app *a, bool force);
/* Scroll the case view on top showing case number, if any, to the end
 * (after a new comment). */
void kb_view_case_show_end(kb_tui_app *a, uint32_t number);
/* Case view from plain data (tests). Takes ownership of c, tl, actions and
 * links (each may be NULL but c). */
void kb_view_case_set(kb_tui_app *a, kb_case *c, kb_comment_vec *tl, kb_action_vec *actions,
                      kb_link_vec *links);
/* The number of the case shown by the top view (0: not a case view). */
uint32_t kb_tui_current_case(const kb_tui_app *a);

/* ---- form (view_form.c: kb_tui_view_form) */
/* Open the edit form for a case (takes the edit lease) or a new case (in
 * the lane and stage of the board's cursor). */
unsigned kb_view_form_open(kb_tui_app *a, uint32_t number);
unsigned kb_view_form_new(kb_tui_app *a);
/* A new case in a stage chosen on purpose (code or name; NULL: the first
 * stage, where a new case starts). */
unsigned kb_view_form_new_in(kb_tui_app *a, const char *stage);
/* Has the topmost form input that would be lost? */
bool kb_view_form_dirty(const kb_tui_app *a);
/* Form from plain data without the board (tests). */
void kb_view_form_fill(kb_tui_app *a, const kb_case *c, bool is_new);
/* Is a form open (anywhere on the stack)? */
bool kb_tui_form_open(const kb_tui_app *a);
/* The topmost form's state, NULL if none. */
kb_tui_form *kb_tui_form_state(const kb_tui_app *a);
/* Validate the topmost form into out (a new case); false with messages set. */
bool kb_view_form_build(kb_tui_app *a, kb_case *out);
/* Save the topmost form with the reason for its stage move (the reason
 * prompt's Enter). */
unsigned kb_view_form_submit_reason(kb_tui_app *a, const char *reason);
/* The conflict dialog's choice: save merged (expecting theirs' version). */
unsigned kb_view_form_save_merged(kb_tui_app *a, kb_case *merged, const kb_case *theirs);
/* Parse field texts over a copy of base into out; per-field messages (new
 * strings) in errs[]; returns the number of bad fields (out is then empty). */
int kb_view_form_parse(const kb_tui_app *a, const kb_case *base, const char *const vals[],
                       kb_case *out, char *errs[]);
void kb_view_form_copy_field(kb_case *dst, const kb_case *src, enum kb_tui_field f);
/* Field values of a case as the form shows them (new string). */
char *kb_view_form_value(const kb_case *c, enum kb_tui_field f);
/* The value as the form shows it: in the reader's language, stages and
 * action lines by name (kb_case_field_show; it parses back). */
char *kb_view_form_shown(const kb_tui_app *a, const kb_case *c, enum kb_tui_field f);
const char *kb_view_form_label(enum kb_tui_field f);
/* Keys a screen handles itself, not through the keymap (Ctrl-J in a
 * form's description), for the help screen: keys as written in keys.md,
 * help an N_() text. */
typedef struct kb_tui_fixed_key {
    const char *keys, *help;
} kb_tui_fixed_key;
extern const kb_tui_fixed_key kb_view_form_fixed_keys[];
extern const size_t kb_view_form_fixed_key_count;

/* ---- triage inbox (view_triage.c: kb_tui_view_triage, and its picker
 * kb_tui_view_triage_pick) */
unsigned kb_view_triage_open(kb_tui_app *a);
/* The same with the department goals given (tests without a board). */
unsigned kb_view_triage_open_with(kb_tui_app *a, const kb_goal_vec *goals);
/* The case the open triage inbox shows (0: none, or no inbox open). */
uint32_t kb_view_triage_current(const kb_tui_app *a);

/* ---- conflict dialog (view_dialog.c: kb_tui_view_conflict) */
/* Open the dialog over the form: mine = the form's values, theirs = the stored case. */
unsigned kb_view_conflict_open(kb_tui_app *a, const kb_case *mine, const kb_case *theirs);
/* The open dialog's state, NULL if none. */
kb_tui_conflict *kb_tui_conflict_state(const kb_tui_app *a);

/* ---- prompts (view_dialog.c: kb_tui_view_prompt) */
/* Open a prompt; number is the case of a reason or comment, stage the
 * target of a reason (else 0 and NULL). */
unsigned kb_view_prompt_open(kb_tui_app *a, kb_tui_prompt_kind kind, const char *label,
                             const char *text, uint32_t number, const char *stage);
/* The same with text as a suggestion: shown selected, the first character
 * typed replaces it, Enter takes it, the cursor keys keep it for editing. */
unsigned kb_view_prompt_open_suggested(kb_tui_app *a, kb_tui_prompt_kind kind, const char *label,
                                       const char *text, uint32_t number, const char *stage);
/* The open prompt's state, NULL if none. */
kb_tui_prompt *kb_tui_prompt_state(const kb_tui_app *a);

/* ---- help (view_dialog.c: kb_tui_view_help) */
/* Show the keys of context ctx (from a prompt: those of the board). */
unsigned kb_view_help_open(kb_tui_app *a, kb_context ctx);

/* ---- lock screen (view_dialog.c) */
void kb_view_lock_draw(kb_tui_app *a, kb_grid *g);
/* A key on the lock screen; *unlock gets true when the passphrase should
 * be checked (the caller reopens the board with a->lock_pass). */
unsigned kb_view_lock_key(kb_tui_app *a, kb_key k, bool *unlock);

/* ---- reports and saved views (view_report.c, view_views.c) */
unsigned kb_view_report_open(kb_tui_app *a);
/* The list of saved views (board key v); Enter applies one. */
unsigned kb_view_views_open(kb_tui_app *a);
/* text with "@name" words replaced by the saved views' queries (new
 * string), NULL with e set when a view is unknown; *sort_out (may be NULL)
 * gets the view's sort (new string, or NULL). */
char *kb_tui_expand_views(kb_tui_app *a, const char *text, char **sort_out, kb_err *e);
/* The open lanes when some are collapsed ("ECO,INC,-"; "-" = no lead
 * department), for a saved view; NULL when all are open.  New string. */
char *kb_tui_open_lanes(const kb_tui_app *a);
/* Cycle the card sort: board order, priority, due, age, number. */
unsigned kb_tui_sort_cycle(kb_tui_app *a);
const char *kb_tui_sort_label(const char *sort);
/* Sort a column's cards by a->card_sort (copies of involved departments last). */
void kb_tui_sort_cards(const kb_tui_app *a, kb_tui_card *v, size_t n);
/* The order of the cards in a column (a total order: the case number
 * decides last): copies last, then a->card_sort (NULL: priority, number). */
int kb_tui_card_order(const kb_tui_app *a, const kb_tui_card *x, const kb_tui_card *y);
/* Days in the current stage: "12 days" or "12 days, past the norm of 10!"
 * (new string). */
char *kb_tui_stage_age(const kb_tui_app *a, const kb_case *c);
bool kb_tui_past_norm(const kb_tui_app *a, const kb_case *c);
/* The filter history in $XDG_STATE_HOME/kernboard/filter_history (0600). */
void kb_tui_history_load(kb_tui_app *a);
void kb_tui_history_save(const kb_tui_app *a);
/* ---- meeting mode (view_meeting.c: kb_tui_view_meeting) */
/* Open meeting mode: the running meeting's item, else the draft agenda. */
unsigned kb_view_meeting_open(kb_tui_app *a);
/* Reload a->meeting (the running meeting) from the board. */
void kb_tui_meeting_sync(kb_tui_app *a);
void kb_tui_meeting_forget(kb_tui_app *a);
/* Show c as number and title only?  (confidential, presenting or a
 * meeting running, and not revealed in it) */
bool kb_tui_case_masked(const kb_tui_app *a, const kb_case *c);
/* The one refusal of every route to a hidden case's fields (the edit form,
 * `:edit N`, `:case show N`, a contact moment prefilled from the case):
 * true, with the reason on the status line, when case number (the cached
 * one, or c when given) is masked (kb_tui_case_masked). */
bool kb_tui_case_hidden_refuse(kb_tui_app *a, uint32_t number, const kb_case *c);
/* Tests without a board: the item's case detail (taken over). */
void kb_view_meeting_set_detail(kb_tui_app *a, kb_case_detail *d);
/* Add a guest (the name as typed, one argument) to the running meeting;
 * says what happened with kb_tui_msg (an error: msg_error set). */
unsigned kb_view_meeting_guest(kb_tui_app *a, const char *name);
/* The t and + prompts of the agenda: plan `text` minutes for case n
 * (add false), or add the case numbered `text` at the end (add true), in
 * one agenda edit; the agenda updates in place with a status message.  A
 * bad value or a refused edit leaves an error message (a->msg_error) and
 * changes nothing. */
unsigned kb_view_meeting_agenda_edit(kb_tui_app *a, bool add, uint32_t n, const char *text);
/* Meeting timers in tests: the clock of the meeting screens and of the
 * open board's meeting times (NULL: real). */
void kb_tui_meeting_clock(kb_tui_app *a, const kb_clock *c);
kb_time kb_tui_now(const kb_tui_app *a);

/* ---- configuration (app.c) */
/* idle_lock_minutes from $XDG_CONFIG_HOME/kernboard/config (default 15),
 * overridden by $KERNBOARD_IDLE_LOCK_SECONDS; in milliseconds, 0 = off. */
int kb_tui_idle_lock_ms(void);
/* Keymap diagnostics, without complaints about the TUI's own settings. */
void kb_tui_collect_diags(kb_tui_app *a);

/* ---- contacts and my work (view_contacts.c: kb_tui_view_contacts and the
 * kb_tui_view_contact_form overlay; view_mywork.c: kb_tui_view_mywork) */
/* The contacts screen (organisations from the board, the cases naming them
 * from the cache). */
unsigned kb_view_contacts_open(kb_tui_app *a);
/* The contacts screen from plain data (tests; takes orgs and contacts over). */
void kb_view_contacts_set(kb_tui_app *a, kb_org_vec *orgs, kb_contact_vec *contacts);
/* The contact moment form, the organisation filled in (may be NULL); number:
 * the case it is opened from (0: none).  Saving warns in the status line
 * when another department has a contact moment with the organisation
 * within the board's contact window. */
unsigned kb_view_contact_form_open(kb_tui_app *a, const char *org, uint32_t number);
/* My work (the user's open action items from the board, their cases from
 * the cache). */
unsigned kb_view_mywork_open(kb_tui_app *a);
/* My work from plain data (tests; takes items over, keeps the user's open ones). */
void kb_view_mywork_set(kb_tui_app *a, kb_action_vec *items);

#endif
