/*
 * codec.h - versioned CBOR encoding of the domain entities.
 *
 * Each record is one CBOR map (RFC 8949) with short text keys and a "v"
 * (encoding version, currently 1); docs/storage.md lists the keys per
 * entity.  Unknown keys are ignored on decode (forward compatible); a
 * known key with the wrong type, invalid UTF-8 or a truncated/garbage
 * input is KB_EDATA and leaves *out freed and empty.  The record key and
 * version are not part of the encoding: they come from the store.
 */
#ifndef KERNBOARD_CODEC_H
#define KERNBOARD_CODEC_H

#include "kernboard/buf.h"
#include "kernboard/err.h"
#include "kernboard/model.h"

#define KB_CODEC_VERSION 1

void kb_codec_case_encode(const kb_case *c, kb_buf *out);
int kb_codec_case_decode(const void *p, size_t n, kb_case *out, kb_err *e) KB_WARN_UNUSED;
/* The same, storing only the fields of the model's field table whose bit
 * (1u << kb_field_id) is set in fields, and the number, times and version;
 * the others keep kb_case_init's values.  The whole record is checked
 * exactly as kb_codec_case_decode checks it (the same input is refused
 * with the same message).  For lists that show a few columns. */
/* Records are read in one pass over their bytes; an input that pass
 * refuses is read again by a two-pass reader (check, then read) for the
 * message.  The two-pass reader alone, for tests that compare the two
 * (test_codec_reader). */
int kb_codec_case_decode_two_pass(const void *p, size_t n, kb_case *out, kb_err *e) KB_WARN_UNUSED;
int kb_codec_case_decode_some(const void *p, size_t n, kb_case *out, uint32_t fields,
                              kb_err *e) KB_WARN_UNUSED;

void kb_codec_comment_encode(const kb_comment *c, kb_buf *out);
int kb_codec_comment_decode(const void *p, size_t n, kb_comment *out, kb_err *e) KB_WARN_UNUSED;

void kb_codec_user_encode(const kb_user *u, kb_buf *out);
int kb_codec_user_decode(const void *p, size_t n, kb_user *out, kb_err *e) KB_WARN_UNUSED;

void kb_codec_dept_encode(const kb_dept *d, kb_buf *out);
int kb_codec_dept_decode(const void *p, size_t n, kb_dept *out, kb_err *e) KB_WARN_UNUSED;

void kb_codec_stage_encode(const kb_stage *s, kb_buf *out);
int kb_codec_stage_decode(const void *p, size_t n, kb_stage *out, kb_err *e) KB_WARN_UNUSED;

void kb_codec_line_encode(const kb_line *l, kb_buf *out);
int kb_codec_line_decode(const void *p, size_t n, kb_line *out, kb_err *e) KB_WARN_UNUSED;

void kb_codec_lease_encode(const kb_lease *l, kb_buf *out);
int kb_codec_lease_decode(const void *p, size_t n, kb_lease *out, kb_err *e) KB_WARN_UNUSED;

void kb_codec_action_encode(const kb_action_item *a, kb_buf *out);
int kb_codec_action_decode(const void *p, size_t n, kb_action_item *out, kb_err *e) KB_WARN_UNUSED;

void kb_codec_link_encode(const kb_link *l, kb_buf *out);
int kb_codec_link_decode(const void *p, size_t n, kb_link *out, kb_err *e) KB_WARN_UNUSED;

void kb_codec_org_encode(const kb_org *o, kb_buf *out);
int kb_codec_org_decode(const void *p, size_t n, kb_org *out, kb_err *e) KB_WARN_UNUSED;

void kb_codec_contact_encode(const kb_contact *c, kb_buf *out);
int kb_codec_contact_decode(const void *p, size_t n, kb_contact *out, kb_err *e) KB_WARN_UNUSED;

void kb_codec_meeting_encode(const kb_meeting *m, kb_buf *out);
int kb_codec_meeting_decode(const void *p, size_t n, kb_meeting *out, kb_err *e) KB_WARN_UNUSED;

void kb_codec_decision_encode(const kb_decision *d, kb_buf *out);
int kb_codec_decision_decode(const void *p, size_t n, kb_decision *out, kb_err *e) KB_WARN_UNUSED;

void kb_codec_goal_encode(const kb_goal *g, kb_buf *out);
int kb_codec_goal_decode(const void *p, size_t n, kb_goal *out, kb_err *e) KB_WARN_UNUSED;

#endif
