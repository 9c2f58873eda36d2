/* views.c - shared saved views (one sealed META record) and personal ones
 * (a file in the user's config directory); see kernboard/views.h. */
#include "core_internal.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/paths.h"
#include "kernboard/views.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "VIEWS" in the last bytes: clear of the small sequential META keys. */
static const unsigned char kb_meta_views[KB_KEY_LEN] = {0, 0, 0, 0,   0,   0,   0,   0,
                                                        0, 0, 0, 'V', 'I', 'E', 'W', 'S'};

static int kb_views_read(kb_txn *t, kb_view_vec *out, uint64_t *ver, kb_err *e)
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

int kb_board_views_shared(kb_board *b, kb_view_vec *out, kb_err *e)
{
    kb_txn *t = NULL;
    uint64_t ver;
    memset(out, 0, sizeof *out);
    int rc = kb_store_read(b->s, &t, e);
    if (rc)
        return rc;
    rc = kb_views_read(t, out, &ver, e);
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
    if ((rc = kb_views_read(t, &v, &ver, e)))
        goto out;
    if (x) {
        kb_views_put(&v, x);
    } else if (!kb_views_remove(&v, remove)) {
        rc = kb_err_set(e, KB_ENOENT, _("no shared view named '%s' (see 'kernboard view list')"),
                        remove);
        goto out;
    }
    char *text = kb_views_format(&v);
    rc = kb_txn_put(t, KB_T_META, kb_meta_views, KB_KEY_LEN, text, strlen(text), ver, NULL,
                    x ? x->name : remove, e);
    kb_free(&text);
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

static char *kb_views_path(void)
{
    char *dir = kb_path_config_dir();
    if (!dir)
        return NULL;
    char *p = kb_asprintf("%s/views", dir);
    kb_free(&dir);
    return p;
}

int kb_views_personal(kb_view_vec *out, kb_err *e)
{
    memset(out, 0, sizeof *out);
    char *path = kb_views_path();
    if (!path)
        return KB_OK;
    char *text = NULL;
    size_t n = 0;
    int rc = kb_file_read(path, 1 << 20, &text, &n, e);
    if (rc == KB_ENOENT || (rc && access(path, F_OK) != 0)) {
        kb_err_clear(e);
        rc = KB_OK;
    } else if (rc == KB_OK) {
        kb_views_parse(text, false, out);
    }
    kb_free(&text);
    kb_free(&path);
    return rc;
}

static int kb_views_write_personal(const kb_view_vec *v, kb_err *e)
{
    char *dir = kb_path_config_dir();
    if (!dir)
        return kb_err_set(e, KB_ECANTCREAT, _("no config directory: set HOME or XDG_CONFIG_HOME"));
    int rc = kb_path_mkdirs(dir, 0700, e);
    char *path = kb_asprintf("%s/views", dir);
    char *tmp = kb_asprintf("%s/views.tmp", dir);
    kb_free(&dir);
    if (rc)
        goto out;
    char *text = kb_views_format(v);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    size_t len = strlen(text);
    bool ok =
        fd >= 0 && fchmod(fd, 0600) == 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    kb_free(&text);
    if (!ok || rename(tmp, path) != 0) {
        rc = kb_err_set(e, KB_ECANTCREAT, _("cannot write %s: %s"), path, strerror(errno));
        unlink(tmp);
    }
out:
    kb_free(&path);
    kb_free(&tmp);
    return rc;
}

int kb_view_save_personal(const kb_saved_view *x, kb_err *e)
{
    kb_view_vec v;
    int rc = kb_view_name_check(x->name, e);
    if (rc || (rc = kb_views_personal(&v, e)))
        return rc;
    kb_saved_view y = *x;
    y.shared = false;
    kb_views_put(&v, &y);
    rc = kb_views_write_personal(&v, e);
    kb_view_vec_free(&v);
    return rc;
}

int kb_view_remove_personal(const char *name, bool *removed, kb_err *e)
{
    kb_view_vec v;
    int rc = kb_views_personal(&v, e);
    *removed = false;
    if (rc == KB_OK && kb_views_remove(&v, name)) {
        *removed = true;
        rc = kb_views_write_personal(&v, e);
    }
    kb_view_vec_free(&v);
    return rc;
}

int kb_views_all(kb_board *b, kb_view_vec *out, kb_err *e)
{
    kb_view_vec sh = {0};
    int rc = kb_views_personal(out, e);
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
