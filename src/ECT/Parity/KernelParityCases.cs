using Ect.Kernels;
using Ect.Training;

namespace Ect.Parity;

/// <summary>
/// Parity cases aimed at the CUDA kernels' own paths, beyond the per-op cases of <see cref="ParityCases"/>: the launch
/// and indexing branches each kernel has (grid-stride loops past one grid, reductions split into chunks or done a
/// thread per row, rows longer than a block, GEMM operands that need a copy, strided γ/bias/gradients, odd sizes),
/// float64 instantiations, the exact-by-construction kernels (random fills, optimizer, EMA) with zero tolerance, and
/// the RNG at offsets that start inside a Philox block.
/// </summary>
public static class KernelParityCases
{
    private const double Elementwise = 1e-5, Transcendental = 2e-5, Summing = 1e-4, Float64 = 1e-12;

    /// <summary>Bit-equal: any difference fails.</summary>
    private const double Exact = 0;

    private static ITensorBackend On(ParityInputs p) => Backends.For(p.Device);

    private static Tensor F64(Tensor t) => t.Cast(DType.Float64);

    public static IEnumerable<ParityCase> All()
    {
        // ---- elementwise: descriptors, broadcasting, NaN/∞ semantics, the grid-stride loop ----
        yield return new("Kernel: Exp over 4097×4099 (more elements than one grid of threads)", p => [p.Normal(4097, 4099).Exp()], Transcendental, 1e-6);
        yield return ParityCase.Backward("Kernel: Mul of 6-D permuted and broadcast views",
            p => [p.Normal(2, 3, 1, 4, 5, 2), p.Normal(5, 1, 4, 1, 3)], x => x[0].Permute(5, 1, 0, 3, 2, 4) * x[1].Permute(4, 1, 2, 3, 0), Elementwise, 1e-6);
        yield return new("Kernel: Maximum/Minimum/Relu/Clamp propagate NaN", p =>
        {
            var x = p.Normal(5, 7).Log();                                    // NaN where the input was negative
            var y = p.Normal(5, 7);
            return [x.Maximum(y), x.Minimum(y), x.Relu(), x.Clamp(-0.3, 0.4), y.Maximum(x)];
        });
        yield return new("Kernel: NanToNum of NaN, +∞ and −∞", p =>
        {
            var x = p.Normal(6, 5);
            var huge = (x * 1e30f).Square() * x.Sign();                       // ±∞ in float32
            return [x.Log().NanToNum(-7, 9, -9), huge.NanToNum(0, 1e5, -1e5)];
        });
        yield return new("Kernel: Pow with negative bases and Sign", p => [p.Normal(4, 9).Pow(p.Normal(4, 9)), p.Normal(4, 9).Sign()], Transcendental, 1e-6);
        yield return ParityCase.Backward("Kernel: Where with a broadcast condition", p => [p.Normal(3, 1, 6), p.Normal(4, 6)],
            x => TensorOps.Where(x[0].Greater(x[0] * 0.5), x[0] * 3, x[1]), Elementwise, 1e-6);
        yield return new("Kernel: Silu backward float64", p =>
        {
            var x = F64(p.Normal(33, 9)).RequireGrad();
            x.Silu().Sum().Backward();
            return [x.Grad!];
        }, Float64, 1e-14);
        yield return new("Kernel: Copy casts of strided views", p =>
            [F64(p.Normal(5, 6, 7).Permute(2, 0, 1)), F64(p.Normal(8, 9)).Narrow(1, 1, 3, step: 3).Cast(DType.Float32)], Exact, Exact);
        yield return new("Kernel: Fill a strided view", p =>
        {
            var t = p.Normal(6, 8);
            On(p).Fill(t.Narrow(1, 1, 3, step: 2), -2.5);
            return [t];
        }, Exact, Exact);

        // ---- reductions: every kernel path ----
        yield return ParityCase.Backward("Kernel: Sum of 300×701 (chunked, second pass by blocks)", p => [p.Normal(300, 701)], x => x[0].Sum(), Summing, 1e-4);
        yield return ParityCase.Backward("Kernel: Sum of 3×4097 rows (chunked, second pass by threads)", p => [p.Normal(3, 4097)], x => x[0].Sum(1), Summing, 1e-4);
        yield return ParityCase.Backward("Kernel: Sum over the batch of 40×2500 (a thread per row)", p => [p.Normal(40, 2500)], x => x[0].Sum(0), Summing, 1e-5);
        yield return ParityCase.Backward("Kernel: Sum over axes {0,2,3}, a bias gradient", p => [p.Normal(5, 7, 9, 11)], x => x[0].Sum([0, 2, 3]), Summing, 1e-5);
        yield return new("Kernel: Max over axes {1,3} of a permuted view, float64", p => [F64(p.Normal(3, 5, 7, 9)).Permute(0, 2, 1, 3).Max([1, 3], keepDims: true)], Exact, Exact);
        yield return new("Kernel: Sum of an expanded (stride 0) input", p => [p.Normal(1, 7).Expand(9, 7).Sum(0)], Summing, 1e-5);

        // ---- softmax: long rows, one-element rows, views, float64 ----
        yield return ParityCase.Backward("Kernel: Softmax rows of 3000", p => [p.Normal(5, 3000)], x => x[0].Softmax(-1), Summing, 1e-7);
        yield return ParityCase.Backward("Kernel: Softmax along axis 0 of a transposed view", p => [p.Normal(7, 300)], x => x[0].Transpose().Softmax(1), Summing, 1e-6);
        yield return new("Kernel: Softmax of one-element rows", p => [p.Normal(9, 1).Softmax(-1)], Exact, Exact);
        yield return ParityCase.Backward("Kernel: Softmax float64 (attention-sized rows)", p => [F64(p.Normal(2, 256, 256))], x => x[0].Softmax(-1), Float64, 1e-15);

        // ---- matrix products: operands passed in place and ones that need a copy ----
        yield return ParityCase.Backward("Kernel: MatMul of a transposed view (stored column-major)", p => [p.Normal(9, 6), p.Normal(9, 5)],
            x => x[0].Transpose().MatMul(x[1]), Summing, 1e-5);
        yield return ParityCase.Backward("Kernel: MatMul of a stepped narrow (copied operand)", p => [p.Normal(4, 12), p.Normal(6, 3)],
            x => x[0].Narrow(1, 0, 6, step: 2).MatMul(x[1]), Summing, 1e-5);
        yield return ParityCase.Backward("Kernel: MatMul batch [2,1]·[1,3] broadcast (copied operand)", p => [p.Normal(2, 1, 4, 5), p.Normal(1, 3, 5, 6)],
            x => x[0].MatMul(x[1]), Summing, 1e-5);
        yield return ParityCase.Backward("Kernel: MatMul k = 1000", p => [p.Normal(3, 1000), p.Normal(1000, 4)], x => x[0].MatMul(x[1]), 1e-4, 1e-4);
        yield return ParityCase.Backward("Kernel: MatMul float64 batched, transposed", p => [F64(p.Normal(3, 7, 5)), F64(p.Normal(3, 6, 7))],
            x => x[0].MatMul(x[1], transposeA: true, transposeB: true), Float64, 1e-13);

        // ---- convolution: geometry, strided inputs and bias, float64 ----
        yield return ParityCase.Backward("Kernel: Conv2d 5×3 kernel, stride 2, pad 2, odd sizes", p => [p.Normal(3, 2, 11, 9), p.Normal(5, 2, 5, 3), p.Normal(5)],
            x => x[0].Conv2d(x[1], x[2], stride: 2, padding: 2), Summing, 1e-5);
        yield return ParityCase.Backward("Kernel: Conv2d 1×1 stride 2 (im2col path)", p => [p.Normal(2, 4, 7, 7), p.Normal(3, 4, 1, 1)],
            x => x[0].Conv2d(x[1], stride: 2), Summing, 1e-5);
        yield return ParityCase.Backward("Kernel: Conv2d of a permuted input with a strided bias", p => [p.Normal(2, 6, 6, 3), p.Normal(4, 3, 3, 3), p.Normal(8)],
            x => x[0].Permute(0, 3, 1, 2).Conv2d(x[1], x[2].Narrow(0, 1, 4, step: 2), padding: 1), Summing, 1e-5);
        yield return ParityCase.Backward("Kernel: Conv2d float64", p => [F64(p.Normal(2, 3, 6, 6)), F64(p.Normal(2, 3, 3, 3))],
            x => x[0].Conv2d(x[1], padding: 1), Float64, 1e-13);

        // ---- resampling ----
        yield return ParityCase.Backward("Kernel: Downsample2x/Upsample2x of views, float64", p => [F64(p.Normal(2, 10, 6, 3))],
            x => x[0].Permute(0, 3, 1, 2).Downsample2x().Upsample2x(), Float64, 1e-15);

        // ---- group normalisation: spatial 1, a group per channel, blocks larger than the thread count, no affine ----
        yield return ParityCase.Backward("Kernel: GroupNorm of [N, C] (spatial 1), a group per channel pair", p => [p.Normal(6, 8), p.Normal(8), p.Normal(8)],
            x => x[0].GroupNorm(4, x[1], x[2]), Summing, 1e-5);
        yield return ParityCase.Backward("Kernel: GroupNormSilu 2048-element groups", p => [p.Normal(2, 64, 16, 16), p.Normal(64), p.Normal(64)],
            x => x[0].GroupNormSilu(8, x[1], x[2]), Summing, 1e-5);
        yield return ParityCase.Backward("Kernel: GroupNormSilu without affine", p => [p.Normal(3, 6, 5, 5)], x => x[0].GroupNormSilu(3), Summing, 1e-5);
        yield return ParityCase.Backward("Kernel: GroupNorm with strided γ, float64", p => [F64(p.Normal(2, 6, 3, 3)), F64(p.Normal(12)), F64(p.Normal(6))],
            x => x[0].GroupNorm(2, x[1].Narrow(0, 0, 6, step: 2), x[2]), Float64, 1e-13);

        // ---- random fills: bit-equal uniforms and masks, normals to the last bits, at offsets inside a Philox block ----
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            string t = dtype.Name();
            yield return new($"Kernel: RandomUniform {t} at offset 4097 (mid-block), odd length", p => [TensorOps.RandomUniform([1_000_003], new Rng(31, 4097), dtype, p.Device)], Exact, Exact);
            yield return new($"Kernel: DropoutMask {t} p = 0.1 at offset 6", p => [TensorOps.DropoutMask([5, 777], 0.1, new Rng(32, 6), dtype, p.Device)], Exact, Exact);
        }
        yield return new("Kernel: RandomNormal float32 at offset 2 (to the last bit or two)", p => [TensorOps.RandomNormal([100_001], new Rng(33, 2), device: p.Device)], 3e-7, 1e-7);
        yield return new("Kernel: RandomNormal float64 at offset 4099", p => [TensorOps.RandomNormal([4001], new Rng(34, 4099), DType.Float64, p.Device)], 1e-13, 1e-14);
        yield return new("Kernel: FillUniform into a transposed view", p =>
        {
            var t = p.Normal(6, 10);
            On(p).FillUniform(t.Transpose(), 35, 9);
            return [t];
        }, Exact, Exact);

        // ---- optimizer: one fused kernel per tensor, bit-equal to the CPU ----
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            string t = dtype.Name();
            foreach (bool adaptive in new[] { true, false })
                yield return new($"Kernel: MomentStep {t} adaptive={adaptive}, strided gradient", p =>
                {
                    var w = p.Normal(37, 5).Cast(dtype);
                    var g = p.Normal(5, 37).Cast(dtype).Transpose();
                    var m = p.Normal(37, 5).Cast(dtype) * 0.1;
                    var v = p.Uniform(0.01, 1, 37, 5).Cast(dtype);
                    On(p).MomentStep(w, g, m, v, new MomentStepFactors(0.9, 0.999, 3e-3, 0.7, 1e-8, adaptive));
                    return [w, m, v];
                }, Exact, Exact);
            yield return new($"Kernel: EmaUpdate {t}", p =>
            {
                var average = p.Normal(41, 3).Cast(dtype);
                On(p).EmaUpdate(average, p.Normal(3, 41).Cast(dtype).Transpose(), 0.9993);
                return [average];
            }, Exact, Exact);
        }
        yield return new("Kernel: RAdam (momentum and rectified steps) and EMA on the device", p =>
        {
            var w = p.Normal(17, 3);
            var average = w.Contiguous(forceCopy: true);
            var optimizer = new RAdam([w], lr: 1e-2);
            var ema = new Ema([w], [average]);
            for (int k = 0; k < 8; k++)
            {
                w.Grad = p.Normal(17, 3);
                optimizer.Update();
                ema.Update(0.9);
            }
            var (m, v) = optimizer.Moments(0);
            return [w, average, m, v];
        }, Exact, Exact);
    }
}
