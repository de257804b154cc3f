/*
 * input_words.h - private to the core: the words of files, ranges of files
 * and streams (input_words.c): wc_freq_count_fd, wc_freq_count_file,
 * wc_freq_count_file_range and wc_freq_count_reader.  Their API is public
 * (wordcount.h); nothing else of the core calls into this file.
 */
#ifndef WC_INPUT_WORDS_H
#define WC_INPUT_WORDS_H

#include "common.h"

#endif /* WC_INPUT_WORDS_H */
