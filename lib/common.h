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

#endif /* WC_COMMON_H */
