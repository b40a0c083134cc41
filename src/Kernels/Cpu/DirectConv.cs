using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Ect.Kernels.Cpu;

/// <summary>
/// Stride-1 float32 conv2d (forward and weight gradient) computed straight from a zero-padded copy of each image,
/// with no im2col packing at all.
///
/// The trick: index output pixels by their position in the padded plane, q = oy·Wp + ox (Wp = W + 2·pad). Then the
/// input that tap (ky, kx) of a 3×3 kernel needs for output q is padded[c, q + ky·Wp + kx]: for a fixed tap the
/// inputs of consecutive outputs are consecutive floats. A tile of 32 outputs is therefore two plain vector loads
/// per (channel, tap), whatever the image width, so the micro-kernel reads the image where it lies (26 KB of a
/// 64-channel tile stays in L1 across all output-channel blocks) instead of copying 9× its size into GEMM panels,
/// which cost more than the arithmetic at the U-Net's shapes. The price is Kw − 1 wasted columns per row (2 of 34
/// at 32×32, 2 of 18 at 16×16), computed and dropped.
///
/// Register tile, as in <see cref="PackedGemm"/>: 8 output channels × 32 outputs = 16 zmm accumulators, two loads
/// and eight weight broadcasts per step of the reduction. The weight gradient swaps the roles: rows are
/// (input channel, tap) pairs read as shifted image rows, columns are output channels from a packed, transposed dy.
/// The input gradient of a stride-1 conv is a forward conv with the flipped kernel (see CpuBackend.ImplicitConv.cs).
/// Requires AVX-512 (<see cref="PackedGemm.IsSupported"/>).
/// </summary>
internal static unsafe class DirectConv
{
    private const int MR = 8, NR = 32;
    /// <summary>Longest reduction (channels × taps) per pass; more input channels are split into passes that add
    /// up in the accumulation buffer, so one pass's weights (Cout × 640 floats) stay in L2.</summary>
    private const int MaxReduction = 640;
    /// <summary>Outputs per chunk of the weight gradient's reduction: a 32-column panel of dy (32 KB) stays in L1.</summary>
    private const int WeightGradChunk = 256;

    public static bool Handles(ConvShape s) => s.Stride == 1 && PackedGemm.IsSupported;

    /// <summary>Geometry in padded coordinates.</summary>
    private readonly struct Plan
    {
        public readonly int Wp, Plane, Taps;
        /// <summary>Outputs q = 0 .. Outputs − 1 cover every real output pixel (and the dropped columns between rows).</summary>
        public readonly int Outputs;
        /// <summary>Outputs rounded up to whole 32-wide tiles: the accumulation buffer's row length.</summary>
        public readonly int OutputsPadded;
        /// <summary>Floats in a padded image: the planes plus slack for the last tile's reads past the last plane.</summary>
        public readonly int PaddedLength;
        public readonly int CoutPadded;

        /// <summary>A 1×1 kernel without padding reads each output's own pixel: the image itself is the padded
        /// plane (Wp = W), and every read stays inside it, so it needs no padded copy.</summary>
        public bool ReadsInPlace(ConvShape s) => s.Kh == 1 && s.Kw == 1 && s.Pad == 0;

        public Plan(ConvShape s)
        {
            Wp = s.W + 2 * s.Pad;
            Plane = (s.H + 2 * s.Pad) * Wp;
            Taps = s.Kh * s.Kw;
            Outputs = (s.Ho - 1) * Wp + s.Wo;
            OutputsPadded = RoundUp(Outputs, NR);
            PaddedLength = s.Cin * Plane + NR;
            CoutPadded = RoundUp(s.Cout, MR);
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    /// <summary>Tap t = ky·Kw + kx reads padded[q + ky·Wp + kx].</summary>
    private static int[] TapOffsets(ConvShape s, int wp)
    {
        var offsets = new int[s.Kh * s.Kw];
        for (int ky = 0; ky < s.Kh; ky++)
        for (int kx = 0; kx < s.Kw; kx++) offsets[ky * s.Kw + kx] = ky * wp + kx;
        return offsets;
    }

    /// <summary>y[n] = conv(x[n], w) + bias for every image; x [N, Cin, H, W], w [Cout, Cin, Kh, Kw], y [N, Cout, Ho, Wo].</summary>
    public static void Forward(float* x, float* w, float* bias, float* y, ConvShape s)
    {
        var plan = new Plan(s);
        int reduction = s.Cin * plan.Taps;
        // Weights in 8-row panels, k-major: panel[cb][k·8 + r] = w[cb·8 + r, k] (k = ci·taps + t), zero past Cout.
        float[] packed = BufferPool<float>.Rent(plan.CoutPadded * reduction);
        int[] offsets = TapOffsets(s, plan.Wp);
        fixed (float* wp = packed)
        {
            new MatrixA(w, reduction, transposed: false).Pack(0, 0, s.Cout, reduction, wp);
            float* weights = wp;
            if (s.N >= Threads.Count)
                Threads.For(s.N, 2L * s.Cout * reduction * s.Ho * s.Wo, (from, to) =>
                {
                    using var scratch = new ImageScratch(plan);
                    for (long n = from; n < to; n++) ForwardImage(x, weights, bias, y, n, s, plan, offsets, scratch, parallel: false);
                });
            else
            {
                // Too few images to keep every core busy (sampling one image): split each image's tiles instead.
                using var scratch = new ImageScratch(plan);
                for (long n = 0; n < s.N; n++)
                    ForwardImage(x, weights, bias, y, n, s, plan, offsets, scratch, parallel: true);
            }
        }
        BufferPool<float>.Return(packed);
    }

    /// <summary>A padded image and a [CoutPadded, OutputsPadded] accumulation buffer, from the pool.</summary>
    private readonly struct ImageScratch(Plan plan) : IDisposable
    {
        public readonly float[] Padded = BufferPool<float>.Rent(plan.PaddedLength);
        public readonly float[] Accumulator = BufferPool<float>.Rent(plan.CoutPadded * plan.OutputsPadded);

        public void Dispose()
        {
            BufferPool<float>.Return(Padded);
            BufferPool<float>.Return(Accumulator);
        }
    }

    private static void ForwardImage(float* x, float* weights, float* bias, float* y, long n, ConvShape s, Plan plan,
        int[] offsets, ImageScratch scratch, bool parallel)
    {
        int reduction = s.Cin * plan.Taps, tiles = plan.OutputsPadded / NR;
        int passes = (reduction + MaxReduction - 1) / MaxReduction;
        int channelsPerPass = (s.Cin + passes - 1) / passes;
        float* image = x + n * s.Cin * s.H * s.W, output = y + n * s.Cout * s.Ho * s.Wo;
        // A 1×1 convolution's input is already "padded" and its outputs have no dropped columns: when the tiles and
        // the 8-row blocks fit exactly, read x and accumulate into y where they lie (no copy in, no copy out).
        bool inPlace = plan.ReadsInPlace(s) && plan.Outputs % NR == 0 && s.Cout % MR == 0;
        fixed (float* padded = scratch.Padded, acc = scratch.Accumulator)
        fixed (int* off = offsets)
        {
            if (!inPlace) PadImage(image, s, plan, padded);
            float* pad = inPlace ? image : padded, accumulator = inPlace ? output : acc;
            int ldc = inPlace ? plan.Outputs : plan.OutputsPadded;
            int* tapOffsets = off;
            void Tiles(long from, long to)
            {
                for (int c0 = 0; c0 < s.Cin; c0 += channelsPerPass)
                {
                    int channels = Math.Min(channelsPerPass, s.Cin - c0);
                    for (long tile = from; tile < to; tile++)
                    {
                        int q0 = (int)tile * NR;
                        float* source = pad + (long)c0 * plan.Plane + q0;
                        for (int cb = 0; cb < plan.CoutPadded; cb += MR)
                            ForwardKernel(channels, plan.Taps, tapOffsets, plan.Plane,
                                weights + (long)cb * reduction + c0 * plan.Taps * MR, source,
                                accumulator + (long)cb * ldc + q0, ldc, accumulate: c0 > 0);
                    }
                }
            }
            if (parallel) Threads.For(tiles, 2L * NR * s.Cout * reduction, Tiles);
            else Tiles(0, tiles);
            if (inPlace)
            {
                if (bias is not null)
                    for (int co = 0; co < s.Cout; co++)
                    {
                        var row = new Span<float>(output + (long)co * plan.Outputs, plan.Outputs);
                        TensorPrimitives.Add(row, bias[co], row);
                    }
                return;
            }
            // Drop the wasted columns and add the bias: y[n, co, oy, ·] = acc[co, oy·Wp .. oy·Wp + Wo) + b[co].
            for (int co = 0; co < s.Cout; co++)
            {
                float b = bias is null ? 0 : bias[co];
                for (int oy = 0; oy < s.Ho; oy++)
                {
                    var src = new ReadOnlySpan<float>(accumulator + (long)co * plan.OutputsPadded + oy * plan.Wp, s.Wo);
                    var dst = new Span<float>(output + ((long)co * s.Ho + oy) * s.Wo, s.Wo);
                    if (bias is null) src.CopyTo(dst);
                    else TensorPrimitives.Add(src, b, dst);
                }
            }
        }
    }

    /// <summary>Copies image [Cin, H, W] into [Cin, H + 2p, W + 2p] with zero borders, and zeroes the slack after it.</summary>
    private static void PadImage(float* image, ConvShape s, Plan plan, float* padded)
    {
        int p = s.Pad;
        if (p > 0) new Span<float>(padded, plan.PaddedLength).Clear();
        else new Span<float>(padded + s.Cin * plan.Plane, NR).Clear();
        for (int c = 0; c < s.Cin; c++)
        for (int iy = 0; iy < s.H; iy++)
            new ReadOnlySpan<float>(image + ((long)c * s.H + iy) * s.W, s.W)
                .CopyTo(new Span<float>(padded + (long)c * plan.Plane + (iy + p) * plan.Wp + p, s.W));
    }

    /// <summary>c[r, 0..32) (+)= Σ over channels and taps of a[step, r] · source[channel·plane + offset[tap] + 0..32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardKernel(int channels, int taps, int* offsets, int plane, float* a, float* source, float* c, int ldc, bool accumulate)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int ch = 0; ch < channels; ch++, source += plane)
        for (int t = 0; t < taps; t++, a += MR)
        {
            if (System.Runtime.Intrinsics.X86.Sse.IsSupported)
            {
                // Bring the next channel's copy of this tap's 32 inputs into L1 while this one computes.
                System.Runtime.Intrinsics.X86.Sse.Prefetch0(source + plane + offsets[t]);
                System.Runtime.Intrinsics.X86.Sse.Prefetch0(source + plane + offsets[t] + 16);
            }
            float* b = source + offsets[t];
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> av;
            av = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(av, b0, c00); c01 = Vector512.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(av, b0, c10); c11 = Vector512.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(av, b0, c20); c21 = Vector512.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(av, b0, c30); c31 = Vector512.FusedMultiplyAdd(av, b1, c31);
            av = Vector512.Create(a[4]); c40 = Vector512.FusedMultiplyAdd(av, b0, c40); c41 = Vector512.FusedMultiplyAdd(av, b1, c41);
            av = Vector512.Create(a[5]); c50 = Vector512.FusedMultiplyAdd(av, b0, c50); c51 = Vector512.FusedMultiplyAdd(av, b1, c51);
            av = Vector512.Create(a[6]); c60 = Vector512.FusedMultiplyAdd(av, b0, c60); c61 = Vector512.FusedMultiplyAdd(av, b1, c61);
            av = Vector512.Create(a[7]); c70 = Vector512.FusedMultiplyAdd(av, b0, c70); c71 = Vector512.FusedMultiplyAdd(av, b1, c71);
        }
        PackedGemm.StoreTile(c, ldc, accumulate, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71);
    }

    /// <summary>dw [Cout, Cin, Kh, Kw] = Σ over images of dy[n] ⋆ x[n]: per-core partial sums of dWᵀ (images split
    /// across cores, added in a fixed order), then one transpose.</summary>
    public static void WeightGradient(float* dy, float* x, float* dw, ConvShape s)
    {
        int rows = s.ColRows, columns = RoundUp(s.Cout, NR);
        var transposed = Threads.SumOverChunks<float>(s.N, 2L * s.Cout * rows * s.ColCols, rows * columns,
            (from, to, sum) =>
            {
                fixed (float* partial = sum) AccumulateWeightGradient(dy, x, partial, s, from, to);
            });
        for (int m = 0; m < rows; m++)
        for (int co = 0; co < s.Cout; co++) dw[(long)co * rows + m] = transposed[m * columns + co];
        BufferPool<float>.Return(transposed);
    }

    /// <summary>
    /// Adds Σ over images [from, to) of dy[n] ⋆ x[n] into dwT [Cin·taps, CoutPadded32] (row m = ci·taps + t holds
    /// dW[·, ci, t] transposed): dwT[m, co] += Σ_q padded[ci, q + offset[t]] · dy[co, q] over the outputs q.
    /// </summary>
    private static void AccumulateWeightGradient(float* dy, float* x, float* dwT, ConvShape s, long from, long to)
    {
        var plan = new Plan(s);
        int rows = s.Cin * plan.Taps, coutPanels = RoundUp(s.Cout, NR), outputs = plan.Outputs;
        int[] offsets = TapOffsets(s, plan.Wp);
        float[] paddedArray = BufferPool<float>.Rent(plan.PaddedLength);
        float[] panelArray = BufferPool<float>.Rent(coutPanels * outputs);
        float* tile = stackalloc float[MR * NR];
        float** rowPointers = stackalloc float*[MR];
        fixed (float* padded = paddedArray, panels = panelArray)
            for (long n = from; n < to; n++)
            {
                float* image = x + n * s.Cin * s.H * s.W, source = padded;
                if (plan.ReadsInPlace(s)) source = image;
                else PadImage(image, s, plan, padded);
                PackGradientPanels(dy + n * s.Cout * s.Ho * s.Wo, s, plan, panels);
                for (int q0 = 0; q0 < outputs; q0 += WeightGradChunk)
                {
                    int count = Math.Min(WeightGradChunk, outputs - q0);
                    for (int j = 0; j < coutPanels; j += NR)
                    {
                        float* b = panels + (long)j * outputs + (long)q0 * NR;
                        for (int m0 = 0; m0 < rows; m0 += MR)
                        {
                            int valid = Math.Min(MR, rows - m0);
                            // Rows past the last (channel, tap) repeat row m0; their results go to scratch and are dropped.
                            for (int r = 0; r < MR; r++)
                            {
                                int m = m0 + (r < valid ? r : 0);
                                rowPointers[r] = source + (long)(m / plan.Taps) * plan.Plane + offsets[m % plan.Taps] + q0;
                            }
                            float* c = dwT + (long)m0 * coutPanels + j;
                            if (valid == MR) WeightGradientKernel(count, rowPointers, b, c, coutPanels, accumulate: true);
                            else
                            {
                                WeightGradientKernel(count, rowPointers, b, tile, NR, accumulate: false);
                                PackedGemm.StoreEdgeTile(tile, NR, valid, NR, c, coutPanels, accumulate: true);
                            }
                        }
                    }
                }
            }
        BufferPool<float>.Return(paddedArray);
        BufferPool<float>.Return(panelArray);
    }

    /// <summary>dy[n] [Cout, Ho, Wo] → 32-channel panels [Cout/32][q][32] over q = 0 .. Outputs − 1, zero at the
    /// wasted columns and past Cout, so those outputs add nothing to the weight gradient.</summary>
    private static void PackGradientPanels(float* dy, ConvShape s, Plan plan, float* panels)
    {
        int coutPanels = RoundUp(s.Cout, NR);
        new Span<float>(panels, coutPanels * plan.Outputs).Clear();
        for (int co = 0; co < s.Cout; co++)
        {
            float* panel = panels + (long)(co / NR) * NR * plan.Outputs + co % NR;
            for (int oy = 0; oy < s.Ho; oy++)
            {
                float* src = dy + ((long)co * s.Ho + oy) * s.Wo;
                float* dst = panel + (long)oy * plan.Wp * NR;
                for (int ox = 0; ox < s.Wo; ox++) dst[ox * NR] = src[ox];
            }
        }
    }

    /// <summary>c[r, 0..32) (+)= Σ_p rows[r][p] · b[p·32 .. p·32 + 32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightGradientKernel(int count, float** rows, float* b, float* c, int ldc, bool accumulate)
    {
        float* r0 = rows[0], r1 = rows[1], r2 = rows[2], r3 = rows[3], r4 = rows[4], r5 = rows[5], r6 = rows[6], r7 = rows[7];
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < count; p++, b += NR)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> av;
            av = Vector512.Create(r0[p]); c00 = Vector512.FusedMultiplyAdd(av, b0, c00); c01 = Vector512.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(r1[p]); c10 = Vector512.FusedMultiplyAdd(av, b0, c10); c11 = Vector512.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(r2[p]); c20 = Vector512.FusedMultiplyAdd(av, b0, c20); c21 = Vector512.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(r3[p]); c30 = Vector512.FusedMultiplyAdd(av, b0, c30); c31 = Vector512.FusedMultiplyAdd(av, b1, c31);
            av = Vector512.Create(r4[p]); c40 = Vector512.FusedMultiplyAdd(av, b0, c40); c41 = Vector512.FusedMultiplyAdd(av, b1, c41);
            av = Vector512.Create(r5[p]); c50 = Vector512.FusedMultiplyAdd(av, b0, c50); c51 = Vector512.FusedMultiplyAdd(av, b1, c51);
            av = Vector512.Create(r6[p]); c60 = Vector512.FusedMultiplyAdd(av, b0, c60); c61 = Vector512.FusedMultiplyAdd(av, b1, c61);
            av = Vector512.Create(r7[p]); c70 = Vector512.FusedMultiplyAdd(av, b0, c70); c71 = Vector512.FusedMultiplyAdd(av, b1, c71);
        }
        PackedGemm.StoreTile(c, ldc, accumulate, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71);
    }
}
