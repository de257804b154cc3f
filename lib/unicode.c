/*
 * unicode.c - the generated Unicode tables (wc_unicode_data.h, written at
 * build time by tools/gen_unicode.py from the building Python's unicodedata)
 * and the version of Unicode they follow.
 */
#include "unicode.h"
#include "wc_unicode_data.h"

const char *wc_unicode_version(void)
{
    return WC_UNICODE_VERSION;
}
