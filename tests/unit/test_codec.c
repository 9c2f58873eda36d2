/* Codec tests: round trips of every entity, and random/truncated/mutated
 * inputs that must never crash the decoder (ASan/UBSan build). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernboard/codec.h"
#include "kernboard/mem.h"

static void kb_full_case(kb_case *c)
{
    kb_case_init(c);
    c->number = 4242;
    c->title = kb_strdup("Leegstaande fabriekshal — tijdelijk gebruik 🏭");
    c->description = kb_strdup("Regel 1\nRegel 2\twith tab");
    c->stage = kb_strdup("explore");
    c->lead_dept = kb_strdup("VAS");
    kb_strv_push(&c->depts, "ECO");
    kb_strv_push(&c->depts, "DUU");
    c->action_line = kb_strdup("trade");
    kb_strv_push(&c->hooks, "Omgevingsvisie 2040: ruimte voor maakindustrie");
    kb_strv_push(&c->orgs, "Stichting Broedplaats Noord");
    c->owner = kb_strdup("makelaar");
    c->priority = 3;
    c->created = 1795305600;
    c->updated = -5;
    c->due = 20800;
    c->review = -100;
    c->on_agenda = true;
    c->blocked = kb_strdup("wacht op ontheffing bestemmingsplan");
    c->conf = KB_CONF_CONFIDENTIAL;
    kb_strv_push(&c->tags, "sroi");
    kb_strv_push(&c->tags, "circulair");
}

static void kb_assert_case_eq(const kb_case *a, const kb_case *b)
{
    cr_assert_eq(a->number, b->number);
    cr_assert_str_eq(a->title, b->title);
    cr_assert_str_eq(a->description, b->description);
    cr_assert_str_eq(a->stage, b->stage);
    cr_assert_str_eq(a->lead_dept, b->lead_dept);
    cr_assert(kb_strv_eq(&a->depts, &b->depts));
    cr_assert_str_eq(a->action_line, b->action_line);
    cr_assert(kb_strv_eq(&a->hooks, &b->hooks));
    cr_assert(kb_strv_eq(&a->orgs, &b->orgs));
    cr_assert_str_eq(a->owner, b->owner);
    cr_assert_eq(a->priority, b->priority);
    cr_assert_eq(a->created, b->created);
    cr_assert_eq(a->updated, b->updated);
    cr_assert_eq(a->due, b->due);
    cr_assert_eq(a->review, b->review);
    cr_assert_eq(a->on_agenda, b->on_agenda);
    cr_assert_str_eq(a->blocked, b->blocked);
    cr_assert_eq(a->conf, b->conf);
    cr_assert(kb_strv_eq(&a->tags, &b->tags));
}

Test(codec, case_round_trip_full)
{
    kb_case c, d;
    kb_full_case(&c);
    kb_buf b = KB_BUF_INIT;
    kb_codec_case_encode(&c, &b);
    kb_err e;
    cr_assert_eq(kb_codec_case_decode(b.data, b.len, &d, &e), KB_OK, "%s", e.msg);
    kb_assert_case_eq(&c, &d);
    kb_case_free(&c);
    kb_case_free(&d);
    kb_buf_free(&b);
}

Test(codec, case_round_trip_empty_keeps_unset)
{
    kb_case c, d;
    kb_case_init(&c);
    c.title = kb_strdup("x");
    kb_buf b = KB_BUF_INIT;
    kb_codec_case_encode(&c, &b);
    cr_assert_eq(kb_codec_case_decode(b.data, b.len, &d, NULL), KB_OK);
    cr_assert_null(d.description);
    cr_assert_null(d.blocked);
    cr_assert_eq(d.due, KB_DATE_NONE);
    cr_assert_eq(d.depts.n, 0);
    cr_assert_eq(d.conf, KB_CONF_INTERNAL);
    kb_case_free(&c);
    kb_case_free(&d);
    kb_buf_free(&b);
}

Test(codec, other_entities_round_trip)
{
    kb_buf b = KB_BUF_INIT;
    kb_user u = {.name = "jan.de-vries", .display = "Jan de Vries", .role = KB_ROLE_BROKER};
    kb_strv_push(&u.depts, "ECO");
    memset(u.sign_pk, 0xAB, sizeof u.sign_pk);
    kb_codec_user_encode(&u, &b);
    kb_user u2;
    cr_assert_eq(kb_codec_user_decode(b.data, b.len, &u2, NULL), KB_OK);
    cr_assert_str_eq(u2.name, "jan.de-vries");
    cr_assert_str_eq(u2.display, "Jan de Vries");
    cr_assert_eq(u2.role, KB_ROLE_BROKER);
    cr_assert(kb_strv_eq(&u.depts, &u2.depts));
    cr_assert_arr_eq(u2.sign_pk, u.sign_pk, sizeof u.sign_pk);
    kb_user_free(&u2);
    kb_strv_free(&u.depts);

    kb_stage s = {.code = "explore",
                  .name = "Verkennen",
                  .position = 2,
                  .wip_limit = 7,
                  .norm_days = 30,
                  .needs_reason = true};
    kb_codec_stage_encode(&s, &b);
    kb_stage s2;
    cr_assert_eq(kb_codec_stage_decode(b.data, b.len, &s2, NULL), KB_OK);
    cr_assert_str_eq(s2.code, "explore");
    cr_assert_eq(s2.wip_limit, 7);
    cr_assert_eq(s2.norm_days, 30);
    cr_assert(s2.needs_reason);
    kb_stage_free(&s2);

    kb_comment cm = {.case_number = 9,
                     .kind = KB_ENTRY_CHANGE,
                     .author = "a",
                     .time = 77,
                     .text = "stage: a -> b"};
    kb_codec_comment_encode(&cm, &b);
    kb_comment cm2;
    cr_assert_eq(kb_codec_comment_decode(b.data, b.len, &cm2, NULL), KB_OK);
    cr_assert_eq(cm2.case_number, 9);
    cr_assert_eq(cm2.kind, KB_ENTRY_CHANGE);
    cr_assert_str_eq(cm2.text, "stage: a -> b");
    kb_comment_free(&cm2);

    kb_dept d = {.code = "INC", .name = "Inclusie", .colour = "green"};
    kb_codec_dept_encode(&d, &b);
    kb_dept d2;
    cr_assert_eq(kb_codec_dept_decode(b.data, b.len, &d2, NULL), KB_OK);
    cr_assert_str_eq(d2.colour, "green");
    kb_dept_free(&d2);

    kb_line l = {.code = "procure", .name = "Impact inkopen"};
    kb_codec_line_encode(&l, &b);
    kb_line l2;
    cr_assert_eq(kb_codec_line_decode(b.data, b.len, &l2, NULL), KB_OK);
    cr_assert_str_eq(l2.name, "Impact inkopen");
    kb_line_free(&l2);
    kb_buf_free(&b);
}

Test(codec, rejects_wrong_types_and_versions)
{
    /* {"v":1,"title":5} */
    const unsigned char bad_type[] = {0xA2, 0x61, 'v', 0x01, 0x65, 't', 'i', 't', 'l', 'e', 0x05};
    kb_case c;
    kb_err e;
    cr_assert_eq(kb_codec_case_decode(bad_type, sizeof bad_type, &c, &e), KB_EDATA);
    cr_assert(strstr(e.msg, "title"), "%s", e.msg);
    /* {"v":9} */
    const unsigned char bad_ver[] = {0xA1, 0x61, 'v', 0x09};
    cr_assert_eq(kb_codec_case_decode(bad_ver, sizeof bad_ver, &c, &e), KB_EDATA);
    /* an array, not a map */
    const unsigned char arr[] = {0x81, 0x01};
    cr_assert_eq(kb_codec_case_decode(arr, sizeof arr, &c, &e), KB_EDATA);
    /* invalid UTF-8 in a text string: {"title":"\xff"} */
    const unsigned char bad_utf8[] = {0xA1, 0x65, 't', 'i', 't', 'l', 'e', 0x61, 0xFF};
    cr_assert_eq(kb_codec_case_decode(bad_utf8, sizeof bad_utf8, &c, &e), KB_EDATA);
    /* trailing garbage after a valid map */
    const unsigned char trailing[] = {0xA1, 0x61, 'v', 0x01, 0x00};
    cr_assert_eq(kb_codec_case_decode(trailing, sizeof trailing, &c, &e), KB_EDATA);
    /* unknown keys are ignored (forward compatibility) */
    const unsigned char unknown[] = {0xA2, 0x61, 'v', 0x01, 0x63, 'z', 'z', 'z', 0x01};
    cr_assert_eq(kb_codec_case_decode(unknown, sizeof unknown, &c, &e), KB_OK);
    kb_case_free(&c);
}

static uint64_t kb_rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

Test(codec, fuzz_truncated_mutated_random_never_crash)
{
    kb_case c;
    kb_full_case(&c);
    kb_buf b = KB_BUF_INIT;
    kb_codec_case_encode(&c, &b);
    kb_case_free(&c);
    /* every truncation */
    for (size_t n = 0; n < b.len; n++) {
        kb_case d;
        int rc = kb_codec_case_decode(b.data, n, &d, NULL);
        cr_assert_eq(rc, KB_EDATA, "truncation to %zu decoded", n);
    }
    /* random mutations of a valid encoding, and pure random bytes */
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    unsigned char *m = kb_malloc(b.len + 64);
    size_t ok = 0;
    for (int i = 0; i < 30000; i++) {
        size_t n;
        if (i % 3 == 0) {
            n = kb_rng(&seed) % 64;
            for (size_t k = 0; k < n; k++)
                m[k] = (unsigned char)kb_rng(&seed);
        } else {
            n = b.len;
            memcpy(m, b.data, n);
            int flips = 1 + (int)(kb_rng(&seed) % 4);
            for (int f = 0; f < flips; f++)
                m[kb_rng(&seed) % n] = (unsigned char)kb_rng(&seed);
            if (i % 5 == 0)
                n = kb_rng(&seed) % n;
        }
        kb_case d;
        kb_err e;
        int rc = kb_codec_case_decode(m, n, &d, &e);
        cr_assert(rc == KB_OK || rc == KB_EDATA);
        if (rc == KB_OK) {
            ok++;
            kb_case_free(&d);
        } else {
            cr_assert(e.msg[0] != '\0');
        }
    }
    kb_free(&m);
    kb_buf_free(&b);
    cr_log_info("mutations that still decoded: %zu", ok);
}

/* Every field of the model's field table survives the codec: a field added
 * to the table but not to the codec fails here. */
Test(codec, every_case_field_round_trips)
{
    kb_case c;
    kb_full_case(&c);
    kb_buf b = KB_BUF_INIT;
    kb_codec_case_encode(&c, &b);
    kb_case d;
    kb_err e;
    cr_assert_eq(kb_codec_case_decode(b.data, b.len, &d, &e), KB_OK, "%s", e.msg);
    kb_case empty;
    kb_case_init(&empty);
    for (int f = 0; f < KB_F_COUNT; f++) {
        const kb_field_desc *fd = kb_case_field((enum kb_field_id)f);
        cr_assert(!kb_case_field_eq(&c, &empty, (enum kb_field_id)f), "the test case sets field %s",
                  fd->json);
        cr_assert(kb_case_field_eq(&c, &d, (enum kb_field_id)f), "field %s round-trips", fd->json);
    }
    kb_case_free(&empty);
    kb_case_free(&d);
    kb_case_free(&c);
    kb_buf_free(&b);
}

Test(codec, comment_move_fields_round_trip_and_old_records_decode)
{
    kb_comment c = {.case_number = 7,
                    .kind = KB_ENTRY_CHANGE,
                    .author = "anna",
                    .time = 100,
                    .time_us = 100000000,
                    .text = "stage: signal -> done",
                    .move_from = "signal",
                    .move_to = "done",
                    .reason = "klaar; afgerond"};
    kb_buf b = KB_BUF_INIT;
    kb_codec_comment_encode(&c, &b);
    kb_comment d;
    kb_err e;
    cr_assert_eq(kb_codec_comment_decode(b.data, b.len, &d, &e), KB_OK, "%s", e.msg);
    cr_assert_str_eq(d.move_from, "signal");
    cr_assert_str_eq(d.move_to, "done");
    cr_assert_str_eq(d.reason, "klaar; afgerond");
    cr_assert_str_eq(d.text, "stage: signal -> done");
    kb_comment_free(&d);
    /* an entry without a move decodes with the fields unset */
    c.move_from = c.move_to = c.reason = NULL;
    kb_codec_comment_encode(&c, &b);
    cr_assert_eq(kb_codec_comment_decode(b.data, b.len, &d, &e), KB_OK, "%s", e.msg);
    cr_assert_null(d.move_from);
    cr_assert_null(d.move_to);
    cr_assert_null(d.reason);
    kb_comment_free(&d);
    kb_buf_free(&b);
}

/* The write side and the read side agree: a case with KB_LIST_MAX items in
 * a list validates and decodes; one more is refused by the validation
 * (naming the field and the limit) and by the decoder alike. */
Test(codec, list_limit_of_validation_and_decoder_agree)
{
    kb_case c;
    kb_case_init(&c);
    c.title = kb_strdup("x");
    c.stage = kb_strdup("signal");
    for (int i = 0; i < KB_LIST_MAX; i++) {
        char t[16];
        snprintf(t, sizeof t, "t%d", i);
        kb_strv_push(&c.tags, t);
    }
    kb_err e;
    cr_assert_eq(kb_case_validate(&c, &e), KB_OK, "%s", e.msg);
    kb_buf enc = KB_BUF_INIT;
    kb_codec_case_encode(&c, &enc);
    kb_case d;
    cr_assert_eq(kb_codec_case_decode(enc.data, enc.len, &d, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(d.tags.n, (size_t)KB_LIST_MAX);
    kb_case_free(&d);
    kb_strv_push(&c.tags, "one more");
    cr_assert_eq(kb_case_validate(&c, &e), KB_EDATA);
    cr_assert_str_eq(e.msg, "too many tags (10000, at most 9999)");
    kb_codec_case_encode(&c, &enc);
    cr_assert_eq(kb_codec_case_decode(enc.data, enc.len, &d, &e), KB_EDATA);
    kb_buf_free(&enc);
    kb_case_free(&c);
}

/* The bytes of a record are a file format: the encoder writes what
 * libcbor's item tree serialised to (the vectors below were written by
 * the libcbor encoder of session 9): an indefinite map, integers in their
 * 8-byte form, lengths as short as they go. */
static void kb_expect_hex(const kb_buf *b, const char *want)
{
    char *h = kb_malloc(b->len * 2 + 1);
    for (size_t i = 0; i < b->len; i++)
        snprintf(h + 2 * i, 3, "%02x", (unsigned char)b->data[i]);
    h[b->len * 2] = '\0';
    cr_assert_str_eq(h, want);
    kb_free(&h);
}

Test(codec, encodings_are_the_libcbor_bytes)
{
    kb_buf b = KB_BUF_INIT;
    kb_case c;
    kb_full_case(&c);
    kb_codec_case_encode(&c, &b);
    kb_expect_hex(&b,
                  "bf61761b0000000000000001616e1b0000000000001092657469746c6578324c656567737461616e"
                  "6465206661627269656b7368616c20e280942074696a64656c696a6b206765627275696b20f09f8f"
                  "ad64646573637818526567656c20310a526567656c20320977697468207461626573746167656765"
                  "78706c6f7265646c65616463564153656465707473826345434f63445555646c696e656574726164"
                  "6565686f6f6b7381782e4f6d676576696e6773766973696520323034303a207275696d746520766f"
                  "6f72206d61616b696e64757374726965646f72677381781b537469636874696e672042726f656470"
                  "6c61617473204e6f6f7264656f776e6572686d616b656c616172647072696f1b0000000000000003"
                  "67637265617465641b000000006b02308067757064617465643b0000000000000004636475651b00"
                  "00000000005140667265766965773b0000000000000063666167656e6461f567626c6f636b656478"
                  "237761636874206f70206f6e7468656666696e672062657374656d6d696e6773706c616e64636f6e"
                  "661b00000000000000026474616773826473726f696963697263756c616972656d6f7665641b0000"
                  "000000000000ff");
    kb_case_free(&c);

    kb_user u = {.name = "jan.de-vries", .display = "Jan de Vries", .role = KB_ROLE_BROKER};
    kb_strv_push(&u.depts, "ECO");
    memset(u.sign_pk, 0xAB, sizeof u.sign_pk);
    kb_codec_user_encode(&u, &b);
    kb_expect_hex(&b,
                  "bf61761b0000000000000001646e616d656c6a616e2e64652d767269657367646973706c61796c4a"
                  "616e20646520567269657364726f6c651b0000000000000002656465707473816345434f62706b58"
                  "20ababababababababababababababababababababababababababababababababff");
    kb_strv_free(&u.depts);

    kb_lease l = {.case_number = 7,
                  .slot = -3,
                  .user = "an",
                  .host = "pc-01",
                  .since = 1795305600,
                  .expires = 1795305900,
                  .token = UINT64_MAX - 1,
                  .seconds = 300};
    memset(l.nonce, 0x5A, sizeof l.nonce);
    kb_codec_lease_encode(&l, &b);
    kb_expect_hex(&b,
                  "bf61761b000000000000000164636173651b000000000000000764736c6f743b0000000000000002"
                  "656e6f6e6365505a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a647573657262616e64686f73746570632d"
                  "30316573696e63651b000000006b02308067657870697265731b000000006b0231ac65746f6b656e"
                  "1bfffffffffffffffe64736563731b000000000000012cff");

    kb_comment cm = {.case_number = 9,
                     .kind = KB_ENTRY_CHANGE,
                     .author = "a",
                     .time = -77,
                     .text = "stage: a -> b"};
    kb_codec_comment_encode(&cm, &b);
    kb_expect_hex(&b,
                  "bf61761b000000000000000164636173651b0000000000000009646b696e641b0000000000000001"
                  "66617574686f7261616474696d653b000000000000004c64746578746d73746167653a2061202d3e"
                  "2062637475731b0000000000000000ff");
    kb_buf_free(&b);
}
