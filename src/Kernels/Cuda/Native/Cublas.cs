using System.Runtime.InteropServices;

namespace Ect.Kernels.Cuda;

/// <summary>A cuBLAS call failed; the message names the call and cuBLAS's status text.</summary>
public sealed class CublasException(string message) : Exception(message);

/// <summary>
/// cuBLAS, by its real export names: cublasCreate_v2 (there is no cublasCreate), cublasSetStream_v2, … (GPU.md §4.1).
/// Every product goes through cublasGemmStridedBatchedEx with an explicit compute type, so TF32 is used only when
/// asked for. Never run on a GPU yet.
/// </summary>
internal static unsafe partial class Cublas
{
    static Cublas() => CudaLibraries.Install();

    private const string Lib = CudaLibraries.Cublas;

    internal const int OpN = 0, OpT = 1;
    internal const int R32F = 0, R64F = 1;                                      // cudaDataType_t
    internal const int Compute32F = 68, Compute64F = 70, Compute32FFastTF32 = 77; // cublasComputeType_t
    internal const int GemmDefault = -1, DefaultMath = 0;

    [LibraryImport(Lib)] internal static partial int cublasCreate_v2(out nint handle);
    [LibraryImport(Lib)] internal static partial int cublasDestroy_v2(nint handle);
    [LibraryImport(Lib)] internal static partial int cublasSetStream_v2(nint handle, nint stream);
    [LibraryImport(Lib)] internal static partial int cublasSetWorkspace_v2(nint handle, ulong workspace, nuint bytes);
    [LibraryImport(Lib)] internal static partial int cublasSetMathMode(nint handle, int mode);
    [LibraryImport(Lib)] internal static partial byte* cublasGetStatusString(int status);
    [LibraryImport(Lib)] internal static partial int cublasGemmStridedBatchedEx(nint handle, int transa, int transb,
        int m, int n, int k, void* alpha, ulong a, int aType, int lda, long strideA, ulong b, int bType, int ldb, long strideB,
        void* beta, ulong c, int cType, int ldc, long strideC, int batchCount, int computeType, int algo);

    internal static void Check(int status, string call)
    {
        if (status == 0) return;
        string text;
        try { text = Marshal.PtrToStringUTF8((nint)cublasGetStatusString(status)) ?? ""; }
        catch (Exception) { text = ""; }
        throw new CublasException($"{call} failed: {text} ({status})");
    }
}
