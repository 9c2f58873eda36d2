/* cli_case.c - the "case" commands of SPEC.md section 5. */
#include "cmd_internal.h"
#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/query.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    O_TITLE = 1000,
    O_DEPT,
    O_ALSO,
    O_STAGE,
    O_LINE,
    O_DUE,
    O_REVIEW,
    O_ORG,
    O_DESC,
    O_OWNER,
    O_PRIO,
    O_TAG,
    O_HOOK,
    O_BLOCKED,
    O_UNBLOCK,
    O_AGENDA,
    O_NO_AGENDA,
    O_CONF,
    O_EXPECT,
};

static const struct option kb_case_opts[] = {
    {"title", required_argument, NULL, O_TITLE},
    {"dept", required_argument, NULL, O_DEPT},
    {"also", required_argument, NULL, O_ALSO},
    {"stage", required_argument, NULL, O_STAGE},
    {"line", required_argument, NULL, O_LINE},
    {"due", required_argument, NULL, O_DUE},
    {"review", required_argument, NULL, O_REVIEW},
    {"org", required_argument, NULL, O_ORG},
    {"description", required_argument, NULL, O_DESC},
    {"owner", required_argument, NULL, O_OWNER},
    {"priority", required_argument, NULL, O_PRIO},
    {"tag", required_argument, NULL, O_TAG},
    {"hook", required_argument, NULL, O_HOOK},
    {"blocked", required_argument, NULL, O_BLOCKED},
    {"unblock", no_argument, NULL, O_UNBLOCK},
    {"agenda", no_argument, NULL, O_AGENDA},
    {"no-agenda", no_argument, NULL, O_NO_AGENDA},
    {"confidentiality", required_argument, NULL, O_CONF},
    {"expect-version", required_argument, NULL, O_EXPECT},
    {NULL, 0, NULL, 0},
};

static void kb_set_str(char **dst, char *val)
{
    kb_free(dst);
    *dst = val;
}

static int kb_date_arg(kb_cmd_ctx *cx, const char *s, kb_date *out)
{
    if (!s[0] || strcmp(s, "none") == 0) {
        *out = KB_DATE_NONE;
        return KB_OK;
    }
    if (kb_date_parse(s, out, &cx->err))
        return kb_cmd_report(cx);
    return KB_OK;
}

/* Parse the case options into c; *expect gets --expect-version. */
static int kb_case_apply_opts(kb_cmd_ctx *cx, const char *cmd, int argc, char **argv, kb_case *c,
                              uint64_t *expect, bool *changed)
{
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    bool cleared_orgs = false, cleared_tags = false, cleared_hooks = false;
    while ((rc = kb_cmd_getopt(cx, cmd, argc, argv, kb_case_opts, &idx, &opt)) == KB_OK &&
           opt != -1) {
        char *v = NULL;
        if (changed && opt != O_EXPECT)
            *changed = true;
        switch (opt) {
        case O_TITLE:
            kb_set_str(&c->title, kb_strdup(optarg));
            break;
        case O_DEPT:
            kb_set_str(&c->lead_dept, optarg[0] ? kb_strdup(optarg) : NULL);
            break;
        case O_ALSO:
            kb_strv_free(&c->depts);
            kb_strv_split(&c->depts, optarg);
            break;
        case O_STAGE:
            kb_set_str(&c->stage, kb_strdup(optarg));
            break;
        case O_LINE:
            kb_set_str(&c->action_line, optarg[0] ? kb_strdup(optarg) : NULL);
            break;
        case O_DUE:
            if ((rc = kb_date_arg(cx, optarg, &c->due)))
                return rc;
            break;
        case O_REVIEW:
            if ((rc = kb_date_arg(cx, optarg, &c->review)))
                return rc;
            break;
        case O_ORG:
            if (!cleared_orgs)
                kb_strv_free(&c->orgs);
            cleared_orgs = true;
            if (optarg[0])
                kb_strv_push(&c->orgs, optarg);
            break;
        case O_TAG:
            if (!cleared_tags)
                kb_strv_free(&c->tags);
            cleared_tags = true;
            kb_strv_split(&c->tags, optarg);
            break;
        case O_HOOK:
            if (!cleared_hooks)
                kb_strv_free(&c->hooks);
            cleared_hooks = true;
            if (optarg[0])
                kb_strv_push(&c->hooks, optarg);
            break;
        case O_DESC:
            if (changed && strcmp(optarg, "-") == 0)
                break; /* checking pass: read standard input only once, later */
            if ((rc = kb_cmd_text_arg(cx, optarg, &v)))
                return rc;
            kb_set_str(&c->description, v);
            break;
        case O_OWNER:
            kb_set_str(&c->owner, optarg[0] ? kb_strdup(optarg) : NULL);
            break;
        case O_PRIO: {
            char *end = NULL;
            long p = strtol(optarg, &end, 10);
            if (!optarg[0] || *end || p < 0 || p > KB_PRIORITY_MAX)
                return kb_cmd_fail(cx, KB_EDATA, _("--priority must be 0 to %d"), KB_PRIORITY_MAX);
            c->priority = (int)p;
            break;
        }
        case O_BLOCKED:
            kb_set_str(&c->blocked, kb_strdup(optarg));
            break;
        case O_UNBLOCK:
            kb_set_str(&c->blocked, NULL);
            break;
        case O_AGENDA:
            c->on_agenda = true;
            break;
        case O_NO_AGENDA:
            c->on_agenda = false;
            break;
        case O_CONF:
            if (kb_conf_parse(optarg, &c->conf, &cx->err))
                return kb_cmd_report(cx);
            break;
        case O_EXPECT: {
            char *end = NULL;
            unsigned long long ev = strtoull(optarg, &end, 10);
            if (!expect || !optarg[0] || *end || ev == 0)
                return kb_cmd_usage(cx, cmd, _("--expect-version needs a version number"));
            *expect = ev;
            break;
        }
        default:
            return kb_cmd_usage(cx, cmd, _("unexpected option"));
        }
    }
    return rc;
}

static int kb_case_number_arg(kb_cmd_ctx *cx, const char *cmd, int argc, char **argv, int i,
                              uint32_t *n)
{
    if (i >= argc)
        return kb_cmd_usage(cx, cmd, _("which case? give its number, e.g. 12 or #12"));
    if (kb_case_number_parse(argv[i], n, &cx->err))
        return kb_cmd_usage(cx, cmd, "%s", cx->err.msg);
    return KB_OK;
}

static void kb_print_case(kb_cmd_ctx *cx, const kb_case *c, const kb_comment_vec *tl)
{
    char d1[KB_DATE_STRLEN], d2[KB_DATE_STRLEN], t1[KB_TIME_STRLEN], t2[KB_TIME_STRLEN];
    kb_date_format(c->due, d1);
    kb_date_format(c->review, d2);
    kb_time_format(c->created, t1);
    kb_time_format(c->updated, t2);
    char *depts = kb_strv_join(&c->depts, ", "), *orgs = kb_strv_join(&c->orgs, ", "),
         *tags = kb_strv_join(&c->tags, ", "), *hooks = kb_strv_join(&c->hooks, "; ");
    fprintf(cx->out, "#%u  %s\n", c->number, c->title ? c->title : "");
    fprintf(cx->out, "%-16s %s\n", _("Stage:"), c->stage ? c->stage : "");
    fprintf(cx->out, "%-16s %s\n", _("Lead dept:"), c->lead_dept ? c->lead_dept : "-");
    fprintf(cx->out, "%-16s %s\n", _("Also involved:"), depts[0] ? depts : "-");
    fprintf(cx->out, "%-16s %s\n", _("Action line:"), c->action_line ? c->action_line : "-");
    fprintf(cx->out, "%-16s %s\n", _("Policy hooks:"), hooks[0] ? hooks : "-");
    fprintf(cx->out, "%-16s %s\n", _("Organisations:"), orgs[0] ? orgs : "-");
    fprintf(cx->out, "%-16s %s\n", _("Owner:"), c->owner ? c->owner : "-");
    fprintf(cx->out, "%-16s %d\n", _("Priority:"), c->priority);
    fprintf(cx->out, "%-16s %s\n", _("Due:"), d1[0] ? d1 : "-");
    fprintf(cx->out, "%-16s %s\n", _("Review:"), d2[0] ? d2 : "-");
    fprintf(cx->out, "%-16s %s\n", _("On agenda:"), c->on_agenda ? _("yes") : _("no"));
    fprintf(cx->out, "%-16s %s\n", _("Blocked:"), c->blocked ? c->blocked : "-");
    fprintf(cx->out, "%-16s %s\n", _("Confidential:"), kb_conf_name(c->conf));
    fprintf(cx->out, "%-16s %s\n", _("Tags:"), tags[0] ? tags : "-");
    fprintf(cx->out, "%-16s %s   %s %s   %s %llu\n", _("Created:"), t1, _("updated"), t2,
            _("version"), (unsigned long long)c->version);
    if (c->description && c->description[0])
        fprintf(cx->out, "\n%s\n", c->description);
    if (tl && tl->n) {
        fprintf(cx->out, "\n%s\n", _("Timeline:"));
        for (size_t i = 0; i < tl->n; i++) {
            char ts[KB_TIME_STRLEN];
            kb_time_format(tl->v[i].time, ts);
            bool change = tl->v[i].kind == KB_ENTRY_CHANGE;
            char *text = change ? kb_timeline_localize(tl->v[i].text) : NULL;
            fprintf(cx->out, "  %s  %-12s %s%s\n", ts, tl->v[i].author ? tl->v[i].author : "",
                    change ? "* " : "", text ? text : tl->v[i].text);
            kb_free(&text);
        }
    }
    kb_free(&depts);
    kb_free(&orgs);
    kb_free(&tags);
    kb_free(&hooks);
}

int kb_cmd_case_add(kb_cmd_ctx *cx, int argc, char **argv)
{
    kb_case c;
    kb_case_init(&c);
    kb_board *b = NULL;
    int rc = kb_case_apply_opts(cx, "case add", argc, argv, &c, NULL, NULL);
    if (rc)
        goto out;
    if (optind < argc) {
        rc = kb_cmd_usage(cx, "case add", _("unexpected argument '%s'"), argv[optind]);
        goto out;
    }
    if (!c.title) {
        rc = kb_cmd_usage(cx, "case add", _("a case needs --title TEXT"));
        goto out;
    }
    if ((rc = kb_cmd_open(cx, "case add", &b)))
        goto out;
    if ((rc = kb_board_case_add(b, &c, &cx->err))) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    if (cx->json)
        rc = kb_cmd_print_json(cx, kb_cmd_case_json(&c));
    else
        fprintf(cx->out, "#%u\n", c.number);
out:
    kb_case_free(&c);
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_case_show(kb_cmd_ctx *cx, int argc, char **argv)
{
    uint32_t n;
    kb_board *b = NULL;
    kb_case c;
    kb_case_init(&c);
    kb_comment_vec tl = {0};
    kb_action_vec acts = {0};
    kb_link_vec links = {0};
    kb_decision_vec decs = {0};
    int rc = kb_case_number_arg(cx, "case show", argc, argv, 1, &n);
    if (rc)
        return rc;
    if (argc > 2)
        return kb_cmd_usage(cx, "case show", _("unexpected argument '%s'"), argv[2]);
    if ((rc = kb_cmd_open(cx, "case show", &b)))
        return rc;
    if ((rc = kb_board_case_get(b, n, &c, &cx->err)) ||
        (rc = kb_board_timeline(b, n, &tl, &cx->err)) ||
        (rc = kb_board_action_list(b, n, &acts, &cx->err)) ||
        (rc = kb_board_link_list(b, n, &links, &cx->err)) ||
        (rc = kb_board_decision_list(b, n, 0, &decs, &cx->err))) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    if (cx->json) {
        json_t *o = kb_cmd_case_json(&c);
        json_t *a = json_array();
        for (size_t i = 0; i < tl.n; i++)
            json_array_append_new(a, kb_cmd_comment_json(&tl.v[i]));
        json_object_set_new(o, "timeline", a);
        a = json_array();
        for (size_t i = 0; i < acts.n; i++)
            json_array_append_new(a, kb_cmd_action_json(&acts.v[i]));
        json_object_set_new(o, "actions", a);
        a = json_array();
        for (size_t i = 0; i < links.n; i++)
            json_array_append_new(a, kb_cmd_link_json(&links.v[i]));
        json_object_set_new(o, "links", a);
        a = json_array();
        for (size_t i = 0; i < decs.n; i++)
            json_array_append_new(a, kb_cmd_decision_json(&decs.v[i]));
        json_object_set_new(o, "decisions", a);
        rc = kb_cmd_print_json(cx, o);
    } else {
        kb_print_case(cx, &c, &tl);
        if (acts.n) {
            fprintf(cx->out, "\n%s\n", _("Action items:"));
            for (size_t i = 0; i < acts.n; i++) {
                char due[KB_DATE_STRLEN];
                kb_date_format(acts.v[i].due, due);
                fprintf(cx->out, "  A%-4u [%c] %-12s %-10s %s\n", acts.v[i].number,
                        acts.v[i].done ? 'x' : ' ', acts.v[i].owner, due[0] ? due : "-",
                        acts.v[i].text);
            }
        }
        if (decs.n) {
            fprintf(cx->out, "\n%s\n", _("Decisions:"));
            for (size_t i = 0; i < decs.n; i++) {
                char ts[KB_TIME_STRLEN];
                kb_time_format(decs.v[i].time, ts);
                fprintf(cx->out, "  D%-4u %.10s %s\n", decs.v[i].number, ts, decs.v[i].text);
            }
        }
        if (links.n) {
            fprintf(cx->out, "\n%s\n", _("Links:"));
            for (size_t i = 0; i < links.n; i++)
                fprintf(cx->out, "  #%u %s #%u\n", links.v[i].from,
                        kb_link_kind_name(links.v[i].kind), links.v[i].to);
        }
    }
out:
    kb_case_free(&c);
    kb_comment_vec_free(&tl);
    kb_action_vec_free(&acts);
    kb_link_vec_free(&links);
    kb_decision_vec_free(&decs);
    kb_cmd_close(cx, &b);
    return rc;
}

static const char *kb_cmd_resolve(void *user, enum kb_query_field f, const char *value)
{
    const kb_board *b = user;
    if (f == KB_QF_STAGE) {
        const kb_stage *s = kb_board_stage_find(b, value);
        return s ? s->code : NULL;
    }
    if (f == KB_QF_LINE) {
        const kb_line *l = kb_board_line_find(b, value);
        return l ? l->code : NULL;
    }
    return NULL;
}

int kb_cmd_case_list(kb_cmd_ctx *cx, int argc, char **argv)
{
    /* the query may contain "-term" negations, but "--x" is an option */
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--", 2) == 0)
            return kb_cmd_usage(cx, "case list", _("unknown option '%s'"), argv[i]);
    kb_buf qtext = KB_BUF_INIT;
    for (int i = 1; i < argc; i++)
        kb_buf_printf(&qtext, "%s%s", i > 1 ? " " : "", argv[i]);
    kb_query *q = NULL;
    kb_board *b = NULL;
    kb_case_vec v = {0};
    int rc = KB_OK;
    if (kb_query_parse(qtext.data ? qtext.data : "", &q, &cx->err)) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    if ((rc = kb_cmd_open(cx, "case list", &b)))
        goto out;
    if ((rc = kb_board_case_list(b, &v, &cx->err))) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    kb_query_ctx ctx = {.today = kb_date_today(), .resolve = kb_cmd_resolve, .user = b};
    if (cx->json) {
        json_t *a = json_array();
        for (size_t i = 0; i < v.n; i++)
            if (kb_query_match(q, &v.v[i], &ctx))
                json_array_append_new(a, kb_cmd_case_json(&v.v[i]));
        rc = kb_cmd_print_json(cx, a);
        goto out;
    }
    fprintf(cx->out, "%-6s ", "#");
    kb_cmd_cell(cx->out, _("Stage"), 12);
    fputc(' ', cx->out);
    kb_cmd_cell(cx->out, _("Lead"), 5);
    fputc(' ', cx->out);
    kb_cmd_cell(cx->out, _("Due"), 10);
    fprintf(cx->out, " %s\n", _("Title"));
    for (size_t i = 0; i < v.n; i++) {
        const kb_case *c = &v.v[i];
        if (!kb_query_match(q, c, &ctx))
            continue;
        char due[KB_DATE_STRLEN];
        kb_date_format(c->due, due);
        char num[16];
        snprintf(num, sizeof num, "#%u", c->number);
        fprintf(cx->out, "%-6s ", num);
        kb_cmd_cell(cx->out, c->stage ? c->stage : "", 12);
        fputc(' ', cx->out);
        kb_cmd_cell(cx->out, c->lead_dept ? c->lead_dept : "-", 5);
        fputc(' ', cx->out);
        kb_cmd_cell(cx->out, due, 10);
        fputc(' ', cx->out);
        kb_cmd_cell(cx->out, c->title ? c->title : "", 44);
        fputc('\n', cx->out);
    }
out:
    kb_buf_free(&qtext);
    kb_query_free(&q);
    kb_case_vec_free(&v);
    kb_cmd_close(cx, &b);
    return rc;
}

/* Change a case under its edit lease: take the lease (exit 75 naming the
 * holder when someone else edits it), read, apply, save with the version
 * check and the fencing token, release. */
static int kb_case_change(kb_cmd_ctx *cx, kb_board *b, uint32_t n, int argc, char **argv,
                          const char *stage, uint64_t expect)
{
    uint64_t token = 0;
    kb_case c;
    kb_case_init(&c);
    int rc = kb_board_lease_acquire(b, n, 0, false, &token, &cx->err);
    if (rc)
        return kb_cmd_report(cx);
    if ((rc = kb_board_case_get(b, n, &c, &cx->err))) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    if (stage) {
        kb_free(&c.stage);
        c.stage = kb_strdup(stage);
    } else if ((rc = kb_case_apply_opts(cx, "case edit", argc, argv, &c, &expect, NULL))) {
        goto out;
    }
    if ((rc = kb_board_case_save(b, &c, expect, token, &cx->err))) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    if (cx->json)
        rc = kb_cmd_print_json(cx, kb_cmd_case_json(&c));
out : {
    kb_err ignore;
    if (kb_board_lease_release(b, n, token, &ignore)) {
        /* the lease expires on its own; nothing else to do */
    }
}
    kb_case_free(&c);
    return rc;
}

int kb_cmd_case_edit(kb_cmd_ctx *cx, int argc, char **argv)
{
    uint32_t n;
    kb_board *b = NULL;
    kb_case c;
    kb_case_init(&c);
    int rc = kb_case_number_arg(cx, "case edit", argc, argv, 1, &n);
    if (rc)
        return rc;
    uint64_t expect = KB_CORE_ANY_VERSION;
    bool changed = false;
    /* check the options before asking for the passphrase */
    rc = kb_case_apply_opts(cx, "case edit", argc - 1, argv + 1, &c, &expect, &changed);
    kb_case_free(&c);
    if (rc)
        return rc;
    if (optind < argc - 1)
        return kb_cmd_usage(cx, "case edit", _("unexpected argument '%s'"), argv[optind + 1]);
    if ((rc = kb_cmd_open(cx, "case edit", &b)))
        return rc;
    rc = kb_case_change(cx, b, n, argc - 1, argv + 1, NULL, expect);
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_case_move(kb_cmd_ctx *cx, int argc, char **argv)
{
    uint32_t n;
    kb_board *b = NULL;
    int rc = kb_case_number_arg(cx, "case move", argc, argv, 1, &n);
    if (rc)
        return rc;
    if (argc != 3)
        return kb_cmd_usage(cx, "case move",
                            _("give the case and the stage: case move 12 connect"));
    if ((rc = kb_cmd_open(cx, "case move", &b)))
        return rc;
    rc = kb_case_change(cx, b, n, 0, NULL, argv[2], KB_CORE_ANY_VERSION);
    kb_cmd_close(cx, &b);
    return rc;
}

/* case lock N: hold the edit lease (renewing it) for --seconds, or until
 * killed; for scripts that must keep others out while they work. */
int kb_cmd_case_lock(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"seconds", required_argument, NULL, 's'},
        {"lease-seconds", required_argument, NULL, 'l'},
        {"no-renew", no_argument, NULL, 'n'},
        {NULL, 0, NULL, 0},
    };
    long hold = 60, lease = 0;
    bool renew = true;
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, "case lock", argc, argv, longs, &idx, &opt)) == KB_OK &&
           opt != -1) {
        if (opt == 'n') {
            renew = false;
            continue;
        }
        char *end = NULL;
        long v = strtol(optarg, &end, 10);
        if (!optarg[0] || *end || v < 1 || v > 86400)
            return kb_cmd_usage(cx, "case lock", _("bad number of seconds '%s'"), optarg);
        if (opt == 's')
            hold = v;
        else
            lease = v;
    }
    if (rc)
        return rc;
    uint32_t n;
    if ((rc = kb_case_number_arg(cx, "case lock", argc, argv, optind, &n)))
        return rc;
    kb_board *b = NULL;
    if ((rc = kb_cmd_open(cx, "case lock", &b)))
        return rc;
    uint64_t token = 0;
    if (kb_board_lease_acquire(b, n, (int)lease, false, &token, &cx->err)) {
        rc = kb_cmd_report(cx);
        kb_cmd_close(cx, &b);
        return rc;
    }
    fprintf(cx->out, _("locked case #%u (token %llu)\n"), n, (unsigned long long)token);
    fflush(cx->out);
    int64_t until = kb_clock_ms() + hold * 1000;
    int64_t next_renew = kb_clock_ms() + (lease ? lease : KB_LEASE_SECONDS) * 500;
    while (kb_clock_ms() < until) {
        usleep(100000);
        if (renew && kb_clock_ms() >= next_renew) {
            if (kb_board_lease_renew(b, n, token, (int)lease, &cx->err)) {
                rc = kb_cmd_report(cx);
                break;
            }
            next_renew = kb_clock_ms() + (lease ? lease : KB_LEASE_SECONDS) * 500;
        }
    }
    kb_err ignore;
    if (kb_board_lease_release(b, n, token, &ignore)) {
        /* expires on its own */
    }
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_case_comment(kb_cmd_ctx *cx, int argc, char **argv)
{
    uint32_t n;
    int rc = kb_case_number_arg(cx, "case comment", argc, argv, 1, &n);
    if (rc)
        return rc;
    if (argc != 3)
        return kb_cmd_usage(cx, "case comment",
                            _("give the text (or - to read it from standard "
                              "input): case comment 12 \"text\""));
    char *text = NULL;
    if ((rc = kb_cmd_text_arg(cx, argv[2], &text)))
        return rc;
    kb_board *b = NULL;
    if ((rc = kb_cmd_open(cx, "case comment", &b)) == KB_OK &&
        kb_board_comment_add(b, n, text, &cx->err))
        rc = kb_cmd_report(cx);
    kb_free(&text);
    kb_cmd_close(cx, &b);
    return rc;
}
