/* Run-time choice of kernel path: CPUID and the OS-enabled register state (XCR0) for the vector
   paths, plus Linux's permission request for the AMX tile data. */
#include <stdint.h>
#include <time.h>
#include "internal/common.h"

#if defined(__x86_64__)
#include <cpuid.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* CPUID leaf 1 ECX: FMA (12), OSXSAVE (27), AVX (28). */
#define CPUID1_ECX_FMA (1u << 12)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID1_ECX_AVX (1u << 28)
/* CPUID leaf 7.0 EBX: AVX2 (5), AVX512F (16), AVX512DQ (17), AVX512BW (30), AVX512VL (31). */
#define CPUID7_EBX_AVX2 (1u << 5)
#define CPUID7_EBX_AVX512F (1u << 16)
#define CPUID7_EBX_AVX512DQ (1u << 17)
#define CPUID7_EBX_AVX512BW (1u << 30)
#define CPUID7_EBX_AVX512VL (1u << 31)
/* CPUID leaf 7.0 EDX: AMX-BF16 (22), AMX-TILE (24). Leaf 7.1 EAX: AVX512-BF16 (5). */
#define CPUID7_EDX_AMX_BF16 (1u << 22)
#define CPUID7_EDX_AMX_TILE (1u << 24)
#define CPUID71_EAX_AVX512BF16 (1u << 5)
/* XCR0: SSE and AVX state (bits 1, 2); AVX-512 opmask, upper ZMM, high ZMM (bits 5, 6, 7). */
#define XCR0_AVX_STATE 0x06u
#define XCR0_AVX512_STATE 0xe6u
/* Linux: ask for permission to use a dynamically enabled state component (arch_prctl code),
   and the component number of the AMX tile data. */
#define VSML_ARCH_REQ_XCOMP_PERM 0x1023
#define VSML_XFEATURE_XTILEDATA 18

/* The probe slot of the bf16 kernels, after the paths. */
#define VSML_KERNEL_BF16_PROBE VSML_KERNEL_COUNT

static uint64_t read_xcr0(void) {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((uint64_t)hi << 32) | lo;
}

static int detect(int kernel) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
  if (!(c & CPUID1_ECX_OSXSAVE) || !(c & CPUID1_ECX_AVX)) return 0;
  const int fma = (c & CPUID1_ECX_FMA) != 0;
  const uint64_t xcr0 = read_xcr0();
  if ((xcr0 & XCR0_AVX_STATE) != XCR0_AVX_STATE) return 0;
  if (__get_cpuid_max(0, NULL) < 7) return 0;
  __cpuid_count(7, 0, a, b, c, d);
  const unsigned ebx7 = b, edx7 = d;
  __cpuid_count(7, 1, a, b, c, d);
  const unsigned eax71 = a;
  const int avx2 = fma && (ebx7 & CPUID7_EBX_AVX2);
  const int avx512 = avx2 && (ebx7 & CPUID7_EBX_AVX512F) && (ebx7 & CPUID7_EBX_AVX512DQ) &&
                     (xcr0 & XCR0_AVX512_STATE) == XCR0_AVX512_STATE;
  switch (kernel) {
  case VSML_KERNEL_BF16_PROBE:
    return avx512 && (ebx7 & CPUID7_EBX_AVX512BW) && (ebx7 & CPUID7_EBX_AVX512VL) && (eax71 & CPUID71_EAX_AVX512BF16);
  case VSML_KERNEL_AVX2: return avx2;
  case VSML_KERNEL_AVX512: return avx512;
  case VSML_KERNEL_AMX: {
    const int cpu = avx512 && (ebx7 & CPUID7_EBX_AVX512BW) && (ebx7 & CPUID7_EBX_AVX512VL) &&
                    (eax71 & CPUID71_EAX_AVX512BF16) && (edx7 & CPUID7_EDX_AMX_TILE) &&
                    (edx7 & CPUID7_EDX_AMX_BF16);
    if (!cpu) return 0;
#if defined(__linux__)
    /* Process-wide and idempotent; refused on kernels before 5.16 or where the state is off. */
    return syscall(SYS_arch_prctl, VSML_ARCH_REQ_XCOMP_PERM, VSML_XFEATURE_XTILEDATA) == 0;
#else
    return 0;
#endif
  }
  default: return 0;
  }
}
#endif

/* Per path, then the bf16 kernels: 0 not yet probed, 1 available, -1 unavailable. Probing twice
   is harmless. */
static int probed[VSML_KERNEL_COUNT + 1];

#if defined(__x86_64__)
static int available(int slot) {
  int state = __atomic_load_n(&probed[slot], __ATOMIC_ACQUIRE);
  if (state == 0) {
    state = detect(slot) ? 1 : -1;
    __atomic_store_n(&probed[slot], state, __ATOMIC_RELEASE);
  }
  return state > 0;
}
#endif

const vsml_kernels *vsml_kernels_get_bf16(void) {
#if defined(__x86_64__)
  return available(VSML_KERNEL_COUNT) ? &vsml_kernels_bf16 : NULL;
#else
  return NULL;
#endif
}

const vsml_kernels *vsml_kernels_get(int kernel) {
  if (kernel == VSML_KERNEL_PORTABLE) return &vsml_kernels_portable;
#if defined(__x86_64__)
  if (kernel <= VSML_KERNEL_PORTABLE || kernel >= VSML_KERNEL_COUNT) return NULL;
  if (!available(kernel)) return NULL;
  switch (kernel) {
  case VSML_KERNEL_AVX2: return &vsml_kernels_avx2;
  case VSML_KERNEL_AVX512: return &vsml_kernels_avx512;
  case VSML_KERNEL_AMX: return &vsml_kernels_amx;
  default: return NULL;
  }
#else
  (void)probed;
  return NULL;
#endif
}

double vsml_amx_bf16_peak(double seconds) {
#if defined(__x86_64__)
  if (vsml_kernels_get(VSML_KERNEL_AMX) == NULL) return -1;
  return vsml_amx_bf16_peak_amx(seconds);
#else
  (void)seconds;
  return -1;
#endif
}

double vsml_now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
