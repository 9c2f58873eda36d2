/* cli.c - global options, the command table and --help; see kernboard/cli.h. */
#include "kernboard/cli.h"
#include "cli_internal.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int kb_cmd_help(kb_cli *cli, int argc, char **argv);

/* The command table: one row per command; --help is generated from it. */
static const kb_cli_cmd kb_cli_cmds[] = {
    {NULL, "init", kb_cmd_init, "BOARD [--kdf interactive|moderate|sensitive]",
     N_("create a board; you become its admin")},
    {NULL, "demo", kb_cmd_demo, "BOARD", N_("create a demo board with Dutch example cases")},
    {"case", "add", kb_cmd_case_add, "--title T [--dept CODE] [--also CODE,..] [...]",
     N_("add a case")},
    {"case", "list", kb_cmd_case_list, "[QUERY]", N_("list cases matching a query")},
    {"case", "show", kb_cmd_case_show, "N", N_("show a case with its timeline")},
    {"case", "edit", kb_cmd_case_edit, "N [--title T] ... [--expect-version V]",
     N_("change fields of a case")},
    {"case", "move", kb_cmd_case_move, "N STAGE", N_("move a case to another stage")},
    {"case", "comment", kb_cmd_case_comment, "N TEXT|-", N_("add a comment to a case")},
    {"case", "lock", kb_cmd_case_lock, "N [--seconds S] [--lease-seconds L] [--no-renew]",
     N_("hold the edit lock of a case for S seconds")},
    {"case", "link", kb_cmd_case_link, "N M --as related|duplicate|blocks", N_("link two cases")},
    {"case", "decide", kb_cmd_case_decide, "N TEXT [--meeting M]",
     N_("record a decision on a case")},
    {"meeting", "add", kb_cmd_meeting_add,
     "--date DATE [--attendees U,U] [--agenda N,N] [--minutes F|-]", N_("record a meeting")},
    {"meeting", "list", kb_cmd_meeting_list, "", N_("list meetings")},
    {"meeting", "show", kb_cmd_meeting_show, "M", N_("show a meeting with its decisions")},
    {"action", "add", kb_cmd_action_add, "N --text T --owner USER [--due DATE]",
     N_("add an action item to a case")},
    {"action", "done", kb_cmd_action_done, "ID", N_("mark an action item done")},
    {"action", "list", kb_cmd_action_list, "[--mine] [--overdue] [--all]",
     N_("list open action items")},
    {"org", "list", kb_cmd_org_list, "", N_("list organisations")},
    {"org", "add", kb_cmd_org_add, "NAME [--kind K] [--contact PERSON] [--notes T]",
     N_("add an organisation")},
    {"org", "edit", kb_cmd_org_edit, "NAME [--kind K] [--contact PERSON] [--notes T]",
     N_("change an organisation")},
    {"contact", "add", kb_cmd_contact_add, "ORG --date DATE --dept CODE [--purpose T]",
     N_("record a contact moment; warns when another department has one nearby")},
    {"contact", "list", kb_cmd_contact_list, "[ORG]", N_("list contact moments")},
    {"dept", "list", kb_cmd_dept_list, "", N_("list departments")},
    {"dept", "add", kb_cmd_dept_add, "CODE --name NAME [--colour C]", N_("add a department")},
    {"dept", "edit", kb_cmd_dept_edit, "CODE [--name NAME] [--colour C]",
     N_("rename or recolour a department")},
    {"stage", "list", kb_cmd_stage_list, "", N_("list stages in board order")},
    {"stage", "add", kb_cmd_stage_add,
     "CODE --name NAME [--position P] [--wip N] [--norm-days D] [--needs-reason]",
     N_("add a stage")},
    {"stage", "edit", kb_cmd_stage_edit,
     "CODE [--name NAME] [--position P] [--wip N] [--norm-days D] [--needs-reason|--no-reason]",
     N_("change a stage")},
    {"line", "list", kb_cmd_line_list, "", N_("list action lines")},
    {"line", "add", kb_cmd_line_add, "CODE --name NAME", N_("add an action line")},
    {"line", "edit", kb_cmd_line_edit, "CODE --name NAME", N_("rename an action line")},
    {"user", "add", kb_cmd_user_add,
     "NAME --role ROLE [--dept CODE] [--new-passphrase-file F] [--kdf K]",
     N_("add a user (admin)")},
    {"user", "list", kb_cmd_user_list, "", N_("list users")},
    {"user", "remove", kb_cmd_user_remove, "NAME", N_("remove a user's access (admin)")},
    {"user", "passwd", kb_cmd_user_passwd, "[NAME] [--new-passphrase-file F] [--kdf K]",
     N_("change your passphrase, or reset another user's (admin)")},
    {NULL, "stats", kb_cmd_stats, "", N_("counts per table and stage, sessions, edit locks")},
    {NULL, "export", kb_cmd_export, "--format json|csv|md [--out F]",
     N_("export the board (json is complete and re-importable)")},
    {NULL, "import", kb_cmd_import, "F [--dry-run] [--format json|csv]",
     N_("import a json export or a csv of cases, all or nothing")},
    {NULL, "backup", kb_cmd_backup, "DEST",
     N_("copy the board to DEST (a new board file) and verify the copy")},
    {NULL, "rekey", kb_cmd_rekey, "",
     N_("rotate the data key (admin; everyone else must close the board)")},
    {NULL, "doctor", kb_cmd_doctor, "[BOARD]",
     N_("check that the board's location is safe (mounts, locks, permissions, clock)")},
    {NULL, "locks", kb_cmd_locks, "[--break N [--yes]]",
     N_("list edit locks, or break one (broker/admin; dead or expired: anyone)")},
    {NULL, "log", kb_cmd_log, "[--since SEQ]", N_("show the audit log (the change feed)")},
    {NULL, "who", kb_cmd_who, "", N_("list who has the board open")},
    {NULL, "verify", kb_cmd_verify, "", N_("check every record, the audit chain and signatures")},
    {NULL, "watch", kb_cmd_watch, "N [--interval-ms MS] [--count K]",
     N_("poll a case and print its version (live-refresh check)")},
    {NULL, "help", kb_cmd_help, "", N_("show this help")},
};
static const size_t kb_cli_ncmds = sizeof kb_cli_cmds / sizeof kb_cli_cmds[0];

int kb_cli_fail(kb_cli *cli, int code, const char *fmt, ...)
{
    (void)cli;
    va_list ap;
    va_start(ap, fmt);
    fputs("kernboard: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

int kb_cli_report(kb_cli *cli)
{
    int code = cli->err.code ? cli->err.code : KB_ESOFTWARE;
    fprintf(stderr, "kernboard: %s\n", cli->err.msg[0] ? cli->err.msg : _("unknown error"));
    return code;
}

int kb_cli_usage(kb_cli *cli, const char *cmd, const char *fmt, ...)
{
    (void)cli;
    va_list ap;
    va_start(ap, fmt);
    fputs("kernboard: ", stderr);
    if (cmd)
        fprintf(stderr, "%s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, _(" (see 'kernboard --help')"));
    fputc('\n', stderr);
    va_end(ap);
    return KB_EUSAGE;
}

static void kb_cli_print_help(FILE *out)
{
    fprintf(out, _("Usage: kernboard [OPTIONS] [BOARD]          open the board in the terminal UI\n"
                   "       kernboard [OPTIONS] COMMAND [ARGS]   run one command\n"
                   "Keyboard-driven case tracker for a municipal kernteam, kept in one encrypted\n"
                   "board file on a shared drive.\n\n"
                   "Commands:\n"));
    for (size_t i = 0; i < kb_cli_ncmds; i++) {
        const kb_cli_cmd *c = &kb_cli_cmds[i];
        char *head = kb_asprintf("%s%s%s%s%s", c->group ? c->group : "", c->group ? " " : "",
                                 c->name, c->args[0] ? " " : "", c->args);
        if (strlen(head) <= 38)
            fprintf(out, "  %-38s %s\n", head, _(c->summary));
        else /* long synopsis: summary on its own line */
            fprintf(out, "  %s\n  %-38s %s\n", head, "", _(c->summary));
        kb_free(&head);
    }
    fprintf(out,
            _("\nGlobal options (anywhere on the line):\n"
              "  --db BOARD              board file (default $KERNBOARD_DB)\n"
              "  --user NAME             your user name (default $KERNBOARD_USER, then $USER)\n"
              "  --passphrase-file F     read the passphrase from F (default\n"
              "                          $KERNBOARD_PASSPHRASE_FILE; otherwise a prompt)\n"
              "  --json                  print read results as one JSON document\n"
              "  -h, --help              show this help\n"
              "  -V, --version           show the version\n\n"
              "Exit codes: 0 ok, 64 usage, 65 bad input, 66 no such board or record,\n"
              "69 board busy, 73 cannot create, 74 I/O error, 75 changed or being edited\n"
              "by someone else, 77 wrong passphrase or not permitted.\n"
              "See kernboard(1) for details.\n"));
}

static int kb_cmd_help(kb_cli *cli, int argc, char **argv)
{
    (void)cli;
    (void)argc;
    (void)argv;
    kb_cli_print_help(stdout);
    return KB_OK;
}

/* Take the value of a global option: "--db X" or "--db=X". */
static int kb_cli_optval(kb_cli *cli, int argc, char **argv, int *i, const char *name,
                         const char **out)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (a[n] == '=') {
        *out = a + n + 1;
        return KB_OK;
    }
    if (*i + 1 >= argc)
        return kb_cli_usage(cli, NULL, _("option %s needs a value"), name);
    *out = argv[++*i];
    return KB_OK;
}

/* A lone argument that is not a command but names a board file. */
static bool kb_cli_is_board_arg(const char *a)
{
    for (size_t k = 0; k < kb_cli_ncmds; k++)
        if (strcmp(a, kb_cli_cmds[k].group ? kb_cli_cmds[k].group : kb_cli_cmds[k].name) == 0)
            return false;
    size_t n = strlen(a);
    return strchr(a, '/') || (n > 3 && strcmp(a + n - 3, ".kb") == 0) || access(a, F_OK) == 0;
}

static bool kb_opt_is(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

int kb_cli_main(int argc, char **argv, kb_launch *tui)
{
    kb_cli cli = {0};
    int rc = KB_OK;
    bool want_help = false;
    char **rest = kb_calloc((size_t)argc + 1, sizeof *rest);
    int nrest = 0;

    /* Global options may appear anywhere; "--" ends option scanning. */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            while (i < argc)
                rest[nrest++] = argv[i++];
            break;
        }
        if (kb_opt_is(a, "--db")) {
            if ((rc = kb_cli_optval(&cli, argc, argv, &i, "--db", &cli.db)))
                goto out;
        } else if (kb_opt_is(a, "--user")) {
            if ((rc = kb_cli_optval(&cli, argc, argv, &i, "--user", &cli.user)))
                goto out;
        } else if (kb_opt_is(a, "--passphrase-file")) {
            if ((rc = kb_cli_optval(&cli, argc, argv, &i, "--passphrase-file",
                                    &cli.passphrase_file)))
                goto out;
        } else if (strcmp(a, "--json") == 0) {
            cli.json = true;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            want_help = true;
        } else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
            printf("kernboard %s\n", KB_VERSION);
            goto out;
        } else {
            rest[nrest++] = argv[i];
        }
    }
    if (!cli.db)
        cli.db = getenv("KERNBOARD_DB");
    if (!cli.user)
        cli.user = getenv("KERNBOARD_USER");
    if (!cli.user)
        cli.user = getenv("USER");
    if (!cli.passphrase_file)
        cli.passphrase_file = getenv("KERNBOARD_PASSPHRASE_FILE");

    if (want_help || (nrest == 0 && !cli.db)) {
        kb_cli_print_help(stdout);
        goto out;
    }
    if (nrest == 0 || (nrest == 1 && kb_cli_is_board_arg(rest[0]))) {
        /* kernboard [BOARD]: the terminal UI */
        tui->db = nrest ? rest[0] : cli.db;
        tui->user = cli.user;
        tui->passphrase_file = cli.passphrase_file;
        rc = KB_LAUNCH_TUI;
        goto out;
    }
    if (rest[0][0] == '-') {
        rc = kb_cli_usage(&cli, NULL, _("unknown option '%s'"), rest[0]);
        goto out;
    }
    for (size_t k = 0; k < kb_cli_ncmds; k++) {
        const kb_cli_cmd *c = &kb_cli_cmds[k];
        if (c->group) {
            if (strcmp(rest[0], c->group) != 0)
                continue;
            if (nrest < 2) {
                rc = kb_cli_usage(&cli, c->group, _("which %s command? e.g. '%s %s'"), c->group,
                                  c->group, c->name);
                goto out;
            }
            if (strcmp(rest[1], c->name) != 0)
                continue;
            rc = c->fn(&cli, nrest - 1, rest + 1);
            goto out;
        }
        if (strcmp(rest[0], c->name) == 0) {
            rc = c->fn(&cli, nrest, rest);
            goto out;
        }
    }
    bool group = false;
    for (size_t k = 0; k < kb_cli_ncmds; k++)
        if (kb_cli_cmds[k].group && strcmp(kb_cli_cmds[k].group, rest[0]) == 0)
            group = true;
    if (group)
        rc = kb_cli_usage(&cli, rest[0], _("unknown command '%s %s'"), rest[0], rest[1]);
    else
        rc = kb_cli_usage(&cli, NULL, _("unknown command '%s'"), rest[0]);
out:
    kb_free(&rest);
    return rc;
}
