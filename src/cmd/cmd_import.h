/*
 * cmd_import.h - parsing import files (JSON exports, CSV case lists) into a
 * kb_import.  Every string the kb_import points at is owned by the
 * kb_import_buf (cases own theirs); kb_import_buf_free releases all.
 */
#ifndef KERNBOARD_CMD_IMPORT_H
#define KERNBOARD_CMD_IMPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "kernboard/core.h"
#include "kernboard/err.h"
#include "kernboard/model.h"

#define KB_EXPORT_FORMAT "kernboard-export"
#define KB_EXPORT_VERSION 1
/* CSV columns: "id", the case field table's keys (kernboard/model.h, in its
 * order), "created", "updated".  List values are joined with ";"; a value's
 * own ";" and "\" are written "\;" and "\\", and a space at its start or
 * end "\ " (the import trims plain spaces), so every value reads back as
 * it was.  An import also takes a "reason" column (KB_CSV_REASON): the
 * reason for a new case's stage, as `case add --reason`. */
#define KB_NCSV (KB_F_COUNT + 3)
#define KB_CSV_REASON "reason"
/* CSV columns, in export order. */
const char *kb_csv_col(size_t i);
/* A list as one CSV cell (new string): joined with ";", escaped as above. */
char *kb_csv_list_join(const kb_strv *v);
/* Split a CSV list cell (as kb_csv_list_join writes it, or typed in a
 * spreadsheet: "a; b") and append its values to out. */
void kb_csv_list_split(kb_strv *out, const char *cell);

/* Where an element starts in the import file: line (1-based) and, for
 * JSON, column; 0 = not known. */
typedef struct kb_import_pos {
    size_t line, col;
} kb_import_pos;

typedef struct kb_import_buf {
    kb_import imp;
    kb_strv strings;        /* owns every string the kb_import borrows */
    kb_import_pos *case_at; /* where each of imp.cases starts (ncase_at of them) */
    size_t ncase_at;
    size_t nreasons; /* of imp.reasons (a CSV's) */
} kb_import_buf;

/* Parse; on error e names the file, line/column or JSON path (a CSV line is
 * the physical line, counting the line breaks inside quoted cells).  ib
 * must be zeroed before and freed after, whatever the result.  An error
 * of the import itself about one case (kb_import_report.bad_case) can be
 * placed with kb_import_case_at. */
int kb_import_json(const char *src, size_t len, const char *fname, kb_import_buf *ib,
                   kb_err *e) KB_WARN_UNUSED;
int kb_import_csv(const char *text, size_t len, const char *fname, kb_import_buf *ib,
                  kb_err *e) KB_WARN_UNUSED;
/* The same, read from f as a stream (no size limit; memory holds one
 * element of the file at a time besides the import itself). */
int kb_import_json_file(FILE *f, const char *fname, kb_import_buf *ib, kb_err *e) KB_WARN_UNUSED;
int kb_import_csv_file(FILE *f, const char *fname, kb_import_buf *ib, kb_err *e) KB_WARN_UNUSED;
void kb_import_buf_free(kb_import_buf *ib);
/* Where case i (0-based) of the import starts, or NULL when not known. */
const kb_import_pos *kb_import_case_at(const kb_import_buf *ib, size_t i);

#endif
