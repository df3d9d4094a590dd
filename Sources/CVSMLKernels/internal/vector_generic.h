/* 64-byte vectors in the compiler's generic vector extension: the portable and AVX2 kernels.
   Compiled without a target, a vector operation becomes four SSE instructions; under
   target("avx2,fma") it becomes two AVX instructions and a * b + c fuses into FMA. */
#ifndef VSML_VECTOR_GENERIC_H
#define VSML_VECTOR_GENERIC_H
#include <string.h>

/* 64-byte vectors are internal to the kernels; their calling convention does not matter. */
#pragma clang diagnostic ignored "-Wpsabi"
typedef float vf __attribute__((vector_size(64)));
typedef int vi __attribute__((vector_size(64)));
static inline vf vset1(float x) { vf v = {x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x}; return v; }
static inline vf vload(const float *p) { vf v; memcpy(&v, p, sizeof v); return v; }
static inline void vstore(float *p, vf v) { memcpy(p, &v, sizeof v); }
#define vadd(a, b) ((a) + (b))
#define vsub(a, b) ((a) - (b))
#define vmul(a, b) ((a) * (b))
#define vdiv(a, b) ((a) / (b))
#define vsqrt(a) __builtin_elementwise_sqrt(a)
/* One expression, so clang's default contraction (-ffp-contract=on) fuses it where FMA exists. */
#define vfma(a, b, c) ((a) * (b) + (c))
/* Lane-wise select by comparison mask (all ones where true). */
static inline vf vselect(vi mask, vf a, vf b) { return (vf)((mask & (vi)a) | (~mask & (vi)b)); }
/* a * b + c with one rounding, whatever the contraction setting (a libm call per lane where the
   target has no FMA instruction, so only paths that define VSML_FUSED_FMA use it). */
#define vfma_fused(a, b, c) __builtin_elementwise_fma((a), (b), (c))
/* a where q is finite, else b. */
static inline vf vselect_finite(vf q, vf a, vf b) { return vselect((vi)((q - q) == vset1(0.0f)), a, b); }
/* min/max with the second operand returned where either is NaN, as AVX-512 does. */
static inline vf vmin(vf a, vf b) { return vselect((vi)(a < b), a, b); }
static inline vf vmax(vf a, vf b) { return vselect((vi)(a > b), a, b); }
/* floor(x) for |x| < 2^22: adding 1.5 * 2^23 rounds to the nearest integer, then step down
   where that rounded up. */
static inline vf vfloor(vf x) {
  const vf shift = vset1(12582912.0f);
  vf n = (x + shift) - shift;
  return vselect((vi)(n > x), n - 1.0f, n);
}
/* Exponents below this give 2^x = 0 in float anyway; NaN passes through the max. */
#define VSML_EXP2_FLOOR (-126.0f)
static inline vf vfrac(vf x) {
  x = vmax(vset1(VSML_EXP2_FLOOR), x);
  return x - vfloor(x);
}
static inline vf vscale2(vf x, vf n) {
  n = vfloor(vmax(vset1(VSML_EXP2_FLOOR), n));
  vi bits = (__builtin_convertvector(n, vi) + 127) << 23;
  vf scale;
  memcpy(&scale, &bits, sizeof scale);
  return x * scale;
}
static inline vf vrecip(vf x) { return vset1(1.0f) / x; }
#endif
