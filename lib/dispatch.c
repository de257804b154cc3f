/*
 * dispatch.c - choose the kernels once and cache the choice.
 *
 * As in memchr, the cached pointer starts at nothing and the first call
 * detects, stores and returns; later calls are one atomic load.  As in
 * BLAKE3, AVX and AVX-512 are trusted only when the OS saves their registers
 * (OSXSAVE, then XGETBV), not merely when CPUID lists them.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "kernels/kernels.h"
#include "kernels/wmask.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define WC_X86 1
#endif

enum { WC_F_SSE2 = 1, WC_F_AVX2 = 2, WC_F_AVX512 = 4 };

static int wc_cpu_features_detect(void)
{
    int f = 0;
#ifdef WC_X86
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    if (d & (1u << 26)) /* CPUID.1:EDX.SSE2 */
        f |= WC_F_SSE2;
    /* CPUID.1:ECX.OSXSAVE: the OS enabled XSAVE, so XGETBV may be asked
     * which register states it saves on a context switch. */
    if (!(c & (1u << 27)))
        return f;
    unsigned xlo, xhi;
    __asm__ volatile("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
    (void)xhi;
    int os_avx = (xlo & 0x6) == 0x6;       /* XMM and YMM state */
    int os_avx512 = (xlo & 0xe6) == 0xe6;  /* and opmask, ZMM0-15, ZMM16-31 */
    if (__get_cpuid_max(0, NULL) < 7)
        return f;
    __cpuid_count(7, 0, a, b, c, d);
    if (os_avx && (b & (1u << 5))) /* CPUID.7.0:EBX.AVX2 */
        f |= WC_F_AVX2;
    /* CPUID.7.0:EBX.AVX512F (bit 16) and .AVX512BW (bit 30) */
    if (os_avx512 && (b & (1u << 16)) && (b & (1u << 30)))
        f |= WC_F_AVX512;
#endif
    return f;
}

static atomic_size_t wc_detections; /* wc_test_cpu_detections */

size_t wc_test_cpu_detections(void)
{
    return atomic_load(&wc_detections);
}

/* CPUID traps to the hypervisor in a virtual machine (a VM exit each: 75 us
 * for available_kernels() when each check asked again); ask once.  Every
 * caller computes the same value, so a race only repeats it. */
static int wc_cpu_features(void)
{
    static atomic_int cached = -1;
    int f = atomic_load_explicit(&cached, memory_order_relaxed);
    if (f < 0) {
        atomic_fetch_add(&wc_detections, 1);
        f = wc_cpu_features_detect();
        atomic_store_explicit(&cached, f, memory_order_relaxed);
    }
    return f;
}

struct wc_kernel_entry {
    const char *name;
    wc_kernel8_fn fn8;
    wc_kernel16_fn fn16;
    wc_kernel32_fn fn32;
    wc_byte_fn byte_fn;
    wc_ukernel8_fn ufn8; /* unicode mode (kernels.h: wc_ucount*) */
    wc_ukernel16_fn ufn16;
    wc_ukernel32_fn ufn32;
    wc_wmask_fn wmask; /* the byte classes of the word enumerators */
    wc_wmaskw_fn wmaskw; /* the same for 16- and 32-bit units */
    wc_lower_fn lower; /* their ASCII lower-casing */
    wc_narrow_fn narrow; /* the ASCII units of a wider text as bytes */
    const int *compiled; /* NULL: always there */
    const int *wmask_compiled;
    int feature;         /* 0: needs nothing of the CPU */
};

/* Best first: the automatic choice is the first one supported. */
static const struct wc_kernel_entry wc_kernels[] = {
    {"avx512", wc_count8_avx512, wc_count16_avx512, wc_count32_avx512, wc_byte_count_avx512,
     wc_ucount8_avx512, wc_ucount16_avx512, wc_ucount32_avx512,
     wc_wmask_avx512, wc_wmaskw_avx512, wc_lower_avx512,
     wc_narrow_avx512,
     &wc_have_avx512, &wc_have_wmask_avx512, WC_F_AVX512},
    {"avx2", wc_count8_avx2, wc_count16_avx2, wc_count32_avx2, wc_byte_count_avx2,
     wc_ucount8_avx2, wc_ucount16_avx2, wc_ucount32_avx2,
     wc_wmask_avx2, wc_wmaskw_avx2, wc_lower_avx2,
     wc_narrow_avx2,
     &wc_have_avx2, &wc_have_wmask_avx2, WC_F_AVX2},
    {"sse2", wc_count8_sse2, wc_count16_sse2, wc_count32_sse2, wc_byte_count_sse2,
     wc_ucount8_sse2, wc_ucount16_sse2, wc_ucount32_sse2,
     wc_wmask_sse2, wc_wmaskw_sse2, wc_lower_sse2,
     wc_narrow_sse2,
     &wc_have_sse2, &wc_have_wmask_sse2, WC_F_SSE2},
    {"scalar", wc_count8_scalar, wc_count16_scalar, wc_count32_scalar, wc_byte_count_scalar,
     wc_ucount8_scalar, wc_ucount16_scalar, wc_ucount32_scalar,
     wc_wmask_scalar, wc_wmaskw_scalar, wc_lower_scalar,
     wc_narrow_scalar,
     NULL, NULL, 0},
};
#define WC_NKERNELS (sizeof wc_kernels / sizeof wc_kernels[0])

static _Atomic(const struct wc_kernel_entry *) wc_chosen;

static int wc_entry_supported(const struct wc_kernel_entry *k)
{
    if (k->compiled != NULL && !*k->compiled)
        return 0;
    if (k->wmask_compiled != NULL && !*k->wmask_compiled)
        return 0;
    return k->feature == 0 || (wc_cpu_features() & k->feature) != 0;
}

static const struct wc_kernel_entry *wc_find(const char *name)
{
    for (size_t k = 0; k < WC_NKERNELS; k++)
        if (strcmp(wc_kernels[k].name, name) == 0)
            return &wc_kernels[k];
    return NULL;
}

static const struct wc_kernel_entry *wc_auto(void)
{
    for (size_t k = 0; k < WC_NKERNELS; k++)
        if (wc_entry_supported(&wc_kernels[k]))
            return &wc_kernels[k];
    return &wc_kernels[WC_NKERNELS - 1];
}

static const struct wc_kernel_entry *wc_detect(void)
{
    /* WORD_COUNT_KERNEL forces a kernel, for tests and benchmarks; a name
     * that is unknown or unsupported here is ignored (the binding warns). */
    const char *env = getenv("WORD_COUNT_KERNEL");
    const struct wc_kernel_entry *k = NULL;
    if (env != NULL && *env != '\0' && strcmp(env, "auto") != 0) {
        k = wc_find(env);
        if (k != NULL && !wc_entry_supported(k))
            k = NULL;
    }
    if (k == NULL)
        k = wc_auto();
    atomic_store_explicit(&wc_chosen, k, memory_order_release);
    return k;
}

static const struct wc_kernel_entry *wc_current(void)
{
    const struct wc_kernel_entry *k =
        atomic_load_explicit(&wc_chosen, memory_order_acquire);
    return k != NULL ? k : wc_detect();
}

wc_kernel8_fn wc_kernel8(void)
{
    return wc_current()->fn8;
}

wc_kernel16_fn wc_kernel16(void)
{
    return wc_current()->fn16;
}

wc_kernel32_fn wc_kernel32(void)
{
    return wc_current()->fn32;
}

wc_ukernel8_fn wc_ukernel8(void)
{
    return wc_current()->ufn8;
}

wc_ukernel16_fn wc_ukernel16(void)
{
    return wc_current()->ufn16;
}

wc_ukernel32_fn wc_ukernel32(void)
{
    return wc_current()->ufn32;
}

wc_byte_fn wc_byte_kernel(void)
{
    return wc_current()->byte_fn;
}

wc_wmask_fn wc_wmask_kernel(void)
{
    return wc_current()->wmask;
}

wc_wmaskw_fn wc_wmaskw_kernel(void)
{
    return wc_current()->wmaskw;
}

wc_lower_fn wc_lower_kernel(void)
{
    return wc_current()->lower;
}

wc_narrow_fn wc_narrow_kernel(void)
{
    return wc_current()->narrow;
}

const char *wc_kernel_name(void)
{
    return wc_current()->name;
}

int wc_kernel_supported(const char *name)
{
    if (name == NULL)
        return 0;
    if (strcmp(name, "auto") == 0)
        return 1;
    const struct wc_kernel_entry *k = wc_find(name);
    return k != NULL && wc_entry_supported(k);
}

int wc_force_kernel(const char *name)
{
    if (name == NULL)
        return WC_ENOKERNEL;
    const struct wc_kernel_entry *k =
        strcmp(name, "auto") == 0 ? wc_auto() : wc_find(name);
    if (k == NULL || !wc_entry_supported(k))
        return WC_ENOKERNEL;
    atomic_store_explicit(&wc_chosen, k, memory_order_release);
    return WC_OK;
}
