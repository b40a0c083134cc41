// Group normalisation and the fused GroupNorm+SiLU, forward and backward (CudaBackend.Norm.cs), as the CPU computes
// them (src/Kernels/Cpu/CpuBackend.Norm.cs): biased variance, eps inside the root, per-channel γ and β.
// x is contiguous [N, C, spatial]; one (sample, group) item is the contiguous block of C/groups planes, handled by one
// block with warp-shuffle reductions; item = sample·groups + group. γ/β are optional (null pointer = absent: 1 and 0)
// and may be strided. mean and rstd are [N, groups]. A block holds fewer than 2³¹ elements (a storage's length is an
// int), so indices inside it are 32-bit: the channel of element e is one 32-bit division.
#include "ect_prelude.cuh"

struct GroupShape { int channels, groups; ect_i64 spatial; };

template <typename T> ECT_FN T affine_at(const T* p, ect_i64 stride, int c, T absent) { return p ? p[c * stride] : absent; }
template <typename T> ECT_FN T silu_of(T z) { return z / ((T)1 + ect_exp(-z)); }

// Two passes for the statistics (mean, then squared deviations: E[x²] − E[x]² cancels badly in float32), then
// y = act((x − μ)·(r·γ) + β).
template <typename T> ECT_FN void group_norm(const T* __restrict__ x, T* __restrict__ y, T* __restrict__ mean, T* __restrict__ rstd,
    const T* __restrict__ gamma, ect_i64 gammaStride, const T* __restrict__ beta, ect_i64 betaStride,
    GroupShape g, ect_i64 items, T eps, int silu)
{
    __shared__ T scratch[32];
    const int perGroup = g.channels / g.groups;
    const unsigned spatial = (unsigned)g.spatial, block = (unsigned)perGroup * spatial;
    const T count = (T)block;
    for (ect_i64 item = blockIdx.x; item < items; item += gridDim.x)
    {
        const T* xb = x + item * block;
        T* yb = y + item * block;
        const int channel0 = (int)(item % g.groups) * perGroup;
        T s = (T)0;
        for (unsigned e = threadIdx.x; e < block; e += blockDim.x) s += xb[e];
        const T mu = ect_block_sum(s, scratch) / count;
        T q = (T)0;
        for (unsigned e = threadIdx.x; e < block; e += blockDim.x) { T d = xb[e] - mu; q += d * d; }
        const T r = (T)1 / ect_sqrt(ect_block_sum(q, scratch) / count + eps);
        if (threadIdx.x == 0) { mean[item] = mu; rstd[item] = r; }
        for (unsigned e = threadIdx.x; e < block; e += blockDim.x)
        {
            const int c = channel0 + (int)(e / spatial);
            const T z = (xb[e] - mu) * (r * affine_at(gamma, gammaStride, c, (T)1)) + affine_at(beta, betaStride, c, (T)0);
            yb[e] = silu ? silu_of(z) : z;
        }
    }
}
ECT_KERNEL void group_norm_f32(const float* x, float* y, float* mean, float* rstd, const float* gamma, ect_i64 gammaStride,
    const float* beta, ect_i64 betaStride, GroupShape g, ect_i64 items, float eps, int silu)
{ group_norm(x, y, mean, rstd, gamma, gammaStride, beta, betaStride, g, items, eps, silu); }
ECT_KERNEL void group_norm_f64(const double* x, double* y, double* mean, double* rstd, const double* gamma, ect_i64 gammaStride,
    const double* beta, ect_i64 betaStride, GroupShape g, ect_i64 items, double eps, int silu)
{ group_norm(x, y, mean, rstd, gamma, gammaStride, beta, betaStride, g, items, eps, silu); }

// With x̂ = (x − μ)·r, z = γ·x̂ + β and g = dL/dz (dy, or dy·SiLU′(z) for the fused op, recomputed from x):
// per channel Σg and Σg·x̂ (written to sumG/sumGX [N, C] when γ is given: the host sums them over samples into dβ and
// dγ), and dx = g·(r·γ) + x̂·(−r·mean(ĝ·x̂)) − r·mean(ĝ) with ĝ = g·γ, means over the (sample, group) block.
template <typename T> ECT_FN T group_grad(T dy, T xhat, T gamma, T beta, int silu)
{
    if (!silu) return dy;
    const T z = xhat * gamma + beta, s = (T)1 / ((T)1 + ect_exp(-z));
    return dy * s * ((T)1 + z * ((T)1 - s));
}

template <typename T> ECT_FN void group_norm_backward(const T* __restrict__ dy, const T* __restrict__ x,
    const T* __restrict__ mean, const T* __restrict__ rstd, const T* __restrict__ gamma, ect_i64 gammaStride,
    const T* __restrict__ beta, ect_i64 betaStride, T* __restrict__ dx, T* __restrict__ sumG, T* __restrict__ sumGX,
    GroupShape g, ect_i64 items, int silu)
{
    __shared__ T scratch[64];
    const int perGroup = g.channels / g.groups;
    const unsigned spatial = (unsigned)g.spatial, block = (unsigned)perGroup * spatial;
    const T count = (T)block;
    for (ect_i64 item = blockIdx.x; item < items; item += gridDim.x)
    {
        const T* xb = x + item * block;
        const T* dyb = dy + item * block;
        T* dxb = dx + item * block;
        const int channel0 = (int)(item % g.groups) * perGroup;
        const ect_i64 sample = item / g.groups;
        const T mu = mean[item], r = rstd[item];
        T meanG = (T)0, meanGX = (T)0;                       // identical in every thread: block sums are broadcast
        for (int k = 0; k < perGroup; k++)
        {
            const int c = channel0 + k;
            const T gc = affine_at(gamma, gammaStride, c, (T)1), bc = affine_at(beta, betaStride, c, (T)0);
            const T* xp = xb + (ect_i64)k * spatial;
            const T* dyp = dyb + (ect_i64)k * spatial;
            T a = (T)0, b = (T)0;
            for (unsigned e = threadIdx.x; e < spatial; e += blockDim.x)
            {
                const T xhat = (xp[e] - mu) * r, gr = group_grad(dyp[e], xhat, gc, bc, silu);
                a += gr; b += gr * xhat;
            }
            ect_block_sum2(a, b, scratch);
            if (threadIdx.x == 0 && sumG) { sumG[sample * g.channels + c] = a; sumGX[sample * g.channels + c] = b; }
            meanG += gc * a; meanGX += gc * b;
        }
        meanG /= count; meanGX /= count;
        for (unsigned e = threadIdx.x; e < block; e += blockDim.x)
        {
            const int c = channel0 + (int)(e / spatial);
            const T gc = affine_at(gamma, gammaStride, c, (T)1), bc = affine_at(beta, betaStride, c, (T)0);
            const T xhat = (xb[e] - mu) * r, gr = group_grad(dyb[e], xhat, gc, bc, silu);
            dxb[e] = gr * (r * gc) + xhat * (-r * meanGX) - r * meanG;
        }
    }
}
ECT_KERNEL void group_norm_backward_f32(const float* dy, const float* x, const float* mean, const float* rstd,
    const float* gamma, ect_i64 gammaStride, const float* beta, ect_i64 betaStride, float* dx, float* sumG, float* sumGX,
    GroupShape g, ect_i64 items, int silu)
{ group_norm_backward(dy, x, mean, rstd, gamma, gammaStride, beta, betaStride, dx, sumG, sumGX, g, items, silu); }
ECT_KERNEL void group_norm_backward_f64(const double* dy, const double* x, const double* mean, const double* rstd,
    const double* gamma, ect_i64 gammaStride, const double* beta, ect_i64 betaStride, double* dx, double* sumG, double* sumGX,
    GroupShape g, ect_i64 items, int silu)
{ group_norm_backward(dy, x, mean, rstd, gamma, gammaStride, beta, betaStride, dx, sumG, sumGX, g, items, silu); }
