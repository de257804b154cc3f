/* words_avx2.c - the byte-class kernel, 32 bytes a step (wmask.h). */
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

#define WC_WISA avx2
#define WC_WV 32
#define WC_WCLASS(p, cls) wc_wclass_avx2((p), (cls))
#include "words_simd.h"

#else
const int wc_have_wmask_avx2 = 0;
void wc_wmask_avx2(const uint8_t *p, size_t n, int cls, uint64_t *out)
{
    wc_wmask_scalar(p, n, cls, out);
}
#endif
