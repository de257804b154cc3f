/*
 * unicode.c - the Unicode tables (wc_unicode_data.h, generated once by
 * tools/gen_unicode.py for one Unicode version and committed) and the
 * version of Unicode they follow.
 */
#include "unicode.h"
#include "wc_unicode_data.h"

const char *wc_unicode_version(void)
{
    return WC_UNICODE_VERSION;
}
