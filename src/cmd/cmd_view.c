/* cmd_view.c - saved views: `view save NAME QUERY [--shared] [--sort S]
 * [--lanes CODE,..]`, `view list`, `view remove NAME [--shared]`; `@name`
 * in `case list` and `report` (kernboard/views.h). */
#include "cmd_internal.h"
#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/query.h"
#include "kernboard/views.h"

#include <string.h>

/* The options of view save and view remove (parsed by hand: a query word
 * may be a "-term" negation, which getopt would take for options). */
enum { O_SHARED = 1, O_SORT, O_LANES };
static const struct option kb_view_save_opts[] = {{"shared", no_argument, NULL, O_SHARED},
                                                  {"sort", required_argument, NULL, O_SORT},
                                                  {"lanes", required_argument, NULL, O_LANES},
                                                  {NULL, 0, NULL, 0}};
static const struct option kb_view_remove_opts[] = {{"shared", no_argument, NULL, O_SHARED},
                                                    {NULL, 0, NULL, 0}};

static const struct option *kb_view_opt(const struct option *longs, const char *word)
{
    for (; strncmp(word, "--", 2) == 0 && longs->name; longs++)
        if (strcmp(word + 2, longs->name) == 0)
            return longs;
    return NULL;
}

/* --lanes CODE,..: department codes (or names), "-" for the cases without a
 * lead department, "-none-" for no lane open; out = the codes as stored. */
static int kb_view_lanes(kb_cmd_ctx *cx, const kb_board *b, const char *lanes, char **out)
{
    kb_strv in = {0}, codes = {0};
    kb_strv_split(&in, lanes);
    int rc = KB_OK;
    for (size_t i = 0; i < in.n && rc == KB_OK; i++) {
        const kb_dept *d = kb_board_dept_find(b, in.v[i]);
        if (d)
            kb_strv_push(&codes, d->code);
        else if (strcmp(in.v[i], "-") == 0 || strcmp(in.v[i], "-none-") == 0)
            kb_strv_push(&codes, in.v[i]);
        else {
            size_t n = 0;
            const kb_dept *all = kb_board_depts(b, &n);
            kb_buf known = KB_BUF_INIT;
            for (size_t k = 0; k < n; k++)
                kb_buf_printf(&known, "%s%s", k ? ", " : "", all[k].code);
            rc = kb_cmd_fail(cx, KB_EDATA,
                             _("view save: --lanes: no department '%s'; use department codes "
                               "(%s) and '-' for cases without a lead department"),
                             in.v[i], known.data ? known.data : "-");
            kb_buf_free(&known);
        }
    }
    if (rc == KB_OK)
        *out = kb_strv_join(&codes, ",");
    kb_strv_free(&in);
    kb_strv_free(&codes);
    return rc;
}

int kb_cmd_view_save(kb_cmd_ctx *cx, int argc, char **argv)
{
    if (kb_cmd_probe(cx, kb_view_save_opts))
        return KB_EUSAGE;
    bool shared = false;
    const char *name = NULL, *sort = NULL, *lanes = NULL;
    kb_buf q = KB_BUF_INIT;
    kb_board *b = NULL;
    kb_query *pq = NULL;
    char *canon = NULL; /* the query in its canonical form (docs/query.md) */
    char *lane_codes = NULL;
    int rc = KB_OK;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const struct option *o =
            kb_cmd_is_option(cx, argv, i) ? kb_view_opt(kb_view_save_opts, a) : NULL;
        if (o && o->val == O_SHARED) {
            shared = true;
        } else if (o) {
            if (i + 1 >= argc) {
                rc = kb_cmd_usage(cx, "view save", _("option '%s' needs a value"), a);
                goto out;
            }
            *(o->val == O_SORT ? &sort : &lanes) = argv[++i];
        } else if (kb_cmd_is_option(cx, argv, i)) {
            rc = kb_cmd_usage(cx, "view save", _("unknown option '%s'"), a);
            goto out;
        } else if (!name) {
            name = a;
        } else {
            kb_buf_printf(&q, "%s%s", q.len ? " " : "", a);
        }
    }
    if (!name) {
        rc = kb_cmd_usage(cx, "view save", _("give a NAME and a QUERY"));
        goto out;
    }
    if (sort && sort[0] && !kb_view_sort_ok(sort)) {
        rc = kb_cmd_bad_value(cx, "view save",
                              _("unknown sort '%s': use priority, due, age or number"), sort);
        goto out;
    }
    if (kb_view_name_check(name, &cx->err) || kb_query_parse(q.data ? q.data : "", &pq, &cx->err)) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    canon = kb_query_print(pq);
    if ((rc = kb_cmd_open(cx, "view save", &b)))
        goto out;
    if (lanes && lanes[0] && (rc = kb_view_lanes(cx, b, lanes, &lane_codes)))
        goto out;
    kb_saved_view x = {(char *)name, canon, (char *)sort, lane_codes ? lane_codes : (char *)lanes,
                       shared};
    if (shared ? kb_board_view_save_shared(b, &x, &cx->err)
               : kb_view_save_personal(b, &x, &cx->err)) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    if (cx->json) {
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(name));
        json_object_set_new(o, "query", json_string(x.query));
        json_object_set_new(o, "shared", json_boolean(shared));
        rc = kb_cmd_print_json(cx, o);
    } else {
        fprintf(cx->out,
                shared ? _("Saved shared view @%s: %s\n") : _("Saved personal view @%s: %s\n"),
                name, x.query);
    }
out:
    kb_free(&lane_codes);
    kb_free(&canon);
    kb_query_free(&pq);
    kb_buf_free(&q);
    kb_cmd_close(cx, &b);
    return rc;
}

/* A saved query as shown: its canonical form (views saved by older
 * versions hold the text as typed); one that no longer parses as typed. */
static char *kb_view_query_text(const char *query)
{
    kb_query *q = NULL;
    kb_err e;
    if (kb_query_parse(query, &q, &e) != KB_OK)
        return kb_strdup(query);
    char *t = kb_query_print(q);
    kb_query_free(&q);
    return t;
}

int kb_cmd_view_list(kb_cmd_ctx *cx, int argc, char **argv)
{
    kb_board *b = NULL;
    kb_view_vec v = {0};
    int rc = kb_cmd_open_noargs(cx, "view list", argc, argv, &b);
    if (rc)
        return rc;
    if (kb_views_all(b, &v, &cx->err)) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    if (cx->json) {
        json_t *a = json_array();
        for (size_t i = 0; i < v.n; i++) {
            json_t *o = json_object();
            json_object_set_new(o, "name", json_string(v.v[i].name));
            char *t = kb_view_query_text(v.v[i].query);
            json_object_set_new(o, "query", json_string(t));
            kb_free(&t);
            json_object_set_new(o, "sort", v.v[i].sort ? json_string(v.v[i].sort) : json_null());
            json_object_set_new(o, "lanes", v.v[i].lanes ? json_string(v.v[i].lanes) : json_null());
            json_object_set_new(o, "shared", json_boolean(v.v[i].shared));
            json_array_append_new(a, o);
        }
        rc = kb_cmd_print_json(cx, a);
        goto out;
    }
    if (!v.n)
        fprintf(cx->out, "%s\n",
                _("No saved views (add one with 'kernboard view save NAME QUERY')"));
    for (size_t i = 0; i < v.n; i++) {
        char *at = kb_asprintf("@%s", v.v[i].name);
        kb_cmd_cell(cx->out, at, 16);
        fputc(' ', cx->out);
        kb_cmd_cell(cx->out, v.v[i].shared ? _("shared") : _("personal"), 9);
        char *t = kb_view_query_text(v.v[i].query);
        fprintf(cx->out, " %s", t);
        kb_free(&t);
        if (v.v[i].sort)
            fprintf(cx->out, _(" (sorted by %s)"), v.v[i].sort);
        fputc('\n', cx->out);
        kb_free(&at);
    }
out:
    kb_view_vec_free(&v);
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_view_remove(kb_cmd_ctx *cx, int argc, char **argv)
{
    if (kb_cmd_probe(cx, kb_view_remove_opts))
        return KB_EUSAGE;
    bool shared = false;
    const char *name = NULL;
    for (int i = 1; i < argc; i++) {
        if (kb_cmd_is_option(cx, argv, i) && kb_view_opt(kb_view_remove_opts, argv[i]))
            shared = true;
        else if (kb_cmd_is_option(cx, argv, i) || name)
            return kb_cmd_usage(cx, "view remove", _("unexpected '%s'"), argv[i]);
        else
            name = argv[i];
    }
    if (!name)
        return kb_cmd_usage(cx, "view remove", _("give the NAME of a view"));
    if (name[0] == '@')
        name++;
    kb_board *b = NULL;
    int rc = kb_cmd_open(cx, "view remove", &b);
    if (rc)
        return rc;
    bool removed = false;
    kb_view_vec sh = {0};
    if (!shared && kb_view_remove_personal(b, name, &removed, &cx->err))
        rc = kb_cmd_report(cx);
    else if (!removed && kb_board_views_shared(b, &sh, &cx->err) == KB_OK &&
             !kb_views_find(&sh, name))
        rc = kb_cmd_fail(cx, KB_ENOENT, _("no view named '%s' (see 'kernboard view list')"), name);
    else if (!removed && kb_board_view_remove_shared(b, name, &cx->err))
        rc = kb_cmd_report(cx);
    else
        fprintf(cx->out, _("Removed view @%s\n"), name);
    kb_view_vec_free(&sh);
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_expand_views(kb_cmd_ctx *cx, kb_board *b, const char *query, char **out)
{
    kb_view_vec v = {0};
    int rc = kb_views_all(b, &v, &cx->err);
    if (rc == KB_OK)
        rc = kb_views_expand(&v, query, out, NULL, &cx->err);
    kb_view_vec_free(&v);
    return rc ? kb_cmd_report(cx) : KB_OK;
}
