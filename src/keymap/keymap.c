/* keymap.c - keymap loading, lookup and help data; see kernboard/keymap.h. */
#include "kernboard/i18n.h"
#include "kernboard/keymap.h"
#include "kernboard/mem.h"
#include "kernboard/paths.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef KB_DATADIR
#define KB_DATADIR "/usr/local/share/kernboard"
#endif
#ifndef KB_SOURCE_KEYMAP_DIR
#define KB_SOURCE_KEYMAP_DIR "keymaps"
#endif

/* keymaps/default, generated into the build tree by src/keymap/keymap.cmake. */
extern const unsigned char kb_keymap_builtin_default[];
extern const size_t kb_keymap_builtin_default_len;

#define KB_KEYMAP_FILE_MAX ((size_t)1 << 20) /* larger keymap files are refused */
#define KB_CONFIG_FILE_MAX ((size_t)1 << 16)
#define KB_KEYMAP_MAX_ERRORS 50 /* per file; the rest of the file is ignored */
#define KB_BUILTIN_ORIGIN "<built-in default>"

/* Settings of $XDG_CONFIG_HOME/kernboard/config (read by their owners: keymap here,
 * idle_lock_minutes by the TUI); anything else is reported as unknown. */
static const char *const kb_config_known[] = {"keymap", "idle_lock_minutes"};

struct kb_binding {
    kb_key_seq seq;
    kb_action action; /* KB_ACTION_NONE: an `unbind` marker that hides global */
    size_t file;      /* index into kb_keymap.sources */
    unsigned line;
};

struct kb_bindings {
    struct kb_binding *v;
    size_t n, cap;
};

struct kb_keymap {
    struct kb_bindings ctx[KB_CONTEXT_COUNT];
    char **sources;
    size_t nsources;
    kb_keymap_diag *diags;
    size_t ndiags, capdiags;
};

/* ---------------------------------------------------------------- set-up */

kb_keymap *kb_keymap_new(void)
{
    return kb_calloc(1, sizeof(kb_keymap));
}

void kb_keymap_free(kb_keymap **kmp)
{
    if (!kmp || !*kmp)
        return;
    kb_keymap *km = *kmp;
    for (int c = 0; c < KB_CONTEXT_COUNT; c++)
        kb_free(&km->ctx[c].v);
    for (size_t i = 0; i < km->nsources; i++)
        kb_free(&km->sources[i]);
    kb_free(&km->sources);
    for (size_t i = 0; i < km->ndiags; i++) {
        free((void *)km->diags[i].file);
        free((void *)km->diags[i].message);
        free((void *)km->diags[i].text);
    }
    kb_free(&km->diags);
    kb_free(kmp);
}

const kb_keymap_diag *kb_keymap_diags(const kb_keymap *km, size_t *n)
{
    *n = km->ndiags;
    return km->diags;
}

const char *kb_keymap_source(const kb_keymap *km, size_t i)
{
    return i < km->nsources ? km->sources[i] : NULL;
}

static size_t kb_add_source(kb_keymap *km, const char *origin)
{
    km->sources = kb_reallocarray(km->sources, km->nsources + 1, sizeof *km->sources);
    km->sources[km->nsources] = kb_strdup(origin);
    return km->nsources++;
}

static void kb_diag(kb_keymap *km, const char *file, unsigned line, const char *fmt, ...)
    KB_PRINTF(4, 5);

static void kb_diag(kb_keymap *km, const char *file, unsigned line, const char *fmt, ...)
{
    char msg[KB_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (km->ndiags == km->capdiags) {
        km->capdiags = km->capdiags ? km->capdiags * 2 : 8;
        km->diags = kb_reallocarray(km->diags, km->capdiags, sizeof *km->diags);
    }
    kb_keymap_diag *d = &km->diags[km->ndiags++];
    d->file = kb_strdup(file);
    d->line = line;
    d->message = kb_strdup(msg);
    d->text = line ? kb_asprintf("%s:%u: %s", file, line, msg) : kb_asprintf("%s: %s", file, msg);
}

/* ---------------------------------------------------------------- bindings */

static bool kb_seq_eq(const kb_key_seq *a, const kb_key_seq *b)
{
    return a->len == b->len && memcmp(a->keys, b->keys, a->len * sizeof a->keys[0]) == 0;
}

/* True if p is a proper prefix of s. */
static bool kb_seq_prefix(const kb_key_seq *p, const kb_key_seq *s)
{
    return p->len < s->len && memcmp(p->keys, s->keys, p->len * sizeof p->keys[0]) == 0;
}

static void kb_bindings_remove(struct kb_bindings *b, size_t i)
{
    memmove(&b->v[i], &b->v[i + 1], (b->n - i - 1) * sizeof b->v[0]);
    b->n--;
}

static void kb_bindings_add(struct kb_bindings *b, const kb_key_seq *seq, kb_action action,
                            size_t file, unsigned line)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->v = kb_reallocarray(b->v, b->cap, sizeof b->v[0]);
    }
    b->v[b->n++] = (struct kb_binding){*seq, action, file, line};
}

/* Bind seq in ctx.  Within one file a conflict is an error (message into
 * msg, nothing changes); a conflicting binding of an earlier file is
 * replaced. */
static bool kb_bind(kb_keymap *km, kb_context ctx, const kb_key_seq *seq, kb_action action,
                    size_t file, unsigned line, char *msg, size_t msgsize)
{
    struct kb_bindings *b = &km->ctx[ctx];
    char s1[KB_KEY_SEQ_STRLEN], s2[KB_KEY_SEQ_STRLEN];
    for (size_t i = 0; i < b->n; i++) {
        const struct kb_binding *x = &b->v[i];
        if (x->action == KB_ACTION_NONE || x->file != file)
            continue;
        if (kb_seq_eq(&x->seq, seq)) {
            snprintf(msg, msgsize, _("'%s' is already bound in context %s on line %u"),
                     kb_key_seq_format(seq, s1), kb_keymap_context_name(ctx), x->line);
            return false;
        }
        if (kb_seq_prefix(&x->seq, seq)) {
            snprintf(msg, msgsize,
                     _("'%s' starts with '%s', which is bound in context %s on line %u"),
                     kb_key_seq_format(seq, s1), kb_key_seq_format(&x->seq, s2),
                     kb_keymap_context_name(ctx), x->line);
            return false;
        }
        if (kb_seq_prefix(seq, &x->seq)) {
            snprintf(msg, msgsize, _("'%s' is a prefix of '%s', bound in context %s on line %u"),
                     kb_key_seq_format(seq, s1), kb_key_seq_format(&x->seq, s2),
                     kb_keymap_context_name(ctx), x->line);
            return false;
        }
    }
    for (size_t i = b->n; i-- > 0;) {
        const struct kb_binding *x = &b->v[i];
        if (kb_seq_eq(&x->seq, seq) || kb_seq_prefix(&x->seq, seq) || kb_seq_prefix(seq, &x->seq))
            kb_bindings_remove(b, i);
    }
    kb_bindings_add(b, seq, action, file, line);
    return true;
}

/* Remove seq and every longer binding starting with it; outside global,
 * leave a marker so that global's binding for seq is hidden too. */
static void kb_unbind(kb_keymap *km, kb_context ctx, const kb_key_seq *seq, size_t file,
                      unsigned line)
{
    struct kb_bindings *b = &km->ctx[ctx];
    bool shadowed = false;
    for (size_t i = b->n; i-- > 0;) {
        const struct kb_binding *x = &b->v[i];
        if (kb_seq_eq(&x->seq, seq) || kb_seq_prefix(seq, &x->seq))
            kb_bindings_remove(b, i);
        else if (x->action != KB_ACTION_NONE && kb_seq_prefix(&x->seq, seq))
            shadowed = true;
    }
    if (ctx != KB_CONTEXT_GLOBAL && !shadowed)
        kb_bindings_add(b, seq, KB_ACTION_NONE, file, line);
}

/* ---------------------------------------------------------------- parsing */

struct kb_token {
    const char *p;
    size_t len;
    bool quoted;
};

#define KB_MAX_TOKENS 5

static bool kb_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

/* Split a line into tokens; returns the number of tokens (all of them, even
 * beyond KB_MAX_TOKENS) or -1 with a message. */
static int kb_tokenize(const char *line, size_t len, struct kb_token *tok, char *msg,
                       size_t msgsize)
{
    const char *p = line, *end = line + len;
    int n = 0;
    for (;;) {
        while (p < end && kb_blank(*p))
            p++;
        if (p == end || *p == '#')
            break;
        struct kb_token t = {p, 0, false};
        if (*p == '"') {
            const char *close = memchr(p + 1, '"', (size_t)(end - p - 1));
            if (!close) {
                snprintf(msg, msgsize, _("unterminated quote (write the \" key as <Quote>)"));
                return -1;
            }
            t.p = p + 1;
            t.len = (size_t)(close - p - 1);
            t.quoted = true;
            p = close + 1;
            if (p < end && !kb_blank(*p)) {
                snprintf(msg, msgsize, _("unexpected text after a closing quote"));
                return -1;
            }
        } else {
            while (p < end && !kb_blank(*p))
                p++;
            t.len = (size_t)(p - t.p);
        }
        if (n < KB_MAX_TOKENS)
            tok[n] = t;
        if (n < 1000)
            n++;
    }
    return n;
}

static bool kb_tok_is(const struct kb_token *t, const char *s)
{
    return !t->quoted && t->len == strlen(s) && memcmp(t->p, s, t->len) == 0;
}

/* Apply one line; false with a message if it is skipped. */
static bool kb_parse_line(kb_keymap *km, size_t file, unsigned lineno, const char *line, size_t len,
                          char *msg, size_t msgsize)
{
    if (memchr(line, '\0', len)) {
        snprintf(msg, msgsize, _("the line contains a NUL byte"));
        return false;
    }
    struct kb_token tok[KB_MAX_TOKENS];
    int n = kb_tokenize(line, len, tok, msg, msgsize);
    if (n < 0)
        return false;
    if (n == 0)
        return true;
    bool bind = kb_tok_is(&tok[0], "bind");
    if (!bind && !kb_tok_is(&tok[0], "unbind")) {
        snprintf(msg, msgsize, _("unknown directive '%.*s' (expected bind or unbind)"),
                 (int)(tok[0].len > 40 ? 40 : tok[0].len), tok[0].p);
        return false;
    }
    if (bind && n != 4) {
        snprintf(msg, msgsize, _("bind takes 3 arguments: CONTEXT KEY ACTION (found %d)"), n - 1);
        return false;
    }
    if (!bind && n != 3) {
        snprintf(msg, msgsize, _("unbind takes 2 arguments: CONTEXT KEY (found %d)"), n - 1);
        return false;
    }

    bool ok = false;
    kb_err e;
    kb_err_clear(&e);
    char *ctxname = kb_strndup(tok[1].p, tok[1].len);
    char *keytext = kb_strndup(tok[2].p, tok[2].len);
    char *actname = bind ? kb_strndup(tok[3].p, tok[3].len) : NULL;
    kb_context ctx;
    kb_key_seq seq = {{0}, 0};
    kb_action action = KB_ACTION_NONE;
    if (kb_keymap_context_from_name(ctxname, &ctx, &e) != KB_OK)
        goto fail;
    if (tok[2].quoted) {
        if (kb_key_seq_parse(keytext, &seq, &e) != KB_OK)
            goto fail;
    } else {
        if (kb_key_parse(keytext, &seq.keys[0], &e) != KB_OK)
            goto fail;
        seq.len = 1;
    }
    if (bind && kb_action_from_name(actname, &action, &e) != KB_OK)
        goto fail;
    if (bind)
        ok = kb_bind(km, ctx, &seq, action, file, lineno, msg, msgsize);
    else {
        kb_unbind(km, ctx, &seq, file, lineno);
        ok = true;
    }
    goto out;
fail:
    snprintf(msg, msgsize, "%s", e.msg);
out:
    kb_free(&ctxname);
    kb_free(&keytext);
    kb_free(&actname);
    return ok;
}

int kb_keymap_load_string(kb_keymap *km, const char *origin, const char *text, size_t len)
{
    size_t file = kb_add_source(km, origin);
    size_t before = km->ndiags;
    unsigned lineno = 0, errors = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        size_t n = (size_t)(eol - p);
        if (n && p[n - 1] == '\r')
            n--;
        lineno++;
        if (errors == KB_KEYMAP_MAX_ERRORS) {
            kb_diag(km, origin, lineno, _("too many errors; the rest of the file is ignored"));
            break;
        }
        char msg[KB_ERR_MSG_MAX];
        if (!kb_parse_line(km, file, lineno, p, n, msg, sizeof msg)) {
            kb_diag(km, origin, lineno, "%s", msg);
            errors++;
        }
        p = nl ? nl + 1 : end;
    }
    return km->ndiags > before ? KB_EDATA : KB_OK;
}

int kb_keymap_load_builtin(kb_keymap *km)
{
    int rc = kb_keymap_load_string(km, KB_BUILTIN_ORIGIN, (const char *)kb_keymap_builtin_default,
                                   kb_keymap_builtin_default_len);
    return rc == KB_OK ? KB_OK : KB_ESOFTWARE;
}

int kb_keymap_load_file(kb_keymap *km, const char *path, kb_err *e)
{
    char *text = NULL;
    size_t len = 0;
    int rc = kb_file_read(path, KB_KEYMAP_FILE_MAX, &text, &len, e);
    if (rc == KB_ENOENT)
        return rc;
    if (rc != KB_OK)
        return KB_EIO; /* unreadable or too large; e says which */
    rc = kb_keymap_load_string(km, path, text, len);
    kb_free(&text);
    if (rc != KB_OK)
        return kb_err_set(e, rc, _("%s: some lines were skipped"), path);
    return KB_OK;
}

static bool kb_name_ok(const char *name)
{
    if (!name || !*name || strlen(name) > 64)
        return false;
    for (const char *p = name; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

int kb_keymap_load_named(kb_keymap *km, const char *name, kb_err *e)
{
    if (!kb_name_ok(name))
        return kb_err_set(e, KB_EUSAGE, _("bad keymap name '%.40s' (use letters, digits, - and _)"),
                          name ? name : "");
    const char *env = getenv("KERNBOARD_KEYMAP_DIR");
    const char *dirs[3];
    size_t ndirs = 0;
    if (env && *env)
        dirs[ndirs++] = env;
    dirs[ndirs++] = KB_DATADIR "/keymaps";
    dirs[ndirs++] = KB_SOURCE_KEYMAP_DIR;
    for (size_t i = 0; i < ndirs; i++) {
        char *path = kb_asprintf("%s/%s", dirs[i], name);
        int rc = kb_keymap_load_file(km, path, e);
        kb_free(&path);
        if (rc != KB_ENOENT)
            return rc;
    }
    return kb_err_set(e, KB_ENOENT, _("keymap '%s' not found in %s, %s or %s"), name,
                      env && *env ? env : "$KERNBOARD_KEYMAP_DIR", KB_DATADIR "/keymaps",
                      KB_SOURCE_KEYMAP_DIR);
}

/* ---------------------------------------------------------------- configuration */

static void kb_trim(const char **s, const char **end)
{
    while (*s < *end && kb_blank(**s))
        (*s)++;
    while (*end > *s && kb_blank((*end)[-1]))
        (*end)--;
}

/* Read `keymap = NAME` from the config text; other settings are reported.
 * Returns the name (new string) or NULL; *where gets its line. */
static char *kb_config_keymap(kb_keymap *km, const char *path, const char *text, size_t len,
                              unsigned *where)
{
    char *name = NULL;
    unsigned lineno = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *s = p, *e = nl ? nl : end;
        p = nl ? nl + 1 : end;
        lineno++;
        if (memchr(s, '\0', (size_t)(e - s))) {
            kb_diag(km, path, lineno, _("the line contains a NUL byte"));
            continue;
        }
        for (const char *q = s; q < e; q++) {
            if (*q == '#' && (q == s || kb_blank(q[-1]))) {
                e = q;
                break;
            }
        }
        if (e > s && e[-1] == '\r')
            e--;
        kb_trim(&s, &e);
        if (s == e)
            continue;
        const char *eq = memchr(s, '=', (size_t)(e - s));
        if (!eq) {
            kb_diag(km, path, lineno, _("expected 'name = value'"));
            continue;
        }
        const char *ks = s, *ke = eq, *vs = eq + 1, *ve = e;
        kb_trim(&ks, &ke);
        kb_trim(&vs, &ve);
        if (ve - vs >= 2 && *vs == '"' && ve[-1] == '"') {
            vs++;
            ve--;
        }
        bool known = false;
        for (size_t i = 0; i < sizeof kb_config_known / sizeof kb_config_known[0]; i++)
            if ((size_t)(ke - ks) == strlen(kb_config_known[i]) &&
                memcmp(ks, kb_config_known[i], (size_t)(ke - ks)) == 0)
                known = true;
        if (!known) {
            kb_diag(km, path, lineno, _("unknown setting '%.*s' (ignored)"),
                    (int)(ke - ks > 40 ? 40 : ke - ks), ks);
            continue;
        }
        if ((size_t)(ke - ks) != strlen("keymap") || memcmp(ks, "keymap", 6) != 0)
            continue;
        if (name) {
            kb_diag(km, path, lineno, _("keymap is set twice (first on line %u); ignored"), *where);
            continue;
        }
        char *v = kb_strndup(vs, (size_t)(ve - vs));
        if (!kb_name_ok(v)) {
            kb_diag(km, path, lineno,
                    _("bad keymap name '%.40s' (use a name such as vim or emacs)"), v);
            kb_free(&v);
            continue;
        }
        name = v;
        *where = lineno;
    }
    return name;
}

int kb_keymap_load_all(kb_keymap *km)
{
    size_t before = km->ndiags;
    kb_err e;
    kb_err_clear(&e);
    (void)kb_keymap_load_builtin(km);

    char *dir = kb_path_config_dir();
    char *cfg = kb_asprintf("%s/config", dir);
    char *user = kb_asprintf("%s/keymap", dir);
    char *text = NULL;
    size_t len = 0;
    int rc = kb_file_read(cfg, KB_CONFIG_FILE_MAX, &text, &len, &e);
    if (rc == KB_OK) {
        unsigned line = 0;
        char *name = kb_config_keymap(km, cfg, text, len, &line);
        if (name && strcmp(name, "default") != 0) {
            rc = kb_keymap_load_named(km, name, &e);
            if (rc == KB_ENOENT || rc == KB_EUSAGE || rc == KB_EIO)
                kb_diag(km, cfg, line, "%s", e.msg);
        }
        kb_free(&name);
        kb_free(&text);
    } else if (rc != KB_ENOENT) {
        kb_diag(km, cfg, 0, "%s", e.msg);
    }

    rc = kb_keymap_load_file(km, user, &e);
    if (rc == KB_EIO)
        kb_diag(km, user, 0, "%s", e.msg);
    kb_free(&user);
    kb_free(&cfg);
    kb_free(&dir);
    return km->ndiags > before ? KB_EDATA : KB_OK;
}

/* ---------------------------------------------------------------- lookup */

enum kb_match { KB_MATCH_NONE, KB_MATCH_PREFIX, KB_MATCH_EXACT };

static enum kb_match kb_match(const struct kb_bindings *b, const kb_key *keys, size_t n,
                              kb_action *action)
{
    bool prefix = false;
    for (size_t i = 0; i < b->n; i++) {
        const struct kb_binding *x = &b->v[i];
        if (x->seq.len < n || memcmp(x->seq.keys, keys, n * sizeof keys[0]) != 0)
            continue;
        if (x->seq.len == n) {
            *action = x->action;
            return KB_MATCH_EXACT;
        }
        if (x->action != KB_ACTION_NONE)
            prefix = true;
    }
    return prefix ? KB_MATCH_PREFIX : KB_MATCH_NONE;
}

static bool kb_may_fall_back(kb_context ctx, kb_key first)
{
    if (ctx == KB_CONTEXT_GLOBAL)
        return false;
    bool plain =
        (first & KB_KEY_CODE_MASK) < KB_KEY_SPECIAL && !(first & (KB_KEY_CTRL | KB_KEY_META));
    return !(plain && kb_keymap_context_is_text_entry(ctx));
}

void kb_keymap_state_reset(kb_keymap_state *st)
{
    memset(st, 0, sizeof *st);
}

kb_keymap_result kb_keymap_feed(const kb_keymap *km, kb_context ctx, kb_key key,
                                kb_keymap_state *st, kb_action *action)
{
    bool pending = st->len > 0;
    if (st->len >= KB_KEY_SEQ_MAX || (unsigned)ctx >= (unsigned)KB_CONTEXT_COUNT ||
        !kb_key_valid(key)) {
        kb_keymap_state_reset(st);
        return pending ? KB_KEYMAP_ABORTED : KB_KEYMAP_NONE;
    }
    kb_key keys[KB_KEY_SEQ_MAX];
    size_t n = st->len;
    memcpy(keys, st->keys, n * sizeof keys[0]);
    keys[n++] = key;

    kb_action found = KB_ACTION_NONE;
    enum kb_match m = kb_match(&km->ctx[ctx], keys, n, &found);
    if (m == KB_MATCH_NONE && kb_may_fall_back(ctx, keys[0]))
        m = kb_match(&km->ctx[KB_CONTEXT_GLOBAL], keys, n, &found);

    if (m == KB_MATCH_PREFIX && n < KB_KEY_SEQ_MAX) {
        memcpy(st->keys, keys, n * sizeof keys[0]);
        st->len = n;
        return KB_KEYMAP_PENDING;
    }
    kb_keymap_state_reset(st);
    if (m == KB_MATCH_EXACT && found != KB_ACTION_NONE) {
        if (action)
            *action = found;
        return KB_KEYMAP_ACTION;
    }
    return pending ? KB_KEYMAP_ABORTED : KB_KEYMAP_NONE;
}

char *kb_keymap_state_format(const kb_keymap_state *st, char *buf)
{
    kb_key_seq seq = {{0}, 0};
    seq.len = st->len < KB_KEY_SEQ_MAX ? st->len : KB_KEY_SEQ_MAX;
    memcpy(seq.keys, st->keys, seq.len * sizeof seq.keys[0]);
    return kb_key_seq_format(&seq, buf);
}

/* What seq does in ctx when typed from an empty state. */
static kb_action kb_resolve(const kb_keymap *km, kb_context ctx, const kb_key_seq *seq)
{
    kb_keymap_state st = KB_KEYMAP_STATE_INIT;
    kb_action a = KB_ACTION_NONE;
    for (size_t i = 0; i < seq->len; i++) {
        kb_keymap_result r = kb_keymap_feed(km, ctx, seq->keys[i], &st, &a);
        if (i + 1 < seq->len && r != KB_KEYMAP_PENDING)
            return KB_ACTION_NONE;
        if (i + 1 == seq->len && r != KB_KEYMAP_ACTION)
            return KB_ACTION_NONE;
    }
    return a;
}

int kb_keymap_key_for(const kb_keymap *km, kb_context ctx, kb_action action, char *buf)
{
    buf[0] = '\0';
    if ((unsigned)ctx >= (unsigned)KB_CONTEXT_COUNT || action == KB_ACTION_NONE)
        return KB_ENOENT;
    const struct kb_bindings *lists[2] = {&km->ctx[ctx], &km->ctx[KB_CONTEXT_GLOBAL]};
    for (size_t l = 0; l < 2; l++) {
        for (size_t i = 0; i < lists[l]->n; i++) {
            const struct kb_binding *x = &lists[l]->v[i];
            if (x->action == action && kb_resolve(km, ctx, &x->seq) == action) {
                kb_key_seq_format(&x->seq, buf);
                return KB_OK;
            }
        }
    }
    return KB_ENOENT;
}

/* ---------------------------------------------------------------- help data */

/* The effective keys of action from bindings of context src, typed in ctx. */
static char *kb_help_keys(const kb_keymap *km, kb_context ctx, kb_context src, kb_action action)
{
    char *out = NULL;
    size_t len = 0;
    const struct kb_bindings *b = &km->ctx[src];
    for (size_t i = 0; i < b->n; i++) {
        const struct kb_binding *x = &b->v[i];
        if (x->action != action || kb_resolve(km, ctx, &x->seq) != action)
            continue;
        char s[KB_KEY_SEQ_STRLEN];
        kb_key_seq_format(&x->seq, s);
        size_t sl = strlen(s);
        out = kb_realloc(out, len + sl + 3);
        if (len) {
            memcpy(out + len, ", ", 2);
            len += 2;
        }
        memcpy(out + len, s, sl + 1);
        len += sl;
    }
    return out;
}

int kb_keymap_help(const kb_keymap *km, kb_context ctx, kb_keymap_help_entry **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if ((unsigned)ctx >= (unsigned)KB_CONTEXT_COUNT)
        return KB_EUSAGE;
    size_t total = 2 * (size_t)KB_ACTION_COUNT;
    kb_keymap_help_entry *v = kb_calloc(total, sizeof *v);
    char **own = kb_calloc((size_t)KB_ACTION_COUNT, sizeof *own);
    char **glob = kb_calloc((size_t)KB_ACTION_COUNT, sizeof *glob);
    for (int a = KB_ACTION_NONE + 1; a < KB_ACTION_COUNT; a++) {
        if (ctx != KB_CONTEXT_GLOBAL)
            own[a] = kb_help_keys(km, ctx, ctx, (kb_action)a);
        glob[a] = kb_help_keys(km, ctx, KB_CONTEXT_GLOBAL, (kb_action)a);
    }
    size_t k = 0;
    for (int pass = 0; pass < 2; pass++) {
        kb_context src = pass == 0 ? ctx : KB_CONTEXT_GLOBAL;
        if (pass == 0 && ctx == KB_CONTEXT_GLOBAL)
            continue;
        char **keys = pass == 0 ? own : glob;
        for (int a = KB_ACTION_NONE + 1; a < KB_ACTION_COUNT; a++) {
            bool home_unbound = kb_action_context((kb_action)a) == ctx && !own[a] && !glob[a];
            if (!keys[a] && !home_unbound)
                continue;
            /* an unbound home action is listed once, in the first pass that runs */
            if (!keys[a] && pass == 1 && ctx != KB_CONTEXT_GLOBAL)
                continue;
            v[k].action = (kb_action)a;
            v[k].context = src;
            v[k].name = kb_action_name((kb_action)a);
            v[k].help = kb_action_help((kb_action)a);
            v[k].keys = keys[a] ? keys[a] : kb_strdup("");
            keys[a] = NULL;
            k++;
        }
    }
    kb_free(&own);
    kb_free(&glob);
    *out = v;
    *n = k;
    return KB_OK;
}

void kb_keymap_help_free(kb_keymap_help_entry **entries, size_t n)
{
    if (!entries || !*entries)
        return;
    for (size_t i = 0; i < n; i++)
        kb_free(&(*entries)[i].keys);
    kb_free(entries);
}
