/* words_sse2.c - the byte-class, lower-casing and narrowing kernels, 16
 * bytes a step (wmask.h). */
#include "wmask.h"

#if defined(__SSE2__)
#include <emmintrin.h>

const int wc_have_wmask_sse2 = 1;

static inline uint64_t wc_wclass_sse2(const uint8_t *p, int cls)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i r;
    if (cls == WC_WMASK_SPACE) {
        r = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
                         _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
    } else if (cls == WC_WMASK_WORD) {
        /* Signed compares: bytes >= 0x80 are negative and never match. */
        __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                      _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
        __m128i l = _mm_or_si128(v, _mm_set1_epi8(0x20));
        __m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(l, _mm_set1_epi8('a' - 1)),
                                      _mm_cmplt_epi8(l, _mm_set1_epi8('z' + 1)));
        r = _mm_or_si128(_mm_or_si128(digit, alpha),
                         _mm_cmpeq_epi8(v, _mm_set1_epi8('_')));
    } else {
        r = v;
    }
    return (uint64_t)(uint32_t)_mm_movemask_epi8(r);
}

static inline uint64_t wc_wlower_sse2(const uint8_t *p, uint8_t *o)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i up = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)),
                               _mm_cmplt_epi8(v, _mm_set1_epi8('Z' + 1)));
    _mm_storeu_si128((__m128i *)(void *)o,
                     _mm_add_epi8(v, _mm_and_si128(up, _mm_set1_epi8(0x20))));
    return (uint64_t)(uint32_t)_mm_movemask_epi8(v);
}

/* The 8 or 4 units at p (width 2 or 4) as 16-bit values min(unit, 0xFF)
 * (SSE2 has no unsigned minimum: a saturating subtraction, or a mask of the
 * units with bits above the low 8). */
static inline __m128i wc_wclamp_sse2(const uint8_t *p, int width)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    if (width == 2)
        return _mm_sub_epi16(v, _mm_subs_epu16(v, _mm_set1_epi16(0xFF)));
    __m128i small = _mm_cmpeq_epi32(_mm_srli_epi32(v, 8), _mm_setzero_si128());
    return _mm_or_si128(_mm_and_si128(small, v),
                        _mm_andnot_si128(small, _mm_set1_epi32(0xFF)));
}

/* 64 units as the bytes min(unit, 0xFF). */
static inline void wc_wnarrow_sse2(const uint8_t *p, int width, uint8_t *o)
{
    for (int k = 0; k < 4; k++) {
        __m128i a, b;
        if (width == 2) {
            a = wc_wclamp_sse2(p + 32 * k, 2);
            b = wc_wclamp_sse2(p + 32 * k + 16, 2);
        } else {
            const uint8_t *q = p + 64 * k;
            /* Values <= 0xFF: the signed pack keeps them. */
            a = _mm_packs_epi32(wc_wclamp_sse2(q, 4), wc_wclamp_sse2(q + 16, 4));
            b = _mm_packs_epi32(wc_wclamp_sse2(q + 32, 4),
                                wc_wclamp_sse2(q + 48, 4));
        }
        _mm_storeu_si128((__m128i *)(void *)(o + 16 * k), _mm_packus_epi16(a, b));
    }
}

#define WC_WISA sse2
#define WC_WV 16
#define WC_WCLASS(p, cls) wc_wclass_sse2((p), (cls))
#define WC_WLOWER(p, o) wc_wlower_sse2((p), (o))
#define WC_WNARROW(p, w, o) wc_wnarrow_sse2((p), (w), (o))
#include "words_simd.h"

#else
const int wc_have_wmask_sse2 = 0;
void wc_wmask_sse2(const uint8_t *p, size_t n, int cls, uint64_t *out)
{
    wc_wmask_scalar(p, n, cls, out);
}
size_t wc_lower_sse2(const uint8_t *p, size_t n, uint8_t *out)
{
    return wc_lower_scalar(p, n, out);
}
size_t wc_narrow_sse2(const void *p, size_t n, int width, uint8_t *out)
{
    return wc_narrow_scalar(p, n, width, out);
}
void wc_wmaskw_sse2(const void *p, size_t n, int width, int cls, uint64_t *out)
{
    wc_wmaskw_scalar(p, n, width, cls, out);
}
#endif
