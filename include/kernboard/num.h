/*
 * num.h - whole numbers typed by a user (options, item numbers).
 */
#ifndef KERNBOARD_NUM_H
#define KERNBOARD_NUM_H

#include <stdbool.h>
#include <stdint.h>

/* s as a whole decimal number from 0 to max: digits only (no sign, no
 * spaces, no exponent; strtoul would take "-1" and " 7").  false, *out
 * untouched, for anything else or a number over max. */
bool kb_num_parse(const char *s, uint64_t max, uint64_t *out);

#endif
