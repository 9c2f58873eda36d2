/* libFuzzer target: the import file parsers (JSON export and CSV); the
 * first byte chooses which. */
#include <stdint.h>
#include <string.h>

#include "cmd/cmd_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    kb_import_buf ib;
    memset(&ib, 0, sizeof ib);
    kb_err e;
    if (data[0] & 1)
        (void)kb_import_csv((const char *)data + 1, size - 1, "fuzz.csv", &ib, &e);
    else
        (void)kb_import_json((const char *)data + 1, size - 1, "fuzz.json", &ib, &e);
    kb_import_buf_free(&ib);
    return 0;
}
