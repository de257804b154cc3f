/*
 * freq_result.h - private to the core: the frequency result object
 * (freq_result.c): wc_freq_new, the needles, the sort, the read-out and the
 * ordered merge of two tables (wc_freq_merge_into).  Its API is public
 * (wordcount.h); its struct is freq.h's, shared with the counting job.
 */
#ifndef WC_FREQ_RESULT_H
#define WC_FREQ_RESULT_H

#include "freq.h"

#endif /* WC_FREQ_RESULT_H */
