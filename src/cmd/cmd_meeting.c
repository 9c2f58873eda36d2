/* cli_meeting.c - meetings and decisions from the command line. */
#include "cmd_internal.h"
#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/num.h"
#include "kernboard/paths.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int kb_meeting_number(kb_cmd_ctx *cx, const char *cmd, const char *s, uint32_t *out)
{
    const char *p = (s[0] == 'M' || s[0] == 'm') ? s + 1 : s;
    uint64_t v = 0;
    if (!kb_num_parse(p, UINT32_MAX, &v) || v == 0)
        return kb_cmd_usage(cx, cmd, _("invalid meeting '%s': write it as 3 or M3"), s);
    *out = (uint32_t)v;
    return KB_OK;
}

json_t *kb_cmd_decision_json(const kb_decision *d)
{
    char ts[KB_TIME_STRLEN];
    kb_time_format(d->time, ts);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(d->number));
    json_object_set_new(o, "case", json_integer(d->case_number));
    json_object_set_new(o, "meeting", d->meeting ? json_integer(d->meeting) : json_null());
    json_object_set_new(o, "text", json_string(d->text ? d->text : ""));
    json_object_set_new(o, "author", json_string(d->author ? d->author : ""));
    json_object_set_new(o, "time", json_string(ts));
    return o;
}

json_t *kb_cmd_meeting_json(const kb_meeting *m)
{
    char d[KB_DATE_STRLEN];
    kb_date_format(m->date, d);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(m->number));
    json_object_set_new(o, "date", json_string(d));
    json_t *a = json_array();
    for (size_t i = 0; i < m->attendees.n; i++)
        json_array_append_new(a, json_string(m->attendees.v[i]));
    json_object_set_new(o, "attendees", a);
    a = json_array();
    for (size_t i = 0; i < m->agenda.n; i++)
        json_array_append_new(a, json_integer(m->agenda.v[i]));
    json_object_set_new(o, "agenda", a);
    json_object_set_new(o, "minutes", m->minutes ? json_string(m->minutes) : json_null());
    /* meeting mode */
    json_object_set_new(o, "state", json_string(kb_meeting_state_name(m->state)));
    json_object_set_new(o, "chair", m->chair ? json_string(m->chair) : json_null());
    a = json_array();
    for (size_t i = 0; i < m->guests.n; i++)
        json_array_append_new(a, json_string(m->guests.v[i]));
    json_object_set_new(o, "guests", a);
    char ts[KB_TIME_STRLEN];
    kb_time_format(m->started, ts);
    json_object_set_new(o, "started", m->started ? json_string(ts) : json_null());
    kb_time_format(m->ended, ts);
    json_object_set_new(o, "ended", m->ended ? json_string(ts) : json_null());
    json_object_set_new(o, "current",
                        m->state == KB_MEETING_RUNNING && (size_t)m->current < m->agenda.n
                            ? json_integer(m->agenda.v[m->current])
                            : json_null());
    a = json_array();
    kb_time now = kb_time_now();
    uint64_t total = 0;
    for (size_t i = 0; i < m->agenda.n; i++) {
        json_t *it = json_object();
        uint32_t spent = kb_meeting_item_seconds(m, i, now);
        total += spent;
        json_object_set_new(it, "case", json_integer(m->agenda.v[i]));
        json_object_set_new(it, "why", json_string(i < m->why.n && m->why.v[i] ? m->why.v[i] : ""));
        json_object_set_new(it, "planned", json_integer(i < m->plan.n ? m->plan.v[i] : 0));
        json_object_set_new(it, "spent", json_integer(spent));
        json_array_append_new(a, it);
    }
    json_object_set_new(o, "items", a);
    json_object_set_new(o, "spent", json_integer((json_int_t)total));
    a = json_array();
    for (size_t i = 0; i < m->reveals.n; i++)
        json_array_append_new(a, json_integer(m->reveals.v[i]));
    json_object_set_new(o, "revealed", a);
    a = json_array();
    for (size_t i = 0; i < m->actions.n; i++)
        json_array_append_new(a, json_integer(m->actions.v[i]));
    json_object_set_new(o, "action_items", a);
    return o;
}

int kb_cmd_meeting_add(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"date", required_argument, NULL, 'd'},
        {"attendees", required_argument, NULL, 'a'},
        {"agenda", required_argument, NULL, 'g'},
        {"minutes", required_argument, NULL, 'm'},
        {NULL, 0, NULL, 0},
    };
    kb_meeting m;
    kb_meeting_init(&m);
    kb_board *b = NULL;
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, "meeting add", argc, argv, longs, &idx, &opt)) == KB_OK &&
           opt != -1) {
        if (opt == 'd' && kb_date_parse(optarg, &m.date, &cx->err)) {
            rc = kb_cmd_report(cx);
            goto out;
        } else if (opt == 'a') {
            kb_strv_free(&m.attendees);
            kb_strv_split(&m.attendees, optarg);
        } else if (opt == 'g') {
            kb_strv parts = {0};
            kb_strv_split(&parts, optarg);
            kb_u32v_free(&m.agenda);
            for (size_t i = 0; i < parts.n && rc == KB_OK; i++) {
                uint32_t n;
                if (kb_case_number_parse(parts.v[i], &n, &cx->err))
                    rc = kb_cmd_usage(cx, "meeting add", "%s", cx->err.msg);
                else
                    kb_u32v_push(&m.agenda, n);
            }
            kb_strv_free(&parts);
            if (rc)
                goto out;
        } else if (opt == 'm') {
            char *text = NULL;
            size_t len = 0;
            if (strcmp(optarg, "-") == 0) {
                if ((rc = kb_cmd_text_arg(cx, optarg, &text)))
                    goto out;
            } else if (kb_file_read(optarg, (size_t)KB_TEXT_MAX * 4, &text, &len, &cx->err)) {
                rc = kb_cmd_report(cx);
                goto out;
            }
            kb_text_newlines(text); /* minutes written on Windows: LF */
            kb_free(&m.minutes);
            m.minutes = text;
        }
    }
    if (rc)
        goto out;
    if (optind < argc || m.date == KB_DATE_NONE) {
        rc = kb_cmd_usage(cx, "meeting add",
                          _("give --date DATE (and optionally --attendees, "
                            "--agenda, --minutes F|-)"));
        goto out;
    }
    if ((rc = kb_cmd_open(cx, "meeting add", &b)))
        goto out;
    if (kb_board_meeting_add(b, &m, &cx->err))
        rc = kb_cmd_report(cx);
    else if (cx->json)
        rc = kb_cmd_print_json(cx, kb_cmd_meeting_json(&m));
    else
        fprintf(cx->out, "M%u\n", m.number);
out:
    kb_meeting_free(&m);
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_meeting_list(kb_cmd_ctx *cx, int argc, char **argv)
{
    kb_board *b = NULL;
    int rc = kb_cmd_open_noargs(cx, "meeting list", argc, argv, &b);
    if (rc)
        return rc;
    kb_meeting_vec v = {0};
    if (kb_board_meeting_list(b, &v, &cx->err)) {
        rc = kb_cmd_report(cx);
    } else if (cx->json) {
        json_t *a = json_array();
        for (size_t i = 0; i < v.n; i++)
            json_array_append_new(a, kb_cmd_meeting_json(&v.v[i]));
        rc = kb_cmd_print_json(cx, a);
    } else {
        for (size_t i = 0; i < v.n; i++) {
            char d[KB_DATE_STRLEN];
            kb_date_format(v.v[i].date, d);
            char *att = kb_strv_join(&v.v[i].attendees, ", ");
            fprintf(cx->out, "M%-4u %s  %zu %s  %s\n", v.v[i].number, d, v.v[i].agenda.n,
                    _("agenda items"), att);
            kb_free(&att);
        }
    }
    kb_meeting_vec_free(&v);
    kb_cmd_close(cx, &b);
    return rc;
}

static int kb_cmd_meeting_json_more(kb_cmd_ctx *cx, kb_board *b, const kb_meeting *m,
                                    const kb_decision_vec *dv, json_t *o);

int kb_cmd_meeting_show(kb_cmd_ctx *cx, int argc, char **argv)
{
    uint32_t n = 0;
    if (argc != 2)
        return kb_cmd_usage(cx, "meeting show", _("give one meeting: meeting show M3"));
    int rc = kb_meeting_number(cx, "meeting show", argv[1], &n);
    if (rc)
        return rc;
    kb_board *b = NULL;
    if ((rc = kb_cmd_open(cx, "meeting show", &b)))
        return rc;
    kb_meeting m;
    kb_decision_vec dv = {0};
    if (kb_board_meeting_get(b, n, &m, &cx->err) ||
        kb_board_decision_list(b, 0, n, &dv, &cx->err)) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    if (cx->json) {
        json_t *o = kb_cmd_meeting_json(&m);
        json_t *a = json_array();
        for (size_t i = 0; i < dv.n; i++)
            json_array_append_new(a, kb_cmd_decision_json(&dv.v[i]));
        json_object_set_new(o, "decisions", a);
        rc = kb_cmd_meeting_json_more(cx, b, &m, &dv, o);
        if (rc == KB_OK)
            rc = kb_cmd_print_json(cx, o);
        else
            json_decref(o);
    } else {
        char d[KB_DATE_STRLEN];
        kb_date_format(m.date, d);
        char *att = kb_strv_join(&m.attendees, ", ");
        fprintf(cx->out, _("Meeting M%u on %s\nAttendees: %s\nAgenda:"), m.number, d,
                att[0] ? att : "-");
        for (size_t i = 0; i < m.agenda.n; i++)
            fprintf(cx->out, " #%u", m.agenda.v[i]);
        fprintf(cx->out, "\n");
        kb_free(&att);
        if (dv.n) {
            fprintf(cx->out, "%s\n", _("Decisions:"));
            for (size_t i = 0; i < dv.n; i++) /* the shared screen: not a hidden case's */
                fprintf(cx->out, "  D%u #%u: %s\n", dv.v[i].number, dv.v[i].case_number,
                        kb_cmd_hidden_number(cx, b, dv.v[i].case_number) ? kb_cmd_masked_text()
                                                                         : dv.v[i].text);
        }
        if (m.minutes)
            fprintf(cx->out, "\n%s\n", m.minutes);
    }
out:
    kb_meeting_free(&m);
    kb_decision_vec_free(&dv);
    kb_cmd_close(cx, &b);
    return rc;
}

int kb_cmd_text_words(kb_cmd_ctx *cx, int n, char **words, char **out)
{
    if (n == 1)
        return kb_cmd_text_arg(cx, words[0], out);
    kb_buf b = KB_BUF_INIT;
    for (int i = 0; i < n; i++)
        kb_buf_printf(&b, "%s%s", i ? " " : "", words[i]);
    *out = b.data ? kb_buf_take(&b) : kb_strdup("");
    kb_text_newlines(*out); /* CRLF or CR line breaks: LF */
    return KB_OK;
}

/* case decide N TEXT... [--meeting M] [--action T --owner U [--due D]]...:
 * the decision (its words, quoted or not) and its action items in one
 * write; --owner and --due belong to the --action before them. */
int kb_cmd_case_decide(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"meeting", required_argument, NULL, 'm'},
        {"action", required_argument, NULL, 'a'},
        {"owner", required_argument, NULL, 'o'},
        {"due", required_argument, NULL, 'd'},
        {NULL, 0, NULL, 0},
    };
    static const char *cmd = "case decide";
    kb_decision d = {0};
    kb_action_item *items = NULL;
    size_t nitems = 0;
    kb_board *b = NULL;
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, cmd, argc, argv, longs, &idx, &opt)) == KB_OK && opt != -1) {
        if (opt == 'm') {
            if ((rc = kb_meeting_number(cx, cmd, optarg, &d.meeting)))
                goto out;
        } else if (opt == 'a') {
            items = kb_reallocarray(items, nitems + 1, sizeof *items);
            kb_action_item_init(&items[nitems]);
            items[nitems++].text = kb_strdup(optarg);
        } else if (!nitems) {
            rc = kb_cmd_usage(cx, cmd,
                              _("--%s belongs to an action item: give --action TEXT "
                                "first"),
                              opt == 'o' ? "owner" : "due");
            goto out;
        } else if (opt == 'o') {
            kb_free(&items[nitems - 1].owner);
            items[nitems - 1].owner = kb_strdup(optarg);
        } else if (kb_date_parse_rel(optarg, kb_date_today(), &items[nitems - 1].due, &cx->err)) {
            rc = kb_cmd_report(cx);
            goto out;
        }
    }
    if (rc)
        goto out;
    if (optind + 2 > argc || kb_case_number_parse(argv[optind], &d.case_number, &cx->err)) {
        rc = kb_cmd_usage(cx, cmd, _("give the case and the decision: case decide 12 \"text\""));
        goto out;
    }
    /* the decision's words, quoted or not */
    if ((rc = kb_cmd_text_words(cx, argc - optind - 1, argv + optind + 1, &d.text)))
        goto out;
    for (size_t i = 0; i < nitems; i++)
        if (!items[i].owner) {
            rc = kb_cmd_usage(cx, cmd, _("action item '%s' needs --owner USER"), items[i].text);
            goto out;
        }
    if ((rc = kb_cmd_open(cx, cmd, &b)))
        goto out;
    if (kb_board_decide(b, &d, items, nitems, &cx->err)) {
        rc = kb_cmd_report(cx);
    } else if (cx->json) {
        json_t *o = kb_cmd_decision_json(&d);
        json_t *a = json_array();
        for (size_t i = 0; i < nitems; i++)
            json_array_append_new(a, kb_cmd_action_json(&items[i]));
        json_object_set_new(o, "actions", a);
        rc = kb_cmd_print_json(cx, o);
    } else {
        fprintf(cx->out, "D%u", d.number);
        for (size_t i = 0; i < nitems; i++)
            fprintf(cx->out, " A%u", items[i].number);
        fputc('\n', cx->out);
    }
out:
    for (size_t i = 0; i < nitems; i++)
        kb_action_item_free(&items[i]);
    kb_free(&items);
    kb_decision_free(&d);
    kb_cmd_close(cx, &b);
    return rc;
}

/* ------------------------------------------------------------ meeting mode */

/* meeting show --json: per item the case title, its decisions and the
 * action items taken in the meeting; all action items with their owner's
 * departments. */
static int kb_cmd_meeting_json_more(kb_cmd_ctx *cx, kb_board *b, const kb_meeting *m,
                                    const kb_decision_vec *dv, json_t *o)
{
    kb_action_vec av = {0};
    kb_user_vec uv = {0};
    if (kb_board_action_list(b, 0, &av, &cx->err) || kb_board_user_list(b, &uv, &cx->err)) {
        kb_action_vec_free(&av);
        return kb_cmd_report(cx);
    }
    json_t *acts = json_array();
    for (size_t k = 0; k < av.n; k++) {
        bool mine = false;
        for (size_t j = 0; j < m->actions.n; j++)
            mine |= m->actions.v[j] == av.v[k].number;
        if (!mine)
            continue;
        json_t *a = kb_cmd_action_json(&av.v[k]);
        json_t *depts = json_array();
        for (size_t u = 0; u < uv.n; u++)
            if (av.v[k].owner && strcmp(uv.v[u].name, av.v[k].owner) == 0)
                for (size_t d = 0; d < uv.v[u].depts.n; d++)
                    json_array_append_new(depts, json_string(uv.v[u].depts.v[d]));
        json_object_set_new(a, "owner_depts", depts);
        json_array_append_new(acts, a);
    }
    json_t *items = json_object_get(o, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        uint32_t cn = (uint32_t)json_integer_value(json_object_get(it, "case"));
        kb_case c;
        kb_case_init(&c);
        kb_err e;
        if (kb_board_case_get(b, cn, &c, &e) == KB_OK) {
            json_object_set_new(it, "title", json_string(c.title ? c.title : ""));
            json_object_set_new(it, "conf", json_string(kb_conf_name(c.conf)));
        }
        kb_case_free(&c);
        json_t *ds = json_array(), *as = json_array();
        for (size_t k = 0; k < dv->n; k++)
            if (dv->v[k].case_number == cn)
                json_array_append_new(ds, json_integer(dv->v[k].number));
        for (size_t k = 0; k < json_array_size(acts); k++) {
            json_t *a = json_array_get(acts, k);
            if (json_integer_value(json_object_get(a, "case")) == (json_int_t)cn)
                json_array_append_new(as, json_incref(json_object_get(a, "id")));
        }
        json_object_set_new(it, "decisions", ds);
        json_object_set_new(it, "actions", as);
    }
    json_object_set_new(o, "actions", acts);
    kb_action_vec_free(&av);
    kb_user_vec_free(&uv);
    return KB_OK;
}

/* "  1. #12  Title  5 min  (why)" lines; the current item marked with >. */
static void kb_cmd_agenda_print(kb_cmd_ctx *cx, kb_board *b, const kb_meeting *m)
{
    char d[KB_DATE_STRLEN];
    kb_date_format(m->date, d);
    const char *st = m->state == KB_MEETING_RUNNING ? _("running")
                     : m->state == KB_MEETING_DRAFT ? _("draft")
                     : m->state == KB_MEETING_ENDED ? _("ended")
                                                    : _("recorded");
    if (m->number)
        fprintf(cx->out, _("Agenda of meeting M%u (%s), %s\n"), m->number, st, d);
    else
        fprintf(cx->out, "%s\n", _("Proposed agenda (not stored; edit it to keep a draft)"));
    if (!m->agenda.n)
        fprintf(cx->out, "  %s\n", _("(empty)"));
    kb_time now = kb_time_now();
    for (size_t i = 0; i < m->agenda.n; i++) {
        kb_case c;
        kb_case_init(&c);
        kb_err e;
        bool ok = kb_board_case_get(b, m->agenda.v[i], &c, &e) == KB_OK;
        char *why = kb_meeting_why_text(i < m->why.n ? m->why.v[i] : "");
        uint32_t plan = i < m->plan.n ? m->plan.v[i] : 0;
        bool cur = m->state == KB_MEETING_RUNNING && (size_t)m->current == i;
        fprintf(cx->out, "%c %2zu. #%-4u ", cur ? '>' : ' ', i + 1, m->agenda.v[i]);
        kb_cmd_cell(cx->out, ok && c.title ? c.title : "?", 40);
        if (m->state == KB_MEETING_RUNNING || m->state == KB_MEETING_ENDED) {
            uint32_t s = kb_meeting_item_seconds(m, i, now);
            fprintf(cx->out, "  %u:%02u/%u %s", s / 60, s % 60, plan / 60, _("min"));
        } else {
            fprintf(cx->out, "  %3u %s", plan / 60, _("min"));
        }
        fprintf(cx->out, "  %s\n", why);
        kb_free(&why);
        kb_case_free(&c);
    }
}

static int kb_cmd_plan_arg(kb_cmd_ctx *cx, const char *cmd, const char *s, kb_agenda_op *op)
{
    const char *eq = strchr(s, '=');
    char *num = eq ? kb_strndup(s, (size_t)(eq - s)) : NULL;
    uint64_t min = 0;
    int rc = KB_OK;
    if (!eq || !kb_num_parse(eq + 1, 600, &min) ||
        kb_case_number_parse(num, &op->case_number, &cx->err))
        rc = kb_cmd_usage(cx, cmd, _("write --plan N=MINUTES, e.g. --plan 12=10"));
    op->kind = KB_AGENDA_PLAN;
    op->plan = (uint32_t)min * 60;
    kb_free(&num);
    return rc;
}

/* meeting agenda [M] [--build] [--add N [--at POS]] [--drop N] [--move N --to POS]
 * [--plan N=MIN]...: show an agenda, or edit the draft (or the running
 * meeting's) agenda. */
int kb_cmd_meeting_agenda(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"build", no_argument, NULL, 'b'},      {"add", required_argument, NULL, 'a'},
        {"at", required_argument, NULL, 't'},   {"to", required_argument, NULL, 't'},
        {"drop", required_argument, NULL, 'd'}, {"move", required_argument, NULL, 'm'},
        {"plan", required_argument, NULL, 'p'}, {NULL, 0, NULL, 0},
    };
    static const char *cmd = "meeting agenda";
    kb_agenda_op *ops = NULL;
    size_t nops = 0;
    kb_board *b = NULL;
    kb_meeting m;
    kb_meeting_init(&m);
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, cmd, argc, argv, longs, &idx, &opt)) == KB_OK && opt != -1) {
        if (opt == 't') {
            uint64_t pos = 0;
            bool pos_ok = kb_num_parse(optarg, 10000, &pos) && pos > 0;
            if (!nops ||
                (ops[nops - 1].kind != KB_AGENDA_ADD && ops[nops - 1].kind != KB_AGENDA_MOVE)) {
                rc = kb_cmd_usage(cx, cmd, _("--to and --at belong to --move N or --add N"));
                goto out;
            }
            if (!pos_ok) {
                rc = kb_cmd_usage(cx, cmd, _("invalid position '%s': 1 is the first item"), optarg);
                goto out;
            }
            ops[nops - 1].pos = pos;
            continue;
        }
        ops = kb_reallocarray(ops, nops + 1, sizeof *ops);
        kb_agenda_op *op = &ops[nops++];
        memset(op, 0, sizeof *op);
        if (opt == 'b') {
            op->kind = KB_AGENDA_REBUILD;
        } else if (opt == 'p') {
            if ((rc = kb_cmd_plan_arg(cx, cmd, optarg, op)))
                goto out;
        } else {
            op->kind = opt == 'a' ? KB_AGENDA_ADD : opt == 'd' ? KB_AGENDA_DROP : KB_AGENDA_MOVE;
            if (kb_case_number_parse(optarg, &op->case_number, &cx->err)) {
                rc = kb_cmd_usage(cx, cmd, "%s", cx->err.msg);
                goto out;
            }
        }
    }
    if (rc)
        goto out;
    for (size_t i = 0; i < nops; i++)
        if (ops[i].kind == KB_AGENDA_MOVE && !ops[i].pos) {
            rc = kb_cmd_usage(cx, cmd, _("--move N needs --to POSITION"));
            goto out;
        }
    uint32_t number = 0;
    if (optind + 1 == argc) {
        if (nops) {
            rc = kb_cmd_usage(cx, cmd, _("only the draft or the running meeting can be edited"));
            goto out;
        }
        if ((rc = kb_meeting_number(cx, cmd, argv[optind], &number)))
            goto out;
    } else if (optind < argc) {
        rc = kb_cmd_usage(cx, cmd, _("unexpected argument '%s'"), argv[optind + 1]);
        goto out;
    }
    if ((rc = kb_cmd_open(cx, cmd, &b)))
        goto out;
    int got;
    if (nops) {
        kb_agenda_edit ed = {ops, nops};
        got = kb_board_agenda_edit(b, &ed, &m, &cx->err);
    } else if (number) {
        got = kb_board_meeting_get(b, number, &m, &cx->err);
    } else {
        got = kb_board_meeting_state_get(b, KB_MEETING_RUNNING, &m, &cx->err);
        if (got == KB_ENOENT) {
            kb_meeting_free(&m);
            got = kb_board_meeting_state_get(b, KB_MEETING_DRAFT, &m, &cx->err);
        }
        if (got == KB_ENOENT) {
            kb_meeting_free(&m);
            got = kb_board_agenda_build(b, &m, &cx->err);
        }
    }
    if (got) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    kb_meeting_items_fix(&m, KB_MEETING_DEFAULT_PLAN);
    if (cx->json) {
        json_t *o = kb_cmd_meeting_json(&m);
        kb_decision_vec dv = {0};
        rc = kb_cmd_meeting_json_more(cx, b, &m, &dv, o);
        if (rc == KB_OK) {
            json_t *items = json_object_get(o, "items");
            for (size_t i = 0; i < json_array_size(items); i++) {
                json_t *it = json_array_get(items, i);
                char *w = kb_meeting_why_text(i < m.why.n ? m.why.v[i] : "");
                json_object_set_new(it, "why_text", json_string(w));
                kb_free(&w);
            }
            rc = kb_cmd_print_json(cx, o);
        } else {
            json_decref(o);
        }
    } else {
        kb_cmd_agenda_print(cx, b, &m);
    }
out:
    kb_free(&ops);
    kb_meeting_free(&m);
    kb_cmd_close(cx, &b);
    return rc;
}

/* meeting start [--attendees U,U] [--guest NAME]... */
int kb_cmd_meeting_start(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"attendees", required_argument, NULL, 'a'},
        {"guest", required_argument, NULL, 'g'},
        {NULL, 0, NULL, 0},
    };
    static const char *cmd = "meeting start";
    kb_strv att = {0}, guests = {0};
    kb_meeting m;
    kb_meeting_init(&m);
    kb_board *b = NULL;
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, cmd, argc, argv, longs, &idx, &opt)) == KB_OK && opt != -1) {
        if (opt == 'a')
            kb_strv_split(&att, optarg);
        else if (optarg[0])
            kb_strv_push(&guests, optarg);
    }
    if (rc == KB_OK && optind < argc)
        rc = kb_cmd_usage(cx, cmd, _("unexpected argument '%s'"), argv[optind]);
    if (rc || (rc = kb_cmd_open(cx, cmd, &b)))
        goto out;
    if (kb_board_meeting_start(b, &att, &guests, &m, &cx->err))
        rc = kb_cmd_report(cx);
    else if (cx->json)
        rc = kb_cmd_print_json(cx, kb_cmd_meeting_json(&m));
    else
        fprintf(cx->out, "M%u\n", m.number);
out:
    kb_strv_free(&att);
    kb_strv_free(&guests);
    kb_meeting_free(&m);
    kb_cmd_close(cx, &b);
    return rc;
}

/* meeting next [--prev | --item K] */
int kb_cmd_meeting_next(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"prev", no_argument, NULL, 'p'},
        {"item", required_argument, NULL, 'i'},
        {NULL, 0, NULL, 0},
    };
    static const char *cmd = "meeting next";
    int delta = 1;
    long index = -1;
    kb_meeting m;
    kb_meeting_init(&m);
    kb_board *b = NULL;
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, cmd, argc, argv, longs, &idx, &opt)) == KB_OK && opt != -1) {
        if (opt == 'p') {
            delta = -1;
        } else {
            uint64_t k = 0;
            if (!kb_num_parse(optarg, 10000, &k) || k == 0)
                return kb_cmd_usage(cx, cmd, _("invalid item '%s': 1 is the first item"), optarg);
            index = (long)k - 1;
        }
    }
    if (rc == KB_OK && optind < argc)
        rc = kb_cmd_usage(cx, cmd, _("unexpected argument '%s'"), argv[optind]);
    if (rc || (rc = kb_cmd_open(cx, cmd, &b)))
        goto out;
    if (kb_board_meeting_goto(b, delta, index, &m, &cx->err)) {
        rc = kb_cmd_report(cx);
    } else if (cx->json) {
        rc = kb_cmd_print_json(cx, kb_cmd_meeting_json(&m));
    } else {
        kb_case c;
        kb_case_init(&c);
        uint32_t cn = m.agenda.v[m.current];
        kb_err e;
        bool ok = kb_board_case_get(b, cn, &c, &e) == KB_OK;
        fprintf(cx->out, _("Item %d/%zu: #%u %s\n"), m.current + 1, m.agenda.n, cn,
                ok && c.title ? c.title : "?");
        kb_case_free(&c);
    }
out:
    kb_meeting_free(&m);
    kb_cmd_close(cx, &b);
    return rc;
}

/* Write minutes to the output, or to o (opened by kb_out_open: a
 * temporary, 0600, never over a board) and put it in place as outp.
 * ended: the meeting that has just ended (0: none), named in an error. */
static int kb_cmd_minutes_write(kb_cmd_ctx *cx, kb_out *o, const char *outp, const char *md,
                                uint32_t ended)
{
    int code = KB_OK;
    if (!o) {
        fputs(md, cx->out);
        if (fflush(cx->out) == 0)
            return KB_OK;
        code = kb_err_set(&cx->err, KB_EIO, _("cannot write the minutes: %s"), strerror(errno));
    } else if (fputs(md, o->f) < 0) {
        int err = errno ? errno : EIO;
        kb_out_abort(o);
        code = kb_err_set(&cx->err, KB_EIO, _("cannot write %s: %s"), outp, strerror(err));
    } else if ((code = kb_out_commit(o, &cx->err)) == KB_OK) {
        return KB_OK;
    }
    if (!ended)
        return kb_cmd_report(cx);
    /* the meeting is ended and stored all the same */
    return kb_cmd_fail(cx, code,
                       _("meeting M%u has ended, but its minutes were not written (%s): write "
                         "them with 'kernboard meeting minutes M%u --out FILE'"),
                       ended, cx->err.msg, ended);
}

/* meeting end [--out F] [--include-confidential]: F is created before the
 * meeting ends, so a file that cannot be created changes nothing. */
int kb_cmd_meeting_end(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"out", required_argument, NULL, 'o'},
        {"include-confidential", no_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    static const char *cmd = "meeting end";
    const char *outp = NULL;
    bool conf = false;
    kb_meeting m;
    kb_meeting_init(&m);
    kb_board *b = NULL;
    kb_out o = {.f = NULL};
    bool opened = false;
    char *md = NULL;
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, cmd, argc, argv, longs, &idx, &opt)) == KB_OK && opt != -1) {
        if (opt == 'o')
            outp = optarg;
        else
            conf = true;
    }
    if (rc == KB_OK && optind < argc)
        rc = kb_cmd_usage(cx, cmd, _("unexpected argument '%s'"), argv[optind]);
    if (rc || (rc = kb_cmd_open(cx, cmd, &b)))
        goto out;
    if (outp) {
        if (kb_out_open(&o, outp, cx->db, &cx->err)) {
            rc = kb_cmd_report(cx);
            goto out;
        }
        opened = true;
    }
    if (kb_board_meeting_end(b, &m, &cx->err)) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    if (conf && kb_board_meeting_minutes(b, m.number, true, &md, &cx->err)) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    if (cx->json)
        rc = kb_cmd_print_json(cx, kb_cmd_meeting_json(&m));
    if (rc == KB_OK && (outp || !cx->json)) {
        rc = kb_cmd_minutes_write(cx, opened ? &o : NULL, outp, md ? md : m.minutes, m.number);
        opened = false;
    }
    if (rc == KB_OK && outp && !cx->json)
        fprintf(cx->out, _("M%u ended; minutes written to %s\n"), m.number, outp);
out:
    if (opened)
        kb_out_abort(&o);
    kb_free(&md);
    kb_meeting_free(&m);
    kb_cmd_close(cx, &b);
    return rc;
}

/* meeting minutes M --json: the meeting as `meeting show --json` has it,
 * with the decisions and action items of a confidential case without their
 * text ("text": null, "masked": true) unless include_conf, as the Markdown
 * minutes, which are the "minutes" member. */
static int kb_cmd_minutes_json(kb_cmd_ctx *cx, kb_board *b, uint32_t n, bool include_conf,
                               const char *md)
{
    kb_meeting m;
    kb_decision_vec dv = {0};
    int rc = KB_OK;
    if (kb_board_meeting_get(b, n, &m, &cx->err) ||
        kb_board_decision_list(b, 0, n, &dv, &cx->err)) {
        rc = kb_cmd_report(cx);
        goto out;
    }
    kb_meeting_items_fix(&m, KB_MEETING_DEFAULT_PLAN);
    json_t *o = kb_cmd_meeting_json(&m);
    json_t *a = json_array();
    for (size_t i = 0; i < dv.n; i++)
        json_array_append_new(a, kb_cmd_decision_json(&dv.v[i]));
    json_object_set_new(o, "decisions", a);
    if ((rc = kb_cmd_meeting_json_more(cx, b, &m, &dv, o))) {
        json_decref(o);
        goto out;
    }
    /* the cases whose details stay out, as in the Markdown minutes */
    const char *lists[] = {"items", "decisions", "actions"};
    for (size_t l = 0; l < 3; l++) {
        json_t *arr = json_object_get(o, lists[l]);
        for (size_t i = 0; i < json_array_size(arr); i++) {
            json_t *x = json_array_get(arr, i);
            uint32_t cn = (uint32_t)json_integer_value(json_object_get(x, "case"));
            kb_case c;
            kb_case_init(&c);
            kb_err e;
            bool hide = !include_conf && kb_board_case_get(b, cn, &c, &e) == KB_OK &&
                        c.conf == KB_CONF_CONFIDENTIAL;
            kb_case_free(&c);
            json_object_set_new(x, "masked", json_boolean(hide));
            if (hide && l > 0)
                json_object_set_new(x, "text", json_null());
        }
    }
    json_object_set_new(o, "include_confidential", json_boolean(include_conf));
    json_object_set_new(o, "minutes", json_string(md));
    rc = kb_cmd_print_json(cx, o);
out:
    kb_meeting_free(&m);
    kb_decision_vec_free(&dv);
    return rc;
}

/* meeting minutes M [--out F] [--include-confidential] */
int kb_cmd_meeting_minutes(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"out", required_argument, NULL, 'o'},
        {"include-confidential", no_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    static const char *cmd = "meeting minutes";
    const char *outp = NULL;
    bool conf = false;
    kb_board *b = NULL;
    char *md = NULL;
    uint32_t n = 0;
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, cmd, argc, argv, longs, &idx, &opt)) == KB_OK && opt != -1) {
        if (opt == 'o')
            outp = optarg;
        else
            conf = true;
    }
    if (rc)
        return rc;
    if (optind + 1 != argc)
        return kb_cmd_usage(cx, cmd, _("give one meeting: meeting minutes M3"));
    if ((rc = kb_meeting_number(cx, cmd, argv[optind], &n)) || (rc = kb_cmd_open(cx, cmd, &b)))
        return rc;
    kb_out o = {.f = NULL};
    if (outp && kb_out_open(&o, outp, cx->db, &cx->err))
        rc = kb_cmd_report(cx);
    else if (kb_board_meeting_minutes(b, n, conf, &md, &cx->err))
        rc = kb_cmd_report(cx);
    else if (cx->json)
        rc = kb_cmd_minutes_json(cx, b, n, conf, md);
    if (rc == KB_OK && (outp || !cx->json))
        rc = kb_cmd_minutes_write(cx, outp ? &o : NULL, outp, md, 0);
    else if (outp)
        kb_out_abort(&o);
    kb_free(&md);
    kb_cmd_close(cx, &b);
    return rc;
}

/* meeting attend WHO [--guest] [--absent] */
int kb_cmd_meeting_attend(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"guest", no_argument, NULL, 'g'},
        {"absent", no_argument, NULL, 'x'},
        {NULL, 0, NULL, 0},
    };
    static const char *cmd = "meeting attend";
    bool guest = false, absent = false;
    kb_board *b = NULL;
    kb_meeting m;
    kb_meeting_init(&m);
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, cmd, argc, argv, longs, &idx, &opt)) == KB_OK && opt != -1) {
        if (opt == 'g')
            guest = true;
        else
            absent = true;
    }
    if (rc)
        return rc;
    if (optind + 1 != argc)
        return kb_cmd_usage(cx, cmd, _("give one user or guest: meeting attend anna"));
    if ((rc = kb_cmd_open(cx, cmd, &b)))
        return rc;
    if (kb_board_meeting_attend(b, argv[optind], !absent, guest, &m, &cx->err))
        rc = kb_cmd_report(cx);
    else if (cx->json)
        rc = kb_cmd_print_json(cx, kb_cmd_meeting_json(&m));
    kb_meeting_free(&m);
    kb_cmd_close(cx, &b);
    return rc;
}

/* meeting reveal N */
int kb_cmd_meeting_reveal(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const char *cmd = "meeting reveal";
    uint32_t n = 0;
    if (argc != 2 || kb_case_number_parse(argv[1], &n, &cx->err))
        return kb_cmd_usage(cx, cmd, _("give one case: meeting reveal 12"));
    kb_board *b = NULL;
    int rc = kb_cmd_open(cx, cmd, &b);
    if (rc)
        return rc;
    kb_meeting m;
    kb_meeting_init(&m);
    if (kb_board_meeting_reveal(b, n, &m, &cx->err))
        rc = kb_cmd_report(cx);
    kb_meeting_free(&m);
    kb_cmd_close(cx, &b);
    return rc;
}
