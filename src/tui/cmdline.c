/* cmdline.c - the ':' command line.  It speaks the CLI's own language: the
 * words are split by kb_cmd_split and run through kb_cmd_run, the command
 * table and option parser of `kernboard` itself (kernboard/cmd.h), on the
 * board this session has open, so `:case move 12 done --reason "..."` and
 * the shell command give the same result and the same errors.  `case` may
 * be left out (`:move 12 done`).  A few screen commands come first: they
 * open screens (show, edit or add without options, comment without text)
 * or act on the session (filter, undo, refresh, lock, quit).  What a
 * command prints goes to the status line (one line) or the output pager. */
#include "tui_internal.h"

#include "kernboard/buf.h"
#include "kernboard/cmd.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <stdio.h>
#include <string.h>

static char *kb_join_from(const kb_strv *v, size_t from)
{
    kb_buf b = KB_BUF_INIT;
    for (size_t i = from; i < v->n; i++)
        kb_buf_printf(&b, "%s%s", i > from ? " " : "", v->v[i]);
    return b.data ? kb_buf_take(&b) : kb_strdup("");
}

/* The first line of s without the "kernboard: " prefix (new string). */
static char *kb_first_line(const char *s)
{
    if (strncmp(s, "kernboard: ", 11) == 0)
        s += 11;
    const char *nl = strchr(s, '\n');
    return kb_strndup(s, nl ? (size_t)(nl - s) : strlen(s));
}

static size_t kb_count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (*s == '\n')
            n++;
    return n;
}

/* Run words (group and command first) through the command table on the
 * open board; show what it printed. */
static unsigned kb_run_table(kb_tui_app *a, kb_strv *w, const char *line)
{
    if (!a->board) {
        kb_tui_msg(a, true, "%s", _("No board is open"));
        return KB_TUI_R_STATUS;
    }
    /* undo: remember the case a case edit/move changes, as stored now (one
     * record read; the cache may be behind) */
    uint32_t n = 0;
    kb_case before;
    kb_case_init(&before);
    bool snap = false;
    kb_err e;
    /* presenting / a meeting running: no confidential case shown in full on
     * the shared screen (the CLI outside the TUI still shows it) */
    if (w->n >= 3 && strcmp(w->v[0], "case") == 0 && strcmp(w->v[1], "show") == 0 &&
        kb_case_number_parse(w->v[2], &n, &e) == KB_OK && kb_tui_case_hidden_refuse(a, n, NULL)) {
        a->cmd_rc = KB_EPERM; /* as the command itself refuses it (kb_cmd_env.shared_screen) */
        return KB_TUI_R_STATUS;
    }
    /* ... nor in an export or a JSON document (those hold every field) */
    if (a->presenting || a->meeting) {
        bool full = w->n >= 1 && strcmp(w->v[0], "export") == 0;
        for (size_t i = 0; i < w->n && !full; i++)
            full = strcmp(w->v[i], "--json") == 0 || strcmp(w->v[i], "--include-confidential") == 0;
        if (full) {
            kb_tui_msg(a, true, "%s",
                       _("Exports and --json output are not shown while presenting (P) or in a "
                         "meeting: use the command line"));
            return KB_TUI_R_STATUS;
        }
    }
    n = 0;
    if (w->n >= 3 && strcmp(w->v[0], "case") == 0 &&
        (strcmp(w->v[1], "edit") == 0 || strcmp(w->v[1], "move") == 0) &&
        kb_case_number_parse(w->v[2], &n, &e) == KB_OK)
        snap = kb_board_case_get(a->board, n, &before, &e) == KB_OK;
    bool json = false;
    for (size_t i = 0; i < w->n; i++) /* --json works here too */
        if (strcmp(w->v[i], "--json") == 0) {
            json = true;
            kb_free(&w->v[i]);
            memmove(w->v + i, w->v + i + 1, (w->n - i - 1) * sizeof *w->v);
            w->n--;
            i--;
        }
    kb_free(&a->cmd_out);
    kb_free(&a->cmd_err);
    size_t outlen = 0, errlen = 0;
    FILE *out = open_memstream(&a->cmd_out, &outlen);
    FILE *err = open_memstream(&a->cmd_err, &errlen);
    if (!out || !err) {
        if (out)
            fclose(out);
        if (err)
            fclose(err);
        kb_case_free(&before);
        kb_tui_msg(a, true, "%s", _("Out of memory"));
        return KB_TUI_R_STATUS;
    }
    /* any other change the command makes (but a comment: the timeline is
     * append-only, and undo leaves it) is the last change too: undo then
     * says it cannot undo it, instead of reverting an older one */
    uint64_t gen0 = 0, gen1 = 0;
    bool gen_ok = kb_board_generation(a->board, &gen0, &e) == KB_OK;
    kb_cmd_env env = {.db = a->db_path,
                      .user = a->user,
                      .json = json,
                      .board = a->board,
                      .out = out,
                      .err = err,
                      .in = NULL,
                      .width = a->w - 2, /* the output pager's width */
                      /* presenting / a meeting running: confidential cases
                       * number and title only, unless the meeting revealed
                       * them (as kb_tui_case_masked) */
                      .shared_screen = a->presenting || a->meeting,
                      .revealed = a->meeting ? &a->meeting->reveals : NULL};
    a->cmd_rc = kb_cmd_run(&env, (int)w->n, w->v);
    fclose(out);
    fclose(err);
    bool wrote =
        gen_ok && a->board && kb_board_generation(a->board, &gen1, &e) == KB_OK && gen1 != gen0;
    unsigned r = KB_TUI_R_STATUS | kb_tui_refresh(a, true) | KB_TUI_R_VIEW;
    kb_view_case_reload(a, true);
    bool remembered = false;
    if (a->cmd_rc == KB_OK && snap) {
        const kb_case *c = kb_tui_case(a, n);
        if (c && c->version != before.version) {
            kb_tui_undo_remember(a, &before, c->version);
            remembered = true;
        }
    }
    bool comment = w->n >= 2 && strcmp(w->v[0], "case") == 0 && strcmp(w->v[1], "comment") == 0;
    if (wrote && !remembered && !comment) {
        char *what = kb_asprintf(":%s", line);
        kb_tui_undo_forget(a, what);
        kb_free(&what);
    }
    kb_case_free(&before);
    if (a->cmd_rc != KB_OK) {
        char *msg = kb_first_line(a->cmd_err[0] ? a->cmd_err : _("the command failed"));
        kb_tui_msg(a, true, "%s", msg);
        kb_free(&msg);
        return r;
    }
    size_t lines = kb_count_lines(a->cmd_out);
    if (lines > 1 || (lines == 1 && a->cmd_err[0])) {
        kb_buf text = KB_BUF_INIT;
        kb_buf_printf(&text, "%s%s", a->cmd_err, a->cmd_out); /* warnings first */
        kb_tui_output_arg oa = {line, text.data};
        r |= kb_tui_view_push(a, &kb_tui_view_output, &oa);
        kb_buf_free(&text);
    } else if (a->cmd_err[0]) { /* a warning (e.g. a nearby contact) */
        char *msg = kb_first_line(a->cmd_err);
        kb_tui_msg(a, true, "%s", msg);
        kb_free(&msg);
    } else if (lines == 1) {
        char *msg = kb_first_line(a->cmd_out);
        kb_tui_msg(a, false, "%s", msg);
        kb_free(&msg);
    } else if (n && strcmp(w->v[1], "move") == 0) {
        const kb_case *c = kb_tui_case(a, n);
        const kb_stage *st = c ? kb_tui_stage(a, c->stage) : NULL;
        kb_tui_msg(a, false, _("#%u moved to %s"), n, st && st->name ? st->name : "?");
    } else if (n && strcmp(w->v[1], "edit") == 0) {
        kb_tui_msg(a, false, _("Saved #%u"), n);
    } else if (w->n >= 3 && strcmp(w->v[0], "case") == 0 && strcmp(w->v[1], "comment") == 0 &&
               kb_case_number_parse(w->v[2], &n, &e) == KB_OK) {
        kb_tui_msg(a, false, _("Comment added to #%u"), n);
    } else {
        kb_tui_msg(a, false, _("Done: %s"), line);
    }
    return r;
}

/* Screen commands: they open screens or act on the session.  They take
 * precedence over the table only in the forms listed here. */
static bool kb_screen_command(kb_tui_app *a, const kb_strv *v, unsigned *r)
{
    const char *cmd = v->v[0];
    uint32_t n = 0;
    kb_err e;
    kb_err_clear(&e);
    if (strcmp(cmd, "quit") == 0 || strcmp(cmd, "q") == 0) {
        if (kb_tui_form_open(a))
            kb_tui_msg(a, true, "%s", _("Save (Enter) or cancel (Esc) the form first"));
        else
            *r |= KB_TUI_R_QUIT;
        return true;
    }
    if (v->n == 1 && strcmp(cmd, "undo") == 0) {
        *r |= kb_tui_undo(a);
        return true;
    }
    if (v->n == 1 && strcmp(cmd, "refresh") == 0) {
        kb_tui_app_dirty(a); /* as Ctrl-L: the layout is rebuilt */
        *r |= kb_tui_refresh(a, true) | KB_TUI_R_FULL | KB_TUI_R_VIEW;
        return true;
    }
    if (v->n == 1 && strcmp(cmd, "lock") == 0) {
        *r |= kb_tui_lock_now(a);
        return true;
    }
    if (strcmp(cmd, "filter") == 0) {
        char *q = kb_join_from(v, 1);
        if (kb_tui_set_filter(a, q, &e))
            kb_tui_msg(a, true, "%s", e.msg);
        else if (a->filter_text)
            kb_tui_msg(a, false,
                       dngettext(KB_TEXTDOMAIN, "%zu of %zu case matches", "%zu of %zu cases match",
                                 a->lay.total),
                       a->lay.shown, a->lay.total);
        else
            kb_tui_msg(a, false, "%s", _("Filter cleared"));
        kb_free(&q);
        *r |= KB_TUI_R_VIEW;
        return true;
    }
    /* show N / open N: the case view (`case show N` prints the case) */
    if ((strcmp(cmd, "show") == 0 || strcmp(cmd, "open") == 0) && v->n == 2) {
        if (kb_case_number_parse(v->v[1], &n, &e))
            kb_tui_msg(a, true, "%s", e.msg);
        else
            *r |= kb_view_case_open(a, n);
        return true;
    }
    /* edit N without options: the form */
    if (strcmp(cmd, "edit") == 0 && v->n == 2) {
        if (kb_case_number_parse(v->v[1], &n, &e))
            kb_tui_msg(a, true, "%s", e.msg);
        else
            *r |= kb_view_form_open(a, n);
        return true;
    }
    if ((strcmp(cmd, "add") == 0 || strcmp(cmd, "new") == 0) && v->n == 1) {
        *r |= kb_view_form_new(a);
        return true;
    }
    /* `:new --stage X`: the form in a stage chosen on purpose */
    if ((strcmp(cmd, "add") == 0 || strcmp(cmd, "new") == 0) && v->n == 3 &&
        strcmp(v->v[1], "--stage") == 0) {
        *r |= kb_view_form_new_in(a, v->v[2]);
        return true;
    }
    /* comment N without text: a prompt for it */
    if (strcmp(cmd, "comment") == 0 && v->n == 2) {
        if (kb_case_number_parse(v->v[1], &n, &e)) {
            kb_tui_msg(a, true, "%s", e.msg);
        } else {
            char *label = kb_asprintf(_("Comment on #%u: "), n);
            *r |= kb_view_prompt_open(a, KB_PR_COMMENT, label, "", n, NULL);
            kb_free(&label);
        }
        return true;
    }
    return false;
}

/* `action add N --text T ...` printed the item's number ("A21", for
 * scripts): the status line says what was made.  The words are as the
 * command left them (getopt puts the options first); every option of
 * `action add` takes a value. */
static void kb_action_added(kb_tui_app *a, const kb_strv *words)
{
    char *num = kb_first_line(a->cmd_out); /* "A21" */
    const char *text = NULL, *cs = NULL;
    for (size_t i = 2; i < words->n; i++) {
        const char *w = words->v[i];
        if (strncmp(w, "--text=", 7) == 0)
            text = w + 7;
        else if (strcmp(w, "--text") == 0 && i + 1 < words->n)
            text = words->v[++i];
        else if (strncmp(w, "--", 2) == 0 && w[2] && !strchr(w, '='))
            i++; /* --owner U, --due D */
        else if ((w[0] != '-' || !w[1]) && strcmp(w, "--") != 0 && !cs)
            cs = w;
    }
    uint32_t n = 0;
    kb_err e;
    if (num[0] == 'A' && cs && kb_case_number_parse(cs, &n, &e) == KB_OK) {
        if (text)
            kb_tui_msg(a, false, _("Action %s added to #%u: %s"), num, n, text);
        else
            kb_tui_msg(a, false, _("Action %s added to #%u"), num, n);
    }
    kb_free(&num);
}

unsigned kb_tui_command(kb_tui_app *a, const char *line)
{
    kb_strv v = {0};
    kb_err e;
    kb_err_clear(&e);
    unsigned r = KB_TUI_R_STATUS;
    a->cmd_rc = KB_OK;
    if (kb_cmd_split(line, &v, &e)) {
        kb_tui_msg(a, true, "%s", e.msg);
        a->cmd_rc = KB_EUSAGE; /* e.g. an open quote: the line stays for a retry */
        return r;
    }
    if (!v.n) {
        kb_strv_free(&v);
        return KB_TUI_R_NONE;
    }
    /* `:case add ...` and `:add ...` alike: screen forms see them without "case" */
    kb_strv words = {0};
    bool has_case = strcmp(v.v[0], "case") == 0 && v.n > 1;
    for (size_t i = has_case ? 1 : 0; i < v.n; i++)
        kb_strv_push(&words, v.v[i]);
    if (kb_screen_command(a, &words, &r))
        goto out;
    /* add TITLE WORDS: a quick case in the lane and stage of the cursor */
    if ((strcmp(words.v[0], "add") == 0 || strcmp(words.v[0], "new") == 0) &&
        words.v[1][0] != '-') {
        char *title = kb_join_from(&words, 1);
        kb_strv_free(&words);
        kb_strv_push(&words, "add");
        kb_strv_push(&words, "--title");
        kb_strv_push(&words, title);
        kb_free(&title);
        kb_tui_layout(a);
        /* a new case starts in the first stage, wherever the cursor is */
        if (a->cur_lane < a->lay.nlanes && a->lay.lanes[a->cur_lane].code[0]) {
            kb_strv_push(&words, "--dept");
            kb_strv_push(&words, a->lay.lanes[a->cur_lane].code);
        }
    }
    if (strcmp(words.v[0], "new") == 0) {
        kb_free(&words.v[0]);
        words.v[0] = kb_strdup("add");
    }
    /* `:move 12 done` is `case move 12 done` */
    if (!kb_cmd_known(words.v[0]) && kb_cmd_case_verb(words.v[0])) {
        kb_strv full = {0};
        kb_strv_push(&full, "case");
        for (size_t i = 0; i < words.n; i++)
            kb_strv_push(&full, words.v[i]);
        kb_strv_free(&words);
        words = full;
    } else if (has_case) {
        kb_strv_free(&words);
        for (size_t i = 0; i < v.n; i++)
            kb_strv_push(&words, v.v[i]);
    }
    /* `:view save NAME [--shared]`: the active filter and sort (cmd_view.c) */
    if (words.n >= 3 && strcmp(words.v[0], "view") == 0 && strcmp(words.v[1], "save") == 0) {
        bool query = false;
        for (size_t i = 3; i < words.n; i++)
            query |= words.v[i][0] != '-';
        if (!query && a->filter_text)
            kb_strv_push(&words, a->filter_text);
        if (!query && a->card_sort) {
            kb_strv_push(&words, "--sort");
            kb_strv_push(&words, a->card_sort);
        }
        char *lanes = query ? NULL : kb_tui_open_lanes(a);
        if (lanes) {
            kb_strv_push(&words, "--lanes");
            kb_strv_push(&words, lanes);
            kb_free(&lanes);
        }
    }
    r |= kb_run_table(a, &words, line);
    if (strcmp(words.v[0], "case") == 0 && words.n > 1 && strcmp(words.v[1], "add") == 0 &&
        a->cmd_rc == KB_OK) {
        char *num = kb_first_line(a->cmd_out); /* "#12" */
        uint32_t n = 0;
        kb_err e2;
        bool ok = kb_case_number_parse(num, &n, &e2) == KB_OK;
        kb_free(&num);
        if (ok) {
            kb_tui_msg(a, false, _("Case #%u created"), n);
            (void)kb_tui_select_case(a, n, NULL);
        }
    }
    if (strcmp(words.v[0], "action") == 0 && words.n > 2 && strcmp(words.v[1], "add") == 0 &&
        a->cmd_rc == KB_OK)
        kb_action_added(a, &words);
out:
    kb_strv_free(&words);
    kb_strv_free(&v);
    return r;
}
