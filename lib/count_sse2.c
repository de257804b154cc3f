/* count_sse2.c - the SSE2 kernel: 16 start places a step (count_simd.h). */
#include "wc_impl.h"

#if defined(__SSE2__)
#include <emmintrin.h>

const int wc_have_sse2 = 1;

typedef __m128i wc_vec;
typedef __m128i wc_bits;
#define WC_KERNEL wc_count_sse2
#define WC_BYTE_KERNEL wc_byte_count_sse2
#define WC_W 16
#define WC_LOAD(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define WC_SPLAT(c) _mm_set1_epi8((char)(c))
#define WC_EQ(v, s) _mm_cmpeq_epi8((v), (s))
#define WC_OR(a, b) _mm_or_si128((a), (b))
#define WC_AND(a, b) _mm_and_si128((a), (b))
#define WC_MASK(b) ((uint64_t)(uint32_t)_mm_movemask_epi8(b))
#include "count_simd.h"

#else /* left out of this build: a stub that dispatch never chooses */
const int wc_have_sse2 = 0;
uint64_t wc_count_sse2(const uint8_t *t, size_t len, size_t lo, size_t hi,
                       const uint8_t *needle, size_t m)
{
    return wc_count_scalar(t, len, lo, hi, needle, m);
}
uint64_t wc_byte_count_sse2(const uint8_t *t, size_t n, uint8_t c)
{
    return wc_byte_count_scalar(t, n, c);
}
#endif
