/* words_sse2.c - the byte-class and lower-casing kernels, 16 bytes a step
 * (wmask.h). */
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

#define WC_WISA sse2
#define WC_WV 16
#define WC_WCLASS(p, cls) wc_wclass_sse2((p), (cls))
#define WC_WLOWER(p, o) wc_wlower_sse2((p), (o))
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
#endif
