// DDPM++ resampling with the [1, 1] filter (CudaBackend.Resample.cs) over contiguous [planes, H, W] (planes = N·C):
// a 2×2 box mean down and a nearest-neighbour ×2 up, one thread per output element. The autograd ops write each
// one's backward pass with the other, so these two kernels serve both directions.
#include "ect_prelude.cuh"

// y[p][i][j] = (x[2i][2j] + x[2i][2j+1] + x[2i+1][2j] + x[2i+1][2j+1]) · ¼, added in the CPU's order (bit-equal).
template <typename T> ECT_FN void downsample2x(const T* __restrict__ x, T* __restrict__ y, ect_i64 planes, int h, int w)
{
    const unsigned ho = h / 2, wo = w / 2;
    const ect_i64 n = planes * ho * wo;
    ECT_GRID_LOOP(i, n)
    {
        const unsigned u = (unsigned)i, q = u / wo, j = u - q * wo, p = q / ho, r = q - p * ho;   // fewer than 2³¹ elements
        const T* r0 = x + ((ect_i64)p * h + 2 * r) * w + 2 * j;
        const T* r1 = r0 + w;
        y[i] = (r0[0] + r0[1] + r1[0] + r1[1]) * (T)0.25;
    }
}
ECT_KERNEL void downsample2x_f32(const float* x, float* y, ect_i64 planes, int h, int w) { downsample2x(x, y, planes, h, w); }
ECT_KERNEL void downsample2x_f64(const double* x, double* y, ect_i64 planes, int h, int w) { downsample2x(x, y, planes, h, w); }

// y[p][i][j] = x[p][i/2][j/2].
template <typename T> ECT_FN void upsample2x(const T* __restrict__ x, T* __restrict__ y, ect_i64 planes, int h, int w)
{
    const unsigned ho = 2 * h, wo = 2 * w;
    const ect_i64 n = planes * ho * wo;
    ECT_GRID_LOOP(i, n)
    {
        const unsigned u = (unsigned)i, q = u / wo, j = u - q * wo, p = q / ho, r = q - p * ho;
        y[i] = x[((ect_i64)p * h + r / 2) * w + j / 2];
    }
}
ECT_KERNEL void upsample2x_f32(const float* x, float* y, ect_i64 planes, int h, int w) { upsample2x(x, y, planes, h, w); }
ECT_KERNEL void upsample2x_f64(const double* x, double* y, ect_i64 planes, int h, int w) { upsample2x(x, y, planes, h, w); }
