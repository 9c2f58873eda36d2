/* cmd.c - the command table, the dispatcher, the word splitter and what is
 * generated from the table (help, completion); see kernboard/cmd.h. */
#include "cmd_internal.h"
#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/report.h"
#include "kernboard/views.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int kb_cmd_help(kb_cmd_ctx *cx, int argc, char **argv);
static int kb_cmd_completion(kb_cmd_ctx *cx, int argc, char **argv);

#define NOTUI KB_CMDF_NOTUI
#define NOJSON KB_CMDF_NOJSON
#define PATHS KB_CMDF_PATHS

/* The command table: one row per command.  --help, :help, the man page's
 * command list (checked by tests/e2e/test_docs.sh) and the completion
 * script come from it; the script's options come from each command's own
 * option table (kb_cmd_options), not from the synopsis. */
const kb_cmd_entry kb_cmd_table[] = {
    {NULL, "init", kb_cmd_init, "BOARD [--kdf interactive|moderate|sensitive]",
     N_("create a board; you become its admin"), NOTUI | PATHS},
    {NULL, "demo", kb_cmd_demo, "BOARD [--kdf interactive|moderate|sensitive]",
     N_("create a demo board with Dutch example cases"), NOTUI | PATHS},
    {"case", "add", kb_cmd_case_add,
     "--title T [--dept CODE] [--also CODE,..] [--stage S [--reason R]] [--line L] "
     "[--owner USER] [--priority 0-3] [--due DATE] [--review DATE] [--agenda|--no-agenda] "
     "[--blocked REASON|--unblock] [--confidentiality public|internal|confidential] "
     "[--tag T,..] [--hook H]... [--org NAME]... [--description TEXT|-]",
     N_("add a case"), 0},
    {"case", "list", kb_cmd_case_list, "[QUERY]", N_("list cases matching a query"), 0},
    {"case", "show", kb_cmd_case_show, "N", N_("show a case with its timeline"), 0},
    {"case", "edit", kb_cmd_case_edit,
     "N [--title T] [--dept CODE] [--also CODE,..] [--stage S [--reason R]] [--line L] "
     "[--owner USER] [--priority 0-3] [--due DATE] [--review DATE] [--agenda|--no-agenda] "
     "[--blocked REASON|--unblock] [--confidentiality public|internal|confidential] "
     "[--tag T,..] [--hook H]... [--set-hooks H;..] [--org NAME]... [--description TEXT|-] "
     "[--expect-version V]",
     N_("change fields of a case"), 0},
    {"case", "move", kb_cmd_case_move, "N STAGE [--reason TEXT]",
     N_("move a case to another stage (some stages need a reason)"), 0},
    {"case", "comment", kb_cmd_case_comment, "N TEXT...|-", N_("add a comment to a case"), 0},
    {"case", "lock", kb_cmd_case_lock, "N [--seconds S] [--lease-seconds L] [--no-renew]",
     N_("hold the edit lock of a case for S seconds"), NOTUI | NOJSON},
    {"case", "link", kb_cmd_case_link, "N M --as related|duplicate|blocks", N_("link two cases"),
     0},
    {"case", "unlink", kb_cmd_case_unlink, "N M [--as related|duplicate|blocks]",
     N_("remove the links between two cases (all, or one kind)"), 0},
    {"case", "decide", kb_cmd_case_decide,
     "N TEXT... [--meeting M] [--action T --owner U [--due D]]...",
     N_("record a decision on a case, with its action items"), 0},
    {"meeting", "add", kb_cmd_meeting_add,
     "--date DATE [--attendees U,U] [--agenda N,N] [--minutes F|-]", N_("record a meeting"), 0},
    {"meeting", "list", kb_cmd_meeting_list, "", N_("list meetings"), 0},
    {"meeting", "show", kb_cmd_meeting_show, "M", N_("show a meeting with its decisions"), 0},
    /* meeting mode */
    {"meeting", "agenda", kb_cmd_meeting_agenda,
     "[M] [--build] [--add N [--at POS]] [--drop N] [--move N --to POS] [--plan N=MIN]",
     N_("show the agenda, or edit the draft agenda built from the board"), 0},
    {"meeting", "start", kb_cmd_meeting_start, "[--attendees U,U] [--guest NAME]...",
     N_("start the meeting (prints its number); decisions attach to it"), 0},
    {"meeting", "next", kb_cmd_meeting_next, "[--prev | --item K]",
     N_("go to the next agenda item of the running meeting"), 0},
    {"meeting", "attend", kb_cmd_meeting_attend, "USER|NAME [--guest] [--absent]",
     N_("mark someone present (or absent) in the running meeting"), 0},
    {"meeting", "reveal", kb_cmd_meeting_reveal, "N",
     N_("show a confidential case in full on the shared screen (recorded)"), 0},
    {"meeting", "end", kb_cmd_meeting_end, "[--out F] [--include-confidential]",
     N_("end the running meeting and write its minutes"), 0},
    {"meeting", "minutes", kb_cmd_meeting_minutes, "M [--out F] [--include-confidential]",
     N_("write the minutes of a meeting again"), 0},
    {"action", "add", kb_cmd_action_add, "N --text T --owner USER [--due DATE]",
     N_("add an action item to a case"), 0},
    {"action", "done", kb_cmd_action_done, "ID", N_("mark an action item done"), 0},
    {"action", "list", kb_cmd_action_list, "[--mine] [--overdue] [--all]",
     N_("list open action items"), 0},
    {"org", "list", kb_cmd_org_list, "", N_("list organisations"), 0},
    {"org", "add", kb_cmd_org_add, "NAME [--kind K] [--contact PERSON] [--notes T]",
     N_("add an organisation"), 0},
    {"org", "edit", kb_cmd_org_edit, "NAME [--kind K] [--contact PERSON] [--notes T]",
     N_("change an organisation"), 0},
    {"contact", "add", kb_cmd_contact_add,
     "ORG --date DATE --dept CODE [--purpose T] [--window DAYS]",
     N_("record a contact moment; warns when another department has one nearby"), 0},
    {"contact", "list", kb_cmd_contact_list, "[ORG]", N_("list contact moments"), 0},
    {"contact", "window", kb_cmd_contact_window, "[DAYS]",
     N_("show or set how many days apart contact moments of two departments draw a warning"), 0},
    {"dept", "list", kb_cmd_dept_list, "", N_("list departments"), 0},
    {"dept", "add", kb_cmd_dept_add, "CODE --name NAME [--colour|--color C]",
     N_("add a department"), 0},
    {"dept", "edit", kb_cmd_dept_edit, "CODE [--name NAME] [--colour|--color C]",
     N_("rename or recolour a department"), 0},
    {"stage", "list", kb_cmd_stage_list, "", N_("list stages in board order"), 0},
    {"stage", "add", kb_cmd_stage_add,
     "CODE --name NAME [--position P] [--wip N] [--wip-dept CODE=N]... [--norm-days D] "
     "[--needs-reason|--no-reason]",
     N_("add a stage (--position P: at column P, later stages move right; default last)"), 0},
    {"stage", "edit", kb_cmd_stage_edit,
     "CODE [--name NAME] [--position P] [--wip N] [--wip-dept CODE=N]... [--norm-days D] "
     "[--needs-reason|--no-reason]",
     N_("change a stage (--position P: move it to column P)"), 0},
    {"line", "list", kb_cmd_line_list, "", N_("list action lines"), 0},
    {"line", "add", kb_cmd_line_add, "CODE --name NAME", N_("add an action line"), 0},
    {"line", "edit", kb_cmd_line_edit, "CODE --name NAME", N_("rename an action line"), 0},
    {"user", "add", kb_cmd_user_add,
     "NAME --role ROLE [--dept CODE] [--new-passphrase-file F] [--kdf K]", N_("add a user (admin)"),
     NOTUI},
    {"user", "list", kb_cmd_user_list, "", N_("list users"), 0},
    {"user", "remove", kb_cmd_user_remove, "NAME", N_("remove a user's access (admin)"), 0},
    {"user", "passwd", kb_cmd_user_passwd, "[NAME] [--new-passphrase-file F] [--kdf K]",
     N_("change your passphrase, or reset another user's (admin)"), NOTUI},
    {NULL, "stats", kb_cmd_stats, "", N_("counts per table and stage, sessions, edit locks"), 0},
    {NULL, "export", kb_cmd_export, "--format json|csv|md [--out F] [--include-confidential]",
     N_("export the board (json is complete and re-importable)"), 0},
    {NULL, "import", kb_cmd_import, "F [--dry-run] [--format json|csv] [--progress]",
     N_("import a json export or a csv of cases, all or nothing"), PATHS},
    {NULL, "backup", kb_cmd_backup, "DEST",
     N_("copy the board to DEST (a new board file) and verify the copy"), PATHS},
    {NULL, "restore", kb_cmd_restore, "BACKUP BOARD",
     N_("restore a backup over BOARD (admin; everyone else must close it), or to a new BOARD"),
     NOTUI | PATHS},
    {NULL, "rekey", kb_cmd_rekey, "",
     N_("rotate the data key (admin; everyone else must close the board)"), NOTUI},
    {NULL, "unlock", kb_cmd_unlock, "[--for DURATION]",
     N_("unlock once: keep the key in this login session's keyring (default 10m idle)"),
     NOTUI | NOJSON},
    {NULL, "lock", kb_cmd_lock, "", N_("forget every key kept in this login session"),
     NOTUI | NOJSON},
    {NULL, "doctor", kb_cmd_doctor, "[BOARD] [--repair-lock]",
     N_("check that the board's location is safe (mounts, locks, permissions, clock)"), PATHS},
    {NULL, "locks", kb_cmd_locks, "[--break N [--yes]]",
     N_("list edit locks, or break one (broker/admin; dead or expired: anyone)"), 0},
    {NULL, "log", kb_cmd_log, "[--since SEQ]", N_("show the audit log (the change feed)"), 0},
    {NULL, "who", kb_cmd_who, "", N_("list who has the board open"), 0},
    {NULL, "verify", kb_cmd_verify, "[--incremental] [--progress]",
     N_("check every record, the audit chain and signatures"), 0},
    {NULL, "watch", kb_cmd_watch, "N [--interval-ms MS] [--count K]",
     N_("poll a case and print its version (live-refresh check)"), NOTUI},
    /* reports and saved views */
    {NULL, "report", kb_cmd_report_run,
     "[NAME] [--json|--csv|--md] [--from DATE --to DATE] [QUERY|@VIEW]",
     N_("report: stages, ages, lead times, throughput, cross-domain, stuck cases, ...; with "
        "charts"),
     0},
    {"view", "save", kb_cmd_view_save,
     "NAME QUERY [--shared] [--sort priority|due|age|number] [--lanes CODE,..]",
     N_("save a query as a view (--shared: in the board, broker/admin); use it as @NAME"), 0},
    {"view", "list", kb_cmd_view_list, "[--json]", N_("list your personal and the shared views"),
     0},
    {"view", "remove", kb_cmd_view_remove, "NAME [--shared]", N_("remove a saved view"), NOJSON},
    {NULL, "completion", kb_cmd_completion, "bash",
     N_("print a bash completion script for kernboard"), NOTUI | NOJSON},
    /* issue 12: department goals and the triage inbox */
    {"goal", "list", kb_cmd_goal_list, "[DEPT]", N_("list department goals (policy hooks)"), 0},
    {"goal", "add", kb_cmd_goal_add, "DEPT CODE TEXT [--promote HOOK]",
     N_("add a department goal; --promote turns a free-text hook into it"), 0},
    {"goal", "edit", kb_cmd_goal_edit, "CODE [--text T] [--dept DEPT]",
     N_("change a department goal"), 0},
    {"goal", "remove", kb_cmd_goal_remove, "CODE", N_("remove a department goal"), 0},
    {"triage", "list", kb_cmd_triage_list, "",
     N_("list the triage inbox: first stage or no lead department, oldest first"), 0},
    {"triage", "next", kb_cmd_triage_next, "",
     N_("show the next case to triage, with similar cases"), 0},
    {NULL, "help", kb_cmd_help, "[COMMAND]", N_("show this help, or the help of one command"), 0},
};
const size_t kb_cmd_table_len = sizeof kb_cmd_table / sizeof kb_cmd_table[0];

/* ------------------------------------------------------------ messages */

int kb_cmd_report(kb_cmd_ctx *cx)
{
    int code = cx->err.code ? cx->err.code : KB_ESOFTWARE;
    /* name a damaged page: when the board could not be opened, or a read
     * of the open board met damaged data (not for errors in the user's
     * input or permissions: the check reads the whole file) */
    if (!cx->shared && cx->db && (!cx->opened || cx->err.damage))
        code = kb_board_explain_damage(cx->db, code, &cx->err);
    fprintf(cx->errf, "kernboard: %s\n", cx->err.msg[0] ? cx->err.msg : _("unknown error"));
    return code;
}

/* "kernboard: CMD: message" on the error stream, without the newline. */
static void kb_cmd_vsay(kb_cmd_ctx *cx, const char *cmd, const char *fmt, va_list ap)
{
    fputs("kernboard: ", cx->errf);
    if (cmd)
        fprintf(cx->errf, "%s: ", cmd);
    vfprintf(cx->errf, fmt, ap);
}

int kb_cmd_fail(kb_cmd_ctx *cx, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kb_cmd_vsay(cx, NULL, fmt, ap);
    va_end(ap);
    fputc('\n', cx->errf);
    return code;
}

int kb_cmd_usage(kb_cmd_ctx *cx, const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kb_cmd_vsay(cx, cmd, fmt, ap);
    va_end(ap);
    fputs(cx->shared ? _(" (see ':help')") : _(" (see 'kernboard --help')"), cx->errf);
    fputc('\n', cx->errf);
    return KB_EUSAGE;
}

int kb_cmd_bad_value(kb_cmd_ctx *cx, const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kb_cmd_vsay(cx, cmd, fmt, ap);
    va_end(ap);
    fputc('\n', cx->errf);
    return KB_EDATA;
}

/* ------------------------------------------------------------ generated */

static char *kb_cmd_head(const kb_cmd_entry *c)
{
    return kb_asprintf("%s%s%s%s%s", c->group ? c->group : "", c->group ? " " : "", c->name,
                       c->args[0] ? " " : "", c->args);
}

/* Is word a command group ("case", "meeting", ...)? */
static bool kb_cmd_is_group(const char *word)
{
    for (size_t k = 0; k < kb_cmd_table_len; k++)
        if (kb_cmd_table[k].group && strcmp(kb_cmd_table[k].group, word) == 0)
            return true;
    return false;
}

/* The row of "w0" or "w0 w1" (a group's command); NULL if none. */
static const kb_cmd_entry *kb_cmd_lookup(const char *w0, const char *w1)
{
    for (size_t k = 0; k < kb_cmd_table_len; k++) {
        const kb_cmd_entry *c = &kb_cmd_table[k];
        if (c->group ? w1 && strcmp(c->group, w0) == 0 && strcmp(c->name, w1) == 0
                     : strcmp(c->name, w0) == 0)
            return c;
    }
    return NULL;
}

/* Print text from column col, wrapped before a word that would end past
 * column 79; a word is what lies between blanks outside brackets, so
 * "[--stage S [--reason R]]" stays on one line.  Rows after the first start
 * with indent blanks. */
static void kb_cmd_wrap(FILE *out, const char *text, size_t col, size_t indent)
{
    const char *p = text;
    bool first = true;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *w = p;
        int depth = 0;
        while (*p && (*p != ' ' || depth > 0)) {
            depth += *p == '[' ? 1 : *p == ']' ? -1 : 0;
            p++;
        }
        size_t n = (size_t)(p - w);
        if (!first && col + 1 + n > 79 && col > indent) {
            fprintf(out, "\n%*s", (int)indent, "");
            col = indent;
        } else if (!first) {
            fputc(' ', out);
            col++;
        }
        fprintf(out, "%.*s", (int)n, w);
        col += n;
        first = false;
    }
    fputc('\n', out);
}

/* The command list of --help and :help (group NULL), or of one group. */
static void kb_cmd_list(FILE *out, bool tui, const char *group)
{
    for (size_t i = 0; i < kb_cmd_table_len; i++) {
        const kb_cmd_entry *c = &kb_cmd_table[i];
        if (tui && (c->flags & KB_CMDF_NOTUI))
            continue;
        if (group && (!c->group || strcmp(c->group, group) != 0))
            continue;
        char *head = kb_cmd_head(c);
        if (strlen(head) <= 38) {
            fprintf(out, "  %-38s %s\n", head, _(c->summary));
        } else { /* long synopsis: wrapped, the summary on a row of its own */
            fputs("  ", out);
            kb_cmd_wrap(out, head, 2, 6);
            fprintf(out, "  %-38s %s\n", "", _(c->summary));
        }
        kb_free(&head);
    }
}

void kb_cmd_print_commands(FILE *out, bool tui)
{
    kb_cmd_list(out, tui, NULL);
}

/* `help COMMAND` (`kernboard COMMAND --help`, `:help COMMAND`): the
 * command's usage with every option it takes, its summary and where to
 * read more; a group alone lists its commands.  Words after the command
 * (its arguments) are ignored, so `kernboard case edit 12 --help` works. */
static int kb_cmd_help_one(kb_cmd_ctx *cx, int argc, char **argv)
{
    const char *w0 = argv[1], *w1 = argc > 2 ? argv[2] : NULL;
    /* ":help move" is ":help case move" ('case' may be left out there) */
    if (cx->shared && !kb_cmd_known(w0) && kb_cmd_case_verb(w0)) {
        w1 = w0;
        w0 = "case";
    }
    if (!kb_cmd_known(w0))
        return kb_cmd_usage(cx, "help", _("unknown command '%s'"), w0);
    const char *usage = _("Usage:");
    const char *me = cx->shared ? ":" : "kernboard ";
    if (kb_cmd_is_group(w0) && (!w1 || w1[0] == '-')) {
        fprintf(cx->out, "%s %s%s %s\n\n", usage, me, w0, _("COMMAND [ARGS]"));
        kb_cmd_list(cx->out, cx->shared != NULL, w0);
        fputc('\n', cx->out);
        if (cx->shared)
            fprintf(cx->out, _("':help %s COMMAND' shows the help of one command.\n"), w0);
        else
            fprintf(cx->out,
                    _("'kernboard %s COMMAND --help' shows the help of one command; "
                      "details: kernboard(1).\n"),
                    w0);
        return KB_OK;
    }
    const kb_cmd_entry *c = kb_cmd_lookup(w0, w1);
    if (!c)
        return kb_cmd_usage(cx, "help", _("unknown command '%s %s'"), w0, w1);
    char *head = kb_cmd_head(c);
    fprintf(cx->out, "%s %s", usage, me);
    size_t col = strlen(usage) + 1 + strlen(me);
    size_t indent = col + strlen(c->name) + 1 + (c->group ? strlen(c->group) + 1 : 0);
    kb_cmd_wrap(cx->out, head, col, indent > 40 ? 8 : indent);
    kb_free(&head);
    fputc('\n', cx->out);
    kb_cmd_wrap(cx->out, _(c->summary), 0, 0);
    fputc('\n', cx->out);
    if (cx->shared && (c->flags & KB_CMDF_NOTUI)) {
        fprintf(cx->out, _("'%s%s%s' runs only from the shell, not inside the board"),
                c->group ? c->group : "", c->group ? " " : "", c->name);
        fputc('\n', cx->out);
    }
    if (cx->shared)
        fputs(_("See kernboard(1) for details; ':help' lists every command.\n"), cx->out);
    else
        fputs(_("See kernboard(1) for details; 'kernboard --help' lists every command and the\n"
                "global options (--db, --user, --passphrase-file, --json).\n"),
              cx->out);
    return KB_OK;
}

static int kb_cmd_help(kb_cmd_ctx *cx, int argc, char **argv)
{
    if (argc > 1)
        return kb_cmd_help_one(cx, argc, argv);
    if (cx->shared) {
        fprintf(cx->out, "%s\n",
                _("Commands (as on the command line; 'case' may be left out: "
                  ":move 12 connect):"));
        kb_cmd_print_commands(cx->out, true);
        fprintf(cx->out, "%s\n",
                _("Screen commands: show N, edit N, add [TITLE], comment N, filter QUERY, undo, "
                  "refresh, "
                  "lock, quit"));
        fprintf(cx->out, "%s\n", _("':help COMMAND' shows the help of one command."));
        return KB_OK;
    }
    fprintf(cx->out, "%s",
            _("Usage: kernboard [OPTIONS] [BOARD]          open the board in the terminal UI\n"
              "       kernboard [OPTIONS] COMMAND [ARGS]   run one command\n"
              "Keyboard-driven case tracker for a municipal kernteam, kept in one encrypted\n"
              "board file on a shared drive.\n\n"
              "Commands:\n"));
    kb_cmd_print_commands(cx->out, false);
    fprintf(cx->out, "%s",
            _("\nGlobal options (anywhere on the line):\n"
              "  --db BOARD              board file (default $KERNBOARD_DB)\n"
              "  --user NAME             your user name (default $KERNBOARD_USER, then $USER)\n"
              "  --passphrase-file F     read the passphrase from F (default\n"
              "                          $KERNBOARD_PASSPHRASE_FILE; otherwise a prompt)\n"
              "  --json                  print read results as one JSON document\n"
              "  -h, --help              show this help (after a command: that command's)\n"
              "  -V, --version           show the version\n\n"
              "Exit codes: 0 ok, 64 usage, 65 bad input, 66 no such board or record,\n"
              "69 board busy, 73 cannot create, 74 I/O error, 75 changed or being edited\n"
              "by someone else, 77 wrong passphrase or not permitted.\n"
              "See kernboard(1) for details.\n"));
    return KB_OK;
}

bool kb_cmd_probe(kb_cmd_ctx *cx, const struct option *longs)
{
    if (!cx->probe)
        return false;
    cx->probed = true;
    for (; longs && longs->name; longs++) {
        char *o = kb_asprintf("--%s%s", longs->name, longs->has_arg ? "=" : "");
        if (!kb_strv_contains(cx->probe, o))
            kb_strv_push(cx->probe, o);
        kb_free(&o);
    }
    return true;
}

/* The long options a command takes, each "--name", or "--name=" when it
 * takes a value: asked from the command itself (kb_cmd_probe: its getopt
 * table).  It runs with no board, no input, output to /dev/null and one
 * argument no command accepts, so a command that does not probe stops at
 * a usage error before doing anything; for those (the ones that parse
 * their words by hand) the options come from the synopsis, where an
 * option followed by a placeholder ("--from DATE") takes a value. */
static void kb_cmd_option_list(const kb_cmd_entry *c, kb_strv *out)
{
    FILE *null = fopen("/dev/null", "w");
    kb_cmd_ctx cx = {.out = null, .errf = null, .probe = out};
    char *argv[] = {(char *)c->name, (char *)"--kb-probe-options", NULL};
    if (null && c->fn != kb_cmd_help && c->fn != kb_cmd_completion)
        (void)c->fn(&cx, 2, argv);
    if (null)
        fclose(null);
    if (cx.probed)
        return;
    const char *p = c->args;
    while ((p = strstr(p, "--")) != NULL) {
        size_t n = 2;
        while (p[n] && (p[n] == '-' || (p[n] >= 'a' && p[n] <= 'z')))
            n++;
        bool value = p[n] == ' ' && p[n + 1] && !strchr("-[|", p[n + 1]);
        char *o = kb_asprintf("%.*s%s", (int)n, p, value ? "=" : "");
        if (!kb_strv_contains(out, o))
            kb_strv_push(out, o);
        kb_free(&o);
        p += n;
    }
}

/* The global options, as the completion script offers them. */
static const char kb_cmd_globals[] = "--db --user --passphrase-file --json --help --version";

/* A command's options for the completion script: all (opts) and those
 * that take a value (vals), each " --name"; not the global ones. */
static void kb_cmd_options(const kb_cmd_entry *c, kb_buf *opts, kb_buf *vals)
{
    kb_strv list = {0};
    kb_cmd_option_list(c, &list);
    for (size_t i = 0; i < list.n; i++) {
        size_t n = strcspn(list.v[i], "=");
        char *name = kb_strndup(list.v[i], n);
        char *spaced = kb_asprintf(" %s ", name);
        char *globals = kb_asprintf(" %s ", kb_cmd_globals);
        if (!strstr(globals, spaced)) {
            kb_buf_printf(opts, " %s", name);
            if (list.v[i][n] == '=')
                kb_buf_printf(vals, " %s", name);
        }
        kb_free(&globals);
        kb_free(&spaced);
        kb_free(&name);
    }
    kb_strv_free(&list);
}

/* The words of an enumeration: " a b c" from name(0..n). */
static void kb_cmd_enum_words(kb_buf *out, const char *(*name)(int), int n)
{
    for (int i = 0; i < n; i++)
        kb_buf_printf(out, " %s", name(i));
}

static const char *kb_cmd_role_word(int i)
{
    return kb_role_name((enum kb_role)(KB_ROLE_ADMIN - i));
}

static const char *kb_cmd_conf_word(int i)
{
    return kb_conf_name((enum kb_conf)i);
}

static const char *kb_cmd_link_word(int i)
{
    return kb_link_kind_name((enum kb_link_kind)i);
}

static const char *kb_cmd_report_word(int i)
{
    return kb_report_names[i];
}

static const char *kb_cmd_sort_word(int i)
{
    return kb_view_sorts[i];
}

/* The first words: the groups and the top-level commands, " a b ...". */
static void kb_cmd_top_words(kb_buf *top)
{
    kb_strv w = {0};
    kb_cmd_words(NULL, false, &w);
    for (size_t i = 0; i < w.n; i++)
        kb_buf_printf(top, " %s", w.v[i]);
    kb_strv_free(&w);
}

void kb_cmd_print_completion(FILE *out)
{
    kb_buf top = KB_BUF_INIT, groups = KB_BUF_INIT;
    kb_cmd_top_words(&top);
    for (size_t i = 0; i < kb_cmd_table_len; i++) {
        const char *g = kb_cmd_table[i].group;
        bool first = g != NULL;
        for (size_t k = 0; first && k < i; k++)
            if (kb_cmd_table[k].group && strcmp(kb_cmd_table[k].group, g) == 0)
                first = false;
        if (first)
            kb_buf_printf(&groups, "%s%s", groups.len ? "|" : "", g);
    }
    fprintf(out,
            "# bash completion for kernboard, generated by 'kernboard completion bash'\n"
            "# from the program's command table.  Install: copy to\n"
            "# /usr/share/bash-completion/completions/kernboard (done by cmake --install)\n"
            "# or source it from ~/.bashrc.\n"
            "_kernboard()\n{\n"
            "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
            "    local globals='%s'\n"
            "    local i w ci=0 si=0 n=0 cmd='' sub='' opts='' vals=''\n"
            "    COMPREPLY=()\n"
            "    case $prev in\n"
            "        --db|--passphrase-file) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
            "        --user) return ;;\n"
            "    esac\n"
            "    # the command (and a group's subcommand), skipping global options\n"
            "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
            "        case ${COMP_WORDS[i]} in\n"
            "            --db|--user|--passphrase-file) ((i++)) ;;\n"
            "            -*) ;;\n"
            "            *) if [ $ci = 0 ]; then ci=$i; else si=$i; break; fi ;;\n"
            "        esac\n"
            "    done\n"
            "    if [ $ci = 0 ]; then\n"
            "        COMPREPLY=($(compgen -W \"%s $globals\" -- \"$cur\")); return\n"
            "    fi\n"
            "    cmd=${COMP_WORDS[ci]}\n"
            "    case $cmd in\n"
            "        %s)\n"
            "            if [ $si = 0 ]; then\n"
            "                case $cmd in\n",
            kb_cmd_globals, top.data + 1, groups.data);
    /* a group's subcommands */
    for (size_t i = 0; i < kb_cmd_table_len; i++) {
        const kb_cmd_entry *c = &kb_cmd_table[i];
        if (!c->group)
            continue;
        bool first = true;
        for (size_t k = 0; first && k < i; k++)
            if (kb_cmd_table[k].group && strcmp(kb_cmd_table[k].group, c->group) == 0)
                first = false;
        if (!first)
            continue;
        kb_strv subs = {0};
        kb_cmd_words(c->group, false, &subs);
        char *list = kb_strv_join(&subs, " ");
        fprintf(out, "                    %s) w='%s' ;;\n", c->group, list);
        kb_free(&list);
        kb_strv_free(&subs);
    }
    fprintf(out, "                esac\n"
                 "                COMPREPLY=($(compgen -W \"$w\" -- \"$cur\")); return\n"
                 "            fi\n"
                 "            sub=${COMP_WORDS[si]} ;;\n"
                 "        *) si=0 ;;\n"
                 "    esac\n"
                 "    # its options (vals: those that take a value)\n"
                 "    case \"$cmd${sub:+ $sub}\" in\n");
    for (size_t i = 0; i < kb_cmd_table_len; i++) {
        const kb_cmd_entry *c = &kb_cmd_table[i];
        kb_buf opts = KB_BUF_INIT, vals = KB_BUF_INIT;
        kb_cmd_options(c, &opts, &vals);
        fprintf(out, "        '%s%s%s') opts='%s'; vals='%s' ;;\n", c->group ? c->group : "",
                c->group ? " " : "", c->name, opts.data ? opts.data + 1 : "",
                vals.data ? vals.data + 1 : "");
        kb_buf_free(&opts);
        kb_buf_free(&vals);
    }
    /* option values: known words, file names, or nothing (a code, a name,
     * a date or a text the board knows: never the option names) */
    kb_buf role = KB_BUF_INIT, conf = KB_BUF_INIT, link = KB_BUF_INIT, sorts = KB_BUF_INIT,
           sections = KB_BUF_INIT;
    kb_cmd_enum_words(&role, kb_cmd_role_word, KB_ROLE_ADMIN + 1);
    kb_cmd_enum_words(&conf, kb_cmd_conf_word, KB_CONF_CONFIDENTIAL + 1);
    kb_cmd_enum_words(&link, kb_cmd_link_word, KB_LINK_BLOCKS + 1);
    kb_cmd_enum_words(&sorts, kb_cmd_sort_word, (int)kb_view_sort_count);
    kb_cmd_enum_words(&sections, kb_cmd_report_word, (int)kb_report_name_count);
    fprintf(out,
            "    esac\n"
            "    if [[ \" $vals \" == *\" $prev \"* ]]; then\n"
            "        case \"$cmd${sub:+ $sub}:$prev\" in\n"
            "            export:--format) w='json csv md' ;;\n"
            "            import:--format) w='json csv' ;;\n"
            "            *:--kdf) w='interactive moderate sensitive' ;;\n"
            "            *:--role) w='%s' ;;\n"
            "            *:--as) w='%s' ;;\n"
            "            *:--confidentiality) w='%s' ;;\n"
            "            *:--priority) w='0 1 2 3' ;;\n"
            "            *:--sort) w='%s' ;;\n"
            "            *:--out|*:--minutes|*:--new-passphrase-file)\n"
            "                COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
            "            *) return ;;\n"
            "        esac\n"
            "        COMPREPLY=($(compgen -W \"$w\" -- \"$cur\")); return\n"
            "    fi\n"
            "    case $cur in -*)\n"
            "        COMPREPLY=($(compgen -W \"$opts $globals\" -- \"$cur\")); return ;;\n"
            "    esac\n"
            "    # the arguments before this one (not options, nor their values)\n"
            "    for ((i = (si > 0 ? si : ci) + 1; i < COMP_CWORD; i++)); do\n"
            "        w=${COMP_WORDS[i]}\n"
            "        case $w in\n"
            "            --db|--user|--passphrase-file) ((i++)) ;;\n"
            "            -*) [[ \" $vals \" == *\" $w \"* ]] && ((i++)) ;;\n"
            "            *) ((n++)) ;;\n"
            "        esac\n"
            "    done\n"
            "    case $cmd:$n in\n"
            "        report:0) w='%s' ;;\n"
            "        completion:0) w='bash' ;;\n"
            "        help:0) w='%s' ;;\n"
            "        *) w=\"$opts $globals\" ;;\n"
            "    esac\n"
            "    COMPREPLY=($(compgen -W \"$w\" -- \"$cur\"))\n"
            "    [ ${#COMPREPLY[@]} -eq 0 ] && COMPREPLY=($(compgen -f -- \"$cur\"))\n"
            "}\n"
            "complete -F _kernboard kernboard\n",
            role.data + 1, link.data + 1, conf.data + 1, sorts.data + 1, sections.data + 1,
            top.data + 1);
    kb_buf_free(&role);
    kb_buf_free(&conf);
    kb_buf_free(&link);
    kb_buf_free(&sorts);
    kb_buf_free(&sections);
    kb_buf_free(&groups);
    kb_buf_free(&top);
}

static int kb_cmd_completion(kb_cmd_ctx *cx, int argc, char **argv)
{
    if (argc < 2)
        return kb_cmd_usage(cx, "completion", _("give the shell: completion bash"));
    if (strcmp(argv[1], "bash") != 0)
        return kb_cmd_usage(cx, "completion",
                            _("no completion for '%s': only bash is supported (completion bash)"),
                            argv[1]);
    if (argc > 2)
        return kb_cmd_usage(cx, "completion", _("unexpected argument '%s'"), argv[2]);
    kb_cmd_print_completion(cx->out);
    return KB_OK;
}

void kb_cmd_words(const char *group, bool tui, kb_strv *out)
{
    for (size_t k = 0; k < kb_cmd_table_len; k++) {
        const kb_cmd_entry *c = &kb_cmd_table[k];
        if (tui && (c->flags & KB_CMDF_NOTUI))
            continue;
        const char *w = NULL;
        if (group)
            w = c->group && strcmp(c->group, group) == 0 ? c->name : NULL;
        else if (c->group)
            w = tui && strcmp(c->group, "case") == 0 ? c->name : c->group;
        else
            w = c->name;
        if (w && !kb_strv_contains(out, w))
            kb_strv_push(out, w);
        if (!group && tui && c->group && !kb_strv_contains(out, c->group))
            kb_strv_push(out, c->group);
    }
}

/* ------------------------------------------------------------ dispatch */

bool kb_cmd_known(const char *word)
{
    for (size_t k = 0; k < kb_cmd_table_len; k++)
        if (strcmp(word, kb_cmd_table[k].group ? kb_cmd_table[k].group : kb_cmd_table[k].name) == 0)
            return true;
    return false;
}

bool kb_cmd_case_verb(const char *word)
{
    for (size_t k = 0; k < kb_cmd_table_len; k++)
        if (kb_cmd_table[k].group && strcmp(kb_cmd_table[k].group, "case") == 0 &&
            strcmp(kb_cmd_table[k].name, word) == 0)
            return true;
    return false;
}

/* Run the command of row c on argv[0..argc) (its own name first). */
static int kb_cmd_exec(kb_cmd_ctx *cx, const kb_cmd_entry *c, int argc, char **argv)
{
    if (c->flags & KB_CMDF_PATHS) /* '' is no file name: refused before any work */
        for (int i = 1; i < argc; i++)
            if (!argv[i][0]) {
                char *cmd =
                    kb_asprintf("%s%s%s", c->group ? c->group : "", c->group ? " " : "", c->name);
                int rc = kb_cmd_usage(cx, cmd, _("an empty argument ('') is not a file name"));
                kb_free(&cmd);
                return rc;
            }
    if (!(cx->json && (c->flags & KB_CMDF_NOJSON)))
        return c->fn(cx, argc, argv);
    /* no JSON form: with --json it prints nothing (docs/cli-json.md) */
    char *dropped = NULL;
    size_t len = 0;
    FILE *sink = open_memstream(&dropped, &len);
    if (!sink) /* out of memory: abort, like every allocation (mem.h) */
        abort();
    FILE *out = cx->out;
    cx->out = sink;
    int rc = c->fn(cx, argc, argv);
    cx->out = out;
    fclose(sink);
    free(dropped);
    return rc;
}

static int kb_cmd_dispatch(kb_cmd_ctx *cx, int argc, char **argv);

int kb_cmd_run(kb_cmd_env *env, int argc, char **argv)
{
    kb_cmd_ctx cx = {.db = env->db,
                     .user = env->user,
                     .passphrase_file = env->passphrase_file,
                     .json = env->json,
                     .shared = env->board,
                     .out = env->out ? env->out : stdout,
                     .errf = env->err ? env->err : stderr,
                     .in = env->in,
                     .width = env->width,
                     .shared_screen = env->shared_screen,
                     .revealed = env->revealed};
    kb_err_clear(&cx.err);
    /* the first "--" ends the options: drop it, and remember where the
     * operands begin (kb_cmd_getopt, kb_cmd_is_option) */
    char **words = kb_calloc((size_t)argc + 1, sizeof *words);
    int nw = 0;
    for (int i = 0; i < argc; i++) {
        if (!cx.operands && strcmp(argv[i], "--") == 0) {
            cx.operands = words + nw;
            continue;
        }
        words[nw++] = argv[i];
    }
    int rc = kb_cmd_dispatch(&cx, nw, words);
    kb_free(&words);
    return rc;
}

static int kb_cmd_dispatch(kb_cmd_ctx *cx, int argc, char **argv)
{
    if (argc < 1)
        return kb_cmd_usage(cx, NULL, _("which command?"));
    for (size_t k = 0; k < kb_cmd_table_len; k++) {
        const kb_cmd_entry *c = &kb_cmd_table[k];
        const char *word = c->group ? c->group : c->name;
        if (strcmp(argv[0], word) != 0)
            continue;
        if (c->group) {
            if (argc < 2)
                return kb_cmd_usage(cx, c->group, _("which %s command? e.g. '%s %s'"), c->group,
                                    c->group, c->name);
            if (strcmp(argv[1], c->name) != 0)
                continue;
        }
        if (cx->shared && (c->flags & KB_CMDF_NOTUI))
            return kb_cmd_fail(cx, KB_EUSAGE,
                               _("'%s%s%s' runs only from the shell, not inside the board"),
                               c->group ? c->group : "", c->group ? " " : "", c->name);
        return c->group ? kb_cmd_exec(cx, c, argc - 1, argv + 1) : kb_cmd_exec(cx, c, argc, argv);
    }
    bool group = false;
    for (size_t k = 0; k < kb_cmd_table_len; k++)
        if (kb_cmd_table[k].group && strcmp(kb_cmd_table[k].group, argv[0]) == 0)
            group = true;
    if (group)
        return kb_cmd_usage(cx, argv[0], _("unknown command '%s %s'"), argv[0], argv[1]);
    return kb_cmd_usage(cx, NULL, _("unknown command '%s'"), argv[0]);
}

/* ------------------------------------------------------------ words */

int kb_cmd_split(const char *line, kb_strv *out, kb_err *e)
{
    const char *p = line;
    kb_buf w = KB_BUF_INIT;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (!*p)
            break;
        kb_buf_clear(&w);
        kb_buf_putc(&w, 'x'); /* keeps data non-NULL for empty words ("") */
        while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
            char q = *p;
            if (q == '"' || q == '\'') {
                p++;
                while (*p && *p != q) {
                    if (q == '"' && *p == '\\' && p[1])
                        p++;
                    kb_buf_putc(&w, *p++);
                }
                if (*p != q) {
                    kb_buf_free(&w);
                    kb_strv_free(out);
                    return kb_err_set(e, KB_EUSAGE, _("unterminated quote in '%s'"), line);
                }
                p++;
            } else if (q == '\\' && p[1]) {
                kb_buf_putc(&w, p[1]);
                p += 2;
            } else {
                kb_buf_putc(&w, *p++);
            }
        }
        kb_strv_push(out, w.data + 1);
    }
    kb_buf_free(&w);
    return KB_OK;
}
