/* Declarations shared by the kernel variants and the dispatcher. */
#ifndef VSML_COMMON_H
#define VSML_COMMON_H
#include "vsml_kernels.h"

/* Monotonic clock in seconds (for the peak measurements). */
double vsml_now_seconds(void);

/* Each variant's table; a variant that the compiler cannot build for this architecture has none. */
extern const vsml_kernels vsml_kernels_portable;
#if defined(__x86_64__)
extern const vsml_kernels vsml_kernels_avx2;
extern const vsml_kernels vsml_kernels_avx512;
extern const vsml_kernels vsml_kernels_amx;
extern const vsml_kernels vsml_kernels_bf16;
double vsml_amx_bf16_peak_amx(double seconds);
#endif
#endif
