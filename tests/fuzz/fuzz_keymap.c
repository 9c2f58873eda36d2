/* libFuzzer target: the keymap file parser and key names. */
#include <stdint.h>
#include <string.h>

#include "kernboard/keymap.h"
#include "kernboard/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kb_keymap *km = kb_keymap_new();
    (void)kb_keymap_load_string(km, "fuzz", (const char *)data, size);
    size_t n = 0;
    (void)kb_keymap_diags(km, &n);
    kb_keymap_free(&km);
    char *name = kb_strndup((const char *)data, size < 64 ? size : 64);
    kb_key k;
    if (kb_key_parse(name, &k, NULL) == KB_OK) {
        char buf[KB_KEY_STRLEN];
        kb_key_format(k, buf);
        kb_key k2;
        if (kb_key_parse(buf, &k2, NULL) != KB_OK || k2 != k)
            __builtin_trap();
    }
    kb_free(&name);
    return 0;
}
