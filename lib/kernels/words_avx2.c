/* words_avx2.c - the byte-class, lower-casing and narrowing kernels, 32
 * bytes a step (wmask.h). */
#include "wmask.h"

#if defined(__AVX2__)
#include <immintrin.h>

const int wc_have_wmask_avx2 = 1;

static inline uint64_t wc_wclass_avx2(const uint8_t *p, int cls)
{
    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
    __m256i r;
    if (cls == WC_WMASK_SPACE) {
        r = _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(' ')),
                            _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\n')));
    } else if (cls == WC_WMASK_WORD) {
        /* Signed compares: bytes >= 0x80 are negative and never match. */
        __m256i digit = _mm256_andnot_si256(
            _mm256_cmpgt_epi8(v, _mm256_set1_epi8('9')),
            _mm256_cmpgt_epi8(v, _mm256_set1_epi8('0' - 1)));
        __m256i l = _mm256_or_si256(v, _mm256_set1_epi8(0x20));
        __m256i alpha = _mm256_andnot_si256(
            _mm256_cmpgt_epi8(l, _mm256_set1_epi8('z')),
            _mm256_cmpgt_epi8(l, _mm256_set1_epi8('a' - 1)));
        r = _mm256_or_si256(_mm256_or_si256(digit, alpha),
                            _mm256_cmpeq_epi8(v, _mm256_set1_epi8('_')));
    } else {
        r = v;
    }
    return (uint64_t)(uint32_t)_mm256_movemask_epi8(r);
}

static inline uint64_t wc_wlower_avx2(const uint8_t *p, uint8_t *o)
{
    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
    __m256i up = _mm256_andnot_si256(
        _mm256_cmpgt_epi8(v, _mm256_set1_epi8('Z')),
        _mm256_cmpgt_epi8(v, _mm256_set1_epi8('A' - 1)));
    _mm256_storeu_si256((__m256i *)(void *)o,
                        _mm256_add_epi8(v, _mm256_and_si256(
                                               up, _mm256_set1_epi8(0x20))));
    return (uint64_t)(uint32_t)_mm256_movemask_epi8(v);
}

/* 64 units as the bytes min(unit, 0xFF), 16 at a time (SSE4.1 minimum,
 * which AVX2 implies; the packs saturate values that are already <= 0xFF). */
static inline void wc_wnarrow_avx2(const uint8_t *p, int width, uint8_t *o)
{
    for (int k = 0; k < 4; k++) {
        __m128i a, b;
        if (width == 2) {
            const uint8_t *q = p + 32 * k;
            a = _mm_min_epu16(_mm_loadu_si128((const __m128i *)(const void *)q),
                              _mm_set1_epi16(0xFF));
            b = _mm_min_epu16(
                _mm_loadu_si128((const __m128i *)(const void *)(q + 16)),
                _mm_set1_epi16(0xFF));
        } else {
            const uint8_t *q = p + 64 * k;
            __m128i m = _mm_set1_epi32(0xFF);
            a = _mm_packus_epi32(
                _mm_min_epu32(_mm_loadu_si128((const __m128i *)(const void *)q), m),
                _mm_min_epu32(
                    _mm_loadu_si128((const __m128i *)(const void *)(q + 16)), m));
            b = _mm_packus_epi32(
                _mm_min_epu32(
                    _mm_loadu_si128((const __m128i *)(const void *)(q + 32)), m),
                _mm_min_epu32(
                    _mm_loadu_si128((const __m128i *)(const void *)(q + 48)), m));
        }
        _mm_storeu_si128((__m128i *)(void *)(o + 16 * k), _mm_packus_epi16(a, b));
    }
}

#define WC_WISA avx2
#define WC_WV 32
#define WC_WCLASS(p, cls) wc_wclass_avx2((p), (cls))
#define WC_WLOWER(p, o) wc_wlower_avx2((p), (o))
#define WC_WNARROW(p, w, o) wc_wnarrow_avx2((p), (w), (o))
#include "words_simd.h"

#else
const int wc_have_wmask_avx2 = 0;
void wc_wmask_avx2(const uint8_t *p, size_t n, int cls, uint64_t *out)
{
    wc_wmask_scalar(p, n, cls, out);
}
size_t wc_lower_avx2(const uint8_t *p, size_t n, uint8_t *out)
{
    return wc_lower_scalar(p, n, out);
}
size_t wc_narrow_avx2(const void *p, size_t n, int width, uint8_t *out)
{
    return wc_narrow_scalar(p, n, width, out);
}
void wc_wmaskw_avx2(const void *p, size_t n, int width, int cls, uint64_t *out)
{
    wc_wmaskw_scalar(p, n, width, cls, out);
}
#endif
