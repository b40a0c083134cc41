// Softmax along one axis and its backward pass (CudaBackend.Softmax.cs), one block per row. A row is every element
// along the axis: `rows` descriptors (the tensor's other axes) give a row's start, the axis stride its step, so any
// axis and any view works without a copy; rows along the last axis of a contiguous tensor read coalesced. Three
// passes over the row (max, Σexp, write), each a warp-shuffle block reduction; the row is re-read from L1/L2.
#include "ect_prelude.cuh"

// y = exp(x − max) / Σ exp(x − max); a row holding NaN or +∞ gives NaN, as on the CPU.
template <typename T> ECT_FN void softmax(const T* __restrict__ x, EctStrided xRows, ect_i64 xStep,
    T* __restrict__ y, EctStrided yRows, ect_i64 yStep, ect_i64 rowCount, int n)
{
    __shared__ T scratch[32];
    for (ect_i64 row = blockIdx.x; row < rowCount; row += gridDim.x)
    {
        const T* xr = x + ect_offset(xRows, row);
        T* yr = y + ect_offset(yRows, row);
        T m = ect_neg_inf<T>();
        for (int i = threadIdx.x; i < n; i += blockDim.x) m = ect_max(m, xr[i * xStep]);
        m = ect_block_max(m, scratch);
        T s = (T)0;
        for (int i = threadIdx.x; i < n; i += blockDim.x) s += ect_exp(xr[i * xStep] - m);
        s = ect_block_sum(s, scratch);
        const T inv = (T)1 / s;
        for (int i = threadIdx.x; i < n; i += blockDim.x) yr[i * yStep] = ect_exp(xr[i * xStep] - m) * inv;
    }
}
ECT_KERNEL void softmax_f32(const float* x, EctStrided xRows, ect_i64 xStep, float* y, EctStrided yRows, ect_i64 yStep, ect_i64 rowCount, int n)
{ softmax(x, xRows, xStep, y, yRows, yStep, rowCount, n); }
ECT_KERNEL void softmax_f64(const double* x, EctStrided xRows, ect_i64 xStep, double* y, EctStrided yRows, ect_i64 yStep, ect_i64 rowCount, int n)
{ softmax(x, xRows, xStep, y, yRows, yStep, rowCount, n); }

// dx = y·(dy − Σ dy·y) along the row.
template <typename T> ECT_FN void softmax_backward(const T* __restrict__ y, EctStrided yRows, ect_i64 yStep,
    const T* __restrict__ dy, EctStrided dyRows, ect_i64 dyStep, T* __restrict__ dx, EctStrided dxRows, ect_i64 dxStep,
    ect_i64 rowCount, int n)
{
    __shared__ T scratch[32];
    for (ect_i64 row = blockIdx.x; row < rowCount; row += gridDim.x)
    {
        const T* yr = y + ect_offset(yRows, row);
        const T* dyr = dy + ect_offset(dyRows, row);
        T* dxr = dx + ect_offset(dxRows, row);
        T dot = (T)0;
        for (int i = threadIdx.x; i < n; i += blockDim.x) dot += dyr[i * dyStep] * yr[i * yStep];
        dot = ect_block_sum(dot, scratch);
        for (int i = threadIdx.x; i < n; i += blockDim.x) dxr[i * dxStep] = yr[i * yStep] * (dyr[i * dyStep] - dot);
    }
}
ECT_KERNEL void softmax_backward_f32(const float* y, EctStrided yRows, ect_i64 yStep, const float* dy, EctStrided dyRows, ect_i64 dyStep,
    float* dx, EctStrided dxRows, ect_i64 dxStep, ect_i64 rowCount, int n)
{ softmax_backward(y, yRows, yStep, dy, dyRows, dyStep, dx, dxRows, dxStep, rowCount, n); }
ECT_KERNEL void softmax_backward_f64(const double* y, EctStrided yRows, ect_i64 yStep, const double* dy, EctStrided dyRows, ect_i64 dyStep,
    double* dx, EctStrided dxRows, ect_i64 dxStep, ect_i64 rowCount, int n)
{ softmax_backward(y, yRows, yStep, dy, dyRows, dyStep, dx, dxRows, dxStep, rowCount, n); }
