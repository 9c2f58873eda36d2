/* The codec's CBOR reader (issue 16: records decode straight into the
 * structs, without libcbor's item tree): every record type round-trips
 * (decode of an encoding re-encodes to the same bytes), every truncation
 * and damaged input is KB_EDATA with a message, and the CBOR the codec does
 * not write itself (definite maps, unknown keys holding any item, long
 * integer heads) still reads as before. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "kernboard/codec.h"
#include "kernboard/mem.h"

static uint64_t kb_rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* For one record type: the encoding decodes, re-encodes to the same bytes;
 * each strict prefix is KB_EDATA; mutations never crash and a failure
 * always has a message. */
#define KB_CHECK_TYPE(name, type, x, fini)                                                         \
    do {                                                                                           \
        kb_buf a_ = KB_BUF_INIT, b_ = KB_BUF_INIT;                                                 \
        kb_codec_##name##_encode(&(x), &a_);                                                       \
        type d_;                                                                                   \
        kb_err e_;                                                                                 \
        cr_assert_eq(kb_codec_##name##_decode(a_.data, a_.len, &d_, &e_), KB_OK, #name ": %s",     \
                     e_.msg);                                                                      \
        kb_codec_##name##_encode(&d_, &b_);                                                        \
        cr_assert_eq(a_.len, b_.len, #name " re-encodes to the same length");                      \
        cr_assert_arr_eq(a_.data, b_.data, a_.len, #name " re-encodes to the same bytes");         \
        fini(&d_);                                                                                 \
        for (size_t n_ = 0; n_ < a_.len; n_++) {                                                   \
            kb_err_clear(&e_);                                                                     \
            cr_assert_eq(kb_codec_##name##_decode(a_.data, n_, &d_, &e_), KB_EDATA,                \
                         #name ": a prefix of %zu bytes decoded", n_);                             \
            cr_assert(e_.msg[0]);                                                                  \
        }                                                                                          \
        uint64_t s_ = 0x2545F4914F6CDD1DULL;                                                       \
        unsigned char *m_ = kb_malloc(a_.len);                                                     \
        for (int i_ = 0; i_ < 3000; i_++) {                                                        \
            memcpy(m_, a_.data, a_.len);                                                           \
            m_[kb_rng(&s_) % a_.len] = (unsigned char)kb_rng(&s_);                                 \
            if (i_ % 2)                                                                            \
                m_[kb_rng(&s_) % a_.len] = (unsigned char)kb_rng(&s_);                             \
            kb_err_clear(&e_);                                                                     \
            int rc_ = kb_codec_##name##_decode(m_, a_.len, &d_, &e_);                              \
            cr_assert(rc_ == KB_OK || rc_ == KB_EDATA);                                            \
            if (rc_ == KB_OK)                                                                      \
                fini(&d_);                                                                         \
            else                                                                                   \
                cr_assert(e_.msg[0]);                                                              \
        }                                                                                          \
        kb_free(&m_);                                                                              \
        kb_buf_free(&a_);                                                                          \
        kb_buf_free(&b_);                                                                          \
    } while (0)

static void kb_link_fini(kb_link *l)
{
    (void)l;
}

Test(codec_reader, every_record_type_round_trips_and_rejects_damage)
{
    kb_case c;
    kb_case_init(&c);
    c.number = 70000;
    c.title = kb_strdup("Leegstand — tijdelijk gebruik 🏭");
    c.description = kb_strdup("a\nb");
    c.stage = kb_strdup("explore");
    c.lead_dept = kb_strdup("VAS");
    kb_strv_push(&c.depts, "ECO");
    kb_strv_push(&c.depts, "DUU");
    c.action_line = kb_strdup("trade");
    kb_strv_push(&c.hooks, "Omgevingsvisie");
    kb_strv_push(&c.orgs, "Stichting Noord");
    c.owner = kb_strdup("anna");
    c.priority = -3;
    c.created = 1795305600;
    c.updated = -5;
    c.moved = 4294967296LL * 3;
    c.due = 20800;
    c.review = -100;
    c.on_agenda = true;
    c.blocked = kb_strdup("wacht");
    c.conf = KB_CONF_CONFIDENTIAL;
    kb_strv_push(&c.tags, "sroi");
    KB_CHECK_TYPE(case, kb_case, c, kb_case_free);
    kb_case_free(&c);

    kb_comment cm = {.case_number = 9,
                     .kind = KB_ENTRY_CHANGE,
                     .author = "a",
                     .time = 77,
                     .time_us = 77000001,
                     .text = "stage: a -> b",
                     .move_from = "a",
                     .move_to = "b",
                     .reason = "klaar"};
    KB_CHECK_TYPE(comment, kb_comment, cm, kb_comment_free);

    kb_user u = {.name = "jan", .display = "Jan", .role = KB_ROLE_BROKER};
    kb_strv_push(&u.depts, "ECO");
    memset(u.sign_pk, 0xAB, sizeof u.sign_pk);
    KB_CHECK_TYPE(user, kb_user, u, kb_user_free);
    kb_strv_free(&u.depts);

    kb_dept dp = {.code = "INC", .name = "Inclusie", .colour = "green"};
    KB_CHECK_TYPE(dept, kb_dept, dp, kb_dept_free);

    kb_stage st = {.code = "explore",
                   .name = "Verkennen",
                   .position = 2,
                   .wip_limit = 7,
                   .norm_days = 30,
                   .needs_reason = true};
    kb_strv_push(&st.dept_wip, "ECO=3");
    KB_CHECK_TYPE(stage, kb_stage, st, kb_stage_free);
    kb_strv_free(&st.dept_wip);

    kb_line ln = {.code = "procure", .name = "Impact inkopen"};
    KB_CHECK_TYPE(line, kb_line, ln, kb_line_free);

    kb_lease ls = {.case_number = 4,
                   .slot = 3,
                   .user = "anna",
                   .host = "werkplek-12",
                   .since = 1000,
                   .expires = 1300,
                   .token = UINT64_MAX - 1,
                   .seconds = 300};
    memset(ls.nonce, 0x5A, sizeof ls.nonce);
    KB_CHECK_TYPE(lease, kb_lease, ls, kb_lease_free);

    kb_action_item ai;
    kb_action_item_init(&ai);
    ai.number = 12;
    ai.case_number = 4;
    ai.text = "Bel de makelaar";
    ai.owner = "anna";
    ai.due = 20000;
    ai.done = true;
    ai.created = 5;
    KB_CHECK_TYPE(action, kb_action_item, ai, kb_action_item_free);

    kb_link lk = {.from = 1, .to = 2, .kind = KB_LINK_BLOCKS};
    KB_CHECK_TYPE(link, kb_link, lk, kb_link_fini);

    kb_org o = {.name = "Stichting Noord",
                .kind = KB_ORG_FOUNDATION,
                .contact = "Piet",
                .notes = "regel 1\nregel 2"};
    KB_CHECK_TYPE(org, kb_org, o, kb_org_free);

    kb_contact ct = {.org = "Stichting Noord",
                     .date = 20001,
                     .dept = "ECO",
                     .user = "anna",
                     .purpose = "kennis"};
    KB_CHECK_TYPE(contact, kb_contact, ct, kb_contact_free);

    kb_meeting mt;
    kb_meeting_init(&mt);
    mt.number = 3;
    mt.date = 20002;
    kb_strv_push(&mt.attendees, "anna");
    kb_u32v_push(&mt.agenda, 4);
    kb_u32v_push(&mt.agenda, 70000);
    mt.minutes = kb_strdup("# Notulen");
    mt.state = 1;
    mt.chair = kb_strdup("anna");
    kb_strv_push(&mt.guests, "gast");
    mt.started = 10;
    mt.ended = 20;
    kb_u32v_push(&mt.plan, 300);
    kb_u32v_push(&mt.spent, 65536);
    kb_strv_push(&mt.why, "agenda");
    mt.current = 1;
    mt.item_since = 15;
    kb_u32v_push(&mt.reveals, 4);
    kb_u32v_push(&mt.actions, 12);
    KB_CHECK_TYPE(meeting, kb_meeting, mt, kb_meeting_free);
    kb_meeting_free(&mt);

    kb_decision dc = {.number = 2,
                      .case_number = 4,
                      .meeting = 3,
                      .text = "Doorgaan",
                      .author = "anna",
                      .time = 99};
    KB_CHECK_TYPE(decision, kb_decision, dc, kb_decision_free);

    kb_goal g = {.code = "banen", .text = "Meer banen", .dept = "ECO"};
    KB_CHECK_TYPE(goal, kb_goal, g, kb_goal_free);
}

Test(codec_reader, fields_read_back)
{
    kb_meeting mt;
    kb_meeting_init(&mt);
    mt.number = 3;
    kb_u32v_push(&mt.agenda, 4);
    kb_u32v_push(&mt.agenda, 4000000000u);
    kb_strv_push(&mt.attendees, "anna");
    kb_strv_push(&mt.attendees, "bob");
    kb_buf b = KB_BUF_INIT;
    kb_codec_meeting_encode(&mt, &b);
    kb_meeting d;
    cr_assert_eq(kb_codec_meeting_decode(b.data, b.len, &d, NULL), KB_OK);
    cr_assert_eq(d.number, 3);
    cr_assert_eq(d.agenda.n, 2);
    cr_assert_eq(d.agenda.v[1], 4000000000u);
    cr_assert(kb_strv_eq(&d.attendees, &mt.attendees));
    cr_assert_eq(d.guests.n, 0);
    cr_assert_null(d.minutes);
    kb_meeting_free(&d);
    kb_meeting_free(&mt);

    kb_lease ls = {.case_number = 4, .token = UINT64_MAX, .since = -7};
    memset(ls.nonce, 0x11, sizeof ls.nonce);
    kb_codec_lease_encode(&ls, &b);
    kb_lease l2;
    cr_assert_eq(kb_codec_lease_decode(b.data, b.len, &l2, NULL), KB_OK);
    cr_assert_eq(l2.token, UINT64_MAX);
    cr_assert_eq(l2.since, -7);
    cr_assert_arr_eq(l2.nonce, ls.nonce, sizeof ls.nonce);
    kb_lease_free(&l2);
    kb_buf_free(&b);
}

static int kb_dec_case(const unsigned char *p, size_t n, kb_case *c, kb_err *e)
{
    kb_err_clear(e);
    return kb_codec_case_decode(p, n, c, e);
}

/* CBOR the codec does not write but that is valid: it reads as before. */
Test(codec_reader, foreign_but_valid_cbor_reads)
{
    kb_case c;
    kb_err e;
    /* a definite map; unknown keys holding an array, a nested map, a tag,
     * a float, null, undefined, an indefinite text and byte string, an
     * indefinite array; title with a 2-byte length head (non-minimal) */
    const unsigned char m[] = {
        0xA9,                                                            /* map(9) */
        0x61, 'v', 0x18, 0x01,                                           /* "v": 1 (long head) */
        0x61, 'a', 0x83, 0x01, 0x61, 'x',  0xF6,                         /* "a": [1,"x",null] */
        0x61, 'b', 0xA1, 0x01, 0xA1, 0x02, 0x80,                         /* "b": {1:{2:[]}} */
        0x61, 'c', 0xC1, 0x1A, 0x00, 0x01, 0x00, 0x00,                   /* "c": 1(65536) */
        0x61, 'd', 0xFB, 0x40, 0x09, 0x21, 0xFB, 0x54, 0x44, 0x2D, 0x18, /* "d": 3.14 */
        0x61, 'e', 0xF7,                                                 /* "e": undefined */
        0x61, 'f', 0x7F, 0x61, 'x',  0x62, 'y',  'z',  0xFF,             /* "f": (_ "x", "yz") */
        0x61, 'g', 0x9F, 0x5F, 0x41, 0x00, 0xFF, 0xF9, 0x3C, 0x00, 0xFF, /* "g": [_ h'00', 1.0] */
        0x65, 't', 'i',  't',  'l',  'e',  0x79, 0x00, 0x02, 'h',  'i',  /* "title": "hi" */
    };
    cr_assert_eq(kb_dec_case(m, sizeof m, &c, &e), KB_OK, "%s", e.msg);
    cr_assert_str_eq(c.title, "hi");
    kb_case_free(&c);
    /* an empty indefinite map */
    const unsigned char empty[] = {0xBF, 0xFF};
    cr_assert_eq(kb_dec_case(empty, sizeof empty, &c, &e), KB_OK, "%s", e.msg);
    cr_assert_null(c.title);
    kb_case_free(&c);
    /* a repeated key: the last one counts */
    const unsigned char twice[] = {0xA2, 0x61, 'n', 0x01, 0x61, 'n', 0x02};
    cr_assert_eq(kb_dec_case(twice, sizeof twice, &c, &e), KB_OK, "%s", e.msg);
    cr_assert_eq(c.number, 2);
    kb_case_free(&c);
}

Test(codec_reader, damaged_inputs_are_edata_with_a_message)
{
    static const struct {
        const char *why;
        unsigned char b[16];
        size_t n;
    } bad[] = {
        {"empty", {0}, 0},
        {"a text, not a map", {0x61, 'x'}, 2},
        {"a tagged map", {0xC1, 0xA0}, 2},
        {"map(2) with one pair", {0xA2, 0x61, 'v', 0x01}, 4},
        {"indefinite map without a break", {0xBF, 0x61, 'v', 0x01}, 4},
        {"break between key and value", {0xBF, 0x61, 'z', 0xFF}, 4},
        {"break outside a container", {0xA1, 0x61, 'z', 0xFF}, 4},
        {"reserved additional info", {0xA1, 0x61, 'z', 0x1C}, 4},
        {"unassigned simple value", {0xA1, 0x61, 'z', 0xE0}, 4},
        {"one-byte simple value", {0xA1, 0x61, 'z', 0xF8, 0x20}, 5},
        {"text longer than the input", {0xA1, 0x61, 'z', 0x7A, 0xFF, 0xFF, 0xFF, 0xFF}, 8},
        {"array claiming 2^64-1 items",
         {0xA1, 0x61, 'z', 0x9B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF},
         12},
        {"map claiming 2^32 pairs", {0xBA, 0xFF, 0xFF, 0xFF, 0xFF, 0x61, 'v', 0x01}, 8},
        {"indefinite text with a byte chunk", {0xA1, 0x61, 'z', 0x7F, 0x41, 'x', 0xFF}, 7},
        {"indefinite text with a nested indefinite chunk",
         {0xA1, 0x61, 'z', 0x7F, 0x7F, 0xFF, 0xFF},
         7},
        {"integer key", {0xA1, 0x01, 0x01}, 3},
        {"key with a NUL", {0xA1, 0x62, 't', 0x00, 0x01}, 5},
        {"key not UTF-8", {0xA1, 0x61, 0xC3, 0x01}, 4},
        {"title is a number", {0xA1, 0x65, 't', 'i', 't', 'l', 'e', 0x05}, 8},
        {"title is indefinite", {0xA1, 0x65, 't', 'i', 't', 'l', 'e', 0x7F, 0xFF}, 9},
        {"number negative", {0xA1, 0x61, 'n', 0x20}, 4},
        {"number over 32 bits", {0xA1, 0x61, 'n', 0x1B, 0, 0, 0, 1, 0, 0, 0, 0}, 12},
        {"agenda not a bool", {0xA1, 0x66, 'a', 'g', 'e', 'n', 'd', 'a', 0xF6}, 9},
        {"tags not an array", {0xA1, 0x64, 't', 'a', 'g', 's', 0x61, 'x'}, 8},
        {"tags with a number", {0xA1, 0x64, 't', 'a', 'g', 's', 0x81, 0x01}, 8},
        {"tags indefinite", {0xA1, 0x64, 't', 'a', 'g', 's', 0x9F, 0xFF}, 8},
        {"version 2", {0xA1, 0x61, 'v', 0x02}, 4},
        {"version 0", {0xA1, 0x61, 'v', 0x00}, 4},
        {"version as text", {0xA1, 0x61, 'v', 0x61, '1'}, 5},
        {"trailing byte", {0xA1, 0x61, 'v', 0x01, 0x00}, 5},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kb_case c;
        kb_err e;
        cr_assert_eq(kb_dec_case(bad[i].b, bad[i].n, &c, &e), KB_EDATA, "%s decoded", bad[i].why);
        cr_assert(e.msg[0], "%s: no message", bad[i].why);
        cr_assert(strstr(e.msg, "case"), "%s: %s", bad[i].why, e.msg);
    }
    /* nesting: 60 levels read, thousands are refused (no deep recursion) */
    size_t depth = 4000;
    unsigned char *deep = kb_malloc(depth + 8);
    size_t n = 0;
    deep[n++] = 0xA1;
    deep[n++] = 0x61;
    deep[n++] = 'z';
    for (size_t i = 0; i < depth; i++)
        deep[n++] = 0x81;
    deep[n++] = 0x00;
    kb_case c;
    kb_err e;
    cr_assert_eq(kb_dec_case(deep, n, &c, &e), KB_EDATA);
    n = 3;
    for (size_t i = 0; i < 60; i++)
        deep[n++] = 0x81;
    deep[n++] = 0x00;
    cr_assert_eq(kb_dec_case(deep, n, &c, &e), KB_OK, "%s", e.msg);
    kb_case_free(&c);
    kb_free(&deep);
}

/* The one-pass reader accepts exactly what the
 * two-pass reader accepts, reads the same values and refuses with the same
 * message; a decode of some fields checks the whole record the same way
 * and stores only those fields. */
static void kb_dec_both(const unsigned char *p, size_t n, uint32_t some)
{
    kb_case one, two, part;
    kb_err e1, e2, e3;
    kb_err_clear(&e1);
    kb_err_clear(&e2);
    kb_err_clear(&e3);
    int r1 = kb_codec_case_decode(p, n, &one, &e1);
    int r3 = kb_codec_case_decode_some(p, n, &part, some, &e3);
    int r2 = kb_codec_case_decode_two_pass(p, n, &two, &e2);
    cr_assert_eq(r1, r2, "one pass %d, two passes %d (%s)", r1, r2, e2.msg);
    cr_assert_eq(r1, r3, "some fields %d, all %d", r3, r1);
    if (r1) {
        cr_assert_str_eq(e1.msg, e2.msg);
        cr_assert_str_eq(e3.msg, e2.msg);
        return;
    }
    kb_buf a = KB_BUF_INIT, b = KB_BUF_INIT;
    kb_codec_case_encode(&one, &a);
    kb_codec_case_encode(&two, &b);
    cr_assert_eq(a.len, b.len);
    cr_assert_arr_eq(a.data, b.data, a.len, "the same values");
    cr_assert_eq(part.number, one.number);
    cr_assert_eq(part.created, one.created);
    cr_assert_eq(part.moved, one.moved);
    cr_assert_eq(!!part.title, (some >> KB_F_TITLE & 1) && one.title);
    if (part.title)
        cr_assert_str_eq(part.title, one.title);
    cr_assert_eq(!!part.stage, (some >> KB_F_STAGE & 1) && one.stage);
    cr_assert_eq(part.due, some >> KB_F_DUE & 1 ? one.due : KB_DATE_NONE);
    cr_assert_null(part.description);
    cr_assert_eq(part.depts.n, 0);
    cr_assert_eq(part.tags.n, 0);
    kb_buf_free(&a);
    kb_buf_free(&b);
    kb_case_free(&one);
    kb_case_free(&two);
    kb_case_free(&part);
}

Test(codec_reader, one_pass_reader_agrees_with_two_passes)
{
    kb_case c;
    kb_case_init(&c);
    c.number = 4242;
    c.title = kb_strdup("Leegstand — tijdelijk gebruik");
    c.description = kb_strdup("regel 1\nregel 2 é");
    c.stage = kb_strdup("explore");
    c.lead_dept = kb_strdup("ECO");
    kb_strv_push(&c.depts, "INC");
    kb_strv_push(&c.hooks, "Visie");
    kb_strv_push(&c.orgs, "Stichting Noord");
    kb_strv_push(&c.tags, "sroi");
    c.owner = kb_strdup("anna");
    c.blocked = kb_strdup("wacht");
    c.priority = 2;
    c.created = 1795305600;
    c.moved = 1795305700;
    c.due = 20800;
    c.on_agenda = true;
    kb_buf a = KB_BUF_INIT;
    kb_codec_case_encode(&c, &a);
    kb_case_free(&c);
    uint32_t some = 1u << KB_F_TITLE | 1u << KB_F_STAGE | 1u << KB_F_DUE;
    kb_dec_both((const unsigned char *)a.data, a.len, some);
    for (size_t n = 0; n < a.len; n++)
        kb_dec_both((const unsigned char *)a.data, n, some);
    uint64_t s = 0x9E3779B97F4A7C15ULL;
    unsigned char *m = kb_malloc(a.len);
    for (int i = 0; i < 20000; i++) {
        memcpy(m, a.data, a.len);
        for (int k = 0; k <= i % 3; k++)
            m[kb_rng(&s) % a.len] = (unsigned char)kb_rng(&s);
        kb_dec_both(m, a.len, i % 2 ? some : 0);
    }
    kb_free(&m);
    kb_buf_free(&a);
}
