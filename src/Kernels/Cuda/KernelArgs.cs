using System.Runtime.CompilerServices;

namespace Ect.Kernels.Cuda;

/// <summary>A CUDA launch size: blocks per grid or threads per block.</summary>
public readonly record struct Dim3(uint X, uint Y = 1, uint Z = 1);

/// <summary>
/// Reusable launch-argument builder: each call appends one kernel parameter with exactly its C size and alignment.
/// cuLaunchKernel takes one pointer per parameter and copies as many bytes from it as the *kernel* declares, so an
/// int must be 4 bytes, a pointer 8 and a by-value struct its exact C layout (GPU.md §2.6, §8.2–8.3). The values live
/// in one growing byte buffer, so a launch allocates nothing once the buffer has reached its working size.
/// </summary>
public sealed class KernelArgs
{
    private byte[] _bytes = new byte[256];
    private int[] _offsets = new int[16];
    private int _used;

    /// <summary>Number of parameters appended since the last <see cref="Clear"/>.</summary>
    public int Count { get; private set; }

    /// <summary>The packed parameter bytes (parameter i starts at <see cref="OffsetOf"/>(i)).</summary>
    public ReadOnlySpan<byte> Bytes => _bytes.AsSpan(0, _used);

    /// <summary>Byte offset of parameter <paramref name="index"/> in <see cref="Bytes"/>.</summary>
    public int OffsetOf(int index) => (uint)index < (uint)Count ? _offsets[index]
        : throw new ArgumentOutOfRangeException(nameof(index), index, $"the builder holds {Count} parameters");

    public KernelArgs Clear()
    {
        _used = 0;
        Count = 0;
        return this;
    }

    /// <summary>A <c>T*</c> kernel parameter: a 64-bit device address.</summary>
    public KernelArgs Ptr(ulong devicePointer) => Append(devicePointer);

    public KernelArgs I32(int v) => Append(v);
    public KernelArgs I64(long v) => Append(v);
    public KernelArgs F32(float v) => Append(v);
    public KernelArgs F64(double v) => Append(v);

    /// <summary>A by-value struct parameter (e.g. a strided-tensor descriptor) in its C layout: declare the C# struct
    /// <c>[StructLayout(LayoutKind.Sequential)]</c> with the C field types, and check its size in a test.</summary>
    public KernelArgs Struct<T>(in T value) where T : unmanaged => Append(value);

    private KernelArgs Append<T>(in T value) where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>(), align = AlignmentOf<T>();
        int offset = (_used + align - 1) & -align;
        if (offset + size > _bytes.Length) Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, offset + size));
        if (Count == _offsets.Length) Array.Resize(ref _offsets, _offsets.Length * 2);
        Unsafe.WriteUnaligned(ref _bytes[offset], value);
        _offsets[Count++] = offset;
        _used = offset + size;
        return this;
    }

    /// <summary>C alignment of an unmanaged type: where a T lands after one byte in a sequential struct.</summary>
    internal static int AlignmentOf<T>() where T : unmanaged
    {
        var probe = default(AlignmentProbe<T>);
        return (int)Unsafe.ByteOffset(ref probe.Pad, ref Unsafe.As<T, byte>(ref probe.Value));
    }

#pragma warning disable CS0649 // the probe is only measured, never filled
    private struct AlignmentProbe<T> where T : unmanaged
    {
        public byte Pad;
        public T Value;
    }
#pragma warning restore CS0649

    /// <summary>Writes the <c>void**</c> array cuLaunchKernel wants: one pointer per parameter into
    /// <paramref name="bytes"/>, which must be this builder's buffer, pinned by the caller for the call.</summary>
    internal unsafe void PointParameters(byte* bytes, void** pointers)
    {
        for (int i = 0; i < Count; i++) pointers[i] = bytes + _offsets[i];
    }

    /// <summary>The buffer behind <see cref="Bytes"/>, for pinning during a launch.</summary>
    internal byte[] Buffer => _bytes;
}
