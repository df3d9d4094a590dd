// C kernels of the VSML inner loop. They live in C because the instructions that make the
// activations cheap (AVX-512 rcp14, scalef, roundscale) are not reachable from Swift; everything
// else stays in Swift. See docs/PERFORMANCE.md.
#ifndef VSML_KERNELS_H
#define VSML_KERNELS_H

#include <stddef.h>

/// Which vector path the kernels were compiled for: 512 (AVX-512), 256 (AVX2 + FMA) or 0 (generic).
int vsml_kernel_vector_bits(void);

/// One tick of all A x B connections of a dense VSML layer with state size 16.
///
/// cells:      A x B x 32 floats: per connection h (16) then c (16); updated in place.
/// row_term:   A x 64: gate bias, gate offsets and fwd[a] . W_fwd, in the exp2 domain (below).
/// col_term:   B x 64: bwd[b] . W_bwd, in the exp2 domain.
/// recurrent:  16 x 64: the rows of the gate matrix that multiply h, in the exp2 domain.
/// row_sum:    if not NULL, receives sum over b of h'[a, b] (A x 16).
/// col_sum:    if not NULL, receives sum over a of h'[a, b] (B x 16).
///
/// Exp2 domain: the columns of gates i, f, o are pre-multiplied by -log2(e) and those of g by
/// -2 log2(e), so that sigmoid(z) = 1 / (1 + 2^t) and tanh(z) = (1 - 2^t) / (1 + 2^t) for the
/// stored t; this removes one multiply per gate.
void vsml_dense_tick16(float *cells, ptrdiff_t A, ptrdiff_t B, const float *row_term,
                       const float *col_term, const float *recurrent, float *row_sum,
                       float *col_sum);

/// The kernel's activations on plain arrays (for tests): y = tanh(x), y = sigmoid(x).
void vsml_tanh(const float *x, float *y, ptrdiff_t n);
void vsml_sigmoid(const float *x, float *y, ptrdiff_t n);

/// Measures this thread's peak fused multiply-add rate on the kernel's vector width, in FLOP/s.
double vsml_fma_peak(double seconds);

/// -log2(e) and -2 log2(e): the exp2-domain scales of sigmoid and tanh gates.
#define VSML_SIGMOID_SCALE (-1.4426950408889634f)
#define VSML_TANH_SCALE (-2.8853900817779268f)

#endif
