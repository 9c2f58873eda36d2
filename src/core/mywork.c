/* mywork.c - "my work": a user's open action items in the order they are
 * due (the overdue first); see kernboard/core.h. */
#include "core_internal.h"
#include "kernboard/mem.h"

#include <string.h>

static int kb_action_due_cmp(const void *a, const void *b)
{
    const kb_action_item *x = a, *y = b;
    if (x->done != y->done)
        return x->done ? 1 : -1;
    bool xn = x->due == KB_DATE_NONE, yn = y->due == KB_DATE_NONE;
    if (xn != yn)
        return xn ? 1 : -1;
    if (x->due != y->due)
        return x->due < y->due ? -1 : 1;
    return (x->number > y->number) - (x->number < y->number);
}

void kb_action_items_by_due(kb_action_item *v, size_t n)
{
    kb_sort(v, n, sizeof *v, kb_action_due_cmp);
}

int kb_board_my_actions(kb_board *b, const char *user, kb_action_vec *out, kb_err *e)
{
    memset(out, 0, sizeof *out);
    if (!user)
        user = kb_board_user(b);
    kb_action_vec all = {0};
    int rc = kb_board_action_list(b, 0, &all, e);
    if (rc)
        return rc;
    for (size_t i = 0; i < all.n; i++) {
        kb_action_item *a = &all.v[i];
        if (a->done || !a->owner || strcmp(a->owner, user) != 0)
            continue;
        out->v = kb_reallocarray(out->v, out->n + 1, sizeof *out->v);
        out->v[out->n++] = *a;
        memset(a, 0, sizeof *a); /* moved */
    }
    kb_action_vec_free(&all);
    kb_action_items_by_due(out->v, out->n);
    return KB_OK;
}
