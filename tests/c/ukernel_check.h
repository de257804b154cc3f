/*
 * ukernel_check.h - the unicode needle kernels (kernels.h: wc_ucount*) of
 * the chosen instruction set against the scalar one, for the C tests and
 * fuzz_kernels, in every rule (WC_UFOLD, WC_USPACE): the text cut into
 * ranges, each counted from a copy that
 * holds only its units [lo, hi) in an allocation of its own (so that ASan
 * reports a read outside the range), with a check() that answers a fixed
 * pseudo-random function of the place (check() depends on the place only:
 * a kernel that asks at a place whose body does not match must not count
 * it, and one that counts a place without asking where it must gives
 * another count).
 */
#ifndef WC_TEST_UKERNEL_CHECK_H
#define WC_TEST_UKERNEL_CHECK_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"

static int uk_answer(void *ctx, size_t i)
{
    (*(uint64_t *)ctx)++;
    return (int)(((uint64_t)i * 0x9E3779B97F4A7C15ull) >> 63);
}

static void *uk_pack(const uint32_t *u, size_t n, int width)
{
    void *p = malloc(n * (size_t)width + 1);
    if (p == NULL)
        abort();
    for (size_t k = 0; k < n; k++) {
        if (width == 1)
            ((uint8_t *)p)[k] = (uint8_t)u[k];
        else if (width == 2)
            ((uint16_t *)p)[k] = (uint16_t)u[k];
        else
            ((uint32_t *)p)[k] = u[k];
    }
    return p;
}

/* [lo, hi) of units u with needle nu[0 .. m): the chosen kernel's count
 * (and how many times it asked) and the scalar one's; 1 if they agree. */
static int uk_range_agrees(const uint32_t *u, size_t lo, size_t hi,
                           const uint32_t *nu, size_t m, int width,
                           unsigned rule)
{
    void *win = uk_pack(u + lo, hi - lo, width), *nd = uk_pack(nu, m, width);
    const char *t = (const char *)win - lo * (size_t)width; /* never read below lo */
    uint64_t asked = 0, asked_ref = 0, got, want;
    switch (width) {
    case 1:
        got = wc_ukernel8()((const uint8_t *)t, lo, hi, nd, m, rule, uk_answer, &asked);
        want = wc_ucount8_scalar((const uint8_t *)t, lo, hi, nd, m, rule, uk_answer, &asked_ref);
        break;
    case 2:
        got = wc_ukernel16()((const uint16_t *)(const void *)t, lo, hi, nd, m, rule,
                             uk_answer, &asked);
        want = wc_ucount16_scalar((const uint16_t *)(const void *)t, lo, hi, nd, m, rule,
                                  uk_answer, &asked_ref);
        break;
    default:
        got = wc_ukernel32()((const uint32_t *)(const void *)t, lo, hi, nd, m, rule,
                             uk_answer, &asked);
        want = wc_ucount32_scalar((const uint32_t *)(const void *)t, lo, hi, nd, m, rule,
                                  uk_answer, &asked_ref);
        break;
    }
    free(win);
    free(nd);
    return got == want;
}

#endif /* WC_TEST_UKERNEL_CHECK_H */
