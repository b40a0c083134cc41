using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ect.Kernels.Cuda;

namespace Ect.Tests.Kernels.Cuda;

/// <summary>cuLaunchKernel copies as many bytes per parameter as the kernel declares, so each argument must have its
/// C size and alignment exactly (GPU.md §8.2–8.3).</summary>
public class KernelArgsTests
{
    // The shape of a strided-tensor descriptor as a kernel would declare it:
    // struct { int rank; int shape[6]; long long stride[6]; long long offset; } — 4 + 24, padded to 32, + 48 + 8 = 88 bytes.
    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct Descriptor
    {
        public int Rank;
        public fixed int Shape[6];
        public fixed long Stride[6];
        public long Offset;
    }

    [Test]
    public void ScalarsTakeTheirCSizeAtTheirCAlignment()
    {
        var args = new KernelArgs().I32(7).Ptr(0x1234_5678_9abc).F32(1.5f).F64(2.25).I32(-1).I64(-2);
        Assert.That(args.Count, Is.EqualTo(6));
        Assert.That(Enumerable.Range(0, 6).Select(args.OffsetOf), Is.EqualTo(new[] { 0, 8, 16, 24, 32, 40 }));
        Assert.That(args.Bytes.Length, Is.EqualTo(48));
        var bytes = args.Bytes.ToArray();
        Assert.That(BitConverter.ToInt32(bytes, 0), Is.EqualTo(7));
        Assert.That(BitConverter.ToUInt64(bytes, 8), Is.EqualTo(0x1234_5678_9abcUL));
        Assert.That(BitConverter.ToSingle(bytes, 16), Is.EqualTo(1.5f));
        Assert.That(BitConverter.ToDouble(bytes, 24), Is.EqualTo(2.25));
        Assert.That(BitConverter.ToInt64(bytes, 40), Is.EqualTo(-2));
    }

    [Test]
    public void FourByteParametersPackTightly()
    {
        var args = new KernelArgs().I32(1).F32(2).I32(3);
        Assert.That(Enumerable.Range(0, 3).Select(args.OffsetOf), Is.EqualTo(new[] { 0, 4, 8 }));
    }

    [Test]
    public unsafe void AStructKeepsItsCLayoutAndAlignment()
    {
        Assert.That(sizeof(Descriptor), Is.EqualTo(88));
        Assert.That(KernelArgs.AlignmentOf<Descriptor>(), Is.EqualTo(8));
        Assert.That(KernelArgs.AlignmentOf<int>(), Is.EqualTo(4));
        Assert.That(KernelArgs.AlignmentOf<double>(), Is.EqualTo(8));
        Assert.That(KernelArgs.AlignmentOf<byte>(), Is.EqualTo(1));
        var d = new Descriptor { Rank = 3, Offset = 99 };
        d.Shape[2] = 5;
        d.Stride[1] = -4;
        var args = new KernelArgs().I32(1).Struct(d).F32(3);
        Assert.That(args.OffsetOf(1), Is.EqualTo(8));
        Assert.That(args.OffsetOf(2), Is.EqualTo(96));
        var bytes = args.Bytes.ToArray();
        Assert.That(BitConverter.ToInt32(bytes, 8), Is.EqualTo(3));
        Assert.That(BitConverter.ToInt32(bytes, 8 + 4 + 2 * 4), Is.EqualTo(5));
        Assert.That(BitConverter.ToInt64(bytes, 8 + 32 + 8), Is.EqualTo(-4));
        Assert.That(BitConverter.ToInt64(bytes, 8 + 80), Is.EqualTo(99));
    }

    [Test]
    public void ClearingReusesTheBuilder()
    {
        var args = new KernelArgs();
        for (int i = 0; i < 100; i++) args.Ptr((ulong)i);   // grows past the initial buffer
        args.Clear().I32(5);
        Assert.That(args.Count, Is.EqualTo(1));
        Assert.That(args.Bytes.Length, Is.EqualTo(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => args.OffsetOf(1));
    }

    [Test]
    public unsafe void ParameterPointersPointAtEachValue()
    {
        var args = new KernelArgs().I32(11).Ptr(22).F32(3);
        void** pointers = stackalloc void*[3];
        fixed (byte* b = args.Buffer)
        {
            args.PointParameters(b, pointers);
            Assert.That(*(int*)pointers[0], Is.EqualTo(11));
            Assert.That(*(ulong*)pointers[1], Is.EqualTo(22UL));
            Assert.That(*(float*)pointers[2], Is.EqualTo(3f));
        }
    }
}
