// Convolution helpers (CudaBackend.Conv.cs): the GEMMs run in cuBLAS; these kernels move data into and out of the
// column layout and add the bias. Layouts are contiguous NCHW; for a chunk of `images` images,
// col[b][(c·Kh + ky)·Kw + kx][oy·Wo + ox] = x[b][c][oy·stride − pad + ky][ox·stride − pad + kx] (0 outside the image).
// Every buffer here holds fewer than 2³¹ elements (storage lengths are ints), so index arithmetic is 32-bit unsigned:
// a 64-bit division is a long instruction sequence on the GPU, a 32-bit one a few instructions.
#include "ect_prelude.cuh"

struct ConvShape { int images, cin, h, w, kh, kw, ho, wo, stride, pad; };

// One thread per column element (coalesced writes; reads walk the image rows).
template <typename T> ECT_FN void im2col(const T* __restrict__ x, T* __restrict__ col, ConvShape s)
{
    const ect_i64 n = (ect_i64)s.images * s.cin * s.kh * s.kw * s.ho * s.wo;
    ECT_GRID_LOOP(i, n)
    {
        const unsigned u = (unsigned)i, wo = (unsigned)s.wo, ho = (unsigned)s.ho, kw = (unsigned)s.kw, kh = (unsigned)s.kh;
        const unsigned q = u / wo, ox = u - q * wo, r0 = q / ho, oy = q - r0 * ho;   // r0 = b·(Cin·Kh·Kw) + (c·Kh + ky)·Kw + kx
        const unsigned r1 = r0 / kw, kx = r0 - r1 * kw, bc = r1 / kh, ky = r1 - bc * kh;   // bc = b·Cin + c
        const int iy = (int)(oy * s.stride + ky) - s.pad, ix = (int)(ox * s.stride + kx) - s.pad;
        col[i] = (iy >= 0 && iy < s.h && ix >= 0 && ix < s.w) ? x[((ect_i64)bc * s.h + iy) * s.w + ix] : (T)0;
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
        const unsigned u = (unsigned)i, w = (unsigned)s.w, h = (unsigned)s.h;
        const unsigned q = u / w, ix = u - q * w, bc = q / h, iy = q - bc * h;      // bc = b·Cin + c
        T acc = (T)0;
        for (int ky = 0; ky < s.kh; ky++)
        {
            const int ty = (int)iy + s.pad - ky;              // = oy·stride
            if (ty < 0 || ty % s.stride != 0) continue;
            const int oy = ty / s.stride;
            if (oy >= s.ho) continue;
            for (int kx = 0; kx < s.kw; kx++)
            {
                const int tx = (int)ix + s.pad - kx;
                if (tx < 0 || tx % s.stride != 0) continue;
                const int ox = tx / s.stride;
                if (ox >= s.wo) continue;
                const ect_i64 row = ((ect_i64)bc * s.kh + ky) * s.kw + kx;
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
    ECT_GRID_LOOP(i, n) y[i] += bias[(((unsigned)i / (unsigned)plane) % (unsigned)channels) * biasStride];
}
ECT_KERNEL void add_channel_bias_f32(float* y, const float* bias, ect_i64 biasStride, ect_i64 n, int channels, ect_i64 plane)
{ add_channel_bias(y, bias, biasStride, n, channels, plane); }
ECT_KERNEL void add_channel_bias_f64(double* y, const double* bias, ect_i64 biasStride, ect_i64 n, int channels, ect_i64 plane)
{ add_channel_bias(y, bias, biasStride, n, channels, plane); }
