using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Ect.Kernels.Cuda;

/// <summary>A compiled module image: a CUBIN for a real architecture (sm_90), or NUL-terminated PTX for the driver
/// to JIT when NVRTC does not know the GPU.</summary>
internal sealed record CompiledModule(byte[] Image, bool IsCubin, string Log);

/// <summary>The kernel sources compiled into this assembly: every <c>.cu</c> under src/Kernels/Cuda is a module
/// (named by its file name without extension), every <c>.cuh</c> a header any module may include.</summary>
internal static class KernelSources
{
    private const string Prefix = "kernels/";
    private static readonly Lazy<(Dictionary<string, string> Modules, Dictionary<string, string> Headers)> s_all = new(Load);

    public static IReadOnlyDictionary<string, string> Headers => s_all.Value.Headers;
    public static IEnumerable<string> ModuleNames => s_all.Value.Modules.Keys.Order(StringComparer.Ordinal);

    public static string Module(string name) => s_all.Value.Modules.TryGetValue(name, out var source) ? source
        : throw new ArgumentException($"no CUDA kernel module '{name}' (src/Kernels/Cuda/{name}.cu); known: {string.Join(", ", ModuleNames)}", nameof(name));

    private static (Dictionary<string, string>, Dictionary<string, string>) Load()
    {
        var assembly = typeof(KernelSources).Assembly;
        var modules = new Dictionary<string, string>(StringComparer.Ordinal);
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!, Encoding.UTF8);
            string file = resource[Prefix.Length..], text = reader.ReadToEnd();
            if (file.EndsWith(".cu", StringComparison.Ordinal)) modules[file[..^3]] = text;
            else headers[file] = text;
        }
        return (modules, headers);
    }
}

/// <summary>
/// NVRTC compilation with an on-disk cache. The GPU machine starts empty every time, so modules compile lazily, one
/// .cu file at its first launch; the cache (ECT_KERNEL_CACHE, else $XDG_CACHE_HOME/ect/kernels, else
/// ~/.cache/ect/kernels) saves the compile on later runs. The key hashes everything that changes the output.
/// </summary>
internal static unsafe class KernelCompiler
{
    /// <summary>Bump when the compile step itself changes meaning (its fixed options, how images are stored).</summary>
    private const string Salt = "ect-kernel-v1";

    /// <summary>Options every module gets. No --use_fast_math: it would make CPU/GPU parity noisy (GPU.md §3.2).</summary>
    public static IReadOnlyList<string> Options(string arch) => [$"--gpu-architecture={arch}", "--std=c++17", "-lineinfo"];

    public static string CacheDirectory =>
        Environment.GetEnvironmentVariable("ECT_KERNEL_CACHE") is { Length: > 0 } dir ? dir
        : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "ect", "kernels");

    /// <summary>SHA-256 (hex) of the salt, NVRTC version, options (arch included), file name, source and every header.</summary>
    public static string CacheKey(string fileName, string source, IReadOnlyDictionary<string, string> headers,
                                  IReadOnlyList<string> options, string nvrtcVersion)
    {
        var key = new StringBuilder().Append(Salt).Append("\0nvrtc ").Append(nvrtcVersion)
            .Append('\0').AppendJoin('\u0001', options).Append('\0').Append(fileName).Append('\0').Append(source);
        foreach (var (name, body) in headers.OrderBy(h => h.Key, StringComparer.Ordinal))
            key.Append('\0').Append(name).Append('\0').Append(body);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToString())));
    }

    /// <summary>The module's image from the cache, or compiled now and stored (atomically: write a temporary file,
    /// then rename, so concurrent processes never read half an image). A cache that cannot be written is skipped.</summary>
    public static CompiledModule GetOrCompile(string module, string arch)
    {
        string source = KernelSources.Module(module), fileName = module + ".cu";
        var options = Options(arch);
        var headers = KernelSources.Headers;
        string key = CacheKey(fileName, source, headers, options, Nvrtc.VersionText());
        bool cubin = arch.StartsWith("sm_", StringComparison.Ordinal);
        string path = Path.Combine(CacheDirectory, $"{module}-{key[..32]}.{(cubin ? "cubin" : "ptx")}");
        if (File.Exists(path)) return new CompiledModule(File.ReadAllBytes(path), cubin, "(cached)");
        var compiled = Compile(fileName, source, headers, options);
        WriteAtomically(path, compiled.Image);
        return compiled;
    }

    internal static void WriteAtomically(string path, byte[] bytes)
    {
        string temporary = $"{path}.{Environment.ProcessId}.tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temporary); } catch (Exception) { /* nothing was written */ }
        }
    }

    /// <summary>sm_XY when this NVRTC can emit a CUBIN for the device, else PTX for the newest architecture it knows
    /// that the device can run (the driver JITs it).</summary>
    public static string ArchitectureFor(int computeCapability, IReadOnlyCollection<int> supported)
    {
        if (supported.Contains(computeCapability)) return $"sm_{computeCapability}";
        var older = supported.Where(a => a <= computeCapability).ToList();
        if (older.Count == 0)
            throw new CudaUnavailableException($"CUDA not usable: this NVRTC compiles for sm_{supported.Min()} and newer, the GPU is sm_{computeCapability}");
        return $"compute_{older.Max()}";
    }

    /// <summary>Compiles one translation unit; the headers are handed to NVRTC as in-memory files.</summary>
    public static CompiledModule Compile(string fileName, string source, IReadOnlyDictionary<string, string> headers, IReadOnlyList<string> options)
    {
        var strings = new List<nint>();
        byte* Utf8(string s)
        {
            var p = Marshal.StringToCoTaskMemUTF8(s);
            strings.Add(p);
            return (byte*)p;
        }
        try
        {
            var headerList = headers.ToArray();
            var bodies = new nint[headerList.Length];
            var names = new nint[headerList.Length];
            for (int i = 0; i < headerList.Length; i++) { bodies[i] = (nint)Utf8(headerList[i].Value); names[i] = (nint)Utf8(headerList[i].Key); }
            var optionPointers = options.Select(o => (nint)Utf8(o)).ToArray();
            nint program;
            fixed (nint* b = bodies, n = names)
                Nvrtc.Check(Nvrtc.nvrtcCreateProgram(out program, Utf8(source), Utf8(fileName), headerList.Length, (byte**)b, (byte**)n),
                    $"nvrtcCreateProgram({fileName})");
            try
            {
                int result;
                fixed (nint* o = optionPointers) result = Nvrtc.nvrtcCompileProgram(program, optionPointers.Length, (byte**)o);
                string log = ProgramLog(program);
                if (result != 0)
                    throw new KernelCompileException($"{fileName} did not compile ({string.Join(' ', options)}): {Nvrtc.Describe(result)}\n{log}");
                Nvrtc.Check(Nvrtc.nvrtcGetCUBINSize(program, out var cubinSize), "nvrtcGetCUBINSize");   // 0 for compute_XX
                if (cubinSize > 0)
                {
                    var cubin = new byte[(int)cubinSize];
                    fixed (byte* p = cubin) Nvrtc.Check(Nvrtc.nvrtcGetCUBIN(program, p), "nvrtcGetCUBIN");
                    return new CompiledModule(cubin, true, log);
                }
                Nvrtc.Check(Nvrtc.nvrtcGetPTXSize(program, out var ptxSize), "nvrtcGetPTXSize");   // counts the NUL the driver needs
                var ptx = new byte[(int)ptxSize];
                fixed (byte* p = ptx) Nvrtc.Check(Nvrtc.nvrtcGetPTX(program, p), "nvrtcGetPTX");
                return new CompiledModule(ptx, false, log);
            }
            finally { Nvrtc.nvrtcDestroyProgram(ref program); }
        }
        finally
        {
            foreach (var p in strings) Marshal.FreeCoTaskMem(p);
        }
    }

    private static string ProgramLog(nint program)
    {
        if (Nvrtc.nvrtcGetProgramLogSize(program, out var size) != 0 || size == 0) return "";
        var bytes = new byte[(int)size];
        fixed (byte* p = bytes) Nvrtc.nvrtcGetProgramLog(program, p);
        return Encoding.UTF8.GetString(bytes).TrimEnd('\0');
    }
}
