/*
 * reference.h - the literal reference count that the C tests and the fuzz
 * targets check the core against: lines as Rust's str::lines (split at
 * '\n', one '\r' before it dropped, a final '\n' starting no line), words
 * split at ' ', words equal to the needle counted.  It shares no code with
 * the core.  ref_count (1-byte units), ref_count16, ref_count32.
 */
#ifndef WC_TEST_REFERENCE_H
#define WC_TEST_REFERENCE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The literal reference, for code units of any width. */
#define REF_COUNT(NAME, T)                                                    \
    static inline uint64_t NAME(const T *t, size_t n, const T *nd, size_t m)  \
    {                                                                         \
        uint64_t c = 0;                                                       \
        size_t pos = 0;                                                       \
        while (pos < n) {                                                     \
            size_t end = pos;                                                 \
            while (end < n && t[end] != '\n')                                 \
                end++;                                                        \
            size_t stop = end;                                                \
            if (end < n && stop > pos && t[stop - 1] == '\r')                 \
                stop--; /* "\r\n" ends the line */                           \
            size_t w = pos;                                                   \
            for (size_t k = pos; k <= stop; k++) {                            \
                if (k == stop || t[k] == ' ') {                               \
                    if (k - w == m && memcmp(t + w, nd, m * sizeof(T)) == 0)  \
                        c++;                                                  \
                    w = k + 1;                                                \
                }                                                             \
            }                                                                 \
            pos = end + 1;                                                    \
        }                                                                     \
        return c;                                                             \
    }
REF_COUNT(ref_count, uint8_t)
REF_COUNT(ref_count16, uint16_t)
REF_COUNT(ref_count32, uint32_t)

#endif /* WC_TEST_REFERENCE_H */
