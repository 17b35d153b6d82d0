// Rounding shared by the quantising kernels (int8.c, u8.c); internal to CKernels.
#ifndef CKERNELS_ROUNDING_H
#define CKERNELS_ROUNDING_H

/// Round half to even of a value within ±2^22: adding and subtracting 1.5 · 2^23 leaves the float
/// rounded to an integer in the default rounding mode, without a libm call. Equal to vroundps /
/// vcvtps2dq in the default rounding mode, so scalar tails match the vector code.
static inline float round_even(float v) { return (v + 12582912.f) - 12582912.f; }

#endif
