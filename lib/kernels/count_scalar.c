/*
 * count_scalar.c - the portable kernels: the reference every SIMD kernel is
 * tested against, for 1-, 2- and 4-byte code units.
 *
 * They visit only word starts (after ' ' or '\n'), then apply the full
 * boundary rule of kernels.h there.
 */
#include "kernels.h"

#define WC_DEFINE_SCALAR(NAME, T, MATCH_AT)                                   \
    uint64_t NAME(const T *t, size_t len, size_t lo, size_t hi,               \
                  const T *needle, size_t m)                                  \
    {                                                                         \
        uint64_t count = 0;                                                   \
        for (size_t i = lo; i < hi; i++) {                                    \
            if (i > 0 && t[i - 1] != ' ' && t[i - 1] != '\n')                 \
                continue;                                                     \
            count += (uint64_t)MATCH_AT(t, len, i, needle, m);                \
        }                                                                     \
        return count;                                                         \
    }

WC_DEFINE_SCALAR(wc_count8_scalar, uint8_t, wc_match_at8)
WC_DEFINE_SCALAR(wc_count16_scalar, uint16_t, wc_match_at16)
WC_DEFINE_SCALAR(wc_count32_scalar, uint32_t, wc_match_at32)

uint64_t wc_byte_count_scalar(const uint8_t *t, size_t n, uint8_t c)
{
    uint64_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += t[i] == c;
    return count;
}

#define WC_DEFINE_USCALAR(NAME, T, UMATCH)                                    \
    uint64_t NAME(const T *t, size_t lo, size_t hi, const T *needle,          \
                  size_t m, unsigned rule, wc_ucheck_fn check, void *ctx)     \
    {                                                                         \
        if (m == 0 || lo >= hi)                                               \
            return 0;                                                         \
        return UMATCH(t, lo, hi, lo, hi, needle, m, rule, check, ctx);        \
    }

WC_DEFINE_USCALAR(wc_ucount8_scalar, uint8_t, wc_umatch8)
WC_DEFINE_USCALAR(wc_ucount16_scalar, uint16_t, wc_umatch16)
WC_DEFINE_USCALAR(wc_ucount32_scalar, uint32_t, wc_umatch32)
