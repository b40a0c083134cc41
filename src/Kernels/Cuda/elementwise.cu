// Elementwise ops (CudaBackend.Elementwise.cs). Inputs are strided views (EctStrided, broadcast axes with stride 0)
// over the output's shape; outputs are contiguous, so output element i is flat index i. One thread per element,
// grid-stride, 64-bit indices. Semantics follow the CPU backend (src/Kernels/Cpu/CpuBackend.Elementwise.cs).
#include "ect_prelude.cuh"

// Same order as Ect.Tensors.UnaryOp and BinaryOp (a test compares the names).
enum UnaryOp { Neg, Exp, Log, Sqrt, Rsqrt, Reciprocal, Sin, Cos, Tanh, Sigmoid, Silu, Relu, Abs, Square, Sign, IsFinite };
enum BinaryOp { Add, Sub, Mul, Div, Pow, Maximum, Minimum, Greater, Less, Equal };

template <typename T> ECT_FN T unary_op(int op, T x)
{
    const T one = (T)1, zero = (T)0;
    switch (op)
    {
        case Neg: return -x;
        case Exp: return ect_exp(x);
        case Log: return ect_log(x);
        case Sqrt: return ect_sqrt(x);
        case Rsqrt: return one / ect_sqrt(x);
        case Reciprocal: return one / x;
        case Sin: return ect_sin(x);
        case Cos: return ect_cos(x);
        case Tanh: return ect_tanh(x);
        case Sigmoid: return one / (one + ect_exp(-x));
        case Silu: return x / (one + ect_exp(-x));
        case Relu: return ect_max(x, zero);                 // NaN stays NaN, as TensorPrimitives.Max
        case Abs: return ect_abs(x);
        case Square: return x * x;
        case Sign: return ect_isnan(x) ? x : (x > zero ? one : (x < zero ? -one : zero));
        case IsFinite: return ect_isfinite(x) ? one : zero;
        default: return x;
    }
}

template <typename T> ECT_FN T binary_op(int op, T a, T b)
{
    const T one = (T)1, zero = (T)0;
    switch (op)
    {
        case Add: return a + b;
        case Sub: return a - b;
        case Mul: return a * b;
        case Div: return a / b;
        case Pow: return ect_pow(a, b);
        case Maximum: return ect_max(a, b);
        case Minimum: return ect_min(a, b);
        case Greater: return a > b ? one : zero;
        case Less: return a < b ? one : zero;
        case Equal: return a == b ? one : zero;
        default: return a;
    }
}

template <typename T> ECT_FN void unary(const T* __restrict__ x, EctStrided xd, T* __restrict__ y, ect_i64 n, int op)
{
    ECT_GRID_LOOP(i, n) y[i] = unary_op(op, x[ect_offset(xd, i)]);
}
ECT_KERNEL void unary_f32(const float* x, EctStrided xd, float* y, ect_i64 n, int op) { unary(x, xd, y, n, op); }
ECT_KERNEL void unary_f64(const double* x, EctStrided xd, double* y, ect_i64 n, int op) { unary(x, xd, y, n, op); }

template <typename T> ECT_FN void binary(const T* __restrict__ a, EctStrided ad, const T* __restrict__ b, EctStrided bd,
                                         T* __restrict__ z, ect_i64 n, int op)
{
    ECT_GRID_LOOP(i, n) z[i] = binary_op(op, a[ect_offset(ad, i)], b[ect_offset(bd, i)]);
}
ECT_KERNEL void binary_f32(const float* a, EctStrided ad, const float* b, EctStrided bd, float* z, ect_i64 n, int op)
{ binary(a, ad, b, bd, z, n, op); }
ECT_KERNEL void binary_f64(const double* a, EctStrided ad, const double* b, EctStrided bd, double* z, ect_i64 n, int op)
{ binary(a, ad, b, bd, z, n, op); }

// x op s, or s op x when scalarFirst.
template <typename T> ECT_FN void binary_scalar(const T* __restrict__ x, EctStrided xd, T s, T* __restrict__ z, ect_i64 n,
                                                int op, int scalarFirst)
{
    ECT_GRID_LOOP(i, n)
    {
        T v = x[ect_offset(xd, i)];
        z[i] = scalarFirst ? binary_op(op, s, v) : binary_op(op, v, s);
    }
}
ECT_KERNEL void binary_scalar_f32(const float* x, EctStrided xd, float s, float* z, ect_i64 n, int op, int scalarFirst)
{ binary_scalar(x, xd, s, z, n, op, scalarFirst); }
ECT_KERNEL void binary_scalar_f64(const double* x, EctStrided xd, double s, double* z, ect_i64 n, int op, int scalarFirst)
{ binary_scalar(x, xd, s, z, n, op, scalarFirst); }

template <typename T> ECT_FN void where_select(const T* __restrict__ c, EctStrided cd, const T* __restrict__ a, EctStrided ad,
                                               const T* __restrict__ b, EctStrided bd, T* __restrict__ z, ect_i64 n)
{
    ECT_GRID_LOOP(i, n) z[i] = c[ect_offset(cd, i)] != (T)0 ? a[ect_offset(ad, i)] : b[ect_offset(bd, i)];
}
ECT_KERNEL void where_f32(const float* c, EctStrided cd, const float* a, EctStrided ad, const float* b, EctStrided bd, float* z, ect_i64 n)
{ where_select(c, cd, a, ad, b, bd, z, n); }
ECT_KERNEL void where_f64(const double* c, EctStrided cd, const double* a, EctStrided ad, const double* b, EctStrided bd, double* z, ect_i64 n)
{ where_select(c, cd, a, ad, b, bd, z, n); }

// min(max(x, lo), hi), NaN stays NaN (the CPU's Maximum then Minimum).
template <typename T> ECT_FN void clamp(const T* __restrict__ x, EctStrided xd, T lo, T hi, T* __restrict__ z, ect_i64 n)
{
    ECT_GRID_LOOP(i, n) z[i] = ect_min(ect_max(x[ect_offset(xd, i)], lo), hi);
}
ECT_KERNEL void clamp_f32(const float* x, EctStrided xd, float lo, float hi, float* z, ect_i64 n) { clamp(x, xd, lo, hi, z, n); }
ECT_KERNEL void clamp_f64(const double* x, EctStrided xd, double lo, double hi, double* z, ect_i64 n) { clamp(x, xd, lo, hi, z, n); }

template <typename T> ECT_FN void nan_to_num(const T* __restrict__ x, EctStrided xd, T nan, T posInf, T negInf,
                                             T* __restrict__ z, ect_i64 n)
{
    ECT_GRID_LOOP(i, n)
    {
        T v = x[ect_offset(xd, i)];
        z[i] = ect_isnan(v) ? nan : ect_isinf(v) ? (v > (T)0 ? posInf : negInf) : v;
    }
}
ECT_KERNEL void nan_to_num_f32(const float* x, EctStrided xd, float nan, float posInf, float negInf, float* z, ect_i64 n)
{ nan_to_num(x, xd, nan, posInf, negInf, z, n); }
ECT_KERNEL void nan_to_num_f64(const double* x, EctStrided xd, double nan, double posInf, double negInf, double* z, ect_i64 n)
{ nan_to_num(x, xd, nan, posInf, negInf, z, n); }

// dx = dy·σ(x)·(1 + x·(1 − σ(x))).
template <typename T> ECT_FN void silu_backward(const T* __restrict__ x, EctStrided xd, const T* __restrict__ dy, EctStrided dyd,
                                                T* __restrict__ dx, ect_i64 n)
{
    const T one = (T)1;
    ECT_GRID_LOOP(i, n)
    {
        T v = x[ect_offset(xd, i)], s = one / (one + ect_exp(-v));
        dx[i] = dy[ect_offset(dyd, i)] * s * (one + v * (one - s));
    }
}
ECT_KERNEL void silu_backward_f32(const float* x, EctStrided xd, const float* dy, EctStrided dyd, float* dx, ect_i64 n)
{ silu_backward(x, xd, dy, dyd, dx, n); }
ECT_KERNEL void silu_backward_f64(const double* x, EctStrided xd, const double* dy, EctStrided dyd, double* dx, ect_i64 n)
{ silu_backward(x, xd, dy, dyd, dx, n); }

// Writes value into every element of a strided destination.
template <typename T> ECT_FN void fill(T* __restrict__ y, EctStrided yd, T value, ect_i64 n)
{
    ECT_GRID_LOOP(i, n) y[ect_offset(yd, i)] = value;
}
ECT_KERNEL void fill_f32(float* y, EctStrided yd, float value, ect_i64 n) { fill(y, yd, value, n); }
ECT_KERNEL void fill_f64(double* y, EctStrided yd, double value, ect_i64 n) { fill(y, yd, value, n); }

// Strided copy with a dtype cast (double → float rounds to nearest, as the CPU's CreateTruncating does).
template <typename S, typename D> ECT_FN void copy(const S* __restrict__ x, EctStrided xd, D* __restrict__ y, EctStrided yd, ect_i64 n)
{
    ECT_GRID_LOOP(i, n) y[ect_offset(yd, i)] = (D)x[ect_offset(xd, i)];
}
ECT_KERNEL void copy_f32_f32(const float* x, EctStrided xd, float* y, EctStrided yd, ect_i64 n) { copy(x, xd, y, yd, n); }
ECT_KERNEL void copy_f32_f64(const float* x, EctStrided xd, double* y, EctStrided yd, ect_i64 n) { copy(x, xd, y, yd, n); }
ECT_KERNEL void copy_f64_f32(const double* x, EctStrided xd, float* y, EctStrided yd, ect_i64 n) { copy(x, xd, y, yd, n); }
ECT_KERNEL void copy_f64_f64(const double* x, EctStrided xd, double* y, EctStrided yd, ect_i64 n) { copy(x, xd, y, yd, n); }
