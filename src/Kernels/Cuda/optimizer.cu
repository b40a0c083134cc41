// The optimizer's fused updates (CudaBackend.Optimizer.cs), one thread per parameter element, matching the CPU
// implementations (ITensorBackend.MomentStep / EmaUpdate, src/Kernels/Cpu/CpuBackend.Optimizer.cs) bit for bit: every
// add, multiply, divide and square root is an explicitly rounded operation (ect_*_rn), so the compiler cannot contract
// a multiply and an add into an FMA, which the CPU code does not do. The step's scalar factors come from the host.
#include "ect_prelude.cuh"

// Matches the C# struct MomentStepFactors (all float32 factors in float32 runs; see ITensorBackend.MomentStep):
//   m ← β1·m + c1·g;  v ← β2·v + c2·g·g;
//   adaptive: θ ← θ − (stepSize·m) / (√v / rootBias2 + eps);  else θ ← θ − stepSize·m.
template <typename T> struct MomentFactors { T beta1, c1, beta2, c2, stepSize, rootBias2, eps; int adaptive; };

template <typename T> ECT_FN void moment_step(T* __restrict__ w, const T* __restrict__ g, T* __restrict__ m, T* __restrict__ v,
                                              ect_i64 n, MomentFactors<T> f)
{
    ECT_GRID_LOOP(i, n)
    {
        const T gi = g[i];
        const T mi = ect_add_rn(ect_mul_rn(f.beta1, m[i]), ect_mul_rn(f.c1, gi));
        const T vi = ect_add_rn(ect_mul_rn(f.beta2, v[i]), ect_mul_rn(ect_mul_rn(f.c2, gi), gi));
        m[i] = mi; v[i] = vi;
        const T step = ect_mul_rn(f.stepSize, mi);
        w[i] = f.adaptive ? w[i] - ect_div_rn(step, ect_add_rn(ect_div_rn(ect_sqrt_rn(vi), f.rootBias2), f.eps)) : w[i] - step;
    }
}
ECT_KERNEL void moment_step_f32(float* w, const float* g, float* m, float* v, ect_i64 n, MomentFactors<float> f) { moment_step(w, g, m, v, n, f); }
ECT_KERNEL void moment_step_f64(double* w, const double* g, double* m, double* v, ect_i64 n, MomentFactors<double> f) { moment_step(w, g, m, v, n, f); }

// average ← β·average + (1 − β)·source, with oneMinusBeta rounded in T on the host.
template <typename T> ECT_FN void ema_update(T* __restrict__ average, const T* __restrict__ source, ect_i64 n, T beta, T oneMinusBeta)
{
    ECT_GRID_LOOP(i, n) average[i] = ect_add_rn(ect_mul_rn(beta, average[i]), ect_mul_rn(oneMinusBeta, source[i]));
}
ECT_KERNEL void ema_update_f32(float* average, const float* source, ect_i64 n, float beta, float oneMinusBeta) { ema_update(average, source, n, beta, oneMinusBeta); }
ECT_KERNEL void ema_update_f64(double* average, const double* source, ect_i64 n, double beta, double oneMinusBeta) { ema_update(average, source, n, beta, oneMinusBeta); }
