/* One command language: the TUI's ':' line and the CLI run the same command
 * table, option parser and core calls.  Every row below runs once through
 * the CLI path (kb_cmd_run opening board A itself, as `kernboard` does) and
 * once through the ':' line of a TUI session attached to board B (seeded
 * the same way), and must give the same exit code, the same errors and the
 * same output; afterwards both boards hold the same cases.  A second table
 * checks that `case list QUERY` and the TUI's '/' filter find the same
 * cases for codes, names, accents and prefixes. */
#include <criterion/criterion.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd_internal.h"
#include "kernboard/cmd.h"
#include "kernboard/mem.h"
#include "tui/tui_internal.h"
#include "kb_test.h"

static char kb_dir[300], kb_a[400], kb_b[400], kb_passfile[400];

static kb_secret *kb_pass(void)
{
    const char *s = "admin passphrase";
    kb_secret *p = kb_secret_new(KB_PASSPHRASE_MAX);
    memcpy(kb_secret_data(p), s, strlen(s));
    kb_secret_set_len(p, strlen(s));
    return p;
}

/* Run a command line the way `kernboard --db BOARD --user anna` does;
 * returns the exit code, *out and *err what it printed (new strings). */
static int kb_cli(const char *board, const char *line, char **out, char **err)
{
    kb_strv w = {0};
    kb_err e;
    cr_assert_eq(kb_cmd_split(line, &w, &e), KB_OK, "%s", e.msg);
    bool json = false; /* a global option of the front end, as in cli.c */
    for (size_t i = 0; i < w.n; i++)
        if (strcmp(w.v[i], "--json") == 0) {
            json = true;
            kb_free(&w.v[i]);
            memmove(w.v + i, w.v + i + 1, (w.n - i - 1) * sizeof *w.v);
            w.n--;
            i--;
        }
    size_t no = 0, ne = 0;
    *out = *err = NULL;
    FILE *fo = open_memstream(out, &no), *fe = open_memstream(err, &ne);
    kb_cmd_env env = {.db = board,
                      .user = "anna",
                      .passphrase_file = kb_passfile,
                      .json = json,
                      .out = fo,
                      .err = fe,
                      .in = NULL};
    int rc = kb_cmd_run(&env, (int)w.n, w.v);
    fclose(fo);
    fclose(fe);
    kb_strv_free(&w);
    return rc;
}

static void kb_seed(const char *board)
{
    kb_secret *p = kb_pass();
    kb_board_opts o = {.kdf = "interactive"};
    kb_board *b = NULL;
    kb_err e;
    cr_assert_eq(kb_board_init(board, "anna", p, &o, &b, &e), KB_OK, "%s", e.msg);
    kb_strv depts = {0};
    kb_strv_push(&depts, "ECO");
    cr_assert_eq(kb_board_user_add(b, "annemiek", KB_ROLE_MEMBER, &depts, p, &e), KB_OK, "%s",
                 e.msg);
    cr_assert_eq(kb_board_user_add(b, "bob", KB_ROLE_MEMBER, &depts, p, &e), KB_OK, "%s", e.msg);
    kb_strv_free(&depts);
    kb_secret_free(&p);
    kb_board_close(&b);
    static const char *const seed[] = {
        "dept edit ECO --name Économie",
        "stage edit done --needs-reason",
        "case add --title \"Café De Hoek\" --dept ECO --also INC --owner bob --line finance",
        "case add --title \"Leegstand Noord\" --dept VAS --stage explore --owner annemiek",
        "case add --title \"Signaal zonder afdeling\"",
        "case add --title \"Inkoop lokaal\" --dept INK --also ECO --line procure",
    };
    for (size_t i = 0; i < sizeof seed / sizeof *seed; i++) {
        char *out, *err;
        int rc = kb_cli(board, seed[i], &out, &err);
        cr_assert_eq(rc, KB_OK, "%s: %s", seed[i], err);
        kb_free(&out);
        kb_free(&err);
    }
}

static void kb_setup(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    setenv("TZ", "UTC", 1);
    kb_test_dir(kb_dir, sizeof kb_dir, "cmd");
    snprintf(kb_a, sizeof kb_a, "%s/a.kb", kb_dir);
    snprintf(kb_b, sizeof kb_b, "%s/b.kb", kb_dir);
    snprintf(kb_passfile, sizeof kb_passfile, "%s/pass", kb_dir);
    FILE *f = fopen(kb_passfile, "w");
    cr_assert_not_null(f);
    fputs("admin passphrase\n", f);
    fclose(f);
    chmod(kb_passfile, 0600);
    setenv("XDG_STATE_HOME", kb_dir, 1);
    setenv("XDG_CONFIG_HOME", kb_dir, 1);
    kb_seed(kb_a);
    kb_seed(kb_b);
}

static void kb_teardown(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", kb_dir);
    if (system(cmd) != 0) {
        /* leave it */
    }
}

TestSuite(cmdline, .init = kb_setup, .fini = kb_teardown, .timeout = 240);

static void kb_attach(kb_tui_app *a, const char *board)
{
    kb_tui_app_init(a, board, "anna", 100, 30, true);
    kb_secret *p = kb_pass();
    kb_board_opts o = {.kdf = "interactive", .lock_timeout_ms = 20000};
    kb_board *b = NULL;
    kb_err e;
    cr_assert_eq(kb_board_open(board, "anna", p, &o, &b, &e), KB_OK, "%s", e.msg);
    kb_secret_free(&p);
    cr_assert_eq(kb_tui_app_attach(a, b, &e), KB_OK, "%s", e.msg);
}

/* The usage hint names the front end's help; everything else is the same. */
static char *kb_norm_err(const char *s)
{
    kb_buf b = KB_BUF_INIT;
    const char *tui = " (see ':help')", *cli = " (see 'kernboard --help')";
    while (*s) {
        if (strncmp(s, tui, strlen(tui)) == 0) {
            kb_buf_append(&b, cli, strlen(cli));
            s += strlen(tui);
        } else {
            kb_buf_putc(&b, *s++);
        }
    }
    return b.data ? kb_buf_take(&b) : kb_strdup("");
}

typedef struct kb_row {
    const char *colon; /* typed after ':' */
    const char *cli;   /* the same command on the command line */
    int rc;            /* expected exit code of both */
    bool same_out;     /* output must be identical (no times, keys, hashes) */
} kb_row;

static const kb_row kb_rows[] = {
    {"move 1 explore", "case move 1 explore", KB_OK, true},
    {"case move #1 connect", "case move #1 connect", KB_OK, true},
    /* needs a reason: refused with the same one-line message, nothing written */
    {"move 1 done", "case move 1 done", KB_EDATA, true},
    {"case edit 1 --stage done", "case edit 1 --stage done", KB_EDATA, true},
    {"move 1 done --reason \"afgerond met de ondernemer\"",
     "case move 1 done --reason \"afgerond met de ondernemer\"", KB_OK, true},
    {"move 1 nowhere", "case move 1 nowhere", KB_EDATA, true},
    {"move 99 explore", "case move 99 explore", KB_ENOENT, true},
    {"move", "case move", KB_EUSAGE, true},
    /* list options: repeated = appended, one value split at the separator */
    {"edit 2 --org A --org \"B; C\" --tag x,y", "case edit 2 --org A --org \"B; C\" --tag x,y",
     KB_OK, true},
    /* names resolve: department name with accents, user prefix */
    {"edit 3 --dept ECONOMIE --owner bo", "case edit 3 --dept ECONOMIE --owner bo", KB_OK, true},
    {"edit 3 --dept NOPE", "case edit 3 --dept NOPE", KB_EDATA, true},
    {"edit 3 --owner an", "case edit 3 --owner an", KB_EDATA, true}, /* anna or annemiek */
    {"edit 3 --priority 9", "case edit 3 --priority 9", KB_EDATA, true},
    {"edit 3 --bogus x", "case edit 3 --bogus x", KB_EUSAGE, true},
    {"edit 3 --title \"Signaal: werkplek\" --agenda",
     "case edit 3 --title \"Signaal: werkplek\" --agenda", KB_OK, true},
    {"comment 2 \"Gesprek gepland\"", "case comment 2 \"Gesprek gepland\"", KB_OK, true},
    {"comment 2 -", "case comment 2 -", KB_EUSAGE, true}, /* no standard input here */
    {"link 1 2 --as related", "case link 1 2 --as related", KB_OK, true},
    {"link 1 2 --as cousin", "case link 1 2 --as cousin", KB_EDATA, true},
    /* two cases have one link: a contradiction is refused; unlink removes */
    {"link 2 1 --as blocks", "case link 2 1 --as blocks", KB_EDATA, true},
    {"unlink 2 1 --as blocks", "case unlink 2 1 --as blocks", KB_ENOENT, true},
    {"unlink 2 1", "case unlink 2 1", KB_OK, true},
    {"case unlink 1 2", "case unlink 1 2", KB_ENOENT, true},
    {"link 1 2 --as related", "case link 1 2 --as related", KB_OK, true},
    {"decide 2 \"Doorgaan\" --action \"Bel de eigenaar\" --owner bob --due 2030-01-10",
     "case decide 2 \"Doorgaan\" --action \"Bel de eigenaar\" --owner bob --due 2030-01-10", KB_OK,
     true},
    /* a text in several words, as typed after `d` in meeting mode */
    {"decide 2 Doorgaan met de pilot", "case decide 2 Doorgaan met de pilot", KB_OK, true},
    {"comment 2 Gesprek gepland met de eigenaar", "case comment 2 Gesprek gepland met de eigenaar",
     KB_OK, true},
    {"decide 2 \"Zonder eigenaar\" --action \"Iets\"",
     "case decide 2 \"Zonder eigenaar\" --action \"Iets\"", KB_EUSAGE, true},
    {"add --title \"Nieuw signaal\" --dept economie --org \"X; Y\"",
     "case add --title \"Nieuw signaal\" --dept economie --org \"X; Y\"", KB_OK, true},
    {"action add 1 --text \"Stuur de notulen\" --owner anna --due 2030-02-01",
     "action add 1 --text \"Stuur de notulen\" --owner anna --due 2030-02-01", KB_OK, true},
    {"action done A2", "action done A2", KB_OK, true},
    {"action list --all", "action list --all", KB_OK, true},
    {"case list dept:économie", "case list dept:ECO", KB_OK, true},
    {"case list 'stage:\"Explore\"'", "case list 'stage:\"Explore\"'", KB_OK, true},
    {"case list dept:", "case list dept:", KB_EDATA, true},
    {"case show 2 --json", "case show 2 --json", KB_OK, false},
    {"dept list", "dept list", KB_OK, true},
    {"stage list", "stage list", KB_OK, true},
    {"line list --json", "line list --json", KB_OK, false},
    {"user list", "user list", KB_OK, true},
    {"org add \"Bakkerij Jansen\" --kind entrepreneur",
     "org add \"Bakkerij Jansen\" --kind entrepreneur", KB_OK, true},
    {"org list", "org list", KB_OK, true},
    {"contact add \"Bakkerij Jansen\" --date 2030-03-01 --dept ECO --purpose kennismaking",
     "contact add \"Bakkerij Jansen\" --date 2030-03-01 --dept ECO --purpose kennismaking", KB_OK,
     true},
    {"meeting add --date 2030-03-02 --attendees anna,bob --agenda 1,2",
     "meeting add --date 2030-03-02 --attendees anna,bob --agenda 1,2", KB_OK, true},
    {"meeting list", "meeting list", KB_OK, true},
    {"locks", "locks", KB_OK, true},
    {"verify", "verify", KB_OK, false},
    {"frobnicate", "frobnicate", KB_EUSAGE, true},
    {"case frobnicate 1", "case frobnicate 1", KB_EUSAGE, true},
};

/* case show --json without the times (they differ between the boards). */
static char *kb_case_json_stable(const char *board, uint32_t n)
{
    char line[64], *out, *err;
    snprintf(line, sizeof line, "case show %u --json", n);
    int rc = kb_cli(board, line, &out, &err);
    cr_assert_eq(rc, KB_OK, "%s", err);
    kb_buf b = KB_BUF_INIT;
    for (char *p = out; *p;) {
        char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
        char *ln = kb_strndup(p, len);
        bool volatile_line = strstr(ln, "\"created\"") || strstr(ln, "\"updated\"") ||
                             strstr(ln, "\"time\"") || strstr(ln, "\"moved\"");
        kb_free(&ln);
        if (!volatile_line)
            kb_buf_append(&b, p, len);
        p += len;
    }
    kb_free(&out);
    kb_free(&err);
    return kb_buf_take(&b);
}

Test(cmdline, colon_line_equals_the_command_line)
{
    kb_tui_app a;
    kb_attach(&a, kb_b);
    for (size_t i = 0; i < sizeof kb_rows / sizeof *kb_rows; i++) {
        const kb_row *r = &kb_rows[i];
        char *out, *err;
        int rc = kb_cli(kb_a, r->cli, &out, &err);
        cr_assert_eq(rc, r->rc, "CLI '%s': exit %d, expected %d: %s", r->cli, rc, r->rc, err);
        kb_tui_command(&a, r->colon);
        cr_assert_eq(a.cmd_rc, rc, "':%s' exit %d, CLI %d (%s)", r->colon, a.cmd_rc, rc, a.msg);
        char *e1 = kb_norm_err(err), *e2 = kb_norm_err(a.cmd_err);
        cr_assert_str_eq(e2, e1, "errors of ':%s' and '%s' differ", r->colon, r->cli);
        if (r->same_out)
            cr_assert_str_eq(a.cmd_out, out, "output of ':%s' and '%s' differ", r->colon, r->cli);
        /* the status line says what `action add` made (stdout: "A2", for scripts) */
        if (strncmp(r->colon, "action add ", 11) == 0)
            cr_assert(strstr(a.msg, "Action A") &&
                          strstr(a.msg, " added to #1: Stuur de notulen") != NULL,
                      "':%s': status '%s'", r->colon, a.msg);
        if (rc != KB_OK) {
            cr_assert(a.msg_error, "':%s' failed: the status line says so", r->colon);
            char *m = kb_norm_err(a.msg);
            cr_assert(strstr(e1, m) != NULL, "status line '%s' is the error '%s'", m, e1);
            kb_free(&m);
        }
        kb_free(&e1);
        kb_free(&e2);
        kb_free(&out);
        kb_free(&err);
    }
    kb_tui_app_free(&a); /* closes board B */
    for (uint32_t n = 1; n <= 5; n++) {
        char *x = kb_case_json_stable(kb_a, n), *y = kb_case_json_stable(kb_b, n);
        cr_assert_str_eq(y, x, "case #%u differs between the CLI and the ':' board", n);
        kb_free(&x);
        kb_free(&y);
    }
    /* spot checks of the rules themselves */
    char *j = kb_case_json_stable(kb_a, 2);
    cr_assert(strstr(j, "\"A\",\n    \"B\",\n    \"C\"") != NULL, "--org A --org \"B; C\": %s", j);
    kb_free(&j);
    j = kb_case_json_stable(kb_a, 3);
    cr_assert(strstr(j, "\"lead_dept\": \"ECO\"") && strstr(j, "\"owner\": \"bob\""), "%s", j);
    kb_free(&j);
}

Test(cmdline, shell_only_commands_are_refused_on_the_colon_line)
{
    kb_tui_app a;
    kb_attach(&a, kb_b);
    static const char *const lines[] = {"rekey",   "user passwd", "case lock 1",
                                        "watch 1", "init x.kb",   "completion bash"};
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        uint64_t commits = kb_board_commits(a.board);
        kb_tui_command(&a, lines[i]);
        cr_assert_eq(a.cmd_rc, KB_EUSAGE, "':%s' runs only from the shell (%d)", lines[i],
                     a.cmd_rc);
        cr_assert(a.msg_error && strstr(a.msg, "only from the shell"), "%s", a.msg);
        cr_assert_eq(kb_board_commits(a.board), commits, "':%s' wrote nothing", lines[i]);
    }
    kb_tui_command(&a, "help");
    cr_assert_eq(a.cmd_rc, KB_OK);
    cr_assert(strstr(a.cmd_out, "case move N STAGE [--reason TEXT]") != NULL, "%s", a.cmd_out);
    cr_assert(strstr(a.cmd_out, "rekey") == NULL, ":help lists what runs here");
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_output), "more than one line: the pager");
    kb_tui_app_free(&a);
}

/* docs/tui.md lists exactly the commands the ':' line refuses: every
 * shell-only row of the command table (KB_CMDF_NOTUI), and each of them is
 * refused there.  The shell's `lock` is the exception the docs explain:
 * ':lock' alone locks the screen, with words it is refused. */
Test(cmdline, docs_list_exactly_the_refused_commands)
{
    char path[600];
    snprintf(path, sizeof path, "%s/docs/tui.md", KB_SOURCE_DIR);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    kb_buf doc = KB_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        kb_buf_append(&doc, chunk, n);
    fclose(f);
    kb_buf_putc(&doc, '\0');
    const char *from = strstr(doc.data, "runs only from the shell, not inside the board\"):");
    cr_assert_not_null(from, "docs/tui.md names the refused commands");
    const char *end = strstr(from, "\n\n");
    cr_assert_not_null(end);
    /* the backquoted words of that paragraph, up to the note on `lock` */
    const char *lock_note = strstr(from, "`lock`");
    cr_assert(lock_note && lock_note < end, "docs/tui.md explains ':lock'");
    kb_strv docs = {0};
    for (const char *p = strchr(from, '`'); p && p < lock_note; p = strchr(p, '`')) {
        const char *q = strchr(p + 1, '`');
        cr_assert_not_null(q);
        char *w = kb_strndup(p + 1, (size_t)(q - p - 1));
        kb_strv_push(&docs, w);
        kb_free(&w);
        p = q + 1;
    }
    kb_strv table = {0};
    for (size_t i = 0; i < kb_cmd_table_len; i++) {
        const kb_cmd_entry *c = &kb_cmd_table[i];
        if (!(c->flags & KB_CMDF_NOTUI) || (!c->group && strcmp(c->name, "lock") == 0))
            continue;
        char *w = kb_asprintf("%s%s%s", c->group ? c->group : "", c->group ? " " : "", c->name);
        kb_strv_push(&table, w);
        cr_assert(kb_strv_contains(&docs, w), "docs/tui.md lacks the refused '%s'", w);
        kb_free(&w);
    }
    for (size_t i = 0; i < docs.n; i++)
        cr_assert(kb_strv_contains(&table, docs.v[i]),
                  "docs/tui.md names '%s', which the ':' line does not refuse", docs.v[i]);
    /* and the ':' line refuses each (with an argument, so that `lock x`
     * is not the screen lock) */
    kb_tui_app a;
    kb_attach(&a, kb_b);
    kb_strv_push(&table, "lock");
    for (size_t i = 0; i < table.n; i++) {
        char *line = kb_asprintf("%s x", table.v[i]);
        kb_tui_command(&a, line);
        cr_assert_eq(a.cmd_rc, KB_EUSAGE, "':%s' is refused (%d)", line, a.cmd_rc);
        cr_assert(a.msg_error && strstr(a.msg, "only from the shell"), "':%s': %s", line, a.msg);
        kb_free(&line);
    }
    kb_tui_app_free(&a);
    kb_strv_free(&table);
    kb_strv_free(&docs);
    kb_buf_free(&doc);
}

/* ':help COMMAND' shows that command's help, as `kernboard COMMAND --help`
 * does: its usage with every option, its summary, kernboard(1); 'case' may
 * be left out; a group lists its commands. */
Test(cmdline, help_of_one_command)
{
    kb_tui_app a;
    kb_attach(&a, kb_b);
    kb_tui_command(&a, "help case add");
    cr_assert_eq(a.cmd_rc, KB_OK);
    cr_assert(strstr(a.cmd_out, "Usage: :case add --title T") != NULL, "%s", a.cmd_out);
    cr_assert(strstr(a.cmd_out, "[--due DATE]") && strstr(a.cmd_out, "[--description TEXT|-]"),
              "%s", a.cmd_out);
    cr_assert(strstr(a.cmd_out, "add a case") && strstr(a.cmd_out, "kernboard(1)"), "%s",
              a.cmd_out);
    cr_assert(strstr(a.cmd_out, "case list") == NULL, "only case add: %s", a.cmd_out);
    char *full = kb_strdup(a.cmd_out);
    kb_tui_command(&a, "help add");
    cr_assert_eq(a.cmd_rc, KB_OK);
    cr_assert_str_eq(a.cmd_out, full, "':help add' is ':help case add'");
    kb_free(&full);
    kb_tui_command(&a, "help stage edit");
    cr_assert(strstr(a.cmd_out, "[--wip-dept CODE=N]...") != NULL, "%s", a.cmd_out);
    kb_tui_command(&a, "help meeting");
    cr_assert_eq(a.cmd_rc, KB_OK);
    cr_assert(strstr(a.cmd_out, "meeting start") && !strstr(a.cmd_out, "case add"), "%s",
              a.cmd_out);
    kb_tui_command(&a, "help rekey");
    cr_assert_eq(a.cmd_rc, KB_OK);
    cr_assert(strstr(a.cmd_out, "only from the shell") != NULL, "%s", a.cmd_out);
    kb_tui_command(&a, "help frob");
    cr_assert_eq(a.cmd_rc, KB_EUSAGE);
    kb_tui_app_free(&a);
}

/* case list QUERY and the '/' filter of the TUI find the same cases. */
static const char *const kb_queries[] = {
    "dept:ECO",
    "dept:eco",
    "dept:Économie",
    "dept:economie",
    "dept:ÉCONOMIE",
    "lead:economie",
    "-dept:economie",
    "dept:INC",
    "dept:Inclusion",
    "stage:explore",
    "stage:Explore",
    "stage:EXPLORE",
    "stage:\"In progress\"",
    "line:finance",
    "line:Financing",
    "line:financing",
    "owner:bob",
    "owner:bo",
    "owner:annemiek",
    "owner:annem",
    "owner:an",
    "dept:NOPE",
    "text:cafe",
    "text:Café",
    "dept:economie -blocked",
    "dept:vas stage:verkennen",
    "cross",
    "",
};

static char *kb_ids_cli(const char *query)
{
    kb_strv w = {0};
    kb_strv_push(&w, "case");
    kb_strv_push(&w, "list");
    if (query[0])
        kb_strv_push(&w, query);
    char *out = NULL, *err = NULL;
    size_t no = 0, ne = 0;
    FILE *fo = open_memstream(&out, &no), *fe = open_memstream(&err, &ne);
    kb_cmd_env env = {.db = kb_a,
                      .user = "anna",
                      .passphrase_file = kb_passfile,
                      .json = true,
                      .out = fo,
                      .err = fe};
    int rc = kb_cmd_run(&env, (int)w.n, w.v);
    fclose(fo);
    fclose(fe);
    kb_strv_free(&w);
    cr_assert_eq(rc, KB_OK, "case list %s: %s", query, err);
    /* the "id" lines of the JSON array, in order */
    kb_buf b = KB_BUF_INIT;
    for (const char *p = out; (p = strstr(p, "\"id\": ")) != NULL; p += 6)
        kb_buf_printf(&b, "%ld ", strtol(p + 6, NULL, 10));
    kb_free(&out);
    kb_free(&err);
    return b.data ? kb_buf_take(&b) : kb_strdup("");
}

Test(cmdline, case_list_and_the_filter_find_the_same_cases)
{
    kb_tui_app a;
    char *cli[sizeof kb_queries / sizeof *kb_queries];
    for (size_t i = 0; i < sizeof kb_queries / sizeof *kb_queries; i++)
        cli[i] = kb_ids_cli(kb_queries[i]);
    kb_attach(&a, kb_a);
    for (size_t i = 0; i < sizeof kb_queries / sizeof *kb_queries; i++) {
        kb_err e;
        cr_assert_eq(kb_tui_set_filter(&a, kb_queries[i], &e), KB_OK, "%s", e.msg);
        kb_tui_layout(&a);
        kb_query *q = NULL;
        cr_assert_eq(kb_query_parse(kb_queries[i], &q, &e), KB_OK);
        kb_query_ctx qc = {.today = a.today, .resolve = kb_tui_resolve, .user = &a};
        kb_buf b = KB_BUF_INIT;
        size_t n = 0;
        for (size_t k = 0; k < a.cache.cases.n; k++)
            if (kb_query_match(q, &a.cache.cases.v[k], &qc)) {
                kb_buf_printf(&b, "%u ", a.cache.cases.v[k].number);
                n++;
            }
        kb_query_free(&q);
        cr_assert_str_eq(b.data ? b.data : "", cli[i], "query '%s': filter vs case list",
                         kb_queries[i]);
        cr_assert_eq(a.lay.shown, n, "query '%s': the board shows %zu cards, %zu match",
                     kb_queries[i], a.lay.shown, n);
        kb_buf_free(&b);
    }
    /* names, accents and codes find the same cases */
    cr_assert_str_eq(cli[1], cli[0]);
    cr_assert_str_eq(cli[2], cli[0]);
    cr_assert_str_eq(cli[3], cli[0]);
    cr_assert_str_eq(cli[4], cli[0]);
    cr_assert_neq(strlen(cli[0]), 0, "dept:ECO finds cases");
    cr_assert_str_eq(cli[17], cli[16], "owner:bo is bob");
    for (size_t i = 0; i < sizeof kb_queries / sizeof *kb_queries; i++)
        kb_free(&cli[i]);
    kb_tui_app_free(&a);
}

/* Tab on the ':' line completes from the command table. */
static void kb_type_keys(kb_tui_app *a, const char *s)
{
    for (; *s; s++)
        (void)kb_tui_app_key(a, (kb_key)(unsigned char)*s, 0);
}

Test(cmdline, tab_completes_from_the_command_table)
{
    kb_tui_app a;
    kb_attach(&a, kb_b);
    static const struct {
        const char *typed, *want;
    } rows[] = {
        {"dec", "decide "},              /* a case subcommand, "case" left out */
        {"act", "action "},              /* a group */
        {"action d", "action done "},    /* a group's subcommand */
        {"meeting sh", "meeting show "}, /* "meeting s": show or start */
        {"meeting st", "meeting start "},
        {"filt", "filter "}, /* a screen command */
        {"reke", "reke"},    /* shell-only: not offered */
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        (void)kb_tui_app_key(&a, (kb_key)':', 0);
        cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_prompt));
        kb_type_keys(&a, rows[i].typed);
        (void)kb_tui_app_key(&a, KB_KEY_TAB, 0);
        cr_assert_str_eq(kb_tui_prompt_state(&a)->line.text, rows[i].want, "Tab after '%s'",
                         rows[i].typed);
        (void)kb_tui_app_key(&a, KB_KEY_ESC, 0);
    }
    kb_tui_app_free(&a);
}

/* `:list` fits the output pager (docs #13): the title column gets what the
 * other columns leave of the pager's width, so no row wraps, and no row is
 * padded at its end; the command line keeps its 44-column titles. */
Test(cmdline, colon_list_fits_the_pager)
{
    const char *title = "Leegstand Lange Kerkstraat: ondernemers willen samen pop-up winkels "
                        "openen in de lege panden";
    char line[256], *out, *err;
    snprintf(line, sizeof line, "case add --title \"%s\" --dept ECO", title);
    cr_assert_eq(kb_cli(kb_b, line, &out, &err), KB_OK, "%s", err);
    kb_free(&out);
    kb_free(&err);
    cr_assert_eq(kb_cli(kb_b, "case list", &out, &err), KB_OK, "%s", err);
    cr_assert(strstr(out, "Leegstand Lange Kerkstraat: ondernemers wil\xe2\x80\xa6\n"), "%s", out);
    kb_free(&out);
    kb_free(&err);
    for (int w = 80; w <= 160; w += 80) {
        kb_tui_app a;
        kb_attach(&a, kb_b);
        kb_tui_app_resize(&a, w, 24);
        kb_tui_command(&a, "list");
        cr_assert_eq(a.cmd_rc, KB_OK, "%s", a.cmd_err);
        size_t rows = 0;
        for (const char *p = a.cmd_out; *p;) {
            const char *nl = strchr(p, '\n');
            char *l = kb_strndup(p, nl ? (size_t)(nl - p) : strlen(p));
            cr_assert_leq(kb_tui_width(l, true), w - 2, "at %d columns: '%s'", w, l);
            cr_assert(!l[0] || l[strlen(l) - 1] != ' ', "padded: '%s'", l);
            kb_free(&l);
            rows++;
            p = nl ? nl + 1 : p + strlen(p);
        }
        cr_assert_eq(rows, 6, "a heading and five cases: %s", a.cmd_out);
        /* the whole title at 160 columns */
        if (w == 160)
            cr_assert(strstr(a.cmd_out, title), "%s", a.cmd_out);
        kb_tui_app_free(&a);
    }
}

/* A table cell: cut with an ellipsis or padded to exactly width columns;
 * ASCII runs are copied whole, multibyte text by its columns, control
 * characters take no column. */
static void kb_cell_is(const char *s, size_t width, const char *want)
{
    kb_buf b = KB_BUF_INIT;
    kb_buf_puts(&b, "|");
    kb_cmd_cell_buf(&b, s, width);
    kb_buf_puts(&b, "|");
    cr_assert_str_eq(b.data, want, "cell(\"%s\", %zu)", s, width);
    kb_buf_free(&b);
}

Test(cmdline, table_cells_cut_and_pad)
{
    cr_assert_not_null(setlocale(LC_CTYPE, "C.UTF-8"));
    kb_cell_is("hello", 8, "|hello   |");
    kb_cell_is("abcdefgh", 8, "|abcdefgh|");
    kb_cell_is("abcdefghi", 8, "|abcdefg\xe2\x80\xa6|");
    kb_cell_is("hello world", 8, "|hello w\xe2\x80\xa6|");
    kb_cell_is("caf\xc3\xa9 au lait", 6, "|caf\xc3\xa9 \xe2\x80\xa6|");
    kb_cell_is("caf\xc3\xa9", 6, "|caf\xc3\xa9  |");
    kb_cell_is("\xe6\x97\xa5\xe6\x9c\xac", 3, "|\xe6\x97\xa5\xe2\x80\xa6|");
    kb_cell_is("a\xff"
               "b",
               4, "|a?b |");
    kb_cell_is("", 3, "|   |");
    kb_cell_is("abc", 0, "||");
    kb_cell_is("abcdef", 1, "|\xe2\x80\xa6|");
    cr_assert_not_null(setlocale(LC_CTYPE, "C"));
    kb_cell_is("hello world", 8, "|hello w~|");
}
