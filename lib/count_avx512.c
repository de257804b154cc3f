/*
 * count_avx512.c - the AVX-512BW kernel: 64 start places a step
 * (count_simd.h).  Comparisons give mask registers directly, so there is no
 * movemask.
 */
#include "wc_impl.h"

#if defined(__AVX512F__) && defined(__AVX512BW__)
#include <immintrin.h>

const int wc_have_avx512 = 1;

typedef __m512i wc_vec;
typedef __mmask64 wc_bits;
#define WC_KERNEL wc_count_avx512
#define WC_BYTE_KERNEL wc_byte_count_avx512
#define WC_W 64
#define WC_LOAD(p) _mm512_loadu_si512((const void *)(p))
#define WC_SPLAT(c) _mm512_set1_epi8((char)(c))
#define WC_EQ(v, s) _mm512_cmpeq_epi8_mask((v), (s))
#define WC_OR(a, b) ((wc_bits)((a) | (b)))
#define WC_AND(a, b) ((wc_bits)((a) & (b)))
#define WC_MASK(b) ((uint64_t)(b))
#include "count_simd.h"

#else /* left out of this build: a stub that dispatch never chooses */
const int wc_have_avx512 = 0;
uint64_t wc_count_avx512(const uint8_t *t, size_t len, size_t lo, size_t hi,
                         const uint8_t *needle, size_t m)
{
    return wc_count_scalar(t, len, lo, hi, needle, m);
}
uint64_t wc_byte_count_avx512(const uint8_t *t, size_t n, uint8_t c)
{
    return wc_byte_count_scalar(t, n, c);
}
#endif
