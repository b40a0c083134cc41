namespace Ect.Parity;

/// <summary>
/// The cases `ect check --device cuda` runs: every ITensorBackend primitive forward, and the autograd ops' backward
/// (which exercise the backward primitives), on small random non-zero inputs, with tolerances per op. Add a case
/// here with each new primitive or kernel. Tolerances: elementwise ops 1e-5 relative; transcendental functions a
/// little looser (the GPU's expf/logf are within 2 ulp, not correctly rounded); sums, products and normalisations
/// looser again (FMA contraction and a different summation order, GPU.md §6.3).
/// </summary>
public static class ParityCases
{
    private const double Elementwise = 1e-5, Transcendental = 2e-5, Summing = 1e-4;

    public static IEnumerable<ParityCase> All()
    {
        // ---- Copy, Cast, Fill ----
        yield return new("Copy contiguous", p => [p.Normal(3, 4, 5).Contiguous(forceCopy: true)]);
        yield return new("Copy permuted view", p => [p.Normal(3, 4, 5).Permute(2, 0, 1).Contiguous()]);
        yield return new("Copy narrowed view with step", p => [p.Normal(6, 9).Narrow(1, 1, 4, step: 2).Contiguous()]);
        yield return new("Copy broadcast (stride 0)", p => [p.Normal(1, 5).Expand(4, 5).Contiguous()]);
        yield return new("Cast float32 → float64", p => [p.Normal(4, 7).Cast(DType.Float64)]);
        yield return new("Cast float64 → float32", p => [p.Normal(4, 7).Cast(DType.Float64).Mul(1.0 / 3).Cast(DType.Float32)]);
        yield return new("Fill", p => [TensorOps.Full([3, 5], 0.375, DType.Float32, p.Device)]);
        yield return new("To cpu round trip", p => [p.Normal(2, 3, 4).To(Device.Cpu).To(p.Device)]);

        // ---- unary (forward and backward) ----
        foreach (var (name, f, positive, tol) in new (string, Func<Tensor, Tensor>, bool, double)[]
        {
            ("Neg", x => x.Neg(), false, Elementwise), ("Exp", x => x.Exp(), false, Transcendental),
            ("Log", x => x.Log(), true, Transcendental), ("Sqrt", x => x.Sqrt(), true, Elementwise),
            ("Rsqrt", x => x.Rsqrt(), true, Transcendental), ("Reciprocal", x => x.Reciprocal(), true, Elementwise),
            ("Sin", x => x.Sin(), false, Transcendental), ("Cos", x => x.Cos(), false, Transcendental),
            ("Tanh", x => x.Tanh(), false, Transcendental), ("Sigmoid", x => x.Sigmoid(), false, Transcendental),
            ("Silu", x => x.Silu(), false, Transcendental), ("Relu", x => x.Relu(), false, Elementwise),
            ("Abs", x => x.Abs(), false, Elementwise), ("Square", x => x.Square(), false, Elementwise),
        })
            yield return ParityCase.Backward($"Unary.{name}", p => [positive ? p.Uniform(0.2, 3, 5, 7) : p.Normal(5, 7)], x => f(x[0]), tol, tol / 10);
        yield return new("Unary.Sign", p => [p.Normal(5, 7).Sign()]);
        yield return ParityCase.Backward("Unary.Exp on a permuted view", p => [p.Normal(4, 6)], x => x[0].Transpose().Exp(), Transcendental, 1e-6);
        yield return new("Unary.IsFinite via NanToNum", p => [p.Normal(4, 5).Log().NanToNum(-7, 9, -9)]);

        // ---- binary with broadcasting, scalar forms, comparisons ----
        foreach (var (name, f) in new (string, Func<Tensor, Tensor, Tensor>)[]
        {
            ("Add", (x, y) => x + y), ("Sub", (x, y) => x - y), ("Mul", (x, y) => x * y), ("Div", (x, y) => x / y),
            ("Maximum", (x, y) => x.Maximum(y)), ("Minimum", (x, y) => x.Minimum(y)),
        })
            yield return ParityCase.Backward($"Binary.{name} broadcast [3,1,5]·[4,1]", p => [p.Normal(3, 1, 5), p.Normal(4, 1)], x => f(x[0], x[1]), Elementwise, 1e-6);
        yield return ParityCase.Backward("Binary.Pow", p => [p.Uniform(0.5, 2, 4, 5), p.Normal(4, 5)], x => x[0].Pow(x[1]), Transcendental, 1e-6);
        yield return new("Binary.Greater/Less/Equal", p =>
        {
            var (x, y) = (p.Normal(4, 6), p.Normal(1, 6));
            return [x.Greater(y), x.Less(y), x.EqualTo(x.Maximum(y))];
        });
        yield return ParityCase.Backward("BinaryScalar x·s, s/x, x^s, s^x", p => [p.Uniform(0.5, 2, 3, 4)],
            x => x[0] * 1.5 + 2.0 / x[0] + x[0].Pow(1.7) + x[0].PowOf(1.3) - 0.25, Transcendental, 1e-6);
        yield return ParityCase.Backward("Where", p => [p.Normal(4, 5), p.Normal(4, 5)], x => TensorOps.Where(x[0].Greater(x[1]), x[0], x[1] * 2), Elementwise, 1e-6);
        yield return ParityCase.Backward("Clamp", p => [p.Normal(6, 5)], x => x[0].Clamp(-0.5, 0.7), Elementwise, 1e-6);

        // ---- reductions, softmax ----
        yield return ParityCase.Backward("Reduce.Sum axes {0,2}", p => [p.Normal(3, 4, 5)], x => x[0].Sum([0, 2]), Summing, 1e-5);
        yield return ParityCase.Backward("Reduce.Sum all", p => [p.Normal(7, 9)], x => x[0].Sum(), Summing, 1e-5);
        yield return ParityCase.Backward("Reduce.Max axis 1 keepDims", p => [p.Normal(3, 8, 2)], x => x[0].Max(1, keepDims: true), Elementwise, 1e-6);
        yield return ParityCase.Backward("Mean and Var", p => [p.Normal(4, 33)], x => x[0].Mean(1) + x[0].Var([1]), Summing, 1e-5);
        yield return ParityCase.Backward("Softmax last axis", p => [p.Normal(3, 4, 37)], x => x[0].Softmax(-1), Summing, 1e-6);
        yield return ParityCase.Backward("Softmax axis 1", p => [p.Normal(3, 9, 5)], x => x[0].Softmax(1), Summing, 1e-6);

        // ---- matrix products ----
        foreach (var (ta, tb) in new[] { (false, false), (true, false), (false, true), (true, true) })
            yield return ParityCase.Backward($"MatMul transA={ta} transB={tb}",
                p => [ta ? p.Normal(2, 7, 5) : p.Normal(2, 5, 7), tb ? p.Normal(2, 6, 7) : p.Normal(2, 7, 6)],
                x => x[0].MatMul(x[1], ta, tb), Summing, 1e-5);
        yield return ParityCase.Backward("MatMul batch broadcast [3,4,5]·[5,6]", p => [p.Normal(3, 4, 5), p.Normal(5, 6)], x => x[0].MatMul(x[1]), Summing, 1e-5);
        yield return ParityCase.Backward("MatMul float64", p => [p.Normal(4, 9).Cast(DType.Float64), p.Normal(9, 3).Cast(DType.Float64)], x => x[0].MatMul(x[1]), 1e-12, 1e-13);

        // ---- convolutions and resampling ----
        yield return ParityCase.Backward("Conv2d 3×3 pad 1 + bias", p => [p.Normal(2, 3, 8, 8), p.Normal(4, 3, 3, 3), p.Normal(4)],
            x => x[0].Conv2d(x[1], x[2], padding: 1), Summing, 1e-5);
        yield return ParityCase.Backward("Conv2d 1×1", p => [p.Normal(2, 5, 6, 6), p.Normal(3, 5, 1, 1)], x => x[0].Conv2d(x[1]), Summing, 1e-5);
        yield return ParityCase.Backward("Conv2d 3×3 stride 2", p => [p.Normal(2, 3, 9, 9), p.Normal(4, 3, 3, 3)], x => x[0].Conv2d(x[1], stride: 2, padding: 1), Summing, 1e-5);
        yield return ParityCase.Backward("Downsample2x", p => [p.Normal(2, 3, 8, 6)], x => x[0].Downsample2x(), Elementwise, 1e-6);
        yield return ParityCase.Backward("Upsample2x", p => [p.Normal(2, 3, 4, 5)], x => x[0].Upsample2x(), Summing, 1e-6);

        // ---- normalisation ----
        yield return ParityCase.Backward("GroupNorm 4 groups, affine", p => [p.Normal(2, 8, 5, 5), p.Normal(8), p.Normal(8)],
            x => x[0].GroupNorm(4, x[1], x[2]), Summing, 1e-5);
        yield return ParityCase.Backward("GroupNormSilu 2 groups, affine", p => [p.Normal(2, 6, 4, 4), p.Normal(6), p.Normal(6)],
            x => x[0].GroupNormSilu(2, x[1], x[2]), Summing, 1e-5);
        yield return ParityCase.Backward("GroupNorm no affine on a permuted input", p => [p.Normal(2, 4, 3, 6)],
            x => x[0].Permute(0, 1, 3, 2).GroupNorm(2), Summing, 1e-5);

        // ---- random fills: the same Philox stream on both devices ----
        yield return new("RandomUniform", p => [TensorOps.RandomUniform([1000], new Rng(7, 123), device: p.Device)], Elementwise, 1e-7);
        yield return new("RandomNormal", p => [TensorOps.RandomNormal([1001], new Rng(7, 5), device: p.Device)], Transcendental, 1e-6);
        yield return new("RandomNormal float64", p => [TensorOps.RandomNormal([257], new Rng(9), DType.Float64, p.Device)], 1e-12, 1e-13);
        yield return new("DropoutMask", p => [TensorOps.DropoutMask([999], 0.3, new Rng(11, 77), device: p.Device)]);

        // ---- the CUDA kernels' own paths ----
        foreach (var c in KernelParityCases.All()) yield return c;
    }
}
