/* cmd_goal.c - department goals (goal add/list/edit/remove); issue 12. */
#include "cmd_internal.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ goals */

static json_t *kb_goal_json(const kb_goal *g)
{
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(g->code));
    json_object_set_new(o, "text", json_string(g->text));
    json_object_set_new(o, "dept", json_string(g->dept));
    return o;
}

int kb_cmd_goal_list(kb_cmd_ctx *cx, int argc, char **argv)
{
    if (argc > 2)
        return kb_cmd_usage(cx, "goal list", _("give at most one department: goal list [DEPT]"));
    kb_board *b = NULL;
    int rc = kb_cmd_open(cx, "goal list", &b);
    if (rc)
        return rc;
    const kb_dept *only = NULL;
    if (argc == 2 && !(only = kb_board_dept_find(b, argv[1]))) {
        rc = kb_cmd_fail(cx, KB_EDATA, _("unknown department '%s' (see 'kernboard dept list')"),
                         argv[1]);
        kb_cmd_close(cx, &b);
        return rc;
    }
    kb_goal_vec v = {0};
    if (kb_board_goal_list(b, &v, &cx->err)) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    json_t *a = cx->json ? json_array() : NULL;
    if (!a)
        fprintf(cx->out, "%-16s %-8s %s\n", _("Code"), _("Dept"), _("Goal"));
    for (size_t i = 0; i < v.n; i++) {
        if (only && !kb_str_ieq(only->code, v.v[i].dept))
            continue;
        if (a) {
            json_array_append_new(a, kb_goal_json(&v.v[i]));
            continue;
        }
        kb_cmd_cell(cx->out, v.v[i].code, 16);
        fputc(' ', cx->out);
        kb_cmd_cell(cx->out, v.v[i].dept, 8);
        fprintf(cx->out, " %s\n", v.v[i].text);
    }
    if (a)
        rc = kb_cmd_print_json(cx, a);
out:
    kb_goal_vec_free(&v);
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_goal_add(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"promote", required_argument, NULL, 'p'},
        {NULL, 0, NULL, 0},
    };
    const char *promote = NULL;
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, "goal add", argc, argv, longs, &idx, &opt)) == KB_OK &&
           opt != -1)
        promote = optarg;
    if (rc)
        return rc;
    int left = argc - optind;
    if (left != 3 && !(left == 2 && promote))
        return kb_cmd_usage(
            cx, "goal add",
            _("give the department, a code and the text: goal add ECO banen \"Meer banen\""));
    kb_goal g = {.dept = argv[optind],
                 .code = argv[optind + 1],
                 .text = (char *)(left == 3 ? argv[optind + 2] : promote)};
    kb_board *b = NULL;
    if ((rc = kb_cmd_open(cx, "goal add", &b)))
        return rc;
    size_t n = 0;
    if (kb_board_goal_add(b, &g, promote, &n, &cx->err))
        rc = kb_cmd_report(cx);
    else if (cx->json) {
        json_t *o = kb_goal_json(&g);
        const kb_dept *d = kb_board_dept_find(b, g.dept);
        json_object_set_new(o, "dept", json_string(d ? d->code : g.dept));
        json_object_set_new(o, "promoted", json_integer((json_int_t)n));
        rc = kb_cmd_print_json(cx, o);
    } else if (promote)
        fprintf(cx->out,
                dngettext(KB_TEXTDOMAIN, "%s: %zu case now names this goal\n",
                          "%s: %zu cases now name this goal\n", n),
                g.code, n);
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_goal_edit(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"text", required_argument, NULL, 't'},
        {"dept", required_argument, NULL, 'd'},
        {NULL, 0, NULL, 0},
    };
    kb_goal g = {0};
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, "goal edit", argc, argv, longs, &idx, &opt)) == KB_OK &&
           opt != -1) {
        if (opt == 't')
            g.text = optarg;
        else
            g.dept = optarg;
    }
    if (rc)
        return rc;
    if (optind + 1 != argc)
        return kb_cmd_usage(cx, "goal edit", _("give one goal: goal edit CODE --text T"));
    if (!g.text && !g.dept)
        return kb_cmd_usage(cx, "goal edit", _("give --text TEXT and/or --dept DEPT"));
    g.code = argv[optind];
    kb_board *b = NULL;
    if ((rc = kb_cmd_open(cx, "goal edit", &b)))
        return rc;
    if (kb_board_goal_edit(b, &g, &cx->err))
        rc = kb_cmd_report(cx);
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_goal_remove(kb_cmd_ctx *cx, int argc, char **argv)
{
    if (argc != 2)
        return kb_cmd_usage(cx, "goal remove", _("give one goal: goal remove CODE"));
    kb_board *b = NULL;
    int rc = kb_cmd_open(cx, "goal remove", &b);
    if (rc)
        return rc;
    if (kb_board_goal_remove(b, argv[1], &cx->err))
        rc = kb_cmd_report(cx);
    kb_cmd_close(cx, &b);
    return rc;
}
