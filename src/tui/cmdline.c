/* cmdline.c - the ':' command line: the CLI's case commands inside the
 * TUI (`:move 12 connect`, `:case comment 12 "text"`, ...).  The CLI's
 * parser prints and exits, so the words are parsed here; every command
 * goes through the same core calls as the rest of the TUI. */
#include "tui_internal.h"

#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <stdio.h>
#include <string.h>

/* Split a line into words: blanks separate, "double quotes" group (with
 * \" and \\ inside).  Returns false with *err on an unterminated quote. */
static bool kb_words(const char *line, kb_strv *out, const char **err)
{
    const char *p = line;
    kb_buf w = KB_BUF_INIT;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        kb_buf_clear(&w);
        bool any = false;
        while (*p && *p != ' ' && *p != '\t') {
            if (*p == '"') {
                p++;
                any = true;
                while (*p && *p != '"') {
                    if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                        p++;
                    kb_buf_putc(&w, *p++);
                }
                if (*p != '"') {
                    *err = _("unterminated quote");
                    kb_buf_free(&w);
                    return false;
                }
                p++;
            } else {
                kb_buf_putc(&w, *p++);
                any = true;
            }
        }
        if (any)
            kb_strv_push(out, w.data ? w.data : "");
    }
    kb_buf_free(&w);
    return true;
}

static char *kb_join_from(const kb_strv *v, size_t from)
{
    kb_buf b = KB_BUF_INIT;
    for (size_t i = from; i < v->n; i++)
        kb_buf_printf(&b, "%s%s", i > from ? " " : "", v->v[i]);
    return b.data ? kb_buf_take(&b) : kb_strdup("");
}

static bool kb_num(kb_tui_app *a, const kb_strv *v, size_t i, uint32_t *n, const char *usage)
{
    kb_err e;
    if (i >= v->n) {
        kb_tui_msg(a, true, _("Usage: %s"), usage);
        return false;
    }
    if (kb_case_number_parse(v->v[i], n, &e)) {
        kb_tui_msg(a, true, "%s", e.msg);
        return false;
    }
    return true;
}

/* Options of `edit` and `add`, mapped to form fields. */
typedef struct kb_cmd_opt {
    const char *name;
    enum kb_tui_field field;
    const char *fixed; /* value for flags without an argument */
} kb_cmd_opt;

static const kb_cmd_opt kb_cmd_opts[] = {
    {"--title", KB_FF_TITLE, NULL},     {"--description", KB_FF_DESC, NULL},
    {"--dept", KB_FF_LEAD, NULL},       {"--also", KB_FF_DEPTS, NULL},
    {"--stage", KB_FF_STAGE, NULL},     {"--line", KB_FF_LINE, NULL},
    {"--owner", KB_FF_OWNER, NULL},     {"--priority", KB_FF_PRIORITY, NULL},
    {"--due", KB_FF_DUE, NULL},         {"--review", KB_FF_REVIEW, NULL},
    {"--blocked", KB_FF_BLOCKED, NULL}, {"--unblock", KB_FF_BLOCKED, ""},
    {"--agenda", KB_FF_AGENDA, "yes"},  {"--no-agenda", KB_FF_AGENDA, "no"},
    {"--tag", KB_FF_TAGS, NULL},        {"--hook", KB_FF_HOOKS, NULL},
    {"--org", KB_FF_ORGS, NULL},        {"--confidentiality", KB_FF_CONF, NULL},
};

/* Apply "--opt value" words from v[from..] over the form values of base
 * and parse them into out.  Messages go to the status line. */
static bool kb_cmd_case_opts(kb_tui_app *a, const kb_strv *v, size_t from, const kb_case *base,
                             kb_case *out)
{
    char *vals[KB_FF_COUNT], *errs[KB_FF_COUNT];
    for (int i = 0; i < KB_FF_COUNT; i++)
        vals[i] = kb_view_form_value(base, (enum kb_tui_field)i);
    bool ok = true;
    for (size_t i = from; ok && i < v->n; i++) {
        const char *w = v->v[i];
        const char *eq = strchr(w, '=');
        size_t nl = eq ? (size_t)(eq - w) : strlen(w);
        const kb_cmd_opt *o = NULL;
        for (size_t k = 0; k < sizeof kb_cmd_opts / sizeof *kb_cmd_opts; k++)
            if (strlen(kb_cmd_opts[k].name) == nl && strncmp(kb_cmd_opts[k].name, w, nl) == 0)
                o = &kb_cmd_opts[k];
        if (!o) {
            kb_tui_msg(a, true, _("Unknown option '%s'"), w);
            ok = false;
            break;
        }
        const char *val = o->fixed;
        if (!val) {
            if (eq)
                val = eq + 1;
            else if (i + 1 < v->n)
                val = v->v[++i];
            else {
                kb_tui_msg(a, true, _("Option %s needs a value"), o->name);
                ok = false;
                break;
            }
        }
        kb_free(&vals[o->field]);
        vals[o->field] = kb_strdup(val);
    }
    if (ok) {
        int bad = kb_view_form_parse(a, base, (const char *const *)vals, out, errs);
        for (int i = 0; i < KB_FF_COUNT; i++) {
            if (errs[i] && ok) {
                kb_tui_msg(a, true, "%s: %s", kb_view_form_label((enum kb_tui_field)i), errs[i]);
                ok = false;
            }
            kb_free(&errs[i]);
        }
        ok = ok && bad == 0;
    }
    for (int i = 0; i < KB_FF_COUNT; i++)
        kb_free(&vals[i]);
    return ok;
}

static unsigned kb_cmd_edit(kb_tui_app *a, const kb_strv *v, uint32_t n)
{
    if (v->n <= 2)
        return kb_view_form_open(a, n);
    if (!a->board) {
        kb_tui_msg(a, true, "%s", _("No board is open"));
        return KB_TUI_R_STATUS;
    }
    kb_err e;
    kb_err_clear(&e);
    uint64_t token = 0;
    if (kb_board_lease_acquire(a->board, n, 0, false, &token, &e)) {
        kb_tui_msg(a, true, "%s", e.msg);
        return KB_TUI_R_STATUS;
    }
    kb_case cur, out;
    kb_case_init(&cur);
    kb_case_init(&out);
    unsigned r = KB_TUI_R_STATUS;
    if (kb_board_case_get(a->board, n, &cur, &e)) {
        kb_tui_msg(a, true, "%s", e.msg);
    } else if (kb_cmd_case_opts(a, v, 2, &cur, &out)) {
        if (kb_board_case_save(a->board, &out, cur.version, token, &e)) {
            kb_tui_msg(a, true, "%s", e.msg);
        } else {
            kb_tui_undo_remember(a, &cur, out.version);
            kb_tui_msg(a, false, _("Saved #%u"), n);
            r |= KB_TUI_R_VIEW;
        }
    }
    kb_err ignore;
    if (kb_board_lease_release(a->board, n, token, &ignore)) {
        /* expires on its own */
    }
    kb_case_free(&cur);
    kb_case_free(&out);
    if (r & KB_TUI_R_VIEW) {
        r |= kb_tui_refresh(a, true);
        if (kb_tui_current_case(a))
            kb_view_case_reload(a, true);
    }
    return r;
}

static unsigned kb_cmd_add(kb_tui_app *a, const kb_strv *v)
{
    if (v->n < 2)
        return kb_view_form_new(a);
    if (!a->board) {
        kb_tui_msg(a, true, "%s", _("No board is open"));
        return KB_TUI_R_STATUS;
    }
    kb_case base, out;
    kb_case_init(&base);
    kb_case_init(&out);
    kb_tui_layout(a);
    if (a->cur_stage < a->refs.nstages)
        base.stage = kb_strdup(a->refs.stages[a->cur_stage].code);
    if (a->cur_lane < a->lay.nlanes && a->lay.lanes[a->cur_lane].code[0])
        base.lead_dept = kb_strdup(a->lay.lanes[a->cur_lane].code);
    unsigned r = KB_TUI_R_STATUS;
    bool ok;
    if (strncmp(v->v[1], "--", 2) == 0) {
        ok = kb_cmd_case_opts(a, v, 1, &base, &out);
    } else {
        /* add TITLE WORDS: a quick case in the current lane and stage */
        char *title = kb_join_from(v, 1);
        kb_strv t = {0};
        kb_strv_push(&t, "add");
        kb_strv_push(&t, "--title");
        kb_strv_push(&t, title);
        ok = kb_cmd_case_opts(a, &t, 1, &base, &out);
        kb_strv_free(&t);
        kb_free(&title);
    }
    kb_err e;
    kb_err_clear(&e);
    if (ok) {
        if (kb_board_case_add(a->board, &out, &e)) {
            kb_tui_msg(a, true, "%s", e.msg);
        } else {
            uint32_t n = out.number;
            kb_tui_msg(a, false, _("Case #%u created"), n);
            r |= kb_tui_refresh(a, true) | KB_TUI_R_VIEW;
            (void)kb_tui_select_case(a, n, NULL);
        }
    }
    kb_case_free(&base);
    kb_case_free(&out);
    return r;
}

/* After a change to a case's items: show it if the case is open. */
static unsigned kb_cmd_changed(kb_tui_app *a, uint32_t n)
{
    unsigned r = kb_tui_refresh(a, true) | KB_TUI_R_VIEW;
    if (kb_tui_current_case(a) && (n == 0 || kb_tui_current_case(a) == n))
        kb_view_case_reload(a, true);
    return r;
}

/* action add N TEXT... [--owner USER] [--due DATE] | action done|undone ID */
static unsigned kb_cmd_action(kb_tui_app *a, const kb_strv *v)
{
    static const char *usage = "action add N TEXT [--owner USER] [--due DATE] | action done ID";
    kb_err e;
    kb_err_clear(&e);
    if (v->n < 2) {
        kb_tui_msg(a, true, _("Usage: %s"), usage);
        return KB_TUI_R_STATUS;
    }
    if (!a->board) {
        kb_tui_msg(a, true, "%s", _("No board is open"));
        return KB_TUI_R_STATUS;
    }
    const char *sub = v->v[1];
    if (strcmp(sub, "done") == 0 || strcmp(sub, "undone") == 0) {
        const char *id = v->n > 2 ? v->v[2] : "";
        if (id[0] == 'A' || id[0] == 'a')
            id++;
        uint32_t n = 0;
        if (kb_case_number_parse(id, &n, &e)) {
            kb_tui_msg(a, true, _("Usage: %s"), usage);
            return KB_TUI_R_STATUS;
        }
        if (kb_board_action_done(a->board, n, strcmp(sub, "done") == 0, &e)) {
            kb_tui_msg(a, true, "%s", e.msg);
            return KB_TUI_R_STATUS;
        }
        kb_tui_msg(a, false, _("Action item A%u updated"), n);
        return KB_TUI_R_STATUS | kb_cmd_changed(a, 0);
    }
    if (strcmp(sub, "add") != 0) {
        kb_tui_msg(a, true, _("Usage: %s"), usage);
        return KB_TUI_R_STATUS;
    }
    uint32_t n = 0;
    if (!kb_num(a, v, 2, &n, usage))
        return KB_TUI_R_STATUS;
    kb_action_item ai;
    kb_action_item_init(&ai);
    ai.case_number = n;
    kb_buf text = KB_BUF_INIT;
    unsigned r = KB_TUI_R_STATUS;
    bool ok = true;
    for (size_t i = 3; ok && i < v->n; i++) {
        const char *w = v->v[i];
        if ((strcmp(w, "--owner") == 0 || strcmp(w, "--due") == 0 || strcmp(w, "--text") == 0) &&
            i + 1 >= v->n) {
            kb_tui_msg(a, true, _("Option %s needs a value"), w);
            ok = false;
        } else if (strcmp(w, "--owner") == 0) {
            kb_free(&ai.owner);
            ai.owner = kb_strdup(v->v[++i]);
        } else if (strcmp(w, "--due") == 0) {
            if (kb_date_parse(v->v[++i], &ai.due, &e)) {
                kb_tui_msg(a, true, "%s", e.msg);
                ok = false;
            }
        } else {
            if (strcmp(w, "--text") == 0)
                w = v->v[++i];
            kb_buf_printf(&text, "%s%s", text.len ? " " : "", w);
        }
    }
    if (ok) {
        ai.text = kb_strdup(text.data ? text.data : "");
        if (!ai.owner)
            ai.owner = kb_strdup(a->user ? a->user : "");
        if (kb_board_action_add(a->board, &ai, &e)) {
            kb_tui_msg(a, true, "%s", e.msg);
        } else {
            kb_tui_msg(a, false, _("Action item A%u added to #%u"), ai.number, n);
            r |= kb_cmd_changed(a, n);
        }
    }
    kb_buf_free(&text);
    kb_action_item_free(&ai);
    return r;
}

/* link N M [--as] related|duplicate|blocks */
static unsigned kb_cmd_link(kb_tui_app *a, const kb_strv *v)
{
    static const char *usage = "link N M --as related|duplicate|blocks";
    uint32_t from = 0, to = 0;
    if (!kb_num(a, v, 1, &from, usage) || !kb_num(a, v, 2, &to, usage))
        return KB_TUI_R_STATUS;
    size_t k = 3;
    if (k < v->n && strcmp(v->v[k], "--as") == 0)
        k++;
    kb_err e;
    kb_err_clear(&e);
    enum kb_link_kind kind = KB_LINK_RELATED;
    if (k < v->n && kb_link_kind_parse(v->v[k], &kind, &e)) {
        kb_tui_msg(a, true, "%s", e.msg);
        return KB_TUI_R_STATUS;
    }
    if (!a->board) {
        kb_tui_msg(a, true, "%s", _("No board is open"));
        return KB_TUI_R_STATUS;
    }
    if (kb_board_link_add(a->board, from, to, kind, &e)) {
        kb_tui_msg(a, true, "%s", e.msg);
        return KB_TUI_R_STATUS;
    }
    kb_tui_msg(a, false, _("Linked #%u to #%u (%s)"), from, to, kb_link_kind_name(kind));
    return KB_TUI_R_STATUS | kb_cmd_changed(a, 0);
}

static unsigned kb_cmd_who(kb_tui_app *a)
{
    (void)kb_tui_refresh(a, true);
    if (!a->online.n) {
        kb_tui_msg(a, false, "%s", _("Nobody else has the board open"));
        return KB_TUI_R_STATUS;
    }
    char *names = kb_strv_join(&a->online, ", ");
    kb_tui_msg(a, false, _("Online: %s"), names);
    kb_free(&names);
    return KB_TUI_R_STATUS | KB_TUI_R_VIEW;
}

static unsigned kb_cmd_locks(kb_tui_app *a)
{
    (void)kb_tui_refresh(a, true);
    if (!a->nedits) {
        kb_tui_msg(a, false, "%s", _("Nobody else is editing a case"));
        return KB_TUI_R_STATUS;
    }
    kb_buf b = KB_BUF_INIT;
    for (size_t i = 0; i < a->nedits; i++) {
        char hhmm[6];
        kb_time_format_hhmm(a->edits[i].since, hhmm);
        kb_buf_printf(&b, "%s#%u %s %s", i ? ", " : "", a->edits[i].number, a->edits[i].user, hhmm);
    }
    kb_tui_msg(a, false, _("Being edited: %s"), b.data);
    kb_buf_free(&b);
    return KB_TUI_R_STATUS;
}

unsigned kb_tui_command(kb_tui_app *a, const char *line)
{
    kb_strv v = {0};
    const char *err = NULL;
    unsigned r = KB_TUI_R_STATUS;
    if (!kb_words(line, &v, &err)) {
        kb_tui_msg(a, true, "%s", err);
        return r;
    }
    if (v.n && strcmp(v.v[0], "case") == 0) {
        /* `:case move 12 connect` as on the command line */
        kb_free(&v.v[0]);
        memmove(v.v, v.v + 1, (v.n - 1) * sizeof *v.v);
        v.n--;
    }
    if (!v.n) {
        kb_strv_free(&v);
        return KB_TUI_R_NONE;
    }
    const char *cmd = v.v[0];
    uint32_t n = 0;
    if (strcmp(cmd, "move") == 0 || strcmp(cmd, "mv") == 0) {
        if (kb_num(a, &v, 1, &n, "move N STAGE [REASON]")) {
            if (v.n < 3) {
                kb_tui_msg(a, true, _("Usage: %s"), "move N STAGE [REASON]");
            } else {
                char *reason = kb_join_from(&v, 3);
                r |= kb_tui_move_to(a, n, v.v[2], reason);
                kb_free(&reason);
            }
        }
    } else if (strcmp(cmd, "comment") == 0) {
        if (kb_num(a, &v, 1, &n, "comment N TEXT")) {
            char *text = kb_join_from(&v, 2);
            if (!text[0]) {
                char *label = kb_asprintf(_("Comment on #%u: "), n);
                r |= kb_view_prompt_open(a, KB_PR_COMMENT, label, "", n, NULL);
                kb_free(&label);
                r |= KB_TUI_R_VIEW;
            } else {
                r |= kb_tui_comment(a, n, text);
            }
            kb_free(&text);
        }
    } else if (strcmp(cmd, "show") == 0 || strcmp(cmd, "open") == 0) {
        if (kb_num(a, &v, 1, &n, "show N"))
            r |= kb_view_case_open(a, n);
    } else if (strcmp(cmd, "edit") == 0) {
        if (kb_num(a, &v, 1, &n, "edit N [--title T] [--dept CODE] ..."))
            r |= kb_cmd_edit(a, &v, n);
    } else if (strcmp(cmd, "add") == 0 || strcmp(cmd, "new") == 0) {
        r |= kb_cmd_add(a, &v);
    } else if (strcmp(cmd, "list") == 0 || strcmp(cmd, "filter") == 0) {
        char *q = kb_join_from(&v, 1);
        kb_err e;
        kb_err_clear(&e);
        if (kb_tui_set_filter(a, q, &e))
            kb_tui_msg(a, true, "%s", e.msg);
        else if (a->filter_text)
            kb_tui_msg(a, false, _("%zu of %zu cases match"), a->lay.shown, a->lay.total);
        else
            kb_tui_msg(a, false, "%s", _("Filter cleared"));
        kb_free(&q);
        r |= KB_TUI_R_VIEW;
    } else if (strcmp(cmd, "action") == 0) {
        r |= kb_cmd_action(a, &v);
    } else if (strcmp(cmd, "link") == 0) {
        r |= kb_cmd_link(a, &v);
    } else if (strcmp(cmd, "undo") == 0) {
        r |= kb_tui_undo(a);
    } else if (strcmp(cmd, "refresh") == 0) {
        r |= kb_tui_refresh(a, true) | KB_TUI_R_FULL | KB_TUI_R_VIEW;
    } else if (strcmp(cmd, "lock") == 0) {
        r |= kb_tui_lock_now(a);
    } else if (strcmp(cmd, "who") == 0) {
        r |= kb_cmd_who(a);
    } else if (strcmp(cmd, "locks") == 0) {
        r |= kb_cmd_locks(a);
    } else if (strcmp(cmd, "help") == 0) {
        kb_tui_msg(a, false, "%s",
                   _("Commands: move N STAGE [REASON], comment N TEXT, show N, edit N [--field "
                     "V ...], add TITLE | add --title T ..., action add N TEXT [--owner U] [--due "
                     "D], action done ID, link N M --as KIND, list QUERY, undo, refresh, lock, "
                     "who, locks, quit"));
    } else if (strcmp(cmd, "quit") == 0 || strcmp(cmd, "q") == 0) {
        if (kb_tui_form_open(a))
            kb_tui_msg(a, true, "%s", _("Save (Enter) or cancel (Esc) the form first"));
        else
            r |= KB_TUI_R_QUIT;
    } else {
        kb_tui_msg(a, true, _("Unknown command '%s' (try :help)"), cmd);
    }
    kb_strv_free(&v);
    return r;
}
