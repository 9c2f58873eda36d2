/* libFuzzer target: every record decoder on arbitrary bytes; whatever
 * decodes must re-encode and decode to the same encoding. */
#include <stdint.h>
#include <string.h>

#include "kernboard/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kb_case c;
    if (kb_codec_case_decode(data, size, &c, NULL) == KB_OK) {
        kb_buf a = KB_BUF_INIT, b = KB_BUF_INIT;
        kb_codec_case_encode(&c, &a);
        kb_case d;
        if (kb_codec_case_decode(a.data, a.len, &d, NULL) != KB_OK)
            __builtin_trap();
        kb_codec_case_encode(&d, &b);
        if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
            __builtin_trap();
        kb_case_free(&d);
        kb_case_free(&c);
        kb_buf_free(&a);
        kb_buf_free(&b);
    }
    kb_comment cm;
    if (kb_codec_comment_decode(data, size, &cm, NULL) == KB_OK)
        kb_comment_free(&cm);
    kb_user u;
    if (kb_codec_user_decode(data, size, &u, NULL) == KB_OK)
        kb_user_free(&u);
    kb_lease l;
    if (kb_codec_lease_decode(data, size, &l, NULL) == KB_OK)
        kb_lease_free(&l);
    kb_action_item ai;
    if (kb_codec_action_decode(data, size, &ai, NULL) == KB_OK)
        kb_action_item_free(&ai);
    kb_org o;
    if (kb_codec_org_decode(data, size, &o, NULL) == KB_OK)
        kb_org_free(&o);
    kb_contact ct;
    if (kb_codec_contact_decode(data, size, &ct, NULL) == KB_OK)
        kb_contact_free(&ct);
    return 0;
}
