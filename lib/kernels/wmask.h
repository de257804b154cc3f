/*
 * wmask.h - the byte-class kernels of the word enumerators: one bit a byte.
 *
 * wc_wmask_<isa>(p, n, cls, out) sets bit i % 64 of out[i / 64] when p[i]
 * (0 <= i < n) is in class cls, and clears it otherwise; the bits of the last
 * word past n are 0.  out holds (n + 63) / 64 words.  It reads p[0 .. n)
 * only.  The classes:
 *   WC_WMASK_SPACE  ' ' or '\n' (the separators of space mode; "\r\n" is
 *                   the caller's business)
 *   WC_WMASK_WORD   an ASCII word byte, [0-9A-Za-z_] (tools/gen_unicode.py
 *                   asserts that these are exactly the ASCII \w characters)
 *   WC_WMASK_HIGH   a byte >= 0x80 (not ASCII: the caller decodes it)
 * The enumerators walk the set bits with ctz: no branch per byte.  Every
 * instruction set gives the scalar kernel's masks, bit for bit
 * (tests/c/test_wmask.c, fuzz/fuzz_words.c).
 */
#ifndef WC_WMASK_H
#define WC_WMASK_H

#include <stddef.h>
#include <stdint.h>

enum { WC_WMASK_SPACE = 0, WC_WMASK_WORD = 1, WC_WMASK_HIGH = 2 };

typedef void (*wc_wmask_fn)(const uint8_t *p, size_t n, int cls, uint64_t *out);

void wc_wmask_scalar(const uint8_t *p, size_t n, int cls, uint64_t *out);
void wc_wmask_sse2(const uint8_t *p, size_t n, int cls, uint64_t *out);
void wc_wmask_avx2(const uint8_t *p, size_t n, int cls, uint64_t *out);
void wc_wmask_avx512(const uint8_t *p, size_t n, int cls, uint64_t *out);

/* wc_wmaskw_<isa>(p, n, width, cls, out): the same masks for a text of
 * 16-bit (width 2) or 32-bit (width 4) units: unit i is classified as the
 * byte min(unit, 0xFF), which keeps every class (' ', '\n' and the ASCII
 * word bytes are below 0x80; a unit >= 0x80 stays >= 0x80).  It reads
 * p[0 .. n * width) only. */
typedef void (*wc_wmaskw_fn)(const void *p, size_t n, int width, int cls,
                             uint64_t *out);

void wc_wmaskw_scalar(const void *p, size_t n, int width, int cls,
                      uint64_t *out);
void wc_wmaskw_sse2(const void *p, size_t n, int width, int cls, uint64_t *out);
void wc_wmaskw_avx2(const void *p, size_t n, int width, int cls, uint64_t *out);
void wc_wmaskw_avx512(const void *p, size_t n, int width, int cls,
                      uint64_t *out);

/* wc_lower_<isa>(p, n, out): the ASCII bytes that start p[0 .. n),
 * lower-cased (A-Z, their full case folding) into out; returns how many
 * (it stops at the first byte >= 0x80).  It reads p[0 .. n) only and may
 * write any of out[0 .. n) (out holds n bytes); out[0 .. returned) is the
 * result.  Every instruction set gives the scalar kernel's result. */
typedef size_t (*wc_lower_fn)(const uint8_t *p, size_t n, uint8_t *out);

size_t wc_lower_scalar(const uint8_t *p, size_t n, uint8_t *out);
size_t wc_lower_sse2(const uint8_t *p, size_t n, uint8_t *out);
size_t wc_lower_avx2(const uint8_t *p, size_t n, uint8_t *out);
size_t wc_lower_avx512(const uint8_t *p, size_t n, uint8_t *out);

/* wc_narrow_<isa>(p, n, width, out): the units below 0x80 that start the
 * n units of width 2 or 4 at p, as bytes into out; returns how many (it
 * stops at the first unit >= 0x80).  It reads p[0 .. n * width) only and
 * may write any of out[0 .. n); out[0 .. returned) is the result.  Every
 * instruction set gives the scalar kernel's result.  (freq_runs.c counts
 * the ASCII stretches of a str of 2- or 4-byte units as bytes.) */
typedef size_t (*wc_narrow_fn)(const void *p, size_t n, int width,
                               uint8_t *out);

size_t wc_narrow_scalar(const void *p, size_t n, int width, uint8_t *out);
size_t wc_narrow_sse2(const void *p, size_t n, int width, uint8_t *out);
size_t wc_narrow_avx2(const void *p, size_t n, int width, uint8_t *out);
size_t wc_narrow_avx512(const void *p, size_t n, int width, uint8_t *out);

/* 1 when the ISA's file was compiled with its instruction set (else its
 * function is the scalar one and dispatch never chooses it). */
extern const int wc_have_wmask_sse2, wc_have_wmask_avx2, wc_have_wmask_avx512;

/* The kernel of the instruction set chosen by dispatch.c (WORD_COUNT_KERNEL
 * and wc_force_kernel choose it with the needle kernels). */
wc_wmask_fn wc_wmask_kernel(void);
wc_wmaskw_fn wc_wmaskw_kernel(void);
wc_lower_fn wc_lower_kernel(void);
wc_narrow_fn wc_narrow_kernel(void);

/* The scalar class of one byte (the reference of every kernel). */
static inline int wc_wmask_in(uint8_t b, int cls)
{
    switch (cls) {
    case WC_WMASK_SPACE:
        return b == ' ' || b == '\n';
    case WC_WMASK_WORD:
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') ||
               (b >= 'A' && b <= 'Z') || b == '_';
    default:
        return b >= 0x80;
    }
}

/* The byte a unit of a wider text is classified as (wc_wmaskw_<isa>). */
static inline uint8_t wc_wmask_clamp(uint32_t u)
{
    return (uint8_t)(u > 0xFF ? 0xFF : u);
}

/* The scalar lower-casing of one ASCII byte. */
static inline uint8_t wc_lower_byte(uint8_t b)
{
    return (uint8_t)(b + ((unsigned)(b - 'A') < 26u ? 0x20 : 0));
}

/* The same for 8 bytes in a uint64_t (bytes >= 0x80 unchanged): plain
 * arithmetic, each byte's sum kept below 0x100 by clearing bit 7 first. */
static inline uint64_t wc_lower8(uint64_t v)
{
    const uint64_t h = 0x8080808080808080ull, low7 = 0x7F7F7F7F7F7F7F7Full;
    uint64_t v7 = v & low7;
    uint64_t ge_a = v7 + 0x3F3F3F3F3F3F3F3Full;  /* bit 7: byte >= 'A' */
    uint64_t gt_z = v7 + 0x2525252525252525ull;  /* bit 7: byte > 'Z' */
    uint64_t up = ge_a & ~gt_z & ~v & h;
    return v | (up >> 2);
}

#endif /* WC_WMASK_H */
