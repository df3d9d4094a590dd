/* The AVX-512 kernels. */
#if defined(__x86_64__)
#include <string.h>
#include <immintrin.h>
#include "internal/common.h"
#pragma clang attribute push(__attribute__((target("avx512f,avx512dq"))), apply_to = function)
#include "internal/vector_avx512.h"
#define VSML_FUSED_FMA 1
#define VSML_FN(name) name##_avx512
#include "internal/tick_body.h"
#pragma clang attribute pop

const vsml_kernels vsml_kernels_avx512 = {
    "avx512", vsml_dense_tick16_avx512, vsml_dense_tick16_reverse_avx512,
    vsml_normalised_messages8_avx512, vsml_message_terms_avx512,
    vsml_accumulate_rows_avx512, vsml_dot_avx512, vsml_adam_step_avx512,
    vsml_scale_add_avx512,
    vsml_tanh_avx512, vsml_sigmoid_avx512, vsml_fma_peak_avx512};
#endif
