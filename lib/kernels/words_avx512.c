/* words_avx512.c - the byte-class, lower-casing and narrowing kernels, 64
 * bytes a step; AVX-512BW compares give the mask directly (wmask.h). */
#include "wmask.h"

#if defined(__AVX512F__) && defined(__AVX512BW__)
#include <immintrin.h>

const int wc_have_wmask_avx512 = 1;

static inline uint64_t wc_wclass_avx512(const uint8_t *p, int cls)
{
    __m512i v = _mm512_loadu_si512((const void *)p);
    if (cls == WC_WMASK_SPACE)
        return (uint64_t)(_mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(' ')) |
                          _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\n')));
    if (cls == WC_WMASK_WORD) {
        /* Unsigned ranges: (v - lo) <= hi - lo. */
        __mmask64 digit = _mm512_cmple_epu8_mask(
            _mm512_sub_epi8(v, _mm512_set1_epi8('0')), _mm512_set1_epi8(9));
        __mmask64 alpha = _mm512_cmple_epu8_mask(
            _mm512_sub_epi8(_mm512_or_si512(v, _mm512_set1_epi8(0x20)),
                            _mm512_set1_epi8('a')),
            _mm512_set1_epi8(25));
        return (uint64_t)(digit | alpha |
                          _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('_')));
    }
    return (uint64_t)_mm512_movepi8_mask(v);
}

static inline uint64_t wc_wlower_avx512(const uint8_t *p, uint8_t *o)
{
    __m512i v = _mm512_loadu_si512((const void *)p);
    __mmask64 up = _mm512_cmple_epu8_mask(
        _mm512_sub_epi8(v, _mm512_set1_epi8('A')), _mm512_set1_epi8(25));
    _mm512_storeu_si512((void *)o,
                        _mm512_mask_add_epi8(v, up, v, _mm512_set1_epi8(0x20)));
    return (uint64_t)_mm512_movepi8_mask(v);
}

/* 64 units as the bytes min(unit, 0xFF): vpmovwb / vpmovdb truncate, so
 * clamp first. */
static inline void wc_wnarrow_avx512(const uint8_t *p, int width, uint8_t *o)
{
    if (width == 2) {
        for (int k = 0; k < 2; k++) {
            __m512i v = _mm512_loadu_si512((const void *)(p + 64 * k));
            v = _mm512_min_epu16(v, _mm512_set1_epi16(0xFF));
            _mm256_storeu_si256((__m256i *)(void *)(o + 32 * k),
                                _mm512_cvtepi16_epi8(v));
        }
    } else {
        for (int k = 0; k < 4; k++) {
            __m512i v = _mm512_loadu_si512((const void *)(p + 64 * k));
            v = _mm512_min_epu32(v, _mm512_set1_epi32(0xFF));
            _mm_storeu_si128((__m128i *)(void *)(o + 16 * k),
                             _mm512_cvtepi32_epi8(v));
        }
    }
}

#define WC_WISA avx512
#define WC_WV 64
#define WC_WCLASS(p, cls) wc_wclass_avx512((p), (cls))
#define WC_WLOWER(p, o) wc_wlower_avx512((p), (o))
#define WC_WNARROW(p, w, o) wc_wnarrow_avx512((p), (w), (o))
#include "words_simd.h"

#else
const int wc_have_wmask_avx512 = 0;
void wc_wmask_avx512(const uint8_t *p, size_t n, int cls, uint64_t *out)
{
    wc_wmask_scalar(p, n, cls, out);
}
size_t wc_lower_avx512(const uint8_t *p, size_t n, uint8_t *out)
{
    return wc_lower_scalar(p, n, out);
}
size_t wc_narrow_avx512(const void *p, size_t n, int width, uint8_t *out)
{
    return wc_narrow_scalar(p, n, width, out);
}
void wc_wmaskw_avx512(const void *p, size_t n, int width, int cls,
                      uint64_t *out)
{
    wc_wmaskw_scalar(p, n, width, cls, out);
}
#endif
