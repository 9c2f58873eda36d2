/*
 * kb-keydoc - generate docs/keys.md from the action table (actions.def) and
 * the shipped keymaps (built-in default, keymaps/vim, keymaps/emacs).
 *
 *   kb-keydoc --keymaps DIR [--output FILE] [--check FILE] [--hint TEXT]
 *
 * --output writes the document (default: stdout).  --check compares it with
 * FILE and exits 1 with "FILE is stale" if they differ; --hint is the
 * command printed to fix that.  Exits 1 if a shipped keymap has errors.
 * The output does not depend on the locale: help texts are the msgids.
 */
#include "kernboard/buf.h"
#include "kernboard/err.h"
#include "kernboard/keymap.h"
#include "kernboard/mem.h"
#include "kernboard/paths.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KB_KEYDOC_NKEYMAPS 3

static const char *const kb_keydoc_names[KB_KEYDOC_NKEYMAPS] = {"default", "vim", "emacs"};

static const char *const kb_keydoc_intro[] = {
    "# Keymap reference",
    "",
    "kernboard is driven from the keyboard.  Every key press is looked up in a",
    "*keymap*: a list of bindings from keys to *actions*, per *context* (the",
    "screen or widget that has the focus).  This page describes the keymap files,",
    "the key names, and every action with its keys in the shipped keymaps.",
    "",
    "## Loading order",
    "",
    "1. The built-in default keymap (`keymaps/default`, compiled into the program).",
    "2. The keymap named in `$XDG_CONFIG_HOME/kernboard/config` (default",
    "   `~/.config/kernboard/config`) by a line such as `keymap = vim`.  Shipped",
    "   names are `default` (nothing extra), `vim` and `emacs`.  The file is looked",
    "   up in `$KERNBOARD_KEYMAP_DIR` if that is set, then in the installed data",
    "   directory (`share/kernboard/keymaps/`), then in the source tree's `keymaps/`",
    "   (so a build tree works without installing).",
    "3. Your own `$XDG_CONFIG_HOME/kernboard/keymap`, if it exists.",
    "",
    "Each file is applied on top of the ones before it: binding a key that an",
    "earlier file bound replaces that binding (this is how overriding works), and",
    "`unbind` removes it.  The config file has one setting per line (`name =",
    "value`, `#` comments); unknown settings are reported and ignored.",
    "",
    "## File format",
    "",
    "One directive per line; words are separated by spaces or tabs; `#` starts a",
    "comment at the start of a line or after a space (`a#` is not a comment).",
    "",
    "    # context   key       action",
    "    bind board  j         cursor-down",
    "    bind board  <Down>    cursor-down",
    "    bind global \"g g\"     first        # a sequence: g, then g",
    "    unbind form <C-u>",
    "",
    "- `bind CONTEXT KEY ACTION` binds KEY in CONTEXT to ACTION.",
    "- `unbind CONTEXT KEY` removes the binding of KEY in CONTEXT, and every",
    "  longer sequence that starts with KEY.  Outside `global` it also hides",
    "  global's binding of KEY in that context: after `unbind board q`, q does",
    "  nothing on the board even though `global` binds it.",
    "",
    "CONTEXT and ACTION are names from the tables below (case-sensitive).",
    "`case-move-next-stage` and `case-move-prev-stage` are accepted as other",
    "names of `case-move-next` and `case-move-prev`.",
    "",
    "## Key names",
    "",
    "A KEY is one of:",
    "",
    "| written | meaning |",
    "|---|---|",
    "| `j`, `J`, `?`, `é`, `<` | that character (any printable Unicode character, "
    "case-sensitive) |",
    "| `<Space>`, `<Hash>`, `<Quote>` | space, `#` and `\"`, which cannot be written bare |",
    "| `<Enter>` `<Esc>` `<Tab>` `<Backspace>` | named keys (also `<Return>`, `<Escape>`, "
    "`<BS>`) |",
    "| `<Up>` `<Down>` `<Left>` `<Right>` | arrow keys |",
    "| `<Home>` `<End>` `<PageUp>` `<PageDown>` `<Insert>` `<Delete>` | (also `<PgUp>`, "
    "`<PgDn>`, `<Ins>`, `<Del>`) |",
    "| `<F1>` ... `<F12>` | function keys |",
    "| `<C-x>` | Ctrl + x: letters, `<C-Space>` and `<C-\\>` `<C-]>` `<C-^>` `<C-_>` |",
    "| `<M-x>` | Meta (Alt, or Esc then x) + any character or named key: `<M-x>`, `<M-<>`, "
    "`<M-Enter>` (also `<A-x>`) |",
    "| `<S-Tab>` | Shift + a named key (for characters write the shifted character: `J`) |",
    "",
    "Modifiers combine in any order (`<C-M-x>` is `<M-C-x>`).  Modifier and key",
    "names in angle brackets are case-insensitive (`<c-x>`, `<ENTER>`), the",
    "character is not (`<M-x>` and `<M-X>` differ), except that a terminal cannot",
    "tell `<C-x>` from `<C-X>`, so both mean `<C-x>`.  For the same reason `<C-i>`",
    "is `<Tab>`, `<C-m>` is `<Enter>`, `<C-[>` is `<Esc>`, `<C-?>` is `<Backspace>`",
    "and `<C-@>` is `<C-Space>`; binding both spellings in one file is a duplicate.",
    "The help screen and this page always show the canonical spelling (the first",
    "one given above).",
    "",
    "Terminal notes: `<C-s>` and `<C-q>` may be taken by flow control (`stty",
    "-ixon` frees them); Meta keys arrive as Esc followed by the key.",
    "",
    "## Key sequences",
    "",
    "A binding can be a sequence of up to 4 keys, written as key names separated",
    "by spaces inside double quotes: `\"g g\"`, `\"<C-x> <C-c>\"`.  A quoted KEY",
    "with one name is the same as the bare name.  After the first key of a",
    "sequence kernboard waits for the next; a key that continues no binding drops",
    "the keys typed so far.",
    "",
    "Within one context, no binding may be a prefix of another (otherwise `g`",
    "could never wait for `g g`):",
    "",
    "- in one file this is an error (\"'g' is a prefix of 'g g', bound in context",
    "  global on line 3\") and the later line is skipped;",
    "- across files the later file wins: its binding replaces every earlier",
    "  binding in the same context that it equals, is a prefix of, or starts with.",
    "  Binding `g` in your keymap therefore removes the vim keymap's `g g`.",
    "",
    "## Contexts and fallback",
    "",
    "A key is looked up in the current context first; only if that context has",
    "neither a binding for the keys typed so far nor a longer binding starting",
    "with them (nor an `unbind` of them) is `global` asked.  In text-entry",
    "contexts (forms and prompts) a plain printable key never falls back to",
    "`global`: it is typed as text, so `q` in a text field does not quit.",
    "",
};

static const char *const kb_keydoc_errors[] = {
    "## Errors",
    "",
    "A problem never stops kernboard.  Each bad line is skipped and reported as",
    "`FILE:LINE: message`; the other lines still apply.  The messages appear in",
    "the status line and are printed to stderr when kernboard exits.  Reported:",
    "",
    "- an unknown directive, context or action, or a bad key name;",
    "- the wrong number of words (`bind` takes 3, `unbind` 2), an unterminated",
    "  quote, a sequence longer than 4 keys;",
    "- a key bound twice in one context in the same file, or a binding that is a",
    "  prefix of another one in the same file (see above);",
    "- in the config file: a line without `=`, an unknown setting, an unknown",
    "  keymap name; and files that exist but cannot be read.",
    "",
    "After 50 errors the rest of a file is ignored.",
    "",
};

static void kb_put_lines(kb_buf *b, const char *const *lines, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        kb_buf_puts(b, lines[i]);
        kb_buf_putc(b, '\n');
    }
}

/* One key sequence as Markdown code, safe inside a table cell. */
static void kb_put_code(kb_buf *b, const char *s, size_t len)
{
    bool tick = memchr(s, '`', len) != NULL;
    kb_buf_puts(b, tick ? "`` " : "`");
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '|')
            kb_buf_putc(b, '\\');
        kb_buf_putc(b, s[i]);
    }
    kb_buf_puts(b, tick ? " ``" : "`");
}

/* "j, <Down>" -> "`j` `<Down>`" */
static void kb_put_keys(kb_buf *b, const char *keys)
{
    const char *p = keys;
    bool first = true;
    while (*p) {
        const char *end = strstr(p, ", ");
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (!first)
            kb_buf_putc(b, ' ');
        kb_put_code(b, p, len);
        first = false;
        p += len;
        if (end)
            p += 2;
    }
}

/* The table cell of action a for one keymap. */
static void kb_put_cell(kb_buf *b, kb_keymap_help_entry *const help[KB_CONTEXT_COUNT],
                        const size_t nhelp[KB_CONTEXT_COUNT], kb_action a)
{
    kb_context home = kb_action_context(a);
    size_t start = b->len;
    /* effective keys in the home context (its own and global's) */
    for (size_t i = 0; i < nhelp[home]; i++) {
        const kb_keymap_help_entry *h = &help[home][i];
        if (h->action == a && h->keys[0]) {
            if (b->len > start)
                kb_buf_putc(b, ' ');
            kb_put_keys(b, h->keys);
        }
    }
    /* bindings of the action that live in other contexts */
    for (int c = 0; c < KB_CONTEXT_COUNT; c++) {
        if (c == (int)home || c == KB_CONTEXT_GLOBAL)
            continue;
        for (size_t i = 0; i < nhelp[c]; i++) {
            const kb_keymap_help_entry *h = &help[c][i];
            if (h->action == a && h->context == (kb_context)c && h->keys[0]) {
                if (b->len > start)
                    kb_buf_puts(b, "; ");
                kb_buf_printf(b, "%s: ", kb_keymap_context_name((kb_context)c));
                kb_put_keys(b, h->keys);
            }
        }
    }
    if (b->len == start)
        kb_buf_puts(b, "—");
}

static int kb_keydoc_generate(const char *dir, kb_buf *out)
{
    kb_keymap *km[KB_KEYDOC_NKEYMAPS];
    int rc = 0;
    for (size_t k = 0; k < KB_KEYDOC_NKEYMAPS; k++) {
        km[k] = kb_keymap_new();
        (void)kb_keymap_load_builtin(km[k]);
        if (k > 0) {
            char *path = kb_asprintf("%s/%s", dir, kb_keydoc_names[k]);
            kb_err e;
            kb_err_clear(&e);
            if (kb_keymap_load_file(km[k], path, &e) != KB_OK && e.code != KB_EDATA) {
                fprintf(stderr, "kb-keydoc: %s\n", e.msg);
                rc = 1;
            }
            kb_free(&path);
        }
        size_t nd;
        const kb_keymap_diag *d = kb_keymap_diags(km[k], &nd);
        for (size_t i = 0; i < nd; i++) {
            fprintf(stderr, "%s\n", d[i].text);
            rc = 1;
        }
    }

    kb_buf_puts(out, "<!-- Generated by tools/kb-keydoc.c from include/kernboard/actions.def "
                     "and keymaps/; do not edit.\n"
                     "     Regenerate after changing either: "
                     "cmake --build BUILD-DIR --target keydoc\n"
                     "     (ctest's keymap/docs-fresh fails while this file is stale.) -->\n");
    kb_put_lines(out, kb_keydoc_intro, sizeof kb_keydoc_intro / sizeof kb_keydoc_intro[0]);
    kb_buf_puts(out, "| context | where | text entry |\n|---|---|---|\n");
    for (int c = 0; c < KB_CONTEXT_COUNT; c++)
        kb_buf_printf(out, "| `%s` | %s | %s |\n", kb_keymap_context_name((kb_context)c),
                      kb_keymap_context_help((kb_context)c),
                      kb_keymap_context_is_text_entry((kb_context)c) ? "yes" : "no");
    kb_buf_putc(out, '\n');
    kb_put_lines(out, kb_keydoc_errors, sizeof kb_keydoc_errors / sizeof kb_keydoc_errors[0]);

    kb_buf_puts(out, "## Actions\n\n"
                     "Every action, by the context it belongs to, with its keys in the default\n"
                     "keymap and with the vim and emacs keymaps loaded on top of it.  A cell\n"
                     "lists the keys that trigger the action in its own context (including\n"
                     "`global` keys that reach it), then bindings in other contexts as\n"
                     "`context: keys`.  The help screen (`?`) shows the same for the keymap\n"
                     "actually loaded.\n\n");

    kb_keymap_help_entry *help[KB_KEYDOC_NKEYMAPS][KB_CONTEXT_COUNT];
    size_t nhelp[KB_KEYDOC_NKEYMAPS][KB_CONTEXT_COUNT];
    for (size_t k = 0; k < KB_KEYDOC_NKEYMAPS; k++)
        for (int c = 0; c < KB_CONTEXT_COUNT; c++)
            (void)kb_keymap_help(km[k], (kb_context)c, &help[k][c], &nhelp[k][c]);

    for (int c = 0; c < KB_CONTEXT_COUNT; c++) {
        bool any = false;
        for (int a = KB_ACTION_NONE + 1; a < KB_ACTION_COUNT; a++)
            any = any || kb_action_context((kb_action)a) == (kb_context)c;
        if (!any)
            continue;
        kb_buf_printf(out, "### `%s`\n\n", kb_keymap_context_name((kb_context)c));
        kb_buf_puts(out, "| action | what it does | default | vim | emacs |\n"
                         "|---|---|---|---|---|\n");
        for (int a = KB_ACTION_NONE + 1; a < KB_ACTION_COUNT; a++) {
            if (kb_action_context((kb_action)a) != (kb_context)c)
                continue;
            kb_buf_printf(out, "| `%s` | %s |", kb_action_name((kb_action)a),
                          kb_action_help((kb_action)a));
            for (size_t k = 0; k < KB_KEYDOC_NKEYMAPS; k++) {
                kb_buf_putc(out, ' ');
                kb_put_cell(out, help[k], nhelp[k], (kb_action)a);
                kb_buf_puts(out, " |");
            }
            kb_buf_putc(out, '\n');
        }
        kb_buf_putc(out, '\n');
    }

    kb_buf_puts(out, "## The shipped keymaps\n\n"
                     "`keymaps/default` (built in), `keymaps/vim` and `keymaps/emacs` are\n"
                     "written in the format above; copy lines from them into your own\n"
                     "`~/.config/kernboard/keymap` to change a key.\n");

    for (size_t k = 0; k < KB_KEYDOC_NKEYMAPS; k++) {
        for (int c = 0; c < KB_CONTEXT_COUNT; c++)
            kb_keymap_help_free(&help[k][c], nhelp[k][c]);
        kb_keymap_free(&km[k]);
    }
    return rc;
}

static void kb_keydoc_usage(void)
{
    fprintf(stderr,
            "usage: kb-keydoc --keymaps DIR [--output FILE] [--check FILE] [--hint TEXT]\n");
    exit(KB_EUSAGE);
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *output = NULL, *check = NULL, *hint = NULL;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            kb_keydoc_usage();
        if (strcmp(argv[i], "--keymaps") == 0)
            dir = argv[++i];
        else if (strcmp(argv[i], "--output") == 0)
            output = argv[++i];
        else if (strcmp(argv[i], "--check") == 0)
            check = argv[++i];
        else if (strcmp(argv[i], "--hint") == 0)
            hint = argv[++i];
        else
            kb_keydoc_usage();
    }
    if (!dir)
        kb_keydoc_usage();

    kb_buf doc = KB_BUF_INIT;
    int rc = kb_keydoc_generate(dir, &doc);
    if (output) {
        FILE *f = fopen(output, "w");
        if (!f || fwrite(doc.data, 1, doc.len, f) != doc.len || fclose(f) != 0) {
            perror(output);
            rc = 1;
        }
    } else if (!check) {
        fwrite(doc.data, 1, doc.len, stdout);
    }
    if (check) {
        char *old = NULL;
        size_t len = 0;
        kb_err e;
        kb_err_clear(&e);
        if (kb_file_read(check, (size_t)1 << 22, &old, &len, &e) != KB_OK) {
            fprintf(stderr, "kb-keydoc: %s\n", e.msg);
            fprintf(stderr, "%s is missing: run %s\n", check, hint ? hint : "kb-keydoc");
            rc = 1;
        } else if (len != doc.len || memcmp(old, doc.data, len) != 0) {
            fprintf(stderr, "%s is stale: run %s\n", check, hint ? hint : "kb-keydoc");
            if (output)
                fprintf(stderr, "(the fresh version is in %s; diff it to see what changed)\n",
                        output);
            rc = 1;
        }
        kb_free(&old);
    }
    kb_buf_free(&doc);
    return rc;
}
