/* goal.c - department goals ("doelen"): the policy goals a case's hooks
 * can name (see kernboard/model.h). */
#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/model.h"

#include <string.h>

#define KB_GOAL_TEXT_MAX 200

void kb_goal_free(kb_goal *g)
{
    kb_free(&g->code);
    kb_free(&g->text);
    kb_free(&g->dept);
}

void kb_goal_copy(kb_goal *dst, const kb_goal *src)
{
    *dst = *src;
    dst->code = src->code ? kb_strdup(src->code) : NULL;
    dst->text = src->text ? kb_strdup(src->text) : NULL;
    dst->dept = src->dept ? kb_strdup(src->dept) : NULL;
}

int kb_goal_validate(const kb_goal *g, kb_err *e)
{
    if (!g->code || !kb_code_ok(g->code))
        return kb_err_set(e, KB_EDATA,
                          _("goal code '%s' is invalid: use 1 to %d letters, digits, '_' or '-'"),
                          g->code ? g->code : "", KB_CODE_MAX);
    if (!g->dept || !kb_code_ok(g->dept))
        return kb_err_set(e, KB_EDATA, _("goal %s needs a department"), g->code);
    if (!g->text || !g->text[0])
        return kb_err_set(e, KB_EDATA, _("goal %s needs a text"), g->code);
    return kb_text_check(_("goal text"), g->text, KB_GOAL_TEXT_MAX, false, e);
}

const kb_goal *kb_goal_find(const kb_goal *v, size_t n, const char *code)
{
    if (!code)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (kb_fold_eq(v[i].code, code))
            return &v[i];
    return NULL;
}

const kb_goal *kb_goal_of_hook(const kb_goal *v, size_t n, const char *hook)
{
    const kb_goal *g = kb_goal_find(v, n, hook);
    for (size_t i = 0; !g && hook && i < n; i++)
        if (v[i].text && kb_fold_eq(v[i].text, hook))
            g = &v[i];
    return g;
}

char *kb_hook_label(const kb_goal *v, size_t n, const char *hook)
{
    const kb_goal *g = kb_goal_of_hook(v, n, hook);
    return g ? kb_asprintf("%s: %s", g->code, g->text) : kb_strdup(hook ? hook : "");
}

char *kb_hooks_label(const kb_strv *hooks, const kb_goal *v, size_t n, const char *sep)
{
    kb_buf b = KB_BUF_INIT;
    for (size_t i = 0; i < hooks->n; i++) {
        char *l = kb_hook_label(v, n, hooks->v[i]);
        kb_buf_printf(&b, "%s%s", i ? sep : "", l);
        kb_free(&l);
    }
    return b.data ? kb_buf_take(&b) : kb_strdup("");
}
