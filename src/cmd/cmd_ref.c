/* cli_ref.c - dept/stage/line, action and link commands. */
#include "cmd_internal.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/num.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ reference data */

enum { R_NAME = 2000, R_COLOUR, R_POS, R_WIP, R_NORM, R_REASON, R_NO_REASON, R_DEPT_WIP };

static const struct option kb_ref_opts[] = {
    {"name", required_argument, NULL, R_NAME},
    {"colour", required_argument, NULL, R_COLOUR},
    {"color", required_argument, NULL, R_COLOUR},
    {"position", required_argument, NULL, R_POS},
    {"wip", required_argument, NULL, R_WIP},
    {"norm-days", required_argument, NULL, R_NORM},
    {"needs-reason", no_argument, NULL, R_REASON},
    {"no-reason", no_argument, NULL, R_NO_REASON},
    {"wip-dept", required_argument, NULL, R_DEPT_WIP},
    {NULL, 0, NULL, 0},
};

/* The options each kind takes (what `completion bash` offers; kb_cmd_probe):
 * departments have a colour, stages their limits, action lines a name only. */
static const struct option kb_dept_opts[] = {
    {"name", required_argument, NULL, R_NAME},
    {"colour", required_argument, NULL, R_COLOUR},
    {"color", required_argument, NULL, R_COLOUR},
    {NULL, 0, NULL, 0},
};
static const struct option kb_stage_opts[] = {
    {"name", required_argument, NULL, R_NAME},
    {"position", required_argument, NULL, R_POS},
    {"wip", required_argument, NULL, R_WIP},
    {"norm-days", required_argument, NULL, R_NORM},
    {"needs-reason", no_argument, NULL, R_REASON},
    {"no-reason", no_argument, NULL, R_NO_REASON},
    {"wip-dept", required_argument, NULL, R_DEPT_WIP},
    {NULL, 0, NULL, 0},
};
static const struct option kb_line_opts[] = {
    {"name", required_argument, NULL, R_NAME},
    {NULL, 0, NULL, 0},
};

static bool kb_ref_takes(const struct option *kind, int opt)
{
    for (; kind->name; kind++)
        if (kind->val == opt)
            return true;
    return false;
}

typedef struct kb_ref_args {
    const char *code, *name, *colour;
    int position, wip, norm; /* -1 = not given */
    int reason;              /* -1 = not given, 0/1 */
    kb_strv dept_wip;        /* "CODE=N" as given (N = 0 removes) */
} kb_ref_args;

static int kb_ref_int(kb_cmd_ctx *cx, const char *cmd, const char *s, int *out)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!s[0] || *end || v < 0 || v > 100000)
        return kb_cmd_bad_value(cx, cmd, _("'%s' is not a number from 0 to 100000"), s);
    *out = (int)v;
    return KB_OK;
}

/* kind: kb_dept_opts, kb_stage_opts or kb_line_opts.  Every option of the
 * three is read, so one that belongs to another kind is named as such. */
static int kb_ref_parse(kb_cmd_ctx *cx, const char *cmd, int argc, char **argv,
                        const struct option *kind, kb_ref_args *a)
{
    memset(a, 0, sizeof *a);
    a->position = a->wip = a->norm = a->reason = -1;
    if (kb_cmd_probe(cx, kind)) /* only asked for the options */
        return KB_EUSAGE;
    kb_cmd_getopt_reset();
    int rc, opt, idx = 0;
    while ((rc = kb_cmd_getopt(cx, cmd, argc, argv, kb_ref_opts, &idx, &opt)) == KB_OK &&
           opt != -1) {
        if (!kb_ref_takes(kind, opt)) {
            /* the option's name, not its value (--wip 3 is not "option '3'") */
            const char *o = kb_ref_opts[idx].name;
            if (opt == R_COLOUR)
                return kb_cmd_usage(cx, cmd,
                                    kind == kb_stage_opts
                                        ? _("option '--%s' is only for departments: stages have "
                                            "no colour")
                                        : _("option '--%s' is only for departments"),
                                    o);
            return kb_cmd_usage(cx, cmd, _("option '--%s' is only for stages"), o);
        }
        switch (opt) {
        case R_NAME:
            a->name = optarg;
            break;
        case R_COLOUR:
            a->colour = optarg;
            break;
        case R_POS:
            rc = kb_ref_int(cx, cmd, optarg, &a->position);
            if (rc == KB_OK && a->position == 0) /* a place: columns count from 1 */
                rc = kb_cmd_bad_value(cx, cmd,
                                      _("--position counts columns from 1 (1 = the first "
                                        "column); see 'kernboard stage list'"));
            break;
        case R_WIP:
            rc = kb_ref_int(cx, cmd, optarg, &a->wip);
            break;
        case R_NORM:
            rc = kb_ref_int(cx, cmd, optarg, &a->norm);
            break;
        case R_REASON:
            a->reason = 1;
            break;
        case R_NO_REASON:
            a->reason = 0;
            break;
        case R_DEPT_WIP:
            kb_strv_push(&a->dept_wip, optarg);
            break;
        default:
            break;
        }
        if (rc)
            return rc;
    }
    if (rc)
        return rc;
    if (optind + 1 != argc)
        return kb_cmd_usage(cx, cmd, _("give one code, e.g. '%s ECO --name Economie'"), cmd);
    a->code = argv[optind];
    return KB_OK;
}

static int kb_ref_list(kb_cmd_ctx *cx, const char *what, int argc)
{
    if (argc > 1)
        return kb_cmd_usage(cx, what, _("list takes no arguments"));
    kb_board *b = NULL;
    int rc = kb_cmd_open(cx, what, &b);
    if (rc)
        return rc;
    size_t n;
    json_t *a = cx->json ? json_array() : NULL;
    if (strcmp(what, "dept list") == 0) {
        const kb_dept *d = kb_board_depts(b, &n);
        for (size_t i = 0; i < n; i++) {
            if (a) {
                json_t *o = json_object();
                json_object_set_new(o, "code", json_string(d[i].code));
                json_object_set_new(o, "name", json_string(d[i].name));
                json_object_set_new(o, "colour",
                                    d[i].colour ? json_string(d[i].colour) : json_null());
                json_array_append_new(a, o);
            } else {
                kb_cmd_cell(cx->out, d[i].code, 8);
                fprintf(cx->out, " %s\n", d[i].name);
            }
        }
    } else if (strcmp(what, "stage list") == 0) {
        const kb_stage *s = kb_board_stages(b, &n);
        if (!a)
            fprintf(cx->out, "%-10s %-24s %5s %5s %-6s %s\n", _("Code"), _("Name"), _("WIP"),
                    _("Norm"), _("Reason"), _("WIP per department"));
        for (size_t i = 0; i < n; i++) {
            if (a) {
                json_t *o = json_object();
                json_object_set_new(o, "code", json_string(s[i].code));
                json_object_set_new(o, "name", json_string(s[i].name));
                json_object_set_new(o, "position", json_integer(s[i].position));
                json_object_set_new(o, "wip_limit", json_integer(s[i].wip_limit));
                json_object_set_new(o, "norm_days", json_integer(s[i].norm_days));
                json_object_set_new(o, "needs_reason", json_boolean(s[i].needs_reason));
                json_t *dw = json_object();
                for (size_t k = 0; k < s[i].dept_wip.n; k++) {
                    const char *eq = strchr(s[i].dept_wip.v[k], '=');
                    if (!eq)
                        continue;
                    char *code = kb_strndup(s[i].dept_wip.v[k], (size_t)(eq - s[i].dept_wip.v[k]));
                    json_object_set_new(dw, code, json_integer(atoi(eq + 1)));
                    kb_free(&code);
                }
                json_object_set_new(o, "dept_wip", dw);
                json_array_append_new(a, o);
            } else {
                kb_cmd_cell(cx->out, s[i].code, 10);
                fputc(' ', cx->out);
                kb_cmd_cell(cx->out, s[i].name, 24);
                char *dw = kb_strv_join(&s[i].dept_wip, ",");
                fprintf(cx->out, " %5d %5d %-6s %s\n", s[i].wip_limit, s[i].norm_days,
                        s[i].needs_reason ? _("yes") : "-", dw);
                kb_free(&dw);
            }
        }
    } else {
        const kb_line *l = kb_board_lines(b, &n);
        for (size_t i = 0; i < n; i++) {
            if (a) {
                json_t *o = json_object();
                json_object_set_new(o, "code", json_string(l[i].code));
                json_object_set_new(o, "name", json_string(l[i].name));
                json_array_append_new(a, o);
            } else {
                kb_cmd_cell(cx->out, l[i].code, 10);
                fprintf(cx->out, " %s\n", l[i].name);
            }
        }
    }
    if (a)
        rc = kb_cmd_print_json(cx, a);
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_dept_list(kb_cmd_ctx *cx, int argc, char **argv)
{
    (void)argv;
    return kb_ref_list(cx, "dept list", argc);
}

int kb_cmd_stage_list(kb_cmd_ctx *cx, int argc, char **argv)
{
    (void)argv;
    return kb_ref_list(cx, "stage list", argc);
}

int kb_cmd_line_list(kb_cmd_ctx *cx, int argc, char **argv)
{
    (void)argv;
    return kb_ref_list(cx, "line list", argc);
}

static int kb_ref_change(kb_cmd_ctx *cx, const char *cmd, int argc, char **argv)
{
    bool stage = strncmp(cmd, "stage", 5) == 0, dept = strncmp(cmd, "dept", 4) == 0;
    bool add = strstr(cmd, "add") != NULL;
    kb_ref_args a;
    int rc = kb_ref_parse(cx, cmd, argc, argv,
                          dept    ? kb_dept_opts
                          : stage ? kb_stage_opts
                                  : kb_line_opts,
                          &a);
    if (rc == KB_OK && add && !a.name)
        rc = kb_cmd_usage(cx, cmd, _("give --name NAME"));
    kb_board *b = NULL;
    if (rc == KB_OK)
        rc = kb_cmd_open(cx, cmd, &b);
    if (rc) {
        kb_strv_free(&a.dept_wip);
        return rc;
    }
    /* edit: the code or the name of an existing one (the one resolver) */
    char *code = NULL;
    if (!add) {
        const kb_dept *d = dept ? kb_board_dept_find(b, a.code) : NULL;
        const kb_stage *st = stage ? kb_board_stage_find(b, a.code) : NULL;
        const kb_line *l = !dept && !stage ? kb_board_line_find(b, a.code) : NULL;
        const char *found = d ? d->code : st ? st->code : l ? l->code : NULL;
        if (!found) { /* an unknown one first, whatever the options */
            rc = dept    ? kb_cmd_fail(cx, KB_ENOENT,
                                       _("no department %s (see 'kernboard dept "
                                            "list')"),
                                       a.code)
                 : stage ? kb_cmd_fail(cx, KB_ENOENT, _("no stage %s (see 'kernboard stage list')"),
                                       a.code)
                         : kb_cmd_fail(cx, KB_ENOENT,
                                       _("no action line %s (see 'kernboard line list')"), a.code);
            kb_cmd_close(cx, &b);
            kb_strv_free(&a.dept_wip);
            return rc;
        }
        code = kb_strdup(found);
        a.code = code;
    }
    if (dept) {
        const kb_dept *old = kb_board_dept_find(b, a.code);
        kb_dept d = {.code = (char *)a.code};
        d.name = (char *)(a.name ? a.name : old ? old->name : NULL);
        d.colour = (char *)(a.colour ? a.colour : old ? old->colour : NULL);
        if (d.colour && !d.colour[0]) /* --colour '': no colour of its own */
            d.colour = NULL;
        rc = add ? kb_board_dept_add(b, &d, &cx->err) : kb_board_dept_edit(b, &d, &cx->err);
    } else if (stage) {
        const kb_stage *old = kb_board_stage_find(b, a.code);
        kb_stage s = old && !add ? *old : (kb_stage){0};
        s.code = (char *)a.code;
        /* a private copy of the per-department limits to change */
        kb_strv dw = {0};
        bool reported = false; /* a bad --wip-dept, reported above */
        if (old && !add)
            kb_strv_copy(&dw, &old->dept_wip);
        s.dept_wip = dw;
        for (size_t i = 0; i < a.dept_wip.n && rc == KB_OK; i++) {
            const char *eq = strchr(a.dept_wip.v[i], '=');
            char *endp = NULL;
            long lim = eq ? strtol(eq + 1, &endp, 10) : -1;
            if (!eq || eq == a.dept_wip.v[i] || !eq[1] || *endp || lim < 0 || lim > 10000) {
                rc = kb_cmd_bad_value(
                    cx, cmd,
                    _("--wip-dept takes one CODE=N, e.g. ECO=3 (0 removes); repeat it for more "
                      "departments: --wip-dept ECO=3 --wip-dept INC=2"));
                reported = true;
                break;
            }
            char *dcode = kb_strndup(a.dept_wip.v[i], (size_t)(eq - a.dept_wip.v[i]));
            kb_stage_set_dept_wip(&s, dcode, (int)lim);
            kb_free(&dcode);
        }
        if (a.name)
            s.name = (char *)a.name;
        if (a.position >= 0)
            s.position = a.position;
        if (a.wip >= 0)
            s.wip_limit = a.wip;
        if (a.norm >= 0)
            s.norm_days = a.norm;
        if (a.reason >= 0)
            s.needs_reason = a.reason;
        if (rc == KB_OK)
            rc = add ? kb_board_stage_add(b, &s, &cx->err) : kb_board_stage_edit(b, &s, &cx->err);
        kb_strv_free(&s.dept_wip);
        if (reported) {
            kb_cmd_close(cx, &b);
            kb_strv_free(&a.dept_wip);
            kb_free(&code);
            return rc;
        }
    } else {
        const kb_line *old = kb_board_line_find(b, a.code);
        kb_line l = {.code = (char *)a.code};
        l.name = (char *)(a.name ? a.name : old ? old->name : NULL);
        rc = add ? kb_board_line_add(b, &l, &cx->err) : kb_board_line_edit(b, &l, &cx->err);
    }
    if (rc)
        rc = kb_cmd_report(cx);
    kb_cmd_close(cx, &b);
    kb_strv_free(&a.dept_wip);
    kb_free(&code);
    return rc;
}

int kb_cmd_dept_add(kb_cmd_ctx *cx, int argc, char **argv)
{
    return kb_ref_change(cx, "dept add", argc, argv);
}

int kb_cmd_dept_edit(kb_cmd_ctx *cx, int argc, char **argv)
{
    return kb_ref_change(cx, "dept edit", argc, argv);
}

int kb_cmd_stage_add(kb_cmd_ctx *cx, int argc, char **argv)
{
    return kb_ref_change(cx, "stage add", argc, argv);
}

int kb_cmd_stage_edit(kb_cmd_ctx *cx, int argc, char **argv)
{
    return kb_ref_change(cx, "stage edit", argc, argv);
}

int kb_cmd_line_add(kb_cmd_ctx *cx, int argc, char **argv)
{
    return kb_ref_change(cx, "line add", argc, argv);
}

int kb_cmd_line_edit(kb_cmd_ctx *cx, int argc, char **argv)
{
    return kb_ref_change(cx, "line edit", argc, argv);
}

/* ------------------------------------------------------------ action items */

static int kb_action_number(kb_cmd_ctx *cx, const char *cmd, const char *s, uint32_t *out)
{
    const char *p = (s[0] == 'A' || s[0] == 'a') ? s + 1 : s;
    uint64_t v = 0;
    if (!kb_num_parse(p, UINT32_MAX, &v) || v == 0)
        return kb_cmd_usage(cx, cmd, _("invalid action item '%s': write it as 7 or A7"), s);
    *out = (uint32_t)v;
    return KB_OK;
}

int kb_cmd_action_add(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"text", required_argument, NULL, 't'},
        {"owner", required_argument, NULL, 'o'},
        {"due", required_argument, NULL, 'd'},
        {NULL, 0, NULL, 0},
    };
    kb_action_item a;
    kb_action_item_init(&a);
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, "action add", argc, argv, longs, &idx, &opt)) == KB_OK &&
           opt != -1) {
        if (opt == 't') {
            kb_free(&a.text);
            a.text = kb_strdup(optarg);
        } else if (opt == 'o') {
            kb_free(&a.owner);
            a.owner = kb_strdup(optarg);
        } else if (kb_date_parse_rel(optarg, kb_date_today(), &a.due, &cx->err)) {
            rc = kb_cmd_report(cx);
            break;
        }
    }
    kb_board *b = NULL;
    if (rc)
        goto out;
    if (optind + 1 != argc || kb_case_number_parse(argv[optind], &a.case_number, &cx->err)) {
        rc = kb_cmd_usage(cx, "action add", _("give the case: action add 12 --text T --owner U"));
        goto out;
    }
    if (!a.text || !a.owner) {
        rc = kb_cmd_usage(cx, "action add", _("give --text TEXT and --owner USER"));
        goto out;
    }
    if ((rc = kb_cmd_open(cx, "action add", &b)))
        goto out;
    if (kb_board_action_add(b, &a, &cx->err))
        rc = kb_cmd_report(cx);
    else if (cx->json)
        rc = kb_cmd_print_json(cx, kb_cmd_action_json(&a));
    else
        fprintf(cx->out, "A%u\n", a.number);
out:
    kb_action_item_free(&a);
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_action_done(kb_cmd_ctx *cx, int argc, char **argv)
{
    uint32_t n = 0;
    if (argc != 2)
        return kb_cmd_usage(cx, "action done", _("give one action item: action done A7"));
    int rc = kb_action_number(cx, "action done", argv[1], &n);
    if (rc)
        return rc;
    kb_board *b = NULL;
    if ((rc = kb_cmd_open(cx, "action done", &b)))
        return rc;
    kb_action_item a;
    kb_action_item_init(&a);
    bool changed = false;
    if (kb_board_action_set_done(b, n, true, &changed, &a, &cx->err))
        rc = kb_cmd_report(cx);
    else if (cx->json)
        rc = kb_cmd_print_json(cx, kb_cmd_action_json(&a));
    else if (changed)
        fprintf(cx->out, _("Action item A%u done\n"), n);
    else /* nothing to do is not an error (exit 0), as for case move */
        fprintf(cx->out, _("Action item A%u is already done; nothing changed\n"), n);
    kb_action_item_free(&a);
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_action_list(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"mine", no_argument, NULL, 'm'},
        {"overdue", no_argument, NULL, 'o'},
        {"all", no_argument, NULL, 'a'},
        {NULL, 0, NULL, 0},
    };
    bool mine = false, overdue = false, all = false;
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, "action list", argc, argv, longs, &idx, &opt)) == KB_OK &&
           opt != -1) {
        if (opt == 'm')
            mine = true;
        else if (opt == 'o')
            overdue = true;
        else
            all = true;
    }
    if (rc)
        return rc;
    if (optind < argc)
        return kb_cmd_usage(cx, "action list", _("unexpected argument '%s'"), argv[optind]);
    kb_board *b = NULL;
    if ((rc = kb_cmd_open(cx, "action list", &b)))
        return rc;
    kb_action_vec v = {0};
    if (kb_board_action_list(b, 0, &v, &cx->err)) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    if (mine) /* my work: by due date, the overdue first */
        kb_action_items_by_due(v.v, v.n);
    kb_date today = kb_date_today();
    json_t *a = cx->json ? json_array() : NULL;
    if (!a)
        fprintf(cx->out, "%-6s %-6s %-12s %-10s %s\n", _("Item"), _("Case"), _("Owner"), _("Due"),
                _("Text"));
    for (size_t i = 0; i < v.n; i++) {
        const kb_action_item *it = &v.v[i];
        if ((mine && strcmp(it->owner, kb_board_user(b)) != 0) ||
            (overdue && !kb_action_item_overdue(it, today)) || (!all && !overdue && it->done))
            continue;
        char id[16], cs[16], due[KB_DATE_STRLEN];
        snprintf(id, sizeof id, "A%u", it->number);
        snprintf(cs, sizeof cs, "#%u", it->case_number);
        /* the shared screen: an item of a hidden confidential case shows
         * its number and case only (one record read per such case) */
        if (kb_cmd_hidden_number(cx, b, it->case_number)) {
            if (!a)
                fprintf(cx->out, "%-6s %-6s %s\n", id, cs, kb_cmd_masked_text());
            continue;
        }
        if (a) {
            json_array_append_new(a, kb_cmd_action_json(it));
            continue;
        }
        kb_date_format(it->due, due);
        fprintf(cx->out, "%-6s %-6s ", id, cs);
        kb_cmd_cell(cx->out, it->owner, 12);
        fprintf(cx->out, " %-10s %s%s%s\n", due[0] ? due : "-", it->done ? "[x] " : "",
                kb_action_item_overdue(it, today) ? "! " : "", it->text);
    }
    if (a)
        rc = kb_cmd_print_json(cx, a);
out:
    kb_action_vec_free(&v);
    kb_cmd_close(cx, &b);
    return rc;
}

/* ------------------------------------------------------------ links */

/* "N M [--as KIND]" of case link and case unlink: the two cases and the
 * kind (*kind_s NULL when not given); usage is that command's hint. */
static int kb_cmd_link_args(kb_cmd_ctx *cx, const char *cmd, const char *usage, int argc,
                            char **argv, uint32_t *x, uint32_t *y, const char **kind_s,
                            enum kb_link_kind *kind)
{
    static const struct option longs[] = {
        {"as", required_argument, NULL, 'a'},
        {NULL, 0, NULL, 0},
    };
    *kind_s = NULL;
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, cmd, argc, argv, longs, &idx, &opt)) == KB_OK && opt != -1)
        *kind_s = optarg;
    if (rc)
        return rc;
    if (optind + 2 != argc || kb_case_number_parse(argv[optind], x, &cx->err) ||
        kb_case_number_parse(argv[optind + 1], y, &cx->err))
        return kb_cmd_usage(cx, cmd, "%s", usage);
    if (*kind_s && kb_link_kind_parse(*kind_s, kind, &cx->err))
        return kb_cmd_bad_value(cx, cmd, "%s", cx->err.msg);
    return KB_OK;
}

int kb_cmd_case_link(kb_cmd_ctx *cx, int argc, char **argv)
{
    uint32_t from, to;
    const char *kind_s;
    enum kb_link_kind kind;
    int rc = kb_cmd_link_args(cx, "case link",
                              _("give two cases: case link 12 14 --as related|duplicate|blocks"),
                              argc, argv, &from, &to, &kind_s, &kind);
    if (rc)
        return rc;
    if (!kind_s)
        return kb_cmd_usage(cx, "case link", _("give --as related|duplicate|blocks"));
    kb_board *b = NULL;
    if ((rc = kb_cmd_open(cx, "case link", &b)))
        return rc;
    if (kb_board_link_add(b, from, to, kind, &cx->err))
        rc = kb_cmd_report(cx);
    kb_cmd_close(cx, &b);
    return rc;
}

/* case unlink N M [--as KIND]: the links between two cases, either way
 * round (all kinds, or one). */
int kb_cmd_case_unlink(kb_cmd_ctx *cx, int argc, char **argv)
{
    uint32_t x, y;
    const char *kind_s;
    enum kb_link_kind kind;
    int rc = kb_cmd_link_args(
        cx, "case unlink", _("give two cases: case unlink 12 14 [--as related|duplicate|blocks]"),
        argc, argv, &x, &y, &kind_s, &kind);
    if (rc)
        return rc;
    kb_board *b = NULL;
    if ((rc = kb_cmd_open(cx, "case unlink", &b)))
        return rc;
    kb_link_vec gone = {0};
    if (kb_board_link_remove(b, x, y, kind_s ? &kind : NULL, &gone, &cx->err)) {
        rc = kb_cmd_report(cx);
    } else if (cx->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < gone.n; i++)
            json_array_append_new(arr, kb_cmd_link_json(&gone.v[i]));
        rc = kb_cmd_print_json(cx, arr);
    } else {
        for (size_t i = 0; i < gone.n; i++)
            fprintf(cx->out, _("Link removed: #%u %s #%u\n"), gone.v[i].from,
                    kb_link_kind_label(gone.v[i].kind), gone.v[i].to);
    }
    kb_link_vec_free(&gone);
    kb_cmd_close(cx, &b);
    return rc;
}

/* ------------------------------------------------------------ organisations */

typedef struct kb_org_patch {
    const char *name, *contact, *notes;
    bool kind_set;
    enum kb_org_kind kind;
} kb_org_patch;

static int kb_org_opts(kb_cmd_ctx *cx, const char *cmd, int argc, char **argv, kb_org_patch *p)
{
    static const struct option longs[] = {
        {"kind", required_argument, NULL, 'k'},
        {"contact", required_argument, NULL, 'c'},
        {"notes", required_argument, NULL, 'n'},
        {NULL, 0, NULL, 0},
    };
    memset(p, 0, sizeof *p);
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, cmd, argc, argv, longs, &idx, &opt)) == KB_OK && opt != -1) {
        if (opt == 'k') {
            if (kb_org_kind_parse(optarg, &p->kind, &cx->err))
                return kb_cmd_bad_value(cx, cmd, "%s", cx->err.msg);
            p->kind_set = true;
        } else if (opt == 'c') {
            p->contact = optarg;
        } else {
            p->notes = optarg;
        }
    }
    if (rc)
        return rc;
    if (optind + 1 != argc)
        return kb_cmd_usage(cx, cmd, _("give the organisation's name (quote it)"));
    p->name = argv[optind];
    return KB_OK;
}

/* Apply given options; "" clears a text field. */
static void kb_org_apply(kb_org *o, const kb_org_patch *p)
{
    if (p->kind_set)
        o->kind = p->kind;
    if (p->contact) {
        kb_free(&o->contact);
        o->contact = p->contact[0] ? kb_strdup(p->contact) : NULL;
    }
    if (p->notes) {
        kb_free(&o->notes);
        o->notes = p->notes[0] ? kb_strdup(p->notes) : NULL;
    }
}

int kb_cmd_org_add(kb_cmd_ctx *cx, int argc, char **argv)
{
    kb_org_patch p;
    int rc = kb_org_opts(cx, "org add", argc, argv, &p);
    if (rc)
        return rc;
    kb_org o = {.name = kb_strdup(p.name), .kind = KB_ORG_ENTREPRENEUR};
    kb_org_apply(&o, &p);
    kb_board *b = NULL;
    if ((rc = kb_cmd_open(cx, "org add", &b)) == KB_OK && kb_board_org_add(b, &o, &cx->err))
        rc = kb_cmd_report(cx);
    kb_org_free(&o);
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_org_edit(kb_cmd_ctx *cx, int argc, char **argv)
{
    kb_org_patch p;
    int rc = kb_org_opts(cx, "org edit", argc, argv, &p);
    if (rc)
        return rc;
    kb_board *b = NULL;
    kb_org cur;
    memset(&cur, 0, sizeof cur);
    if ((rc = kb_cmd_open(cx, "org edit", &b)))
        return rc;
    /* the one match of the core: case and accents do not count */
    if (kb_board_org_get(b, p.name, &cur, &cx->err)) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    kb_org_apply(&cur, &p);
    if (kb_board_org_edit(b, &cur, &cx->err))
        rc = kb_cmd_report(cx);
out:
    kb_org_free(&cur);
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_org_list(kb_cmd_ctx *cx, int argc, char **argv)
{
    kb_board *b = NULL;
    int rc = kb_cmd_open_noargs(cx, "org list", argc, argv, &b);
    if (rc)
        return rc;
    kb_org_vec v = {0};
    if (kb_board_org_list(b, &v, &cx->err)) {
        rc = kb_cmd_report(cx);
    } else if (cx->json) {
        json_t *a = json_array();
        for (size_t i = 0; i < v.n; i++) {
            json_t *o = json_object();
            json_object_set_new(o, "name", json_string(v.v[i].name));
            json_object_set_new(o, "kind", json_string(kb_org_kind_name(v.v[i].kind)));
            json_object_set_new(o, "contact",
                                v.v[i].contact ? json_string(v.v[i].contact) : json_null());
            json_object_set_new(o, "notes", v.v[i].notes ? json_string(v.v[i].notes) : json_null());
            json_array_append_new(a, o);
        }
        rc = kb_cmd_print_json(cx, a);
    } else {
        for (size_t i = 0; i < v.n; i++) {
            kb_cmd_cell(cx->out, v.v[i].name, 36);
            fputc(' ', cx->out);
            kb_cmd_cell(cx->out, kb_org_kind_label(v.v[i].kind), 16);
            fprintf(cx->out, " %s\n", v.v[i].contact ? v.v[i].contact : "-");
        }
    }
    kb_org_vec_free(&v);
    kb_cmd_close(cx, &b);
    return rc;
}

/* ------------------------------------------------------------ contact moments */

static json_t *kb_contact_json(const kb_contact *c)
{
    char d[KB_DATE_STRLEN];
    kb_date_format(c->date, d);
    json_t *o = json_object();
    json_object_set_new(o, "org", json_string(c->org));
    json_object_set_new(o, "date", json_string(d));
    json_object_set_new(o, "dept", json_string(c->dept));
    json_object_set_new(o, "user", c->user ? json_string(c->user) : json_null());
    json_object_set_new(o, "purpose", c->purpose ? json_string(c->purpose) : json_null());
    json_object_set_new(o, "planned", json_boolean(c->date > kb_date_today()));
    return o;
}

int kb_cmd_contact_add(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"date", required_argument, NULL, 'd'},
        {"dept", required_argument, NULL, 'D'},
        {"purpose", required_argument, NULL, 'p'},
        {"window", required_argument, NULL, 'w'},
        {NULL, 0, NULL, 0},
    };
    kb_contact c = {.date = KB_DATE_NONE};
    long window = KB_CONTACT_WINDOW_BOARD; /* the board's setting unless --window */
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    kb_board *b = NULL;
    kb_contact_vec clashes = {0};
    while ((rc = kb_cmd_getopt(cx, "contact add", argc, argv, longs, &idx, &opt)) == KB_OK &&
           opt != -1) {
        if (opt == 'd' && kb_date_parse(optarg, &c.date, &cx->err)) {
            rc = kb_cmd_report(cx);
            goto out;
        } else if (opt == 'D') {
            kb_free(&c.dept);
            c.dept = kb_strdup(optarg);
        } else if (opt == 'p') {
            kb_free(&c.purpose);
            c.purpose = kb_strdup(optarg);
        } else if (opt == 'w') {
            char *end = NULL;
            window = strtol(optarg, &end, 10);
            if (!optarg[0] || *end || window < 0 || window > KB_CONTACT_WINDOW_MAX) {
                rc = kb_cmd_bad_value(cx, "contact add", _("--window must be 0 to 365 days"));
                goto out;
            }
        }
    }
    if (rc)
        goto out;
    if (optind + 1 != argc || c.date == KB_DATE_NONE || !c.dept) {
        rc = kb_cmd_usage(cx, "contact add",
                          _("give the organisation, --date DATE and --dept CODE"));
        goto out;
    }
    c.org = kb_strdup(argv[optind]);
    if ((rc = kb_cmd_open(cx, "contact add", &b)))
        goto out;
    if (kb_board_contact_add(b, &c, (int)window, &clashes, &cx->err)) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    for (size_t i = 0; i < clashes.n; i++) {
        char *w = kb_contact_clash_text(&clashes.v[i]);
        fprintf(cx->errf,
                _("kernboard: warning: %s; coordinate so the organisation is not asked "
                  "the same thing twice\n"),
                w);
        kb_free(&w);
    }
    if (cx->json) {
        json_t *o = kb_contact_json(&c);
        json_t *a = json_array();
        for (size_t i = 0; i < clashes.n; i++)
            json_array_append_new(a, kb_contact_json(&clashes.v[i]));
        json_object_set_new(o, "clashes", a);
        rc = kb_cmd_print_json(cx, o);
    }
out:
    kb_contact_free(&c);
    kb_contact_vec_free(&clashes);
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_contact_list(kb_cmd_ctx *cx, int argc, char **argv)
{
    if (argc > 2)
        return kb_cmd_usage(cx, "contact list", _("give at most one organisation"));
    kb_board *b = NULL;
    int rc = kb_cmd_open(cx, "contact list", &b);
    if (rc)
        return rc;
    kb_contact_vec v = {0};
    if (kb_board_contact_list(b, argc == 2 ? argv[1] : NULL, &v, &cx->err)) {
        rc = kb_cmd_report(cx);
    } else if (cx->json) {
        json_t *a = json_array();
        for (size_t i = 0; i < v.n; i++)
            json_array_append_new(a, kb_contact_json(&v.v[i]));
        rc = kb_cmd_print_json(cx, a);
    } else {
        /* who made the contact: department and user */
        kb_date today = kb_date_today();
        for (size_t i = 0; i < v.n; i++) {
            char d[KB_DATE_STRLEN];
            kb_date_format(v.v[i].date, d);
            fprintf(cx->out, "%s ", d);
            kb_cmd_cell(cx->out, v.v[i].date > today ? _("planned") : _("held"), 8);
            fputc(' ', cx->out);
            kb_cmd_cell(cx->out, v.v[i].dept, 5);
            fputc(' ', cx->out);
            kb_cmd_cell(cx->out, v.v[i].user ? v.v[i].user : "-", 16);
            fputc(' ', cx->out);
            kb_cmd_cell(cx->out, v.v[i].org, 30);
            fprintf(cx->out, " %s\n", v.v[i].purpose ? v.v[i].purpose : "");
        }
    }
    kb_contact_vec_free(&v);
    kb_cmd_close(cx, &b);
    return rc;
}
