/* The AMX kernels: the AVX-512 activations and cell update, with the recurrent product
   z = h . W_h on AMX-BF16 tiles. Each operand is split into bf16 hi + lo parts and the product
   is hi.hi + lo.hi + hi.lo (the lo.lo term, about 2^-16 relative, is dropped), accumulated in
   fp32; this keeps about 16 significant bits per operand, as oneDNN's bf16x3 does. */
#if defined(__x86_64__)
#include <stdint.h>
#include <string.h>
#include <immintrin.h>
#include "internal/common.h"
#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx512bf16,amx-tile,amx-bf16"))), apply_to = function)
#include "internal/vector_avx512.h"

/* Connections per AMX tile: the 16 rows of an A tile. */
#define VSML_TILE 16
/* Tile registers: four fp32 accumulators (64 gate columns), the h operand, the W operand. */
enum { AMX_C0 = 0, AMX_A = 4, AMX_B = 5 };
/* Gate columns per accumulator tile (16 fp32 = 64 bytes, one tile row). */
#define AMX_COLUMNS 16

/* The tile configuration (palette 1): 16 rows of 64 bytes for every tile used. */
typedef struct {
  uint8_t palette;
  uint8_t start_row;
  uint8_t reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
} amx_config;

static void amx_configure(void) {
  amx_config config;
  memset(&config, 0, sizeof config);
  config.palette = 1;
  for (int t = 0; t <= AMX_B; t++) { config.colsb[t] = 64; config.rows[t] = 16; }
  _tile_loadconfig(&config);
}

/* float -> bf16, round to nearest even; NaN stays NaN. */
static inline uint16_t bf16_bits(float x) {
  uint32_t u;
  memcpy(&u, &x, sizeof u);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1u);
  return (uint16_t)(u >> 16);
}
static inline float bf16_value(uint16_t b) {
  uint32_t u = (uint32_t)b << 16;
  float x;
  memcpy(&x, &u, sizeof x);
  return x;
}

/* The recurrent matrix in the B-tile (VNNI pair) layout, one pair of tiles per accumulator:
   hi_hi[c]: depth 32 = [W_hi; W_hi], multiplying [h_hi, h_lo];
   lo[c]:    depth 32 = [W_lo; 0], multiplying [h_hi, h_lo].
   Row r of a tile holds, for each of its 16 columns n, the pair (B[2r][n], B[2r + 1][n]). */
typedef struct {
  uint16_t hi_hi[4][16][32] __attribute__((aligned(64)));
  uint16_t lo[4][16][32] __attribute__((aligned(64)));
} vsml_product_state;

static void vsml_product_begin(vsml_product_state *state, const float *w) {
  for (int c = 0; c < 4; c++) {
    for (int r = 0; r < 16; r++) {
      for (int n = 0; n < AMX_COLUMNS; n++) {
        for (int i = 0; i < 2; i++) {
          const int k = 2 * r + i; /* depth index 0..31 */
          const float x = w[(k % 16) * 64 + c * AMX_COLUMNS + n];
          const uint16_t hi = bf16_bits(x);
          const uint16_t lo = bf16_bits(x - bf16_value(hi));
          state->hi_hi[c][r][2 * n + i] = hi;
          state->lo[c][r][2 * n + i] = k < 16 ? lo : 0;
        }
      }
    }
  }
  amx_configure();
}

static void vsml_product_end(vsml_product_state *state) {
  (void)state;
  _tile_release();
}

static inline void fma_tile_product(const float *tile, int n, const ptrdiff_t *rows, const ptrdiff_t *cols,
                                    const float *row_term, const float *col_term, const float *w, float *z);

/* z[j] = row[rows[j]] + col[cols[j]] + h[j] . W for a full tile of 16 connections on AMX; a
   partial tile (the layer's last) takes the FMA product. */
static inline void amx_tile_product(const vsml_product_state *state, const float *tile, int n,
                                    const ptrdiff_t *rows, const ptrdiff_t *cols, const float *row_term,
                                    const float *col_term, const float *w, float *z) {
  if (n < VSML_TILE) {
    fma_tile_product(tile, n, rows, cols, row_term, col_term, w, z);
    return;
  }
  /* A: per connection [h_hi (16), h_lo (16)] as bf16. */
  __m512bh a_rows[VSML_TILE];
  for (int j = 0; j < VSML_TILE; j++) {
    const __m512 h = _mm512_loadu_ps(tile + j * 32);
    const __m256bh hi = _mm512_cvtneps_pbh(h);
    const __m512 hi_f = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32((__m256i)hi), 16));
    a_rows[j] = _mm512_cvtne2ps_pbh(_mm512_sub_ps(h, hi_f), h);
    const float *r = row_term + rows[j] * 64, *t = col_term + cols[j] * 64;
    float *zj = z + j * 64;
    vstore(zj, vadd(vload(r), vload(t)));
    vstore(zj + 16, vadd(vload(r + 16), vload(t + 16)));
    vstore(zj + 32, vadd(vload(r + 32), vload(t + 32)));
    vstore(zj + 48, vadd(vload(r + 48), vload(t + 48)));
  }
  _tile_loadd(AMX_A, a_rows, 64);
  _tile_loadd(AMX_C0 + 0, z + 0 * AMX_COLUMNS, 64 * sizeof(float));
  _tile_loadd(AMX_C0 + 1, z + 1 * AMX_COLUMNS, 64 * sizeof(float));
  _tile_loadd(AMX_C0 + 2, z + 2 * AMX_COLUMNS, 64 * sizeof(float));
  _tile_loadd(AMX_C0 + 3, z + 3 * AMX_COLUMNS, 64 * sizeof(float));
#define VSML_AMX_COLUMN_BLOCK(c)                          \
  _tile_loadd(AMX_B, state->hi_hi[c], 64);                \
  _tile_dpbf16ps(AMX_C0 + c, AMX_A, AMX_B);               \
  _tile_loadd(AMX_B, state->lo[c], 64);                   \
  _tile_dpbf16ps(AMX_C0 + c, AMX_A, AMX_B);               \
  _tile_stored(AMX_C0 + c, z + c * AMX_COLUMNS, 64 * sizeof(float));
  VSML_AMX_COLUMN_BLOCK(0)
  VSML_AMX_COLUMN_BLOCK(1)
  VSML_AMX_COLUMN_BLOCK(2)
  VSML_AMX_COLUMN_BLOCK(3)
#undef VSML_AMX_COLUMN_BLOCK
}

#define VSML_TILE_PRODUCT(state, tile, n, rows, cols, row_term, col_term, w, z) \
  amx_tile_product(state, tile, n, rows, cols, row_term, col_term, w, z)
#define VSML_FUSED_FMA 1
#define VSML_FN(name) name##_amx
#include "internal/tick_body.h"

/* Independent accumulators in the peak loop (tdpbf16ps has a latency of several issues). */
#define AMX_PEAK_CHAINS 4
double vsml_amx_bf16_peak_amx(double seconds) {
  amx_configure();
  static uint16_t operand[16][32] __attribute__((aligned(64)));
  float accumulator[16][16] __attribute__((aligned(64)));
  memset(operand, 0, sizeof operand);
  memset(accumulator, 0, sizeof accumulator);
  _tile_loadd(AMX_C0 + 0, accumulator, 64);
  _tile_loadd(AMX_C0 + 1, accumulator, 64);
  _tile_loadd(AMX_C0 + 2, accumulator, 64);
  _tile_loadd(AMX_C0 + 3, accumulator, 64);
  _tile_loadd(AMX_A, operand, 64);
  _tile_loadd(AMX_B, operand, 64);
  long long iterations = 0;
  const double start = vsml_now_seconds();
  double elapsed;
  do {
    for (int i = 0; i < 10000; i++) {
      _tile_dpbf16ps(AMX_C0 + 0, AMX_A, AMX_B);
      _tile_dpbf16ps(AMX_C0 + 1, AMX_A, AMX_B);
      _tile_dpbf16ps(AMX_C0 + 2, AMX_A, AMX_B);
      _tile_dpbf16ps(AMX_C0 + 3, AMX_A, AMX_B);
    }
    iterations += 10000;
    elapsed = vsml_now_seconds() - start;
  } while (elapsed < seconds);
  _tile_stored(AMX_C0, accumulator, 64);
  _tile_release();
  volatile float sink = accumulator[0][0];
  (void)sink;
  /* Each tdpbf16ps: 16 x 16 outputs, depth 32, two flops per multiply-add. */
  return (double)iterations * AMX_PEAK_CHAINS * 16.0 * 16.0 * 32.0 * 2.0 / elapsed;
}
#pragma clang attribute pop

const vsml_kernels vsml_kernels_amx = {
    "amx", vsml_dense_tick16_amx, vsml_dense_tick16_reverse_amx,
    vsml_normalised_messages8_amx, vsml_message_terms_amx,
    vsml_accumulate_rows_amx, vsml_dot_amx, vsml_adam_step_amx,
    vsml_scale_add_amx,
    vsml_tanh_amx, vsml_sigmoid_amx, vsml_fma_peak_amx};
#endif
