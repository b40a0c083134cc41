// Convolution helpers (CudaBackend.Conv.cs): the GEMMs run in cuBLAS; these kernels move data into and out of the
// column layout and add the bias. Layouts are contiguous NCHW; for a chunk of `images` images,
// col[b][(c·Kh + ky)·Kw + kx][oy·Wo + ox] = x[b][c][oy·stride − pad + ky][ox·stride − pad + kx] (0 outside the image).
#include "ect_prelude.cuh"

struct ConvShape { int images, cin, h, w, kh, kw, ho, wo, stride, pad; };

// One thread per column element (coalesced writes; reads walk the image rows).
template <typename T> ECT_FN void im2col(const T* __restrict__ x, T* __restrict__ col, ConvShape s)
{
    const ect_i64 plane = (ect_i64)s.ho * s.wo, n = (ect_i64)s.images * s.cin * s.kh * s.kw * plane;
    ECT_GRID_LOOP(i, n)
    {
        const int ox = (int)(i % s.wo), oy = (int)((i / s.wo) % s.ho);
        const ect_i64 r = i / plane;                         // b·(Cin·Kh·Kw) + (c·Kh + ky)·Kw + kx
        const int kx = (int)(r % s.kw), ky = (int)((r / s.kw) % s.kh);
        const ect_i64 bc = r / ((ect_i64)s.kh * s.kw);       // b·Cin + c
        const int iy = oy * s.stride - s.pad + ky, ix = ox * s.stride - s.pad + kx;
        col[i] = (iy >= 0 && iy < s.h && ix >= 0 && ix < s.w) ? x[(bc * s.h + iy) * s.w + ix] : (T)0;
    }
}
ECT_KERNEL void im2col_f32(const float* x, float* col, ConvShape s) { im2col(x, col, s); }
ECT_KERNEL void im2col_f64(const double* x, double* col, ConvShape s) { im2col(x, col, s); }

// The adjoint of im2col in gather form: one thread per image pixel sums the column entries that were read from it,
// so there are no atomics and the result is deterministic.
template <typename T> ECT_FN void col2im(const T* __restrict__ col, T* __restrict__ x, ConvShape s)
{
    const ect_i64 plane = (ect_i64)s.ho * s.wo, n = (ect_i64)s.images * s.cin * s.h * s.w;
    ECT_GRID_LOOP(i, n)
    {
        const int ix = (int)(i % s.w), iy = (int)((i / s.w) % s.h);
        const ect_i64 bc = i / ((ect_i64)s.h * s.w);
        const ect_i64 b = bc / s.cin; const int c = (int)(bc % s.cin);
        T acc = (T)0;
        for (int ky = 0; ky < s.kh; ky++)
        {
            const int ty = iy + s.pad - ky;                   // = oy·stride
            if (ty < 0 || ty % s.stride != 0) continue;
            const int oy = ty / s.stride;
            if (oy >= s.ho) continue;
            for (int kx = 0; kx < s.kw; kx++)
            {
                const int tx = ix + s.pad - kx;
                if (tx < 0 || tx % s.stride != 0) continue;
                const int ox = tx / s.stride;
                if (ox >= s.wo) continue;
                const ect_i64 row = (b * s.cin + c) * s.kh * s.kw + (ect_i64)ky * s.kw + kx;
                acc += col[row * plane + (ect_i64)oy * s.wo + ox];
            }
        }
        x[i] = acc;
    }
}
ECT_KERNEL void col2im_f32(const float* col, float* x, ConvShape s) { col2im(col, x, s); }
ECT_KERNEL void col2im_f64(const double* col, double* x, ConvShape s) { col2im(col, x, s); }

// y[n][c][p] += bias[c·biasStride] over a contiguous [N, C, plane] output.
template <typename T> ECT_FN void add_channel_bias(T* __restrict__ y, const T* __restrict__ bias, ect_i64 biasStride,
                                                   ect_i64 n, int channels, ect_i64 plane)
{
    ECT_GRID_LOOP(i, n) y[i] += bias[((i / plane) % channels) * biasStride];
}
ECT_KERNEL void add_channel_bias_f32(float* y, const float* bias, ect_i64 biasStride, ect_i64 n, int channels, ect_i64 plane)
{ add_channel_bias(y, bias, biasStride, n, channels, plane); }
ECT_KERNEL void add_channel_bias_f64(double* y, const double* bias, ect_i64 biasStride, ect_i64 n, int channels, ect_i64 plane)
{ add_channel_bias(y, bias, biasStride, n, channels, plane); }
