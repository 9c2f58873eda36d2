/* similar.c - similar cases (the duplicate search while typing) and the
 * triage inbox, on plain arrays of cases (see kernboard/model.h). */
#include "kernboard/mem.h"
#include "kernboard/model.h"

#include <stdlib.h>
#include <string.h>

/* Folded text reduced to words: letters and digits kept, everything else
 * one blank, with one blank at both ends ("  cafe de zwaan "). */
static char *kb_sim_norm(const char *s)
{
    char *f = kb_fold(s ? s : "");
    size_t n = strlen(f);
    char *o = kb_malloc(n + 3);
    size_t k = 0;
    o[k++] = ' ';
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)f[i];
        bool word = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch >= 0x80;
        if (word)
            o[k++] = (char)ch;
        else if (o[k - 1] != ' ')
            o[k++] = ' ';
    }
    if (o[k - 1] != ' ')
        o[k++] = ' ';
    o[k] = '\0';
    kb_free(&f);
    return o;
}

/* Dice coefficient of the (byte) trigrams of two normalised strings,
 * 0..100. */
static int kb_sim_trigrams(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na < 4 || nb < 4)
        return 0;
    size_t ta = na - 2, tb = nb - 2, common = 0;
    bool *used = kb_calloc(tb, sizeof *used);
    for (size_t i = 0; i < ta; i++) {
        if (a[i] == ' ' && a[i + 1] == ' ')
            continue;
        for (size_t j = 0; j < tb; j++)
            if (!used[j] && memcmp(a + i, b + j, 3) == 0) {
                used[j] = true;
                common++;
                break;
            }
    }
    kb_free(&used);
    return (int)(200 * common / (ta + tb));
}

/* Share of the words of q (4+ bytes) found as words in hay, 0..100. */
static int kb_sim_words(const char *q, const char *hay)
{
    size_t words = 0, found = 0;
    const char *p = q;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, " ");
        if (n >= 4) {
            words++;
            char *w = kb_malloc(n + 3);
            w[0] = ' ';
            memcpy(w + 1, p, n);
            w[n + 1] = ' ';
            w[n + 2] = '\0';
            if (strstr(hay, w))
                found++;
            kb_free(&w);
        }
        p += n;
    }
    return words ? (int)(100 * found / words) : 0;
}

int kb_similar_score(const kb_case *c, const char *title, const char *desc, const kb_strv *orgs,
                     bool *same_org)
{
    bool org = false;
    for (size_t i = 0; orgs && i < orgs->n && !org; i++)
        for (size_t k = 0; k < c->orgs.n && !org; k++)
            org = orgs->v[i][0] && kb_fold_eq(orgs->v[i], c->orgs.v[k]);
    if (same_org)
        *same_org = org;
    char *qt = kb_sim_norm(title), *ct = kb_sim_norm(c->title);
    int tri = kb_sim_trigrams(qt, ct);
    /* the words typed (title and description) against the case's title
     * and description */
    char *qall = kb_asprintf("%s%s", qt, desc ? desc : "");
    char *qn = kb_sim_norm(qall);
    char *hay = kb_asprintf("%s%s", ct, c->description ? c->description : "");
    char *hn = kb_sim_norm(hay);
    int words = kb_sim_words(qn, hn);
    kb_free(&qt);
    kb_free(&ct);
    kb_free(&qall);
    kb_free(&qn);
    kb_free(&hay);
    kb_free(&hn);
    int mix = (tri + 2 * words) / 3;
    int score = tri > mix ? tri : mix;
    if (org)
        score = score + 50 > 100 ? 100 : score + 50;
    return score;
}

static int kb_similar_cmp(const void *x, const void *y)
{
    const kb_similar *a = x, *b = y;
    if (a->score != b->score)
        return b->score - a->score;
    return (a->number > b->number) - (a->number < b->number);
}

size_t kb_similar_rank(const kb_case *v, size_t n, const char *title, const char *desc,
                       const kb_strv *orgs, uint32_t exclude, kb_similar *out, size_t max)
{
    bool empty = (!title || !title[0]) && (!desc || !desc[0]) && (!orgs || !orgs->n);
    if (empty || max == 0)
        return 0;
    kb_similar *all = kb_calloc(n ? n : 1, sizeof *all);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (exclude && v[i].number == exclude)
            continue;
        bool org = false;
        int sc = kb_similar_score(&v[i], title, desc, orgs, &org);
        if (sc < KB_SIMILAR_MIN)
            continue;
        all[k++] = (kb_similar){.index = i, .number = v[i].number, .score = sc, .same_org = org};
    }
    kb_sort(all, k, sizeof *all, kb_similar_cmp);
    size_t m = k < max ? k : max;
    if (m)
        memcpy(out, all, m * sizeof *all);
    kb_free(&all);
    return m;
}

/* ------------------------------------------------------------ triage */

static int kb_u32_cmp(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

size_t kb_triage_inbox(const kb_case *v, size_t n, const char *first_stage, const char *last_stage,
                       const kb_link *links, size_t nlinks, size_t *out)
{
    /* the cases that are a duplicate of another one, sorted */
    uint32_t *dup = kb_calloc(nlinks ? nlinks : 1, sizeof *dup);
    size_t nd = 0;
    for (size_t i = 0; i < nlinks; i++)
        if (links[i].kind == KB_LINK_DUPLICATE && links[i].from != links[i].to)
            dup[nd++] = links[i].from;
    kb_sort(dup, nd, sizeof *dup, kb_u32_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const kb_case *c = &v[i];
        bool last = last_stage && c->stage && strcmp(c->stage, last_stage) == 0;
        bool first = first_stage && c->stage && strcmp(c->stage, first_stage) == 0;
        bool nolead = !c->lead_dept || !c->lead_dept[0];
        bool isdup = nd && bsearch(&c->number, dup, nd, sizeof *dup, kb_u32_cmp) != NULL;
        if ((first || nolead) && !last && !isdup)
            out[k++] = i;
    }
    kb_free(&dup);
    /* insertion sort: no global state needed, and inboxes are small */
    for (size_t i = 1; i < k; i++) {
        size_t x = out[i], j = i;
        while (j > 0) {
            const kb_case *a = &v[out[j - 1]], *b = &v[x];
            bool after =
                a->created > b->created || (a->created == b->created && a->number > b->number);
            if (!after)
                break;
            out[j] = out[j - 1];
            j--;
        }
        out[j] = x;
    }
    return k;
}

size_t kb_triage_similar(const kb_case *v, size_t n, const kb_case *c, const kb_link *links,
                         size_t nlinks, kb_similar *out, size_t max)
{
    size_t linked = 0;
    for (size_t i = 0; i < nlinks; i++)
        if (links[i].kind == KB_LINK_DUPLICATE &&
            (links[i].from == c->number || links[i].to == c->number))
            linked++;
    /* rank enough to fill max after leaving the linked ones out */
    kb_similar *all = kb_calloc(max + linked ? max + linked : 1, sizeof *all);
    size_t m =
        kb_similar_rank(v, n, c->title, c->description, &c->orgs, c->number, all, max + linked);
    size_t k = 0;
    for (size_t i = 0; i < m && k < max; i++) {
        bool dup = false;
        for (size_t j = 0; j < nlinks && !dup; j++)
            dup = links[j].kind == KB_LINK_DUPLICATE &&
                  ((links[j].from == c->number && links[j].to == all[i].number) ||
                   (links[j].to == c->number && links[j].from == all[i].number));
        if (!dup)
            out[k++] = all[i];
    }
    kb_free(&all);
    return k;
}
