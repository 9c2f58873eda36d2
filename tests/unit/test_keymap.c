/* Unit tests for the keymap layer: key names, the file format, lookup of keys
 * and sequences, overriding, help data, the shipped keymaps, and a
 * randomized parser run (ASan/UBSan catch any crash). */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernboard/buf.h"
#include "kernboard/err.h"
#include "kernboard/keymap.h"
#include "kernboard/mem.h"
#include "kernboard/paths.h"

#ifndef KB_TEST_KEYMAP_DIR
#define KB_TEST_KEYMAP_DIR "keymaps"
#endif

/* ---------------------------------------------------------------- helpers */

static kb_keymap *load(const char *text)
{
    kb_keymap *km = kb_keymap_new();
    (void)kb_keymap_load_string(km, "t", text, strlen(text));
    return km;
}

static size_t ndiags(const kb_keymap *km)
{
    size_t n;
    (void)kb_keymap_diags(km, &n);
    return n;
}

static const kb_keymap_diag *diag(const kb_keymap *km, size_t i)
{
    size_t n;
    const kb_keymap_diag *d = kb_keymap_diags(km, &n);
    cr_assert_lt(i, n, "expected diagnostic %zu, have %zu", i, n);
    return &d[i];
}

static void dump_diags(const kb_keymap *km)
{
    size_t n;
    const kb_keymap_diag *d = kb_keymap_diags(km, &n);
    for (size_t i = 0; i < n; i++)
        cr_log_error("%s", d[i].text);
}

static kb_key key(const char *name)
{
    kb_key k = KB_KEY_NONE;
    kb_err e;
    kb_err_clear(&e);
    cr_assert_eq(kb_key_parse(name, &k, &e), KB_OK, "'%s': %s", name, e.msg);
    return k;
}

/* Feed a space-separated key sequence; returns the last result. */
static kb_keymap_result feed(const kb_keymap *km, kb_context ctx, const char *keys, kb_action *a)
{
    kb_key_seq seq;
    kb_err e;
    cr_assert_eq(kb_key_seq_parse(keys, &seq, &e), KB_OK, "%s: %s", keys, e.msg);
    kb_keymap_state st = KB_KEYMAP_STATE_INIT;
    kb_keymap_result r = KB_KEYMAP_NONE;
    *a = KB_ACTION_NONE;
    for (size_t i = 0; i < seq.len; i++)
        r = kb_keymap_feed(km, ctx, seq.keys[i], &st, a);
    return r;
}

/* The action the keys trigger in ctx, or KB_ACTION_NONE. */
static kb_action act(const kb_keymap *km, kb_context ctx, const char *keys)
{
    kb_action a;
    return feed(km, ctx, keys, &a) == KB_KEYMAP_ACTION ? a : KB_ACTION_NONE;
}

static char *read_shipped(const char *name, size_t *len)
{
    char *path = kb_asprintf("%s/%s", KB_TEST_KEYMAP_DIR, name);
    char *text = NULL;
    kb_err e;
    cr_assert_eq(kb_file_read(path, 1 << 20, &text, len, &e), KB_OK, "%s", e.msg);
    kb_free(&path);
    return text;
}

static kb_keymap *shipped(const char *overlay)
{
    kb_keymap *km = kb_keymap_new();
    cr_assert_eq(kb_keymap_load_builtin(km), KB_OK);
    if (overlay) {
        char *path = kb_asprintf("%s/%s", KB_TEST_KEYMAP_DIR, overlay);
        kb_err e;
        kb_err_clear(&e);
        int rc = kb_keymap_load_file(km, path, &e);
        dump_diags(km);
        cr_assert_eq(rc, KB_OK, "%s: %s", path, e.msg);
        kb_free(&path);
    }
    return km;
}

static char *make_tmpdir(void)
{
    const char *base = getenv("KB_TEST_TMP");
    if (!base || !*base)
        base = "/tmp";
    kb_err e;
    cr_assert_eq(kb_path_mkdirs(base, 0700, &e), KB_OK, "%s", e.msg);
    char *t = kb_asprintf("%s/keymap-XXXXXX", base);
    cr_assert_not_null(mkdtemp(t));
    return t;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

/* ---------------------------------------------------------------- actions, contexts */

Test(actions, names_round_trip)
{
    for (int a = KB_ACTION_NONE + 1; a < KB_ACTION_COUNT; a++) {
        const char *name = kb_action_name((kb_action)a);
        cr_assert_not_null(name);
        kb_action back = KB_ACTION_NONE;
        cr_assert_eq(kb_action_from_name(name, &back, NULL), KB_OK, "%s", name);
        cr_assert_eq(back, a, "%s", name);
        cr_assert_str_neq(kb_action_help((kb_action)a), "", "%s has no help", name);
        cr_assert_lt((unsigned)kb_action_context((kb_action)a), (unsigned)KB_CONTEXT_COUNT);
        for (int b = a + 1; b < KB_ACTION_COUNT; b++)
            cr_assert_str_neq(name, kb_action_name((kb_action)b), "duplicate action name");
    }
    cr_assert_null(kb_action_name(KB_ACTION_NONE));
    cr_assert_null(kb_action_name(KB_ACTION_COUNT));
    cr_assert_str_eq(kb_action_help(KB_ACTION_NONE), "");
}

Test(actions, required_names_exist)
{
    const char *names[] = {
        "cursor-up",      "cursor-down",    "cursor-left", "cursor-right",
        "page-up",        "page-down",      "first",       "last",
        "case-open",      "case-new",       "case-edit",   "case-comment",
        "case-move-next", "case-move-prev", "lane-toggle", "filter",
        "command",        "help",           "refresh",     "undo",
        "privacy-blank",  "back",           "quit",        "field-next",
        "field-prev",     "submit",         "cancel",      "delete-char-back",
        "line-start",     "line-end",       "lane-next",   "lane-prev",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        kb_action a;
        cr_assert_eq(kb_action_from_name(names[i], &a, NULL), KB_OK, "%s", names[i]);
        cr_assert_str_eq(kb_action_name(a), names[i]);
    }
}

Test(actions, alias_and_unknown)
{
    kb_action a = KB_ACTION_NONE;
    cr_assert_eq(kb_action_from_name("case-move-next-stage", &a, NULL), KB_OK);
    cr_assert_eq(a, KB_ACTION_CASE_MOVE_NEXT);
    kb_err e;
    kb_err_clear(&e);
    a = KB_ACTION_QUIT;
    cr_assert_eq(kb_action_from_name("Cursor-Up", &a, &e), KB_ENOENT);
    cr_assert_eq(a, KB_ACTION_QUIT, "output untouched on error");
    cr_assert(strstr(e.msg, "Cursor-Up"), "%s", e.msg);
    cr_assert_eq(kb_action_from_name(NULL, &a, NULL), KB_ENOENT);
}

Test(contexts, names)
{
    const char *names[] = {"global", "board", "case", "form", "prompt", "help"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        kb_context c;
        cr_assert_eq(kb_keymap_context_from_name(names[i], &c, NULL), KB_OK, "%s", names[i]);
        cr_assert_str_eq(kb_keymap_context_name(c), names[i]);
        cr_assert_str_neq(kb_keymap_context_help(c), "");
    }
    cr_assert_eq(KB_CONTEXT_GLOBAL, 0);
    cr_assert(kb_keymap_context_is_text_entry(KB_CONTEXT_FORM));
    cr_assert(kb_keymap_context_is_text_entry(KB_CONTEXT_PROMPT));
    cr_assert_not(kb_keymap_context_is_text_entry(KB_CONTEXT_BOARD));
    kb_context c;
    kb_err e;
    cr_assert_eq(kb_keymap_context_from_name("Board", &c, &e), KB_ENOENT);
    cr_assert(strstr(e.msg, "'Board'") && strstr(e.msg, "prompt"), "%s", e.msg);
    cr_assert_null(kb_keymap_context_name(KB_CONTEXT_COUNT));
}

/* ---------------------------------------------------------------- key names */

Test(keys, every_name_form)
{
    struct {
        const char *name;
        kb_key key;
    } cases[] = {
        {"j", 'j'},
        {"J", 'J'},
        {"?", '?'},
        {"<", '<'},
        {">", '>'},
        {"é", 0xe9},
        {"€", 0x20ac},
        {"😀", 0x1f600},
        {"<Space>", ' '},
        {"<Hash>", '#'},
        {"#", '#'},
        {"<Quote>", '"'},
        {"\"", '"'},
        {"<Lt>", '<'},
        {"<Enter>", KB_KEY_ENTER},
        {"<Return>", KB_KEY_ENTER},
        {"<Esc>", KB_KEY_ESC},
        {"<Escape>", KB_KEY_ESC},
        {"<Tab>", KB_KEY_TAB},
        {"<S-Tab>", KB_KEY_BACKTAB},
        {"<Backspace>", KB_KEY_BACKSPACE},
        {"<BS>", KB_KEY_BACKSPACE},
        {"<Up>", KB_KEY_UP},
        {"<Down>", KB_KEY_DOWN},
        {"<Left>", KB_KEY_LEFT},
        {"<Right>", KB_KEY_RIGHT},
        {"<Home>", KB_KEY_HOME},
        {"<End>", KB_KEY_END},
        {"<PageUp>", KB_KEY_PAGEUP},
        {"<PgUp>", KB_KEY_PAGEUP},
        {"<PageDown>", KB_KEY_PAGEDOWN},
        {"<PgDn>", KB_KEY_PAGEDOWN},
        {"<Insert>", KB_KEY_INSERT},
        {"<Delete>", KB_KEY_DELETE},
        {"<Del>", KB_KEY_DELETE},
        {"<F1>", KB_KEY_F(1)},
        {"<F10>", KB_KEY_F(10)},
        {"<F12>", KB_KEY_F(12)},
        {"<C-x>", KB_KEY_CTRL | 'x'},
        {"<c-x>", KB_KEY_CTRL | 'x'},
        {"<C-X>", KB_KEY_CTRL | 'x'},
        {"<M-x>", KB_KEY_META | 'x'},
        {"<A-x>", KB_KEY_META | 'x'},
        {"<M-X>", KB_KEY_META | 'X'},
        {"<M-é>", KB_KEY_META | 0xe9},
        {"<M-<>", KB_KEY_META | '<'},
        {"<M->>", KB_KEY_META | '>'},
        {"<M-->", KB_KEY_META | '-'},
        {"<M-#>", KB_KEY_META | '#'},
        {"<M-Hash>", KB_KEY_META | '#'},
        {"<M-Space>", KB_KEY_META | ' '},
        {"<C-M-x>", KB_KEY_CTRL | KB_KEY_META | 'x'},
        {"<m-c-x>", KB_KEY_CTRL | KB_KEY_META | 'x'},
        {"<C-Space>", KB_KEY_CTRL | ' '},
        {"<C-@>", KB_KEY_CTRL | ' '},
        {"<C-_>", KB_KEY_CTRL | '_'},
        {"<C-\\>", KB_KEY_CTRL | '\\'},
        {"<C-]>", KB_KEY_CTRL | ']'},
        {"<C-^>", KB_KEY_CTRL | '^'},
        {"<C-i>", KB_KEY_TAB},
        {"<C-m>", KB_KEY_ENTER},
        {"<C-[>", KB_KEY_ESC},
        {"<C-?>", KB_KEY_BACKSPACE},
        {"<M-C-i>", KB_KEY_META | KB_KEY_TAB},
        {"<C-Up>", KB_KEY_CTRL | KB_KEY_UP},
        {"<M-Enter>", KB_KEY_META | KB_KEY_ENTER},
        {"<s-tab>", KB_KEY_BACKTAB},
        {"<ENTER>", KB_KEY_ENTER},
        {"<pagedown>", KB_KEY_PAGEDOWN},
        {"<f5>", KB_KEY_F(5)},
        {"<C-S-M-F3>", KB_KEY_CTRL | KB_KEY_META | KB_KEY_SHIFT | KB_KEY_F(3)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kb_key k = key(cases[i].name);
        cr_assert_eq(k, cases[i].key, "'%s' -> %#x, want %#x", cases[i].name, k, cases[i].key);
        cr_assert(kb_key_valid(k), "%s", cases[i].name);
    }
}

Test(keys, canonical_round_trip)
{
    /* canonical spelling -> itself; other spellings -> canonical */
    const char *pairs[][2] = {
        {"j", "j"},
        {"é", "é"},
        {"<", "<"},
        {"#", "<Hash>"},
        {"\"", "<Quote>"},
        {"<Space>", "<Space>"},
        {"<space>", "<Space>"},
        {"<Lt>", "<"},
        {"<Return>", "<Enter>"},
        {"<escape>", "<Esc>"},
        {"<C-i>", "<Tab>"},
        {"<C-m>", "<Enter>"},
        {"<C-[>", "<Esc>"},
        {"<C-?>", "<Backspace>"},
        {"<C-@>", "<C-Space>"},
        {"<C-X>", "<C-x>"},
        {"<c-x>", "<C-x>"},
        {"<M-C-x>", "<C-M-x>"},
        {"<s-TAB>", "<S-Tab>"},
        {"<M-<>", "<M-<>"},
        {"<M->>", "<M->>"},
        {"<M-Hash>", "<M-#>"},
        {"<M-\">", "<M-Quote>"},
        {"<M-Quote>", "<M-Quote>"},
        {"<M-Space>", "<M-Space>"},
        {"<A-é>", "<M-é>"},
        {"<pgdn>", "<PageDown>"},
        {"<f12>", "<F12>"},
        {"<S-M-C-Delete>", "<C-M-S-Delete>"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        char buf[KB_KEY_STRLEN];
        kb_key_format(key(pairs[i][0]), buf);
        cr_assert_str_eq(buf, pairs[i][1], "format(parse(%s))", pairs[i][0]);
        cr_assert_str_eq(kb_key_format(key(buf), buf), pairs[i][1], "canonical is stable");
    }
}

Test(keys, every_valid_key_round_trips)
{
    const kb_key mods[] = {0,
                           KB_KEY_CTRL,
                           KB_KEY_META,
                           KB_KEY_SHIFT,
                           KB_KEY_CTRL | KB_KEY_META,
                           KB_KEY_CTRL | KB_KEY_SHIFT,
                           KB_KEY_META | KB_KEY_SHIFT,
                           KB_KEY_CTRL | KB_KEY_META | KB_KEY_SHIFT};
    size_t valid = 0;
    for (size_t m = 0; m < sizeof mods / sizeof mods[0]; m++) {
        for (kb_key code = 0; code < 0x2000; code++) {
            for (int special = 0; special < 2; special++) {
                kb_key k = mods[m] | (special ? KB_KEY_SPECIAL + (code & 0x3f) : code);
                if (special && code >= 0x40)
                    continue;
                char buf[KB_KEY_STRLEN];
                kb_key_format(k, buf);
                if (!kb_key_valid(k)) {
                    cr_assert_str_eq(buf, "<?>");
                    continue;
                }
                valid++;
                cr_assert_lt(strlen(buf), (size_t)KB_KEY_STRLEN);
                kb_key back = KB_KEY_NONE;
                kb_err e;
                cr_assert_eq(kb_key_parse(buf, &back, &e), KB_OK, "%#x '%s': %s", k, buf, e.msg);
                cr_assert_eq(back, k, "%#x -> '%s' -> %#x", k, buf, back);
            }
        }
    }
    /* a few beyond the BMP */
    kb_key far[] = {0x1f600, 0x10fffd, KB_KEY_META | 0x1f600};
    for (size_t i = 0; i < sizeof far / sizeof far[0]; i++) {
        char buf[KB_KEY_STRLEN];
        cr_assert_eq(key(kb_key_format(far[i], buf)), far[i]);
    }
    cr_assert_gt(valid, 10000);
}

Test(keys, bad_names)
{
    const char *bad[] = {
        "",      "jj",        "<>",      "<x>",      "<Enter",       "Enter>",
        "<Foo>", "<F0>",      "<F13>",   "<F01>",    "<C-1>",        "<C-é>",
        "<S-x>", "<S-Space>", "<C-C-x>", "<M-A-x>",  "<C->",         "<C-Tabx>",
        "\x01",  "\x7f",      "\xc3",    "\xc0\xaf", "\xed\xa0\x80", "<M-\xff>",
        "<-x>",  "<X-y>",     "<<C-x>>", "< >",      "\xc2\x85",     "<C-#>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kb_key k = 12345;
        kb_err e;
        kb_err_clear(&e);
        cr_assert_eq(kb_key_parse(bad[i], &k, &e), KB_EDATA, "accepted '%s'", bad[i]);
        cr_assert_eq(k, 12345, "changed output for '%s'", bad[i]);
        cr_assert_str_neq(e.msg, "", "no message for '%s'", bad[i]);
    }
    kb_key k;
    cr_assert_eq(kb_key_parse(NULL, &k, NULL), KB_EDATA);
    char buf[KB_KEY_STRLEN];
    cr_assert_str_eq(kb_key_format(0x7f, buf), "<?>");
    cr_assert_str_eq(kb_key_format(KB_KEY_SHIFT | 'a', buf), "<?>");
    cr_assert_str_eq(kb_key_format(KB_KEY_CTRL | 'i', buf), "<?>");
    cr_assert_str_eq(kb_key_format(1u << 30 | 'a', buf), "<?>");
}

Test(keys, from_codepoint)
{
    cr_assert_eq(kb_key_from_codepoint('a'), 'a');
    cr_assert_eq(kb_key_from_codepoint(0x01), KB_KEY_CTRL | 'a');
    cr_assert_eq(kb_key_from_codepoint(0x1a), KB_KEY_CTRL | 'z');
    cr_assert_eq(kb_key_from_codepoint(0x08), KB_KEY_CTRL | 'h');
    cr_assert_eq(kb_key_from_codepoint(0x0a), KB_KEY_CTRL | 'j');
    cr_assert_eq(kb_key_from_codepoint(0x09), KB_KEY_TAB);
    cr_assert_eq(kb_key_from_codepoint(0x0d), KB_KEY_ENTER);
    cr_assert_eq(kb_key_from_codepoint(0x1b), KB_KEY_ESC);
    cr_assert_eq(kb_key_from_codepoint(0x7f), KB_KEY_BACKSPACE);
    cr_assert_eq(kb_key_from_codepoint(0x00), KB_KEY_CTRL | ' ');
    cr_assert_eq(kb_key_from_codepoint(0x1f), KB_KEY_CTRL | '_');
    cr_assert_eq(kb_key_from_codepoint(0xe9), 0xe9);
    cr_assert_eq(kb_key_from_codepoint(0x85), KB_KEY_NONE);
    cr_assert_eq(kb_key_from_codepoint(0xd800), KB_KEY_NONE);
    cr_assert_eq(kb_key_from_codepoint(0x110000), KB_KEY_NONE);
    for (uint32_t cp = 0; cp < 0x100; cp++) {
        kb_key k = kb_key_from_codepoint(cp);
        cr_assert(k == KB_KEY_NONE || kb_key_valid(k), "%#x", cp);
    }
}

Test(keys, sequences)
{
    kb_key_seq s;
    kb_err e;
    cr_assert_eq(kb_key_seq_parse("g g", &s, &e), KB_OK);
    cr_assert_eq(s.len, 2);
    cr_assert_eq(s.keys[0], 'g');
    cr_assert_eq(kb_key_seq_parse("  <C-x>\t<c-C> ", &s, &e), KB_OK);
    char buf[KB_KEY_SEQ_STRLEN];
    cr_assert_str_eq(kb_key_seq_format(&s, buf), "<C-x> <C-c>");
    cr_assert_eq(kb_key_seq_parse("a b c d", &s, &e), KB_OK);
    cr_assert_eq(s.len, 4);
    cr_assert_eq(kb_key_seq_parse("a b c d e", &s, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "4"), "%s", e.msg);
    cr_assert_eq(kb_key_seq_parse("", &s, &e), KB_EDATA);
    cr_assert_eq(kb_key_seq_parse("   ", &s, &e), KB_EDATA);
    cr_assert_eq(kb_key_seq_parse("g <Nope>", &s, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "<Nope>"), "%s", e.msg);
    /* the longest possible text fits */
    cr_assert_eq(kb_key_seq_parse("<C-M-S-PageDown> <C-M-S-PageDown> <C-M-S-Backspace> "
                                  "<C-M-S-PageDown>",
                                  &s, &e),
                 KB_OK);
    kb_key_seq_format(&s, buf);
    cr_assert_lt(strlen(buf), sizeof buf);
}

/* ---------------------------------------------------------------- file format */

Test(format, directives_comments_and_whitespace)
{
    kb_keymap *km = load("# full-line comment\n"
                         "\n"
                         "   \t  \n"
                         "bind board j cursor-down\n"
                         "bind\tboard\t<Down>\tcursor-down   # trailing comment\n"
                         "  bind global \"g g\" first\n"
                         "bind board \"x\" case-new\n"
                         "bind case e case-edit\r\n"
                         "bind board <Hash> help #\n"
                         "bind board \"<Quote> #\" quit\n"
                         "unbind board <Down>\n"
                         "bind board z case-move-next-stage"); /* no final newline */
    dump_diags(km);
    cr_assert_eq(ndiags(km), 0);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "j"), KB_ACTION_CURSOR_DOWN);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "<Down>"), KB_ACTION_NONE);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "g g"), KB_ACTION_FIRST);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "x"), KB_ACTION_CASE_NEW);
    cr_assert_eq(act(km, KB_CONTEXT_CASE, "e"), KB_ACTION_CASE_EDIT);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "#"), KB_ACTION_HELP);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "<Quote> <Hash>"), KB_ACTION_QUIT);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "z"), KB_ACTION_CASE_MOVE_NEXT);
    kb_keymap_free(&km);
    cr_assert_null(km);
    kb_keymap_free(&km);
}

Test(format, hash_inside_a_word_is_not_a_comment)
{
    kb_keymap *km = load("bind board j cursor-down#x\n");
    cr_assert_eq(ndiags(km), 1);
    cr_assert(strstr(diag(km, 0)->message, "cursor-down#x"), "%s", diag(km, 0)->text);
    kb_keymap_free(&km);
}

/* Each error form, with its line number; the bad line is skipped and the
 * following good line still applies. */
Test(format, every_error_with_its_line)
{
    struct {
        const char *line;
        const char *expect; /* a fragment of the message */
    } cases[] = {
        {"bnd board j cursor-down", "unknown directive 'bnd'"},
        {"Bind board j cursor-down", "unknown directive"},
        {"bind board j", "bind takes 3 arguments"},
        {"bind board j cursor-down extra", "(found 4)"},
        {"bind", "(found 0)"},
        {"unbind board", "unbind takes 2 arguments"},
        {"unbind board j k", "(found 3)"},
        {"bind bord j cursor-down", "unknown context 'bord'"},
        {"unbind Board j", "unknown context"},
        {"bind board <Entr> case-open", "bad key name '<Entr>'"},
        {"bind board jj cursor-down", "bad key name 'jj'"},
        {"bind board <C-1> cursor-down", "Ctrl"},
        {"bind board <S-j> cursor-down", "Shift"},
        {"unbind board <nope>", "bad key name"},
        {"bind board j cursor-dwn", "unknown action 'cursor-dwn'"},
        {"bind board \"a b c d e\" quit", "at most 4 keys"},
        {"bind board \"\" quit", "empty key sequence"},
        {"bind board \"g g quit", "unterminated quote"},
        {"bind board \"g g\"x quit", "after a closing quote"},
        {"bind board \" quit", "<Quote>"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = kb_asprintf("# header\n\n%s\nbind board y quit\n", cases[i].line);
        kb_keymap *km = kb_keymap_new();
        cr_assert_eq(kb_keymap_load_string(km, "my.keymap", text, strlen(text)), KB_EDATA,
                     "accepted: %s", cases[i].line);
        cr_assert_eq(ndiags(km), 1, "%s", cases[i].line);
        const kb_keymap_diag *d = diag(km, 0);
        cr_assert_eq(d->line, 3, "%s", d->text);
        cr_assert_str_eq(d->file, "my.keymap");
        cr_assert(strncmp(d->text, "my.keymap:3: ", 13) == 0, "%s", d->text);
        cr_assert(strstr(d->message, cases[i].expect), "'%s' gave '%s', want '%s'", cases[i].line,
                  d->message, cases[i].expect);
        cr_assert_str_eq(d->text + 13, d->message);
        cr_assert_eq(act(km, KB_CONTEXT_BOARD, "y"), KB_ACTION_QUIT, "later line applied");
        cr_assert_eq(act(km, KB_CONTEXT_BOARD, "j"), KB_ACTION_NONE, "bad line skipped");
        kb_keymap_free(&km);
        kb_free(&text);
    }
}

Test(format, nul_byte_in_a_line)
{
    const char text[] = "bind board j cursor-down\nbind board k\0 cursor-up\nbind board l quit\n";
    kb_keymap *km = kb_keymap_new();
    cr_assert_eq(kb_keymap_load_string(km, "t", text, sizeof text - 1), KB_EDATA);
    cr_assert_eq(ndiags(km), 1);
    cr_assert_eq(diag(km, 0)->line, 2);
    cr_assert(strstr(diag(km, 0)->message, "NUL"));
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "l"), KB_ACTION_QUIT);
    kb_keymap_free(&km);
}

Test(format, bound_twice_in_one_file)
{
    kb_keymap *km = load("bind board j cursor-down\n"
                         "bind board k cursor-up\n"
                         "bind board j cursor-up\n"
                         "bind global j cursor-up\n" /* other context: fine */
                         "bind board <C-I> quit\n"   /* same key as <Tab> below */
                         "bind board <Tab> help\n");
    cr_assert_eq(ndiags(km), 2);
    cr_assert_eq(diag(km, 0)->line, 3);
    cr_assert(strstr(diag(km, 0)->message, "'j' is already bound in context board on line 1"), "%s",
              diag(km, 0)->message);
    cr_assert_eq(diag(km, 1)->line, 6);
    cr_assert(strstr(diag(km, 1)->message, "'<Tab>' is already bound"), "%s", diag(km, 1)->message);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "j"), KB_ACTION_CURSOR_DOWN, "first one stays");
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "<Tab>"), KB_ACTION_QUIT);
    kb_keymap_free(&km);
}

Test(format, prefix_conflicts_in_one_file)
{
    kb_keymap *km = load("bind global \"g g\" first\n"
                         "bind global g help\n"
                         "bind global \"g g x\" last\n"
                         "bind global \"g h\" last\n");
    cr_assert_eq(ndiags(km), 2);
    cr_assert_eq(diag(km, 0)->line, 2);
    cr_assert(strstr(diag(km, 0)->message, "'g' is a prefix of 'g g', bound in context global "
                                           "on line 1"),
              "%s", diag(km, 0)->message);
    cr_assert_eq(diag(km, 1)->line, 3);
    cr_assert(strstr(diag(km, 1)->message, "'g g x' starts with 'g g'"), "%s",
              diag(km, 1)->message);
    cr_assert_eq(act(km, KB_CONTEXT_GLOBAL, "g g"), KB_ACTION_FIRST);
    cr_assert_eq(act(km, KB_CONTEXT_GLOBAL, "g h"), KB_ACTION_LAST);
    kb_keymap_free(&km);
}

Test(format, too_many_errors)
{
    kb_buf b = KB_BUF_INIT;
    for (int i = 0; i < 200; i++)
        kb_buf_puts(&b, "oops\n");
    kb_keymap *km = kb_keymap_new();
    cr_assert_eq(kb_keymap_load_string(km, "t", b.data, b.len), KB_EDATA);
    cr_assert_eq(ndiags(km), 51);
    cr_assert_eq(diag(km, 50)->line, 51);
    cr_assert(strstr(diag(km, 50)->message, "too many errors"));
    kb_keymap_free(&km);
    kb_buf_free(&b);
}

/* ---------------------------------------------------------------- lookup */

Test(lookup, fallback_to_global)
{
    kb_keymap *km = load("bind global j cursor-down\n"
                         "bind global <Down> cursor-down\n"
                         "bind global <C-l> refresh\n"
                         "bind board j lane-next\n"
                         "bind form <Down> field-next\n");
    for (int c = 0; c < KB_CONTEXT_COUNT; c++)
        cr_assert_eq(act(km, (kb_context)c, "<C-l>"), KB_ACTION_REFRESH, "context %d", c);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "j"), KB_ACTION_LANE_NEXT, "context wins");
    cr_assert_eq(act(km, KB_CONTEXT_CASE, "j"), KB_ACTION_CURSOR_DOWN, "falls back");
    cr_assert_eq(act(km, KB_CONTEXT_HELP, "j"), KB_ACTION_CURSOR_DOWN);
    cr_assert_eq(act(km, KB_CONTEXT_FORM, "<Down>"), KB_ACTION_FIELD_NEXT);
    cr_assert_eq(act(km, KB_CONTEXT_PROMPT, "<Down>"), KB_ACTION_CURSOR_DOWN);
    /* text entry: a plain character is text, not a global command */
    kb_action a;
    cr_assert_eq(feed(km, KB_CONTEXT_FORM, "j", &a), KB_KEYMAP_NONE);
    cr_assert_eq(feed(km, KB_CONTEXT_PROMPT, "j", &a), KB_KEYMAP_NONE);
    kb_keymap_free(&km);
}

Test(lookup, text_entry_context_may_bind_characters)
{
    kb_keymap *km = load("bind form x submit\nbind global <M-x> command\n");
    cr_assert_eq(act(km, KB_CONTEXT_FORM, "x"), KB_ACTION_SUBMIT);
    cr_assert_eq(act(km, KB_CONTEXT_FORM, "<M-x>"), KB_ACTION_COMMAND, "Meta falls back");
    kb_keymap_free(&km);
}

Test(lookup, sequences_and_prefixes)
{
    kb_keymap *km = load("bind global \"g g\" first\n"
                         "bind global \"g e\" last\n"
                         "bind global G last\n"
                         "bind global \"<C-x> <C-c>\" quit\n"
                         "bind global \"a b c d\" help\n");
    kb_keymap_state st = KB_KEYMAP_STATE_INIT;
    kb_action a = KB_ACTION_NONE;
    char buf[KB_KEY_SEQ_STRLEN];
    cr_assert_eq(kb_keymap_feed(km, KB_CONTEXT_BOARD, 'g', &st, &a), KB_KEYMAP_PENDING);
    cr_assert_str_eq(kb_keymap_state_format(&st, buf), "g");
    cr_assert_eq(kb_keymap_feed(km, KB_CONTEXT_BOARD, 'g', &st, &a), KB_KEYMAP_ACTION);
    cr_assert_eq(a, KB_ACTION_FIRST);
    cr_assert_eq(st.len, 0);
    cr_assert_str_eq(kb_keymap_state_format(&st, buf), "");
    /* a key that continues nothing drops the pending keys */
    cr_assert_eq(kb_keymap_feed(km, KB_CONTEXT_BOARD, 'g', &st, &a), KB_KEYMAP_PENDING);
    cr_assert_eq(kb_keymap_feed(km, KB_CONTEXT_BOARD, 'G', &st, &a), KB_KEYMAP_ABORTED);
    cr_assert_eq(st.len, 0);
    cr_assert_eq(kb_keymap_feed(km, KB_CONTEXT_BOARD, 'G', &st, &a), KB_KEYMAP_ACTION);
    cr_assert_eq(a, KB_ACTION_LAST);
    cr_assert_eq(kb_keymap_feed(km, KB_CONTEXT_BOARD, 'z', &st, &a), KB_KEYMAP_NONE);
    /* an invalid key while pending aborts; when idle it is just unbound */
    cr_assert_eq(kb_keymap_feed(km, KB_CONTEXT_BOARD, 'g', &st, &a), KB_KEYMAP_PENDING);
    cr_assert_eq(kb_keymap_feed(km, KB_CONTEXT_BOARD, 0x7f, &st, &a), KB_KEYMAP_ABORTED);
    cr_assert_eq(kb_keymap_feed(km, KB_CONTEXT_BOARD, 0x7f, &st, &a), KB_KEYMAP_NONE);
    /* four keys; reset */
    cr_assert_eq(act(km, KB_CONTEXT_CASE, "a b c d"), KB_ACTION_HELP);
    cr_assert_eq(feed(km, KB_CONTEXT_CASE, "a b c", &a), KB_KEYMAP_PENDING);
    cr_assert_eq(act(km, KB_CONTEXT_CASE, "<C-x> <C-c>"), KB_ACTION_QUIT);
    cr_assert_eq(kb_keymap_feed(km, KB_CONTEXT_BOARD, KB_KEY_CTRL | 'x', &st, &a),
                 KB_KEYMAP_PENDING);
    kb_keymap_state_reset(&st);
    cr_assert_eq(st.len, 0);
    cr_assert_eq(kb_keymap_feed(km, KB_CONTEXT_BOARD, 'u', &st, &a), KB_KEYMAP_NONE);
    /* a bad context is unbound */
    cr_assert_eq(kb_keymap_feed(km, KB_CONTEXT_COUNT, 'G', &st, &a), KB_KEYMAP_NONE);
    kb_keymap_free(&km);
}

Test(lookup, context_prefix_shadows_global)
{
    kb_keymap *km = load("bind global g help\n"
                         "bind global \"z z\" quit\n"
                         "bind board \"g x\" first\n"
                         "bind board z last\n");
    kb_action a;
    cr_assert_eq(feed(km, KB_CONTEXT_BOARD, "g", &a), KB_KEYMAP_PENDING);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "g x"), KB_ACTION_FIRST);
    cr_assert_eq(act(km, KB_CONTEXT_CASE, "g"), KB_ACTION_HELP);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "z"), KB_ACTION_LAST);
    cr_assert_eq(act(km, KB_CONTEXT_CASE, "z z"), KB_ACTION_QUIT);
    kb_keymap_free(&km);
}

Test(lookup, unbind)
{
    kb_keymap *km = kb_keymap_new();
    const char *a = "bind global q back\n"
                    "bind global j cursor-down\n"
                    "bind board \"g g\" first\n"
                    "bind board \"g e\" last\n"
                    "bind board k cursor-up\n";
    const char *b = "unbind board q\n"  /* hides global q on the board */
                    "unbind global j\n" /* removes */
                    "unbind board g\n"  /* removes g g and g e */
                    "unbind board k\n"
                    "bind board k help\n" /* unbind then bind in one file: fine */
                    "unbind case <F9>\n"; /* nothing bound: no error */
    cr_assert_eq(kb_keymap_load_string(km, "a", a, strlen(a)), KB_OK);
    cr_assert_eq(kb_keymap_load_string(km, "b", b, strlen(b)), KB_OK);
    dump_diags(km);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "q"), KB_ACTION_NONE);
    cr_assert_eq(act(km, KB_CONTEXT_CASE, "q"), KB_ACTION_BACK);
    cr_assert_eq(act(km, KB_CONTEXT_CASE, "j"), KB_ACTION_NONE);
    kb_action x;
    cr_assert_eq(feed(km, KB_CONTEXT_BOARD, "g", &x), KB_KEYMAP_NONE);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "k"), KB_ACTION_HELP);
    /* binding again after an unbind in a later file */
    const char *c = "bind board q quit\nbind board \"g g\" first\n";
    cr_assert_eq(kb_keymap_load_string(km, "c", c, strlen(c)), KB_OK);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "q"), KB_ACTION_QUIT);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "g g"), KB_ACTION_FIRST);
    cr_assert_str_eq(kb_keymap_source(km, 0), "a");
    cr_assert_str_eq(kb_keymap_source(km, 2), "c");
    cr_assert_null(kb_keymap_source(km, 3));
    kb_keymap_free(&km);
}

Test(lookup, override_across_files)
{
    kb_keymap *km = kb_keymap_new();
    const char *base = "bind board j cursor-down\n"
                       "bind global \"g g\" first\n"
                       "bind global \"g e\" last\n"
                       "bind global x help\n";
    const char *over = "bind board j lane-next\n"    /* replaces: not an error */
                       "bind global g refresh\n"     /* replaces g g and g e */
                       "bind global \"x y\" quit\n"; /* replaces x */
    cr_assert_eq(kb_keymap_load_string(km, "base", base, strlen(base)), KB_OK);
    cr_assert_eq(kb_keymap_load_string(km, "over", over, strlen(over)), KB_OK);
    cr_assert_eq(ndiags(km), 0);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "j"), KB_ACTION_LANE_NEXT);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "g"), KB_ACTION_REFRESH);
    kb_action a;
    cr_assert_eq(feed(km, KB_CONTEXT_BOARD, "x", &a), KB_KEYMAP_PENDING);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "x y"), KB_ACTION_QUIT);
    /* the same line twice in two files is fine, twice in one is not */
    const char *dup = "bind board j quit\nbind board j quit\n";
    cr_assert_eq(kb_keymap_load_string(km, "dup", dup, strlen(dup)), KB_EDATA);
    cr_assert_eq(ndiags(km), 1);
    cr_assert_str_eq(diag(km, 0)->file, "dup");
    cr_assert_eq(diag(km, 0)->line, 2);
    kb_keymap_free(&km);
}

Test(lookup, key_for)
{
    kb_keymap *km = load("bind global ? help\nbind global <F1> help\nbind case h help\n"
                         "bind board ? quit\n");
    char buf[KB_KEY_SEQ_STRLEN];
    cr_assert_eq(kb_keymap_key_for(km, KB_CONTEXT_GLOBAL, KB_ACTION_HELP, buf), KB_OK);
    cr_assert_str_eq(buf, "?");
    cr_assert_eq(kb_keymap_key_for(km, KB_CONTEXT_CASE, KB_ACTION_HELP, buf), KB_OK);
    cr_assert_str_eq(buf, "h", "the context's own key first");
    cr_assert_eq(kb_keymap_key_for(km, KB_CONTEXT_BOARD, KB_ACTION_HELP, buf), KB_OK);
    cr_assert_str_eq(buf, "<F1>", "? is shadowed on the board");
    cr_assert_eq(kb_keymap_key_for(km, KB_CONTEXT_FORM, KB_ACTION_HELP, buf), KB_OK);
    cr_assert_str_eq(buf, "<F1>", "? is text in a form");
    cr_assert_eq(kb_keymap_key_for(km, KB_CONTEXT_BOARD, KB_ACTION_UNDO, buf), KB_ENOENT);
    cr_assert_str_eq(buf, "");
    kb_keymap_free(&km);
}

/* ---------------------------------------------------------------- help data */

static const kb_keymap_help_entry *find_help(const kb_keymap_help_entry *v, size_t n, kb_action a,
                                             kb_context src)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].action == a && v[i].context == src)
            return &v[i];
    return NULL;
}

Test(help, entries_follow_the_bindings)
{
    kb_keymap *km = load("bind global j cursor-down\n"
                         "bind global <Down> cursor-down\n"
                         "bind global ? help\n"
                         "bind global <F1> help\n"
                         "bind global \"g g\" first\n"
                         "bind board n case-new\n"
                         "bind board <Enter> case-open\n"
                         "bind board \"c c\" case-comment\n"
                         "bind board ? filter\n" /* shadows global ? on the board */
                         "bind form <Tab> field-next\n");
    kb_keymap_help_entry *v = NULL;
    size_t n = 0;
    cr_assert_eq(kb_keymap_help(km, KB_CONTEXT_BOARD, &v, &n), KB_OK);
    const kb_keymap_help_entry *h = find_help(v, n, KB_ACTION_CASE_NEW, KB_CONTEXT_BOARD);
    cr_assert_not_null(h);
    cr_assert_str_eq(h->keys, "n");
    cr_assert_str_eq(h->name, "case-new");
    cr_assert_str_eq(h->help, kb_action_help(KB_ACTION_CASE_NEW));
    cr_assert_str_eq(find_help(v, n, KB_ACTION_CASE_COMMENT, KB_CONTEXT_BOARD)->keys, "c c");
    cr_assert_str_eq(find_help(v, n, KB_ACTION_CURSOR_DOWN, KB_CONTEXT_GLOBAL)->keys, "j, <Down>");
    cr_assert_str_eq(find_help(v, n, KB_ACTION_HELP, KB_CONTEXT_GLOBAL)->keys, "<F1>");
    cr_assert_str_eq(find_help(v, n, KB_ACTION_FILTER, KB_CONTEXT_BOARD)->keys, "?");
    /* unbound actions of the board are listed with no keys */
    cr_assert_str_eq(find_help(v, n, KB_ACTION_LANE_TOGGLE, KB_CONTEXT_BOARD)->keys, "");
    /* form actions are not active on the board */
    cr_assert_null(find_help(v, n, KB_ACTION_FIELD_NEXT, KB_CONTEXT_BOARD));
    cr_assert_null(find_help(v, n, KB_ACTION_FIELD_NEXT, KB_CONTEXT_GLOBAL));
    /* own entries first, then global's */
    bool seen_global = false;
    for (size_t i = 0; i < n; i++) {
        if (v[i].context == KB_CONTEXT_GLOBAL)
            seen_global = true;
        else
            cr_assert_not(seen_global, "board entry after a global one");
    }
    kb_keymap_help_free(&v, n);
    cr_assert_null(v);

    /* in a form, global's printable keys are text */
    cr_assert_eq(kb_keymap_help(km, KB_CONTEXT_FORM, &v, &n), KB_OK);
    cr_assert_str_eq(find_help(v, n, KB_ACTION_CURSOR_DOWN, KB_CONTEXT_GLOBAL)->keys, "<Down>");
    cr_assert_str_eq(find_help(v, n, KB_ACTION_FIELD_NEXT, KB_CONTEXT_FORM)->keys, "<Tab>");
    cr_assert_null(find_help(v, n, KB_ACTION_FIRST, KB_CONTEXT_GLOBAL));
    kb_keymap_help_free(&v, n);

    cr_assert_eq(kb_keymap_help(km, KB_CONTEXT_GLOBAL, &v, &n), KB_OK);
    cr_assert_str_eq(find_help(v, n, KB_ACTION_FIRST, KB_CONTEXT_GLOBAL)->keys, "g g");
    cr_assert_str_eq(find_help(v, n, KB_ACTION_QUIT, KB_CONTEXT_GLOBAL)->keys, "");
    cr_assert_null(find_help(v, n, KB_ACTION_CASE_NEW, KB_CONTEXT_GLOBAL));
    kb_keymap_help_free(&v, n);
    kb_keymap_free(&km);
}

/* ---------------------------------------------------------------- shipped keymaps */

static void assert_every_action_bound(const kb_keymap *km, const char *what)
{
    for (int a = KB_ACTION_NONE + 1; a < KB_ACTION_COUNT; a++) {
        char buf[KB_KEY_SEQ_STRLEN];
        kb_context home = kb_action_context((kb_action)a);
        cr_assert_eq(kb_keymap_key_for(km, home, (kb_action)a, buf), KB_OK,
                     "%s: %s is not reachable in context %s", what, kb_action_name((kb_action)a),
                     kb_keymap_context_name(home));
        /* and the key really triggers it */
        cr_assert_eq(act(km, home, buf), (kb_action)a, "%s: %s", what, buf);
    }
}

Test(shipped, builtin_default_loads_and_binds_every_action)
{
    kb_keymap *km = shipped(NULL);
    cr_assert_eq(ndiags(km), 0);
    assert_every_action_bound(km, "default");
    cr_assert_str_eq(kb_keymap_source(km, 0), "<built-in default>");
    /* spot checks of the issue's list */
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "j"), KB_ACTION_CURSOR_DOWN);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "<Down>"), KB_ACTION_CURSOR_DOWN);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "H"), KB_ACTION_CASE_MOVE_PREV);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "L"), KB_ACTION_CASE_MOVE_NEXT);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "<Enter>"), KB_ACTION_CASE_OPEN);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "n"), KB_ACTION_CASE_NEW);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "e"), KB_ACTION_CASE_EDIT);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "c"), KB_ACTION_CASE_COMMENT);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "/"), KB_ACTION_FILTER);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, ":"), KB_ACTION_COMMAND);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "?"), KB_ACTION_HELP);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "u"), KB_ACTION_UNDO);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "q"), KB_ACTION_BACK);
    cr_assert_eq(act(km, KB_CONTEXT_CASE, "<C-l>"), KB_ACTION_REFRESH);
    cr_assert_eq(act(km, KB_CONTEXT_FORM, "<Tab>"), KB_ACTION_FIELD_NEXT);
    cr_assert_eq(act(km, KB_CONTEXT_FORM, "<Esc>"), KB_ACTION_CANCEL);
    cr_assert_eq(act(km, KB_CONTEXT_PROMPT, "<Enter>"), KB_ACTION_SUBMIT);
    kb_action a;
    cr_assert_eq(feed(km, KB_CONTEXT_FORM, "q", &a), KB_KEYMAP_NONE, "q is text in a form");
    kb_keymap_free(&km);
}

Test(shipped, builtin_equals_keymaps_default)
{
    kb_keymap *built = shipped(NULL);
    kb_keymap *file = kb_keymap_new();
    kb_err e;
    char *path = kb_asprintf("%s/default", KB_TEST_KEYMAP_DIR);
    cr_assert_eq(kb_keymap_load_file(file, path, &e), KB_OK, "%s", e.msg);
    for (int c = 0; c < KB_CONTEXT_COUNT; c++) {
        kb_keymap_help_entry *v1, *v2;
        size_t n1, n2;
        cr_assert_eq(kb_keymap_help(built, (kb_context)c, &v1, &n1), KB_OK);
        cr_assert_eq(kb_keymap_help(file, (kb_context)c, &v2, &n2), KB_OK);
        cr_assert_eq(n1, n2);
        for (size_t i = 0; i < n1; i++) {
            cr_assert_eq(v1[i].action, v2[i].action);
            cr_assert_str_eq(v1[i].keys, v2[i].keys);
        }
        kb_keymap_help_free(&v1, n1);
        kb_keymap_help_free(&v2, n2);
    }
    kb_free(&path);
    kb_keymap_free(&built);
    kb_keymap_free(&file);
}

Test(shipped, vim_overlay)
{
    kb_keymap *km = shipped("vim");
    cr_assert_eq(ndiags(km), 0);
    assert_every_action_bound(km, "default+vim");
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "g g"), KB_ACTION_FIRST);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "G"), KB_ACTION_LAST);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "<C-f>"), KB_ACTION_PAGE_DOWN);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "<C-b>"), KB_ACTION_PAGE_UP);
    cr_assert_eq(act(km, KB_CONTEXT_CASE, "<C-d>"), KB_ACTION_PAGE_DOWN);
    cr_assert_eq(act(km, KB_CONTEXT_CASE, "<C-u>"), KB_ACTION_PAGE_UP);
    cr_assert_eq(act(km, KB_CONTEXT_FORM, "<C-u>"), KB_ACTION_KILL_TO_START, "form keeps its own");
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "j"), KB_ACTION_CURSOR_DOWN, "default still there");
    kb_keymap_free(&km);
}

Test(shipped, emacs_overlay)
{
    kb_keymap *km = shipped("emacs");
    cr_assert_eq(ndiags(km), 0);
    assert_every_action_bound(km, "default+emacs");
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "<C-n>"), KB_ACTION_CURSOR_DOWN);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "<C-p>"), KB_ACTION_CURSOR_UP);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "<C-f>"), KB_ACTION_CURSOR_RIGHT);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "<C-b>"), KB_ACTION_CURSOR_LEFT);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "<C-v>"), KB_ACTION_PAGE_DOWN);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "<M-v>"), KB_ACTION_PAGE_UP);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "<M-<>"), KB_ACTION_FIRST);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "<M->>"), KB_ACTION_LAST);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "<C-s>"), KB_ACTION_FILTER);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "<M-x>"), KB_ACTION_COMMAND);
    cr_assert_eq(act(km, KB_CONTEXT_FORM, "<C-g>"), KB_ACTION_CANCEL);
    cr_assert_eq(act(km, KB_CONTEXT_PROMPT, "<C-g>"), KB_ACTION_CANCEL);
    cr_assert_eq(act(km, KB_CONTEXT_FORM, "<C-x> u"), KB_ACTION_UNDO);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "<C-x> <C-c>"), KB_ACTION_QUIT);
    kb_keymap_free(&km);
}

Test(shipped, load_named)
{
    setenv("KERNBOARD_KEYMAP_DIR", KB_TEST_KEYMAP_DIR, 1);
    kb_keymap *km = kb_keymap_new();
    kb_err e;
    kb_err_clear(&e);
    cr_assert_eq(kb_keymap_load_named(km, "vim", &e), KB_OK, "%s", e.msg);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "G"), KB_ACTION_LAST);
    cr_assert_eq(kb_keymap_load_named(km, "nonesuch", &e), KB_ENOENT);
    cr_assert(strstr(e.msg, "nonesuch"), "%s", e.msg);
    cr_assert_eq(kb_keymap_load_named(km, "../vim", &e), KB_EUSAGE);
    cr_assert_eq(kb_keymap_load_named(km, "", &e), KB_EUSAGE);
    cr_assert_eq(kb_keymap_load_file(km, "/nonexistent/keymap", &e), KB_ENOENT);
    cr_assert_eq(ndiags(km), 0, "read errors are returned, not collected");
    /* without the variable the source tree is the fallback */
    unsetenv("KERNBOARD_KEYMAP_DIR");
    cr_assert_eq(kb_keymap_load_named(km, "emacs", &e), KB_OK, "%s", e.msg);
    kb_keymap_free(&km);
}

/* ---------------------------------------------------------------- the standard chain */

Test(chain, builtin_then_config_then_user)
{
    char *dir = make_tmpdir();
    setenv("XDG_CONFIG_HOME", dir, 1);
    setenv("KERNBOARD_KEYMAP_DIR", KB_TEST_KEYMAP_DIR, 1);
    char *kdir = kb_asprintf("%s/kernboard", dir);
    cr_assert_eq(mkdir(kdir, 0700), 0);
    char *cfg = kb_asprintf("%s/config", kdir);
    char *user = kb_asprintf("%s/keymap", kdir);

    /* nothing configured: just the built-in default */
    kb_keymap *km = kb_keymap_new();
    cr_assert_eq(kb_keymap_load_all(km), KB_OK);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "j"), KB_ACTION_CURSOR_DOWN);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "G"), KB_ACTION_NONE);
    cr_assert_null(kb_keymap_source(km, 1));
    kb_keymap_free(&km);

    write_file(cfg, "# my settings\n\nkeymap = vim   # the vim one\n");
    write_file(user, "bind board G quit\nbind board j cursor-up\n");
    km = kb_keymap_new();
    cr_assert_eq(kb_keymap_load_all(km), KB_OK);
    dump_diags(km);
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "g g"), KB_ACTION_FIRST, "vim loaded");
    cr_assert_eq(act(km, KB_CONTEXT_CASE, "G"), KB_ACTION_LAST, "vim's G elsewhere");
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "G"), KB_ACTION_QUIT, "user wins on the board");
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "j"), KB_ACTION_CURSOR_UP);
    cr_assert_str_eq(kb_keymap_source(km, 2), user);
    kb_keymap_free(&km);

    /* keymap = default adds nothing; quotes are allowed */
    write_file(cfg, "keymap=\"default\"\n");
    km = kb_keymap_new();
    cr_assert_eq(kb_keymap_load_all(km), KB_OK);
    cr_assert_eq(act(km, KB_CONTEXT_CASE, "G"), KB_ACTION_NONE);
    kb_keymap_free(&km);

    /* problems in the config and the user keymap are diagnostics with file:line */
    write_file(cfg, "colour = yes\nkeymap\nkeymap = vmi\nkeymap = emacs\n");
    write_file(user, "bind board j cursor-up\nbind board X nope\n");
    km = kb_keymap_new();
    cr_assert_eq(kb_keymap_load_all(km), KB_EDATA);
    cr_assert_eq(ndiags(km), 5);
    char *want = kb_asprintf("%s:1: ", cfg);
    cr_assert(strncmp(diag(km, 0)->text, want, strlen(want)) == 0, "%s", diag(km, 0)->text);
    cr_assert(strstr(diag(km, 0)->message, "unknown setting 'colour'"));
    kb_free(&want);
    cr_assert_eq(diag(km, 1)->line, 2);
    cr_assert(strstr(diag(km, 1)->message, "name = value"));
    cr_assert_eq(diag(km, 2)->line, 4);
    cr_assert(strstr(diag(km, 2)->message, "set twice (first on line 3)"), "%s",
              diag(km, 2)->message);
    cr_assert_eq(diag(km, 3)->line, 3);
    cr_assert(strstr(diag(km, 3)->message, "'vmi' not found"), "%s", diag(km, 3)->message);
    cr_assert_str_eq(diag(km, 4)->file, user);
    cr_assert_eq(diag(km, 4)->line, 2);
    cr_assert(strstr(diag(km, 4)->message, "unknown action 'nope'"));
    cr_assert_eq(act(km, KB_CONTEXT_CASE, "<C-n>"), KB_ACTION_NONE, "emacs not loaded");
    cr_assert_eq(act(km, KB_CONTEXT_BOARD, "j"), KB_ACTION_CURSOR_UP, "the rest applies");
    kb_keymap_free(&km);

    /* a user keymap that is a directory cannot be read */
    remove(user);
    cr_assert_eq(mkdir(user, 0700), 0);
    remove(cfg);
    km = kb_keymap_new();
    cr_assert_eq(kb_keymap_load_all(km), KB_EDATA);
    cr_assert_eq(ndiags(km), 1);
    cr_assert_str_eq(diag(km, 0)->file, user);
    cr_assert_eq(diag(km, 0)->line, 0);
    kb_keymap_free(&km);

    rmdir(user);
    rmdir(kdir);
    rmdir(dir);
    kb_free(&cfg);
    kb_free(&user);
    kb_free(&kdir);
    kb_free(&dir);
}

/* ---------------------------------------------------------------- robustness */

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64*: deterministic across platforms */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

Test(fuzz, parser_never_crashes)
{
    size_t lens[3];
    char *texts[3] = {read_shipped("default", &lens[0]), read_shipped("vim", &lens[1]),
                      read_shipped("emacs", &lens[2])};
    static const char alphabet[] = "bind unbind global board case form prompt help \"<>#-CMS"
                                   "gjk? \t\n\r\x00\xc3\xa9\xff<Enter><C-x><M-<>";
    uint64_t seed = 0x6b65726e626f6172ULL; /* fixed: failures reproduce */
    char *buf = kb_malloc(8192);
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = 0;
        uint64_t r = rng_next(&seed);
        const char *src = texts[r % 3];
        size_t srclen = lens[r % 3];
        switch ((r >> 8) % 4) {
        case 0: /* a truncation of a shipped keymap */
            len = (size_t)(rng_next(&seed) % (srclen + 1));
            memcpy(buf, src, len);
            break;
        case 1: /* random bytes */
            len = (size_t)(rng_next(&seed) % 256);
            for (size_t i = 0; i < len; i++)
                buf[i] = (char)rng_next(&seed);
            break;
        case 2: /* random keymap-ish tokens */
            len = (size_t)(rng_next(&seed) % 512);
            for (size_t i = 0; i < len; i++)
                buf[i] = alphabet[rng_next(&seed) % (sizeof alphabet - 1)];
            break;
        default: /* a shipped keymap with a few bytes flipped, inserted or cut */
            len = srclen < 8192 ? srclen : 8192;
            memcpy(buf, src, len);
            for (int k = 0; k < 1 + (int)(rng_next(&seed) % 8); k++) {
                size_t at = (size_t)(rng_next(&seed) % (len + 1));
                uint64_t what = rng_next(&seed);
                if (what % 3 == 0 && at < len)
                    buf[at] = (char)(what >> 8);
                else if (what % 3 == 1 && len < 8192) {
                    memmove(buf + at + 1, buf + at, len - at);
                    buf[at] = alphabet[(what >> 8) % (sizeof alphabet - 1)];
                    len++;
                } else if (at < len) {
                    memmove(buf + at, buf + at + 1, len - at - 1);
                    len--;
                }
            }
            break;
        }
        kb_keymap *km = kb_keymap_new();
        int rc = kb_keymap_load_string(km, "fuzz", buf, len);
        cr_assert(rc == KB_OK || rc == KB_EDATA);
        size_t nd;
        const kb_keymap_diag *d = kb_keymap_diags(km, &nd);
        cr_assert_eq(rc == KB_OK, nd == 0);
        for (size_t i = 0; i < nd; i++)
            cr_assert(d[i].line >= 1 && strstr(d[i].text, d[i].message));
        /* lookups on whatever was loaded */
        if (iter % 16 == 0) {
            kb_keymap_state st = KB_KEYMAP_STATE_INIT;
            kb_action a;
            for (int k = 0; k < 32; k++) {
                kb_key key = (kb_key)rng_next(&seed) & 0x0711007f;
                kb_keymap_feed(km, (kb_context)(k % KB_CONTEXT_COUNT), key, &st, &a);
            }
            kb_keymap_help_entry *v;
            size_t n;
            cr_assert_eq(kb_keymap_help(km, (kb_context)(iter % KB_CONTEXT_COUNT), &v, &n), KB_OK);
            kb_keymap_help_free(&v, n);
        }
        kb_keymap_free(&km);
        /* and the key-name parser alone on the same bytes */
        char name[32];
        size_t nl = len < sizeof name - 1 ? len : sizeof name - 1;
        memcpy(name, buf, nl);
        name[nl] = '\0';
        kb_key k;
        if (kb_key_parse(name, &k, NULL) == KB_OK) {
            char out[KB_KEY_STRLEN];
            cr_assert_eq(kb_key_parse(kb_key_format(k, out), &k, NULL), KB_OK, "%s", out);
        }
    }
    kb_free(&buf);
    for (int i = 0; i < 3; i++)
        kb_free(&texts[i]);
}

Test(fuzz, config_file_never_crashes)
{
    char *dir = make_tmpdir();
    setenv("XDG_CONFIG_HOME", dir, 1);
    setenv("KERNBOARD_KEYMAP_DIR", KB_TEST_KEYMAP_DIR, 1);
    char *kdir = kb_asprintf("%s/kernboard", dir);
    cr_assert_eq(mkdir(kdir, 0700), 0);
    char *cfg = kb_asprintf("%s/config", kdir);
    static const char *const pieces[] = {"keymap",
                                         "=",
                                         " ",
                                         "vim",
                                         "emacs",
                                         "default",
                                         "\"",
                                         "#",
                                         "\n",
                                         "\r\n",
                                         "\t",
                                         "../x",
                                         "colour",
                                         "é",
                                         "\xff",
                                         "",
                                         "keymap = vim\n",
                                         "= =",
                                         "keymap=\n"};
    uint64_t seed = 42;
    for (int iter = 0; iter < 500; iter++) {
        kb_buf b = KB_BUF_INIT;
        size_t n = (size_t)(rng_next(&seed) % 24);
        for (size_t i = 0; i < n; i++)
            kb_buf_puts(&b, pieces[rng_next(&seed) % (sizeof pieces / sizeof pieces[0])]);
        FILE *f = fopen(cfg, "w");
        cr_assert_not_null(f);
        fwrite(b.data ? b.data : "", 1, b.len, f);
        fclose(f);
        kb_keymap *km = kb_keymap_new();
        int rc = kb_keymap_load_all(km);
        cr_assert(rc == KB_OK || rc == KB_EDATA);
        cr_assert_eq(act(km, KB_CONTEXT_BOARD, "n"), KB_ACTION_CASE_NEW, "built-in loaded");
        kb_keymap_free(&km);
        kb_buf_free(&b);
    }
    remove(cfg);
    rmdir(kdir);
    rmdir(dir);
    kb_free(&cfg);
    kb_free(&kdir);
    kb_free(&dir);
}
