/*
 * keymap.h - actions, key names and keymap files.
 *
 * Role: turn key presses into user actions.  The actions and contexts come
 * from one X-macro table (kernboard/actions.def); keymaps are loaded from
 * files in the line format of docs/keys.md (`bind CONTEXT KEY ACTION`,
 * `unbind CONTEXT KEY`), starting with the built-in default, which is
 * compiled in from keymaps/default and parsed by the same loader as user
 * files.  The TUI translates its terminal input into kb_key values and feeds
 * them to kb_keymap_feed(); nothing here knows about curses.
 *
 * Invariants:
 *  - A kb_key is a plain value: a Unicode scalar value for a printable
 *    character, or KB_KEY_SPECIAL + n for a named key, plus modifier bits.
 *    Keys are canonical (kb_key_parse normalises, e.g. <C-i> is <Tab>), so
 *    two names for the same key compare equal as integers, and
 *    kb_key_format(kb_key_parse(x)) is the canonical spelling of x.
 *  - Within one context no binding is a prefix of another, so a key
 *    sequence resolves to at most one action without waiting.
 *  - Loading never aborts: a bad line is skipped and reported as a
 *    "FILE:LINE: message" diagnostic kept in the keymap; the other lines
 *    still apply.
 *  - A kb_keymap is immutable after loading and owns all its memory; the
 *    lookup state of a pending sequence lives in the caller's
 *    kb_keymap_state.  There is no global mutable state.
 */
#ifndef KERNBOARD_KEYMAP_H
#define KERNBOARD_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernboard/err.h"

/* ---------------------------------------------------------------- contexts, actions */

typedef enum kb_context {
#define KB_CONTEXT(id, name, text_entry, help) KB_CONTEXT_##id,
#include "kernboard/actions.def"
    KB_CONTEXT_COUNT
} kb_context;

typedef enum kb_action {
    KB_ACTION_NONE = 0,
#define KB_ACTION(id, name, context, help) KB_ACTION_##id,
#include "kernboard/actions.def"
    KB_ACTION_COUNT
} kb_action;

/* "board" for KB_CONTEXT_BOARD; NULL if out of range. */
const char *kb_keymap_context_name(kb_context c);
/* Translated one-line description of a context; "" if out of range. */
const char *kb_keymap_context_help(kb_context c);
/* True for contexts where plain printable keys are text (form, prompt). */
bool kb_keymap_context_is_text_entry(kb_context c);
/* Exact, case-sensitive name -> context.  KB_ENOENT (e set) if unknown. */
int kb_keymap_context_from_name(const char *name, kb_context *out, kb_err *e);

/* "cursor-up" for KB_ACTION_CURSOR_UP; NULL for KB_ACTION_NONE or out of range. */
const char *kb_action_name(kb_action a);
/* Translated help text; "" for KB_ACTION_NONE or out of range. */
const char *kb_action_help(kb_action a);
/* The action's home context (where help and docs list it). */
kb_context kb_action_context(kb_action a);
/* Name or alias (exact, case-sensitive) -> action.  KB_ENOENT (e set) if unknown. */
int kb_action_from_name(const char *name, kb_action *out, kb_err *e);

/* ---------------------------------------------------------------- keys */

typedef uint32_t kb_key;

#define KB_KEY_NONE ((kb_key)0)
#define KB_KEY_CODE_MASK ((kb_key)0x001fffff) /* codepoint or special key */
#define KB_KEY_CTRL ((kb_key)1 << 24)
#define KB_KEY_META ((kb_key)1 << 25)  /* Alt, or Esc before the key */
#define KB_KEY_SHIFT ((kb_key)1 << 26) /* only with special keys: <S-Tab> */
#define KB_KEY_MOD_MASK (KB_KEY_CTRL | KB_KEY_META | KB_KEY_SHIFT)

/* Special keys live above the Unicode range.  Space is the codepoint 0x20. */
#define KB_KEY_SPECIAL ((kb_key)0x110000)
#define KB_KEY_ENTER (KB_KEY_SPECIAL + 1)
#define KB_KEY_ESC (KB_KEY_SPECIAL + 2)
#define KB_KEY_TAB (KB_KEY_SPECIAL + 3)
#define KB_KEY_BACKSPACE (KB_KEY_SPECIAL + 4)
#define KB_KEY_UP (KB_KEY_SPECIAL + 5)
#define KB_KEY_DOWN (KB_KEY_SPECIAL + 6)
#define KB_KEY_LEFT (KB_KEY_SPECIAL + 7)
#define KB_KEY_RIGHT (KB_KEY_SPECIAL + 8)
#define KB_KEY_HOME (KB_KEY_SPECIAL + 9)
#define KB_KEY_END (KB_KEY_SPECIAL + 10)
#define KB_KEY_PAGEUP (KB_KEY_SPECIAL + 11)
#define KB_KEY_PAGEDOWN (KB_KEY_SPECIAL + 12)
#define KB_KEY_INSERT (KB_KEY_SPECIAL + 13)
#define KB_KEY_DELETE (KB_KEY_SPECIAL + 14)
#define KB_KEY_F(n) (KB_KEY_SPECIAL + 0x20 + (kb_key)(n)) /* n = 1..12 */
#define KB_KEY_BACKTAB (KB_KEY_SHIFT | KB_KEY_TAB)

/* Longest key name kb_key_format writes, with the NUL ("<C-M-S-PageDown>"). */
#define KB_KEY_STRLEN 24
/* Longest key sequence, and its text ("g g", keys joined by one space). */
#define KB_KEY_SEQ_MAX 4
#define KB_KEY_SEQ_STRLEN (KB_KEY_SEQ_MAX * KB_KEY_STRLEN)

typedef struct kb_key_seq {
    kb_key keys[KB_KEY_SEQ_MAX];
    size_t len; /* 1..KB_KEY_SEQ_MAX once parsed */
} kb_key_seq;

/*
 * Parse one key name: a printable character ("j", "é", "?"), or a bracketed
 * name "<Enter>", "<C-x>", "<M-<>", "<S-Tab>", "<F5>" (modifier and special
 * names are case-insensitive; the character is case-sensitive, except that
 * Ctrl folds letters: <C-X> is <C-x>).  Normalises terminal synonyms: <C-i>
 * is <Tab>, <C-m> is <Enter>, <C-[> is <Esc>, <C-?> is <Backspace>, <C-@> is
 * <C-Space>.  KB_EDATA with a message naming the problem.
 */
int kb_key_parse(const char *name, kb_key *out, kb_err *e) KB_WARN_UNUSED;

/* Canonical name of a valid key into buf (KB_KEY_STRLEN bytes); returns buf.
 * An invalid key formats as "<?>". */
char *kb_key_format(kb_key k, char *buf);

/* True if k is a key kb_key_parse can return (canonical, valid modifiers). */
bool kb_key_valid(kb_key k);

/*
 * The key for a character read from a terminal: C0 controls become their
 * Ctrl names (0x01 is <C-a>, 0x00 is <C-Space>), 0x09 <Tab>, 0x0D <Enter>,
 * 0x1B <Esc>, 0x7F <Backspace>; 0x0A stays <C-j> (so call nonl()).  Other
 * Unicode scalar values are themselves; C1 controls, surrogates and values
 * beyond U+10FFFF give KB_KEY_NONE.  Meta is the caller's: key | KB_KEY_META.
 */
kb_key kb_key_from_codepoint(uint32_t cp);

/* Parse 1..KB_KEY_SEQ_MAX key names separated by blanks ("g g", "<C-x> <C-c>").
 * KB_EDATA if empty, too long or a name is bad. */
int kb_key_seq_parse(const char *text, kb_key_seq *out, kb_err *e) KB_WARN_UNUSED;

/* "g g" into buf (KB_KEY_SEQ_STRLEN bytes); returns buf. */
char *kb_key_seq_format(const kb_key_seq *seq, char *buf);

/* ---------------------------------------------------------------- keymaps */

typedef struct kb_keymap kb_keymap;

/* One problem found while loading; all strings are owned by the keymap. */
typedef struct kb_keymap_diag {
    const char *file;    /* origin as given to the loader */
    unsigned line;       /* 1-based; 0 when about the whole file */
    const char *message; /* translated, without the location */
    const char *text;    /* "FILE:LINE: message" (or "FILE: message") */
} kb_keymap_diag;

/* An empty keymap (no bindings). */
kb_keymap *kb_keymap_new(void);
/* Free *km and set it to NULL; NULL is fine. */
void kb_keymap_free(kb_keymap **km);

/*
 * Apply the directives in text[0..len) (need not be NUL-terminated).  Each
 * call is one "file": a key bound twice, or bound as a prefix of another
 * binding, within one call is an error; a binding from an earlier call is
 * replaced (overriding).  origin names the text in diagnostics.
 * Returns KB_OK, or KB_EDATA if any line was skipped (see the diagnostics).
 */
int kb_keymap_load_string(kb_keymap *km, const char *origin, const char *text, size_t len);

/* The built-in default keymap (keymaps/default, compiled in).  KB_OK, or
 * KB_ESOFTWARE if it has errors (a bug; they are in the diagnostics). */
int kb_keymap_load_builtin(kb_keymap *km);

/* A keymap file (at most 1 MiB).  KB_ENOENT if it does not exist, KB_EIO if it
 * cannot be read or is too large (e set, no diagnostic: the caller decides
 * whether that is a problem); else as kb_keymap_load_string, with e set to a
 * summary when lines were skipped. */
int kb_keymap_load_file(kb_keymap *km, const char *path, kb_err *e);

/* A shipped keymap by name ("vim"), looked up in $KERNBOARD_KEYMAP_DIR, then
 * KB_DATADIR/keymaps, then the source tree's keymaps/.  KB_EUSAGE if the name
 * is not [A-Za-z0-9_-]+, KB_ENOENT if not found (e set, no diagnostic). */
int kb_keymap_load_named(kb_keymap *km, const char *name, kb_err *e);

/*
 * The standard chain: the built-in default, then the keymap named by a line
 * `keymap = NAME` in $XDG_CONFIG_HOME/kernboard/config (if any), then the
 * user's $XDG_CONFIG_HOME/kernboard/keymap (if it exists).  Every problem,
 * including unreadable files and unknown config settings, is a diagnostic.
 * Returns KB_OK, or KB_EDATA if there are diagnostics.
 */
int kb_keymap_load_all(kb_keymap *km);

/* Diagnostics collected so far, in order; *n gets the count. */
const kb_keymap_diag *kb_keymap_diags(const kb_keymap *km, size_t *n);

/* Origins loaded so far (built-in, files), in order; NULL past the end. */
const char *kb_keymap_source(const kb_keymap *km, size_t i);

/* ---------------------------------------------------------------- lookup */

/* The keys of a pending sequence.  Zero-initialise (KB_KEYMAP_STATE_INIT). */
typedef struct kb_keymap_state {
    kb_key keys[KB_KEY_SEQ_MAX];
    size_t len;
} kb_keymap_state;

#define KB_KEYMAP_STATE_INIT                                                                       \
    {                                                                                              \
        {0}, 0                                                                                     \
    }

typedef enum kb_keymap_result {
    KB_KEYMAP_NONE,    /* key not bound, nothing was pending: use it as text, or ignore */
    KB_KEYMAP_PENDING, /* keys so far start a longer binding: wait for the next key */
    KB_KEYMAP_ACTION,  /* *action is set; the state is reset */
    KB_KEYMAP_ABORTED, /* pending keys + this key match nothing: all are dropped */
} kb_keymap_result;

/*
 * Feed one key in context ctx.  Lookup of the keys typed so far: the
 * context's bindings first; only if the context has neither a binding for
 * them nor a longer one starting with them (and no `unbind` for them) is
 * `global` asked - except that in a text-entry context a sequence starting
 * with a plain printable key never falls back.  After anything but PENDING
 * the state is empty again.  A key that is not kb_key_valid(), or a bad ctx,
 * matches nothing.  st must not be NULL; action may be.
 */
kb_keymap_result kb_keymap_feed(const kb_keymap *km, kb_context ctx, kb_key key,
                                kb_keymap_state *st, kb_action *action);

/* Forget a pending sequence (e.g. on a screen change or a timeout). */
void kb_keymap_state_reset(kb_keymap_state *st);

/* The pending keys as text ("g", "" if none) into buf (KB_KEY_SEQ_STRLEN). */
char *kb_keymap_state_format(const kb_keymap_state *st, char *buf);

/* The first key sequence (in load order) that triggers action in ctx, taking
 * the fallback to global into account, as text into buf (KB_KEY_SEQ_STRLEN),
 * e.g. for "press ? for help".  KB_ENOENT if none (buf is then ""). */
int kb_keymap_key_for(const kb_keymap *km, kb_context ctx, kb_action action, char *buf);

/* ---------------------------------------------------------------- help data */

typedef struct kb_keymap_help_entry {
    kb_action action;
    kb_context context; /* where the keys are bound: the asked context or global */
    const char *name;   /* action name (static) */
    const char *help;   /* translated help text (static) */
    char *keys;         /* owned: "j, <Down>, g g"; "" if the action is unbound */
} kb_keymap_help_entry;

/*
 * What the `?` screen of context ctx shows: one entry per action that is
 * active in ctx (bound in ctx, or in global and reachable from ctx), with
 * all its effective key sequences in load order; the context's own entries
 * first, then global's, each in action table order.  Actions whose home is
 * ctx but that are not reachable are listed too, with keys "".  KB_OK
 * (KB_EUSAGE for a bad ctx, *out NULL); free with kb_keymap_help_free.
 */
int kb_keymap_help(const kb_keymap *km, kb_context ctx, kb_keymap_help_entry **out, size_t *n);
void kb_keymap_help_free(kb_keymap_help_entry **entries, size_t n);

#endif
