using System.Runtime.InteropServices;

namespace Ect.Kernels.Cpu;

// SiLU and its gradient for every dtype: float32 through the SIMD approximations of FastMath (a few ulp, at memory
// speed), float64 through libm's exp, exactly enough for finite-difference gradchecks. Used by the elementwise ops,
// SiluBackward and the fused GroupNorm+SiLU.
public sealed unsafe partial class CpuBackend
{
    public Tensor SiluBackward(Tensor x, Tensor dy) =>
        x.DType == DType.Float32 ? SiluBackward<float>(x, dy) : SiluBackward<double>(x, dy);

    private Tensor SiluBackward<T>(Tensor x, Tensor dy) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var input = this.Dense(x); var grad = this.Dense(dy);
        var dx = Empty(x.Shape.AsSpan(), x.DType);
        var xs = (HostStorage<T>)input.Storage; var gs = (HostStorage<T>)grad.Storage; var ds = (HostStorage<T>)dx.Storage;
        int xo = input.Offset, go = grad.Offset;
        Threads.For(dx.Count, 16, (from, to) =>
        {
            int start = (int)from, length = (int)(to - from);
            SiluGrad<T>(xs.Span.Slice(xo + start, length), gs.Span.Slice(go + start, length), T.One, T.Zero, ds.Span.Slice(start, length));
        });
        BackendOperands.DisposeIfCopy(input, x); BackendOperands.DisposeIfCopy(grad, dy);
        return dx;
    }

    /// <summary>y = SiLU((x − mean)·scale + shift) = z/(1 + e⁻ᶻ). y may be x.</summary>
    internal static void NormalizeSilu<T>(ReadOnlySpan<T> x, T mean, T scale, T shift, Span<T> y) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            FastMath.NormalizeSilu(AsFloats(x), float.CreateTruncating(mean), float.CreateTruncating(scale), float.CreateTruncating(shift), AsFloats(y));
            return;
        }
        for (int i = 0; i < x.Length; i++)
        {
            T z = (x[i] - mean) * scale + shift;
            y[i] = z / (T.One + T.Exp(-z));
        }
    }

    /// <summary>g = dy·SiLU′(x·scale + shift) with SiLU′(z) = σ(z)·(1 + z·(1 − σ(z))); returns Σg and Σg·x.
    /// g may be x or dy.</summary>
    internal static (T SumG, T SumGX) SiluGrad<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, T scale, T shift, Span<T> g)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            var sums = FastMath.SiluGrad(AsFloats(x), AsFloats(dy), float.CreateTruncating(scale), float.CreateTruncating(shift), AsFloats(g));
            return (T.CreateTruncating(sums.SumG), T.CreateTruncating(sums.SumGX));
        }
        T sumG = T.Zero, sumGX = T.Zero;
        for (int i = 0; i < x.Length; i++)
        {
            T xi = x[i], z = xi * scale + shift, s = T.One / (T.One + T.Exp(-z));
            T gi = dy[i] * s * (T.One + z * (T.One - s));
            sumG += gi;
            sumGX += gi * xi;
            g[i] = gi;
        }
        return (sumG, sumGX);
    }

    // Only called where T is float (the JIT drops the other branch).
    private static ReadOnlySpan<float> AsFloats<T>(ReadOnlySpan<T> span) where T : unmanaged => MemoryMarshal.Cast<T, float>(span);

    private static Span<float> AsFloats<T>(Span<T> span) where T : unmanaged => MemoryMarshal.Cast<T, float>(span);
}
