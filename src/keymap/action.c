/* action.c - the context and action tables of actions.def; see kernboard/keymap.h. */
#include "kernboard/i18n.h"
#include "kernboard/keymap.h"

#include <string.h>

struct kb_context_info {
    const char *name;
    bool text_entry;
    const char *help;
};

static const struct kb_context_info kb_contexts[KB_CONTEXT_COUNT] = {
#define KB_CONTEXT(id, name, text_entry, help) [KB_CONTEXT_##id] = {name, text_entry, help},
#include "kernboard/actions.def"
};

struct kb_action_info {
    const char *name;
    kb_context context;
    const char *help;
};

static const struct kb_action_info kb_actions[KB_ACTION_COUNT] = {
    [KB_ACTION_NONE] = {NULL, KB_CONTEXT_GLOBAL, ""},
#define KB_ACTION(id, name, context, help) [KB_ACTION_##id] = {name, KB_CONTEXT_##context, help},
#include "kernboard/actions.def"
};

struct kb_action_alias {
    const char *name;
    kb_action action;
};

static const struct kb_action_alias kb_aliases[] = {
#define KB_ACTION_ALIAS(name, id) {name, KB_ACTION_##id},
#include "kernboard/actions.def"
    {NULL, KB_ACTION_NONE},
};

static bool kb_context_ok(kb_context c)
{
    return (unsigned)c < (unsigned)KB_CONTEXT_COUNT;
}

static bool kb_action_ok(kb_action a)
{
    return a > KB_ACTION_NONE && (unsigned)a < (unsigned)KB_ACTION_COUNT;
}

const char *kb_keymap_context_name(kb_context c)
{
    return kb_context_ok(c) ? kb_contexts[c].name : NULL;
}

const char *kb_keymap_context_help(kb_context c)
{
    return kb_context_ok(c) ? _(kb_contexts[c].help) : "";
}

bool kb_keymap_context_is_text_entry(kb_context c)
{
    return kb_context_ok(c) && kb_contexts[c].text_entry;
}

int kb_keymap_context_from_name(const char *name, kb_context *out, kb_err *e)
{
    for (int c = 0; c < KB_CONTEXT_COUNT; c++) {
        if (name && strcmp(name, kb_contexts[c].name) == 0) {
            *out = (kb_context)c;
            return KB_OK;
        }
    }
    char known[256] = "";
    size_t n = 0;
    for (int c = 0; c < KB_CONTEXT_COUNT && n < sizeof known; c++) {
        size_t len = strlen(kb_contexts[c].name);
        if (n + len + 3 >= sizeof known)
            break;
        if (n) {
            memcpy(known + n, ", ", 2);
            n += 2;
        }
        memcpy(known + n, kb_contexts[c].name, len + 1);
        n += len;
    }
    return kb_err_set(e, KB_ENOENT, _("unknown context '%.40s' (known: %s)"), name ? name : "",
                      known);
}

const char *kb_action_name(kb_action a)
{
    return kb_action_ok(a) ? kb_actions[a].name : NULL;
}

const char *kb_action_help(kb_action a)
{
    return kb_action_ok(a) ? _(kb_actions[a].help) : "";
}

kb_context kb_action_context(kb_action a)
{
    return kb_action_ok(a) ? kb_actions[a].context : KB_CONTEXT_GLOBAL;
}

int kb_action_from_name(const char *name, kb_action *out, kb_err *e)
{
    if (name) {
        for (int a = KB_ACTION_NONE + 1; a < KB_ACTION_COUNT; a++) {
            if (strcmp(name, kb_actions[a].name) == 0) {
                *out = (kb_action)a;
                return KB_OK;
            }
        }
        for (const struct kb_action_alias *al = kb_aliases; al->name; al++) {
            if (strcmp(name, al->name) == 0) {
                *out = al->action;
                return KB_OK;
            }
        }
    }
    return kb_err_set(e, KB_ENOENT, _("unknown action '%.40s' (see docs/keys.md for the list)"),
                      name ? name : "");
}
