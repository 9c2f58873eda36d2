/* views.c - saved views: names, the text form, @name expansion; see
 * kernboard/views.h. */
#include "kernboard/views.h"
#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <ctype.h>
#include <string.h>

void kb_view_vec_free(kb_view_vec *v)
{
    for (size_t i = 0; i < v->n; i++) {
        kb_free(&v->v[i].name);
        kb_free(&v->v[i].query);
        kb_free(&v->v[i].sort);
        kb_free(&v->v[i].lanes);
    }
    kb_free(&v->v);
    v->n = 0;
}

int kb_view_name_check(const char *name, kb_err *e)
{
    size_t n = name ? strlen(name) : 0;
    bool ok = n >= 1 && n <= 32;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)name[i]) || strchr("_.-", name[i]);
    if (!ok)
        return kb_err_set(e, KB_EDATA,
                          _("bad view name '%s': use 1 to 32 letters, digits, '.', '_' or '-'"),
                          name ? name : "");
    return KB_OK;
}

const char *const kb_view_sorts[] = {"priority", "due", "age", "number"};
const size_t kb_view_sort_count = sizeof kb_view_sorts / sizeof kb_view_sorts[0];

bool kb_view_sort_ok(const char *sort)
{
    for (size_t i = 0; sort && i < kb_view_sort_count; i++)
        if (strcmp(sort, kb_view_sorts[i]) == 0)
            return true;
    return false;
}

static char *kb_field_dup(const char *s, size_t n)
{
    return n ? kb_strndup(s, n) : NULL;
}

void kb_views_parse(const char *text, bool shared, kb_view_vec *out)
{
    const char *p = text ? text : "";
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *f[4] = {NULL, NULL, NULL, NULL};
        size_t fl[4] = {0, 0, 0, 0};
        size_t k = 0;
        const char *q = p;
        while (k < 4) {
            const char *tab = memchr(q, '\t', len - (size_t)(q - p));
            f[k] = q;
            fl[k] = tab ? (size_t)(tab - q) : len - (size_t)(q - p);
            k++;
            if (!tab)
                break;
            q = tab + 1;
        }
        char *name = kb_field_dup(f[0], fl[0]);
        kb_err e;
        if (name && k >= 2 && kb_view_name_check(name, &e) == KB_OK) {
            kb_saved_view x = {name, kb_field_dup(f[1], fl[1]),
                               k > 2 ? kb_field_dup(f[2], fl[2]) : NULL,
                               k > 3 ? kb_field_dup(f[3], fl[3]) : NULL, shared};
            if (!x.query)
                x.query = kb_strdup("");
            kb_views_put(out, &x);
            kb_free(&x.query);
            kb_free(&x.sort);
            kb_free(&x.lanes);
        }
        kb_free(&name);
        p += len;
        if (*p == '\n')
            p++;
    }
}

/* Tabs and newlines of a value become blanks. */
static void kb_put_field(kb_buf *b, const char *s)
{
    for (; s && *s; s++)
        kb_buf_putc(b, *s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

char *kb_views_format(const kb_view_vec *v)
{
    kb_buf b = KB_BUF_INIT;
    for (size_t i = 0; i < v->n; i++) {
        kb_put_field(&b, v->v[i].name);
        kb_buf_putc(&b, '\t');
        kb_put_field(&b, v->v[i].query);
        kb_buf_putc(&b, '\t');
        kb_put_field(&b, v->v[i].sort);
        kb_buf_putc(&b, '\t');
        kb_put_field(&b, v->v[i].lanes);
        kb_buf_putc(&b, '\n');
    }
    if (!b.data)
        return kb_strdup("");
    return kb_buf_take(&b);
}

static char *kb_dup_or_null(const char *s)
{
    return s && s[0] ? kb_strdup(s) : NULL;
}

void kb_views_put(kb_view_vec *v, const kb_saved_view *x)
{
    size_t i = 0;
    while (i < v->n && strcmp(v->v[i].name, x->name))
        i++;
    if (i == v->n) {
        v->v = kb_reallocarray(v->v, v->n + 1, sizeof *v->v);
        memset(&v->v[v->n], 0, sizeof *v->v);
        v->v[v->n++].name = kb_strdup(x->name);
    }
    kb_saved_view *d = &v->v[i];
    kb_free(&d->query);
    kb_free(&d->sort);
    kb_free(&d->lanes);
    d->query = kb_strdup(x->query ? x->query : "");
    d->sort = kb_dup_or_null(x->sort);
    d->lanes = kb_dup_or_null(x->lanes);
    d->shared = x->shared;
}

bool kb_views_remove(kb_view_vec *v, const char *name)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->v[i].name, name) == 0) {
            kb_free(&v->v[i].name);
            kb_free(&v->v[i].query);
            kb_free(&v->v[i].sort);
            kb_free(&v->v[i].lanes);
            memmove(&v->v[i], &v->v[i + 1], (v->n - i - 1) * sizeof *v->v);
            v->n--;
            return true;
        }
    return false;
}

const kb_saved_view *kb_views_find(const kb_view_vec *v, const char *name)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->v[i].name, name) == 0)
            return &v->v[i];
    return NULL;
}

int kb_views_expand(const kb_view_vec *all, const char *query, char **out, const char **sort,
                    kb_err *e)
{
    kb_buf b = KB_BUF_INIT;
    const char *p = query ? query : "";
    *out = NULL;
    while (*p) {
        /* a word starting with '@' at the start or after a blank */
        if (*p == '@' && (p == query || p[-1] == ' ' || p[-1] == '\t')) {
            size_t n = strcspn(p + 1, " \t");
            if (n == 0) { /* a lone '@': a query error at its column (exit 65) */
                size_t col = 1;
                for (const char *q = query; q < p; q++)
                    if (((unsigned char)*q & 0xC0) != 0x80)
                        col++;
                kb_buf_free(&b);
                int rc = kb_err_set(e, KB_EDATA,
                                    _("expected a view name after '@', e.g. @eco-stuck (see "
                                      "'kernboard view list')"));
                kb_err_prefix(e, _("query column %zu: "), col);
                return rc;
            }
            char *name = kb_strndup(p + 1, n);
            const kb_saved_view *x = kb_views_find(all, name);
            if (!x) {
                int rc = kb_err_set(e, KB_ENOENT,
                                    _("no view named '%s' (see 'kernboard view list')"), name);
                kb_free(&name);
                kb_buf_free(&b);
                return rc;
            }
            kb_free(&name);
            kb_buf_printf(&b, "%s", x->query);
            if (sort && x->sort)
                *sort = x->sort;
            p += n + 1;
            continue;
        }
        kb_buf_putc(&b, *p++);
    }
    *out = b.data ? kb_buf_take(&b) : kb_strdup("");
    return KB_OK;
}
