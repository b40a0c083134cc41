using System.Runtime.InteropServices;

namespace Ect.Kernels.Cuda;

/// <summary>A kernel source did not compile; the message holds NVRTC's log.</summary>
public sealed class KernelCompileException(string message) : Exception(message);

/// <summary>NVRTC, the runtime compiler (GPU.md §3.1). Needs no GPU: it can be exercised with Debian's NVRTC 11.8.</summary>
internal static unsafe partial class Nvrtc
{
    static Nvrtc() => CudaLibraries.Install();

    private const string Lib = CudaLibraries.Nvrtc;

    [LibraryImport(Lib)] internal static partial int nvrtcVersion(out int major, out int minor);
    [LibraryImport(Lib)] internal static partial int nvrtcGetNumSupportedArchs(out int count);
    [LibraryImport(Lib)] internal static partial int nvrtcGetSupportedArchs(int* archs);
    [LibraryImport(Lib)] internal static partial int nvrtcCreateProgram(out nint program, byte* source, byte* name,
        int numHeaders, byte** headers, byte** includeNames);
    [LibraryImport(Lib)] internal static partial int nvrtcCompileProgram(nint program, int numOptions, byte** options);
    [LibraryImport(Lib)] internal static partial int nvrtcDestroyProgram(ref nint program);
    [LibraryImport(Lib)] internal static partial int nvrtcGetProgramLogSize(nint program, out nuint size);
    [LibraryImport(Lib)] internal static partial int nvrtcGetProgramLog(nint program, byte* log);
    [LibraryImport(Lib)] internal static partial int nvrtcGetPTXSize(nint program, out nuint size);
    [LibraryImport(Lib)] internal static partial int nvrtcGetPTX(nint program, byte* ptx);
    [LibraryImport(Lib)] internal static partial int nvrtcGetCUBINSize(nint program, out nuint size);
    [LibraryImport(Lib)] internal static partial int nvrtcGetCUBIN(nint program, byte* cubin);
    [LibraryImport(Lib)] internal static partial byte* nvrtcGetErrorString(int result);

    internal static string Describe(int result)
    {
        try { return $"{Marshal.PtrToStringUTF8((nint)nvrtcGetErrorString(result))} ({result})"; }
        catch (Exception) { return $"nvrtcResult {result}"; }
    }

    internal static void Check(int result, string call)
    {
        if (result != 0) throw new KernelCompileException($"{call} failed: {Describe(result)}");
    }

    /// <summary>"13.0": part of the kernel cache key.</summary>
    internal static string VersionText()
    {
        Check(nvrtcVersion(out int major, out int minor), nameof(nvrtcVersion));
        return $"{major}.{minor}";
    }

    /// <summary>The architectures this NVRTC can compile for (35 … 90 for 11.8; 75 … for 13.x).</summary>
    internal static int[] SupportedArchitectures()
    {
        Check(nvrtcGetNumSupportedArchs(out int count), nameof(nvrtcGetNumSupportedArchs));
        var archs = new int[count];
        fixed (int* p = archs) Check(nvrtcGetSupportedArchs(p), nameof(nvrtcGetSupportedArchs));
        return archs;
    }
}
