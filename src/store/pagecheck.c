/*
 * pagecheck.c - the LMDB structure of a board file, checked with plain
 * reads (no memory map, no keys): what `verify` uses to name a damaged
 * table and page, and what it falls back to when the board cannot even be
 * opened (issue 15).
 *
 * The layout is LMDB 0.9's on-disk format (64-bit builds, the only ones
 * Debian ships): pages of psize bytes; pages 0 and 1 are the meta pages,
 * the newer valid one names the root of the free list (dbs[0]) and of the
 * main tree (dbs[1]), whose leaves hold one MDB_db per named table.  Every
 * page reached from a root must carry its own number, be of the kind its
 * parent expects, keep its node offsets and sizes inside the page and its
 * keys in order, and every tree must have the depth, page and entry counts
 * its MDB_db says.  A page reached twice is a cycle or a shared page.
 */
#include "store_internal.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* LMDB on-disk constants (mdb.c) */
#define PC_MAGIC 0xBEEFC0DEu
#define PC_VERSION 1u
#define PC_HDR 16u /* page header: pgno(8) pad(2) flags(2) lower(2) upper(2) */
#define P_BRANCH 0x01u
#define P_LEAF 0x02u
#define P_OVERFLOW 0x04u
#define P_META 0x08u
#define P_LEAF2 0x20u
#define F_BIGDATA 0x01u
#define F_SUBDATA 0x02u
#define F_DUPDATA 0x04u
#define PC_NODE 8u /* node header: lo(2) hi(2) flags(2) ksize(2) */
/* MDB_db: pad(4) flags(2) depth(2), then branch, leaf, overflow, entries, root (8 each) */
#define PC_DB 48u
#define PC_INVALID (~(uint64_t)0)
#define PC_MAX_DEPTH 32
#define PC_MAX_NOTES 8

typedef struct pc_db {
    uint32_t pad;
    uint16_t flags, depth;
    uint64_t branch, leaf, overflow, entries, root;
} pc_db;

typedef struct pc {
    int fd;
    uint32_t psize;
    uint64_t npages;  /* pages in the file */
    uint64_t last_pg; /* last page the meta says is used */
    unsigned char *seen;
    unsigned char *freed; /* the pages the free list names */
    unsigned char *page;  /* scratch page for overflow headers */
    kb_buf *report;
    size_t *found;
    /* per tree */
    const char *table;
    uint64_t n_branch, n_leaf, n_overflow, n_entries;
    int leaf_depth;
    bool tree_bad;
    uint64_t txnid;     /* the newest meta's commit: no free-list key above it */
    bool shallow;       /* free-list check: claim the tables' roots, do not walk them */
    uint64_t free_past; /* free pages the free list names past the end of the file */
} pc;

static uint16_t pc_u16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t pc_u32(const unsigned char *p)
{
    return (uint32_t)pc_u16(p) | ((uint32_t)pc_u16(p + 2) << 16);
}

static uint64_t pc_u64(const unsigned char *p)
{
    return (uint64_t)pc_u32(p) | ((uint64_t)pc_u32(p + 4) << 32);
}

static void pc_db_read(const unsigned char *p, pc_db *d)
{
    d->pad = pc_u32(p);
    d->flags = pc_u16(p + 4);
    d->depth = pc_u16(p + 6);
    d->branch = pc_u64(p + 8);
    d->leaf = pc_u64(p + 16);
    d->overflow = pc_u64(p + 24);
    d->entries = pc_u64(p + 32);
    d->root = pc_u64(p + 40);
}

static void pc_note(pc *c, uint64_t pgno, const char *why)
{
    if (*c->found < PC_MAX_NOTES) {
        char line[512];
        if (pgno == PC_INVALID)
            snprintf(line, sizeof line, _("table %s: %s"), c->table, why);
        else
            snprintf(line, sizeof line, _("table %s, page %llu (offset %llu): %s"), c->table,
                     (unsigned long long)pgno, (unsigned long long)(pgno * c->psize), why);
        if (c->report->len)
            kb_buf_puts(c->report, "; ");
        kb_buf_puts(c->report, line);
    } else if (*c->found == PC_MAX_NOTES) {
        kb_buf_puts(c->report, "; ...");
    }
    (*c->found)++;
    c->tree_bad = true;
}

/* Read page pgno into buf; false (noted) when it is outside the file. */
static bool pc_read(pc *c, uint64_t pgno, unsigned char *buf)
{
    if (pgno > c->last_pg) {
        pc_note(c, pgno, _("refers to a page past the board's last page"));
        return false;
    }
    if (pgno >= c->npages) {
        pc_note(c, pgno, _("missing: the file ends before this page (truncated)"));
        return false;
    }
    ssize_t n = pread(c->fd, buf, c->psize, (off_t)(pgno * c->psize));
    if (n != (ssize_t)c->psize) {
        pc_note(c, pgno, n < 0 ? strerror(errno) : _("short read"));
        return false;
    }
    return true;
}

/* Mark a page used; false (noted) when something else uses it already. */
static bool pc_claim(pc *c, uint64_t pgno)
{
    if (pgno > c->last_pg || pgno >= c->npages || pgno < 2)
        return true; /* reported by pc_read / the caller */
    unsigned char bit = (unsigned char)(1u << (pgno & 7));
    if (c->seen[pgno >> 3] & bit) {
        pc_note(c, pgno,
                c->freed[pgno >> 3] & bit ? _("in use, but the free list names it free")
                                          : _("used twice (a loop or a shared page)"));
        return false;
    }
    c->seen[pgno >> 3] |= bit;
    return true;
}

static int pc_keycmp(const unsigned char *a, size_t al, const unsigned char *b, size_t bl)
{
    int r = memcmp(a, b, al < bl ? al : bl);
    if (r)
        return r;
    return al < bl ? -1 : al > bl;
}

static void pc_overflow(pc *c, uint64_t pgno, uint64_t dsize)
{
    if (!pc_claim(c, pgno))
        return;
    unsigned char *buf = c->page;
    if (!pc_read(c, pgno, buf))
        return;
    uint32_t pages = pc_u32(buf + 12);
    uint64_t need = (PC_HDR + dsize + c->psize - 1) / c->psize;
    if (pc_u64(buf) != pgno || (pc_u16(buf + 10) & P_OVERFLOW) == 0) {
        pc_note(c, pgno, _("not the overflow page its record points to"));
        return;
    }
    if (pages < need || pgno + pages - 1 > c->last_pg) {
        pc_note(c, pgno, _("overflow page count does not fit the record"));
        return;
    }
    for (uint64_t i = 1; i < pages && pgno + i < c->npages; i++)
        if (!pc_claim(c, pgno + i))
            return;
    c->n_overflow += pages;
}

/* One entry of the free list: key = the commit that freed the pages,
 * data = an ID list (count, then that many page numbers, highest first),
 * which LMDB hands out without a check of its own. */
static void pc_free_entry(pc *c, uint64_t pgno, const unsigned char *key, size_t ksize,
                          const unsigned char *data, uint64_t dsize)
{
    if (ksize != 8 || (c->txnid && pc_u64(key) > c->txnid)) {
        pc_note(c, pgno, _("a free-page list names a commit the board has not made"));
        return;
    }
    if (dsize < 8 || (dsize % 8) || pc_u64(data) != dsize / 8 - 1) {
        pc_note(c, pgno, _("a free-page list is damaged"));
        return;
    }
    for (uint64_t j = 1; j < dsize / 8; j++) {
        uint64_t id = pc_u64(data + 8 * j);
        if (id > c->last_pg) {
            pc_note(c, pgno, _("the free list names a page past the end"));
            return;
        }
        if (id < 2 || (j > 1 && id >= pc_u64(data + 8 * (j - 1)))) {
            pc_note(c, pgno, _("a free-page list is damaged"));
            return;
        }
        /* a free page is in no tree (nor twice in the list) */
        if (!pc_claim(c, id))
            return;
        if (id < c->npages)
            c->freed[id >> 3] |= (unsigned char)(1u << (id & 7));
        else
            c->free_past++;
    }
}

/* A free-list entry whose ID list lies in overflow pages (a long list):
 * read it (pc_overflow checked the pages) and check it as above. */
static void pc_free_big(pc *c, uint64_t pgno, const unsigned char *key, size_t ksize,
                        uint64_t first, uint64_t dsize)
{
    if (dsize > (c->last_pg + 1) * 8 + 8) {
        pc_note(c, pgno, _("a free-page list is damaged"));
        return;
    }
    unsigned char *buf = kb_malloc(dsize ? (size_t)dsize : 1);
    ssize_t n = pread(c->fd, buf, (size_t)dsize, (off_t)(first * c->psize + PC_HDR));
    if (n != (ssize_t)dsize)
        pc_note(c, first, n < 0 ? strerror(errno) : _("short read"));
    else
        pc_free_entry(c, pgno, key, ksize, buf, dsize);
    kb_free(&buf);
}

static void pc_walk(pc *c, uint64_t pgno, int depth, bool main_tree, bool free_list);
static void pc_walk_page(pc *c, uint64_t pgno, unsigned char *p, int depth, bool main_tree,
                         bool free_list);

static void pc_subdb(pc *c, const unsigned char *name, size_t nlen, const unsigned char *dbv)
{
    pc_db d;
    pc_db_read(dbv, &d);
    char tname[64];
    size_t n = nlen < sizeof tname - 1 ? nlen : sizeof tname - 1;
    for (size_t i = 0; i < n; i++)
        tname[i] = name[i] >= 0x20 && name[i] < 0x7f ? (char)name[i] : '?';
    tname[n] = '\0';
    if (c->shallow) {
        /* a table's root that the free list names is "used twice" */
        if (d.root != PC_INVALID && d.root >= 2)
            (void)pc_claim(c, d.root);
        return;
    }
    pc saved = *c;
    c->table = tname;
    c->n_branch = c->n_leaf = c->n_overflow = c->n_entries = 0;
    c->leaf_depth = 0;
    c->tree_bad = false;
    if (d.root != PC_INVALID) {
        pc_walk(c, d.root, 1, false, false);
        if (!c->tree_bad &&
            (c->n_entries != d.entries || c->n_branch != d.branch || c->n_leaf != d.leaf ||
             c->n_overflow != d.overflow || (uint64_t)c->leaf_depth != d.depth))
            pc_note(c, PC_INVALID, _("its page and record counts differ from its header"));
    } else if (d.entries != 0) {
        pc_note(c, PC_INVALID, _("empty, but its header counts records"));
    }
    saved.tree_bad = saved.tree_bad || c->tree_bad;
    c->table = saved.table;
    c->n_branch = saved.n_branch;
    c->n_leaf = saved.n_leaf;
    c->n_overflow = saved.n_overflow;
    c->n_entries = saved.n_entries;
    c->leaf_depth = saved.leaf_depth;
    c->tree_bad = saved.tree_bad;
}

static void pc_walk(pc *c, uint64_t pgno, int depth, bool main_tree, bool free_list)
{
    if (depth > PC_MAX_DEPTH) {
        pc_note(c, pgno, _("the tree is deeper than LMDB allows (a loop?)"));
        return;
    }
    if (pgno < 2) {
        pc_note(c, pgno, _("a tree points to a meta page"));
        return;
    }
    if (!pc_claim(c, pgno))
        return;
    unsigned char *p = kb_malloc(c->psize);
    pc_walk_page(c, pgno, p, depth, main_tree, free_list);
    kb_free(&p);
}

static void pc_walk_page(pc *c, uint64_t pgno, unsigned char *p, int depth, bool main_tree,
                         bool free_list)
{
    if (!pc_read(c, pgno, p))
        return;
    uint16_t flags = pc_u16(p + 10), lower = pc_u16(p + 12), upper = pc_u16(p + 14);
    if (pc_u64(p) != pgno) {
        char why[128];
        snprintf(why, sizeof why, _("carries page number %llu (zeroed or misplaced)"),
                 (unsigned long long)pc_u64(p));
        pc_note(c, pgno, why);
        return;
    }
    bool branch = flags & P_BRANCH, leaf = flags & P_LEAF;
    if (branch == leaf || (flags & (P_OVERFLOW | P_META | P_LEAF2))) {
        char why[128];
        snprintf(why, sizeof why, _("not a tree page (flags 0x%04x)"), flags);
        pc_note(c, pgno, why);
        return;
    }
    if (lower < PC_HDR || lower > upper || upper > c->psize || ((lower - PC_HDR) & 1)) {
        pc_note(c, pgno, _("its free-space bounds are impossible"));
        return;
    }
    unsigned nkeys = (lower - PC_HDR) >> 1;
    if (nkeys == 0 || (branch && nkeys < 2 && depth > 1)) {
        pc_note(c, pgno, _("holds no entries"));
        return;
    }
    if (leaf) {
        if (c->leaf_depth == 0)
            c->leaf_depth = depth;
        else if (c->leaf_depth != depth) {
            pc_note(c, pgno, _("a leaf at the wrong depth"));
            return;
        }
        c->n_leaf++;
    } else {
        c->n_branch++;
    }
    const unsigned char *pk = NULL;
    size_t pkl = 0;
    for (unsigned i = 0; i < nkeys; i++) {
        uint16_t off = pc_u16(p + PC_HDR + 2 * i);
        if (off < upper || (uint32_t)off + PC_NODE > c->psize) {
            pc_note(c, pgno, _("an entry lies outside the page"));
            return;
        }
        const unsigned char *n = p + off;
        uint16_t nflags = pc_u16(n + 4), ksize = pc_u16(n + 6);
        uint64_t dsize = (uint64_t)pc_u16(n) | ((uint64_t)pc_u16(n + 2) << 16);
        if ((uint32_t)off + PC_NODE + ksize > c->psize) {
            pc_note(c, pgno, _("an entry's key runs past the page"));
            return;
        }
        const unsigned char *key = n + PC_NODE;
        if (i > 0 || leaf) {
            /* the free list's keys are commit numbers (MDB_INTEGERKEY:
             * native byte order, compared as numbers) */
            bool ordered =
                !pk || (free_list && ksize == 8 && pkl == 8 ? pc_u64(pk) < pc_u64(key)
                                                            : pc_keycmp(pk, pkl, key, ksize) < 0);
            if (!ordered) {
                pc_note(c, pgno, _("its keys are out of order"));
                return;
            }
            pk = key;
            pkl = ksize;
        }
        if (branch) {
            uint64_t child = dsize | ((uint64_t)nflags << 32);
            pc_walk(c, child, depth + 1, main_tree, free_list);
            continue;
        }
        c->n_entries++;
        const unsigned char *data = key + ksize;
        if (nflags & ~(F_BIGDATA | F_SUBDATA)) {
            pc_note(c, pgno,
                    (nflags & F_DUPDATA) ? _("an entry claims duplicates")
                                         : _("an entry has unknown flags"));
            return;
        }
        if (nflags & F_BIGDATA) {
            if ((uint32_t)off + PC_NODE + ksize + 8 > c->psize) {
                pc_note(c, pgno, _("an entry's data runs past the page"));
                return;
            }
            size_t before = *c->found;
            pc_overflow(c, pc_u64(data), dsize);
            if (free_list && *c->found == before)
                pc_free_big(c, pgno, key, ksize, pc_u64(data), dsize);
            continue;
        }
        if ((uint64_t)off + PC_NODE + ksize + dsize > c->psize) {
            pc_note(c, pgno, _("an entry's data runs past the page"));
            return;
        }
        if (nflags & F_SUBDATA) {
            if (!main_tree || dsize != PC_DB) {
                pc_note(c, pgno, _("a table header where none belongs"));
                return;
            }
            pc_subdb(c, key, ksize, data);
        } else if (free_list) {
            pc_free_entry(c, pgno, key, ksize, data, dsize);
        }
    }
}

/* Meta page m (0 or 1): true when valid; *d gets its trees. */
static bool pc_meta(const unsigned char *p, uint64_t m, uint32_t psize, pc_db dbs[2],
                    uint64_t *last_pg, uint64_t *txnid)
{
    if (pc_u64(p) != m || !(pc_u16(p + 10) & P_META) || pc_u32(p + PC_HDR) != PC_MAGIC ||
        pc_u32(p + PC_HDR + 4) != PC_VERSION)
        return false;
    pc_db_read(p + PC_HDR + 24, &dbs[0]);
    pc_db_read(p + PC_HDR + 24 + PC_DB, &dbs[1]);
    *last_pg = pc_u64(p + PC_HDR + 24 + 2 * PC_DB);
    *txnid = pc_u64(p + PC_HDR + 24 + 2 * PC_DB + 8);
    return dbs[0].pad == psize && *last_pg >= 1;
}

/* The two meta pages' headers, read straight from the file, before LMDB
 * trusts them: a page size LMDB would divide by (zero, or not a power of
 * two from 512 to 64 KiB) is damage, not a signal; with both, or when a
 * commit number is above gen (the lock file's generation), the commit
 * numbers must be what LMDB writes (meta page m holds commits of m's parity
 * and the two are one apart; a new file or a compact copy has 0 and 1).
 * A file too short or not LMDB at all is left to mdb_env_open. */
int kb_store_meta_check(const char *path, int dfd, bool both, uint64_t gen, kb_err *e)
{
    /* dfd: the transaction's descriptor of the file, else one of our own */
    int fd = dfd >= 0 ? dfd : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* FIFO: no wait */
    if (fd < 0)
        return KB_OK; /* the open that follows says why */
    unsigned char h[2][PC_HDR + 24 + 2 * PC_DB + 16];
    uint32_t ps[2] = {0, 0};
    uint64_t tx[2] = {0, 0};
    bool meta[2] = {false, false};
    for (int m = 0; m < 2; m++) {
        off_t at = m ? (off_t)ps[0] : 0;
        if (pread(fd, h[m], sizeof h[m], at) != (ssize_t)sizeof h[m])
            break;
        if (!(pc_u16(h[m] + 10) & P_META) || pc_u32(h[m] + PC_HDR) != PC_MAGIC)
            break;
        meta[m] = true;
        ps[m] = pc_u32(h[m] + PC_HDR + 24); /* mm_dbs[FREE_DBI].md_pad */
        tx[m] = pc_u64(h[m] + PC_HDR + 24 + 2 * PC_DB + 8);
        if (ps[m] < 512 || ps[m] > 65536 || (ps[m] & (ps[m] - 1)) != 0) {
            if (fd != dfd)
                close(fd);
            return kb_err_damage(e,
                                 _("the board file %s is damaged: meta page %d gives the page "
                                   "size %lu; restore the last good backup with 'kernboard "
                                   "restore'"),
                                 path, m, (unsigned long)ps[m]);
        }
    }
    if (fd != dfd)
        close(fd);
    uint64_t hi = tx[0] > tx[1] ? tx[0] : tx[1], lo = tx[0] > tx[1] ? tx[1] : tx[0];
    /* a board newer than its lock file says: a lock-file header update
     * that failed after a commit, or a damaged commit number (which LMDB
     * would take as the newest state) */
    if (hi > gen)
        both = true;
    if (both && meta[0] && meta[1]) {
        bool parity = (tx[0] & 1) == 0 && (tx[1] & 1) == 1;
        if (!parity || hi - lo != 1 || ps[0] != ps[1])
            return kb_err_damage(e,
                                 _("the board file %s is damaged: its two meta pages disagree "
                                   "(meta page 0: commit %llu, meta page 1: commit %llu); "
                                   "restore the last good backup with 'kernboard restore'"),
                                 path, (unsigned long long)tx[0], (unsigned long long)tx[1]);
    }
    return KB_OK;
}

/* Does path start with an LMDB meta page (magic and flags of page 0)?
 * For a message only: an unreadable file counts as one. */
bool kb_store_looks_lmdb(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return true;
    unsigned char h[PC_HDR + 8];
    ssize_t n = pread(fd, h, sizeof h, 0);
    if (n < 0) {
        close(fd);
        return true;
    }
    bool meta =
        n == (ssize_t)sizeof h && (pc_u16(h + 10) & P_META) && pc_u32(h + PC_HDR) == PC_MAGIC;
    /* page 0 damaged: the second meta page at one of the usual page sizes */
    static const uint32_t sizes[] = {4096, 8192, 16384, 32768, 65536, 2048, 1024, 512};
    for (size_t i = 0; !meta && i < sizeof sizes / sizeof *sizes; i++)
        meta = pread(fd, h, sizeof h, (off_t)sizes[i]) == (ssize_t)sizeof h && pc_u64(h) == 1 &&
               (pc_u16(h + 10) & P_META) && pc_u32(h + PC_HDR) == PC_MAGIC;
    close(fd);
    return meta;
}

int kb_store_check_file(const char *path, kb_buf *report, size_t *found, kb_err *e)
{
    return kb_store_check_file_at(path, report, found, NULL, e);
}

uint64_t kb_store_file_txnid(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO does not wait */
    if (fd < 0)
        return 0;
    static const uint32_t sizes[] = {4096, 8192, 16384, 32768, 65536, 2048, 1024, 512};
    unsigned char *buf = kb_malloc(2 * 65536);
    uint64_t best = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes && !best; i++) {
        uint32_t ps = sizes[i];
        pc_db dbs[2];
        uint64_t last = 0, txn = 0;
        if (pread(fd, buf, 2 * (size_t)ps, 0) != (ssize_t)(2 * ps))
            continue;
        for (int m = 0; m < 2; m++)
            if (pc_meta(buf + (size_t)m * ps, (uint64_t)m, ps, dbs, &last, &txn) && txn > best)
                best = txn;
    }
    kb_free(&buf);
    close(fd);
    return best;
}

static void pc_close(int fd, int dfd)
{
    if (fd != dfd)
        close(fd);
}

/* The structure check; free_only: the free list alone, with the roots of
 * the main tree and of each table (what a write transaction relies on
 * before it takes pages from the free list).  tail (may be NULL): the
 * number of pages of the last commit past the end of the file that the
 * free list does not name (0: none missing; UINT64_MAX when the check did
 * not get that far). */
static int pc_check(const char *path, int dfd, kb_buf *report, size_t *found, uint64_t *txnid,
                    bool free_only, uint64_t *tail, kb_err *e)
{
    *found = 0;
    if (tail)
        *tail = UINT64_MAX;
    if (txnid)
        *txnid = 0;
    /* dfd: the transaction's descriptor of the file, else one of our own */
    int fd = dfd >= 0 ? dfd : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* FIFO: no wait */
    if (fd < 0)
        return kb_err_set(e, errno == ENOENT ? KB_ENOENT : KB_EIO, _("cannot open board %s: %s"),
                          path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int er = errno;
        pc_close(fd, dfd);
        return kb_err_set(e, KB_EIO, _("cannot read %s: %s"), path, strerror(er));
    }
    pc c = {.fd = fd, .report = report, .found = found, .table = _("(meta)")};
    /* the page size: the one both metas agree on, tried from the common ones */
    static const uint32_t sizes[] = {4096, 8192, 16384, 32768, 65536, 2048, 1024, 512};
    unsigned char *buf = kb_malloc(2 * 65536);
    pc_db dbs[2][2];
    uint64_t last[2] = {0, 0}, txn[2] = {0, 0};
    bool ok[2] = {false, false};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes && !ok[0] && !ok[1]; i++) {
        uint32_t ps = sizes[i];
        if ((off_t)ps * 2 > st.st_size)
            continue;
        if (pread(fd, buf, 2 * (size_t)ps, 0) != (ssize_t)(2 * ps))
            continue;
        ok[0] = pc_meta(buf, 0, ps, dbs[0], &last[0], &txn[0]);
        ok[1] = pc_meta(buf + ps, 1, ps, dbs[1], &last[1], &txn[1]);
        if (ok[0] || ok[1])
            c.psize = ps;
    }
    kb_free(&buf);
    if (!ok[0] && !ok[1] && free_only) {
        pc_close(fd, dfd); /* no LMDB file: the open says so */
        return KB_OK;
    }
    if (!ok[0] && !ok[1]) {
        pc_close(fd, dfd);
        kb_buf_puts(report, _("both meta pages (0 and 1) are damaged: this is no longer an LMDB "
                              "file"));
        *found = 1;
        return KB_OK;
    }
    c.npages = (uint64_t)st.st_size / c.psize;
    for (int m = 0; m < 2 && !free_only; m++)
        if (!ok[m])
            pc_note(&c, (uint64_t)m, _("the meta page is damaged (LMDB uses the other one)"));
    int cur = ok[0] && ok[1] ? (txn[1] > txn[0] ? 1 : 0) : (ok[0] ? 0 : 1);
    if (txnid)
        *txnid = txn[cur];
    c.txnid = txn[cur];
    c.shallow = free_only;
    c.last_pg = last[cur];
    /* one bit per page that exists (a meta page may claim any number) */
    uint64_t tracked = c.last_pg < c.npages ? c.last_pg + 1 : c.npages;
    c.seen = kb_calloc((size_t)(tracked / 8 + 1), 1);
    c.freed = kb_calloc((size_t)(tracked / 8 + 1), 1);
    c.page = kb_malloc(c.psize);
    c.table = _("(free list)");
    c.tree_bad = false;
    if (dbs[cur][0].root != PC_INVALID)
        pc_walk(&c, dbs[cur][0].root, 1, false, true);
    c.table = _("(main)");
    c.tree_bad = false;
    c.leaf_depth = 0; /* the free list's leaves may lie deeper than the main tree's */
    if (dbs[cur][1].root != PC_INVALID)
        pc_walk(&c, dbs[cur][1].root, 1, true, false);
    /* The file may end before the last page of the last commit when that
     * page is free: LMDB does not write a page a transaction allocated and
     * freed again (a "loose" page) but lists it free.  Any other page past
     * the end is missing. */
    uint64_t past = c.last_pg + 1 > c.npages ? c.last_pg + 1 - c.npages : 0;
    uint64_t missing = past > c.free_past ? past - c.free_past : 0;
    if (tail)
        *tail = missing;
    if (missing && !free_only) {
        char why[200];
        snprintf(why, sizeof why,
                 _("the file has %llu pages, its last commit uses %llu (truncated)"),
                 (unsigned long long)c.npages, (unsigned long long)(c.last_pg + 1));
        c.table = _("(file)");
        pc_note(&c, PC_INVALID, why);
    }
    kb_free(&c.seen);
    kb_free(&c.freed);
    kb_free(&c.page);
    pc_close(fd, dfd);
    return KB_OK;
}

int kb_store_check_file_at(const char *path, kb_buf *report, size_t *found, uint64_t *txnid,
                           kb_err *e)
{
    return pc_check(path, -1, report, found, txnid, false, NULL, e);
}

int kb_store_free_check(const char *path, int dfd, kb_err *e)
{
    kb_buf rep = KB_BUF_INIT;
    size_t found = 0;
    kb_err ce;
    kb_err_clear(&ce);
    int rc = KB_OK;
    /* a file that cannot be read is left to the open that follows */
    if (pc_check(path, dfd, &rep, &found, NULL, true, NULL, &ce) == KB_OK && found)
        rc = kb_err_set(e, KB_EDATA,
                        _("the board file %s is damaged: %s. Nothing was changed; reading commands "
                          "such as export still work: run 'kernboard verify' to see what else is "
                          "damaged, and restore the last good backup with 'kernboard restore'"),
                        path, rep.data);
    kb_buf_free(&rep);
    return rc;
}

bool kb_store_tail_free(const char *path, int dfd)
{
    kb_buf rep = KB_BUF_INIT;
    size_t found = 0;
    uint64_t tail = 1;
    kb_err ce;
    kb_err_clear(&ce);
    bool ok = pc_check(path, dfd, &rep, &found, NULL, true, &tail, &ce) == KB_OK && found == 0 &&
              tail == 0;
    kb_buf_free(&rep);
    return ok;
}

/* Under the board's shared lock (no writer changes pages meanwhile, so a
 * commit in progress is never taken for damage); nothing when the lock
 * file is missing or the lock is not granted within two seconds. */
int kb_store_explain_damage(const char *path, int rc, kb_err *e)
{
    if (rc != KB_EDATA && rc != KB_EIO && rc != KB_EPERM)
        return rc;
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || !kb_store_looks_lmdb(path))
        return rc; /* not a board file at all: nothing to explain */
    char *lock_path = kb_asprintf("%s.lock", path);
    int lfd = open(lock_path, O_RDONLY | O_CLOEXEC);
    kb_free(&lock_path);
    if (lfd < 0)
        return rc;
    kb_err ce;
    kb_err_clear(&ce);
    if (!kb_lk_ofd_shared(lfd, KB_LK_GLOBAL, 2000)) {
        close(lfd);
        return rc;
    }
    kb_buf rep = KB_BUF_INIT;
    size_t found = 0;
    kb_bus_install();
    if (kb_store_check_file(path, &rep, &found, &ce) == KB_OK && found) {
        rc = kb_err_set(e, KB_EDATA,
                        _("the board file %s is damaged: %s; restore the last good backup with "
                          "'kernboard restore'"),
                        path, rep.data);
    }
    kb_buf_free(&rep);
    close(lfd); /* releases the lock */
    return rc;
}
