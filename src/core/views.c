/* views.c - saved views: the shared ones (one sealed META record) and each
 * user's personal ones (one sealed META record per user); see
 * kernboard/views.h. */
#include "core_internal.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/paths.h"
#include "kernboard/views.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* "VIEWS" in the last bytes: clear of the small sequential META keys. */
static const unsigned char kb_meta_views[KB_KEY_LEN] = {0, 0, 0, 0,   0,   0,   0,   0,
                                                        0, 0, 0, 'V', 'I', 'E', 'W', 'S'};

int kb_views_shared_in(kb_txn *t, kb_view_vec *out, uint64_t *ver, kb_err *e)
{
    char *val = NULL;
    size_t n = 0;
    *ver = KB_VERSION_NEW;
    int rc = kb_txn_get(t, KB_T_META, kb_meta_views, KB_KEY_LEN, &val, &n, ver, e);
    if (rc == KB_ENOENT) {
        kb_err_clear(e);
        *ver = KB_VERSION_NEW;
        return KB_OK;
    }
    if (rc == KB_OK)
        kb_views_parse(val, true, out);
    kb_free(&val);
    return rc;
}

int kb_views_shared_put(kb_txn *t, const kb_view_vec *v, uint64_t ver, const char *detail,
                        kb_err *e)
{
    char *text = kb_views_format(v);
    int rc = kb_txn_put(t, KB_T_META, kb_meta_views, KB_KEY_LEN, text, strlen(text), ver, NULL,
                        detail, e);
    kb_free(&text);
    return rc;
}

int kb_board_views_shared(kb_board *b, kb_view_vec *out, kb_err *e)
{
    kb_txn *t = NULL;
    uint64_t ver;
    memset(out, 0, sizeof *out);
    int rc = kb_store_read(b->s, &t, e);
    if (rc)
        return rc;
    rc = kb_views_shared_in(t, out, &ver, e);
    kb_txn_abort(&t);
    return rc;
}

static int kb_views_change(kb_board *b, const kb_saved_view *x, const char *remove, kb_err *e)
{
    if (b->me.role != KB_ROLE_BROKER && b->me.role != KB_ROLE_ADMIN)
        return kb_err_set(e, KB_EPERM,
                          _("only a broker or an admin may change shared views (you are %s); "
                            "save it as a personal view without --shared"),
                          kb_role_label(b->me.role));
    kb_txn *t = NULL;
    kb_view_vec v = {0};
    uint64_t ver;
    int rc = kb_store_write(b->s, x ? "view.save" : "view.remove", NULL, &t, e);
    if (rc)
        return rc;
    if ((rc = kb_views_shared_in(t, &v, &ver, e)))
        goto out;
    if (x) {
        kb_views_put(&v, x);
    } else if (!kb_views_remove(&v, remove)) {
        rc = kb_err_set(e, KB_ENOENT, _("no shared view named '%s' (see 'kernboard view list')"),
                        remove);
        goto out;
    }
    rc = kb_views_shared_put(t, &v, ver, x ? x->name : remove, e);
    if (rc == KB_OK)
        rc = kb_txn_commit(&t, e);
out:
    kb_txn_abort(&t);
    kb_view_vec_free(&v);
    return rc;
}

int kb_board_view_save_shared(kb_board *b, const kb_saved_view *x, kb_err *e)
{
    int rc = kb_view_name_check(x->name, e);
    return rc ? rc : kb_views_change(b, x, NULL, e);
}

int kb_board_view_remove_shared(kb_board *b, const char *name, kb_err *e)
{
    return kb_views_change(b, NULL, name, e);
}

/* ------------------------------------------------------------ personal */

/* A user's personal views: one sealed META record under a random key,
 * found through the keyed index entry "views:<login>" (no name in a key). */
static char *kb_pviews_iname(const char *user)
{
    return kb_asprintf("views:%s", user);
}

static int kb_pviews_read(kb_txn *t, const char *user, unsigned char key[KB_KEY_LEN], bool *have,
                          kb_view_vec *out, uint64_t *ver, kb_err *e)
{
    char *iname = kb_pviews_iname(user);
    char *val = NULL;
    size_t n = 0;
    *have = false;
    *ver = KB_VERSION_NEW;
    int rc = kb_txn_index_get(t, iname, key, e);
    if (rc == KB_OK) {
        *have = true;
        rc = kb_txn_get(t, KB_T_META, key, KB_KEY_LEN, &val, &n, ver, e);
        if (rc == KB_OK)
            kb_views_parse(val, false, out);
    }
    if (rc == KB_ENOENT) {
        kb_err_clear(e);
        *ver = KB_VERSION_NEW;
        rc = KB_OK;
    }
    kb_free(&val);
    kb_free(&iname);
    return rc;
}

/* Inside a write transaction: store v as user's personal views (none: the
 * record and its index entry go). */
static int kb_pviews_write(kb_txn *t, const char *user, unsigned char key[KB_KEY_LEN], bool have,
                           uint64_t ver, const kb_view_vec *v, kb_err *e)
{
    char *iname = kb_pviews_iname(user);
    int rc = KB_OK;
    if (!v->n) {
        if (have && ver != KB_VERSION_NEW)
            rc = kb_txn_del(t, KB_T_META, key, KB_KEY_LEN, ver, NULL, e);
        if (rc == KB_OK && have)
            rc = kb_txn_index_del(t, iname, e);
    } else {
        if (!have) {
            kb_store_random(key, KB_KEY_LEN);
            rc = kb_txn_index_put(t, iname, key, e);
        }
        char *text = kb_views_format(v);
        if (rc == KB_OK) /* no detail: the audit log does not name personal views */
            rc = kb_txn_put(t, KB_T_META, key, KB_KEY_LEN, text, strlen(text), ver, NULL, NULL, e);
        kb_free(&text);
    }
    kb_free(&iname);
    return rc;
}

int kb_views_personal_drop(kb_txn *t, const char *user, kb_err *e)
{
    unsigned char key[KB_KEY_LEN];
    bool have;
    uint64_t ver;
    kb_view_vec v = {0};
    int rc = kb_pviews_read(t, user, key, &have, &v, &ver, e);
    kb_view_vec_free(&v);
    return rc ? rc : kb_pviews_write(t, user, key, have, ver, &v, e);
}

/* One change to the session user's personal views: put x, or remove the
 * view named remove (*removed), or add the views of merge that are not
 * there yet. */
static int kb_pviews_change(kb_board *b, const kb_saved_view *x, const char *remove,
                            const kb_view_vec *merge, bool *removed, kb_err *e)
{
    const char *user = kb_board_user(b);
    unsigned char key[KB_KEY_LEN];
    bool have = false;
    uint64_t ver;
    kb_view_vec v = {0};
    kb_txn *t = NULL;
    int rc = kb_store_write(b->s, "view.personal", NULL, &t, e);
    if (rc || (rc = kb_pviews_read(t, user, key, &have, &v, &ver, e)))
        goto out;
    bool changed = false;
    if (x) {
        kb_saved_view y = *x;
        y.shared = false;
        kb_views_put(&v, &y);
        changed = true;
    } else if (remove) {
        changed = kb_views_remove(&v, remove);
        *removed = changed;
    }
    for (size_t i = 0; merge && i < merge->n; i++)
        if (!kb_views_find(&v, merge->v[i].name)) {
            kb_views_put(&v, &merge->v[i]);
            changed = true;
        }
    if (changed && (rc = kb_pviews_write(t, user, key, have, ver, &v, e)) == KB_OK)
        rc = kb_txn_commit(&t, e);
out:
    kb_txn_abort(&t);
    kb_view_vec_free(&v);
    return rc;
}

/* The personal views file of versions before board-kept personal views
 * ($XDG_CONFIG_HOME/kernboard/views, not tied to a board or user). */
static char *kb_views_legacy_path(void)
{
    char *dir = kb_path_config_dir();
    if (!dir)
        return NULL;
    char *p = kb_asprintf("%s/views", dir);
    kb_free(&dir);
    return p;
}

int kb_views_migrate(kb_board *b, size_t *moved, kb_err *e)
{
    *moved = 0;
    char *path = kb_views_legacy_path();
    if (!path || access(path, F_OK) != 0) {
        kb_free(&path);
        return KB_OK;
    }
    char *text = NULL;
    size_t n = 0;
    kb_view_vec old = {0};
    int rc = kb_file_read(path, 1 << 20, &text, &n, e);
    if (rc == KB_OK) {
        kb_views_parse(text, false, &old);
        if (old.n)
            rc = kb_pviews_change(b, NULL, NULL, &old, NULL, e);
    }
    if (rc == KB_OK && unlink(path) != 0 && errno != ENOENT)
        rc = kb_err_set(e, KB_ECANTCREAT,
                        _("cannot remove the old personal views file %s: %s; remove it yourself"),
                        path, strerror(errno));
    if (rc == KB_OK)
        *moved = old.n;
    kb_view_vec_free(&old);
    kb_free(&text);
    kb_free(&path);
    return rc;
}

/* The views of the old unkeyed file go to the first board user who reads
 * or changes personal views; when that cannot be written now (busy,
 * read-only) they stay in the file, unshown, for the next try. */
static void kb_views_migrate_quietly(kb_board *b)
{
    size_t moved;
    kb_err me;
    if (kb_views_migrate(b, &moved, &me) != KB_OK)
        kb_err_clear(&me);
}

int kb_views_personal(kb_board *b, kb_view_vec *out, kb_err *e)
{
    memset(out, 0, sizeof *out);
    if (!b)
        return KB_OK;
    kb_views_migrate_quietly(b);
    unsigned char key[KB_KEY_LEN];
    bool have;
    uint64_t ver;
    kb_txn *t = NULL;
    int rc = kb_store_read(b->s, &t, e);
    if (rc == KB_OK)
        rc = kb_pviews_read(t, kb_board_user(b), key, &have, out, &ver, e);
    kb_txn_abort(&t);
    if (rc)
        kb_view_vec_free(out);
    return rc;
}

int kb_view_save_personal(kb_board *b, const kb_saved_view *x, kb_err *e)
{
    int rc = kb_view_name_check(x->name, e);
    if (rc)
        return rc;
    kb_views_migrate_quietly(b);
    return kb_pviews_change(b, x, NULL, NULL, NULL, e);
}

int kb_view_remove_personal(kb_board *b, const char *name, bool *removed, kb_err *e)
{
    *removed = false;
    kb_views_migrate_quietly(b);
    return kb_pviews_change(b, NULL, name, NULL, removed, e);
}

int kb_views_all(kb_board *b, kb_view_vec *out, kb_err *e)
{
    kb_view_vec sh = {0};
    int rc = kb_views_personal(b, out, e);
    if (rc == KB_OK && b)
        rc = kb_board_views_shared(b, &sh, e);
    for (size_t i = 0; rc == KB_OK && i < sh.n; i++)
        if (!kb_views_find(out, sh.v[i].name))
            kb_views_put(out, &sh.v[i]);
    kb_view_vec_free(&sh);
    if (rc)
        kb_view_vec_free(out);
    return rc;
}
