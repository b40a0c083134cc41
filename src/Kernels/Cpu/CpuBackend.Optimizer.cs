namespace Ect.Kernels.Cpu;

// The optimizer's fused in-place updates (the Adam-family step and the EMA), in Vector<T> lanes with a scalar tail
// that computes the same expression. Each product and sum is its own rounded operation (the JIT never fuses a
// multiply and an add on its own), so the vector lanes, the tail and the CUDA kernels (optimizer.cu) all give the bits
// of the scalar formulas in ITensorBackend's documentation, however the work is split across cores.
public sealed unsafe partial class CpuBackend
{
    public void MomentStep(Tensor parameter, Tensor gradient, Tensor m, Tensor v, MomentStepFactors factors)
    {
        CheckInPlace("MomentStep", parameter, gradient, m, v);
        if (parameter.DType == DType.Float32) MomentStep<float>(parameter, gradient, m, v, factors);
        else MomentStep<double>(parameter, gradient, m, v, factors);
    }

    private void MomentStep<T>(Tensor parameter, Tensor gradient, Tensor m, Tensor v, MomentStepFactors f) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var grad = this.Dense(gradient);
        var ws = (HostStorage<T>)parameter.Storage; var gs = (HostStorage<T>)grad.Storage;
        var ms = (HostStorage<T>)m.Storage; var vs = (HostStorage<T>)v.Storage;
        int wo = parameter.Offset, go = grad.Offset, mo = m.Offset, vo = v.Offset;
        T beta1 = T.CreateTruncating(f.Beta1), beta2 = T.CreateTruncating(f.Beta2), c1 = T.One - beta1, c2 = T.One - beta2;
        T stepSize = T.CreateTruncating(f.StepSize), rootBias2 = T.CreateTruncating(f.RootBias2), eps = T.CreateTruncating(f.Eps);
        bool adaptive = f.Adaptive;
        Threads.For(parameter.Count, 8, (from, to) =>
        {
            int start = (int)from, length = (int)(to - from);
            var w = ws.Span.Slice(wo + start, length); var g = (ReadOnlySpan<T>)gs.Span.Slice(go + start, length);
            var mm = ms.Span.Slice(mo + start, length); var vv = vs.Span.Slice(vo + start, length);
            int i = 0, width = Vector<T>.Count;
            if (Vector.IsHardwareAccelerated)
            {
                Vector<T> vb1 = new(beta1), vc1 = new(c1), vb2 = new(beta2), vc2 = new(c2), vStep = new(stepSize), vRoot = new(rootBias2), vEps = new(eps);
                for (; i <= length - width; i += width)
                {
                    var gi = new Vector<T>(g[i..]);
                    var mi = vb1 * new Vector<T>(mm[i..]) + vc1 * gi;
                    var vi = vb2 * new Vector<T>(vv[i..]) + vc2 * gi * gi;
                    mi.CopyTo(mm[i..]); vi.CopyTo(vv[i..]);
                    var step = vStep * mi;
                    var wi = new Vector<T>(w[i..]);
                    (adaptive ? wi - step / (Vector.SquareRoot(vi) / vRoot + vEps) : wi - step).CopyTo(w[i..]);
                }
            }
            for (; i < length; i++)
            {
                T gi = g[i], mi = beta1 * mm[i] + c1 * gi, vi = beta2 * vv[i] + c2 * gi * gi;
                mm[i] = mi; vv[i] = vi;
                T step = stepSize * mi;
                w[i] = adaptive ? w[i] - step / (T.Sqrt(vi) / rootBias2 + eps) : w[i] - step;
            }
        });
        BackendOperands.DisposeIfCopy(grad, gradient);
    }

    public void EmaUpdate(Tensor average, Tensor source, double beta)
    {
        CheckInPlace("EmaUpdate", average, source);
        if (average.DType == DType.Float32) EmaUpdate<float>(average, source, beta);
        else EmaUpdate<double>(average, source, beta);
    }

    private void EmaUpdate<T>(Tensor average, Tensor source, double beta) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var src = this.Dense(source);
        var es = (HostStorage<T>)average.Storage; var ss = (HostStorage<T>)src.Storage;
        int eo = average.Offset, so = src.Offset;
        T b = T.CreateTruncating(beta), a = T.One - b;
        Threads.For(average.Count, 3, (from, to) =>
        {
            int start = (int)from, length = (int)(to - from);
            var e = es.Span.Slice(eo + start, length); var s = (ReadOnlySpan<T>)ss.Span.Slice(so + start, length);
            int i = 0, width = Vector<T>.Count;
            if (Vector.IsHardwareAccelerated)
            {
                Vector<T> vb = new(b), va = new(a);
                for (; i <= length - width; i += width) (vb * new Vector<T>(e[i..]) + va * new Vector<T>(s[i..])).CopyTo(e[i..]);
            }
            for (; i < length; i++) e[i] = b * e[i] + a * s[i];
        });
        BackendOperands.DisposeIfCopy(src, source);
    }

    /// <summary>The checks every backend's in-place optimizer update needs: <paramref name="target"/> and
    /// <paramref name="state"/> are updated in place and must be contiguous; <paramref name="input"/> may be any view;
    /// all have the target's shape, dtype and device.</summary>
    internal static void CheckInPlace(string op, Tensor target, Tensor input, params Tensor[] state)
    {
        foreach (var t in (Tensor[])[target, input, .. state])
        {
            Check.That(Shapes.Equal(t.Shape.AsSpan(), target.Shape.AsSpan()) && t.DType == target.DType, op,
                () => $"every tensor must match the updated one ({Check.Fmt(target.Shape.AsSpan())}, {target.DType.Name()}), got {Check.Fmt(t.Shape.AsSpan())}, {t.DType.Name()}");
            Check.That(t.Device == target.Device, op, () => $"tensors on {target.Device} and {t.Device}; move them to one device first");
            Check.That(t.IsContiguous || ReferenceEquals(t, input), op,
                () => $"updates in place and needs contiguous tensors, got a view of shape {Check.Fmt(t.Shape.AsSpan())}; pass the tensor itself");
        }
    }
}
