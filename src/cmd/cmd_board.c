/* cli_board.c - board-level commands: init, verify, watch, user. */
#include "cmd_internal.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The new passphrase for user NAME: the first line of FILE, or asked twice on
 * the terminal; DIFFER is the one-line error (exit 65) when the two differ.
 * Shorter than 8 characters is refused (exit 65), on the terminal right
 * after the first entry. */
static int kb_cmd_new_passphrase(kb_cmd_ctx *cx, const char *file, const char *name,
                                 const char *differ, kb_secret **out)
{
    kb_secret *pass = NULL, *again = NULL;
    int rc;
    if (file) {
        rc = kb_secret_from_file(file, &pass, &cx->err);
    } else {
        char *prompt = kb_asprintf(_("New passphrase for %s: "), name);
        rc = kb_secret_prompt(prompt, &pass, &cx->err);
        kb_free(&prompt);
    }
    /* the length before the second prompt: nobody types a short one twice */
    if (rc == KB_OK && kb_secret_len(pass) < 8)
        rc = kb_err_set(&cx->err, KB_EDATA,
                        _("the passphrase is too short (at least 8 "
                          "characters)"));
    if (rc == KB_OK && !file) {
        if ((rc = kb_secret_prompt(_("Repeat it: "), &again, &cx->err)) == KB_OK &&
            (kb_secret_len(pass) != kb_secret_len(again) ||
             memcmp(kb_secret_data(pass), kb_secret_data(again), kb_secret_len(pass)) != 0))
            rc = kb_err_set(&cx->err, KB_EDATA, "%s", differ);
        kb_secret_free(&again);
    }
    if (rc) {
        kb_secret_free(&pass);
        return rc;
    }
    *out = pass;
    return KB_OK;
}

int kb_cmd_init(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"kdf", required_argument, NULL, 'k'},
        {NULL, 0, NULL, 0},
    };
    const char *kdf = NULL;
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, "init", argc, argv, longs, &idx, &opt)) == KB_OK && opt != -1)
        if (opt == 'k')
            kdf = optarg;
    if (rc)
        return rc;
    if (optind < argc)
        cx->db = argv[optind++];
    if (optind < argc)
        return kb_cmd_usage(cx, "init", _("unexpected argument '%s'"), argv[optind]);
    if (!cx->db || !cx->db[0])
        return kb_cmd_usage(cx, "init", _("which board? give its file name: kernboard init BOARD"));
    if ((rc = kb_cmd_need_db(cx, "init")))
        return rc;
    if (kdf && strcmp(kdf, "interactive") && strcmp(kdf, "moderate") && strcmp(kdf, "sensitive"))
        return kb_cmd_bad_value(cx, "init",
                                _("unknown --kdf '%s': use interactive, moderate or "
                                  "sensitive"),
                                kdf);
    if (kb_user_name_check(cx->user, &cx->err)) /* before asking for a passphrase */
        return kb_cmd_report(cx);
    if (access(cx->db, F_OK) == 0)
        return kb_cmd_fail(cx, KB_ECANTCREAT, _("%s already exists; choose another name"), cx->db);
    if ((rc = kb_cmd_new_board_dir(cx, cx->db))) /* before asking for a passphrase */
        return rc;
    kb_secret *pass = NULL;
    if (kb_cmd_new_passphrase(cx, cx->passphrase_file, cx->user,
                              _("the passphrases differ; nothing was created"), &pass))
        return kb_cmd_report(cx);
    kb_board_opts o = {.kdf = kdf};
    kb_board *b = NULL;
    rc = kb_board_init(cx->db, cx->user, pass, &o, &b, &cx->err);
    kb_secret_free(&pass);
    if (rc)
        return kb_cmd_report(cx);
    if (cx->json) {
        json_t *doc = json_object();
        json_object_set_new(doc, "board", json_string(cx->db));
        json_object_set_new(doc, "admin", json_string(cx->user));
        rc = kb_cmd_print_json(cx, doc);
    } else {
        fprintf(cx->out, _("Created board %s; %s is its admin.\n"), cx->db, cx->user);
    }
    kb_cmd_close(cx, &b);
    return rc;
}

/* Progress of a verify on stderr (a terminal, or --progress): a line per
 * 5% of the audit entries and of the records, so a long verify shows that
 * it moves (and a test can act on
 * observed progress).  The line saying that --incremental has no
 * checkpoint is always printed. */
typedef struct kb_verify_out {
    FILE *err;
    bool lines;
    int last_ev;       /* the kind of the last progress line (-1: none) */
    unsigned last_pct; /* and its percentage: a line per 5% */
} kb_verify_out;

static void kb_verify_print(void *ctx, enum kb_verify_event ev, uint64_t done, uint64_t total)
{
    kb_verify_out *o = ctx;
    if (ev == KB_VERIFY_AUDIT || ev == KB_VERIFY_RECORDS) {
        unsigned pct = total ? (unsigned)(done * 100 / total) : 100;
        if (!o->lines || ((int)ev == o->last_ev && pct / 5 == o->last_pct / 5 && done < total))
            return;
        o->last_ev = (int)ev;
        o->last_pct = pct;
    }
    switch (ev) {
    case KB_VERIFY_NOPIN:
        fprintf(o->err, "%s\n",
                _("verify: no verified checkpoint of this board on this client yet; doing a "
                  "full verify"));
        break;
    case KB_VERIFY_RESTORED:
        fprintf(o->err,
                _("verify: audit entry %llu, verified here before, was discarded by a restore; "
                  "doing a full verify\n"),
                (unsigned long long)done);
        break;
    case KB_VERIFY_AUDIT:
        fprintf(o->err, _("verify: audit entries %llu/%llu\n"), (unsigned long long)done,
                (unsigned long long)total);
        break;
    case KB_VERIFY_RECORDS:
        fprintf(o->err, _("verify: records %llu/%llu\n"), (unsigned long long)done,
                (unsigned long long)total);
        break;
    }
    fflush(o->err);
}

int kb_cmd_verify(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"incremental", no_argument, NULL, 'i'},
        {"progress", no_argument, NULL, 'p'},
        {NULL, 0, NULL, 0},
    };
    bool progress = false;
    kb_verify_opts vo = {0};
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, "verify", argc, argv, longs, &idx, &opt)) == KB_OK &&
           opt != -1) {
        if (opt == 'i')
            vo.incremental = true;
        else
            progress = true;
    }
    if (rc)
        return rc;
    if (optind < argc)
        return kb_cmd_usage(cx, "verify", _("unexpected argument '%s'"), argv[optind]);
    kb_verify_out vout = {cx->errf ? cx->errf : stderr, progress, -1, 0};
    if (!progress && !cx->shared && vout.err == stderr && isatty(STDERR_FILENO))
        vout.lines = true;
    vo.progress = kb_verify_print;
    vo.ctx = &vout;
    kb_board *b = NULL;
    if ((rc = kb_cmd_open(cx, "verify", &b)))
        return rc;
    kb_verify_result r;
    rc = kb_board_verify_ex(b, &vo, &r, &cx->err);
    kb_cmd_close(cx, &b);
    if (rc) {
        if (cx->json) {
            json_t *doc = json_object();
            json_object_set_new(doc, "ok", json_false());
            json_object_set_new(doc, "error", json_string(cx->err.msg));
            kb_cmd_print_json(cx, doc);
        }
        return kb_cmd_report(cx);
    }
    if (cx->json) {
        json_t *doc = json_object();
        json_object_set_new(doc, "ok", json_true());
        json_object_set_new(doc, "records", json_integer((json_int_t)r.records));
        json_object_set_new(doc, "audit_entries", json_integer((json_int_t)r.entries));
        json_object_set_new(doc, "audit_head", json_string(r.head_hex));
        json_object_set_new(doc, "incremental", json_boolean(r.incremental));
        if (r.staged) {
            json_t *u = json_object();
            json_object_set_new(u, "records", json_integer((json_int_t)r.staged));
            json_object_set_new(u, "running", json_boolean(r.staged_alive));
            json_object_set_new(doc, "unfinished_import", u);
        }
        return kb_cmd_print_json(cx, doc);
    }
    if (r.incremental)
        fprintf(cx->out,
                _("Board verified since the last verify: %llu records, %llu new audit entries "
                  "(up to %llu), every tag and signature checked.\n"),
                (unsigned long long)r.records, (unsigned long long)r.entries,
                (unsigned long long)r.head_seq);
    else
        fprintf(cx->out,
                _("Board verified: %llu records, %llu audit entries, every tag and signature "
                  "checked.\n"),
                (unsigned long long)r.records, (unsigned long long)r.entries);
    if (r.staged && r.staged_alive)
        fprintf(cx->out,
                _("An import is under way: %llu records it wrote are checked but not part of the "
                  "board until it finishes.\n"),
                (unsigned long long)r.staged);
    else if (r.staged)
        fprintf(cx->out,
                _("An import that did not finish (its session ended) left %llu records that are "
                  "not part of the board; the next import or rekey removes them.\n"),
                (unsigned long long)r.staged);
    return KB_OK;
}

/* watch N: a long-lived reader (what the TUI does in the background):
 * poll the board, print one line per poll, keep going after errors; when a
 * poll failed, exit with the status of the last failure. */
int kb_cmd_watch(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"interval-ms", required_argument, NULL, 'i'},
        {"count", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    long interval = 1000, count = 0;
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, "watch", argc, argv, longs, &idx, &opt)) == KB_OK && opt != -1) {
        char *end = NULL;
        long v = strtol(optarg, &end, 10);
        if (!optarg[0] || *end || v < (opt == 'i' ? 10 : 0))
            return kb_cmd_bad_value(cx, "watch", _("bad value '%s'"), optarg);
        if (opt == 'i')
            interval = v;
        else
            count = v;
    }
    if (rc)
        return rc;
    uint32_t n = 0;
    if (optind >= argc || kb_case_number_parse(argv[optind], &n, &cx->err))
        return kb_cmd_usage(cx, "watch", _("which case? e.g. 'watch 12'"));
    kb_board *b = NULL;
    if ((rc = kb_cmd_open(cx, "watch", &b)))
        return rc;
    setvbuf(cx->out, NULL, _IOLBF, 0);
    long failed = 0;
    /* --json: one array, an element per poll as it happens (a document
     * that is complete when the count is reached) */
    if (cx->json)
        fputs("[", cx->out);
    for (long i = 0; count == 0 || i < count; i++) {
        kb_case c;
        kb_case_init(&c);
        kb_err e;
        kb_err_clear(&e);
        bool ok = kb_board_case_get(b, n, &c, &e) == KB_OK;
        if (cx->json) {
            json_t *o = json_object();
            json_object_set_new(o, "poll", json_integer(i + 1));
            json_object_set_new(o, "ok", json_boolean(ok));
            if (ok) {
                json_object_set_new(o, "version", json_integer((json_int_t)c.version));
                json_object_set_new(o, "title", json_string(c.title ? c.title : ""));
            } else {
                json_object_set_new(o, "error", json_string(e.msg));
            }
            char *txt = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
            fprintf(cx->out, "%s\n  %s", i ? "," : "", txt ? txt : "{}");
            fflush(cx->out);
            free(txt);
            json_decref(o);
        } else if (ok) {
            fprintf(cx->out, "ok %llu %s\n", (unsigned long long)c.version, c.title ? c.title : "");
        } else {
            fprintf(cx->out, "error: %s\n", e.msg);
        }
        if (!ok) {
            failed++;
            cx->err = e;
            if (!cx->err.code)
                cx->err.code = KB_ESOFTWARE;
        }
        kb_case_free(&c);
        if (count && i + 1 == count)
            break; /* no wait after the last poll */
        struct timespec ts = {interval / 1000, (interval % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (cx->json)
        fputs("\n]\n", cx->out);
    kb_cmd_close(cx, &b);
    if (failed == 0)
        return KB_OK;
    return kb_cmd_fail(cx, cx->err.code, _("%ld of %ld polls failed; the last: %s"), failed, count,
                       cx->err.msg);
}

int kb_cmd_user_add(kb_cmd_ctx *cx, int argc, char **argv)
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
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, "user add", argc, argv, longs, &idx, &opt)) == KB_OK &&
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
        rc = kb_cmd_usage(cx, "user add", _("give one user name: user add NAME --role ROLE"));
        goto out;
    }
    const char *name = argv[optind];
    if (!role_s) {
        rc = kb_cmd_usage(cx, "user add", _("give --role admin|broker|member|viewer"));
        goto out;
    }
    if (kb_role_parse(role_s, &role, &cx->err)) {
        rc = kb_cmd_bad_value(cx, "user add", "%s", cx->err.msg);
        goto out;
    }
    if (kb_user_name_check(name, &cx->err)) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    if (kdf && strcmp(kdf, "interactive") && strcmp(kdf, "moderate") && strcmp(kdf, "sensitive")) {
        rc = kb_cmd_bad_value(cx, "user add",
                              _("unknown --kdf '%s': use interactive, moderate or sensitive"), kdf);
        goto out;
    }
    cx->kdf = kdf;
    if ((rc = kb_cmd_open(cx, "user add", &b)))
        goto out;
    rc = kb_cmd_new_passphrase(cx, pfile, name, _("the passphrases differ; no user was added"),
                               &pass);
    if (rc == KB_OK)
        rc = kb_board_user_add(b, name, role, &depts, pass, &cx->err);
    if (rc)
        rc = kb_cmd_report(cx);
    else if (!cx->json)
        fprintf(cx->out, _("Added user %s (%s).\n"), name, kb_role_label(role));
out:
    kb_strv_free(&depts);
    kb_secret_free(&pass);
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_user_list(kb_cmd_ctx *cx, int argc, char **argv)
{
    kb_board *b = NULL;
    int rc = kb_cmd_open_noargs(cx, "user list", argc, argv, &b);
    if (rc)
        return rc;
    kb_user_vec v = {0};
    if ((rc = kb_board_user_list(b, &v, &cx->err))) {
        rc = kb_cmd_report(cx);
    } else if (cx->json) {
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
        rc = kb_cmd_print_json(cx, a);
    } else {
        kb_cmd_cell(cx->out, _("User"), 20);
        fputc(' ', cx->out);
        kb_cmd_cell(cx->out, _("Role"), 10);
        fprintf(cx->out, " %s\n", _("Departments"));
        for (size_t i = 0; i < v.n; i++) {
            char *d = kb_strv_join(&v.v[i].depts, ",");
            kb_cmd_cell(cx->out, v.v[i].name, 20);
            fputc(' ', cx->out);
            kb_cmd_cell(cx->out, kb_role_label(v.v[i].role), 10);
            fprintf(cx->out, " %s\n", d[0] ? d : "-");
            kb_free(&d);
        }
    }
    kb_user_vec_free(&v);
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_locks(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"break", required_argument, NULL, 'b'},
        {"yes", no_argument, NULL, 'y'},
        {NULL, 0, NULL, 0},
    };
    const char *brk = NULL;
    bool yes = false;
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, "locks", argc, argv, longs, &idx, &opt)) == KB_OK && opt != -1) {
        if (opt == 'b')
            brk = optarg;
        else
            yes = true;
    }
    if (rc)
        return rc;
    if (optind < argc)
        return kb_cmd_usage(cx, "locks", _("unexpected argument '%s'"), argv[optind]);
    uint32_t n = 0;
    if (brk && kb_case_number_parse(brk, &n, &cx->err))
        return kb_cmd_bad_value(cx, "locks", "%s", cx->err.msg);
    kb_board *b = NULL;
    if ((rc = kb_cmd_open(cx, "locks", &b)))
        return rc;
    if (brk) {
        if (kb_board_lease_break(b, n, yes, &cx->err))
            rc = kb_cmd_report(cx);
        else if (!cx->json)
            fprintf(cx->out, _("Broke the edit lock on case #%u.\n"), n);
        kb_cmd_close(cx, &b);
        return rc;
    }
    kb_lease_vec v = {0};
    if (kb_board_lease_list(b, &v, &cx->err)) {
        rc = kb_cmd_report(cx);
    } else if (cx->json) {
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
        rc = kb_cmd_print_json(cx, a);
    } else if (v.n == 0) {
        fprintf(cx->out, _("No edit locks.\n"));
    } else {
        fprintf(cx->out, "%-7s %-16s %-20s %-6s %s\n", _("Case"), _("User"), _("Host"), _("Since"),
                _("State"));
        for (size_t i = 0; i < v.n; i++) {
            const kb_lease *l = &v.v[i].lease;
            char hhmm[6], num[16];
            kb_time_format_hhmm(l->since, hhmm);
            snprintf(num, sizeof num, "#%u", l->case_number);
            fprintf(cx->out, "%-7s ", num);
            kb_cmd_cell(cx->out, l->user ? l->user : "", 16);
            fputc(' ', cx->out);
            kb_cmd_cell(cx->out, l->host ? l->host : "", 20);
            fprintf(cx->out, " %-6s %s\n", hhmm, kb_lease_state_name(v.v[i].state));
        }
    }
    kb_lease_vec_free(&v);
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_who(kb_cmd_ctx *cx, int argc, char **argv)
{
    kb_board *b = NULL;
    int rc = kb_cmd_open_noargs(cx, "who", argc, argv, &b);
    if (rc)
        return rc;
    kb_session *ss = NULL;
    size_t n = 0;
    if (kb_board_sessions(b, &ss, &n, &cx->err)) {
        rc = kb_cmd_report(cx);
    } else if (cx->json) {
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
        rc = kb_cmd_print_json(cx, a);
    } else {
        for (size_t i = 0; i < n; i++) {
            char hhmm[6];
            kb_time_format_hhmm(ss[i].since, hhmm);
            kb_cmd_cell(cx->out, ss[i].user, 16);
            fputc(' ', cx->out);
            kb_cmd_cell(cx->out, ss[i].host, 20);
            fprintf(cx->out, " %s %s%s\n", _("since"), hhmm,
                    !ss[i].self  ? ""
                    : cx->shared ? _(" (this session)")
                                 : _(" (this command)"));
        }
    }
    kb_free(&ss);
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_log(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"since", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    unsigned long long since = 0;
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, "log", argc, argv, longs, &idx, &opt)) == KB_OK && opt != -1) {
        char *end = NULL;
        since = strtoull(optarg, &end, 10);
        if (optarg[0] < '0' || optarg[0] > '9' || *end) /* strtoull takes "-1" */
            return kb_cmd_bad_value(cx, "log", _("--since needs a sequence number"));
    }
    if (rc)
        return rc;
    if (optind < argc)
        return kb_cmd_usage(cx, "log", _("unexpected argument '%s'"), argv[optind]);
    kb_board *b = NULL;
    if ((rc = kb_cmd_open(cx, "log", &b)))
        return rc;
    kb_log_vec v = {0};
    if (kb_board_log(b, since, &v, &cx->err)) {
        rc = kb_cmd_report(cx);
    } else if (cx->json) {
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
        rc = kb_cmd_print_json(cx, a);
    } else {
        for (size_t i = 0; i < v.n; i++) {
            char ts[KB_TIME_STRLEN];
            kb_time_format(v.v[i].time, ts);
            fprintf(cx->out, "%6llu %s %-12s %-16s %-9s %s\n", (unsigned long long)v.v[i].seq, ts,
                    v.v[i].user, v.v[i].action, v.v[i].table, v.v[i].deleted ? _("deleted") : "");
        }
    }
    kb_log_vec_free(&v);
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_user_remove(kb_cmd_ctx *cx, int argc, char **argv)
{
    if (argc != 2)
        return kb_cmd_usage(cx, "user remove", _("give one user name: user remove NAME"));
    kb_board *b = NULL;
    int rc = kb_cmd_open(cx, "user remove", &b);
    if (rc)
        return rc;
    if (kb_board_user_remove(b, argv[1], &cx->err))
        rc = kb_cmd_report(cx);
    else if (!cx->json)
        fprintf(cx->out,
                _("Removed %s's access. Run 'kernboard rekey' to rotate the data key too.\n"),
                argv[1]);
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_user_passwd(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"new-passphrase-file", required_argument, NULL, 'p'},
        {"kdf", required_argument, NULL, 'k'},
        {NULL, 0, NULL, 0},
    };
    const char *pfile = NULL;
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, "user passwd", argc, argv, longs, &idx, &opt)) == KB_OK &&
           opt != -1) {
        if (opt == 'p')
            pfile = optarg;
        else
            cx->kdf = optarg;
    }
    if (rc)
        return rc;
    if (optind + 1 < argc)
        return kb_cmd_usage(cx, "user passwd", _("give at most one user name"));
    if ((rc = kb_cmd_need_db(cx, "user passwd")))
        return rc;
    const char *name = optind < argc ? argv[optind] : cx->user;
    kb_board *b = NULL;
    kb_secret *pass = NULL;
    if ((rc = kb_cmd_open(cx, "user passwd", &b)))
        return rc;
    rc = kb_cmd_new_passphrase(cx, pfile, name,
                               _("the passphrases differ; the passphrase was not changed"), &pass);
    if (rc == KB_OK)
        rc = kb_board_user_passwd(b, name, pass, &cx->err);
    if (rc)
        rc = kb_cmd_report(cx);
    else if (!cx->json)
        fprintf(cx->out, _("Changed the passphrase of %s.\n"), name);
    kb_secret_free(&pass);
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_stats(kb_cmd_ctx *cx, int argc, char **argv)
{
    kb_board *b = NULL;
    int rc = kb_cmd_open_noargs(cx, "stats", argc, argv, &b);
    if (rc)
        return rc;
    kb_board_stats st;
    if (kb_board_stats_get(b, &st, &cx->err)) {
        rc = kb_cmd_report(cx);
        kb_cmd_close(cx, &b);
        return rc;
    }
    size_t ns;
    const kb_stage *stages = kb_board_stages(b, &ns);
    if (cx->json) {
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
        rc = kb_cmd_print_json(cx, o);
    } else {
        fprintf(cx->out, _("Cases: %zu (timeline entries: %zu)\n"), st.cases, st.comments);
        for (size_t i = 0; i < ns && i < 32; i++) {
            fprintf(cx->out, "  ");
            kb_cmd_cell(cx->out, stages[i].name, 24);
            fprintf(cx->out, " %zu\n", st.cases_per_stage[i]);
        }
        fprintf(cx->out,
                _("Action items: %zu (%zu overdue)\nLinks: %zu\nUsers: %zu, departments: %zu, "
                  "stages: %zu, action lines: %zu\nOpen sessions: %zu, edit locks: %zu\nAudit "
                  "entries: %llu\n"),
                st.actions, st.overdue_actions, st.links, st.users, st.depts, st.stages, st.lines,
                st.sessions, st.leases, (unsigned long long)st.audit_entries);
    }
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_backup(kb_cmd_ctx *cx, int argc, char **argv)
{
    if (argc != 2)
        return kb_cmd_usage(cx, "backup", _("give the destination: backup DEST"));
    int rc = kb_cmd_new_board_dir(cx, argv[1]);
    if (rc)
        return rc;
    kb_board *b = NULL;
    rc = kb_cmd_open(cx, "backup", &b);
    if (rc)
        return rc;
    kb_verify_result r;
    if (kb_board_backup(b, argv[1], &r, &cx->err)) {
        rc = kb_cmd_report(cx);
    } else if (cx->json) {
        json_t *o = json_object();
        json_object_set_new(o, "backup", json_string(argv[1]));
        json_object_set_new(o, "records", json_integer((json_int_t)r.records));
        json_object_set_new(o, "audit_entries", json_integer((json_int_t)r.entries));
        rc = kb_cmd_print_json(cx, o);
    } else {
        fprintf(cx->out, _("Backed up to %s and verified it: %llu records, %llu audit entries.\n"),
                argv[1], (unsigned long long)r.records, (unsigned long long)r.entries);
    }
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_restore(kb_cmd_ctx *cx, int argc, char **argv)
{
    if (argc != 3)
        return kb_cmd_usage(cx, "restore",
                            _("give the backup and the board: restore BACKUP BOARD"));
    const char *backup = argv[1], *board = argv[2];
    if (access(backup, F_OK) != 0)
        return kb_cmd_fail(cx, KB_ENOENT, _("no backup at %s"), backup);
    bool fresh = access(board, F_OK) != 0;
    if (fresh && kb_cmd_new_board_dir(cx, board))
        return KB_ECANTCREAT;
    if (fresh && kb_board_restore_new(backup, board, &cx->err))
        return kb_cmd_report(cx);
    /* open BOARD (the restored copy, or the board to restore over) */
    cx->db = board;
    kb_board *b = NULL;
    int rc = kb_cmd_open(cx, "restore", &b);
    if (rc) {
        if (fresh) {
            char *lock = kb_asprintf("%s.lock", board);
            unlink(board);
            unlink(lock);
            kb_free(&lock);
        }
        return rc;
    }
    kb_restore_result r;
    memset(&r, 0, sizeof r);
    if (fresh) {
        kb_verify_result v;
        if (kb_board_verify(b, &v, &cx->err)) {
            rc = kb_cmd_report(cx);
        } else {
            r.backup_seq = r.head_seq = v.head_seq;
            r.records = v.records;
        }
    } else if (kb_board_restore(b, backup, &r, &cx->err)) {
        rc = kb_cmd_report(cx);
    }
    if (rc == KB_OK && cx->json) {
        json_t *o = json_object();
        json_object_set_new(o, "restored", json_string(backup));
        json_object_set_new(o, "board", json_string(board));
        json_object_set_new(o, "backup_seq", json_integer((json_int_t)r.backup_seq));
        json_object_set_new(o, "replaced_seq", json_integer((json_int_t)r.replaced_seq));
        json_object_set_new(o, "discarded", json_integer((json_int_t)r.discarded));
        json_object_set_new(o, "head_seq", json_integer((json_int_t)r.head_seq));
        rc = kb_cmd_print_json(cx, o);
    } else if (rc == KB_OK && fresh) {
        fprintf(cx->out, _("Restored %s to %s and verified it: %llu records.\n"), backup, board,
                (unsigned long long)r.records);
    } else if (rc == KB_OK && r.replaced_seq <= r.backup_seq) {
        /* the backup was as new as the board: nothing was discarded */
        fprintf(cx->out,
                _("Restored %s over %s and verified it: the backup was as new as the board, so "
                  "no audit entries were discarded; the restore is entry %llu.\n"),
                backup, board, (unsigned long long)r.head_seq);
    } else if (rc == KB_OK && r.replaced_seq == r.backup_seq + 1) {
        fprintf(cx->out,
                _("Restored %s over %s and verified it: audit entry %llu was discarded, the "
                  "restore is entry %llu. Clients that saw the newer history accept it.\n"),
                backup, board, (unsigned long long)r.replaced_seq, (unsigned long long)r.head_seq);
    } else if (rc == KB_OK) {
        fprintf(cx->out,
                _("Restored %s over %s and verified it: audit entries %llu to %llu were "
                  "discarded, the restore is entry %llu. Clients that saw the newer history "
                  "accept it.\n"),
                backup, board, (unsigned long long)r.backup_seq + 1,
                (unsigned long long)r.replaced_seq, (unsigned long long)r.head_seq);
    }
    kb_cmd_close(cx, &b);
    return rc;
}

/* Progress of a rekey on stderr: a line per 5% copied, so a long rekey
 * shows that it moves (and a test can act on observed progress). */
typedef struct kb_rekey_out {
    FILE *err;
    unsigned last_pct;
} kb_rekey_out;

static void kb_rekey_print(void *ctx, enum kb_rekey_event ev, uint64_t done, uint64_t total)
{
    kb_rekey_out *o = ctx;
    unsigned pct = total ? (unsigned)(done * 100 / total) : 100;
    switch (ev) {
    case KB_REKEY_START:
        fprintf(o->err, _("rekey: copying %llu records and audit entries under a new key\n"),
                (unsigned long long)total);
        break;
    case KB_REKEY_RESUME:
        fprintf(o->err, _("rekey: resuming an interrupted rekey at %llu of %llu\n"),
                (unsigned long long)done, (unsigned long long)total);
        break;
    case KB_REKEY_RESTART:
        fprintf(o->err, "%s\n",
                _("rekey: the interrupted rekey cannot go on (the board changed since it "
                  "began, or its side file is incomplete); starting over"));
        break;
    case KB_REKEY_PROGRESS:
        if (pct / 5 == o->last_pct / 5 && done < total)
            return;
        fprintf(o->err, _("rekey: %llu of %llu copied (%u%%)\n"), (unsigned long long)done,
                (unsigned long long)total, pct);
        break;
    case KB_REKEY_VERIFY:
        fprintf(o->err, "%s\n", _("rekey: verifying the new board"));
        break;
    case KB_REKEY_DONE:
        break;
    }
    o->last_pct = pct;
    fflush(o->err);
}

int kb_cmd_rekey(kb_cmd_ctx *cx, int argc, char **argv)
{
    kb_board *b = NULL;
    int rc = kb_cmd_open_noargs(cx, "rekey", argc, argv, &b);
    if (rc)
        return rc;
    size_t n = 0;
    kb_rekey_out ro = {cx->errf ? cx->errf : stderr, 0};
    if (kb_board_rekey(b, &n, kb_rekey_print, &ro, &cx->err))
        rc = kb_cmd_report(cx);
    else if (!cx->json)
        fprintf(cx->out,
                dngettext(KB_TEXTDOMAIN,
                          "Rotated the data key: %zu record sealed again under the new key.\n",
                          "Rotated the data key: %zu records sealed again under the new key.\n", n),
                n);
    kb_cmd_close(cx, &b);
    return rc;
}

typedef struct kb_doctor_out {
    json_t *a; /* --json: collect here */
    FILE *out;
} kb_doctor_out;

static void kb_doctor_print(void *ctx, enum kb_check_level lvl, const char *msg)
{
    const kb_doctor_out *d = ctx;
    json_t *a = d->a;
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
    fprintf(d->out, "%-8s %s\n",
            lvl == KB_CHECK_PROBLEM   ? _("PROBLEM")
            : lvl == KB_CHECK_WARNING ? _("warning")
                                      : _("ok"),
            msg);
}

/* doctor --repair-lock: recreate a missing or damaged lock file, refused
 * while any session still holds the old one (docs/storage.md). */
static int kb_cmd_repair_lock(kb_cmd_ctx *cx, const char *path)
{
    int outcome = 0;
    uint64_t gen = 0;
    if (kb_board_repair_lock(path, &outcome, &gen, &cx->err))
        return kb_cmd_report(cx);
    if (cx->json) {
        json_t *o = json_object();
        json_object_set_new(o, "lock_file",
                            json_string(outcome == 0   ? "unchanged"
                                        : outcome == 1 ? "created"
                                                       : "replaced"));
        json_object_set_new(o, "generation", json_integer((json_int_t)gen));
        return kb_cmd_print_json(cx, o);
    }
    if (outcome == 0)
        fprintf(cx->out, _("The lock file of %s is in order; nothing was changed.\n"), path);
    else
        fprintf(cx->out, _("Created a new lock file for %s (no session had the board open).\n"),
                path);
    return KB_OK;
}

/* doctor: is the board's location safe?  Exit 74 when a problem is found. */
int kb_cmd_doctor(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"repair-lock", no_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    bool repair = false;
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, "doctor", argc, argv, longs, &idx, &opt)) == KB_OK && opt != -1)
        repair = true;
    if (rc)
        return rc;
    if (argc - optind > 1)
        return kb_cmd_usage(cx, "doctor", _("unexpected argument '%s'"), argv[optind + 1]);
    const char *path = optind < argc ? argv[optind] : cx->db;
    if (!path)
        return kb_cmd_usage(cx, "doctor", _("which board? give --db BOARD or doctor BOARD"));
    if (repair)
        return kb_cmd_repair_lock(cx, path);
    json_t *a = cx->json ? json_array() : NULL;
    int problems = 0;
    kb_doctor_out d = {a, cx->out};
    rc = kb_board_doctor(path, kb_doctor_print, &d, &problems, &cx->err);
    if (rc) {
        json_decref(a);
        return kb_cmd_report(cx);
    }
    if (a && (rc = kb_cmd_print_json(cx, a)))
        return rc;
    if (problems)
        return kb_cmd_fail(cx, KB_EIO,
                           dngettext(KB_TEXTDOMAIN,
                                     "%d problem makes this location unsafe for the board",
                                     "%d problems make this location unsafe for the board",
                                     (unsigned long)problems),
                           problems);
    return KB_OK;
}
