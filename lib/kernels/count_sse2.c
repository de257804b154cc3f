/* count_sse2.c - the SSE2 kernels (16 bytes a step): count_simd.h. */
#include "kernels.h"

#if defined(__SSE2__)
#include <emmintrin.h>

const int wc_have_sse2 = 1;

typedef __m128i wc_vec;
typedef __m128i wc_bits;
#define WC_ISA sse2
#define WC_VBYTES 16
#define WC_LOAD(p) _mm_loadu_si128((const __m128i *)(p))
#define WC_OR(a, b) _mm_or_si128((a), (b))
#define WC_AND(a, b) _mm_and_si128((a), (b))
#define WC_SPLAT(c) WC_CAT3(_mm_set1_epi, WC_BITS, )(c)
#define WC_EQ(v, s) WC_CAT3(_mm_cmpeq_epi, WC_BITS, )((v), (s))
#define WC_GT(v, s) WC_CAT3(_mm_cmpgt_epi, WC_BITS, )((v), (s)) /* signed */
#define WC_ANDNOT(a, b) _mm_andnot_si128((a), (b)) /* ~a & b */
#define WC_VOR(v, w) _mm_or_si128((v), (w))
#define WC_MASK(b) ((uint64_t)(uint32_t)_mm_movemask_epi8(b))
#define WC_UB (WC_BITS / 8)

#define WC_BITS 8
#include "count_simd.h"
#define WC_BITS 16
#include "count_simd.h"
#define WC_BITS 32
#include "count_simd.h"

#else /* left out of this build: stubs that dispatch never chooses */
const int wc_have_sse2 = 0;
WC_DEFINE_STUBS(sse2)
#endif
