/*
 * common.h - private to the core: what every file of lib/ shares, the public
 * header (codes, options) and the inline attribute.
 */
#ifndef WC_COMMON_H
#define WC_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wordcount.h"

#define WC_INLINE static inline __attribute__((always_inline))

/* 8 bytes at p, unaligned, in the machine's order. */
WC_INLINE uint64_t wc_load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

#endif /* WC_COMMON_H */
