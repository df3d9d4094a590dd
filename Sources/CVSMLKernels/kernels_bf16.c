/* The reduced-precision tick (opt-in): the AVX-512 kernel with the recurrent product h . W_h on
   AVX512-BF16 dot products (vdpbf16ps): h and W_h rounded to bf16 (nearest even), products
   accumulated in fp32. Row and column terms, activations and the cell state c stay fp32. */
#if defined(__x86_64__)
#include <stdint.h>
#include <string.h>
#include <immintrin.h>
#include "internal/common.h"
#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx512bf16"))), apply_to = function)
#include "internal/vector_avx512.h"

/* W_h in the vdpbf16ps pair layout: pairs[p][c] holds, for the 16 gate columns of block c, the
   pairs (W[2p][n], W[2p + 1][n]). */
typedef struct {
  __m512bh pairs[8][4];
} vsml_product_state;

static void vsml_product_begin(vsml_product_state *state, const float *w) {
  for (int p = 0; p < 8; p++) {
    for (int c = 0; c < 4; c++) {
      const __m512 even = _mm512_loadu_ps(w + (2 * p) * 64 + 16 * c);
      const __m512 odd = _mm512_loadu_ps(w + (2 * p + 1) * 64 + 16 * c);
      /* Interleave to (even[n], odd[n]) per 32-bit lane, then round both halves to bf16. */
      const __m512 lo = _mm512_unpacklo_ps(even, odd), hi = _mm512_unpackhi_ps(even, odd);
      /* unpack works within 128-bit lanes: lane k of lo holds columns 4k, 4k+1, of hi 4k+2, 4k+3. */
      const __m512i index_lo = _mm512_setr_epi32(0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
      const __m512i index_hi = _mm512_setr_epi32(8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
      const __m512 first = _mm512_permutex2var_ps(lo, index_lo, hi);   /* columns 0..7 as pairs */
      const __m512 second = _mm512_permutex2var_ps(lo, index_hi, hi);  /* columns 8..15 as pairs */
      state->pairs[p][c] = _mm512_cvtne2ps_pbh(second, first);
    }
  }
}

static void vsml_product_end(vsml_product_state *state) { (void)state; }

/* z = row + col + bf16(h) . bf16(W) for two connections (every weight load serves both). */
static inline void bf16_product2(const vsml_product_state *state, const float *ha, const float *hb,
                                 const float *ra, const float *rb, const float *ta, const float *tb,
                                 float *za, float *zb) {
  vf a0 = vadd(vload(ra), vload(ta)), a1 = vadd(vload(ra + 16), vload(ta + 16));
  vf a2 = vadd(vload(ra + 32), vload(ta + 32)), a3 = vadd(vload(ra + 48), vload(ta + 48));
  vf b0 = vadd(vload(rb), vload(tb)), b1 = vadd(vload(rb + 16), vload(tb + 16));
  vf b2 = vadd(vload(rb + 32), vload(tb + 32)), b3 = vadd(vload(rb + 48), vload(tb + 48));
  uint32_t pa[8], pb[8];
  _mm256_storeu_si256((__m256i *)pa, (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(ha)));
  _mm256_storeu_si256((__m256i *)pb, (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(hb)));
  for (int p = 0; p < 8; p++) {
    const __m512bh x = (__m512bh)_mm512_set1_epi32((int)pa[p]), y = (__m512bh)_mm512_set1_epi32((int)pb[p]);
    const __m512bh *wp = state->pairs[p];
    a0 = _mm512_dpbf16_ps(a0, x, wp[0]); a1 = _mm512_dpbf16_ps(a1, x, wp[1]);
    a2 = _mm512_dpbf16_ps(a2, x, wp[2]); a3 = _mm512_dpbf16_ps(a3, x, wp[3]);
    b0 = _mm512_dpbf16_ps(b0, y, wp[0]); b1 = _mm512_dpbf16_ps(b1, y, wp[1]);
    b2 = _mm512_dpbf16_ps(b2, y, wp[2]); b3 = _mm512_dpbf16_ps(b3, y, wp[3]);
  }
  vstore(za, a0); vstore(za + 16, a1); vstore(za + 32, a2); vstore(za + 48, a3);
  vstore(zb, b0); vstore(zb + 16, b1); vstore(zb + 32, b2); vstore(zb + 48, b3);
}

static inline void bf16_tile_product(const vsml_product_state *state, const float *tile, int n,
                                     const ptrdiff_t *rows, const ptrdiff_t *cols, const float *row_term,
                                     const float *col_term, float *z) {
  int j = 0;
  for (; j + 2 <= n; j += 2)
    bf16_product2(state, tile + j * 32, tile + (j + 1) * 32, row_term + rows[j] * 64, row_term + rows[j + 1] * 64,
                  col_term + cols[j] * 64, col_term + cols[j + 1] * 64, z + j * 64, z + (j + 1) * 64);
  if (j < n) {
    /* The odd last connection: pair it with itself and keep one result. */
    float scratch[64] __attribute__((aligned(64)));
    bf16_product2(state, tile + j * 32, tile + j * 32, row_term + rows[j] * 64, row_term + rows[j] * 64,
                  col_term + cols[j] * 64, col_term + cols[j] * 64, z + j * 64, scratch);
  }
}

#define VSML_TILE_PRODUCT(state, tile, n, rows, cols, row_term, col_term, w, z) \
  bf16_tile_product(state, tile, n, rows, cols, row_term, col_term, z)
#define VSML_FUSED_FMA 1
#define VSML_FN(name) name##_bf16
#include "internal/tick_body.h"
#pragma clang attribute pop

const vsml_kernels vsml_kernels_bf16 = {
    "avx512-bf16", vsml_dense_tick16_bf16, vsml_dense_tick16_reverse_bf16,
    vsml_normalised_messages8_bf16, vsml_message_terms_bf16,
    vsml_accumulate_rows_bf16, vsml_dot_bf16, vsml_adam_step_bf16,
    vsml_scale_add_bf16,
    vsml_tanh_bf16, vsml_sigmoid_bf16, vsml_fma_peak_bf16};
#endif
