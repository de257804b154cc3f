/*
 * words_simd.h - the body of the byte-class kernels (wmask.h), written once
 * for every instruction set.  A file words_<isa>.c compiled with its
 * instruction set defines
 *   WC_WISA            its suffix
 *   WC_WV              bytes a vector (16, 32 or 64; a divisor of 64)
 *   WC_WCLASS(p, cls)  the class bits of the WC_WV bytes at p, as uint64_t
 *   WC_WLOWER(p, o)    stores the WC_WV bytes at p lower-cased at o and
 *                      gives their WC_WMASK_HIGH bits, as uint64_t
 *   WC_WNARROW(p, w, o) stores the 64 units of width w (2 or 4) at p as
 *                      the 64 bytes min(unit, 0xFF) at o
 * and includes this file (WC_WCLASS(p, WC_WMASK_HIGH) gives the bytes' top
 * bits).  The last partial vector is classified from a
 * zero-padded copy (the kernel never reads past p + n); padding bytes are
 * in no class.
 */
#define WC_WCAT_(a, b) a##b
#define WC_WCAT(a, b) WC_WCAT_(a, b)

void WC_WCAT(wc_wmask_, WC_WISA)(const uint8_t *p, size_t n, int cls,
                                 uint64_t *out)
{
    size_t i = 0;
    while (n - i >= 64) {
        uint64_t m = 0;
        for (unsigned k = 0; k < 64; k += WC_WV)
            m |= WC_WCLASS(p + i + k, cls) << k;
        out[i / 64] = m;
        i += 64;
    }
    if (i < n) {
        uint8_t tail[64];
        size_t r = n - i;
        for (size_t k = 0; k < 64; k++)
            tail[k] = k < r ? p[i + k] : 0; /* 0: in no class */
        uint64_t m = 0;
        for (unsigned k = 0; k < r; k += WC_WV)
            m |= WC_WCLASS(tail + k, cls) << k;
        out[i / 64] = m;
    }
}

void WC_WCAT(wc_wmaskw_, WC_WISA)(const void *p, size_t n, int width,
                                  int cls, uint64_t *out)
{
    const uint8_t *u = p;
    uint8_t b[64];
    size_t i = 0;
    while (n - i >= 64) {
        WC_WNARROW(u + i * (size_t)width, width, b);
        uint64_t m = 0;
        for (unsigned k = 0; k < 64; k += WC_WV)
            m |= WC_WCLASS(b + k, cls) << k;
        out[i / 64] = m;
        i += 64;
    }
    if (i < n) {
        size_t r = n - i;
        for (size_t k = 0; k < 64; k++) {
            uint32_t c = 0; /* 0: in no class */
            if (k < r && width == 2)
                c = ((const uint16_t *)p)[i + k];
            else if (k < r)
                c = ((const uint32_t *)p)[i + k];
            b[k] = wc_wmask_clamp(c);
        }
        uint64_t m = 0;
        for (unsigned k = 0; k < r; k += WC_WV)
            m |= WC_WCLASS(b + k, cls) << k;
        out[i / 64] = m;
    }
}

size_t WC_WCAT(wc_lower_, WC_WISA)(const uint8_t *p, size_t n, uint8_t *out)
{
    size_t i = 0;
    while (n - i >= WC_WV) {
        uint64_t high = WC_WLOWER(p + i, out + i);
        if (high != 0)
            return i + (size_t)__builtin_ctzll(high);
        i += WC_WV;
    }
    for (; i < n && p[i] < 0x80; i++)
        out[i] = wc_lower_byte(p[i]);
    return i;
}

size_t WC_WCAT(wc_narrow_, WC_WISA)(const void *p, size_t n, int width,
                                    uint8_t *out)
{
    const uint8_t *u = p;
    size_t i = 0;
    while (n - i >= 64) {
        /* Units >= 0x80 narrow to bytes >= 0x80 (min(unit, 0xFF)). */
        WC_WNARROW(u + i * (size_t)width, width, out + i);
        uint64_t high = 0;
        for (unsigned k = 0; k < 64; k += WC_WV)
            high |= WC_WCLASS(out + i + k, WC_WMASK_HIGH) << k;
        if (high != 0)
            return i + (size_t)__builtin_ctzll(high);
        i += 64;
    }
    return i + wc_narrow_scalar(u + i * (size_t)width, n - i, width, out + i);
}

#undef WC_WCAT_
#undef WC_WCAT
