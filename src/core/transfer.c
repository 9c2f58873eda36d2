/* transfer.c - import: validate everything, then write it in one
 * transaction, or staged in bounded ones when it is large (or, for a dry
 * run, only report). */
#include "core_internal.h"
#include "kernboard/codec.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/query.h"

#include "kernboard/env.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* how long an import may hold the board lock before its commit is refused */
#define KB_IMPORT_MAX_HOLD_MS ((int64_t)15 * 60 * 1000)
/* From this many records (about; KERNBOARD_IMPORT_STAGED) an import is
 * staged (docs/storage.md "Staged imports"); a smaller one is one
 * transaction. */
#define KB_IMPORT_STAGED_MIN 20000

/* A code exists in the board's or the import's reference data. */
static const char *kb_ref_code(const kb_import *imp, const kb_board *b, int kind, const char *s)
{
    if (kind == 0) {
        for (size_t i = 0; i < imp->nstages; i++)
            if (kb_str_ieq(imp->stages[i].code, s) || kb_str_ieq(imp->stages[i].name, s))
                return imp->stages[i].code;
        const kb_stage *st = kb_board_stage_find(b, s);
        return st ? st->code : NULL;
    }
    if (kind == 1) {
        for (size_t i = 0; i < imp->ndepts; i++)
            if (kb_str_ieq(imp->depts[i].code, s))
                return imp->depts[i].code;
        const kb_dept *d = kb_board_dept_find(b, s);
        return d ? d->code : NULL;
    }
    for (size_t i = 0; i < imp->nlines; i++)
        if (kb_str_ieq(imp->lines[i].code, s) || kb_str_ieq(imp->lines[i].name, s))
            return imp->lines[i].code;
    const kb_line *l = kb_board_line_find(b, s);
    return l ? l->code : NULL;
}

/* A case names a department that neither the board nor the import has:
 * say what to do (SPEC §5). */
static int kb_import_no_dept(kb_err *e, const char *code)
{
    return kb_err_set(e, KB_EDATA,
                      _("unknown department '%s' (add it first with 'kernboard dept add %s --name "
                        "NAME', or import a JSON export, which carries its departments)"),
                      code, code);
}

static int kb_import_case_refs(const kb_board *b, const kb_import *imp, kb_case *c, kb_err *e)
{
    const char *code;
    if (!c->stage) {
        size_t n;
        const kb_stage *st = kb_board_stages(b, &n);
        c->stage = n ? kb_strdup(st[0].code) : NULL;
    } else if ((code = kb_ref_code(imp, b, 0, c->stage))) {
        char *x = kb_strdup(code);
        kb_free(&c->stage);
        c->stage = x;
    } else {
        return kb_err_set(e, KB_EDATA,
                          _("unknown stage '%s' (add it first with 'kernboard stage add %s "
                            "--name NAME', or import a JSON export, which carries its stages)"),
                          c->stage, c->stage);
    }
    if (c->lead_dept) {
        if (!(code = kb_ref_code(imp, b, 1, c->lead_dept)))
            return kb_import_no_dept(e, c->lead_dept);
        char *x = kb_strdup(code);
        kb_free(&c->lead_dept);
        c->lead_dept = x;
    }
    for (size_t i = 0; i < c->depts.n; i++) {
        if (!(code = kb_ref_code(imp, b, 1, c->depts.v[i])))
            return kb_import_no_dept(e, c->depts.v[i]);
        char *x = kb_strdup(code);
        kb_free(&c->depts.v[i]);
        c->depts.v[i] = x;
    }
    if (c->action_line) {
        if (!(code = kb_ref_code(imp, b, 2, c->action_line)))
            return kb_err_set(e, KB_EDATA,
                              _("unknown action line '%s' (add it first with 'kernboard line add "
                                "%s --name NAME', or import a JSON export, which carries its "
                                "action lines)"),
                              c->action_line, c->action_line);
        char *x = kb_strdup(code);
        kb_free(&c->action_line);
        c->action_line = x;
    }
    return kb_case_validate(c, e);
}

/* Case number -> index into imp->cases: open addressing, so that every
 * lookup of an import is O(1) and the import is linear in its size (the
 * linear scans it replaces made 20k cases take 2.2 times 10k). */
typedef struct kb_numtab {
    uint32_t *num; /* 0 = free slot */
    size_t *idx;
    size_t mask;
} kb_numtab;

static void kb_numtab_init(kb_numtab *h, size_t n)
{
    size_t cap = 16;
    while (cap < n * 2)
        cap *= 2;
    h->num = kb_calloc(cap, sizeof *h->num);
    h->idx = kb_calloc(cap, sizeof *h->idx);
    h->mask = cap - 1;
}

static void kb_numtab_free(kb_numtab *h)
{
    kb_free(&h->num);
    kb_free(&h->idx);
}

static size_t kb_numtab_slot(const kb_numtab *h, uint32_t n)
{
    size_t i = (size_t)(n * 2654435761u) & h->mask;
    while (h->num[i] && h->num[i] != n)
        i = (i + 1) & h->mask;
    return i;
}

/* Add n (not 0) -> idx; false when n is there already. */
static bool kb_numtab_add(kb_numtab *h, uint32_t n, size_t idx)
{
    size_t i = kb_numtab_slot(h, n);
    if (h->num[i])
        return false;
    h->num[i] = n;
    h->idx[i] = idx;
    return true;
}

/* The index of case number n in the import, or SIZE_MAX. */
static size_t kb_numtab_get(const kb_numtab *h, uint32_t n)
{
    size_t i = kb_numtab_slot(h, n);
    return n && h->num[i] ? h->idx[i] : SIZE_MAX;
}

/* The record key of case number n: imported in t (imp->cases, keys set by
 * the insert) or on the board already. */
static int kb_import_case_key(kb_txn *t, const kb_import *imp, const kb_numtab *h, uint32_t n,
                              kb_id *out, kb_err *e)
{
    size_t i = kb_numtab_get(h, n);
    if (i != SIZE_MAX) {
        *out = imp->cases[i].key;
        return KB_OK;
    }
    kb_case c;
    kb_case_init(&c);
    int rc = kb_case_read(t, n, &c, e);
    *out = c.key;
    kb_case_free(&c);
    if (rc == KB_ENOENT) /* the file names a case that is nowhere: bad input */
        rc = kb_err_set(e, KB_EDATA, _("no case #%u on this board or in the file"), n);
    return rc;
}

/* Write a timeline entry with its own author and time (imports). */
static int kb_comment_put(kb_txn *t, const unsigned char case_key[KB_KEY_LEN], kb_comment *cm,
                          kb_err *e)
{
    unsigned char key[KB_KEY_LEN + 12];
    memcpy(key, case_key, KB_KEY_LEN);
    kb_store_random(key + KB_KEY_LEN, 12);
    if (!cm->time_us)
        cm->time_us = cm->time * 1000000;
    kb_buf enc = KB_BUF_INIT;
    kb_codec_comment_encode(cm, &enc);
    int rc = kb_txn_put(t, KB_T_COMMENTS, key, sizeof key, enc.data, enc.len, KB_VERSION_NEW, NULL,
                        NULL, e);
    kb_buf_free(&enc);
    return rc;
}

/* One organisation of the file, upserted by name (counted in rep). */
static int kb_import_org_one(kb_txn *t, const kb_org *o, kb_import_report *rep, kb_err *e)
{
    bool added, changed;
    int rc = kb_org_upsert(t, o, &added, &changed, e);
    rep->orgs_added += added;
    rep->orgs_changed += changed;
    return rc;
}

/* Case i of the file; fresh: it has none of the file's history, and its
 * timeline starts here ("case imported", with its reason). */
static int kb_import_case_one(kb_board *b, kb_txn *t, kb_import *imp, size_t i, bool fresh,
                              kb_import_report *rep, kb_err *e)
{
    kb_case *c = &imp->cases[i];
    int rc;
    /* a new case (CSV) gets records of its organisations, as on `case
     * add` (a JSON export carries its organisations) */
    if ((imp->new_cases && (rc = kb_orgs_ensure(t, &c->orgs, e))) ||
        (rc = kb_case_insert(b, t, c, true, NULL, e))) {
        rep->bad_case = i + 1;
        return rc;
    }
    rep->cases_added++;
    if (!fresh)
        return KB_OK;
    /* as "case created" on `case add` */
    const char *reason = imp->reasons ? imp->reasons[i] : NULL;
    kb_comment cm = {.case_number = c->number,
                     .kind = KB_ENTRY_CHANGE,
                     .author = (char *)kb_board_user(b),
                     .text = (char *)N_("case imported"),
                     .reason = reason && reason[0] ? (char *)reason : NULL};
    return kb_timeline_put_entry(t, c->key.b, &cm, e);
}

/* Action item a of the file on the case with key ck: its number must be
 * free. */
static int kb_import_action_one(kb_txn *t, kb_action_item *a, const kb_id *ck,
                                kb_import_report *rep, kb_err *e)
{
    char *iname = kb_asprintf("action#%u", a->number);
    unsigned char k[KB_KEY_LEN];
    int r = a->number ? kb_txn_index_get(t, iname, k, NULL) : KB_ENOENT;
    kb_free(&iname);
    if (r == KB_OK)
        return kb_err_set(e, KB_EDATA, _("action item A%u already exists on this board"),
                          a->number);
    int rc = kb_action_insert(t, a, ck, e);
    rep->actions_added += rc == KB_OK;
    return rc;
}

/* NULL and "" are the same (no sort, all lanes). */
static bool kb_same_text(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* A shared view of the import checked as `view save --shared` checks it;
 * *lanes (new string or NULL): its lanes as the board's department codes. */
static int kb_import_view_check(const kb_import *imp, const kb_board *b, const kb_saved_view *x,
                                char **lanes, kb_err *e)
{
    *lanes = NULL;
    int rc = kb_view_name_check(x->name, e);
    if (rc)
        return rc;
    /* the stored form is one line of tab-separated fields: keep them whole */
    for (const char *p = x->query; p && *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return kb_err_set(e, KB_EDATA, _("view %s: the query contains a control character"),
                              x->name);
    kb_query *q = NULL;
    if ((rc = kb_query_parse(x->query ? x->query : "", &q, e)))
        return kb_err_prefix(e, _("view %s: "), x->name);
    kb_query_free(&q);
    if (x->sort && x->sort[0] && !kb_view_sort_ok(x->sort))
        return kb_err_set(e, KB_EDATA,
                          _("view %s: unknown sort '%s': use priority, due, age or number"),
                          x->name, x->sort);
    if (!x->lanes || !x->lanes[0])
        return KB_OK;
    kb_strv in = {0}, codes = {0};
    kb_strv_split(&in, x->lanes);
    for (size_t i = 0; i < in.n && rc == KB_OK; i++) {
        const char *code = strcmp(in.v[i], "-") == 0 || strcmp(in.v[i], "-none-") == 0
                               ? in.v[i]
                               : kb_ref_code(imp, b, 1, in.v[i]);
        if (code)
            kb_strv_push(&codes, code);
        else
            rc = kb_err_set(e, KB_EDATA, _("view %s: unknown department '%s' in its lanes"),
                            x->name, in.v[i]);
    }
    if (rc == KB_OK)
        *lanes = kb_strv_join(&codes, ",");
    kb_strv_free(&in);
    kb_strv_free(&codes);
    return rc;
}

/* Shared views, upserted by name into the board's (one record); t NULL:
 * only check and count. */
static int kb_import_views(kb_board *b, kb_txn *t, const kb_import *imp, kb_import_report *rep,
                           kb_err *e)
{
    if (!imp->nviews)
        return KB_OK;
    kb_view_vec have = {0};
    uint64_t ver = KB_VERSION_NEW;
    bool changed = false;
    int rc = t ? kb_views_shared_in(t, &have, &ver, e) : kb_board_views_shared(b, &have, e);
    for (size_t i = 0; i < imp->nviews && rc == KB_OK; i++) {
        kb_saved_view x = imp->views[i];
        char *lanes = NULL;
        if ((rc = kb_import_view_check(imp, b, &x, &lanes, e)))
            break;
        for (size_t k = 0; k < i && rc == KB_OK; k++)
            if (strcmp(imp->views[k].name, x.name) == 0)
                rc = kb_err_set(e, KB_EDATA, _("view %s appears twice in the import"), x.name);
        x.lanes = lanes;
        x.shared = true;
        const kb_saved_view *old = rc ? NULL : kb_views_find(&have, x.name);
        if (rc == KB_OK &&
            !(old && kb_same_text(old->query, x.query) && kb_same_text(old->sort, x.sort) &&
              kb_same_text(old->lanes, x.lanes))) {
            if (old)
                rep->views_changed++;
            else
                rep->views_added++;
            kb_views_put(&have, &x);
            changed = true;
        }
        kb_free(&lanes);
    }
    if (rc == KB_OK && t && changed)
        rc = kb_views_shared_put(t, &have, ver, "import", e);
    kb_view_vec_free(&have);
    return rc;
}

/* Board settings: set those the import gives that differ. */
static int kb_import_settings(kb_board *b, kb_txn *t, const kb_import *imp, kb_import_report *rep,
                              kb_err *e)
{
    if (!imp->has_contact_window)
        return KB_OK;
    if (imp->contact_window < 0 || imp->contact_window > KB_CONTACT_WINDOW_MAX)
        return kb_err_set(e, KB_EDATA, _("the contact window must be 0 to %d days"),
                          KB_CONTACT_WINDOW_MAX);
    int cur;
    int rc = t ? kb_contact_window_in(t, &cur, e) : kb_board_contact_window(b, &cur, e);
    if (rc || cur == imp->contact_window)
        return rc;
    rep->settings_changed++;
    return t ? kb_contact_window_put(t, imp->contact_window, e) : KB_OK;
}

/* Each code once in one list of the import's reference data (codes
 * compare as the board compares them, without case): v holds n records of
 * size bytes with their code at off; list names the list in the file
 * ("departments").  Sorted, so a big file stays n log n; the duplicate
 * named is the one that comes first in the file. */
typedef struct kb_codeat {
    const char *code;
    size_t at;
} kb_codeat;

static int kb_codeat_cmp(const void *a, const void *b)
{
    const kb_codeat *x = a, *y = b;
    int c = strcasecmp(x->code, y->code);
    return c ? c : (x->at > y->at) - (x->at < y->at);
}

static int kb_import_codes_once(const void *v, size_t n, size_t size, size_t off, const char *list,
                                kb_err *e)
{
    if (n < 2)
        return KB_OK;
    kb_codeat *c = kb_reallocarray(NULL, n, sizeof *c);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const char *code = *(const char *const *)((const char *)v + i * size + off);
        if (code) /* a missing code is the validation's to name */
            c[m++] = (kb_codeat){code, i};
    }
    qsort(c, m, sizeof *c, kb_codeat_cmp);
    size_t first = 0, second = SIZE_MAX;
    for (size_t i = 1; i < m; i++)
        if (strcasecmp(c[i].code, c[i - 1].code) == 0 && c[i].at < second &&
            (i < 2 || strcasecmp(c[i - 2].code, c[i].code) != 0)) {
            first = i - 1; /* the first two of each run of equal codes */
            second = c[i].at;
        }
    int rc = KB_OK;
    if (second != SIZE_MAX)
        rc = kb_err_set(e, KB_EDATA,
                        _("%s[%zu]: code %s appears twice in the import (also %s[%zu]); give each "
                          "code once"),
                        list, second, c[first + 1].code, list, c[first].at);
    kb_free(&c);
    return rc;
}

/* One list of reference data as the board holds it after the import: the
 * board's records (have, in board order) with the file's record in place
 * of the one with its code, then the file's new records.  Shallow copies
 * (size bytes each, code at code_off); to[i]: where file record i went
 * (an index below nhave: it replaces have[to[i]]). */
typedef struct kb_ref_merge {
    char *v;
    size_t n;
    size_t *to;
} kb_ref_merge;

static void kb_ref_merge_make(kb_ref_merge *m, const void *have, size_t nhave, const void *file,
                              size_t nfile, size_t size, size_t code_off)
{
    m->v = kb_reallocarray(NULL, nhave + nfile + 1, size);
    m->to = kb_reallocarray(NULL, nfile + 1, sizeof *m->to);
    if (nhave)
        memcpy(m->v, have, nhave * size);
    m->n = nhave;
    for (size_t i = 0; i < nfile; i++) {
        const char *rec = (const char *)file + i * size;
        const char *code = *(char *const *)(rec + code_off);
        size_t k = 0;
        while (k < nhave &&
               !kb_str_ieq(*(char *const *)((const char *)have + k * size + code_off), code))
            k++;
        if (k == nhave) /* the codes of the file are each given once (checked) */
            k = m->n++;
        memcpy(m->v + k * size, rec, size);
        if (k < nhave) { /* codes are stable: the board's spelling stays */
            char *stored = *(char *const *)((const char *)have + k * size + code_off);
            memcpy(m->v + k * size + code_off, &stored, sizeof stored);
        }
        m->to[i] = k;
    }
}

static void kb_ref_merge_free(kb_ref_merge *m)
{
    kb_free(&m->v);
    kb_free(&m->to);
}

/* The rule of 'dept/stage/line add' and 'edit' (kb_ref_unique) for every
 * record of the file that is new or renamed, against the list as it will
 * be (m: the board's and the file's records, have: the board's): no name
 * that is another one's name or code, no new code that is another one's
 * name.  The error names the record in the file ("departments[3]: "). */
static int kb_import_names_ok(const kb_ref_merge *m, const void *have, size_t nhave, size_t nfile,
                              size_t size, size_t code_off, size_t name_off, const char *list,
                              const char *cmd, kb_err *e)
{
    for (size_t i = 0; i < nfile; i++) {
        size_t k = m->to[i];
        const char *rec = m->v + k * size;
        const char *code = *(char *const *)(rec + code_off),
                   *name = *(char *const *)(rec + name_off);
        bool is_new = k >= nhave;
        if (!is_new && kb_fold_eq(*(char *const *)((const char *)have + k * size + name_off), name))
            continue; /* kept its name (or only its spelling): nothing new to clash */
        int rc = kb_ref_unique(m->v, m->n, size, code_off, name_off, rec, is_new ? code : NULL,
                               name, cmd, e);
        if (rc)
            return kb_err_prefix(e, "%s[%zu]: ", list, i);
    }
    return KB_OK;
}

/* Stages after the import stand at places 1..N in the order (position,
 * then code), as 'stage add/edit --position' keep them and the board
 * lists them: place[i] gets the place of v[i]. */
static int kb_stage_ptr_cmp(const void *a, const void *b)
{
    const kb_stage *x = *(const kb_stage *const *)a, *y = *(const kb_stage *const *)b;
    int c = (x->position > y->position) - (x->position < y->position);
    return c ? c : strcmp(x->code, y->code);
}

static void kb_stage_places(const kb_stage *v, size_t n, int *place)
{
    const kb_stage **order = kb_reallocarray(NULL, n + 1, sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = &v[i];
    qsort(order, n, sizeof *order, kb_stage_ptr_cmp);
    for (size_t i = 0; i < n; i++)
        place[order[i] - v] = (int)i + 1;
    kb_free(&order);
}

/* An encoded reference record (department, stage, action line): under
 * the board record's key and version when there is one, else under a new
 * key. */
static int kb_ref_put(kb_txn *t, enum kb_table tbl, const kb_id *old_key, uint64_t old_version,
                      const kb_buf *enc, kb_err *e)
{
    kb_id key;
    if (old_key)
        key = *old_key;
    else
        kb_store_random(key.b, KB_ID_LEN);
    return kb_txn_put(t, tbl, key.b, KB_KEY_LEN, enc->data, enc->len,
                      old_key ? old_version : KB_VERSION_NEW, NULL, NULL, e);
}

/* Upsert reference records; counts changes. */
static int kb_import_refs(kb_board *b, kb_txn *t, kb_import *imp, kb_import_report *rep, kb_err *e)
{
    int rc = kb_import_codes_once(imp->depts, imp->ndepts, sizeof *imp->depts,
                                  offsetof(kb_dept, code), "departments", e);
    if (!rc)
        rc = kb_import_codes_once(imp->stages, imp->nstages, sizeof *imp->stages,
                                  offsetof(kb_stage, code), "stages", e);
    if (!rc)
        rc = kb_import_codes_once(imp->lines, imp->nlines, sizeof *imp->lines,
                                  offsetof(kb_line, code), "action_lines", e);
    if (!rc)
        rc = kb_import_codes_once(imp->goals, imp->ngoals, sizeof *imp->goals,
                                  offsetof(kb_goal, code), "goals", e);
    if (rc)
        return rc;
    for (size_t i = 0; i < imp->ndepts && !rc; i++)
        if ((rc = kb_dept_validate(&imp->depts[i], e)))
            kb_err_prefix(e, "departments[%zu]: ", i);
    for (size_t i = 0; i < imp->nstages && !rc; i++)
        if ((rc = kb_stage_validate(&imp->stages[i], e)))
            kb_err_prefix(e, "stages[%zu]: ", i);
    for (size_t i = 0; i < imp->nlines && !rc; i++)
        if ((rc = kb_line_validate(&imp->lines[i], e)))
            kb_err_prefix(e, "action_lines[%zu]: ", i);
    if (rc)
        return rc;
    size_t nd, ns, nl;
    const kb_dept *depts = kb_board_depts(b, &nd);
    const kb_stage *stages = kb_board_stages(b, &ns);
    const kb_line *lines = kb_board_lines(b, &nl);
    kb_ref_merge md, ms, ml;
    kb_ref_merge_make(&md, depts, nd, imp->depts, imp->ndepts, sizeof *depts,
                      offsetof(kb_dept, code));
    kb_ref_merge_make(&ms, stages, ns, imp->stages, imp->nstages, sizeof *stages,
                      offsetof(kb_stage, code));
    kb_ref_merge_make(&ml, lines, nl, imp->lines, imp->nlines, sizeof *lines,
                      offsetof(kb_line, code));
    rc = kb_import_names_ok(&md, depts, nd, imp->ndepts, sizeof *depts, offsetof(kb_dept, code),
                            offsetof(kb_dept, name), "departments", "dept", e);
    if (!rc)
        rc = kb_import_names_ok(&ms, stages, ns, imp->nstages, sizeof *stages,
                                offsetof(kb_stage, code), offsetof(kb_stage, name), "stages",
                                "stage", e);
    if (!rc)
        rc = kb_import_names_ok(&ml, lines, nl, imp->nlines, sizeof *lines, offsetof(kb_line, code),
                                offsetof(kb_line, name), "action_lines", "line", e);
    kb_buf enc = KB_BUF_INIT;
    /* departments and action lines: the file's records (a board's record
     * the file does not name stays as it is) */
    for (size_t i = 0; i < imp->ndepts && !rc; i++) {
        size_t k = md.to[i];
        const kb_dept *d = (const kb_dept *)md.v + k, *old = k < nd ? &depts[k] : NULL;
        if (old && strcmp(old->name, d->name) == 0 &&
            !((old->colour == NULL) != (d->colour == NULL) ||
              (old->colour && strcmp(old->colour, d->colour) != 0)))
            continue;
        if (old)
            rep->depts_changed++;
        else
            rep->depts_added++;
        if (t) {
            kb_buf_clear(&enc);
            kb_codec_dept_encode(d, &enc);
            rc = kb_ref_put(t, KB_T_DEPTS, old ? &old->key : NULL, old ? old->version : 0, &enc, e);
        }
    }
    /* stages: every stage of the board after the merge at its place
     * 1..N, so the file brings no ties or gaps (a board's stage the file
     * does not name may move a place) */
    int *place = kb_reallocarray(NULL, ms.n + 1, sizeof *place);
    kb_stage_places((const kb_stage *)ms.v, ms.n, place);
    for (size_t k = 0; k < ms.n && !rc; k++) {
        const kb_stage *s = (const kb_stage *)ms.v + k, *old = k < ns ? &stages[k] : NULL;
        if (old && strcmp(old->name, s->name) == 0 && old->position == place[k] &&
            old->wip_limit == s->wip_limit && old->norm_days == s->norm_days &&
            old->needs_reason == s->needs_reason && kb_strv_eq(&old->dept_wip, &s->dept_wip))
            continue;
        if (old)
            rep->stages_changed++;
        else
            rep->stages_added++;
        if (t) {
            kb_stage w = *s;
            w.position = place[k];
            kb_buf_clear(&enc);
            kb_codec_stage_encode(&w, &enc);
            rc =
                kb_ref_put(t, KB_T_STAGES, old ? &old->key : NULL, old ? old->version : 0, &enc, e);
        }
    }
    kb_free(&place);
    for (size_t i = 0; i < imp->nlines && !rc; i++) {
        size_t k = ml.to[i];
        const kb_line *l = (const kb_line *)ml.v + k, *old = k < nl ? &lines[k] : NULL;
        if (old && strcmp(old->name, l->name) == 0)
            continue;
        if (old)
            rep->lines_changed++;
        else
            rep->lines_added++;
        if (t) {
            kb_buf_clear(&enc);
            kb_codec_line_encode(l, &enc);
            rc = kb_ref_put(t, KB_T_LINES, old ? &old->key : NULL, old ? old->version : 0, &enc, e);
        }
    }
    kb_ref_merge_free(&md);
    kb_ref_merge_free(&ms);
    kb_ref_merge_free(&ml);
    /* department goals, by code */
    if (!rc && imp->ngoals) {
        kb_goal_vec have = {0};
        rc = t ? kb_goals_in(b, t, &have, e) : kb_board_goal_list(b, &have, e);
        for (size_t i = 0; i < imp->ngoals && !rc; i++) {
            kb_goal g = imp->goals[i];
            const char *dept = g.dept ? kb_ref_code(imp, b, 1, g.dept) : NULL;
            if (!dept) {
                rc = kb_err_set(e, KB_EDATA, _("goal %s: unknown department '%s'"),
                                g.code ? g.code : "", g.dept ? g.dept : "");
                break;
            }
            g.dept = (char *)dept;
            if ((rc = kb_goal_validate(&g, e)))
                break;
            const kb_goal *old = kb_goal_find(have.v, have.n, g.code);
            if (old && strcmp(old->text, g.text) == 0 && strcmp(old->dept, g.dept) == 0)
                continue;
            if (old)
                rep->goals_changed++;
            else
                rep->goals_added++;
            if (t) {
                if (old) {
                    g.key = old->key;
                    g.code = old->code;
                } else {
                    kb_store_random(g.key.b, KB_ID_LEN);
                }
                kb_buf_clear(&enc);
                kb_codec_goal_encode(&g, &enc);
                rc = kb_txn_put(t, KB_T_GOALS, g.key.b, KB_KEY_LEN, enc.data, enc.len,
                                old ? old->version : KB_VERSION_NEW, NULL, g.code, e);
            }
        }
        kb_goal_vec_free(&have);
    }
    kb_buf_free(&enc);
    if (!rc)
        rc = kb_import_views(b, t, imp, rep, e);
    if (!rc)
        rc = kb_import_settings(b, t, imp, rep, e);
    return rc;
}

static int kb_import_check(kb_board *b, kb_import *imp, kb_numtab *h, size_t *bad_case, kb_err *e);
static int kb_import_apply(kb_board *b, kb_import *imp, const kb_numtab *h, bool dry_run,
                           const kb_import_report *dummy, kb_import_report *rep, kb_err *e);
static size_t kb_import_records(const kb_import *imp);
static int kb_import_staged(kb_board *b, kb_import *imp, const kb_numtab *h,
                            const kb_import_progress *p, kb_import_report *rep, kb_err *e);

/* The links of an import as the link rule (kb_link_rule) sees them while
 * it takes links[0..upto) of the file one by one: a case of the board has
 * its links on the board and those of the file taken so far; a case of
 * the file has only the latter.  ends: both ends of every link of the
 * file, sorted by case, so a 100k-case file stays linear-logarithmic. */
typedef struct kb_lend {
    uint32_t n; /* a case at one end of links[at] */
    size_t at;
} kb_lend;

typedef struct kb_import_links {
    kb_txn *t;
    const kb_import *imp;
    const kb_numtab *h;
    kb_lend *ends;
    size_t nends;
    size_t upto;
} kb_import_links;

static int kb_lend_cmp(const void *a, const void *b)
{
    const kb_lend *x = a, *y = b;
    if (x->n != y->n)
        return (x->n > y->n) - (x->n < y->n);
    return (x->at > y->at) - (x->at < y->at);
}

/* The first of x->ends for case n (or nends). */
static size_t kb_lend_first(const kb_import_links *x, uint32_t n)
{
    size_t lo = 0, hi = x->nends;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->ends[mid].n < n)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int kb_import_links_of(void *ctx, uint32_t n, kb_link_vec *out, kb_err *e)
{
    kb_import_links *x = ctx;
    out->v = NULL;
    out->n = 0;
    int rc = kb_numtab_get(x->h, n) == SIZE_MAX ? kb_links_in(x->t, n, out, e) : KB_OK;
    for (size_t i = kb_lend_first(x, n); rc == KB_OK && i < x->nends && x->ends[i].n == n; i++) {
        if (x->ends[i].at >= x->upto)
            continue;
        out->v = kb_reallocarray(out->v, out->n + 1, sizeof *out->v);
        out->v[out->n] = x->imp->links[x->ends[i].at];
        out->v[out->n].version = 0; /* not on the board */
        out->n++;
    }
    return rc;
}

/* "links[4]" for a link of the file, NULL for one on the board. */
static char *kb_import_link_origin(void *ctx, const kb_link *l)
{
    const kb_import_links *x = ctx;
    if (l->version)
        return NULL;
    for (size_t i = kb_lend_first(x, l->from); i < x->nends && x->ends[i].n == l->from; i++) {
        const kb_link *f = &x->imp->links[x->ends[i].at];
        if (x->ends[i].at < x->upto && f->from == l->from && f->to == l->to && f->kind == l->kind)
            return kb_asprintf("links[%zu]", x->ends[i].at);
    }
    return NULL;
}

/* The file's links, each taken as `case link` takes it (the core's rule,
 * against the board's links and the file's before it); t: the import's
 * transaction (read for a dry run), its cases inserted or not. */
static int kb_import_links_check(kb_txn *t, const kb_import *imp, const kb_numtab *h, kb_err *e)
{
    if (!imp->nlinks)
        return KB_OK;
    kb_import_links x = {t, imp, h, NULL, 0, 0};
    x.ends = kb_reallocarray(NULL, imp->nlinks, 2 * sizeof *x.ends);
    for (size_t i = 0; i < imp->nlinks; i++) {
        x.ends[x.nends++] = (kb_lend){imp->links[i].from, i};
        if (imp->links[i].to != imp->links[i].from)
            x.ends[x.nends++] = (kb_lend){imp->links[i].to, i};
    }
    qsort(x.ends, x.nends, sizeof *x.ends, kb_lend_cmp);
    kb_link_src src = {kb_import_links_of, kb_import_link_origin, &x};
    int rc = KB_OK;
    for (size_t i = 0; i < imp->nlinks && rc == KB_OK; i++) {
        const kb_link *l = &imp->links[i];
        kb_id k;
        x.upto = i;
        if ((rc = kb_import_case_key(t, imp, h, l->from, &k, e)) ||
            (rc = kb_import_case_key(t, imp, h, l->to, &k, e)) ||
            (rc = kb_link_rule(&src, l->from, l->to, l->kind, e)))
            kb_err_prefix(e, "links[%zu]: ", i);
    }
    kb_free(&x.ends);
    return rc;
}

int kb_board_import(kb_board *b, kb_import *imp, bool dry_run, kb_import_report *rep, kb_err *e)
{
    return kb_board_import_ex(b, imp, dry_run, NULL, rep, e);
}

int kb_board_import_ex(kb_board *b, kb_import *imp, bool dry_run, const kb_import_progress *p,
                       kb_import_report *rep, kb_err *e)
{
    memset(rep, 0, sizeof *rep);
    int rc = kb_require_writer(b, e);
    if (rc)
        return rc;
    if ((imp->ndepts || imp->nstages || imp->nlines || imp->ngoals || imp->nviews ||
         imp->has_contact_window) &&
        b->me.role < KB_ROLE_BROKER)
        return kb_err_set(e, KB_EPERM,
                          _("the import changes departments, stages, action lines, shared views "
                            "or board settings: only a broker or admin may do that"));
    kb_import_report dummy;
    memset(&dummy, 0, sizeof dummy);
    if ((rc = kb_import_refs(b, NULL, imp, &dummy, e)))
        return kb_err_prefix(e, "%s", _("reference data: "));
    kb_numtab h;
    kb_numtab_init(&h, imp->ncases);
    rc = kb_import_check(b, imp, &h, &rep->bad_case, e);
    long staged_min = KB_IMPORT_STAGED_MIN;
    (void)kb_env_get(KB_ENV_IMPORT_STAGED, &staged_min, NULL);
    if (rc == KB_OK && !dry_run && kb_import_records(imp) >= (size_t)staged_min &&
        kb_store_format(b->s) >= 2)
        rc = kb_import_staged(b, imp, &h, p, rep, e);
    else if (rc == KB_OK)
        rc = kb_import_apply(b, imp, &h, dry_run, &dummy, rep, e);
    kb_numtab_free(&h);
    return rc;
}

/* 1. check everything before any write (and before the lock); *bad_case:
 * the index + 1 of the case an error is about */
static int kb_import_check(kb_board *b, kb_import *imp, kb_numtab *h, size_t *bad_case, kb_err *e)
{
    int rc;
    for (size_t i = 0; i < imp->ncases; i++) {
        kb_case *c = &imp->cases[i];
        *bad_case = i + 1;
        if ((rc = kb_import_case_refs(b, imp, c, e)))
            return c->number ? kb_err_prefix(e, _("case #%u: "), c->number)
                             : kb_err_prefix(e, _("case %zu: "), i + 1);
        if (c->number && !kb_numtab_add(h, c->number, i))
            return kb_err_set(e, KB_EDATA, _("case #%u appears twice in the import"), c->number);
        /* a new case (a CSV row without an id) in a stage that needs a
         * reason needs one, as `case add` needs --reason; a row with its
         * number (a CSV export read back) is the case as it was */
        const char *reason = imp->reasons ? imp->reasons[i] : NULL;
        if (imp->new_cases && !c->number && (!reason || !reason[0]) &&
            kb_board_add_needs_reason(b, c->stage)) {
            const kb_stage *st = kb_board_stage_find(b, c->stage);
            kb_err_set(e, KB_EDATA,
                       _("a new case in \"%s\" needs a reason: give it in a 'reason' column"),
                       st && st->name ? st->name : c->stage);
            return c->number ? kb_err_prefix(e, _("case #%u: "), c->number)
                             : kb_err_prefix(e, _("case %zu: "), i + 1);
        }
    }
    *bad_case = 0;
    for (size_t i = 0; i < imp->ncomments; i++) {
        if (kb_numtab_get(h, imp->comments[i].case_number) == SIZE_MAX)
            return kb_err_set(e, KB_EDATA, _("timeline entry for unknown case #%u"),
                              imp->comments[i].case_number);
        if ((rc = kb_comment_validate(&imp->comments[i], e)))
            return kb_err_prefix(e, _("timeline of case #%u: "), imp->comments[i].case_number);
    }
    for (size_t i = 0; i < imp->nactions; i++)
        if ((rc = kb_action_item_validate(&imp->actions[i], e)))
            return kb_err_prefix(e, _("action item A%u: "), imp->actions[i].number);
    for (size_t i = 0; i < imp->nmeetings; i++)
        if ((rc = kb_meeting_validate(&imp->meetings[i], e)))
            return kb_err_prefix(e, _("meeting M%u: "), imp->meetings[i].number);
    for (size_t i = 0; i < imp->ndecisions; i++)
        if ((rc = kb_decision_validate(&imp->decisions[i], e)))
            return kb_err_prefix(e, _("decision D%u: "), imp->decisions[i].number);
    for (size_t i = 0; i < imp->norgs; i++)
        if ((rc = kb_org_validate(&imp->orgs[i], e)))
            return kb_err_prefix(e, _("organisation %zu: "), i + 1);
    for (size_t i = 0; i < imp->ncontacts; i++) {
        kb_contact *c = &imp->contacts[i];
        if ((rc = kb_contact_validate(c, e)))
            return kb_err_prefix(e, _("contact moment %zu: "), i + 1);
        const char *code = kb_ref_code(imp, b, 1, c->dept);
        if (!code)
            return kb_err_set(e, KB_EDATA, _("contact moment %zu: unknown department '%s'"), i + 1,
                              c->dept);
        c->dept = (char *)code; /* borrowed, like every string of the import */
    }
    return KB_OK;
}

/* 2. a dry run's report, or the writes in one transaction */
static int kb_import_apply(kb_board *b, kb_import *imp, const kb_numtab *h, bool dry_run,
                           const kb_import_report *dummy, kb_import_report *rep, kb_err *e)
{
    int rc;
    if (dry_run) {
        kb_txn *t = NULL;
        if ((rc = kb_store_read(b->s, &t, e)))
            return rc;
        for (size_t i = 0; i < imp->ncases && !rc; i++) {
            unsigned char k[KB_KEY_LEN];
            char *iname = imp->cases[i].number ? kb_case_index_name(imp->cases[i].number) : NULL;
            if (iname && kb_txn_index_get(t, iname, k, NULL) == KB_OK) {
                rc = kb_err_set(e, KB_EDATA, _("case #%u already exists on this board"),
                                imp->cases[i].number);
                rep->bad_case = i + 1;
            }
            kb_free(&iname);
        }
        /* the cases action items and decisions name: on the board or in
         * the file, as the real import finds them */
        kb_id ck;
        for (size_t i = 0; i < imp->nactions && !rc; i++)
            if ((rc = kb_import_case_key(t, imp, h, imp->actions[i].case_number, &ck, e)))
                kb_err_prefix(e, _("action item A%u: "), imp->actions[i].number);
        for (size_t i = 0; i < imp->ndecisions && !rc; i++)
            if ((rc = kb_import_case_key(t, imp, h, imp->decisions[i].case_number, &ck, e)))
                kb_err_prefix(e, _("decision D%u: "), imp->decisions[i].number);
        if (rc == KB_OK)
            rc = kb_import_links_check(t, imp, h, e);
        kb_txn_abort(&t);
        if (rc)
            return rc;
        *rep = *dummy;
        rep->orgs_added = imp->norgs;
        rep->meetings_added = imp->nmeetings;
        rep->decisions_added = imp->ndecisions;
        rep->contacts_added = imp->ncontacts;
        rep->cases_added = imp->ncases;
        rep->comments_added = imp->ncomments;
        rep->actions_added = imp->nactions;
        rep->links_added = imp->nlinks;
        return KB_OK;
    }
    /* one transaction */
    kb_txn *t = NULL;
    if ((rc = kb_store_write(b->s, "board.import", NULL, &t, e)))
        return rc;
    /* all or nothing in one transaction: a 100k-case import seals and signs
     * about 600 000 records under the lock (a minute or two), beyond the
     * 30 s a normal change may hold it (docs/storage.md, Commit) */
    kb_txn_allow_long(t, KB_IMPORT_MAX_HOLD_MS);
    if ((rc = kb_import_refs(b, t, imp, rep, e)))
        goto out;
    for (size_t i = 0; i < imp->norgs && !rc; i++)
        rc = kb_import_org_one(t, &imp->orgs[i], rep, e);
    for (size_t i = 0; i < imp->ncontacts && !rc; i++)
        if ((rc = kb_contact_insert(t, &imp->contacts[i], e)) == KB_OK)
            rep->contacts_added++;
    /* the case counter passes the imported numbers once, not once per
     * case (each insert then only reads it) */
    uint32_t max_case = 0;
    for (size_t i = 0; i < imp->ncases; i++)
        if (imp->cases[i].number > max_case)
            max_case = imp->cases[i].number;
    if (!rc && max_case)
        rc = kb_counter_ensure(t, kb_meta_counters, max_case + 1, e);
    /* a case without the file's history starts its timeline here */
    for (size_t i = 0; i < imp->ncases && !rc; i++)
        rc = kb_import_case_one(b, t, imp, i, !imp->cases[i].number || imp->new_cases, rep, e);
    for (size_t i = 0; i < imp->ncomments && !rc; i++) {
        kb_comment *cm = &imp->comments[i];
        size_t k = kb_numtab_get(h, cm->case_number);
        if (k != SIZE_MAX) {
            rc = kb_comment_put(t, imp->cases[k].key.b, cm, e);
            rep->comments_added++;
        }
    }
    uint32_t max_action = 0;
    for (size_t i = 0; i < imp->nactions && !rc; i++) {
        kb_action_item *a = &imp->actions[i];
        kb_id ck;
        if ((rc = kb_import_case_key(t, imp, h, a->case_number, &ck, e))) {
            kb_err_prefix(e, _("action item A%u: "), a->number);
            break;
        }
        if ((rc = kb_import_action_one(t, a, &ck, rep, e)))
            break;
        if (a->number > max_action)
            max_action = a->number;
    }
    if (!rc && max_action) /* the counter must pass the imported numbers */
        rc = kb_counter_ensure(t, kb_meta_action_counter, max_action + 1, e);
    for (size_t i = 0; i < imp->nmeetings && !rc; i++)
        if ((rc = kb_meeting_insert(t, &imp->meetings[i], e)) == KB_OK)
            rep->meetings_added++;
    for (size_t i = 0; i < imp->ndecisions && !rc; i++) {
        kb_decision *d = &imp->decisions[i];
        kb_id ck;
        if ((rc = kb_import_case_key(t, imp, h, d->case_number, &ck, e))) {
            kb_err_prefix(e, _("decision D%u: "), d->number);
            break;
        }
        if ((rc = kb_decision_insert(t, d, &ck, e)) == KB_OK)
            rep->decisions_added++;
    }
    if (!rc)
        rc = kb_import_links_check(t, imp, h, e);
    for (size_t i = 0; i < imp->nlinks && !rc; i++) {
        kb_id xk, yk;
        rc = kb_import_case_key(t, imp, h, imp->links[i].from, &xk, e);
        if (!rc)
            rc = kb_import_case_key(t, imp, h, imp->links[i].to, &yk, e);
        if (!rc && (rc = kb_link_insert(t, &imp->links[i], &xk, &yk, e)) == KB_OK)
            rep->links_added++;
    }
    if (!rc)
        rc = kb_txn_commit(&t, e);
out:
    kb_txn_abort(&t);
    if (rc == KB_OK && (rep->depts_added || rep->depts_changed || rep->stages_added ||
                        rep->stages_changed || rep->lines_added || rep->lines_changed))
        rc = kb_refs_load(b, e);
    return rc;
}

/* ------------------------------------------------------------ staged import
 *
 * A large import holds the write lock in bounded pieces (issue 16;
 * docs/storage.md "Staged imports"): its new records are staged in write
 * transactions of about 200 ms each, which nobody else sees, and one short
 * last transaction ("import.finish") makes them the board's together with
 * what changes records the board has already (reference data, changed
 * organisations, items of the board's own cases).  Before the first, one
 * small transaction ("import.begin") moves the case, action item, meeting
 * and decision counters past every number the import uses or takes, so no
 * change made meanwhile takes one of them.  A failure removes what was
 * staged (audited deletes); an import whose process died is removed by
 * the next import or rekey. */

/* Records an import writes, about (each case: itself, its index entry,
 * its relation list). */
static size_t kb_import_records(const kb_import *imp)
{
    return imp->ncases * 3 + imp->ncomments + imp->nactions * 3 + imp->nlinks * 3 +
           imp->nmeetings * 2 + imp->ndecisions * 3 + imp->norgs * 2 + imp->ncontacts;
}

/* The numbers the import takes: those of the file, and new ones for the
 * items that have none (above the file's and the board's). */
static int kb_import_numbers(kb_txn *t, kb_import *imp, kb_err *e)
{
    struct {
        const unsigned char *counter;
        void *base;
        size_t n, size, off;
    } kinds[] = {
        {kb_meta_counters, imp->cases, imp->ncases, sizeof *imp->cases, offsetof(kb_case, number)},
        {kb_meta_action_counter, imp->actions, imp->nactions, sizeof *imp->actions,
         offsetof(kb_action_item, number)},
        {kb_meta_meeting_counter, imp->meetings, imp->nmeetings, sizeof *imp->meetings,
         offsetof(kb_meeting, number)},
        {kb_meta_decision_counter, imp->decisions, imp->ndecisions, sizeof *imp->decisions,
         offsetof(kb_decision, number)},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        uint32_t max = 0, none = 0, first = 0;
        for (size_t i = 0; i < kinds[k].n; i++) {
            uint32_t *num = (uint32_t *)((char *)kinds[k].base + i * kinds[k].size + kinds[k].off);
            none += *num == 0;
            max = *num > max ? *num : max;
        }
        if (!kinds[k].n)
            continue;
        int rc = kb_counter_reserve(t, kinds[k].counter, max, none, &first, e);
        if (rc)
            return rc;
        for (size_t i = 0; i < kinds[k].n; i++) {
            uint32_t *num = (uint32_t *)((char *)kinds[k].base + i * kinds[k].size + kinds[k].off);
            if (*num == 0)
                *num = first++;
        }
    }
    return KB_OK;
}

typedef struct kb_stager {
    kb_board *b;
    kb_txn *t; /* the staged transaction under way */
    const kb_import_progress *p;
    size_t done, total; /* items of the file written */
    bool committed;     /* a staged transaction committed: there is something to discard */
} kb_stager;

/* Begin a staged transaction.  It ends when someone waits for the lock or
 * after KERNBOARD_IMPORT_CHUNK entries; a large chunk on a slow machine
 * may take longer than the 30 s a normal change may hold the lock. */
static int kb_stager_begin(kb_stager *g, kb_err *e)
{
    int rc = kb_store_write_staged(g->b->s, KB_ACTION_IMPORT_STAGE, false, &g->t, e);
    if (rc == KB_OK)
        kb_txn_allow_long(g->t, KB_IMPORT_MAX_HOLD_MS);
    return rc;
}

/* One more item written: when the transaction's time is up, commit it and
 * begin the next (no lock is held in between). */
static int kb_stager_step(kb_stager *g, kb_err *e)
{
    g->done++;
    if (!kb_txn_chunk_due(g->t))
        return KB_OK;
    int rc = kb_txn_commit(&g->t, e);
    if (rc)
        return rc;
    g->committed = true;
    kb_store_stage_yield(g->b->s);
    if (g->p && g->p->fn)
        g->p->fn(g->p->ctx, g->done, g->total);
    return kb_stager_begin(g, e);
}

/* The new records: staged, in bounded transactions.  later[] marks the
 * items left for the last transaction (they change a record the board
 * has): organisations (index 0 .. norgs), action items, decisions, links,
 * each in its own array. */
typedef struct kb_import_later {
    bool *orgs, *actions, *decisions, *links;
} kb_import_later;

static int kb_import_stage_all(kb_stager *g, kb_import *imp, const kb_numtab *h, const bool *fresh,
                               kb_import_later *later, kb_import_report *rep, kb_err *e)
{
    kb_board *b = g->b;
    int rc = KB_OK;
    for (size_t i = 0; i < imp->norgs && !rc; i++) {
        kb_org cur;
        memset(&cur, 0, sizeof cur);
        int r = kb_org_get(g->t, imp->orgs[i].name, &cur, NULL);
        kb_org_free(&cur);
        if (r == KB_OK) { /* the board's: changed in the last transaction */
            later->orgs[i] = true;
            continue;
        }
        if (r != KB_ENOENT)
            return kb_err_set(e, r, _("cannot read organisation '%s'"), imp->orgs[i].name);
        if ((rc = kb_import_org_one(g->t, &imp->orgs[i], rep, e)) == KB_OK)
            rc = kb_stager_step(g, e);
    }
    for (size_t i = 0; i < imp->ncontacts && !rc; i++)
        if ((rc = kb_contact_insert(g->t, &imp->contacts[i], e)) == KB_OK) {
            rep->contacts_added++;
            rc = kb_stager_step(g, e);
        }
    for (size_t i = 0; i < imp->ncases && !rc; i++)
        if ((rc = kb_import_case_one(b, g->t, imp, i, fresh[i], rep, e)) == KB_OK)
            rc = kb_stager_step(g, e);
    for (size_t i = 0; i < imp->ncomments && !rc; i++) {
        kb_comment *cm = &imp->comments[i];
        size_t k = kb_numtab_get(h, cm->case_number);
        if (k != SIZE_MAX && (rc = kb_comment_put(g->t, imp->cases[k].key.b, cm, e)) == KB_OK) {
            rep->comments_added++;
            rc = kb_stager_step(g, e);
        }
    }
    for (size_t i = 0; i < imp->nactions && !rc; i++) {
        kb_action_item *a = &imp->actions[i];
        size_t k = kb_numtab_get(h, a->case_number);
        if (k == SIZE_MAX) { /* a case of the board's */
            later->actions[i] = true;
            continue;
        }
        if ((rc = kb_import_action_one(g->t, a, &imp->cases[k].key, rep, e)) == KB_OK)
            rc = kb_stager_step(g, e);
    }
    for (size_t i = 0; i < imp->nmeetings && !rc; i++)
        if ((rc = kb_meeting_insert(g->t, &imp->meetings[i], e)) == KB_OK) {
            rep->meetings_added++;
            rc = kb_stager_step(g, e);
        }
    for (size_t i = 0; i < imp->ndecisions && !rc; i++) {
        kb_decision *d = &imp->decisions[i];
        size_t k = kb_numtab_get(h, d->case_number);
        if (k == SIZE_MAX) { /* a case of the board's */
            later->decisions[i] = true;
            continue;
        }
        if ((rc = kb_decision_insert(g->t, d, &imp->cases[k].key, e)) == KB_OK) {
            rep->decisions_added++;
            rc = kb_stager_step(g, e);
        }
    }
    for (size_t i = 0; i < imp->nlinks && !rc; i++) {
        kb_link *l = &imp->links[i];
        size_t x = kb_numtab_get(h, l->from), y = kb_numtab_get(h, l->to);
        if (x == SIZE_MAX || y == SIZE_MAX) { /* an end on the board */
            later->links[i] = true;
            continue;
        }
        if ((rc = kb_link_insert(g->t, l, &imp->cases[x].key, &imp->cases[y].key, e)) == KB_OK) {
            rep->links_added++;
            rc = kb_stager_step(g, e);
        }
    }
    return rc;
}

/* The last transaction: the staged records become the board's, and the
 * changes of records the board has are made. */
static int kb_import_finish(kb_board *b, kb_txn *t, kb_import *imp, const kb_numtab *h,
                            const kb_import_later *later, kb_import_report *rep, kb_err *e)
{
    uint64_t n = 0;
    int rc = kb_txn_stage_finish(t, &n, e);
    if (rc == KB_OK)
        rc = kb_import_refs(b, t, imp, rep, e);
    for (size_t i = 0; i < imp->norgs && !rc; i++)
        if (later->orgs[i])
            rc = kb_import_org_one(t, &imp->orgs[i], rep, e);
    for (size_t i = 0; i < imp->nactions && !rc; i++) {
        kb_action_item *a = &imp->actions[i];
        kb_id ck;
        if (!later->actions[i])
            continue;
        if ((rc = kb_import_case_key(t, imp, h, a->case_number, &ck, e))) {
            kb_err_prefix(e, _("action item A%u: "), a->number);
            break;
        }
        rc = kb_import_action_one(t, a, &ck, rep, e);
    }
    for (size_t i = 0; i < imp->ndecisions && !rc; i++) {
        kb_decision *d = &imp->decisions[i];
        kb_id ck;
        if (!later->decisions[i])
            continue;
        if ((rc = kb_import_case_key(t, imp, h, d->case_number, &ck, e))) {
            kb_err_prefix(e, _("decision D%u: "), d->number);
            break;
        }
        if ((rc = kb_decision_insert(t, d, &ck, e)) == KB_OK)
            rep->decisions_added++;
    }
    if (!rc) /* against the board's links as they are now */
        rc = kb_import_links_check(t, imp, h, e);
    for (size_t i = 0; i < imp->nlinks && !rc; i++) {
        kb_id xk, yk;
        if (!later->links[i])
            continue;
        rc = kb_import_case_key(t, imp, h, imp->links[i].from, &xk, e);
        if (!rc)
            rc = kb_import_case_key(t, imp, h, imp->links[i].to, &yk, e);
        if (!rc && (rc = kb_link_insert(t, &imp->links[i], &xk, &yk, e)) == KB_OK)
            rep->links_added++;
    }
    return rc;
}

static int kb_import_staged(kb_board *b, kb_import *imp, const kb_numtab *h,
                            const kb_import_progress *p, kb_import_report *rep, kb_err *e)
{
    kb_stage_info si;
    uint64_t gone = 0;
    int rc = kb_store_stage_info(b->s, &si, e);
    if (rc)
        return rc;
    /* one left by a dead session, or by this session's failed import
     * whose removal failed: removed first */
    if (si.present && (si.mine || !si.alive) && (rc = kb_store_stage_discard(b->s, &gone, e)))
        return kb_err_prefix(e, "%s", _("removing the records an unfinished import left: "));
    kb_store_stage_forget(b->s);              /* whatever import this session ran is over */
    if (si.present && si.alive && !si.mine) { /* refused before anything changes */
        *e = si.busy;
        return si.busy.code;
    }
    bool *fresh = kb_calloc(imp->ncases + 1, sizeof *fresh);
    for (size_t i = 0; i < imp->ncases; i++)
        fresh[i] = !imp->cases[i].number || imp->new_cases;
    kb_import_later later = {kb_calloc(imp->norgs + 1, 1), kb_calloc(imp->nactions + 1, 1),
                             kb_calloc(imp->ndecisions + 1, 1), kb_calloc(imp->nlinks + 1, 1)};
    kb_stager g = {b,
                   NULL,
                   p,
                   0,
                   imp->norgs + imp->ncontacts + imp->ncases + imp->ncomments + imp->nactions +
                       imp->nmeetings + imp->ndecisions + imp->nlinks,
                   false};
    kb_txn *t = NULL;
    if ((rc = kb_store_write(b->s, KB_ACTION_IMPORT_BEGIN, NULL, &t, e)) == KB_OK &&
        (rc = kb_import_numbers(t, imp, e)) == KB_OK)
        rc = kb_txn_commit(&t, e);
    kb_txn_abort(&t);
    if (rc == KB_OK && (rc = kb_stager_begin(&g, e)) == KB_OK) {
        rc = kb_import_stage_all(&g, imp, h, fresh, &later, rep, e);
        if (rc == KB_OK && (rc = kb_txn_commit(&g.t, e)) == KB_OK)
            g.committed = true;
        kb_txn_abort(&g.t);
    }
    if (rc == KB_OK && p && p->fn)
        p->fn(p->ctx, g.done, g.total);
    if (rc == KB_OK && (rc = kb_store_write(b->s, KB_ACTION_IMPORT_FINISH, NULL, &t, e)) == KB_OK) {
        kb_txn_allow_long(t, KB_IMPORT_MAX_HOLD_MS); /* (items of the board's cases: few) */
        if ((rc = kb_import_finish(b, t, imp, h, &later, rep, e)) == KB_OK)
            rc = kb_txn_commit(&t, e);
        kb_txn_abort(&t);
    }
    if (rc && g.committed) { /* nothing of it stays: what was staged goes */
        kb_err e2;
        if (kb_store_stage_discard(b->s, &gone, &e2) && e) {
            char first[KB_ERR_MSG_MAX];
            snprintf(first, sizeof first, "%s", e->msg);
            kb_err_set(e, rc,
                       _("%s (the records it wrote are not part of the board; the next import "
                         "or rekey removes them: %s)"),
                       first, e2.msg);
        }
    }
    kb_free(&fresh);
    kb_free(&later.orgs);
    kb_free(&later.actions);
    kb_free(&later.decisions);
    kb_free(&later.links);
    if (rc == KB_OK && (rep->depts_added || rep->depts_changed || rep->stages_added ||
                        rep->stages_changed || rep->lines_added || rep->lines_changed))
        rc = kb_refs_load(b, e);
    return rc;
}
