/* The AVX2 + FMA kernels: the generic vectors compiled for 256-bit registers with FMA. */
#if defined(__x86_64__)
#include <string.h>
#include <xmmintrin.h>
#include "internal/common.h"
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#include "internal/vector_generic.h"
#define VSML_FUSED_FMA 1
#define VSML_FN(name) name##_avx2
#include "internal/tick_body.h"
#pragma clang attribute pop

const vsml_kernels vsml_kernels_avx2 = {
    "avx2", vsml_dense_tick16_avx2, vsml_dense_tick16_reverse_avx2,
    vsml_normalised_messages8_avx2, vsml_message_terms_avx2,
    vsml_accumulate_rows_avx2, vsml_dot_avx2, vsml_adam_step_avx2,
    vsml_scale_add_avx2,
    vsml_tanh_avx2, vsml_sigmoid_avx2, vsml_fma_peak_avx2};
#endif
