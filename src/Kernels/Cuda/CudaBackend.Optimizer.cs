using System.Runtime.InteropServices;
using Ect.Kernels.Cpu;

namespace Ect.Kernels.Cuda;

// The optimizer's fused in-place updates (optimizer.cu): one kernel per parameter tensor for the whole Adam/RAdam step
// (moments and parameter), one for the EMA. The kernels round every operation explicitly, so their results are the
// CPU's bit for bit.
public sealed partial class CudaBackend
{
    private static readonly TypedKernel MomentStepKernel = new("optimizer", "moment_step");
    private static readonly TypedKernel EmaUpdateKernel = new("optimizer", "ema_update");

    /// <summary>The C struct MomentFactors&lt;float&gt; of optimizer.cu (32 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct MomentFactors32(float Beta1, float C1, float Beta2, float C2, float StepSize, float RootBias2, float Eps, int Adaptive);

    /// <summary>The C struct MomentFactors&lt;double&gt; of optimizer.cu (64 bytes with its tail padding).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct MomentFactors64(double Beta1, double C1, double Beta2, double C2, double StepSize, double RootBias2, double Eps, int Adaptive);

    public void MomentStep(Tensor parameter, Tensor gradient, Tensor m, Tensor v, MomentStepFactors factors)
    {
        CpuBackend.CheckInPlace("MomentStep", parameter, gradient, m, v);
        long n = parameter.Count;
        if (n == 0) return;
        var grad = this.Dense(gradient);
        var args = Args().Ptr(At(parameter)).Ptr(At(grad)).Ptr(At(m)).Ptr(At(v)).I64(n);
        int adaptive = factors.Adaptive ? 1 : 0;
        if (parameter.DType == DType.Float32)
        {
            float b1 = (float)factors.Beta1, b2 = (float)factors.Beta2;   // 1 − β in float, as the CPU rounds it
            args.Struct(new MomentFactors32(b1, 1 - b1, b2, 1 - b2, (float)factors.StepSize, (float)factors.RootBias2, (float)factors.Eps, adaptive));
        }
        else
            args.Struct(new MomentFactors64(factors.Beta1, 1 - factors.Beta1, factors.Beta2, 1 - factors.Beta2, factors.StepSize,
                factors.RootBias2, factors.Eps, adaptive));
        Launch(MomentStepKernel, parameter.DType, Blocks(n), ElementThreads, args);
        BackendOperands.DisposeIfCopy(grad, gradient);
    }

    public void EmaUpdate(Tensor average, Tensor source, double beta)
    {
        CpuBackend.CheckInPlace("EmaUpdate", average, source);
        long n = average.Count;
        if (n == 0) return;
        var src = this.Dense(source);
        var args = Args().Ptr(At(average)).Ptr(At(src)).I64(n);
        if (average.DType == DType.Float32) { float b = (float)beta; args.F32(b).F32(1 - b); }
        else args.F64(beta).F64(1 - beta);
        Launch(EmaUpdateKernel, average.DType, Blocks(n), ElementThreads, args);
        BackendOperands.DisposeIfCopy(src, source);
    }
}
