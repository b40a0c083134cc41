using BenchmarkDotNet.Attributes;

namespace Ect.Bench.Kernels;

/// <summary>A matrix product [M, K]·[K, N]; printed MxNxK, as in the quick table and compare.py.</summary>
public sealed record GemmShape(int M, int N, int K)
{
    public static GemmShape Square(int n) => new(n, n, n);

    /// <summary>The GEMM that a 3×3 convolution Cin→Cout at size×size lowers to, per image (im2col):
    /// weights [Cout, Cin·9] times columns [Cin·9, H·W].</summary>
    public static GemmShape Conv3x3(int cin, int cout, int size) => new(cout, size * size, cin * 9);

    public override string ToString() => $"{M}x{N}x{K}";
}

/// <summary>
/// Matrix products through <c>a.MatMul(b)</c>: square sizes from cache-resident to far beyond L2, then the GEMMs of
/// the U-Net's 3×3 convolutions (short, wide products whose packing overheads show at small K and N).
/// <c>dotnet run -c Release --project bench -- --filter '*GemmBench*'</c>
/// </summary>
public class GemmBench : KernelBench
{
    public static IEnumerable<GemmShape> Shapes =>
    [
        GemmShape.Square(256), GemmShape.Square(512), GemmShape.Square(1024), GemmShape.Square(2048),
        GemmShape.Conv3x3(32, 32, 32), GemmShape.Conv3x3(64, 64, 32), GemmShape.Conv3x3(64, 64, 16), GemmShape.Conv3x3(128, 128, 8),
    ];

    [ParamsSource(nameof(Shapes))] public GemmShape Shape = GemmShape.Square(256);

    private Tensor _a = null!, _b = null!;

    public override string ShapeLabel => Shape.ToString();

    protected override void CreateInputs()
    {
        _a = RandomInput(Shape.M, Shape.K);
        _b = RandomInput(Shape.K, Shape.N);
    }

    public override Work WorkOf(string benchmark) => Work.Gemm(Shape.M, Shape.N, Shape.K);

    [Benchmark]
    public void MatMul() => _a.MatMul(_b).Dispose();

    /// <summary>The AVX2 + FMA kernel that machines without AVX-512 use, called directly (row blocks split across the
    /// cores as MatMul does), so its speed can be seen on any machine.</summary>
    [Benchmark]
    public void MatMulAvx2()
    {
        _avx2Inputs ??= (_a.ToFloatArray(), _b.ToFloatArray(), new float[Shape.M * Shape.N]);   // host arrays, once
        var (ha, hb, c) = _avx2Inputs.Value;
        int m = Shape.M, n = Shape.N, k = Shape.K, rows = (m + Ect.Kernels.Cpu.Threads.Count - 1) / Ect.Kernels.Cpu.Threads.Count;
        Ect.Kernels.Cpu.Threads.For(Ect.Kernels.Cpu.Threads.Count, (long)rows * n * k, (from, to) =>
        {
            for (long t = from; t < to; t++)
            {
                int r0 = (int)t * rows, count = Math.Min(rows, m - r0);
                if (count > 0)
                    Ect.Kernels.Cpu.PackedGemmAvx2.Multiply(count, n, k, ha.AsSpan(r0 * k), k, false, hb, n, false,
                        c.AsSpan(r0 * n), n, accumulate: false);
            }
        });
    }

    private (float[] A, float[] B, float[] C)? _avx2Inputs;
}
