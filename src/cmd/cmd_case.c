/* cmd_case.c - the "case" commands of SPEC.md section 5. */
#include "cmd_internal.h"
#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/query.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Options of `case add` and `case edit`: one per row of the case field
 * table (kernboard/model.h), plus the flags below.  A list option given
 * twice adds to the list (--org A --org B); one value is split at the
 * field's separator (--org "A; B") -- the same rule as the form. */
enum {
    O_FIELD = 1000, /* + kb_field_id */
    O_UNBLOCK = 1100,
    O_NO_AGENDA,
    O_EXPECT,
    O_REASON,
    O_SET_HOOKS,
};

typedef struct kb_case_opts {
    kb_case_patch p;
    uint64_t expect; /* --expect-version, KB_CORE_ANY_VERSION when not given */
    char *reason;    /* --reason */
} kb_case_opts;

static void kb_case_opts_free(kb_case_opts *o)
{
    kb_case_patch_free(&o->p);
    kb_free(&o->reason);
}

/* Parse the case options of cmd (also --reason, for a stage that needs one;
 * edit: also --expect-version and --set-hooks) into o->p; "-" as
 * --description reads standard input. */
static int kb_case_parse_opts(kb_cmd_ctx *cx, const char *cmd, int argc, char **argv, bool edit,
                              kb_case_opts *o)
{
    struct option longs[KB_F_COUNT + 7];
    size_t n = 0;
    for (int f = 0; f < KB_F_COUNT; f++) {
        const kb_field_desc *d = kb_case_field((enum kb_field_id)f);
        longs[n++] = (struct option){
            d->option, d->type == KB_FT_BOOL ? no_argument : required_argument, NULL, O_FIELD + f};
    }
    longs[n++] = (struct option){"unblock", no_argument, NULL, O_UNBLOCK};
    longs[n++] = (struct option){"no-agenda", no_argument, NULL, O_NO_AGENDA};
    longs[n++] = (struct option){"reason", required_argument, NULL, O_REASON};
    if (edit) {
        longs[n++] = (struct option){"expect-version", required_argument, NULL, O_EXPECT};
        longs[n++] = (struct option){"set-hooks", required_argument, NULL, O_SET_HOOKS};
    }
    longs[n] = (struct option){NULL, 0, NULL, 0};
    kb_case_patch_init(&o->p);
    o->expect = KB_CORE_ANY_VERSION;
    o->reason = NULL;
    bool hooks_replace = false;
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, cmd, argc, argv, longs, &idx, &opt)) == KB_OK && opt != -1) {
        if (opt >= O_FIELD && opt < O_FIELD + KB_F_COUNT) {
            enum kb_field_id f = (enum kb_field_id)(opt - O_FIELD);
            const kb_field_desc *d = kb_case_field(f);
            char *text = NULL;
            if (d->type == KB_FT_BOOL)
                text = kb_strdup("yes");
            else if (f == KB_F_DESC) {
                if ((rc = kb_cmd_text_arg(cx, optarg, &text)))
                    return rc;
            } else
                text = kb_strdup(optarg);
            bool again = o->p.set & (1u << f);
            rc = d->list && again ? kb_case_field_append(&o->p.v, f, text, &cx->err)
                                  : kb_case_field_parse(&o->p.v, f, text, &cx->err);
            kb_free(&text);
            if (rc)
                return kb_cmd_report(cx);
            o->p.set |= 1u << f;
            /* --hook adds to the case's hooks (unless --set-hooks replaces) */
            if (edit && f == KB_F_HOOKS && !hooks_replace)
                o->p.append |= 1u << f;
            continue;
        }
        switch (opt) {
        case O_UNBLOCK:
            kb_free(&o->p.v.blocked);
            o->p.set |= 1u << KB_F_BLOCKED;
            break;
        case O_NO_AGENDA:
            o->p.v.on_agenda = false;
            o->p.set |= 1u << KB_F_AGENDA;
            break;
        case O_EXPECT: {
            /* only plain digits: strtoull would take "-1" (wrapped) and
             * saturate an overflowing number at KB_CORE_ANY_VERSION, and
             * either would skip the version check */
            uint64_t ev = 0;
            bool ok = optarg[0] != 0;
            for (const char *d = optarg; ok && *d; d++) {
                ok = *d >= '0' && *d <= '9' &&
                     ev <= (KB_CORE_ANY_VERSION - 1 - (uint64_t)(*d - '0')) / 10;
                if (ok)
                    ev = ev * 10 + (uint64_t)(*d - '0');
            }
            if (!ok || ev == 0)
                return kb_cmd_bad_value(cx, cmd, _("--expect-version needs a version number"));
            o->expect = ev;
            break;
        }
        case O_REASON:
            kb_free(&o->reason);
            o->reason = kb_strdup(optarg);
            break;
        case O_SET_HOOKS: {
            /* replace the hooks: split at ';', or at ',' when there is no ';' */
            kb_strv parts = {0};
            if (strchr(optarg, ';'))
                rc = kb_case_field_parse(&o->p.v, KB_F_HOOKS, optarg, &cx->err);
            else {
                kb_strv_split(&parts, optarg);
                kb_strv_free(&o->p.v.hooks);
                o->p.v.hooks = parts;
            }
            if (rc)
                return kb_cmd_report(cx);
            hooks_replace = true;
            o->p.set |= 1u << KB_F_HOOKS;
            o->p.append &= ~(1u << KB_F_HOOKS);
            break;
        }
        default:
            return kb_cmd_usage(cx, cmd, _("unexpected option"));
        }
    }
    return rc;
}

/* The set fields of a patch over a case (case add). */
static void kb_case_apply_patch(kb_case *c, const kb_case_patch *p)
{
    for (int f = 0; f < KB_F_COUNT; f++)
        if (p->set & (1u << f))
            kb_case_field_copy(c, &p->v, (enum kb_field_id)f);
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

/* The board's stages and action lines, to name codes (kb_query_name_refs). */
static kb_query_refs kb_case_refs_of(const kb_board *b)
{
    kb_query_refs r = {0};
    r.stages = kb_board_stages(b, &r.nstages);
    r.lines = kb_board_lines(b, &r.nlines);
    return r;
}

/* A case as text in the reader's language: stages and action lines by name,
 * values translated (JSON and CSV keep the codes, for scripts). */
static void kb_print_case(kb_cmd_ctx *cx, const kb_board *b, const kb_case *c,
                          const kb_comment_vec *tl, const kb_goal_vec *goals)
{
    kb_query_refs refs = kb_case_refs_of(b);
    char *stage = kb_case_field_show(c, KB_F_STAGE, kb_query_name_refs, &refs),
         *line = kb_case_field_show(c, KB_F_LINE, kb_query_name_refs, &refs);
    char d1[KB_DATE_STRLEN], d2[KB_DATE_STRLEN], t1[KB_TIME_STRLEN], t2[KB_TIME_STRLEN];
    kb_date_format(c->due, d1);
    kb_date_format(c->review, d2);
    kb_time_format(c->created, t1);
    kb_time_format(c->updated, t2);
    char *depts = kb_strv_join(&c->depts, ", "), *orgs = kb_strv_join(&c->orgs, "; "),
         *tags = kb_strv_join(&c->tags, ", "),
         *hooks = kb_hooks_label(&c->hooks, goals ? goals->v : NULL, goals ? goals->n : 0, "; ");
    fprintf(cx->out, "#%u  %s\n", c->number, c->title ? c->title : "");
    fprintf(cx->out, "%-16s %s\n", _("Stage:"), stage);
    fprintf(cx->out, "%-16s %s\n", _("Lead dept:"), c->lead_dept ? c->lead_dept : "-");
    fprintf(cx->out, "%-16s %s\n", _("Also involved:"), depts[0] ? depts : "-");
    fprintf(cx->out, "%-16s %s\n", _("Action line:"), line[0] ? line : "-");
    fprintf(cx->out, "%-16s %s\n", _("Policy hooks:"), hooks[0] ? hooks : "-");
    fprintf(cx->out, "%-16s %s\n", _("Organisations:"), orgs[0] ? orgs : "-");
    fprintf(cx->out, "%-16s %s\n", _("Owner:"), c->owner ? c->owner : "-");
    fprintf(cx->out, "%-16s %d\n", _("Priority:"), c->priority);
    fprintf(cx->out, "%-16s %s\n", _("Due:"), d1[0] ? d1 : "-");
    fprintf(cx->out, "%-16s %s\n", _("Review:"), d2[0] ? d2 : "-");
    fprintf(cx->out, "%-16s %s\n", _("On agenda:"), c->on_agenda ? _("yes") : _("no"));
    fprintf(cx->out, "%-16s %s\n", _("Blocked:"), c->blocked ? c->blocked : "-");
    fprintf(cx->out, "%-16s %s\n", _("Confidential:"), kb_conf_label(c->conf));
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
            char *text =
                change ? kb_timeline_localize_refs(tl->v[i].text, kb_query_name_refs, &refs) : NULL;
            fprintf(cx->out, "  %s  %-12s %s%s", ts, tl->v[i].author ? tl->v[i].author : "",
                    change ? "* " : "", text ? text : tl->v[i].text);
            if (tl->v[i].reason)
                fprintf(cx->out, " (%s %s)", _("reason:"), tl->v[i].reason);
            fputc('\n', cx->out);
            kb_free(&text);
        }
    }
    kb_free(&depts);
    kb_free(&orgs);
    kb_free(&tags);
    kb_free(&hooks);
    kb_free(&stage);
    kb_free(&line);
}

int kb_cmd_case_add(kb_cmd_ctx *cx, int argc, char **argv)
{
    kb_case c;
    kb_case_init(&c);
    kb_case_opts o;
    kb_board *b = NULL;
    int rc = kb_case_parse_opts(cx, "case add", argc, argv, false, &o);
    if (rc)
        goto out;
    if (optind < argc) {
        rc = kb_cmd_usage(cx, "case add", _("unexpected argument '%s'"), argv[optind]);
        goto out;
    }
    if (!(o.p.set & (1u << KB_F_TITLE))) {
        rc = kb_cmd_usage(cx, "case add", _("a case needs --title TEXT"));
        goto out;
    }
    kb_case_apply_patch(&c, &o.p);
    if ((rc = kb_cmd_open(cx, "case add", &b)))
        goto out;
    if ((rc = kb_board_case_add_reason(b, &c, o.reason, &cx->err))) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    if (cx->json)
        rc = kb_cmd_print_json(cx, kb_cmd_case_json(&c));
    else
        fprintf(cx->out, "#%u\n", c.number);
out:
    kb_case_opts_free(&o);
    kb_case_free(&c);
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_case_show(kb_cmd_ctx *cx, int argc, char **argv)
{
    uint32_t n;
    kb_board *b = NULL;
    kb_case_detail d;
    memset(&d, 0, sizeof d);
    kb_case_init(&d.c);
    int rc = kb_case_number_arg(cx, "case show", argc, argv, 1, &n);
    if (rc)
        return rc;
    if (argc > 2)
        return kb_cmd_usage(cx, "case show", _("unexpected argument '%s'"), argv[2]);
    if ((rc = kb_cmd_open(cx, "case show", &b)))
        return rc;
    if ((rc = kb_cmd_hidden_refuse(cx, b, "case show", n)))
        goto out;
    if ((rc = kb_board_case_detail(b, n, &d, &cx->err))) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    if (cx->json) {
        json_t *o = kb_cmd_case_json(&d.c);
        json_t *a = json_array();
        for (size_t i = 0; i < d.timeline.n; i++)
            json_array_append_new(a, kb_cmd_comment_json(&d.timeline.v[i]));
        json_object_set_new(o, "timeline", a);
        a = json_array();
        for (size_t i = 0; i < d.actions.n; i++)
            json_array_append_new(a, kb_cmd_action_json(&d.actions.v[i]));
        json_object_set_new(o, "actions", a);
        a = json_array();
        for (size_t i = 0; i < d.links.n; i++)
            json_array_append_new(a, kb_cmd_link_json(&d.links.v[i]));
        json_object_set_new(o, "links", a);
        a = json_array();
        for (size_t i = 0; i < d.decisions.n; i++)
            json_array_append_new(a, kb_cmd_decision_json(&d.decisions.v[i]));
        json_object_set_new(o, "decisions", a);
        rc = kb_cmd_print_json(cx, o);
    } else {
        kb_print_case(cx, b, &d.c, &d.timeline, &d.goals);
        if (d.actions.n) {
            fprintf(cx->out, "\n%s\n", _("Action items:"));
            for (size_t i = 0; i < d.actions.n; i++) {
                char due[KB_DATE_STRLEN];
                kb_date_format(d.actions.v[i].due, due);
                fprintf(cx->out, "  A%-4u [%c] %-12s %-10s %s\n", d.actions.v[i].number,
                        d.actions.v[i].done ? 'x' : ' ', d.actions.v[i].owner, due[0] ? due : "-",
                        d.actions.v[i].text);
            }
        }
        if (d.decisions.n) {
            fprintf(cx->out, "\n%s\n", _("Decisions:"));
            for (size_t i = 0; i < d.decisions.n; i++) {
                char ts[KB_TIME_STRLEN];
                kb_time_format(d.decisions.v[i].time, ts);
                fprintf(cx->out, "  D%-4u %.10s %s\n", d.decisions.v[i].number, ts,
                        d.decisions.v[i].text);
            }
        }
        if (d.links.n) {
            fprintf(cx->out, "\n%s\n", _("Links:"));
            for (size_t i = 0; i < d.links.n; i++)
                fprintf(cx->out, "  #%u %s #%u\n", d.links.v[i].from,
                        kb_link_kind_label(d.links.v[i].kind), d.links.v[i].to);
        }
    }
out:
    kb_case_detail_free(&d);
    kb_cmd_close(cx, &b);
    return rc;
}

/* The stage names of the rows, by code: a board has a few stages, so the
 * names looked up (kb_query_name_refs, through every stage, ignoring case)
 * are kept for the next row with the same code. */
#define KB_LIST_NAMES 16
typedef struct kb_stage_name {
    const char *code, *name;
} kb_stage_name;

static const char *kb_list_stage_name(kb_query_refs *refs, kb_stage_name *names, size_t *n,
                                      const char *code)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(names[i].code, code) == 0)
            return names[i].name;
    const char *name = kb_query_name_refs(refs, KB_FT_STAGE, code);
    if (*n < KB_LIST_NAMES)
        names[(*n)++] = (kb_stage_name){code, name};
    return name;
}

/* The fields the table of case list shows (and conf: the shared screen
 * masks confidential cases) */
#define KB_CMD_LIST_FIELDS                                                                         \
    (1u << KB_F_TITLE | 1u << KB_F_STAGE | 1u << KB_F_LEAD | 1u << KB_F_DUE | 1u << KB_F_CONF)

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
    char *expanded = NULL; /* "@name": a saved view's query (cmd_view.c) */
    if (qtext.data && strchr(qtext.data, '@')) {
        if ((rc = kb_cmd_open(cx, "case list", &b)) ||
            (rc = kb_cmd_expand_views(cx, b, qtext.data, &expanded)))
            goto out;
        kb_buf_clear(&qtext);
        kb_buf_puts(&qtext, expanded);
        kb_free(&expanded);
    }
    if (kb_query_parse(qtext.data ? qtext.data : "", &q, &cx->err)) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    if (!b && (rc = kb_cmd_open(cx, "case list", &b)))
        goto out;
    kb_u32v damaged = {0};
    /* the table without a query shows a few fields: only those are stored
     * (every record is still read and checked whole) */
    rc = !cx->json && kb_query_term_count(q) == 0
             ? kb_board_case_list_some(b, KB_CMD_LIST_FIELDS, &v, &cx->err)
             : kb_board_case_list(b, &v, &cx->err);
    if (rc == KB_EDATA) {
        /* one damaged record must not hide the others: list what reads,
         * name the damaged ones on stderr, exit 65 at the end */
        kb_err first = cx->err;
        kb_case_vec_free(&v);
        kb_strv why = {0};
        if (kb_board_case_list_salvage(b, &v, &damaged, &why, &cx->err) == KB_OK && damaged.n) {
            for (size_t i = 0; i < damaged.n; i++) /* one line each, saying what is wrong */
                fprintf(cx->errf,
                        _("kernboard: case #%u is damaged and is not listed (%s); run "
                          "'kernboard verify', and restore a backup if it fails\n"),
                        damaged.v[i], i < why.n ? why.v[i] : "?");
            rc = KB_OK;
        } else {
            kb_u32v_free(&damaged);
            cx->err = first;
        }
        kb_strv_free(&why);
    }
    if (rc) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    int final_rc = damaged.n ? KB_EDATA : KB_OK;
    kb_u32v_free(&damaged);
    /* updated and since: count comments, decisions and action items too:
     * one more pass, over the timeline table, only for such a query */
    if (kb_query_needs_activity(q) && (rc = kb_board_case_activity(b, v.v, v.n, &cx->err))) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    /* the shared screen: a hidden confidential case matches and shows by
     * its number and title only */
    for (size_t i = 0; cx->shared_screen && i < v.n; i++)
        kb_cmd_mask(cx, &v.v[i]);
    kb_query_ctx ctx;
    kb_board_query_ctx(b, q, &ctx); /* the one resolver: codes, names, prefixes */
    if (cx->json) {
        json_t *a = json_array();
        for (size_t i = 0; i < v.n; i++)
            if (kb_query_match(q, &v.v[i], &ctx))
                json_array_append_new(a, kb_cmd_case_json(&v.v[i]));
        rc = kb_cmd_print_json(cx, a);
        if (rc == KB_OK)
            rc = final_rc;
        goto out;
    }
    kb_query_refs refs = kb_case_refs_of(b);
    kb_stage_name names[KB_LIST_NAMES];
    size_t nnames = 0;
    /* the title gets what the other columns leave of a given width (the
     * TUI's pager: one line per case), else 44 columns */
    size_t title_w = cx->width > 0 ? (size_t)(cx->width > 39 + 12 ? cx->width - 39 : 12) : 44;
    /* rows are formatted into one buffer, written a block at a time */
    kb_buf rows = KB_BUF_INIT;
    kb_buf_printf(&rows, "%-6s ", "#");
    kb_cmd_cell_buf(&rows, _("Stage"), 14);
    kb_buf_putc(&rows, ' ');
    kb_cmd_cell_buf(&rows, _("Lead"), 5);
    kb_buf_putc(&rows, ' ');
    kb_cmd_cell_buf(&rows, _("Due"), 10);
    kb_buf_printf(&rows, " %s\n", _("Title"));
    for (size_t i = 0; i < v.n; i++) {
        const kb_case *c = &v.v[i];
        if (!kb_query_match(q, c, &ctx))
            continue;
        char due[KB_DATE_STRLEN];
        kb_date_format(c->due, due);
        /* "#N" padded to 6 columns and a space, as "%-6s " of "#%u" */
        char num[16];
        size_t nl = sizeof num;
        uint32_t x = c->number;
        do
            num[--nl] = (char)('0' + x % 10);
        while ((x /= 10) && nl > 1);
        num[--nl] = '#';
        size_t len = sizeof num - nl;
        kb_buf_append(&rows, num + nl, len);
        for (; len < 6; len++)
            kb_buf_putc(&rows, ' ');
        kb_buf_putc(&rows, ' ');
        /* the stage by name (JSON keeps the code), as kb_case_field_show
         * shows it, without a copy per row */
        const char *stage = c->stage ? kb_list_stage_name(&refs, names, &nnames, c->stage) : NULL;
        bool masked = kb_cmd_hidden(cx, c);
        kb_cmd_cell_buf(&rows,
                        masked     ? kb_cmd_masked_text()
                        : stage    ? stage
                        : c->stage ? c->stage
                                   : "",
                        14);
        kb_buf_putc(&rows, ' ');
        kb_cmd_cell_buf(&rows, c->lead_dept ? c->lead_dept : "-", 5);
        kb_buf_putc(&rows, ' ');
        kb_cmd_cell_buf(&rows, due, 10);
        kb_buf_putc(&rows, ' ');
        kb_cmd_cell_buf(&rows, c->title ? c->title : "", title_w);
        while (rows.len && rows.data[rows.len - 1] == ' ') /* no padding at the end */
            rows.len--;
        kb_buf_putc(&rows, '\n');
        if (rows.len >= 65536) {
            fwrite(rows.data, 1, rows.len, cx->out);
            kb_buf_clear(&rows);
        }
    }
    if (rows.len)
        fwrite(rows.data, 1, rows.len, cx->out);
    kb_buf_free(&rows);
    rc = final_rc;
out:
    kb_buf_free(&qtext);
    kb_query_free(&q);
    kb_case_vec_free(&v);
    kb_cmd_close(cx, &b);
    return rc;
}

/* Print the saved case (--json) after a change. */
static int kb_case_changed(kb_cmd_ctx *cx, const kb_case *c)
{
    return cx->json ? kb_cmd_print_json(cx, kb_cmd_case_json(c)) : KB_OK;
}

/* case edit N [field options] [--reason R] [--expect-version V]: one core
 * update (one write transaction); it refuses a case that someone else is
 * editing (exit 75, naming who and since when), so no lease of its own. */
int kb_cmd_case_edit(kb_cmd_ctx *cx, int argc, char **argv)
{
    uint32_t n;
    kb_case_opts o;
    if (cx->probe) { /* asked only for the options (kb_cmd_probe): no N needed */
        int prc = kb_case_parse_opts(cx, "case edit", argc, argv, true, &o);
        kb_case_opts_free(&o);
        return prc;
    }
    int rc = kb_case_number_arg(cx, "case edit", argc, argv, 1, &n);
    if (rc)
        return rc;
    kb_board *b = NULL;
    kb_case c;
    kb_case_init(&c);
    if ((rc = kb_case_parse_opts(cx, "case edit", argc - 1, argv + 1, true, &o)))
        goto out;
    if (optind < argc - 1) {
        rc = kb_cmd_usage(cx, "case edit", _("unexpected argument '%s'"), argv[optind + 1]);
        goto out;
    }
    if ((rc = kb_cmd_open(cx, "case edit", &b)) ||
        (rc = kb_cmd_hidden_refuse(cx, b, "case edit", n)))
        goto out;
    if (kb_board_case_update(b, n, &o.p, o.reason, o.expect, 0, &c, &cx->err))
        rc = kb_cmd_report(cx);
    else
        rc = kb_case_changed(cx, &c);
out:
    kb_case_opts_free(&o);
    kb_case_free(&c);
    kb_cmd_close(cx, &b);
    return rc;
}

/* case move N STAGE [--reason TEXT] */
int kb_cmd_case_move(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"reason", required_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    const char *reason = NULL;
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, "case move", argc, argv, longs, &idx, &opt)) == KB_OK &&
           opt != -1)
        reason = optarg;
    if (rc)
        return rc;
    uint32_t n;
    if ((rc = kb_case_number_arg(cx, "case move", argc, argv, optind, &n)))
        return rc;
    if (argc - optind != 2)
        return kb_cmd_usage(cx, "case move",
                            _("give the case and the stage: case move 12 connect [--reason "
                              "TEXT]"));
    kb_board *b = NULL;
    kb_case c;
    kb_case_init(&c);
    bool already = false;
    if ((rc = kb_cmd_open(cx, "case move", &b)) == KB_OK &&
        (rc = kb_cmd_hidden_refuse(cx, b, "case move", n)) == KB_OK) {
        if (kb_board_case_move(b, n, argv[optind + 1], reason, KB_CORE_ANY_VERSION, 0, &c, &already,
                               &cx->err))
            rc = kb_cmd_report(cx);
        else if (already && !cx->json) {
            /* nothing to do is not an error (exit 0): said on stdout, the
             * only output of a move */
            const kb_stage *st = kb_board_stage_find(b, c.stage);
            fprintf(cx->out, _("#%u is already in %s"), n,
                    st && st->name ? st->name
                    : c.stage      ? c.stage
                                   : "-");
            fputc('\n', cx->out);
        } else
            rc = kb_case_changed(cx, &c);
    }
    kb_case_free(&c);
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
            return kb_cmd_bad_value(cx, "case lock", _("bad number of seconds '%s'"), optarg);
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
    if (argc < 3)
        return kb_cmd_usage(cx, "case comment",
                            _("give the text (or - to read it from standard "
                              "input): case comment 12 \"text\""));
    char *text = NULL;
    if ((rc = kb_cmd_text_words(cx, argc - 2, argv + 2, &text)))
        return rc;
    kb_board *b = NULL;
    if ((rc = kb_cmd_open(cx, "case comment", &b)) == KB_OK &&
        kb_board_comment_add(b, n, text, &cx->err))
        rc = kb_cmd_report(cx);
    kb_free(&text);
    kb_cmd_close(cx, &b);
    return rc;
}
