// C kernels of the VSML inner loop, compiled once per instruction set and chosen at run time.
// They live in C because the instructions that make the activations cheap (AVX-512 rcp14,
// scalef, reduce) and the AMX tiles are not reachable from Swift without build flags.
// Each variant is compiled with a per-function target attribute, so the package needs no
// build flags and one binary runs on any x86-64 (or other) CPU. See docs/PERFORMANCE.md.
#ifndef VSML_KERNELS_H
#define VSML_KERNELS_H

#include <stddef.h>

/// The kernel paths, in order of preference.
enum {
  /// Generic vectors, compiled for the architecture's baseline (SSE2 on x86-64).
  VSML_KERNEL_PORTABLE = 0,
  /// AVX2 and FMA (256-bit vectors).
  VSML_KERNEL_AVX2 = 1,
  /// AVX-512 F and DQ (512-bit vectors, rcp14, scalef, reduce).
  VSML_KERNEL_AVX512 = 2,
  /// AVX-512 with the recurrent product on AMX-BF16 tiles, operands split in bf16 hi + lo
  /// (three products, about 16 significant bits per operand).
  VSML_KERNEL_AMX = 3,
  VSML_KERNEL_COUNT = 4
};

/// One kernel path's functions.
typedef struct vsml_kernels {
  /// "portable", "avx2", "avx512" or "amx".
  const char *name;

  /// One tick of all A x B connections of a dense VSML layer with state size 16.
  ///
  /// cells:      A x B x 32 floats: per connection h (16) then c (16); updated in place.
  /// row_term:   A x 64: gate bias, gate offsets and fwd[a] . W_fwd, in the exp2 domain (below).
  /// col_term:   B x 64: bwd[b] . W_bwd, in the exp2 domain.
  /// recurrent:  16 x 64: the rows of the gate matrix that multiply h, in the exp2 domain.
  /// row_sum:    if not NULL (with col_sum), receives sum over b of h'[a, b] (A x 16).
  /// col_sum:    if not NULL (with row_sum), receives sum over a of h'[a, b] (B x 16).
  /// record_out: if not NULL, receives per connection (A x B x 96) its h and c before the tick
  ///             (32) and its gates after their nonlinearities (64: i, g, f, o), for the reverse.
  ///
  /// Exp2 domain: the columns of gates i, f, o are pre-multiplied by -log2(e) and those of g by
  /// -2 log2(e), so that sigmoid(z) = 1 / (1 + 2^t) and tanh(z) = (1 - 2^t) / (1 + 2^t) for the
  /// stored t; this removes one multiply per gate.
  void (*dense_tick16)(float *cells, ptrdiff_t A, ptrdiff_t B, const float *row_term,
                       const float *col_term, const float *recurrent, float *row_sum, float *col_sum,
                       float *record_out);

  /// The reverse of one `dense_tick16` for all A x B connections (plain, unscaled arithmetic).
  ///
  /// record:      A x B x 96: what the tick wrote to `record_out`.
  /// adjoint:     A x B x 32: on entry the adjoints of h' and c'; on return those of h and c.
  /// recurrent_t: 64 x 16: the transpose of the rows of the (unscaled) gate matrix that multiply h.
  /// dw:          16 x 64: receives += the gradient of those rows.
  /// row_dz:      A x 64: receives += sum over b of the gate pre-activation adjoints dz[a, b].
  /// col_dz:      B x 64: receives += sum over a of dz[a, b].
  void (*dense_tick16_reverse)(const float *record, float *adjoint, ptrdiff_t A, ptrdiff_t B,
                               const float *recurrent_t, float *dw, float *row_dz, float *col_dz);

  /// Outgoing messages with LayerNorm, message size 8, for all A x B connections, with the same
  /// bits on every path (no fused operations but the divisions' exact correction).
  ///
  /// cells:        A x B x 32, h in the first 16 of each connection.
  /// w:            16 x 16: row k is the forward head's row k (8), then the backward head's.
  /// bias, scale, offset: 16 each, forward head's 8 then backward head's 8.
  /// forward_t:    scratch of 8 x (B rounded up to a multiple of 16) floats.
  /// forward_out:  B x 8: the mean over a of LayerNorm(forward head), written.
  /// backward_out: A x 8: the mean over b of LayerNorm(backward head), written.
  void (*normalised_messages8)(const float *cells, ptrdiff_t A, ptrdiff_t B, const float *w, const float *bias,
                               const float *scale, const float *offset, float epsilon, float *forward_t,
                               float *forward_out, float *backward_out);

  /// out[r] = start + messages[r] . w for r < rows: messages rows x m, w m x 64, start 64 floats
  /// or NULL (zero), out rows x 64. Zero message entries are skipped.
  void (*message_terms)(const float *messages, ptrdiff_t rows, ptrdiff_t m, const float *w,
                        const float *start, float *out);

  /// output[j] += sum over r < rows of input[r * input_stride] * weights[r * row_stride + j], for
  /// j < columns (rows in order; the baselines' matrix-vector product).
  void (*accumulate_rows)(const float *input, ptrdiff_t input_stride, ptrdiff_t rows, const float *weights,
                          ptrdiff_t row_stride, ptrdiff_t columns, float *output);

  /// sum over i < count of a[i] * b[i].
  float (*dot)(const float *a, const float *b, ptrdiff_t count);

  /// One Adam step over n weights (w, m, v updated in place): m = b1 m + (1 - b1) g,
  /// v = b2 v + (1 - b2) g^2, w -= step_size m / (sqrt(v inverse_c2) + epsilon), with the bias
  /// corrections folded into step_size and inverse_c2 by the caller.
  void (*adam_step)(float *w, const float *g, float *m, float *v, ptrdiff_t n, float beta1, float beta2,
                    float step_size, float inverse_c2, float epsilon);

  /// y[i] = a y[i] + b x[i] for i < n.
  void (*scale_add)(float *y, float a, const float *x, float b, ptrdiff_t n);

  /// The kernel's activations on plain arrays (for tests): y = tanh(x), y = sigmoid(x).
  void (*tanh)(const float *x, float *y, ptrdiff_t n);
  void (*sigmoid)(const float *x, float *y, ptrdiff_t n);

  /// This thread's peak fused multiply-add rate on this path's vectors, in FLOP/s.
  double (*fma_peak)(double seconds);
} vsml_kernels;

/// The functions of path `kernel`, or NULL where this CPU or operating system cannot run it
/// (for AMX: where Linux refuses the tile-state permission request). Thread-safe.
const vsml_kernels *vsml_kernels_get(int kernel);

/// The reduced-precision kernels (opt-in): the AVX-512 path with the recurrent product h . W_h on
/// AVX512-BF16 dot products (h and W_h rounded to bf16, fp32 accumulation; everything else fp32),
/// or NULL where the CPU lacks AVX-512 F, DQ, BW, VL or BF16. Thread-safe.
const vsml_kernels *vsml_kernels_get_bf16(void);

/// This thread's peak AMX bf16 rate (tdpbf16ps, fp32 accumulation) in FLOP/s, or -1 where
/// the AMX path is unavailable.
double vsml_amx_bf16_peak(double seconds);

/// -log2(e) and -2 log2(e): the exp2-domain scales of sigmoid and tanh gates.
#define VSML_SIGMOID_SCALE (-1.4426950408889634f)
#define VSML_TANH_SCALE (-2.8853900817779268f)

#endif
