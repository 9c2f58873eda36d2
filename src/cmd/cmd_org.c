/* cmd_org.c - `contact window`: the board's contact window (how many days
 * apart two departments' contact moments with one organisation draw a
 * warning).  The other organisation and contact commands are in cmd_ref.c. */
#include "cmd_internal.h"
#include "kernboard/i18n.h"

#include <stdlib.h>

int kb_cmd_contact_window(kb_cmd_ctx *cx, int argc, char **argv)
{
    if (argc > 2)
        return kb_cmd_usage(cx, "contact window", _("give at most one number of days"));
    long days = -1;
    if (argc == 2) {
        char *end = NULL;
        days = strtol(argv[1], &end, 10);
        if (!argv[1][0] || *end || days < 0 || days > KB_CONTACT_WINDOW_MAX)
            return kb_cmd_bad_value(cx, "contact window",
                                    _("the contact window must be 0 to %d days"),
                                    KB_CONTACT_WINDOW_MAX);
    }
    kb_board *b = NULL;
    int rc = kb_cmd_open(cx, "contact window", &b);
    if (rc)
        return rc;
    int cur = 0;
    if ((days >= 0 && kb_board_contact_window_set(b, (int)days, &cx->err)) ||
        kb_board_contact_window(b, &cur, &cx->err)) {
        rc = kb_cmd_report(cx);
    } else if (cx->json) {
        json_t *o = json_object();
        json_object_set_new(o, "window_days", json_integer(cur));
        rc = kb_cmd_print_json(cx, o);
    } else {
        fprintf(cx->out, "%d\n", cur);
    }
    kb_cmd_close(cx, &b);
    return rc;
}
