/* 512-bit vectors in AVX-512 intrinsics: the AVX-512 and AMX kernels. The includer wraps this
   header in a target("avx512f,avx512dq,...") region; no build flag is needed. */
#ifndef VSML_VECTOR_AVX512_H
#define VSML_VECTOR_AVX512_H
typedef __m512 vf;
#define vset1(x) _mm512_set1_ps(x)
#define vload(p) _mm512_loadu_ps(p)
#define vstore(p, v) _mm512_storeu_ps((p), (v))
#define vadd(a, b) _mm512_add_ps((a), (b))
#define vsub(a, b) _mm512_sub_ps((a), (b))
#define vmul(a, b) _mm512_mul_ps((a), (b))
#define vdiv(a, b) _mm512_div_ps((a), (b))
#define vsqrt(a) _mm512_sqrt_ps(a)
#define vfma(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define vmin(a, b) _mm512_min_ps((a), (b))
#define vmax(a, b) _mm512_max_ps((a), (b))
/* x - floor(x), in [0, 1): one instruction (AVX512DQ reduce, round down, no exceptions). */
#define vfrac(x) _mm512_reduce_ps((x), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)
/* x * 2^floor(n), exact. */
#define vscale2(x, n) _mm512_scalef_ps((x), (n))
/* a * b + c with one rounding, whatever the contraction setting. */
#define vfma_fused(a, b, c) _mm512_fmadd_ps((a), (b), (c))
/* a where q is finite, else b. */
#define vselect_finite(q, a, b) _mm512_mask_blend_ps(_mm512_fpclass_ps_mask((q), 0x99), (a), (b))
/* 1/x: 14-bit estimate and one Newton step (relative error ~1e-8 before rounding). */
static inline vf vrecip(vf x) {
  vf r = _mm512_rcp14_ps(x);
  vf e = _mm512_fnmadd_ps(x, r, vset1(1.0f));
  return _mm512_fmadd_ps(r, e, r);
}
#endif
