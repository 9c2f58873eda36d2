/* cli.c - the command line front end: global options from the line and
 * the environment, the board-or-command decision, then one command from
 * the shared table (kernboard/cmd.h); see kernboard/cli.h. */
#include "kernboard/cli.h"
#include "kernboard/cmd.h"
#include "kernboard/env.h"
#include "kernboard/err.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A usage error of the global options: one line, exit 64. */
static int kb_cli_usage(const char *fmt, const char *arg)
{
    fputs("kernboard: ", stderr);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "%s\n", _(" (see 'kernboard --help')"));
    return KB_EUSAGE;
}

/* Take the value of a global option: "--db X" or "--db=X". */
static int kb_cli_optval(int argc, char **argv, int *i, const char *name, const char **out)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (a[n] == '=') {
        *out = a + n + 1;
        return KB_OK;
    }
    if (*i + 1 >= argc)
        return kb_cli_usage(_("option %s needs a value"), name);
    *out = argv[++*i];
    if (!(*out)[0]) /* '' is no board, user or file: refused before any work */
        return kb_cli_usage(_("option %s needs a value, not ''"), name);
    return KB_OK;
}

/* Was everything written to stdout written?  Checked once, after the
 * command, so every command's results get it: a full disk or an I/O error
 * is one line and exit 74 (SPEC section 5), never a truncated result with
 * exit 0.  A reader that went away (EPIPE; SIGPIPE ignored by whoever
 * started us) wants no more output and no message: exit 74 quietly. */
static int kb_cli_check_stdout(int rc)
{
    /* a write that failed earlier may have left its reason in errno (a
     * buffer the C library dropped is not written again); only the errors
     * of a write count, not what some later call left there */
    int early = errno;
    if (early != ENOSPC && early != EIO && early != EDQUOT && early != EFBIG && early != EPIPE &&
        early != EBADF)
        early = 0;
    errno = 0;
    bool failed = fflush(stdout) != 0;
    int err = failed ? errno : 0;
    if (ferror(stdout) && !failed) {
        failed = true;
        err = early;
    }
    if (fclose(stdout) != 0 && !failed) {
        failed = true;
        err = errno;
    }
    if (!failed)
        return rc;
    if (err != EPIPE) {
        if (err)
            fprintf(stderr, _("kernboard: cannot write the output: %s\n"), strerror(err));
        else
            fprintf(stderr, "%s\n", _("kernboard: cannot write the output"));
    }
    return rc == KB_OK ? KB_EIO : rc;
}

/* A lone argument that is not a command but names a board file. */
static bool kb_cli_is_board_arg(const char *a)
{
    if (kb_cmd_known(a))
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
    kb_cmd_env env = {.out = stdout, .err = stderr, .in = stdin};
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
            if ((rc = kb_cli_optval(argc, argv, &i, "--db", &env.db)))
                goto out;
        } else if (kb_opt_is(a, "--user")) {
            if ((rc = kb_cli_optval(argc, argv, &i, "--user", &env.user)))
                goto out;
        } else if (kb_opt_is(a, "--passphrase-file")) {
            if ((rc = kb_cli_optval(argc, argv, &i, "--passphrase-file", &env.passphrase_file)))
                goto out;
        } else if (strcmp(a, "--json") == 0) {
            env.json = true;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            want_help = true;
        } else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
            printf("kernboard %s\n", KB_VERSION);
            goto out;
        } else {
            rest[nrest++] = argv[i];
        }
    }
    if (!env.db)
        env.db = getenv("KERNBOARD_DB");
    if (!env.user)
        env.user = getenv("KERNBOARD_USER");
    if (!env.user)
        env.user = getenv("USER");
    if (!env.passphrase_file)
        env.passphrase_file = getenv("KERNBOARD_PASSPHRASE_FILE");

    if (want_help) {
        /* after a command, that command's help (`case add --help` is
         * `help case add`); otherwise the general help */
        bool one = nrest > 0 && kb_cmd_known(rest[0]);
        memmove(rest + 1, rest, (size_t)nrest * sizeof *rest);
        rest[0] = (char *)"help";
        rc = kb_cmd_run(&env, one ? nrest + 1 : 1, rest);
        goto out;
    }
    {
        /* the numeric settings of the environment (lock timeout, verify
         * threads, idle lock): a bad one is refused before anything runs */
        kb_err ee;
        kb_err_clear(&ee);
        if ((rc = kb_env_check(&ee))) {
            fprintf(stderr, "kernboard: %s\n", ee.msg);
            goto out;
        }
    }
    if (nrest == 0 && !env.db) {
        /* no board to open and no command: say how to give one */
        fprintf(stderr, "%s\n",
                _("usage: kernboard [BOARD] | kernboard COMMAND ... (no board given: use "
                  "--db BOARD or $KERNBOARD_DB; 'kernboard --help' lists the commands)"));
        rc = KB_EUSAGE;
        goto out;
    }
    if (nrest == 0 || (nrest == 1 && kb_cli_is_board_arg(rest[0]))) {
        /* kernboard [BOARD]: the terminal UI */
        tui->db = nrest ? rest[0] : env.db;
        tui->user = env.user;
        tui->passphrase_file = env.passphrase_file;
        rc = KB_LAUNCH_TUI;
        goto out;
    }
    if (rest[0][0] == '-' && strcmp(rest[0], "--") != 0) {
        rc = kb_cli_usage(_("unknown option '%s'"), rest[0]);
        goto out;
    }
    rc = kb_cmd_run(&env, nrest, rest);
out:
    kb_free(&rest);
    if (rc != KB_LAUNCH_TUI) /* the TUI owns the terminal; a command's results: */
        rc = kb_cli_check_stdout(rc);
    return rc;
}
