/* words_scalar.c - the byte-class, lower-casing and narrowing kernels, one
 * byte (unit) at a time (wmask.h). */
#include "wmask.h"

void wc_wmask_scalar(const uint8_t *p, size_t n, int cls, uint64_t *out)
{
    size_t nw = (n + 63) / 64;
    for (size_t w = 0; w < nw; w++) {
        uint64_t m = 0;
        size_t lim = n - w * 64 < 64 ? n - w * 64 : 64;
        for (size_t i = 0; i < lim; i++)
            m |= (uint64_t)wc_wmask_in(p[w * 64 + i], cls) << i;
        out[w] = m;
    }
}

void wc_wmaskw_scalar(const void *p, size_t n, int width, int cls,
                      uint64_t *out)
{
    const uint16_t *p2 = p;
    const uint32_t *p4 = p;
    size_t nw = (n + 63) / 64;
    for (size_t w = 0; w < nw; w++) {
        uint64_t m = 0;
        size_t lim = n - w * 64 < 64 ? n - w * 64 : 64;
        for (size_t i = 0; i < lim; i++) {
            size_t j = w * 64 + i;
            uint32_t u = width == 2 ? p2[j] : p4[j];
            m |= (uint64_t)wc_wmask_in(wc_wmask_clamp(u), cls) << i;
        }
        out[w] = m;
    }
}

size_t wc_lower_scalar(const uint8_t *p, size_t n, uint8_t *out)
{
    size_t i = 0;
    for (; i < n && p[i] < 0x80; i++)
        out[i] = wc_lower_byte(p[i]);
    return i;
}

size_t wc_narrow_scalar(const void *p, size_t n, int width, uint8_t *out)
{
    const uint16_t *p2 = p;
    const uint32_t *p4 = p;
    size_t i = 0;
    for (; i < n; i++) {
        uint32_t u = width == 2 ? p2[i] : p4[i];
        if (u >= 0x80)
            break;
        out[i] = (uint8_t)u;
    }
    return i;
}
