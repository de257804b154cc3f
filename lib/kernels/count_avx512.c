/* count_avx512.c - the AVX-512BW kernels (64 bytes a step; comparisons give mask registers, so no movemask): count_simd.h. */
#include "kernels.h"

#if defined(__AVX512F__) && defined(__AVX512BW__)
#include <immintrin.h>

const int wc_have_avx512 = 1;

typedef __m512i wc_vec;
typedef __mmask64 wc_bits;
#define WC_ISA avx512
#define WC_VBYTES 64
#define WC_LOAD(p) _mm512_loadu_si512((p))
#define WC_OR(a, b) ((wc_bits)((a) | (b)))
#define WC_AND(a, b) ((wc_bits)((a) & (b)))
#define WC_SPLAT(c) WC_CAT3(_mm512_set1_epi, WC_BITS, )(c)
#define WC_EQ(v, s) WC_CAT3(_mm512_cmpeq_epi, WC_BITS, _mask)((v), (s))
#define WC_GT(v, s) WC_CAT3(_mm512_cmpgt_epi, WC_BITS, _mask)((v), (s)) /* signed */
#define WC_ANDNOT(a, b) ((wc_bits)(~(a) & (b)))
#define WC_VOR(v, w) _mm512_or_si512((v), (w))
#define WC_MASK(b) ((uint64_t)(b))
#define WC_UB 1

#define WC_BITS 8
#include "count_simd.h"
#define WC_BITS 16
#include "count_simd.h"
#define WC_BITS 32
#include "count_simd.h"

#else /* left out of this build: stubs that dispatch never chooses */
const int wc_have_avx512 = 0;
WC_DEFINE_STUBS(avx512)
#endif
