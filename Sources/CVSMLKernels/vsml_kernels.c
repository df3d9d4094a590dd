#include "vsml_kernels.h"

#include <string.h>
#include <time.h>
#if defined(__SSE__)
#include <xmmintrin.h>
/* MXCSR flush-to-zero (bit 15) and denormals-are-zero (bit 6). */
#define VSML_MXCSR_FTZ_DAZ 0x8040u
#endif

#if defined(__AVX512F__) && defined(__AVX512DQ__)
#include <immintrin.h>
#define VSML_VECTOR_BITS 512
typedef __m512 vf;
#define vset1(x) _mm512_set1_ps(x)
#define vload(p) _mm512_loadu_ps(p)
#define vstore(p, v) _mm512_storeu_ps((p), (v))
#define vadd(a, b) _mm512_add_ps((a), (b))
#define vsub(a, b) _mm512_sub_ps((a), (b))
#define vmul(a, b) _mm512_mul_ps((a), (b))
#define vfma(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define vmin(a, b) _mm512_min_ps((a), (b))
#define vmax(a, b) _mm512_max_ps((a), (b))
/* x - floor(x), in [0, 1): one instruction (AVX512DQ reduce, round down, no exceptions). */
#define vfrac(x) _mm512_reduce_ps((x), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)
/* x * 2^floor(n), exact. */
#define vscale2(x, n) _mm512_scalef_ps((x), (n))
/* 1/x: 14-bit estimate and one Newton step (relative error ~1e-8 before rounding). */
static inline vf vrecip(vf x) {
  vf r = _mm512_rcp14_ps(x);
  vf e = _mm512_fnmadd_ps(x, r, vset1(1.0f));
  return _mm512_fmadd_ps(r, e, r);
}
#else
#define VSML_VECTOR_BITS 0
/* 64-byte vectors are internal to this file; their ABI without AVX-512 does not matter. */
#pragma clang diagnostic ignored "-Wpsabi"
typedef float vf __attribute__((vector_size(64)));
typedef int vi __attribute__((vector_size(64)));
static inline vf vset1(float x) { vf v = {x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x}; return v; }
static inline vf vload(const float *p) { vf v; memcpy(&v, p, sizeof v); return v; }
static inline void vstore(float *p, vf v) { memcpy(p, &v, sizeof v); }
#define vadd(a, b) ((a) + (b))
#define vsub(a, b) ((a) - (b))
#define vmul(a, b) ((a) * (b))
#define vfma(a, b, c) ((a) * (b) + (c))
/* Lane-wise select by comparison mask (all ones where true). */
static inline vf vselect(vi mask, vf a, vf b) { return (vf)((mask & (vi)a) | (~mask & (vi)b)); }
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
static inline vf vfrac(vf x) {
  x = vmax(vset1(-126.0f), x); /* below this 2^x is 0 in float anyway; NaN passes through */
  return x - vfloor(x);
}
static inline vf vscale2(vf x, vf n) {
  n = vfloor(vmax(vset1(-126.0f), n));
  vi bits = (__builtin_convertvector(n, vi) + 127) << 23;
  vf scale;
  memcpy(&scale, &bits, sizeof scale);
  return x * scale;
}
static inline vf vrecip(vf x) { return vset1(1.0f) / x; }
#endif

int vsml_kernel_vector_bits(void) { return VSML_VECTOR_BITS; }

/* Exponents above this give 2^t > 1.8e19: sigmoid is 0 and tanh is -1 to float precision, and the
   clamp keeps the reciprocal's Newton step away from inf * 0. */
#define VSML_EXP2_CLAMP 64.0f

/* 2^t for t <= 64: t = n + r with n = floor(t) and 0 <= r < 1, a near-minimax degree-6
   polynomial for 2^r (relative error 2e-9 before rounding), and the exponent n put in exactly
   (scalef uses floor(t) itself, so n is never formed). */
static inline vf vexp2(vf t) {
  t = vmin(vset1(VSML_EXP2_CLAMP), t); /* operand order: a NaN t passes through */
  vf r = vfrac(t);
  vf p = vfma(vset1(2.1612919226754457e-4f), r, vset1(1.246784464456141e-3f));
  p = vfma(p, r, vset1(9.675451554358006e-3f));
  p = vfma(p, r, vset1(5.5485282093286514e-2f));
  p = vfma(p, r, vset1(2.402293086051941e-1f));
  p = vfma(p, r, vset1(6.931470632553101e-1f));
  p = vfma(p, r, vset1(1.0f));
  return vscale2(p, t);
}

/* sigmoid(z) given t = -log2(e) z. */
static inline vf vsigmoid_t(vf t) { return vrecip(vadd(vset1(1.0f), vexp2(t))); }

/* tanh(z) given t = -2 log2(e) z. */
static inline vf vtanh_t(vf t) {
  vf e = vexp2(t);
  return vmul(vsub(vset1(1.0f), e), vrecip(vadd(vset1(1.0f), e)));
}

/* Connections processed together. The tick runs in three passes over a tile: the recurrent
   products (short, independent FMA chains), the four gate activations, then the cell update and
   tanh(c'). Each pass is a loop of independent iterations, which keeps the out-of-order core
   busy; one connection start-to-finish is a ~130-cycle dependency chain that stalls it. */
#define VSML_TILE 8

/* z = row + col + h . W for two connections (every weight load serves both). */
static inline void recurrent_product2(const float *ha, const float *hb, const float *ra, const float *rb,
                                      const float *ta, const float *tb, const float *w, float *za, float *zb) {
  vf a0 = vadd(vload(ra), vload(ta)), a1 = vadd(vload(ra + 16), vload(ta + 16));
  vf a2 = vadd(vload(ra + 32), vload(ta + 32)), a3 = vadd(vload(ra + 48), vload(ta + 48));
  vf b0 = vadd(vload(rb), vload(tb)), b1 = vadd(vload(rb + 16), vload(tb + 16));
  vf b2 = vadd(vload(rb + 32), vload(tb + 32)), b3 = vadd(vload(rb + 48), vload(tb + 48));
  for (int k = 0; k < 16; k++) {
    const float *wk = w + k * 64;
    const vf w0 = vload(wk), w1 = vload(wk + 16), w2 = vload(wk + 32), w3 = vload(wk + 48);
    const vf x = vset1(ha[k]), y = vset1(hb[k]);
    a0 = vfma(x, w0, a0); a1 = vfma(x, w1, a1); a2 = vfma(x, w2, a2); a3 = vfma(x, w3, a3);
    b0 = vfma(y, w0, b0); b1 = vfma(y, w1, b1); b2 = vfma(y, w2, b2); b3 = vfma(y, w3, b3);
  }
  vstore(za, a0); vstore(za + 16, a1); vstore(za + 32, a2); vstore(za + 48, a3);
  vstore(zb, b0); vstore(zb + 16, b1); vstore(zb + 32, b2); vstore(zb + 48, b3);
}

static inline void recurrent_product1(const float *h, const float *r, const float *t, const float *w, float *z) {
  vf z0 = vadd(vload(r), vload(t)), z1 = vadd(vload(r + 16), vload(t + 16));
  vf z2 = vadd(vload(r + 32), vload(t + 32)), z3 = vadd(vload(r + 48), vload(t + 48));
  for (int k = 0; k < 16; k++) {
    const float *wk = w + k * 64;
    const vf x = vset1(h[k]);
    z0 = vfma(x, vload(wk), z0); z1 = vfma(x, vload(wk + 16), z1);
    z2 = vfma(x, vload(wk + 32), z2); z3 = vfma(x, vload(wk + 48), z3);
  }
  vstore(z, z0); vstore(z + 16, z1); vstore(z + 32, z2); vstore(z + 48, z3);
}

void vsml_dense_tick16(float *cells, ptrdiff_t A, ptrdiff_t B, const float *row_term,
                       const float *col_term, const float *w, float *row_sum, float *col_sum) {
#if defined(__SSE__)
  /* Flush denormals to zero inside the tick: decaying cell states would otherwise reach
     denormal values, which cost ~100 cycles per operation on x86. Changes results only below
     1.2e-38. The caller's mode is restored on return. */
  const unsigned int saved_mxcsr = _mm_getcsr();
  _mm_setcsr(saved_mxcsr | VSML_MXCSR_FTZ_DAZ);
#endif
  const int accumulate = row_sum != NULL && col_sum != NULL;
  if (accumulate) {
    memset(row_sum, 0, (size_t)A * 16 * sizeof(float));
    memset(col_sum, 0, (size_t)B * 16 * sizeof(float));
  }
  float z[VSML_TILE * 64] __attribute__((aligned(64)));
  ptrdiff_t rows[VSML_TILE], cols[VSML_TILE];
  const ptrdiff_t total = A * B;
  ptrdiff_t a = 0, b = 0;
  for (ptrdiff_t first = 0; first < total; first += VSML_TILE) {
    const int n = total - first < VSML_TILE ? (int)(total - first) : VSML_TILE;
    for (int j = 0; j < n; j++) {
      rows[j] = a;
      cols[j] = b;
      if (++b == B) { b = 0; a++; }
    }
    float *tile = cells + first * 32;
    int j = 0;
    for (; j + 2 <= n; j += 2)
      recurrent_product2(tile + j * 32, tile + (j + 1) * 32, row_term + rows[j] * 64, row_term + rows[j + 1] * 64,
                         col_term + cols[j] * 64, col_term + cols[j + 1] * 64, w, z + j * 64, z + (j + 1) * 64);
    if (j < n) recurrent_product1(tile + j * 32, row_term + rows[j] * 64, col_term + cols[j] * 64, w, z + j * 64);
    for (j = 0; j < n; j++) {
      float *zj = z + j * 64;
      vstore(zj, vsigmoid_t(vload(zj)));
      vstore(zj + 16, vtanh_t(vload(zj + 16)));
      vstore(zj + 32, vsigmoid_t(vload(zj + 32)));
      vstore(zj + 48, vsigmoid_t(vload(zj + 48)));
    }
    for (j = 0; j < n; j++) {
      const float *g = z + j * 64;
      float *cell = tile + j * 32;
      const vf c = vfma(vload(g + 32), vload(cell + 16), vmul(vload(g), vload(g + 16)));
      const vf h = vmul(vload(g + 48), vtanh_t(vmul(c, vset1(VSML_TANH_SCALE))));
      vstore(cell, h);
      vstore(cell + 16, c);
      if (accumulate) {
        float *rs = row_sum + rows[j] * 16, *cs = col_sum + cols[j] * 16;
        vstore(rs, vadd(vload(rs), h));
        vstore(cs, vadd(vload(cs), h));
      }
    }
  }
#if defined(__SSE__)
  _mm_setcsr(saved_mxcsr);
#endif
}

void vsml_tanh(const float *x, float *y, ptrdiff_t n) {
  for (ptrdiff_t i = 0; i < n; i += 16) {
    float in[16] = {0}, out[16];
    ptrdiff_t m = n - i < 16 ? n - i : 16;
    memcpy(in, x + i, (size_t)m * sizeof(float));
    vstore(out, vtanh_t(vmul(vload(in), vset1(VSML_TANH_SCALE))));
    memcpy(y + i, out, (size_t)m * sizeof(float));
  }
}

void vsml_sigmoid(const float *x, float *y, ptrdiff_t n) {
  for (ptrdiff_t i = 0; i < n; i += 16) {
    float in[16] = {0}, out[16];
    ptrdiff_t m = n - i < 16 ? n - i : 16;
    memcpy(in, x + i, (size_t)m * sizeof(float));
    vstore(out, vsigmoid_t(vmul(vload(in), vset1(VSML_SIGMOID_SCALE))));
    memcpy(y + i, out, (size_t)m * sizeof(float));
  }
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double vsml_fma_peak(double seconds) {
  /* Sixteen independent chains cover FMA latency on two pipes. */
  vf acc[16];
  for (int j = 0; j < 16; j++) acc[j] = vset1((float)j);
  const vf x = vset1(0.999999f), y = vset1(1e-7f);
  long long iterations = 0;
  const double start = now_seconds();
  double elapsed;
  do {
    for (int i = 0; i < 100000; i++) {
      for (int j = 0; j < 16; j++) acc[j] = vfma(acc[j], x, y);
    }
    iterations += 100000;
    elapsed = now_seconds() - start;
  } while (elapsed < seconds);
  vf sum = vset1(0.0f);
  for (int j = 0; j < 16; j++) sum = vadd(sum, acc[j]);
  float lanes[16];
  vstore(lanes, sum);
  volatile float sink = lanes[0];
  (void)sink;
  return (double)iterations * 16.0 * 16.0 * 2.0 / elapsed;
}
