/* tui_main.c - the only file that calls curses: terminal set-up, key input,
 * the diff-based blit of the cell grid, the main loop and kb_tui_main.
 *
 * Order of events: passphrase (before curses), open the board, load the
 * keymap, start curses; then loop: draw what the handlers asked for, wait
 * up to 250 ms for a key, handle it, do the periodic work.  The only
 * mutable global is the signal flag below (SIGINT/SIGTERM/SIGHUP ask the
 * loop to quit cleanly; SIGWINCH is turned into KEY_RESIZE by curses). */
#define NCURSES_WIDECHAR 1
#include "tui_internal.h"

#include "kernboard/cmd.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/tui.h"

#include <curses.h>
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#define KB_INPUT_TIMEOUT_MS 250
#define KB_ESC_DELAY_MS 25

static volatile sig_atomic_t kb_tui_signal;

static void kb_tui_on_signal(int sig)
{
    kb_tui_signal = sig;
}

typedef struct kb_term {
    SCREEN *scr;
    kb_grid *shown; /* what the terminal shows (NULL: unknown) */
    bool color;
    bool full;   /* repaint everything on the next blit */
    int cursor;  /* current curs_set state, -1 unknown */
    bool resize; /* a KEY_RESIZE arrived while reading a Meta key */
} kb_term;

enum { KB_IN_NONE, KB_IN_KEY, KB_IN_RESIZE };

/* ------------------------------------------------------------ colours */

static void kb_term_colors(kb_term *t)
{
    const char *nc = getenv("NO_COLOR");
    t->color = false;
    if ((nc && nc[0]) || !has_colors())
        return;
    if (start_color() == ERR)
        return;
    short bg = use_default_colors() == OK ? -1 : COLOR_BLACK;
    static const short fg[KB_GC_COUNT] = {
        [KB_GC_DEFAULT] = -1,
        [KB_GC_BAR] = COLOR_CYAN,
        [KB_GC_STAGE] = COLOR_CYAN,
        [KB_GC_LANE] = COLOR_MAGENTA,
        [KB_GC_WARN] = COLOR_YELLOW,
        [KB_GC_ERROR] = COLOR_RED,
        [KB_GC_OK] = COLOR_GREEN,
        [KB_GC_MUTED] = -1,
        [KB_GC_ACCENT] = COLOR_CYAN,
        /* departments' own colours; black and white would vanish on a
         * dark or a light background: the terminal's own foreground */
        [KB_GC_DEPT_BLACK] = -1,
        [KB_GC_DEPT_RED] = COLOR_RED,
        [KB_GC_DEPT_GREEN] = COLOR_GREEN,
        [KB_GC_DEPT_YELLOW] = COLOR_YELLOW,
        [KB_GC_DEPT_BLUE] = COLOR_BLUE,
        [KB_GC_DEPT_MAGENTA] = COLOR_MAGENTA,
        [KB_GC_DEPT_CYAN] = COLOR_CYAN,
        [KB_GC_DEPT_WHITE] = -1,
    };
    for (short i = 1; i < KB_GC_COUNT && i < COLOR_PAIRS; i++)
        init_pair(i, fg[i] < 0 && bg != -1 ? COLOR_WHITE : fg[i], bg);
    t->color = true;
}

static attr_t kb_term_attr(const kb_term *t, kb_style st, short *pair)
{
    attr_t a = A_NORMAL;
    if (st.attr & KB_GA_BOLD)
        a |= A_BOLD;
    if (st.attr & KB_GA_REVERSE)
        a |= A_REVERSE;
    if (st.attr & KB_GA_UNDERLINE)
        a |= A_UNDERLINE;
    if (st.attr & KB_GA_DIM)
        a |= A_DIM;
    *pair = t->color && st.color < KB_GC_COUNT ? (short)st.color : 0;
    return a;
}

/* ------------------------------------------------------------ blit */

static void kb_term_cell(kb_term *t, const kb_grid *g, int x, int y)
{
    const kb_gcell *c = kb_grid_cell(g, x, y);
    wchar_t wch[KB_GRID_CP_MAX + 1];
    int n = 0;
    for (int i = 0; i < KB_GRID_CP_MAX && c->cp[i]; i++)
        wch[n++] = (wchar_t)c->cp[i];
    if (n == 0)
        wch[n++] = L' ';
    wch[n] = L'\0';
    short pair;
    attr_t a = kb_term_attr(t, c->st, &pair);
    cchar_t cc;
    if (setcchar(&cc, wch, a, pair, NULL) == ERR) {
        wchar_t q[2] = {L'?', L'\0'};
        (void)setcchar(&cc, q, a, pair, NULL);
    }
    (void)mvwadd_wch(stdscr, y, x, &cc);
}

static void kb_term_blit(kb_term *t, const kb_grid *g, int cx, int cy)
{
    bool full = t->full || !t->shown || t->shown->w != g->w || t->shown->h != g->h;
    if (full) {
        if (!t->shown || t->shown->w != g->w || t->shown->h != g->h) {
            kb_grid_free(&t->shown);
            t->shown = kb_grid_new(g->w, g->h, g->utf8);
        }
        clearok(curscr, TRUE);
    }
    for (int y = 0; y < g->h; y++)
        for (int x = 0; x < g->w; x++) {
            const kb_gcell *c = kb_grid_cell(g, x, y);
            kb_gcell *s = kb_grid_at(t->shown, x, y);
            if (!full && kb_grid_cell_eq(c, s))
                continue;
            if (c->width == 0) {
                /* half of a wide character changed: draw its first half */
                if (x > 0)
                    kb_term_cell(t, g, x - 1, y);
            } else {
                kb_term_cell(t, g, x, y);
            }
        }
    memcpy(t->shown->cells, g->cells, (size_t)g->w * (size_t)g->h * sizeof *g->cells);
    t->full = false;
    int want = cx >= 0 && cy >= 0 ? 1 : 0;
    if (want != t->cursor) {
        (void)curs_set(want);
        t->cursor = want;
    }
    if (want)
        (void)wmove(stdscr, cy, cx < g->w ? cx : g->w - 1);
    else
        (void)wmove(stdscr, g->h - 1, 0);
    (void)wnoutrefresh(stdscr);
    (void)doupdate();
}

/* ------------------------------------------------------------ input */

static kb_key kb_term_special(int code)
{
    switch (code) {
    case KEY_UP:
        return KB_KEY_UP;
    case KEY_DOWN:
        return KB_KEY_DOWN;
    case KEY_LEFT:
        return KB_KEY_LEFT;
    case KEY_RIGHT:
        return KB_KEY_RIGHT;
    case KEY_HOME:
    case KEY_FIND:
        return KB_KEY_HOME;
    case KEY_END:
    case KEY_SELECT:
        return KB_KEY_END;
    case KEY_PPAGE:
        return KB_KEY_PAGEUP;
    case KEY_NPAGE:
        return KB_KEY_PAGEDOWN;
    case KEY_IC:
        return KB_KEY_INSERT;
    case KEY_DC:
        return KB_KEY_DELETE;
    case KEY_BACKSPACE:
        return KB_KEY_BACKSPACE;
    case KEY_ENTER:
        return KB_KEY_ENTER;
    case KEY_BTAB:
        return KB_KEY_BACKTAB;
    default:
        break;
    }
    for (int i = 1; i <= 12; i++)
        if (code == KEY_F(i))
            return KB_KEY_F(i);
    return KB_KEY_NONE;
}

static int kb_term_read(kb_term *t, kb_key *out, int timeout_ms)
{
    *out = KB_KEY_NONE;
    if (t->resize) {
        t->resize = false;
        return KB_IN_RESIZE;
    }
    wtimeout(stdscr, timeout_ms);
    wint_t wc = 0;
    int r = wget_wch(stdscr, &wc);
    if (r == ERR)
        return KB_IN_NONE;
    if (r == KEY_CODE_YES) {
        if (wc == KEY_RESIZE)
            return KB_IN_RESIZE;
        *out = kb_term_special((int)wc);
        return *out ? KB_IN_KEY : KB_IN_NONE;
    }
    if (wc == 0x1b) {
        /* Esc alone, or Esc + key = Meta + key (curses already waited
         * ESCDELAY for a function-key sequence) */
        wtimeout(stdscr, 0);
        wint_t w2 = 0;
        int r2 = wget_wch(stdscr, &w2);
        if (r2 == ERR) {
            *out = KB_KEY_ESC;
        } else if (r2 == KEY_CODE_YES) {
            if (w2 == KEY_RESIZE) {
                t->resize = true;
                *out = KB_KEY_ESC;
            } else {
                kb_key k = kb_term_special((int)w2);
                *out = k ? (k | KB_KEY_META) : KB_KEY_ESC;
            }
        } else {
            kb_key k = kb_key_from_codepoint((uint32_t)w2);
            *out = k ? (k | KB_KEY_META) : KB_KEY_ESC;
        }
        return KB_IN_KEY;
    }
    *out = kb_key_from_codepoint((uint32_t)wc);
    return *out ? KB_IN_KEY : KB_IN_NONE;
}

/* ------------------------------------------------------------ suspend */

static void kb_term_suspend(kb_term *t)
{
    /* Only reached between operations: no transaction or lock is held. */
    (void)endwin();
    struct sigaction dfl, old;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGTSTP, &dfl, &old);
    raise(SIGTSTP);
    sigaction(SIGTSTP, &old, NULL);
    /* resumed */
    (void)refresh();
    t->full = true;
    t->cursor = -1;
}

/* ------------------------------------------------------------ main */

static int kb_tui_open(const kb_launch *l, kb_board **out)
{
    kb_err e;
    kb_err_clear(&e);
    if (!l->db || !l->db[0]) {
        fprintf(stderr, "kernboard: %s\n", _("which board? give --db BOARD or set $KERNBOARD_DB"));
        return KB_EUSAGE;
    }
    if (!l->user || !l->user[0]) {
        fprintf(stderr, "kernboard: %s\n",
                _("who are you? give --user NAME or set $KERNBOARD_USER"));
        return KB_EUSAGE;
    }
    /* a missing board first: it is the error whether or not there is a
     * terminal */
    if (access(l->db, F_OK) != 0) {
        fprintf(stderr, "kernboard: ");
        fprintf(stderr, _("no board at %s (create one with 'kernboard init %s')"), l->db, l->db);
        fputc('\n', stderr);
        return KB_ENOENT;
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "kernboard: %s\n",
                _("the board view needs a terminal; use a command (see 'kernboard --help')"));
        return KB_EUSAGE;
    }
    long idle = kb_cmd_unlock_idle();
    if (!l->passphrase_file && idle > 0 && kb_board_key_cache_ready()) {
        /* the key kept in this login session (kernboard unlock) first */
        kb_board_opts co = {.key_cache_s = idle, .cache_only = true};
        if (kb_board_open(l->db, l->user, NULL, &co, out, &e) == KB_OK)
            return KB_OK;
        kb_err_clear(&e);
    }
    kb_secret *pass = NULL;
    int rc;
    if (l->passphrase_file) {
        rc = kb_secret_from_file(l->passphrase_file, &pass, &e);
    } else {
        char *prompt = kb_asprintf(_("Passphrase for %s on %s: "), l->user, l->db);
        rc = kb_secret_prompt(prompt, &pass, &e);
        kb_free(&prompt);
    }
    if (rc == KB_OK) {
        kb_board_opts o = {.key_cache_s = idle};
        rc = kb_board_open(l->db, l->user, pass, &o, out, &e);
    }
    kb_secret_free(&pass);
    if (rc)
        rc = kb_board_explain_damage(l->db, rc, &e);
    if (rc)
        fprintf(stderr, "kernboard: %s\n", e.msg[0] ? e.msg : kb_status_name(rc));
    return rc;
}

/* The terminal goes back to normal before the process ends on a fault:
 * the store calls this before a damaged board file ends the process, and
 * SIGABRT (a failed check anywhere) does the same before the default
 * action.  endwin() is not async-signal-safe; the process ends right
 * after, so the worst case is a terminal left as it would be anyway. */
static void kb_tui_fatal_restore(void)
{
    (void)endwin();
}

static void kb_tui_on_abort(int sig)
{
    kb_tui_fatal_restore();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void kb_tui_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = kb_tui_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = kb_tui_on_abort;
    sa.sa_flags = (int)SA_RESETHAND;
    sigaction(SIGABRT, &sa, NULL);
    kb_board_on_fatal(kb_tui_fatal_restore);
}

int kb_tui_main(const kb_launch *l)
{
    kb_board *b = NULL;
    int rc = kb_tui_open(l, &b);
    if (rc)
        return rc;

    kb_tui_app app;
    kb_tui_app_init(&app, l->db, l->user, 80, 24, MB_CUR_MAX > 1);
    app.now_ms = kb_clock_ms();
    app.last_key_ms = app.now_ms;
    kb_keymap_free(&app.km);
    app.km = kb_keymap_new();
    (void)kb_keymap_load_all(app.km);
    kb_tui_collect_diags(&app);
    app.idle_lock_ms = kb_tui_idle_lock_ms();
    kb_err e;
    kb_err_clear(&e);
    if (kb_tui_app_attach(&app, b, &e)) {
        fprintf(stderr, "kernboard: %s\n", e.msg);
        rc = e.code ? e.code : KB_EIO;
        kb_tui_app_free(&app);
        return rc;
    }

    kb_tui_signals();
    kb_term t = {.cursor = -1};
    t.scr = newterm(NULL, stdout, stdin);
    if (!t.scr) {
        const char *term = getenv("TERM");
        fprintf(stderr, "kernboard: ");
        fprintf(stderr, _("cannot use the terminal type '%s'; set TERM (e.g. xterm-256color)"),
                term ? term : "");
        fputc('\n', stderr);
        kb_tui_app_free(&app);
        return KB_EUSAGE;
    }
    set_term(t.scr);
    raw();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    /* Home and End as tmux/screen, rxvt and the Linux console send them,
     * which an xterm terminfo entry (the usual TERM inside tmux too) lacks:
     * without these, Esc + "[1~" reached the line editor as text.  Shift-Tab
     * (ESC [ Z, what every terminal emulator sends) too: vt100's entry has
     * no kcbt, so it arrived as Esc, '[' and a 'Z' typed into the form.  A
     * sequence the entry gives an extended name kernboard does not know
     * (linux: kcbt2=\E[Z, a code above KEY_MAX) is taken over as well */
    static const struct {
        const char *seq;
        int key;
    } alt_keys[] = {{"\033[1~", KEY_HOME}, {"\033[4~", KEY_END}, {"\033[7~", KEY_HOME},
                    {"\033[8~", KEY_END},  {"\033[H", KEY_HOME}, {"\033[F", KEY_END},
                    {"\033OH", KEY_HOME},  {"\033OF", KEY_END},  {"\033[Z", KEY_BTAB}};
    for (size_t i = 0; i < sizeof alt_keys / sizeof alt_keys[0]; i++)
        if (key_defined(alt_keys[i].seq) == 0 || key_defined(alt_keys[i].seq) > KEY_MAX)
            define_key(alt_keys[i].seq, alt_keys[i].key);
    meta(stdscr, TRUE);
    set_escdelay(KB_ESC_DELAY_MS);
    kb_term_colors(&t);

    int h, w;
    getmaxyx(stdscr, h, w);
    kb_tui_app_resize(&app, w, h);
    kb_grid *g = kb_grid_new(w, h, app.utf8);
    if (app.diags.n)
        kb_tui_msg(&app, true,
                   dngettext(KB_TEXTDOMAIN, "%zu problem in the keymap files (see help): %s",
                             "%zu problems in the keymap files (see help): %s", app.diags.n),
                   app.diags.n, app.diags.v[0]);

    unsigned flags = KB_TUI_R_VIEW | KB_TUI_R_FULL;
    int status = KB_OK;
    for (;;) {
        if (flags & (KB_TUI_R_VIEW | KB_TUI_R_FULL)) {
            kb_tui_app_draw(&app, g);
        } else if (flags & KB_TUI_R_STATUS) {
            kb_tui_draw_status(&app, g);
        }
        if (flags & (KB_TUI_R_VIEW | KB_TUI_R_FULL | KB_TUI_R_STATUS)) {
            if (flags & KB_TUI_R_FULL)
                t.full = true;
            kb_term_blit(&t, g, app.cursor_x, app.cursor_y);
        }
        flags = KB_TUI_R_NONE;
        if (kb_tui_signal) {
            status = 128 + (int)kb_tui_signal;
            break;
        }
        kb_key k;
        int in = kb_term_read(&t, &k, KB_INPUT_TIMEOUT_MS);
        int64_t now = kb_clock_ms();
        if (in == KB_IN_RESIZE) {
            getmaxyx(stdscr, h, w);
            kb_tui_app_resize(&app, w, h);
            kb_grid_resize(g, w, h);
            flags |= KB_TUI_R_VIEW | KB_TUI_R_FULL;
        } else if (in == KB_IN_KEY) {
            flags |= kb_tui_app_key(&app, k, now);
        }
        flags |= kb_tui_app_tick(&app, now);
        if (flags & KB_TUI_R_QUIT)
            break;
        if (flags & KB_TUI_R_SUSPEND) {
            kb_term_suspend(&t);
            getmaxyx(stdscr, h, w);
            kb_tui_app_resize(&app, w, h);
            kb_grid_resize(g, w, h);
            flags |= KB_TUI_R_VIEW | KB_TUI_R_FULL;
        }
    }

    kb_tui_view_close_all(&app); /* an open form releases its edit lease */
    (void)endwin();
    delscreen(t.scr);
    kb_grid_free(&t.shown);
    kb_grid_free(&g);
    for (size_t i = 0; i < app.diags.n; i++)
        fprintf(stderr, "kernboard: %s\n", app.diags.v[i]);
    kb_tui_app_free(&app);
    return status;
}
