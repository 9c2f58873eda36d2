/* cli_meeting.c - meetings and decisions from the command line. */
#include "cmd_internal.h"
#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/paths.h"

#include <stdlib.h>
#include <string.h>

static int kb_meeting_number(kb_cmd_ctx *cx, const char *cmd, const char *s, uint32_t *out)
{
    const char *p = (s[0] == 'M' || s[0] == 'm') ? s + 1 : s;
    char *end = NULL;
    unsigned long v = strtoul(p, &end, 10);
    if (!p[0] || *end || v == 0 || v > UINT32_MAX)
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

int kb_cmd_meeting_show(kb_cmd_ctx *cx, int argc, char **argv)
{
    uint32_t n;
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
        rc = kb_cmd_print_json(cx, o);
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
            for (size_t i = 0; i < dv.n; i++)
                fprintf(cx->out, "  D%u #%u: %s\n", dv.v[i].number, dv.v[i].case_number,
                        dv.v[i].text);
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

/* case decide N TEXT [--meeting M] [--action T --owner U [--due D]]...: the
 * decision and its action items in one write; --owner and --due belong to
 * the --action before them. */
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
    if (optind + 2 != argc || kb_case_number_parse(argv[optind], &d.case_number, &cx->err)) {
        rc = kb_cmd_usage(cx, cmd, _("give the case and the decision: case decide 12 \"text\""));
        goto out;
    }
    for (size_t i = 0; i < nitems; i++)
        if (!items[i].owner) {
            rc = kb_cmd_usage(cx, cmd, _("action item '%s' needs --owner USER"), items[i].text);
            goto out;
        }
    d.text = kb_strdup(argv[optind + 1]);
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
