/* The portable kernels: generic vectors at the architecture's baseline. */
#include <string.h>
#include "internal/common.h"
#include "internal/vector_generic.h"
#define VSML_FN(name) name##_portable
#include "internal/tick_body.h"

const vsml_kernels vsml_kernels_portable = {
    "portable", vsml_dense_tick16_portable, vsml_dense_tick16_reverse_portable,
    vsml_normalised_messages8_portable, vsml_message_terms_portable,
    vsml_accumulate_rows_portable, vsml_dot_portable, vsml_adam_step_portable,
    vsml_scale_add_portable,
    vsml_tanh_portable, vsml_sigmoid_portable, vsml_fma_peak_portable};
