// ect_prelude.cuh -- the first include of every kernel file (GPU.md §7.1).
//
// NVRTC (defines __CUDACC_RTC__) and nvcc: the real CUDA built-ins are used; this is what runs on the GPU.
// clang -x cuda -nocudainc -nocudalib (the CI compile check, .ci/check-cuda-kernels.sh): stand-ins that lower to
// single PTX instructions, so the PTX has no unresolved calls. The stand-ins are approximations and are never run;
// they exist so that a kernel that would not compile fails CI instead of a GPU run.
// Rule: a kernel may only call CUDA functions that this file maps for clang (anything else is an undeclared
// identifier there), and math goes through the ect_* overloads below so float and double share one template.
#pragma once

#if defined(__CUDACC_RTC__) || defined(__NVCC__)
  #define ECT_NVRTC 1
#elif defined(__clang__) && defined(__CUDA__)
  #define ECT_CLANG_CHECK 1
  #define __global__      __attribute__((global))
  #define __device__      __attribute__((device))
  #define __host__        __attribute__((host))
  #define __shared__      __attribute__((shared))
  #define __constant__    __attribute__((constant))
  #define __forceinline__ __inline__ __attribute__((always_inline))
  #define __noinline__    __attribute__((noinline))
  #define __restrict__    __restrict
  #define __launch_bounds__(...) __attribute__((launch_bounds(__VA_ARGS__)))
  #include <__clang_cuda_builtin_vars.h>   /* threadIdx, blockIdx, blockDim, gridDim, warpSize */
  #define ECT_DEV static __device__ __forceinline__
  // float math
  ECT_DEV float sqrtf(float x)  { return __builtin_sqrtf(x); }
  ECT_DEV float fabsf(float x)  { return __builtin_fabsf(x); }
  ECT_DEV float __expf(float x) { return __nvvm_ex2_approx_f(x * 1.4426950408889634f); }
  ECT_DEV float expf(float x)   { return __expf(x); }
  ECT_DEV float __logf(float x) { return __nvvm_lg2_approx_f(x) * 0.6931471805599453f; }
  ECT_DEV float logf(float x)   { return __logf(x); }
  ECT_DEV float sinf(float x)   { return __nvvm_sin_approx_f(x); }
  ECT_DEV float cosf(float x)   { return __nvvm_cos_approx_f(x); }
  ECT_DEV float tanhf(float x)  { float e = __expf(2.0f * x); return (e - 1.0f) / (e + 1.0f); }
  ECT_DEV float powf(float a, float b) { return __nvvm_ex2_approx_f(b * __nvvm_lg2_approx_f(a)); }
  // double math (stand-ins through float: compiled, never run)
  ECT_DEV double sqrt(double x) { return __builtin_sqrt(x); }
  ECT_DEV double fabs(double x) { return __builtin_fabs(x); }
  ECT_DEV double exp(double x)  { return (double)expf((float)x); }
  ECT_DEV double log(double x)  { return (double)logf((float)x); }
  ECT_DEV double sin(double x)  { return (double)sinf((float)x); }
  ECT_DEV double cos(double x)  { return (double)cosf((float)x); }
  ECT_DEV double tanh(double x) { return (double)tanhf((float)x); }
  ECT_DEV double pow(double a, double b) { return (double)powf((float)a, (float)b); }
  // IEEE round-to-nearest operations that are never contracted into FMAs (the optimizer matches the CPU bit for bit)
  ECT_DEV float  __fadd_rn(float a, float b)   { return a + b; }
  ECT_DEV float  __fmul_rn(float a, float b)   { return a * b; }
  ECT_DEV float  __fdiv_rn(float a, float b)   { return a / b; }
  ECT_DEV float  __fsqrt_rn(float a)           { return __builtin_sqrtf(a); }
  ECT_DEV double __dadd_rn(double a, double b) { return a + b; }
  ECT_DEV double __dmul_rn(double a, double b) { return a * b; }
  ECT_DEV double __ddiv_rn(double a, double b) { return a / b; }
  ECT_DEV double __dsqrt_rn(double a)          { return __builtin_sqrt(a); }
  // bit casts
  ECT_DEV float     __int_as_float(int i)             { return __builtin_bit_cast(float, i); }
  ECT_DEV int       __float_as_int(float f)           { return __builtin_bit_cast(int, f); }
  ECT_DEV unsigned  __float_as_uint(float f)          { return __builtin_bit_cast(unsigned, f); }
  ECT_DEV float     __uint_as_float(unsigned u)       { return __builtin_bit_cast(float, u); }
  ECT_DEV long long __double_as_longlong(double d)    { return __builtin_bit_cast(long long, d); }
  ECT_DEV double    __longlong_as_double(long long l) { return __builtin_bit_cast(double, l); }
  // warp shuffles (need PTX ISA >= 6.0: the check passes -Xclang -target-feature -Xclang +ptx75)
  ECT_DEV float __shfl_xor_sync(unsigned m, float v, int lane, int w = 32)
    { return __nvvm_shfl_sync_bfly_f32(m, v, lane, ((32 - w) << 8) | 0x1f); }
  ECT_DEV int   __shfl_xor_sync(unsigned m, int v, int lane, int w = 32)
    { return __nvvm_shfl_sync_bfly_i32(m, v, lane, ((32 - w) << 8) | 0x1f); }
  // __syncthreads() is a clang NVPTX built-in: nothing to declare.
  #undef ECT_DEV
#else
  #error "ect_prelude.cuh: compile with NVRTC, nvcc, or clang -x cuda"
#endif

typedef unsigned long long ect_u64;
typedef long long ect_i64;
#define ECT_KERNEL extern "C" __global__
#define ECT_FN static __device__ __forceinline__

// ---- typed math: one name per function for float and double, so each kernel is one template ----
ECT_FN float  ect_exp(float x)   { return expf(x); }
ECT_FN double ect_exp(double x)  { return exp(x); }
ECT_FN float  ect_log(float x)   { return logf(x); }
ECT_FN double ect_log(double x)  { return log(x); }
ECT_FN float  ect_sqrt(float x)  { return sqrtf(x); }
ECT_FN double ect_sqrt(double x) { return sqrt(x); }
ECT_FN float  ect_sin(float x)   { return sinf(x); }
ECT_FN double ect_sin(double x)  { return sin(x); }
ECT_FN float  ect_cos(float x)   { return cosf(x); }
ECT_FN double ect_cos(double x)  { return cos(x); }
ECT_FN float  ect_tanh(float x)  { return tanhf(x); }
ECT_FN double ect_tanh(double x) { return tanh(x); }
ECT_FN float  ect_abs(float x)   { return fabsf(x); }
ECT_FN double ect_abs(double x)  { return fabs(x); }
ECT_FN float  ect_pow(float a, float b)   { return powf(a, b); }
ECT_FN double ect_pow(double a, double b) { return pow(a, b); }
// Uncontracted a+b, a·b, a/b, √a (see the optimizer kernels).
ECT_FN float  ect_add_rn(float a, float b)   { return __fadd_rn(a, b); }
ECT_FN double ect_add_rn(double a, double b) { return __dadd_rn(a, b); }
ECT_FN float  ect_mul_rn(float a, float b)   { return __fmul_rn(a, b); }
ECT_FN double ect_mul_rn(double a, double b) { return __dmul_rn(a, b); }
ECT_FN float  ect_div_rn(float a, float b)   { return __fdiv_rn(a, b); }
ECT_FN double ect_div_rn(double a, double b) { return __ddiv_rn(a, b); }
ECT_FN float  ect_sqrt_rn(float a)           { return __fsqrt_rn(a); }
ECT_FN double ect_sqrt_rn(double a)          { return __dsqrt_rn(a); }

ECT_FN bool ect_isnan(float x)  { return x != x; }
ECT_FN bool ect_isnan(double x) { return x != x; }
ECT_FN bool ect_signbit(float x)  { return (__float_as_uint(x) >> 31) != 0u; }
ECT_FN bool ect_signbit(double x) { return __double_as_longlong(x) < 0; }
ECT_FN bool ect_isinf(float x)  { return (__float_as_uint(x) & 0x7fffffffu) == 0x7f800000u; }
ECT_FN bool ect_isinf(double x) { return (__double_as_longlong(x) & 0x7fffffffffffffffLL) == 0x7ff0000000000000LL; }
ECT_FN bool ect_isfinite(float x)  { return (__float_as_uint(x) & 0x7f800000u) != 0x7f800000u; }
ECT_FN bool ect_isfinite(double x) { return (__double_as_longlong(x) & 0x7ff0000000000000LL) != 0x7ff0000000000000LL; }

template <typename T> ECT_FN T ect_neg_inf();
template <> __device__ __forceinline__ float  ect_neg_inf<float>()  { return __int_as_float((int)0xff800000u); }
template <> __device__ __forceinline__ double ect_neg_inf<double>() { return __longlong_as_double((long long)0xfff0000000000000ULL); }

// .NET's Math.Max/Min and TensorPrimitives.Max/Min (what the CPU backend computes): NaN if either input is NaN,
// and +0 > −0. CUDA's fmaxf/fminf return the other operand for a NaN, so they are not used.
template <typename T> ECT_FN T ect_max(T a, T b)
{
    if (ect_isnan(a)) return a;
    if (ect_isnan(b)) return b;
    if (a == b) return ect_signbit(a) ? b : a;
    return a > b ? a : b;
}
template <typename T> ECT_FN T ect_min(T a, T b)
{
    if (ect_isnan(a)) return a;
    if (ect_isnan(b)) return b;
    if (a == b) return ect_signbit(a) ? a : b;
    return a < b ? a : b;
}

// ---- strided tensors ----
// A view as kernels see it: element with row-major flat index i (over `shape`) lives at
// offset + Σ coordinate[a]·stride[a] elements from the base pointer. The host merges axes first (a contiguous tensor
// is rank 1, stride 1), so rank is small. Matches the C# struct StridedDescriptor (sequential layout, 112 bytes).
#define ECT_MAX_RANK 8
struct EctStrided
{
    int rank;
    int shape[ECT_MAX_RANK];
    long long stride[ECT_MAX_RANK];
    long long offset;
};

// Element offset of flat index i. 32-bit divisions while the index fits (the common case; 64-bit division is a
// long software sequence on the GPU).
ECT_FN ect_i64 ect_offset(const EctStrided& d, ect_i64 i)
{
    ect_i64 o = d.offset;
    if (d.rank == 1) return o + i * d.stride[0];
    if (i <= 0xffffffffLL)
    {
        unsigned u = (unsigned)i;
        for (int a = d.rank - 1; a >= 0; --a)
        {
            unsigned s = (unsigned)d.shape[a], q = u / s;
            o += (ect_i64)(u - q * s) * d.stride[a];
            u = q;
        }
        return o;
    }
    for (int a = d.rank - 1; a >= 0; --a)
    {
        ect_i64 s = d.shape[a], q = i / s;
        o += (i - q * s) * d.stride[a];
        i = q;
    }
    return o;
}

// Grid-stride loop over [0, n) with 64-bit indices.
#define ECT_GRID_LOOP(i, n) \
    for (ect_i64 i = (ect_i64)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (ect_i64)gridDim.x * blockDim.x)

// ---- warp and block reductions (blockDim.x a multiple of 32, every thread of the block calls them) ----
ECT_FN float ect_shfl_xor(float v, int lane) { return __shfl_xor_sync(0xffffffffu, v, lane); }
ECT_FN double ect_shfl_xor(double v, int lane)
{   // two 32-bit shuffles: the double overload is not mapped for clang
    long long bits = __double_as_longlong(v);
    int lo = __shfl_xor_sync(0xffffffffu, (int)(bits & 0xffffffffLL), lane);
    int hi = __shfl_xor_sync(0xffffffffu, (int)(bits >> 32), lane);
    return __longlong_as_double(((long long)hi << 32) | (long long)(unsigned)lo);
}
template <typename T> ECT_FN T ect_warp_sum(T v)
{ for (int o = 16; o > 0; o >>= 1) v += ect_shfl_xor(v, o); return v; }
template <typename T> ECT_FN T ect_warp_max(T v)
{ for (int o = 16; o > 0; o >>= 1) v = ect_max(v, ect_shfl_xor(v, o)); return v; }

// Sum (or max) over the block, returned to every thread. `scratch` is 32 shared slots; it may be reused as soon as
// this returns (the trailing barrier orders the next writer after every reader).
template <typename T> ECT_FN T ect_block_sum(T v, T* scratch)
{
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = ect_warp_sum(v);
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = ect_warp_sum(lane < warps ? scratch[lane] : (T)0);
    __syncthreads();
    return v;
}
template <typename T> ECT_FN T ect_block_max(T v, T* scratch)
{
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = ect_warp_max(v);
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = ect_warp_max(lane < warps ? scratch[lane] : ect_neg_inf<T>());
    __syncthreads();
    return v;
}
// Two sums at once (one pair of barriers): scratch is 64 shared slots.
template <typename T> ECT_FN void ect_block_sum2(T& a, T& b, T* scratch)
{
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    a = ect_warp_sum(a); b = ect_warp_sum(b);
    if (lane == 0) { scratch[warp] = a; scratch[32 + warp] = b; }
    __syncthreads();
    a = ect_warp_sum(lane < warps ? scratch[lane] : (T)0);
    b = ect_warp_sum(lane < warps ? scratch[32 + lane] : (T)0);
    __syncthreads();
}
