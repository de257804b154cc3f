/* count_avx2.c - the AVX2 kernels (32 bytes a step): count_simd.h. */
#include "kernels.h"

#if defined(__AVX2__)
#include <immintrin.h>

const int wc_have_avx2 = 1;

typedef __m256i wc_vec;
typedef __m256i wc_bits;
#define WC_ISA avx2
#define WC_VBYTES 32
#define WC_LOAD(p) _mm256_loadu_si256((const __m256i *)(p))
#define WC_OR(a, b) _mm256_or_si256((a), (b))
#define WC_AND(a, b) _mm256_and_si256((a), (b))
#define WC_SPLAT(c) WC_CAT3(_mm256_set1_epi, WC_BITS, )(c)
#define WC_EQ(v, s) WC_CAT3(_mm256_cmpeq_epi, WC_BITS, )((v), (s))
#define WC_GT(v, s) WC_CAT3(_mm256_cmpgt_epi, WC_BITS, )((v), (s)) /* signed */
#define WC_ANDNOT(a, b) _mm256_andnot_si256((a), (b)) /* ~a & b */
#define WC_VOR(v, w) _mm256_or_si256((v), (w))
#define WC_MASK(b) ((uint64_t)(uint32_t)_mm256_movemask_epi8(b))
#define WC_UB (WC_BITS / 8)

#define WC_BITS 8
#include "count_simd.h"
#define WC_BITS 16
#include "count_simd.h"
#define WC_BITS 32
#include "count_simd.h"

#else /* left out of this build: stubs that dispatch never chooses */
const int wc_have_avx2 = 0;
WC_DEFINE_STUBS(avx2)
#endif
