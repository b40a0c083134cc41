using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Ect.Kernels.Cuda;

namespace Ect.Tests.Kernels.Cuda;

/// <summary>
/// What can be checked about the CUDA kernels without a GPU: every kernel name the C# launches exists in its .cu
/// file, every .cu file ships inside the assembly, the op enums and by-value structs agree with their C twins, and the
/// host-side descriptor arithmetic addresses the right elements. (That the kernels compile is .ci/check-cuda-kernels.sh.)
/// </summary>
public class CudaKernelSourceTests
{
    private static readonly string KernelDir = Path.Combine(RepositoryRoot(), "src", "Kernels", "Cuda");

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ECT.sln"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (ECT.sln) above the test directory");
    }

    private static HashSet<string> KernelsIn(string cuFile)
    {
        var source = File.ReadAllText(Path.Combine(KernelDir, cuFile));
        return Regex.Matches(source, @"ECT_KERNEL\s+(?:__launch_bounds__\([^)]*\)\s+)?void\s+(\w+)\s*\(")
            .Select(m => m.Groups[1].Value).ToHashSet();
    }

    [Test]
    public void EveryLaunchedKernelExistsInItsModule()
    {
        var declarations = Directory.GetFiles(KernelDir, "*.cs")
            .SelectMany(f => Regex.Matches(File.ReadAllText(f), @"TypedKernel\s+\w+\s*=\s*new\s*\(\s*""(\w+)""\s*,\s*""(\w+)""\s*\)"))
            .Select(m => (Module: m.Groups[1].Value, Name: m.Groups[2].Value)).ToList();
        Assert.That(declarations, Has.Count.GreaterThanOrEqualTo(25), "the TypedKernel declarations were not found; did their form change?");
        foreach (var (module, name) in declarations)
        {
            Assert.That(File.Exists(Path.Combine(KernelDir, module + ".cu")), $"module {module}.cu does not exist");
            var kernels = KernelsIn(module + ".cu");
            Assert.That(kernels, Does.Contain(name + "_f32").And.Contain(name + "_f64"), $"{module}.cu lacks {name}_f32 or {name}_f64");
        }
    }

    [Test]
    public void KernelsAreLaunchedOnlyThroughTypedKernels()
    {
        // A direct Context.Launch("module", name) would bypass the name check above.
        foreach (var file in Directory.GetFiles(KernelDir, "CudaBackend.*.cs"))
        {
            var text = File.ReadAllText(file);
            int launches = Regex.Matches(text, @"Context\.Launch\(").Count;
            Assert.That(launches, Is.EqualTo(Path.GetFileName(file) == "CudaBackend.Launching.cs" ? 1 : 0), Path.GetFileName(file));
        }
    }

    [Test]
    public void EveryKernelSourceIsEmbedded()
    {
        var resources = typeof(CudaBackend).Assembly.GetManifestResourceNames();
        var sources = Directory.GetFiles(KernelDir, "*.cu").Concat(Directory.GetFiles(KernelDir, "*.cuh")).Select(Path.GetFileName).ToList();
        Assert.That(sources, Has.Count.GreaterThanOrEqualTo(9));
        foreach (var file in sources)
            Assert.That(resources, Does.Contain("kernels/" + file), $"{file} is not embedded in {typeof(CudaBackend).Assembly.GetName().Name}");
    }

    [Test]
    public void OpEnumsMatchTheirCudaTwins()
    {
        static string[] CEnum(string file, string name)
        {
            var m = Regex.Match(File.ReadAllText(Path.Combine(KernelDir, file)), @"enum\s+" + name + @"\s*\{([^}]*)\}");
            Assert.That(m.Success, $"enum {name} not found in {file}");
            return m.Groups[1].Value.Split(',').Select(s => s.Trim()).Where(s => s.Length > 0).ToArray();
        }
        Assert.That(CEnum("elementwise.cu", "UnaryOp"), Is.EqualTo(Enum.GetNames<UnaryOp>()));
        Assert.That(CEnum("elementwise.cu", "BinaryOp"), Is.EqualTo(Enum.GetNames<BinaryOp>()));
        Assert.That(CEnum("reduce.cu", "ReduceOp"), Is.EqualTo(Enum.GetNames<ReduceOp>()));
    }

    // Sizes read off clang-14's PTX for the by-value struct parameters (".param .align 8 .b8 …[112]").
    [TestCase("ConvShape", 40)]
    [TestCase("GroupShape", 16)]
    [TestCase("MomentFactors32", 32)]
    [TestCase("MomentFactors64", 64)]
    public void KernelStructsHaveTheirCLayout(string type, int bytes)
    {
        var t = typeof(CudaBackend).GetNestedType(type, BindingFlags.NonPublic)!;
        Assert.That(t, Is.Not.Null, type);
        Assert.That(Marshal.SizeOf(t), Is.EqualTo(bytes), type);
    }

    [Test]
    public void StridedDescriptorHasTheLayoutOfEctStrided()
    {
        Assert.That(Unsafe.SizeOf<StridedDescriptor>(), Is.EqualTo(112));
        Assert.That(Marshal.OffsetOf<StridedDescriptor>("Stride"), Is.EqualTo((nint)40));
        Assert.That(Marshal.OffsetOf<StridedDescriptor>("Offset"), Is.EqualTo((nint)104));
    }

    // ect_offset of ect_prelude.cuh, transcribed.
    private static unsafe long OffsetOf(StridedDescriptor d, long i)
    {
        long o = d.Offset;
        for (int a = d.Rank - 1; a >= 0; a--)
        {
            long s = d.Shape[a], q = i / s;
            o += (i - q * s) * d.Stride[a];
            i = q;
        }
        return o;
    }

    [Test]
    public void BroadcastDescriptorsAddressTheElementsOfTheView()
    {
        using var scope = TensorScope.Begin();
        var baseTensor = Tensor.Arange(0, 2 * 3 * 4 * 5, dtype: DType.Float32).Reshape([2, 3, 4, 5]);
        Tensor[] views =
        [
            baseTensor,
            baseTensor.Permute([0, 2, 1, 3]),
            View.Narrow(View.Narrow(baseTensor, 3, 1, 3), 1, 1, 2, step: 1),
            View.Expand(View.Narrow(baseTensor, 1, 2, 1), [2, 3, 4, 5]),
            View.Expand(Tensor.Arange(0, 5, dtype: DType.Float32), [2, 3, 4, 5]),
        ];
        foreach (var v in views)
        {
            var shape = v.Shape.ToArray();
            var d = StridedDescriptor.Broadcast(shape, v)[0];
            for (long i = 0; i < v.Count; i++)
                Assert.That(OffsetOf(d, i), Is.EqualTo(v.StorageIndex(i)), $"view {Check.Fmt(shape)} strides {Check.Fmt(v.Strides.AsSpan())}, element {i}");
        }
        // A [5] vector broadcast against [3, 4, 5] from the right, as Binary does.
        var row = Tensor.Arange(0, 5, dtype: DType.Float32);
        var bd = StridedDescriptor.Broadcast([3, 4, 5], row)[0];
        for (long i = 0; i < 60; i++) Assert.That(OffsetOf(bd, i), Is.EqualTo(i % 5));
    }

    [Test]
    public void AxesDescriptorsSplitAReductionIntoRowsAndColumns()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.Arange(0, 2 * 3 * 4, dtype: DType.Float32).Reshape([2, 3, 4]).Permute([2, 0, 1]);   // [4, 2, 3]
        var rows = StridedDescriptor.Axes(x, [1], x.Offset);        // kept axis 1
        var cols = StridedDescriptor.Axes(x, [0, 2], 0);            // reduced axes 0 and 2
        for (int r = 0; r < 2; r++)
        for (int c = 0; c < 12; c++)
        {
            int i0 = c / 3, i2 = c % 3;
            long flat = (i0 * 2 + r) * 3 + i2;
            Assert.That(OffsetOf(rows, r) + OffsetOf(cols, c), Is.EqualTo(x.StorageIndex(flat)));
        }
    }
}
