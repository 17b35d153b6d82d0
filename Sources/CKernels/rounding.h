// Rounding and the largest magnitude, shared by the quantising kernels (int8.c, u8.c); internal to CKernels.
#ifndef CKERNELS_ROUNDING_H
#define CKERNELS_ROUNDING_H

#include <stdint.h>
#include <string.h>

/// Round half to even of a value within ±2^22: adding and subtracting 1.5 · 2^23 leaves the float
/// rounded to an integer in the default rounding mode, without a libm call. Equal to vroundps /
/// vcvtps2dq in the default rounding mode, so scalar tails match the vector code.
static inline float round_even(float v) { return (v + 12582912.f) - 12582912.f; }

/// max |x[i]|, NaNs ignored: what fmaxf(max, fabsf(x[i])) from 0 gives, in integers so that the loop
/// vectorises (the bits of a non-negative float order as its values; NaNs' bits are above infinity's).
static inline float abs_max(const float *x, size_t k) {
    uint32_t max = 0;
    for (size_t i = 0; i < k; i++) {
        uint32_t bits;
        memcpy(&bits, x + i, sizeof bits);
        bits &= 0x7fffffffu;
        bits = bits > 0x7f800000u ? 0 : bits;
        max = bits > max ? bits : max;
    }
    float result;
    memcpy(&result, &max, sizeof result);
    return result;
}

#endif
