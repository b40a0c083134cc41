using System.Reflection;
using System.Runtime.InteropServices;

namespace Ect.Kernels.Cuda;

/// <summary>CUDA cannot be used here: no driver, no GPU or no library. The message is one line saying why and
/// where we looked.</summary>
public sealed class CudaUnavailableException(string message) : Exception(message);

/// <summary>
/// Finds NVIDIA's libraries on disk and maps the logical names in our [LibraryImport]s (<see cref="Cuda"/>,
/// <see cref="Nvrtc"/>, …) to them. We search ourselves instead of relying on dlopen so that a failure can list
/// every place tried, so that <c>ECT_CUDA_LIB_DIRS</c> works after process start (glibc reads LD_LIBRARY_PATH only
/// once), and so that NVRTC's builtins library, which NVRTC dlopen()s by bare name, is preloaded by full path
/// (GPU.md §1.2). Search order: ECT_CUDA_LIB_DIRS, LD_LIBRARY_PATH, the driver mount, the toolkit, the pip wheels of
/// $ECT_PY_VENV and /opt/torch/.venv, /usr/lib/x86_64-linux-gnu, then dlopen's default search by soname.
/// CUDA 13 names come before CUDA 12 ones, and are skipped when the driver is older than 13.0.
/// </summary>
public static class CudaLibraries
{
    public const string Cuda = "ect_cuda", Nvrtc = "ect_nvrtc", CublasLt = "ect_cublaslt", Cublas = "ect_cublas";

    /// <summary>The sonames tried per logical name, newest first, with the CUDA major version each needs (0: any).</summary>
    internal static readonly IReadOnlyDictionary<string, (string Soname, int Major)[]> Candidates =
        new Dictionary<string, (string, int)[]>
        {
            [Cuda] = [("libcuda.so.1", 0)],
            // 11.2 is Debian's NVRTC 11.8, usable for compile checks without a GPU.
            [Nvrtc] = [("libnvrtc.so.13", 13), ("libnvrtc.so.12", 12), ("libnvrtc.so.11.2", 11)],
            [CublasLt] = [("libcublasLt.so.13", 13), ("libcublasLt.so.12", 12)],
            [Cublas] = [("libcublas.so.13", 13), ("libcublas.so.12", 12)],
        };

    private static readonly LibraryLocator s_system = new(Environment.GetEnvironmentVariable, useDefaultSearch: true);
    private static int s_installed;

    /// <summary>Routes this assembly's [LibraryImport]s through <see cref="Resolve"/>. Idempotent (a second
    /// SetDllImportResolver on one assembly would throw).</summary>
    public static void Install()
    {
        if (Interlocked.Exchange(ref s_installed, 1) == 0)
            NativeLibrary.SetDllImportResolver(typeof(CudaLibraries).Assembly, Resolve);
    }

    /// <summary>The handle of <paramref name="logical"/>, loading it (and what it needs) on first use.</summary>
    /// <exception cref="CudaUnavailableException">when no candidate loads; the message lists what was tried.</exception>
    public static nint Require(string logical) => s_system.Require(logical);

    /// <summary>CUDA version of the installed driver (13000 for the 580 series); 0 when there is no driver library.</summary>
    public static int DriverVersion => s_system.DriverVersion;

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        Candidates.ContainsKey(name) ? Require(name) : 0;   // 0: not ours, default probing
}

/// <summary>The search behind <see cref="CudaLibraries"/>, with the environment passed in so tests can point it at
/// empty or fake folders.</summary>
internal sealed unsafe class LibraryLocator(Func<string, string?> environment, bool useDefaultSearch)
{
    private readonly Dictionary<string, nint> _handles = [];
    private readonly Dictionary<string, List<string>> _tried = [];
    private int _driverVersion = -1;

    public IEnumerable<string> SearchDirectories()
    {
        foreach (var variable in new[] { "ECT_CUDA_LIB_DIRS", "LD_LIBRARY_PATH" })
            foreach (var dir in (environment(variable) ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                yield return dir;
        if (!useDefaultSearch) yield break;
        yield return "/usr/local/nvidia/lib64";
        yield return "/usr/local/nvidia/lib";
        foreach (var variable in new[] { "CUDA_HOME", "CUDA_PATH" })
            if (environment(variable) is { Length: > 0 } root) yield return Path.Combine(root, "lib64");
        yield return "/usr/local/cuda/lib64";   // never its stubs/ folder: the stub libcuda answers every call with error 34
        foreach (var venv in new[] { environment("ECT_PY_VENV"), "/opt/torch/.venv" })
        {
            var lib = venv is { Length: > 0 } ? Path.Combine(venv, "lib") : null;
            if (lib is null || !Directory.Exists(lib)) continue;
            foreach (var python in Directory.GetDirectories(lib, "python3*").Order(StringComparer.Ordinal))
                foreach (var package in new[] { "cu13", "cublas", "cuda_nvrtc", "cuda_runtime" })
                    yield return Path.Combine(python, "site-packages", "nvidia", package, "lib");
        }
        yield return "/usr/lib/x86_64-linux-gnu";
    }

    public int DriverVersion
    {
        get
        {
            if (_driverVersion >= 0) return _driverVersion;
            int version = 0;
            nint handle = TryLoad(CudaLibraries.Cuda);
            // Legal before cuInit, and answers even when there is no GPU.
            if (handle != 0 && NativeLibrary.TryGetExport(handle, "cuDriverGetVersion", out var function))
                ((delegate* unmanaged<int*, int>)function)(&version);
            return _driverVersion = version;
        }
    }

    public nint Require(string logical)
    {
        nint handle = TryLoad(logical);
        if (handle != 0) return handle;
        var names = string.Join(" / ", CudaLibraries.Candidates[logical].Select(c => c.Soname));
        string driver = logical == CudaLibraries.Cuda ? "" : $" (driver CUDA version {FormatVersion(DriverVersion)})";
        throw new CudaUnavailableException(
            $"CUDA not available: no usable {names}{driver}. Tried: {string.Join(", ", _tried[logical])}. " +
            "Set ECT_CUDA_LIB_DIRS=dir1:dir2 to the folders that hold the CUDA libraries.");
    }

    /// <summary>Loads a library and what it needs first; 0 when no candidate loads. Never throws.</summary>
    public nint TryLoad(string logical)
    {
        lock (_handles)
        {
            if (_handles.TryGetValue(logical, out var cached)) return cached;
            _handles[logical] = 0;   // guards the recursion through DriverVersion
            var tried = _tried[logical] = [];
            if (logical == CudaLibraries.Cublas) TryLoad(CudaLibraries.CublasLt);   // its DT_NEEDED, from the same release
            int driverMajor = logical == CudaLibraries.Cuda ? 0 : DriverVersion / 1000;
            var directories = SearchDirectories().Distinct().ToList();
            foreach (var (soname, major) in CudaLibraries.Candidates[logical])
            {
                if (major != 0 && driverMajor != 0 && major > driverMajor)
                {
                    tried.Add($"{soname} (skipped: needs a CUDA {major} driver)");
                    continue;
                }
                foreach (var dir in directories)
                {
                    var path = Path.Combine(dir, soname);
                    if (!File.Exists(path)) continue;
                    if (logical == CudaLibraries.Nvrtc) PreloadNvrtcBuiltins(dir);
                    if (NativeLibrary.TryLoad(path, out var handle)) return _handles[logical] = handle;
                    tried.Add($"{path} (failed to load)");
                }
                if (useDefaultSearch)
                {
                    if (NativeLibrary.TryLoad(soname, out var handle)) return _handles[logical] = handle;
                    tried.Add($"{soname} (dlopen default search)");
                }
            }
            tried.Insert(0, directories.Count == 0 ? "no folders" : $"the folders {string.Join(":", directories)}");
            return 0;
        }
    }

    // NVRTC dlopen()s "libnvrtc-builtins.so.<major>.<minor>" by bare name at its first compile; a copy already loaded
    // by full path is then found by its soname (GPU.md §1.2, checked with NVRTC 11.8).
    private static void PreloadNvrtcBuiltins(string dir)
    {
        foreach (var file in Directory.EnumerateFiles(dir, "libnvrtc-builtins.so.*").Order(StringComparer.Ordinal))
            if (!file.Contains(".alt.", StringComparison.Ordinal) && NativeLibrary.TryLoad(file, out _)) return;
    }

    internal static string FormatVersion(int version) => version == 0 ? "none" : $"{version / 1000}.{version % 1000 / 10}";
}
