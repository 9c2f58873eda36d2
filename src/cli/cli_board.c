/* cli_board.c - board-level commands: init, verify, watch, user. */
#include "cli_internal.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int kb_cmd_init(kb_cli *cli, int argc, char **argv)
{
    static const struct option longs[] = {
        {"kdf", required_argument, NULL, 'k'},
        {NULL, 0, NULL, 0},
    };
    const char *kdf = NULL;
    kb_cli_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cli_getopt(cli, "init", argc, argv, longs, &idx, &opt)) == KB_OK && opt != -1)
        if (opt == 'k')
            kdf = optarg;
    if (rc)
        return rc;
    if (optind < argc)
        cli->db = argv[optind++];
    if (optind < argc)
        return kb_cli_usage(cli, "init", _("unexpected argument '%s'"), argv[optind]);
    if ((rc = kb_cli_need_db(cli, "init")))
        return rc;
    if (kdf && strcmp(kdf, "interactive") && strcmp(kdf, "moderate") && strcmp(kdf, "sensitive"))
        return kb_cli_usage(cli, "init",
                            _("unknown --kdf '%s': use interactive, moderate or "
                              "sensitive"),
                            kdf);
    if (access(cli->db, F_OK) == 0)
        return kb_cli_fail(cli, KB_ECANTCREAT, _("%s already exists; choose another name"),
                           cli->db);
    kb_secret *pass = NULL;
    if (cli->passphrase_file) {
        rc = kb_secret_from_file(cli->passphrase_file, &pass, &cli->err);
    } else {
        kb_secret *again = NULL;
        char *prompt = kb_asprintf(_("New passphrase for %s: "), cli->user);
        rc = kb_secret_prompt(prompt, &pass, &cli->err);
        kb_free(&prompt);
        if (rc == KB_OK && (rc = kb_secret_prompt(_("Repeat it: "), &again, &cli->err)) == KB_OK &&
            (kb_secret_len(pass) != kb_secret_len(again) ||
             memcmp(kb_secret_data(pass), kb_secret_data(again), kb_secret_len(pass)) != 0))
            rc = kb_err_set(&cli->err, KB_EDATA, _("the passphrases differ; nothing was created"));
        kb_secret_free(&again);
    }
    if (rc == KB_OK && kb_secret_len(pass) < 8)
        rc = kb_err_set(&cli->err, KB_EDATA,
                        _("the passphrase is too short (at least 8 "
                          "characters)"));
    if (rc) {
        kb_secret_free(&pass);
        return kb_cli_report(cli);
    }
    kb_board_opts o = {.kdf = kdf};
    kb_board *b = NULL;
    rc = kb_board_init(cli->db, cli->user, pass, &o, &b, &cli->err);
    kb_secret_free(&pass);
    if (rc)
        return kb_cli_report(cli);
    if (cli->json) {
        json_t *doc = json_object();
        json_object_set_new(doc, "board", json_string(cli->db));
        json_object_set_new(doc, "admin", json_string(cli->user));
        rc = kb_cli_print_json(doc);
    } else {
        printf(_("Created board %s; %s is its admin.\n"), cli->db, cli->user);
    }
    kb_board_close(&b);
    return rc;
}

int kb_cmd_verify(kb_cli *cli, int argc, char **argv)
{
    kb_board *b = NULL;
    int rc = kb_cli_open_noargs(cli, "verify", argc, argv, &b);
    if (rc)
        return rc;
    kb_verify_result r;
    rc = kb_board_verify(b, &r, &cli->err);
    kb_board_close(&b);
    if (rc) {
        if (cli->json) {
            json_t *doc = json_object();
            json_object_set_new(doc, "ok", json_false());
            json_object_set_new(doc, "error", json_string(cli->err.msg));
            kb_cli_print_json(doc);
        }
        return kb_cli_report(cli);
    }
    if (cli->json) {
        json_t *doc = json_object();
        json_object_set_new(doc, "ok", json_true());
        json_object_set_new(doc, "records", json_integer((json_int_t)r.records));
        json_object_set_new(doc, "audit_entries", json_integer((json_int_t)r.entries));
        json_object_set_new(doc, "audit_head", json_string(r.head_hex));
        return kb_cli_print_json(doc);
    }
    printf(_("Board verified: %llu records, %llu audit entries, every tag and signature "
             "checked.\n"),
           (unsigned long long)r.records, (unsigned long long)r.entries);
    return KB_OK;
}

/* watch N: a long-lived reader (what the TUI does in the background):
 * poll the board, print one line per poll, keep going after errors. */
int kb_cmd_watch(kb_cli *cli, int argc, char **argv)
{
    static const struct option longs[] = {
        {"interval-ms", required_argument, NULL, 'i'},
        {"count", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    long interval = 1000, count = 0;
    kb_cli_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cli_getopt(cli, "watch", argc, argv, longs, &idx, &opt)) == KB_OK &&
           opt != -1) {
        char *end = NULL;
        long v = strtol(optarg, &end, 10);
        if (!optarg[0] || *end || v < (opt == 'i' ? 10 : 0))
            return kb_cli_usage(cli, "watch", _("bad value '%s'"), optarg);
        if (opt == 'i')
            interval = v;
        else
            count = v;
    }
    if (rc)
        return rc;
    uint32_t n = 0;
    if (optind >= argc || kb_case_number_parse(argv[optind], &n, &cli->err))
        return kb_cli_usage(cli, "watch", _("which case? e.g. 'watch 12'"));
    kb_board *b = NULL;
    if ((rc = kb_cli_open(cli, "watch", &b)))
        return rc;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (long i = 0; count == 0 || i < count; i++) {
        kb_case c;
        kb_case_init(&c);
        kb_err e;
        kb_err_clear(&e);
        if (kb_board_case_get(b, n, &c, &e) == KB_OK)
            printf("ok %llu %s\n", (unsigned long long)c.version, c.title ? c.title : "");
        else
            printf("error: %s\n", e.msg);
        kb_case_free(&c);
        struct timespec ts = {interval / 1000, (interval % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    kb_board_close(&b);
    return KB_OK;
}

int kb_cmd_user_add(kb_cli *cli, int argc, char **argv)
{
    static const struct option longs[] = {
        {"role", required_argument, NULL, 'r'},
        {"dept", required_argument, NULL, 'd'},
        {"new-passphrase-file", required_argument, NULL, 'p'},
        {"kdf", required_argument, NULL, 'k'},
        {NULL, 0, NULL, 0},
    };
    const char *role_s = NULL, *pfile = NULL, *kdf = NULL;
    kb_strv depts = {0};
    kb_cli_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cli_getopt(cli, "user add", argc, argv, longs, &idx, &opt)) == KB_OK &&
           opt != -1) {
        if (opt == 'r')
            role_s = optarg;
        else if (opt == 'd')
            kb_strv_split(&depts, optarg);
        else if (opt == 'p')
            pfile = optarg;
        else if (opt == 'k')
            kdf = optarg;
    }
    enum kb_role role = KB_ROLE_MEMBER;
    kb_board *b = NULL;
    kb_secret *pass = NULL;
    if (rc)
        goto out;
    if (optind + 1 != argc) {
        rc = kb_cli_usage(cli, "user add", _("give one user name: user add NAME --role ROLE"));
        goto out;
    }
    const char *name = argv[optind];
    if (!role_s) {
        rc = kb_cli_usage(cli, "user add", _("give --role admin|broker|member|viewer"));
        goto out;
    }
    if (kb_role_parse(role_s, &role, &cli->err)) {
        rc = kb_cli_usage(cli, "user add", "%s", cli->err.msg);
        goto out;
    }
    if (kb_user_name_check(name, &cli->err)) {
        rc = kb_cli_report(cli);
        goto out;
    }
    if (kdf && strcmp(kdf, "interactive") && strcmp(kdf, "moderate") && strcmp(kdf, "sensitive")) {
        rc = kb_cli_usage(cli, "user add",
                          _("unknown --kdf '%s': use interactive, moderate or sensitive"), kdf);
        goto out;
    }
    cli->kdf = kdf;
    if ((rc = kb_cli_open(cli, "user add", &b)))
        goto out;
    char *prompt = kb_asprintf(_("New passphrase for %s: "), name);
    rc = kb_cli_passphrase(cli, pfile, prompt, &pass);
    kb_free(&prompt);
    if (rc == KB_OK && kb_secret_len(pass) < 8)
        rc = kb_err_set(&cli->err, KB_EDATA,
                        _("the passphrase is too short (at least 8 "
                          "characters)"));
    if (rc == KB_OK)
        rc = kb_board_user_add(b, name, role, &depts, pass, &cli->err);
    if (rc)
        rc = kb_cli_report(cli);
    else if (!cli->json)
        printf(_("Added user %s (%s).\n"), name, kb_role_name(role));
out:
    kb_strv_free(&depts);
    kb_secret_free(&pass);
    kb_board_close(&b);
    return rc;
}

int kb_cmd_user_list(kb_cli *cli, int argc, char **argv)
{
    kb_board *b = NULL;
    int rc = kb_cli_open_noargs(cli, "user list", argc, argv, &b);
    if (rc)
        return rc;
    kb_user_vec v = {0};
    if ((rc = kb_board_user_list(b, &v, &cli->err))) {
        rc = kb_cli_report(cli);
    } else if (cli->json) {
        json_t *a = json_array();
        for (size_t i = 0; i < v.n; i++) {
            json_t *o = json_object();
            json_object_set_new(o, "name", json_string(v.v[i].name));
            json_object_set_new(o, "display_name",
                                v.v[i].display ? json_string(v.v[i].display) : json_null());
            json_object_set_new(o, "role", json_string(kb_role_name(v.v[i].role)));
            json_t *d = json_array();
            for (size_t k = 0; k < v.v[i].depts.n; k++)
                json_array_append_new(d, json_string(v.v[i].depts.v[k]));
            json_object_set_new(o, "depts", d);
            json_array_append_new(a, o);
        }
        rc = kb_cli_print_json(a);
    } else {
        kb_cli_cell(stdout, _("User"), 20);
        fputc(' ', stdout);
        kb_cli_cell(stdout, _("Role"), 8);
        printf(" %s\n", _("Departments"));
        for (size_t i = 0; i < v.n; i++) {
            char *d = kb_strv_join(&v.v[i].depts, ",");
            kb_cli_cell(stdout, v.v[i].name, 20);
            fputc(' ', stdout);
            kb_cli_cell(stdout, kb_role_name(v.v[i].role), 8);
            printf(" %s\n", d[0] ? d : "-");
            kb_free(&d);
        }
    }
    kb_user_vec_free(&v);
    kb_board_close(&b);
    return rc;
}

int kb_cmd_locks(kb_cli *cli, int argc, char **argv)
{
    static const struct option longs[] = {
        {"break", required_argument, NULL, 'b'},
        {"yes", no_argument, NULL, 'y'},
        {NULL, 0, NULL, 0},
    };
    const char *brk = NULL;
    bool yes = false;
    kb_cli_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cli_getopt(cli, "locks", argc, argv, longs, &idx, &opt)) == KB_OK &&
           opt != -1) {
        if (opt == 'b')
            brk = optarg;
        else
            yes = true;
    }
    if (rc)
        return rc;
    if (optind < argc)
        return kb_cli_usage(cli, "locks", _("unexpected argument '%s'"), argv[optind]);
    uint32_t n = 0;
    if (brk && kb_case_number_parse(brk, &n, &cli->err))
        return kb_cli_usage(cli, "locks", "%s", cli->err.msg);
    kb_board *b = NULL;
    if ((rc = kb_cli_open(cli, "locks", &b)))
        return rc;
    if (brk) {
        if (kb_board_lease_break(b, n, yes, &cli->err))
            rc = kb_cli_report(cli);
        else if (!cli->json)
            printf(_("Broke the edit lock on case #%u.\n"), n);
        kb_board_close(&b);
        return rc;
    }
    kb_lease_vec v = {0};
    if (kb_board_lease_list(b, &v, &cli->err)) {
        rc = kb_cli_report(cli);
    } else if (cli->json) {
        json_t *a = json_array();
        for (size_t i = 0; i < v.n; i++) {
            const kb_lease *l = &v.v[i].lease;
            char since[KB_TIME_STRLEN], exp[KB_TIME_STRLEN];
            kb_time_format(l->since, since);
            kb_time_format(l->expires, exp);
            json_t *o = json_object();
            json_object_set_new(o, "case", json_integer(l->case_number));
            json_object_set_new(o, "user", json_string(l->user ? l->user : ""));
            json_object_set_new(o, "host", json_string(l->host ? l->host : ""));
            json_object_set_new(o, "since", json_string(since));
            json_object_set_new(o, "expires", json_string(exp));
            json_object_set_new(o, "state", json_string(kb_lease_state_name(v.v[i].state)));
            json_object_set_new(o, "token", json_integer((json_int_t)l->token));
            json_array_append_new(a, o);
        }
        rc = kb_cli_print_json(a);
    } else if (v.n == 0) {
        printf(_("No edit locks.\n"));
    } else {
        printf("%-7s %-16s %-20s %-6s %s\n", _("Case"), _("User"), _("Host"), _("Since"),
               _("State"));
        for (size_t i = 0; i < v.n; i++) {
            const kb_lease *l = &v.v[i].lease;
            char hhmm[6], num[16];
            kb_time_format_hhmm(l->since, hhmm);
            snprintf(num, sizeof num, "#%u", l->case_number);
            printf("%-7s ", num);
            kb_cli_cell(stdout, l->user ? l->user : "", 16);
            fputc(' ', stdout);
            kb_cli_cell(stdout, l->host ? l->host : "", 20);
            printf(" %-6s %s\n", hhmm, kb_lease_state_name(v.v[i].state));
        }
    }
    kb_lease_vec_free(&v);
    kb_board_close(&b);
    return rc;
}

int kb_cmd_who(kb_cli *cli, int argc, char **argv)
{
    kb_board *b = NULL;
    int rc = kb_cli_open_noargs(cli, "who", argc, argv, &b);
    if (rc)
        return rc;
    kb_session *ss = NULL;
    size_t n = 0;
    if (kb_board_sessions(b, &ss, &n, &cli->err)) {
        rc = kb_cli_report(cli);
    } else if (cli->json) {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++) {
            char since[KB_TIME_STRLEN];
            kb_time_format(ss[i].since, since);
            json_t *o = json_object();
            json_object_set_new(o, "user", json_string(ss[i].user));
            json_object_set_new(o, "host", json_string(ss[i].host));
            json_object_set_new(o, "since", json_string(since));
            json_object_set_new(o, "pid", json_integer(ss[i].pid));
            json_object_set_new(o, "self", json_boolean(ss[i].self));
            json_array_append_new(a, o);
        }
        rc = kb_cli_print_json(a);
    } else {
        for (size_t i = 0; i < n; i++) {
            char hhmm[6];
            kb_time_format_hhmm(ss[i].since, hhmm);
            kb_cli_cell(stdout, ss[i].user, 16);
            fputc(' ', stdout);
            kb_cli_cell(stdout, ss[i].host, 20);
            printf(" %s %s%s\n", _("since"), hhmm, ss[i].self ? _(" (this command)") : "");
        }
    }
    kb_free(&ss);
    kb_board_close(&b);
    return rc;
}

int kb_cmd_log(kb_cli *cli, int argc, char **argv)
{
    static const struct option longs[] = {
        {"since", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    unsigned long long since = 0;
    kb_cli_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cli_getopt(cli, "log", argc, argv, longs, &idx, &opt)) == KB_OK && opt != -1) {
        char *end = NULL;
        since = strtoull(optarg, &end, 10);
        if (!optarg[0] || *end)
            return kb_cli_usage(cli, "log", _("--since needs a sequence number"));
    }
    if (rc)
        return rc;
    if (optind < argc)
        return kb_cli_usage(cli, "log", _("unexpected argument '%s'"), argv[optind]);
    kb_board *b = NULL;
    if ((rc = kb_cli_open(cli, "log", &b)))
        return rc;
    kb_log_vec v = {0};
    if (kb_board_log(b, since, &v, &cli->err)) {
        rc = kb_cli_report(cli);
    } else if (cli->json) {
        json_t *a = json_array();
        for (size_t i = 0; i < v.n; i++) {
            char ts[KB_TIME_STRLEN];
            kb_time_format(v.v[i].time, ts);
            json_t *o = json_object();
            json_object_set_new(o, "seq", json_integer((json_int_t)v.v[i].seq));
            json_object_set_new(o, "time", json_string(ts));
            json_object_set_new(o, "user", json_string(v.v[i].user));
            json_object_set_new(o, "action", json_string(v.v[i].action));
            json_object_set_new(o, "table", json_string(v.v[i].table));
            json_object_set_new(o, "version", json_integer((json_int_t)v.v[i].version));
            json_object_set_new(o, "deleted", json_boolean(v.v[i].deleted));
            json_array_append_new(a, o);
        }
        rc = kb_cli_print_json(a);
    } else {
        for (size_t i = 0; i < v.n; i++) {
            char ts[KB_TIME_STRLEN];
            kb_time_format(v.v[i].time, ts);
            printf("%6llu %s %-12s %-16s %-9s %s\n", (unsigned long long)v.v[i].seq, ts,
                   v.v[i].user, v.v[i].action, v.v[i].table, v.v[i].deleted ? _("deleted") : "");
        }
    }
    kb_log_vec_free(&v);
    kb_board_close(&b);
    return rc;
}

int kb_cmd_user_remove(kb_cli *cli, int argc, char **argv)
{
    if (argc != 2)
        return kb_cli_usage(cli, "user remove", _("give one user name: user remove NAME"));
    kb_board *b = NULL;
    int rc = kb_cli_open(cli, "user remove", &b);
    if (rc)
        return rc;
    if (kb_board_user_remove(b, argv[1], &cli->err))
        rc = kb_cli_report(cli);
    else if (!cli->json)
        printf(_("Removed %s's access. Run 'kernboard rekey' to rotate the data key too.\n"),
               argv[1]);
    kb_board_close(&b);
    return rc;
}

int kb_cmd_user_passwd(kb_cli *cli, int argc, char **argv)
{
    static const struct option longs[] = {
        {"new-passphrase-file", required_argument, NULL, 'p'},
        {"kdf", required_argument, NULL, 'k'},
        {NULL, 0, NULL, 0},
    };
    const char *pfile = NULL;
    kb_cli_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cli_getopt(cli, "user passwd", argc, argv, longs, &idx, &opt)) == KB_OK &&
           opt != -1) {
        if (opt == 'p')
            pfile = optarg;
        else
            cli->kdf = optarg;
    }
    if (rc)
        return rc;
    if (optind + 1 < argc)
        return kb_cli_usage(cli, "user passwd", _("give at most one user name"));
    if ((rc = kb_cli_need_db(cli, "user passwd")))
        return rc;
    const char *name = optind < argc ? argv[optind] : cli->user;
    kb_board *b = NULL;
    kb_secret *pass = NULL;
    if ((rc = kb_cli_open(cli, "user passwd", &b)))
        return rc;
    char *prompt = kb_asprintf(_("New passphrase for %s: "), name);
    rc = kb_cli_passphrase(cli, pfile, prompt, &pass);
    kb_free(&prompt);
    if (rc == KB_OK && kb_secret_len(pass) < 8)
        rc = kb_err_set(&cli->err, KB_EDATA,
                        _("the passphrase is too short (at least 8 characters)"));
    if (rc == KB_OK)
        rc = kb_board_user_passwd(b, name, pass, &cli->err);
    if (rc)
        rc = kb_cli_report(cli);
    else if (!cli->json)
        printf(_("Changed the passphrase of %s.\n"), name);
    kb_secret_free(&pass);
    kb_board_close(&b);
    return rc;
}

int kb_cmd_stats(kb_cli *cli, int argc, char **argv)
{
    kb_board *b = NULL;
    int rc = kb_cli_open_noargs(cli, "stats", argc, argv, &b);
    if (rc)
        return rc;
    kb_board_stats st;
    if (kb_board_stats_get(b, &st, &cli->err)) {
        rc = kb_cli_report(cli);
        kb_board_close(&b);
        return rc;
    }
    size_t ns;
    const kb_stage *stages = kb_board_stages(b, &ns);
    if (cli->json) {
        json_t *o = json_object();
        json_object_set_new(o, "cases", json_integer((json_int_t)st.cases));
        json_object_set_new(o, "timeline_entries", json_integer((json_int_t)st.comments));
        json_object_set_new(o, "users", json_integer((json_int_t)st.users));
        json_object_set_new(o, "departments", json_integer((json_int_t)st.depts));
        json_object_set_new(o, "stages", json_integer((json_int_t)st.stages));
        json_object_set_new(o, "action_lines", json_integer((json_int_t)st.lines));
        json_object_set_new(o, "action_items", json_integer((json_int_t)st.actions));
        json_object_set_new(o, "overdue_action_items",
                            json_integer((json_int_t)st.overdue_actions));
        json_object_set_new(o, "links", json_integer((json_int_t)st.links));
        json_object_set_new(o, "edit_locks", json_integer((json_int_t)st.leases));
        json_object_set_new(o, "sessions", json_integer((json_int_t)st.sessions));
        json_object_set_new(o, "audit_entries", json_integer((json_int_t)st.audit_entries));
        json_t *ps = json_object();
        for (size_t i = 0; i < ns && i < 32; i++)
            json_object_set_new(ps, stages[i].code,
                                json_integer((json_int_t)st.cases_per_stage[i]));
        json_object_set_new(o, "cases_per_stage", ps);
        rc = kb_cli_print_json(o);
    } else {
        printf(_("Cases: %zu (timeline entries: %zu)\n"), st.cases, st.comments);
        for (size_t i = 0; i < ns && i < 32; i++) {
            printf("  ");
            kb_cli_cell(stdout, stages[i].name, 24);
            printf(" %zu\n", st.cases_per_stage[i]);
        }
        printf(_("Action items: %zu (%zu overdue)\nLinks: %zu\nUsers: %zu, departments: %zu, "
                 "stages: %zu, action lines: %zu\nOpen sessions: %zu, edit locks: %zu\nAudit "
                 "entries: %llu\n"),
               st.actions, st.overdue_actions, st.links, st.users, st.depts, st.stages, st.lines,
               st.sessions, st.leases, (unsigned long long)st.audit_entries);
    }
    kb_board_close(&b);
    return rc;
}

int kb_cmd_backup(kb_cli *cli, int argc, char **argv)
{
    if (argc != 2)
        return kb_cli_usage(cli, "backup", _("give the destination: backup DEST"));
    kb_board *b = NULL;
    int rc = kb_cli_open(cli, "backup", &b);
    if (rc)
        return rc;
    kb_verify_result r;
    if (kb_board_backup(b, argv[1], &r, &cli->err)) {
        rc = kb_cli_report(cli);
    } else if (cli->json) {
        json_t *o = json_object();
        json_object_set_new(o, "backup", json_string(argv[1]));
        json_object_set_new(o, "records", json_integer((json_int_t)r.records));
        json_object_set_new(o, "audit_entries", json_integer((json_int_t)r.entries));
        rc = kb_cli_print_json(o);
    } else {
        printf(_("Backed up to %s and verified it: %llu records, %llu audit entries.\n"), argv[1],
               (unsigned long long)r.records, (unsigned long long)r.entries);
    }
    kb_board_close(&b);
    return rc;
}

int kb_cmd_rekey(kb_cli *cli, int argc, char **argv)
{
    kb_board *b = NULL;
    int rc = kb_cli_open_noargs(cli, "rekey", argc, argv, &b);
    if (rc)
        return rc;
    size_t n = 0;
    if (kb_board_rekey(b, &n, &cli->err))
        rc = kb_cli_report(cli);
    else if (!cli->json)
        printf(_("Rotated the data key: %zu records sealed again under the new key.\n"), n);
    kb_board_close(&b);
    return rc;
}

static void kb_doctor_print(void *ctx, enum kb_check_level lvl, const char *msg)
{
    json_t *a = ctx;
    const char *tag = lvl == KB_CHECK_PROBLEM   ? "problem"
                      : lvl == KB_CHECK_WARNING ? "warning"
                                                : "ok";
    if (a) {
        json_t *o = json_object();
        json_object_set_new(o, "level", json_string(tag));
        json_object_set_new(o, "message", json_string(msg));
        json_array_append_new(a, o);
        return;
    }
    printf("%-8s %s\n",
           lvl == KB_CHECK_PROBLEM   ? _("PROBLEM")
           : lvl == KB_CHECK_WARNING ? _("warning")
                                     : _("ok"),
           msg);
}

/* doctor: is the board's location safe?  Exit 74 when a problem is found. */
int kb_cmd_doctor(kb_cli *cli, int argc, char **argv)
{
    if (argc > 2)
        return kb_cli_usage(cli, "doctor", _("unexpected argument '%s'"), argv[2]);
    const char *path = argc == 2 ? argv[1] : cli->db;
    if (!path)
        return kb_cli_usage(cli, "doctor", _("which board? give --db BOARD or doctor BOARD"));
    json_t *a = cli->json ? json_array() : NULL;
    int problems = 0;
    int rc = kb_board_doctor(path, kb_doctor_print, a, &problems, &cli->err);
    if (rc) {
        json_decref(a);
        return kb_cli_report(cli);
    }
    if (a && (rc = kb_cli_print_json(a)))
        return rc;
    if (problems)
        return kb_cli_fail(cli, KB_EIO, _("%d problem(s) make this location unsafe for the board"),
                           problems);
    return KB_OK;
}
