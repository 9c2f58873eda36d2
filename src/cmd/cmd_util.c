/* cmd_util.c - helpers shared by the commands: opening the board,
 * passphrases, option parsing, JSON and table output. */
#include "cmd_internal.h"
#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"
#include "kernboard/paths.h"
#include "kernboard/report.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

int kb_cmd_passphrase(kb_cmd_ctx *cx, const char *file, const char *prompt, kb_secret **out)
{
    if (file)
        return kb_secret_from_file(file, out, &cx->err);
    return kb_secret_prompt(prompt, out, &cx->err);
}

int kb_cmd_duration(const char *text, long *secs)
{
    if (!text || !text[0])
        return KB_EUSAGE;
    if (strcmp(text, "off") == 0 || strcmp(text, "uit") == 0) {
        *secs = 0;
        return KB_OK;
    }
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || v < 0 || end == text)
        return KB_EUSAGE;
    long mul = 1;
    if (*end == 's' || *end == 0)
        mul = 1;
    else if (*end == 'm')
        mul = 60;
    else if (*end == 'h' || *end == 'u')
        mul = 3600;
    else if (*end == 'd')
        mul = 86400;
    else
        return KB_EUSAGE;
    if (*end && end[1])
        return KB_EUSAGE;
    if (v > 366L * 86400 / mul)
        return KB_EUSAGE;
    *secs = v * mul;
    return KB_OK;
}

int kb_cmd_key_idle(kb_cmd_ctx *cx, long *secs)
{
    *secs = KB_KEY_IDLE_DEFAULT_S;
    const char *v = getenv("KERNBOARD_UNLOCK_IDLE");
    if (v && v[0] && kb_cmd_duration(v, secs) != KB_OK)
        return kb_err_set(&cx->err, KB_EUSAGE,
                          _("KERNBOARD_UNLOCK_IDLE='%s' is not a duration (e.g. 10m, 1h, 0 "
                            "for off)"),
                          v);
    return KB_OK;
}

int kb_cmd_need_db(kb_cmd_ctx *cx, const char *cmd)
{
    if (!cx->db || !cx->db[0])
        return kb_cmd_usage(cx, cmd, _("which board? give --db BOARD or set $KERNBOARD_DB"));
    if (!cx->user || !cx->user[0])
        return kb_cmd_usage(cx, cmd, _("who are you? give --user NAME or set $KERNBOARD_USER"));
    return KB_OK;
}

int kb_cmd_new_board_dir(kb_cmd_ctx *cx, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return KB_OK; /* the current directory */
    char *dir = slash == path ? kb_strdup("/") : kb_strndup(path, (size_t)(slash - path));
    struct stat st;
    int rc = KB_OK;
    if (stat(dir, &st) != 0 && errno == ENOENT)
        rc = kb_cmd_fail(cx, KB_ECANTCREAT, _("cannot create %s: the directory %s does not exist"),
                         path, dir);
    else if (stat(dir, &st) != 0)
        rc = kb_cmd_fail(cx, KB_ECANTCREAT, _("cannot create %s: cannot use the directory %s: %s"),
                         path, dir, strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        rc =
            kb_cmd_fail(cx, KB_ECANTCREAT, _("cannot create %s: %s is not a directory"), path, dir);
    kb_free(&dir);
    return rc;
}

int kb_cmd_open(kb_cmd_ctx *cx, const char *cmd, kb_board **out)
{
    if (cx->shared) { /* inside the TUI: its open board */
        *out = cx->shared;
        return KB_OK;
    }
    int rc = kb_cmd_need_db(cx, cmd);
    if (rc)
        return rc;
    if (access(cx->db, F_OK) != 0)
        return kb_cmd_fail(cx, KB_ENOENT, _("no board at %s (create one with 'kernboard init %s')"),
                           cx->db, cx->db);
    long idle = 0;
    if (kb_cmd_key_idle(cx, &idle))
        return kb_cmd_report(cx);
    kb_board_opts o = {.kdf = cx->kdf, .key_cache_s = idle};
    if (!cx->passphrase_file && idle > 0 && kb_board_key_cache_ready()) {
        /* no passphrase given: the key kept in this login session first */
        kb_board_opts co = o;
        co.cache_only = true;
        kb_err ce;
        if (kb_board_open(cx->db, cx->user, NULL, &co, out, &ce) == KB_OK) {
            cx->opened = true;
            return KB_OK;
        }
    }
    return kb_cmd_open_pass(cx, &o, out);
}

int kb_cmd_open_pass(kb_cmd_ctx *cx, const kb_board_opts *o, kb_board **out)
{
    kb_secret *pass = NULL;
    char *prompt = kb_asprintf(_("Passphrase for %s on %s: "), cx->user, cx->db);
    int rc = kb_cmd_passphrase(cx, cx->passphrase_file, prompt, &pass);
    kb_free(&prompt);
    if (rc)
        return kb_cmd_report(cx);
    rc = kb_board_open(cx->db, cx->user, pass, o, out, &cx->err);
    kb_secret_free(&pass);
    if (rc)
        return kb_cmd_report(cx);
    cx->opened = true;
    return KB_OK;
}

void kb_cmd_close(kb_cmd_ctx *cx, kb_board **b)
{
    if (*b && *b == cx->shared)
        *b = NULL;
    else
        kb_board_close(b);
}

int kb_cmd_text_arg(kb_cmd_ctx *cx, const char *arg, char **out)
{
    if (strcmp(arg, "-") != 0) {
        *out = kb_strdup(arg);
        kb_text_newlines(*out); /* CRLF or CR line breaks: LF */
        return KB_OK;
    }
    if (!cx->in)
        return kb_cmd_fail(cx, KB_EUSAGE,
                           _("'-' reads standard input, which is not available here; type the "
                             "text instead"));
    kb_buf b = KB_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, cx->in)) > 0) {
        kb_buf_append(&b, chunk, n);
        if (b.len > KB_TEXT_MAX) {
            kb_buf_free(&b);
            return kb_cmd_fail(cx, KB_EDATA, _("text on standard input is longer than %d bytes"),
                               KB_TEXT_MAX);
        }
    }
    if (ferror(cx->in)) {
        kb_buf_free(&b);
        return kb_cmd_fail(cx, KB_EIO, _("cannot read standard input"));
    }
    const char *nul = b.len ? memchr(b.data, 0, b.len) : NULL;
    if (nul) { /* a C string would end there: refuse instead of cutting the text */
        size_t at = (size_t)(nul - b.data) + 1;
        kb_buf_free(&b);
        return kb_cmd_fail(cx, KB_EDATA,
                           _("text on standard input contains a NUL byte (byte %zu); remove it "
                             "and try again"),
                           at);
    }
    *out = b.data ? kb_buf_take(&b) : kb_strdup("");
    kb_text_newlines(*out); /* a file from Windows: CRLF line breaks become LF */
    n = strlen(*out);
    while (n && (*out)[n - 1] == '\n')
        (*out)[--n] = 0;
    return KB_OK;
}

int kb_cmd_open_noargs(kb_cmd_ctx *cx, const char *cmd, int argc, char **argv, kb_board **out)
{
    if (argc > 1)
        return kb_cmd_usage(cx, cmd, _("unexpected argument '%s'"), argv[1]);
    return kb_cmd_open(cx, cmd, out);
}

/* The options that name a file: '' is never one. */
static const char *const kb_cmd_file_options[] = {"out", "new-passphrase-file", "minutes"};

static const char *kb_cmd_option_name(const struct option *longs, int val)
{
    for (; longs->name; longs++)
        if (longs->val == val && !longs->flag)
            return longs->name;
    return "";
}

static bool kb_cmd_file_option(const struct option *longs, int val)
{
    const char *name = kb_cmd_option_name(longs, val);
    for (size_t i = 0; i < sizeof kb_cmd_file_options / sizeof kb_cmd_file_options[0]; i++)
        if (strcmp(name, kb_cmd_file_options[i]) == 0)
            return true;
    return false;
}

bool kb_cmd_is_option(const kb_cmd_ctx *cx, char **argv, int i)
{
    return strncmp(argv[i], "--", 2) == 0 && (!cx->operands || argv + i < cx->operands);
}

int kb_cmd_getopt(kb_cmd_ctx *cx, const char *cmd, int argc, char **argv,
                  const struct option *longs, int *idx, int *opt)
{
    if (kb_cmd_probe(cx, longs)) { /* only asked for the options */
        *opt = -1;
        return KB_EUSAGE;
    }
    opterr = 0;
    /* the words after "--" are operands: getopt sees only those before */
    int limit = argc;
    if (cx->operands && cx->operands >= argv && cx->operands - argv < argc)
        limit = cx->operands - argv > 1 ? (int)(cx->operands - argv) : 1;
    int c = getopt_long(limit, argv, ":", longs, idx);
    *opt = c;
    if (c > 0 && c != '?' && c != ':' && optarg && !optarg[0] && kb_cmd_file_option(longs, c)) {
        const char *name = kb_cmd_option_name(longs, c);
        return kb_cmd_usage(cx, cmd, _("option '--%s' needs a file name, not ''"), name);
    }
    if (c == '?') {
        if (optopt)
            return kb_cmd_usage(cx, cmd, _("option '%s' needs a value"), argv[optind - 1]);
        return kb_cmd_usage(cx, cmd, _("unknown option '%s'"), argv[optind - 1]);
    }
    if (c == ':')
        return kb_cmd_usage(cx, cmd, _("option '%s' needs a value"), argv[optind - 1]);
    return KB_OK;
}

void kb_cmd_getopt_reset(void)
{
    optind = 0;
}

/* ------------------------------------------------------------ output */

static const char *kb_opt_str(const char *s)
{
    return s ? s : "";
}

static json_t *kb_json_strv(const kb_strv *sv)
{
    json_t *a = json_array();
    for (size_t i = 0; i < sv->n; i++)
        json_array_append_new(a, json_string(sv->v[i]));
    return a;
}

static json_t *kb_json_date(kb_date d)
{
    if (d == KB_DATE_NONE)
        return json_null();
    char s[KB_DATE_STRLEN];
    kb_date_format(d, s);
    return json_string(s);
}

static json_t *kb_json_time(kb_time t)
{
    char s[KB_TIME_STRLEN];
    kb_time_format(t, s);
    return json_string(s);
}

/* A case as JSON: "id", one key per row of the case field table (its json
 * name and type), then "created", "updated", "moved" (entered its current
 * stage), "version". */
json_t *kb_cmd_case_json(const kb_case *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(c->number));
    for (int f = 0; f < KB_F_COUNT; f++) {
        const kb_field_desc *d = kb_case_field((enum kb_field_id)f);
        json_t *v;
        switch (d->type) {
        case KB_FT_DEPTS:
        case KB_FT_LIST:
            v = kb_json_strv(kb_case_field_list((kb_case *)c, d->id));
            break;
        case KB_FT_DATE:
            v = kb_json_date(d->id == KB_F_DUE ? c->due : c->review);
            break;
        case KB_FT_BOOL:
            v = json_boolean(c->on_agenda);
            break;
        case KB_FT_PRIORITY:
            v = json_integer(c->priority);
            break;
        default: { /* text: title, description and stage are always strings */
            char *t = kb_case_field_text(c, d->id);
            bool always = d->id == KB_F_TITLE || d->id == KB_F_DESC || d->id == KB_F_STAGE ||
                          d->id == KB_F_CONF;
            v = t[0] || always ? json_string(t) : json_null();
            kb_free(&t);
        }
        }
        json_object_set_new(o, d->json, v);
    }
    json_object_set_new(o, "created", kb_json_time(c->created));
    json_object_set_new(o, "updated", kb_json_time(c->updated));
    /* when it entered its current stage */
    json_object_set_new(o, "moved", kb_json_time(kb_case_stage_since(c)));
    json_object_set_new(o, "version", json_integer((json_int_t)c->version));
    return o;
}

json_t *kb_cmd_comment_json(const kb_comment *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(c->kind == KB_ENTRY_COMMENT ? "comment" : "change"));
    json_object_set_new(o, "author", json_string(kb_opt_str(c->author)));
    json_object_set_new(o, "time", kb_json_time(c->time));
    json_object_set_new(o, "text", json_string(kb_opt_str(c->text)));
    if (c->move_from || c->move_to) { /* a structured stage move */
        json_object_set_new(o, "move_from", json_string(kb_opt_str(c->move_from)));
        json_object_set_new(o, "move_to", json_string(kb_opt_str(c->move_to)));
    }
    if (c->reason)
        json_object_set_new(o, "reason", json_string(c->reason));
    return o;
}

json_t *kb_cmd_action_json(const kb_action_item *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(a->number));
    json_object_set_new(o, "case", json_integer(a->case_number));
    json_object_set_new(o, "text", json_string(kb_opt_str(a->text)));
    json_object_set_new(o, "owner", json_string(kb_opt_str(a->owner)));
    json_object_set_new(o, "due", kb_json_date(a->due));
    json_object_set_new(o, "done", json_boolean(a->done));
    json_object_set_new(o, "created", kb_json_time(a->created));
    return o;
}

json_t *kb_cmd_link_json(const kb_link *l)
{
    json_t *o = json_object();
    json_object_set_new(o, "from", json_integer(l->from));
    json_object_set_new(o, "to", json_integer(l->to));
    json_object_set_new(o, "kind", json_string(kb_link_kind_name(l->kind)));
    return o;
}

int kb_cmd_print_json(kb_cmd_ctx *cx, json_t *doc)
{
    if (!doc) /* a value jansson refused to make (e.g. text that is not UTF-8) */
        return kb_cmd_fail(cx, KB_ESOFTWARE, _("cannot make the JSON output; please report this"));
    /* any value: an object, an array, or a bare null ("triage next" with
     * an empty inbox) */
    int rc = json_dumpf(doc, cx->out,
                        JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII |
                            JSON_ENCODE_ANY) == 0 &&
                     fputc('\n', cx->out) != EOF
                 ? KB_OK
                 : KB_EIO;
    json_decref(doc);
    /* a stream that failed is reported once by its owner (kb_cli_main
     * checks stdout at the end); anything else is said here */
    if (rc && !ferror(cx->out))
        return kb_cmd_fail(cx, KB_ESOFTWARE, _("cannot make the JSON output; please report this"));
    return rc;
}

/* Display width of a UTF-8 string (wcwidth per code point). */
size_t kb_cmd_width(const char *s)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t w = 0;
    const char *p = s;
    size_t left = strlen(s);
    while (left) {
        wchar_t wc;
        size_t n = mbrtowc(&wc, p, left, &st);
        if (n == (size_t)-1 || n == (size_t)-2) {
            w++;
            p++;
            left--;
            memset(&st, 0, sizeof st);
            continue;
        }
        if (n == 0)
            break;
        int cw = wcwidth(wc);
        w += cw > 0 ? (size_t)cw : 0;
        p += n;
        left -= n;
    }
    return w;
}

/* Append s cut or padded to exactly width columns: one pass over the
 * string (plain ASCII without a call into the C library), no stdio. */
void kb_cmd_cell_buf(kb_buf *b, const char *s, size_t width)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    const size_t climit = width ? width - 1 : 0; /* what fits beside an ellipsis */
    size_t w = 0, cut = SIZE_MAX, wcut = 0;
    const char *p = s;
    size_t left = strlen(s);
    kb_buf_reserve(b, left + width + 4);
    while (left) {
        /* a run of printable ASCII that fits before any cut: in one copy */
        size_t run = 0, room = climit > w ? climit - w : 0;
        while (run < left && run < room && (unsigned char)p[run] >= 0x20 &&
               (unsigned char)p[run] < 0x7f)
            run++;
        if (run > 1 && mbsinit(&st)) {
            kb_buf_append(b, p, run);
            w += run;
            p += run;
            left -= run;
            continue;
        }
        size_t n;
        size_t c;
        unsigned char ch = (unsigned char)*p;
        bool bad = false;
        if (ch < 0x80 && mbsinit(&st)) {
            n = 1;
            c = ch >= 0x20 && ch < 0x7f ? 1 : 0;
        } else {
            wchar_t wc;
            n = mbrtowc(&wc, p, left, &st);
            if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
                n = 1;
                wc = '?';
                memset(&st, 0, sizeof st);
                bad = ch >= 0x80;
            }
            int cw = wcwidth(wc);
            c = cw > 0 ? (size_t)cw : 0;
        }
        if (cut == SIZE_MAX && w + c > climit) {
            cut = b->len; /* the output up to here, should it not fit */
            wcut = w;
        }
        w += c;
        if (w > width)
            break; /* it does not fit: cut (below) */
        if (bad)
            kb_buf_putc(b, '?');
        else
            kb_buf_append(b, p, n);
        p += n;
        left -= n;
    }
    if (w > width) {
        b->len = cut;
        b->data[b->len] = '\0';
        w = wcut;
        if (width) {
            /* ellipsis: "…" in UTF-8 locales, "~" otherwise */
            kb_buf_puts(b, MB_CUR_MAX > 1 ? "\xe2\x80\xa6" : "~");
            w++;
        }
    }
    if (w < width) {
        kb_buf_reserve(b, width - w);
        memset(b->data + b->len, ' ', width - w);
        b->len += width - w;
        b->data[b->len] = '\0';
    }
}

/* Print s cut or padded to exactly width columns. */
void kb_cmd_cell(FILE *f, const char *s, size_t width)
{
    kb_buf b = KB_BUF_INIT;
    kb_cmd_cell_buf(&b, s, width);
    if (b.len)
        fwrite(b.data, 1, b.len, f);
    kb_buf_free(&b);
}

/* ------------------------------------------------------------ the shared screen */

bool kb_cmd_hidden(const kb_cmd_ctx *cx, const kb_case *c)
{
    return kb_case_hidden_on_screen(c, cx->shared_screen, cx->revealed);
}

/* Is case number hidden on the shared screen?  *readable: whether the
 * case could be read to decide (the callers differ on one that cannot). */
static bool kb_cmd_hidden_read(const kb_cmd_ctx *cx, kb_board *b, uint32_t number, bool *readable)
{
    kb_case c;
    kb_case_init(&c);
    kb_err e;
    *readable = kb_board_case_get(b, number, &c, &e) == KB_OK;
    bool hidden = *readable && kb_cmd_hidden(cx, &c);
    kb_case_free(&c);
    return hidden;
}

bool kb_cmd_hidden_number(const kb_cmd_ctx *cx, kb_board *b, uint32_t number)
{
    if (!cx->shared_screen)
        return false;
    bool readable;
    bool hidden = kb_cmd_hidden_read(cx, b, number, &readable);
    return hidden || !readable; /* unreadable: show nothing of it */
}

bool kb_cmd_mask(const kb_cmd_ctx *cx, kb_case *c)
{
    if (!kb_cmd_hidden(cx, c))
        return false;
    kb_case keep = kb_case_masked_view(c); /* borrows the title: taken over */
    c->title = NULL;
    kb_case_free(c);
    *c = keep;
    return true;
}

int kb_cmd_hidden_refuse(kb_cmd_ctx *cx, kb_board *b, const char *cmd, uint32_t number)
{
    if (!cx->shared_screen)
        return KB_OK;
    bool readable;
    if (!kb_cmd_hidden_read(cx, b, number, &readable))
        return KB_OK; /* the command itself names a missing case */
    return kb_cmd_fail(cx, KB_EPERM,
                       _("%s: #%u is confidential: only its number and title are shown on the "
                         "shared screen (presenting or a meeting) until the chair reveals it"),
                       cmd, number);
}

const char *kb_cmd_masked_text(void)
{
    return _("(confidential)");
}
