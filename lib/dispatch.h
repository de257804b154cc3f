/*
 * dispatch.h - private to the core: the needle kernels chosen once for this
 * CPU (or forced: WORD_COUNT_KERNEL, wc_force_kernel), by width.
 */
#ifndef WC_DISPATCH_H
#define WC_DISPATCH_H

#include <stddef.h>

#include "kernels/kernels.h"

/* The kernels chosen once (dispatch.c), for each width, and the plain pass
 * of the same instruction set. */
wc_kernel8_fn wc_kernel8(void);
wc_kernel16_fn wc_kernel16(void);
wc_kernel32_fn wc_kernel32(void);
wc_byte_fn wc_byte_kernel(void);
/* The same for unicode mode's needle (kernels.h: wc_ucount*). */
wc_ukernel8_fn wc_ukernel8(void);
wc_ukernel16_fn wc_ukernel16(void);
wc_ukernel32_fn wc_ukernel32(void);

/* Tests: how many times this process has asked the CPU for its features. */
size_t wc_test_cpu_detections(void);

#endif /* WC_DISPATCH_H */
