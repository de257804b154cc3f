/* count_avx2.c - the AVX2 kernel: 32 start places a step (count_simd.h). */
#include "wc_impl.h"

#if defined(__AVX2__)
#include <immintrin.h>

const int wc_have_avx2 = 1;

typedef __m256i wc_vec;
typedef __m256i wc_bits;
#define WC_KERNEL wc_count_avx2
#define WC_BYTE_KERNEL wc_byte_count_avx2
#define WC_W 32
#define WC_LOAD(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define WC_SPLAT(c) _mm256_set1_epi8((char)(c))
#define WC_EQ(v, s) _mm256_cmpeq_epi8((v), (s))
#define WC_OR(a, b) _mm256_or_si256((a), (b))
#define WC_AND(a, b) _mm256_and_si256((a), (b))
#define WC_MASK(b) ((uint64_t)(uint32_t)_mm256_movemask_epi8(b))
#include "count_simd.h"

#else /* left out of this build: a stub that dispatch never chooses */
const int wc_have_avx2 = 0;
uint64_t wc_count_avx2(const uint8_t *t, size_t len, size_t lo, size_t hi,
                       const uint8_t *needle, size_t m)
{
    return wc_count_scalar(t, len, lo, hi, needle, m);
}
uint64_t wc_byte_count_avx2(const uint8_t *t, size_t n, uint8_t c)
{
    return wc_byte_count_scalar(t, n, c);
}
#endif
