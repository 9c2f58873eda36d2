/*
 * num.c - whole numbers typed by a user (see num.h).
 */
#include "kernboard/num.h"

bool kb_num_parse(const char *s, uint64_t max, uint64_t *out)
{
    if (!s || !*s)
        return false;
    uint64_t v = 0;
    for (const char *d = s; *d; d++) {
        if (*d < '0' || *d > '9')
            return false;
        unsigned dig = (unsigned)(*d - '0');
        if (v > (max - dig) / 10)
            return false;
        v = v * 10 + dig;
    }
    *out = v;
    return true;
}
