/* libFuzzer target: the query language; a parsed query prints to a
 * canonical text that parses to an equal query and prints identically. */
#include <stdint.h>
#include <string.h>

#include "kernboard/mem.h"
#include "kernboard/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = kb_strndup((const char *)data, size);
    kb_query *q = NULL, *q2 = NULL;
    if (kb_query_parse(text, &q, NULL) == KB_OK) {
        char *p1 = kb_query_print(q);
        if (kb_query_parse(p1, &q2, NULL) != KB_OK || !kb_query_equal(q, q2))
            __builtin_trap();
        char *p2 = kb_query_print(q2);
        if (strcmp(p1, p2) != 0)
            __builtin_trap();
        kb_case c;
        kb_case_init(&c);
        c.title = kb_strdup("Inclusieve werkgevers");
        c.stage = kb_strdup("explore");
        kb_query_ctx ctx = {.today = 20780};
        (void)kb_query_match(q, &c, &ctx);
        kb_case_free(&c);
        kb_free(&p1);
        kb_free(&p2);
    }
    kb_query_free(&q);
    kb_query_free(&q2);
    kb_free(&text);
    return 0;
}
