/* The kernels' body, compiled once per instruction set. The includer defines the vector
   primitives (vector_generic.h or vector_avx512.h) and VSML_FN(name), which names this
   variant's exported functions. It may define VSML_TILE and VSML_TILE_PRODUCT (the gate
   pre-activations of one tile of connections, with a vsml_product_state made once per call by
   vsml_product_begin and released by vsml_product_end) to replace the FMA product. */
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
/* MXCSR flush-to-zero (bit 15) and denormals-are-zero (bit 6). */
#define VSML_MXCSR_FTZ_DAZ 0x8040u
#define VSML_HAS_MXCSR 1
#endif

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

/* The FMA product of a tile of n connections: z[j] = row[rows[j]] + col[cols[j]] + h[j] . W. */
static inline void fma_tile_product(const float *tile, int n, const ptrdiff_t *rows, const ptrdiff_t *cols,
                                    const float *row_term, const float *col_term, const float *w, float *z) {
  int j = 0;
  for (; j + 2 <= n; j += 2)
    recurrent_product2(tile + j * 32, tile + (j + 1) * 32, row_term + rows[j] * 64, row_term + rows[j + 1] * 64,
                       col_term + cols[j] * 64, col_term + cols[j + 1] * 64, w, z + j * 64, z + (j + 1) * 64);
  if (j < n) recurrent_product1(tile + j * 32, row_term + rows[j] * 64, col_term + cols[j] * 64, w, z + j * 64);
}

/* Connections processed together. The tick runs in three passes over a tile: the recurrent
   products, the four gate activations, then the cell update and tanh(c'). Each pass is a loop of
   independent iterations, which keeps the out-of-order core busy; one connection start-to-finish
   is a ~130-cycle dependency chain that stalls it. */
#ifndef VSML_TILE
#define VSML_TILE 8
#endif
#ifndef VSML_TILE_PRODUCT
/* The default product needs no per-call state. */
typedef int vsml_product_state;
static inline void vsml_product_begin(vsml_product_state *state, const float *w) { (void)w; *state = 0; }
static inline void vsml_product_end(vsml_product_state *state) { (void)state; }
#define VSML_TILE_PRODUCT(state, tile, n, rows, cols, row_term, col_term, w, z) \
  fma_tile_product(tile, n, rows, cols, row_term, col_term, w, z)
#endif

static void VSML_FN(vsml_dense_tick16)(float *cells, ptrdiff_t A, ptrdiff_t B, const float *row_term,
                                       const float *col_term, const float *w, float *row_sum, float *col_sum,
                                       float *record_out) {
#if VSML_HAS_MXCSR
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
  vsml_product_state state;
  vsml_product_begin(&state, w);
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
    VSML_TILE_PRODUCT(&state, tile, n, rows, cols, row_term, col_term, w, z);
    for (int j = 0; j < n; j++) {
      float *zj = z + j * 64;
      vstore(zj, vsigmoid_t(vload(zj)));
      vstore(zj + 16, vtanh_t(vload(zj + 16)));
      vstore(zj + 32, vsigmoid_t(vload(zj + 32)));
      vstore(zj + 48, vsigmoid_t(vload(zj + 48)));
    }
    for (int j = 0; j < n; j++) {
      const float *g = z + j * 64;
      float *cell = tile + j * 32;
      if (record_out != NULL) {
        float *rec = record_out + (first + j) * 96;
        memcpy(rec, cell, 32 * sizeof(float));
        memcpy(rec + 32, g, 64 * sizeof(float));
      }
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
  vsml_product_end(&state);
#if VSML_HAS_MXCSR
  _mm_setcsr(saved_mxcsr);
#endif
}

/* Connections whose weight-gradient products are batched: every load and store of the 16 x 64
   accumulator serves this many multiply-adds per lane. */
#define VSML_REVERSE_TILE 8

static void VSML_FN(vsml_dense_tick16_reverse)(const float *record, float *adjoint,
                                               ptrdiff_t A, ptrdiff_t B, const float *recurrent_t, float *dw,
                                               float *row_dz, float *col_dz) {
#if VSML_HAS_MXCSR
  const unsigned int saved_mxcsr = _mm_getcsr();
  _mm_setcsr(saved_mxcsr | VSML_MXCSR_FTZ_DAZ);
#endif
  float dz[VSML_REVERSE_TILE * 64] __attribute__((aligned(64)));
  const ptrdiff_t total = A * B;
  ptrdiff_t a = 0, b = 0;
  for (ptrdiff_t first = 0; first < total; first += VSML_REVERSE_TILE) {
    const int n = total - first < VSML_REVERSE_TILE ? (int)(total - first) : VSML_REVERSE_TILE;
    for (int j = 0; j < n; j++) {
      const ptrdiff_t conn = first + j;
      const float *hc = record + conn * 96, *g = hc + 32;
      float *adj = adjoint + conn * 32, *dzj = dz + j * 64;
      const vf cp = vload(hc + 16);
      const vf i = vload(g), gg = vload(g + 16), f = vload(g + 32), o = vload(g + 48);
      const vf c = vfma(f, cp, vmul(i, gg));
      const vf tc = vtanh_t(vmul(c, vset1(VSML_TANH_SCALE)));
      const vf one = vset1(1.0f);
      const vf dh = vload(adj), dc = vload(adj + 16);
      const vf dct = vfma(vmul(dh, o), vsub(one, vmul(tc, tc)), dc);
      const vf dzi = vmul(vmul(dct, gg), vmul(i, vsub(one, i)));
      const vf dzg = vmul(vmul(dct, i), vsub(one, vmul(gg, gg)));
      const vf dzf = vmul(vmul(dct, cp), vmul(f, vsub(one, f)));
      const vf dzo = vmul(vmul(dh, tc), vmul(o, vsub(one, o)));
      vstore(dzj, dzi); vstore(dzj + 16, dzg); vstore(dzj + 32, dzf); vstore(dzj + 48, dzo);
      vstore(adj + 16, vmul(dct, f));
      float *rd = row_dz + a * 64, *cd = col_dz + b * 64;
      vstore(rd, vadd(vload(rd), dzi)); vstore(rd + 16, vadd(vload(rd + 16), dzg));
      vstore(rd + 32, vadd(vload(rd + 32), dzf)); vstore(rd + 48, vadd(vload(rd + 48), dzo));
      vstore(cd, vadd(vload(cd), dzi)); vstore(cd + 16, vadd(vload(cd + 16), dzg));
      vstore(cd + 32, vadd(vload(cd + 32), dzf)); vstore(cd + 48, vadd(vload(cd + 48), dzo));
      /* dh_prev = W_h dz: 64 broadcast multiply-adds of W_h's columns (rows of recurrent_t). */
      vf s0 = vset1(0.0f), s1 = s0, s2 = s0, s3 = s0;
      for (int k = 0; k < 64; k += 4) {
        s0 = vfma(vset1(dzj[k]), vload(recurrent_t + k * 16), s0);
        s1 = vfma(vset1(dzj[k + 1]), vload(recurrent_t + (k + 1) * 16), s1);
        s2 = vfma(vset1(dzj[k + 2]), vload(recurrent_t + (k + 2) * 16), s2);
        s3 = vfma(vset1(dzj[k + 3]), vload(recurrent_t + (k + 3) * 16), s3);
      }
      vstore(adj, vadd(vadd(s0, s1), vadd(s2, s3)));
      if (++b == B) { b = 0; a++; }
    }
    /* dW_h += h_prev^T dz over the tile, connections in order. */
    for (int k = 0; k < 16; k++) {
      float *wk = dw + k * 64;
      vf w0 = vload(wk), w1 = vload(wk + 16), w2 = vload(wk + 32), w3 = vload(wk + 48);
      for (int j = 0; j < n; j++) {
        const vf x = vset1(record[(first + j) * 96 + k]);
        const float *dzj = dz + j * 64;
        w0 = vfma(x, vload(dzj), w0); w1 = vfma(x, vload(dzj + 16), w1);
        w2 = vfma(x, vload(dzj + 32), w2); w3 = vfma(x, vload(dzj + 48), w3);
      }
      vstore(wk, w0); vstore(wk + 16, w1); vstore(wk + 32, w2); vstore(wk + 48, w3);
    }
  }
#if VSML_HAS_MXCSR
  _mm_setcsr(saved_mxcsr);
#endif
}

#if defined(VSML_FUSED_FMA)
/* x / d, as a division rounds it, for d >= 1 given y = 1/d (rounded): q = x y, then Markstein's
   correction q + (x - q d) y with both steps fused. That is the correctly rounded quotient wherever
   x - q d does not underflow (|x| above about 1e-30); infinities and NaN pass through q. Three
   pipelined operations instead of a division (a 10 to 16 cycle block per 512-bit vector). */
static inline vf vdiv_by(vf x, vf d, vf y) {
  const vf q = vmul(x, y);
  const vf r = vfma_fused(vsub(vset1(0.0f), q), d, x);
  return vselect_finite(q, vfma_fused(r, y, q), q);
}
#else
static inline vf vdiv_by(vf x, vf d, vf y) { (void)y; return vdiv(x, d); }
#endif

/* Outgoing messages with LayerNorm at message size 8, for all A x B connections: per
   connection the two heads (forward, backward) of its h, each normalised over its 8 entries,
   then the mean over the connections that share an output (forward) or an input (backward).
   Rows are done one at a time with up to 16 connections of the row in the vector lanes, so every
   sum runs in the plain loop's order: the heads over k, the LayerNorm statistics over the 8
   entries, the forward means over a, the backward means over b. Nothing is fused but the exact
   correction of the divisions (vdiv_by), so the result has the bits of the Swift loop it replaces
   on every path (for messages above about 1e-30 in size). */
static void VSML_FN(vsml_normalised_messages8)(const float *cells, ptrdiff_t A, ptrdiff_t B, const float *w,
                                               const float *bias, const float *scale, const float *offset,
                                               float epsilon, float *forward_t, float *forward_out,
                                               float *backward_out) {
#pragma clang fp contract(off)
  const ptrdiff_t stride = (B + 15) / 16 * 16;
  memset(forward_t, 0, (size_t)(8 * stride) * sizeof(float));
  float ht[16 * 16] __attribute__((aligned(64)));  /* ht[k * 16 + lane] = h_k of the lane's connection */
  float back[8 * 16] __attribute__((aligned(64))); /* the backward messages of the lanes, / B */
  const vf by_a = vset1((float)A), by_b = vset1((float)B), one = vset1(1.0f);
  const vf inv_a = vset1(1.0f / (float)A), inv_b = vset1(1.0f / (float)B);
  /* Multiplying by 1/8 gives exactly the bits of dividing by 8. */
  const vf eighth = vset1(0.125f);
  const vf eps = vset1(epsilon);
  for (ptrdiff_t a = 0; a < A; a++) {
    float *row_out = backward_out + a * 8;
    for (int j = 0; j < 8; j++) row_out[j] = 0.0f;
    for (ptrdiff_t b0 = 0; b0 < B; b0 += 16) {
      const int n = B - b0 < 16 ? (int)(B - b0) : 16;
      const float *h = cells + (a * B + b0) * 32;
      for (int lane = 0; lane < 16; lane++)
        for (int k = 0; k < 16; k++) ht[k * 16 + lane] = lane < n ? h[lane * 32 + k] : 0.0f;
      vf msg[16];
      for (int j = 0; j < 16; j++) msg[j] = vset1(bias[j]);
      for (int k = 0; k < 16; k++) {
        const vf x = vload(ht + k * 16);
        for (int j = 0; j < 16; j++) msg[j] = vadd(msg[j], vmul(x, vset1(w[k * 16 + j])));
      }
      for (int head = 0; head < 2; head++) {
        vf *m = msg + head * 8;
        vf mean = vset1(0.0f);
        for (int j = 0; j < 8; j++) mean = vadd(mean, m[j]);
        mean = vmul(mean, eighth);
        vf variance = vset1(0.0f);
        for (int j = 0; j < 8; j++) {
          m[j] = vsub(m[j], mean);
          variance = vadd(variance, vmul(m[j], m[j]));
        }
        variance = vmul(variance, eighth);
        const vf inv = vdiv(one, vsqrt(vadd(variance, eps)));
        for (int j = 0; j < 8; j++) {
          const vf y = vadd(vmul(vmul(m[j], inv), vset1(scale[head * 8 + j])), vset1(offset[head * 8 + j]));
          if (head == 0) {
            float *f = forward_t + j * stride + b0;
            vstore(f, vadd(vload(f), vdiv_by(y, by_a, inv_a)));
          } else {
            vstore(back + j * 16, vdiv_by(y, by_b, inv_b));
          }
        }
      }
      for (int lane = 0; lane < n; lane++)
        for (int j = 0; j < 8; j++) row_out[j] += back[j * 16 + lane];
    }
  }
  for (ptrdiff_t b = 0; b < B; b++)
    for (int j = 0; j < 8; j++) forward_out[b * 8 + j] = forward_t[j * stride + b];
}

static void VSML_FN(vsml_message_terms)(const float *messages, ptrdiff_t rows, ptrdiff_t m, const float *w,
                                        const float *start, float *out) {
  for (ptrdiff_t r = 0; r < rows; r++) {
    vf z0 = vset1(0.0f), z1 = z0, z2 = z0, z3 = z0;
    if (start != NULL) { z0 = vload(start); z1 = vload(start + 16); z2 = vload(start + 32); z3 = vload(start + 48); }
    const float *msg = messages + r * m;
    for (ptrdiff_t k = 0; k < m; k++) {
      const float v = msg[k];
      if (v == 0.0f) continue; /* most message slots are empty (pixel, error and label slots only) */
      const float *wk = w + k * 64;
      const vf x = vset1(v);
      z0 = vfma(x, vload(wk), z0); z1 = vfma(x, vload(wk + 16), z1);
      z2 = vfma(x, vload(wk + 32), z2); z3 = vfma(x, vload(wk + 48), z3);
    }
    float *o = out + r * 64;
    vstore(o, z0); vstore(o + 16, z1); vstore(o + 32, z2); vstore(o + 48, z3);
  }
}

static void VSML_FN(vsml_accumulate_rows)(const float *input, ptrdiff_t input_stride, ptrdiff_t rows,
                                          const float *weights, ptrdiff_t row_stride, ptrdiff_t columns,
                                          float *output) {
  ptrdiff_t column = 0;
  for (; column + 128 <= columns; column += 128) {
    float *o = output + column;
    vf a0 = vload(o), a1 = vload(o + 16), a2 = vload(o + 32), a3 = vload(o + 48);
    vf a4 = vload(o + 64), a5 = vload(o + 80), a6 = vload(o + 96), a7 = vload(o + 112);
    const float *w = weights + column;
    const float *x = input;
    for (ptrdiff_t r = 0; r < rows; r++, x += input_stride, w += row_stride) {
      const vf s = vset1(*x);
      a0 = vfma(s, vload(w), a0); a1 = vfma(s, vload(w + 16), a1);
      a2 = vfma(s, vload(w + 32), a2); a3 = vfma(s, vload(w + 48), a3);
      a4 = vfma(s, vload(w + 64), a4); a5 = vfma(s, vload(w + 80), a5);
      a6 = vfma(s, vload(w + 96), a6); a7 = vfma(s, vload(w + 112), a7);
    }
    vstore(o, a0); vstore(o + 16, a1); vstore(o + 32, a2); vstore(o + 48, a3);
    vstore(o + 64, a4); vstore(o + 80, a5); vstore(o + 96, a6); vstore(o + 112, a7);
  }
  for (; column + 16 <= columns; column += 16) {
    vf a = vload(output + column);
    const float *w = weights + column;
    const float *x = input;
    for (ptrdiff_t r = 0; r < rows; r++, x += input_stride, w += row_stride) a = vfma(vset1(*x), vload(w), a);
    vstore(output + column, a);
  }
  if (column < columns) {
    for (ptrdiff_t r = 0; r < rows; r++) {
      const float s = input[r * input_stride];
      const float *w = weights + r * row_stride;
      for (ptrdiff_t j = column; j < columns; j++) output[j] += s * w[j];
    }
  }
}

static float VSML_FN(vsml_dot)(const float *a, const float *b, ptrdiff_t count) {
  vf s0 = vset1(0.0f), s1 = s0, s2 = s0, s3 = s0;
  ptrdiff_t i = 0;
  for (; i + 64 <= count; i += 64) {
    s0 = vfma(vload(a + i), vload(b + i), s0);
    s1 = vfma(vload(a + i + 16), vload(b + i + 16), s1);
    s2 = vfma(vload(a + i + 32), vload(b + i + 32), s2);
    s3 = vfma(vload(a + i + 48), vload(b + i + 48), s3);
  }
  for (; i + 16 <= count; i += 16) s0 = vfma(vload(a + i), vload(b + i), s0);
  float lanes[16];
  vstore(lanes, vadd(vadd(s0, s1), vadd(s2, s3)));
  float sum = 0;
  for (int j = 0; j < 16; j++) sum += lanes[j];
  for (; i < count; i++) sum += a[i] * b[i];
  return sum;
}

static void VSML_FN(vsml_adam_step)(float *w, const float *g, float *m, float *v, ptrdiff_t n, float beta1,
                                    float beta2, float step_size, float inverse_c2, float epsilon) {
  const vf b1 = vset1(beta1), b2 = vset1(beta2), a1 = vset1(1.0f - beta1), a2 = vset1(1.0f - beta2);
  const vf step = vset1(step_size), ic2 = vset1(inverse_c2), eps = vset1(epsilon);
  ptrdiff_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const vf gi = vload(g + i);
    const vf mi = vadd(vmul(b1, vload(m + i)), vmul(a1, gi));
    const vf vi = vadd(vmul(b2, vload(v + i)), vmul(vmul(a2, gi), gi));
    vstore(m + i, mi);
    vstore(v + i, vi);
    vstore(w + i, vsub(vload(w + i), vdiv(vmul(step, mi), vadd(vsqrt(vmul(vi, ic2)), eps))));
  }
  for (; i < n; i++) {
    const float gi = g[i];
    const float mi = beta1 * m[i] + (1.0f - beta1) * gi;
    const float vi = beta2 * v[i] + (1.0f - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    w[i] -= step_size * mi / (__builtin_sqrtf(vi * inverse_c2) + epsilon);
  }
}

static void VSML_FN(vsml_scale_add)(float *y, float a, const float *x, float b, ptrdiff_t n) {
  const vf va = vset1(a), vb = vset1(b);
  ptrdiff_t i = 0;
  for (; i + 16 <= n; i += 16) vstore(y + i, vfma(vb, vload(x + i), vmul(va, vload(y + i))));
  for (; i < n; i++) y[i] = a * y[i] + b * x[i];
}

static void VSML_FN(vsml_tanh)(const float *x, float *y, ptrdiff_t n) {
  for (ptrdiff_t i = 0; i < n; i += 16) {
    float in[16] = {0}, out[16];
    ptrdiff_t m = n - i < 16 ? n - i : 16;
    memcpy(in, x + i, (size_t)m * sizeof(float));
    vstore(out, vtanh_t(vmul(vload(in), vset1(VSML_TANH_SCALE))));
    memcpy(y + i, out, (size_t)m * sizeof(float));
  }
}

static void VSML_FN(vsml_sigmoid)(const float *x, float *y, ptrdiff_t n) {
  for (ptrdiff_t i = 0; i < n; i += 16) {
    float in[16] = {0}, out[16];
    ptrdiff_t m = n - i < 16 ? n - i : 16;
    memcpy(in, x + i, (size_t)m * sizeof(float));
    vstore(out, vsigmoid_t(vmul(vload(in), vset1(VSML_SIGMOID_SCALE))));
    memcpy(y + i, out, (size_t)m * sizeof(float));
  }
}

/* Independent FMA chains in the peak loop: enough to cover FMA latency on two pipes. */
#define VSML_PEAK_CHAINS 16
static double VSML_FN(vsml_fma_peak)(double seconds) {
  vf acc[VSML_PEAK_CHAINS];
  for (int j = 0; j < VSML_PEAK_CHAINS; j++) acc[j] = vset1((float)j);
  const vf x = vset1(0.999999f), y = vset1(1e-7f);
  long long iterations = 0;
  const double start = vsml_now_seconds();
  double elapsed;
  do {
    for (int i = 0; i < 100000; i++) {
      for (int j = 0; j < VSML_PEAK_CHAINS; j++) acc[j] = vfma(acc[j], x, y);
    }
    iterations += 100000;
    elapsed = vsml_now_seconds() - start;
  } while (elapsed < seconds);
  vf sum = vset1(0.0f);
  for (int j = 0; j < VSML_PEAK_CHAINS; j++) sum = vadd(sum, acc[j]);
  float lanes[16];
  vstore(lanes, sum);
  volatile float sink = lanes[0];
  (void)sink;
  return (double)iterations * VSML_PEAK_CHAINS * 16.0 * 2.0 / elapsed;
}
