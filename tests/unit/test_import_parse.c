/* Unit tests for the import parsers (src/cmd/cmd_import_parse.c): the JSON
 * export read as a stream (element by element, from memory or a file),
 * error positions, and the CSV parser fed in chunks. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd_import.h"
#include "kernboard/buf.h"
#include "kernboard/mem.h"

static const char *const small =
    "{\n"
    "  \"format\": \"kernboard-export\",\n"
    "  \"format_version\": 1,\n"
    "  \"departments\": [{\"code\": \"ECO\", \"name\": \"Economie\", \"colour\": null}],\n"
    "  \"future_key\": {\"ignored\": [1, 2, {\"x\": \"]}\"}]},\n"
    "  \"cases\": [\n"
    "    {\"id\": 1, \"title\": \"Eén \\\"case\\\" } ]\", \"timeline\": [\n"
    "      {\"kind\": \"comment\", \"author\": \"alice\", \"text\": \"a\\nb\", \"time_us\": 5}]},\n"
    "    {\"id\": 2, \"title\": \"two\"}\n"
    "  ],\n"
    "  \"actions\": [],\n"
    "  \"links\": null\n"
    "}\n";

static void check_small(const kb_import_buf *ib)
{
    cr_assert_eq(ib->imp.ndepts, 1);
    cr_assert_str_eq(ib->imp.depts[0].code, "ECO");
    cr_assert_eq(ib->imp.ncases, 2);
    cr_assert_str_eq(ib->imp.cases[0].title, "Eén \"case\" } ]");
    cr_assert_eq(ib->imp.cases[1].number, 2);
    cr_assert_eq(ib->imp.ncomments, 1);
    cr_assert_str_eq(ib->imp.comments[0].text, "a\nb");
    cr_assert_eq(ib->imp.comments[0].case_number, 1);
    cr_assert_eq(ib->imp.nactions, 0);
}

Test(import_json, memory_and_file_agree)
{
    kb_import_buf ib;
    memset(&ib, 0, sizeof ib);
    kb_err e;
    cr_assert_eq(kb_import_json(small, strlen(small), "x.json", &ib, &e), KB_OK, "%s", e.msg);
    check_small(&ib);
    kb_import_buf_free(&ib);

    FILE *f = tmpfile();
    cr_assert(f);
    fputs(small, f);
    rewind(f);
    memset(&ib, 0, sizeof ib);
    cr_assert_eq(kb_import_json_file(f, "x.json", &ib, &e), KB_OK, "%s", e.msg);
    check_small(&ib);
    kb_import_buf_free(&ib);
    fclose(f);
}

/* many elements: the arrays grow as they come */
Test(import_json, many_cases_stream)
{
    kb_buf b = KB_BUF_INIT;
    kb_buf_puts(&b, "{\"format\":\"kernboard-export\",\"format_version\":1,\"cases\":[");
    for (int i = 1; i <= 5000; i++)
        kb_buf_printf(&b,
                      "%s{\"id\":%d,\"title\":\"case %d\",\"timeline\":[{\"kind\":\"change\","
                      "\"author\":\"a\",\"text\":\"t\"}]}",
                      i > 1 ? "," : "", i, i);
    kb_buf_puts(&b, "]}");
    kb_import_buf ib;
    memset(&ib, 0, sizeof ib);
    kb_err e;
    cr_assert_eq(kb_import_json(b.data, b.len, "x.json", &ib, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(ib.imp.ncases, 5000);
    cr_assert_eq(ib.imp.ncomments, 5000);
    cr_assert_eq(ib.imp.cases[4999].number, 5000);
    cr_assert_eq(ib.imp.comments[4999].case_number, 5000);
    kb_import_buf_free(&ib);
    kb_buf_free(&b);
}

Test(import_json, errors_name_the_place)
{
    static const struct {
        const char *in, *want;
    } t[] = {
        {"{\"format\":\"kernboard-export\",\"format_version\":1,\n\"cases\":[{\"title\":\"a\"},\n"
         "  {\"title\":\"b\",}]}",
         "x.json:3:"},
        {"{\"format\":\"kernboard-export\",\"format_version\":1,\"cases\":[{\"title\":5}]}",
         "x.json: cases[0].title: expected a string"},
        {"{\"format\":\"kernboard-export\",\"format_version\":1,\"cases\":[{\"title\":\"a\"},7]}",
         "x.json: cases[1]: expected an object"},
        {"{\"format\":\"kernboard-export\",\"format_version\":1} x", "end of file expected"},
        {"{\"format\":\"kernboard-export\",\"format_version\":1,\"format\":1}",
         "duplicate object key"},
        {"{\"format\":\"kernboard-export\",\"format_version\":1,\"cases\":{}}",
         "x.json: cases: expected a list"},
        {"{\"format\":\"kernboard-export\",\"format_version\":1,\"cases\":[", "end of file"},
        {"{\"format\":\"kernboard-export\",\"format_version\":2}", "format version"},
        {"{\"cases\":[{\"title\":5}]}", "is not a kernboard export"},
        {"[1, 2]", "is not a kernboard export"},
        {"", "x.json:1:0: "},
        {"{\"format\":\"kernboard-export\",\"format_version\":1,\"cases\":[{\"title\":\"\xff\"}]}",
         "x.json:1:"},
        /* valid JSON, but no text kernboard keeps: plain words, not
         * jansson's ("... without JSON_ALLOW_NUL") */
        {"{\"format\":\"kernboard-export\",\"format_version\":1,\n\"cases\":[{\"title\":"
         "\"a\\u0000\"}]}",
         "x.json:2:"},
        {"{\"format\":\"kernboard-export\",\"format_version\":1,\"cases\":[{\"title\":\"a\\u0000\"}"
         "]}",
         "a text contains \\u0000 (the NUL character), which kernboard does not accept"},
        {"{\"format\":\"kernboard-export\",\"format_version\":1,\"cases\":[{\"title\":\"t\","
         "\"timeline\":[{\"kind\":\"comment\",\"author\":\"a\",\"text\":\"x\"}]}]}",
         "x.json: cases[0].id: a case with a timeline needs its id"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        kb_import_buf ib;
        memset(&ib, 0, sizeof ib);
        kb_err e;
        int rc = kb_import_json(t[i].in, strlen(t[i].in), "x.json", &ib, &e);
        cr_assert_eq(rc, KB_EDATA, "row %zu", i);
        cr_assert(strstr(e.msg, t[i].want), "row %zu: %s", i, e.msg);
        cr_assert_null(strstr(e.msg, "JSON_"), "row %zu: %s", i, e.msg);
        kb_import_buf_free(&ib);
    }
}

/* An export of n cases, one per line (case i, 0-based, on line i + 2),
 * with case bad[k] replaced by what[k]; cut after case stop (-1: whole). */
static void kb_long_export(kb_buf *b, bool format_first, int n, const int *bad,
                           const char *const *what, size_t nbad, int stop)
{
    kb_buf_clear(b);
    kb_buf_puts(b, format_first ? "{\"format\":\"kernboard-export\",\"format_version\":1,"
                                  "\"cases\":[\n"
                                : "{\"cases\":[\n");
    for (int i = 0; i < n && (stop < 0 || i <= stop); i++) {
        const char *w = NULL;
        for (size_t k = 0; k < nbad; k++)
            if (bad[k] == i)
                w = what[k];
        if (w)
            kb_buf_printf(b, "%s%s", i ? ",\n" : "", w);
        else
            kb_buf_printf(b,
                          "%s{\"id\":%d,\"title\":\"case %d\",\"timeline\":[{\"kind\":\"comment\","
                          "\"author\":\"a\",\"text\":\"t %d\"}]}",
                          i ? ",\n" : "", i + 1, i + 1, i);
    }
    if (stop < 0)
        kb_buf_puts(b, format_first ? "\n]}"
                                    : "\n],\"format\":\"kernboard-export\","
                                      "\"format_version\":1}");
}

/* Long lists: the import, the positions of the cases and the first error
 * in the file (an element's before a later error of the stream, at case
 * 900 or at the end; "not a kernboard export" when the element comes
 * before "format") from memory and from a file. */
Test(import_json, long_lists_keep_order_and_errors)
{
    static const struct {
        bool format_first;
        int bad[2];
        const char *what[2];
        int stop; /* the file ends after this case (-1: complete) */
        const char *want;
    } t[] = {
        /* an element error before the end of the file comes first */
        {true, {600, -1}, {"{\"id\":601,\"title\":5}", NULL}, 900, "x.json: cases[600].title"},
        /* JSON that jansson refuses, before another bad element */
        {true, {700, 800}, {"{\"title\":\"b\",}", "{\"title\":5}"}, -1, "x.json:702:"},
        {true, {300, 999}, {"7", "{\"title\":5}"}, -1, "x.json: cases[300]: expected an object"},
        /* the stream's own error after a thousand good elements */
        {true, {-1, -1}, {NULL, NULL}, 1100, "x.json:1102:"},
        {true, {1400, -1}, {"{\"title\":\"x\"} {", NULL}, -1, "x.json:1402:"},
        /* before "format": an element that does not fit says "not an
         * export", also when the file breaks off later */
        {false, {850, -1}, {"{\"title\":5}", NULL}, 900, "is not a kernboard export"},
        {false, {600, -1}, {"{\"title\":5}", NULL}, 900, "is not a kernboard export"},
        {true, {850, -1}, {"{\"id\":851,\"title\":5}", NULL}, 900, "x.json: cases[850].title"},
        /* elements are parsed in batches of 256: an element's error comes
         * before a broken separator after the next one in the same batch,
         * and a broken separator before the next element's error */
        {true,
         {299, 300},
         {"{\"id\":300,\"title\":5}", "{\"title\":\"x\"} {"},
         -1,
         "x.json: cases[299].title"},
        {true, {299, 300}, {"{\"title\":\"x\"} {", "{\"id\":301,\"title\":5}"}, -1, "x.json:301:"},
        {true,
         {255, 256},
         {"{\"id\":256,\"title\":5}", "{\"title\":\"b\",}"},
         -1,
         "x.json: cases[255].title"},
        {true, {255, 256}, {"{\"title\":\"b\",}", "{\"id\":257,\"title\":5}"}, -1, "x.json:257:"},
        {false, {-1, -1}, {NULL, NULL}, 1100, "x.json:1102:"},
    };
    kb_buf b = KB_BUF_INIT;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        for (int file = 0; file < 2; file++) {
            kb_long_export(&b, t[i].format_first, 1500, t[i].bad, t[i].what, 2, t[i].stop);
            kb_import_buf ib;
            memset(&ib, 0, sizeof ib);
            kb_err e;
            int rc;
            if (file) {
                FILE *f = tmpfile();
                cr_assert(f);
                fwrite(b.data, 1, b.len, f);
                rewind(f);
                rc = kb_import_json_file(f, "x.json", &ib, &e);
                fclose(f);
            } else {
                rc = kb_import_json(b.data, b.len, "x.json", &ib, &e);
            }
            cr_assert_eq(rc, KB_EDATA, "row %zu", i);
            cr_assert(strstr(e.msg, t[i].want), "row %zu (file %d): %s", i, file, e.msg);
            kb_import_buf_free(&ib);
        }
    }
    /* and a good one: every case, its timeline and where it starts */
    int none[1] = {-1};
    const char *nothing[1] = {NULL};
    for (int first = 0; first < 2; first++) {
        kb_long_export(&b, first == 1, 1500, none, nothing, 1, -1);
        kb_import_buf ib;
        memset(&ib, 0, sizeof ib);
        kb_err e;
        cr_assert_eq(kb_import_json(b.data, b.len, "x.json", &ib, &e), KB_OK, "%s", e.msg);
        cr_assert_eq(ib.imp.ncases, 1500);
        cr_assert_eq(ib.imp.ncomments, 1500);
        for (size_t k = 0; k < 1500; k++) {
            cr_assert_eq(ib.imp.cases[k].number, k + 1);
            cr_assert_eq(ib.imp.comments[k].case_number, k + 1);
            const kb_import_pos *at = kb_import_case_at(&ib, k);
            cr_assert(at);
            cr_assert_eq(at->line, k + 2, "case %zu on line %zu", k, at->line);
            cr_assert_eq(at->col, 1);
        }
        kb_import_buf_free(&ib);
    }
    kb_buf_free(&b);
}

/* the board settings and the shared views (issue: "the JSON export is
 * complete"): read into the import; an old export without them sets
 * nothing */
Test(import_json, settings_and_views)
{
    static const char doc[] =
        "{\"format\":\"kernboard-export\",\"format_version\":1,\n"
        "\"settings\":{\"contact_window\":9,\"later_setting\":true},\n"
        "\"views\":[{\"name\":\"team\",\"query\":\"agenda\",\"sort\":null,\"lanes\":null},\n"
        "  {\"name\":\"eco\",\"query\":\"lead:ECO stuck\",\"sort\":\"age\",\"lanes\":\"ECO,-\"}]}";
    kb_import_buf ib;
    memset(&ib, 0, sizeof ib);
    kb_err e;
    cr_assert_eq(kb_import_json(doc, strlen(doc), "x.json", &ib, &e), KB_OK, "%s", e.msg);
    cr_assert(ib.imp.has_contact_window);
    cr_assert_eq(ib.imp.contact_window, 9);
    cr_assert_eq(ib.imp.nviews, 2);
    cr_assert_str_eq(ib.imp.views[0].name, "team");
    cr_assert_str_eq(ib.imp.views[0].query, "agenda");
    cr_assert_null(ib.imp.views[0].sort);
    cr_assert_null(ib.imp.views[0].lanes);
    cr_assert_str_eq(ib.imp.views[1].sort, "age");
    cr_assert_str_eq(ib.imp.views[1].lanes, "ECO,-");
    cr_assert(ib.imp.views[1].shared);
    kb_import_buf_free(&ib);

    memset(&ib, 0, sizeof ib);
    cr_assert_eq(kb_import_json(small, strlen(small), "x.json", &ib, &e), KB_OK, "%s", e.msg);
    cr_assert(!ib.imp.has_contact_window);
    cr_assert_eq(ib.imp.nviews, 0);
    kb_import_buf_free(&ib);

    static const struct {
        const char *in, *want;
    } t[] = {
        {"{\"format\":\"kernboard-export\",\"format_version\":1,\"settings\":[]}",
         "x.json: settings: expected an object"},
        {"{\"format\":\"kernboard-export\",\"format_version\":1,"
         "\"settings\":{\"contact_window\":366}}",
         "x.json: settings.contact_window: "},
        {"{\"format\":\"kernboard-export\",\"format_version\":1,"
         "\"settings\":{\"contact_window\":\"9\"}}",
         "x.json: settings.contact_window: "},
        {"{\"format\":\"kernboard-export\",\"format_version\":1,\"views\":[{\"query\":\"a\"}]}",
         "x.json: views[0].name: missing"},
        {"{\"format\":\"kernboard-export\",\"format_version\":1,"
         "\"views\":[{\"name\":\"a\",\"query\":\"b\",\"sort\":1}]}",
         "x.json: views[0].sort: expected a string"},
        {"{\"format\":\"kernboard-export\",\"format_version\":1,\"views\":{}}",
         "x.json: views: expected a list"},
        {"{\"format\":\"kernboard-export\",\"format_version\":1,\"settings\":{},\"settings\":{}}",
         "duplicate object key"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        memset(&ib, 0, sizeof ib);
        int rc = kb_import_json(t[i].in, strlen(t[i].in), "x.json", &ib, &e);
        cr_assert_eq(rc, KB_EDATA, "row %zu", i);
        cr_assert(strstr(e.msg, t[i].want), "row %zu: %s", i, e.msg);
        kb_import_buf_free(&ib);
    }
}

/* CSV from a file is read in chunks of 64 KiB: rows across chunk edges */
Test(import_csv, file_in_chunks)
{
    FILE *f = tmpfile();
    cr_assert(f);
    fputs("id,title,description\n", f);
    for (int i = 1; i <= 3000; i++)
        fprintf(f, "%d,\"Case %d, with a comma\",\"line one\nline two of case %d\"\n", i, i, i);
    rewind(f);
    kb_import_buf ib;
    memset(&ib, 0, sizeof ib);
    kb_err e;
    cr_assert_eq(kb_import_csv_file(f, "x.csv", &ib, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(ib.imp.ncases, 3000);
    cr_assert_str_eq(ib.imp.cases[2999].title, "Case 3000, with a comma");
    cr_assert_str_eq(ib.imp.cases[2999].description, "line one\nline two of case 3000");
    kb_import_buf_free(&ib);
    fclose(f);

    static const char bad[] = "title\nok\n\xff\xfe\n";
    memset(&ib, 0, sizeof ib);
    cr_assert_eq(kb_import_csv(bad, sizeof bad - 1, "x.csv", &ib, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "line 3: not UTF-8"), "%s", e.msg);
    kb_import_buf_free(&ib);
}

/* A spreadsheet's CSV: a leading UTF-8 byte order mark is skipped; a
 * header with semicolons and no comma makes ';' the separator (Excel with
 * Dutch settings), from memory and from a file; a comma header keeps ','
 * (a ';' in a cell is then a list separator or text) */
Test(import_csv, bom_and_semicolons)
{
    static const struct {
        const char *csv, *title, *stage;
        size_t ndepts;
    } t[] = {
        {"\xEF\xBB\xBFtitle,stage\nMet BOM,explore\n", "Met BOM", "explore", 0},
        {"title;stage;depts\r\n\"Kade; fase 2\";connect;\"ECO;INC\"\r\n", "Kade; fase 2", "connect",
         2},
        {"\xEF\xBB\xBFtitle;depts\n\"a, b\";ECO\n", "a, b", NULL, 1},
        {"title,depts\nx;y,ECO;INC\n", "x;y", NULL, 2},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        for (int from_file = 0; from_file < 2; from_file++) {
            kb_import_buf ib;
            memset(&ib, 0, sizeof ib);
            kb_err e;
            int rc;
            FILE *f = NULL;
            if (from_file) {
                f = tmpfile();
                cr_assert(f);
                fputs(t[i].csv, f);
                rewind(f);
                rc = kb_import_csv_file(f, "x.csv", &ib, &e);
                fclose(f);
            } else {
                rc = kb_import_csv(t[i].csv, strlen(t[i].csv), "x.csv", &ib, &e);
            }
            cr_assert_eq(rc, KB_OK, "row %zu (file %d): %s", i, from_file, e.msg);
            cr_assert_eq(ib.imp.ncases, 1, "row %zu", i);
            cr_expect_str_eq(ib.imp.cases[0].title, t[i].title, "row %zu", i);
            if (t[i].stage)
                cr_expect_str_eq(ib.imp.cases[0].stage, t[i].stage, "row %zu", i);
            cr_expect_eq(ib.imp.cases[0].depts.n, t[i].ndepts, "row %zu", i);
            kb_import_buf_free(&ib);
        }
    }
}

/* Where each case starts: the physical CSV line (line breaks inside quoted
 * cells, CRLF and blank lines counted), across the 64 KiB chunks of a file;
 * the JSON line and column of the case's object */
Test(import_csv, case_lines)
{
    static const char csv[] = "title,description\r\n"
                              "one,\"a\r\nb\r\nc\"\r\n"
                              "\r\n"
                              "two,plain\r\n"
                              "three,\"x\n\ny\"\n"
                              "four,\xff\n";
    kb_import_buf ib;
    memset(&ib, 0, sizeof ib);
    kb_err e;
    cr_assert_eq(kb_import_csv(csv, sizeof csv - 1, "x.csv", &ib, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "x.csv: line 10: not UTF-8"), "%s", e.msg);
    cr_assert_eq(ib.imp.ncases, 3); /* the fourth stopped at its bad cell */
    static const size_t want[] = {2, 6, 7};
    for (size_t i = 0; i < 3; i++) {
        const kb_import_pos *at = kb_import_case_at(&ib, i);
        cr_assert(at, "case %zu", i);
        cr_expect_eq(at->line, want[i], "case %zu: line %zu", i, at->line);
        cr_expect_eq(at->col, 0);
    }
    cr_assert_null(kb_import_case_at(&ib, 99));
    kb_import_buf_free(&ib);

    FILE *f = tmpfile();
    cr_assert(f);
    fputs("id,title,description\n", f);
    for (int i = 1; i <= 3000; i++)
        fprintf(f, "%d,\"Case %d\",\"line one\nline two\"\n", i, i);
    rewind(f);
    memset(&ib, 0, sizeof ib);
    cr_assert_eq(kb_import_csv_file(f, "x.csv", &ib, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(ib.imp.ncases, 3000);
    cr_expect_eq(kb_import_case_at(&ib, 2999)->line, 2 + 2 * 2999);
    kb_import_buf_free(&ib);
    fclose(f);

    memset(&ib, 0, sizeof ib);
    cr_assert_eq(kb_import_json(small, strlen(small), "x.json", &ib, &e), KB_OK, "%s", e.msg);
    const kb_import_pos *at = kb_import_case_at(&ib, 1);
    cr_assert(at);
    cr_expect_eq(at->line, 9);
    cr_expect_eq(at->col, 5);
    kb_import_buf_free(&ib);
}

/* List cells (depts, tags, hooks, orgs): values joined with ';', their own
 * ';' and '\' escaped and a space at either end kept, so every value the
 * model accepts reads back as it was (a tag "a;b" stays one tag); a cell
 * typed in a spreadsheet splits at ';' and trims plain spaces, and a '\'
 * before any other character is text */
Test(import_csv, list_cells_round_trip)
{
    static const char *const lists[][5] = {
        {"a;b", "c", NULL},
        {"X\\Y", "S:\\beleid\\", NULL},
        {" lead", "trail ", "  both  ", " ", NULL},
        {";", "\\", "\\;", "a\\ b;", NULL},
        {"één; twee", "Stichting A, B en C", NULL},
        {NULL},
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        kb_strv in = {0}, out = {0};
        for (size_t k = 0; lists[i][k]; k++)
            kb_strv_push(&in, lists[i][k]);
        char *cell = kb_csv_list_join(&in);
        kb_csv_list_split(&out, cell);
        cr_assert_eq(out.n, in.n, "list %zu: cell '%s' gives %zu values", i, cell, out.n);
        for (size_t k = 0; k < in.n; k++)
            cr_expect_str_eq(out.v[k], in.v[k], "list %zu (cell '%s') value %zu", i, cell, k);
        kb_free(&cell);
        kb_strv_free(&in);
        kb_strv_free(&out);
    }
    static const struct {
        const char *cell;
        const char *want[4];
    } typed[] = {
        {"a; b ;c", {"a", "b", "c"}},
        {";; a ;", {"a"}},
        {"S:\\beleid;x\\y", {"S:\\beleid", "x\\y"}},
        {"a\\;b", {"a;b"}},
        {"", {NULL}},
    };
    for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++) {
        kb_strv out = {0};
        kb_csv_list_split(&out, typed[i].cell);
        size_t n = 0;
        while (n < 4 && typed[i].want[n])
            n++;
        cr_assert_eq(out.n, n, "cell '%s': %zu values", typed[i].cell, out.n);
        for (size_t k = 0; k < n; k++)
            cr_expect_str_eq(out.v[k], typed[i].want[k], "cell '%s' value %zu", typed[i].cell, k);
        kb_strv_free(&out);
    }

    /* through the parser: the tag "a;b" of an export is one tag */
    static const char csv[] = "title,tags,orgs\nx,\"a\\;b;c\",\"X\\\\Y; Z\"\n";
    kb_import_buf ib;
    memset(&ib, 0, sizeof ib);
    kb_err e;
    cr_assert_eq(kb_import_csv(csv, sizeof csv - 1, "x.csv", &ib, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(ib.imp.cases[0].tags.n, 2);
    cr_expect_str_eq(ib.imp.cases[0].tags.v[0], "a;b");
    cr_expect_str_eq(ib.imp.cases[0].tags.v[1], "c");
    cr_assert_eq(ib.imp.cases[0].orgs.n, 2);
    cr_expect_str_eq(ib.imp.cases[0].orgs.v[0], "X\\Y");
    cr_expect_str_eq(ib.imp.cases[0].orgs.v[1], "Z");
    kb_import_buf_free(&ib);
}

/* The header: each column once (a column twice is refused, naming it and
 * both places, not "the last one wins"); a "reason" column gives each new
 * case the reason for its stage; a CSV's cases are new ones */
Test(import_csv, header_and_reason)
{
    static const struct {
        const char *csv, *want;
    } bad[] = {
        {"title,title\nx,y\n", "x.csv: line 1: column 'title' appears twice (columns 1 and 2)"},
        {"title,stage,Stage\nx,a,b\n",
         "x.csv: line 1: column 'Stage' appears twice (columns 2 and 3)"},
        {"reason,title,REASON\nx,y,z\n", "column 'REASON' appears twice (columns 1 and 3)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kb_import_buf ib;
        memset(&ib, 0, sizeof ib);
        kb_err e;
        cr_assert_eq(kb_import_csv(bad[i].csv, strlen(bad[i].csv), "x.csv", &ib, &e), KB_EDATA,
                     "row %zu", i);
        cr_expect(strstr(e.msg, bad[i].want), "row %zu: %s", i, e.msg);
        kb_import_buf_free(&ib);
    }
    static const char csv[] = "title,stage,reason\nx,done,Afgerond\ny,signal,\n";
    kb_import_buf ib;
    memset(&ib, 0, sizeof ib);
    kb_err e;
    cr_assert_eq(kb_import_csv(csv, sizeof csv - 1, "x.csv", &ib, &e), KB_OK, "%s", e.msg);
    cr_assert(ib.imp.new_cases);
    cr_assert_eq(ib.imp.ncases, 2);
    cr_assert(ib.imp.reasons);
    cr_expect_str_eq(ib.imp.reasons[0], "Afgerond");
    cr_expect_null(ib.imp.reasons[1]);
    kb_import_buf_free(&ib);

    memset(&ib, 0, sizeof ib);
    cr_assert_eq(kb_import_json(small, strlen(small), "x.json", &ib, &e), KB_OK, "%s", e.msg);
    cr_assert(!ib.imp.new_cases); /* an export carries its history */
    cr_assert_null(ib.imp.reasons);
    kb_import_buf_free(&ib);
}

/* Quotes in the wrong place, in a spreadsheet user's words (no "strict
 * checking" jargon of the CSV library): a quoted cell never closed names
 * the line its case starts on; a stray quote names its line and, when the
 * case started earlier (an open quote swallowed the lines between), that
 * line too */
Test(import_csv, quote_errors)
{
    static const struct {
        const char *csv, *want;
    } t[] = {
        {"title,stage\n\"unterminated,signal\n",
         "x.csv: line 2: a quoted cell is never closed: a '\"' is missing"},
        {"title,description\nok,\"a\nb\"\n\r\n\"open,x\ny,z\n",
         "x.csv: line 5: a quoted cell is never closed"},
        {"title,stage\nok,sig\"nal\n",
         "x.csv: line 2: a '\"' in the wrong place: quote a whole cell"},
        {"title,stage\n\"open,x\ny,z\n\"w\"x,y\n",
         "x.csv: line 4: a '\"' in the wrong place, in the case that starts on line 2"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        for (int from_file = 0; from_file < 2; from_file++) {
            kb_import_buf ib;
            memset(&ib, 0, sizeof ib);
            kb_err e;
            int rc;
            if (from_file) {
                FILE *f = tmpfile();
                cr_assert(f);
                fputs(t[i].csv, f);
                rewind(f);
                rc = kb_import_csv_file(f, "x.csv", &ib, &e);
                fclose(f);
            } else {
                rc = kb_import_csv(t[i].csv, strlen(t[i].csv), "x.csv", &ib, &e);
            }
            cr_assert_eq(rc, KB_EDATA, "row %zu", i);
            cr_expect(strstr(e.msg, t[i].want), "row %zu (file %d): %s", i, from_file, e.msg);
            cr_expect_null(strstr(e.msg, "strict"), "row %zu: %s", i, e.msg);
            kb_import_buf_free(&ib);
        }
    }
}
