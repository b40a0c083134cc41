using Ect.Kernels.Cuda;

namespace Ect.Tests.Kernels.Cuda;

/// <summary>The compiled-kernel cache must miss whenever anything that changes the compiled image changes.</summary>
public class KernelCacheTests
{
    private static readonly Dictionary<string, string> Headers = new() { ["ect_prelude.cuh"] = "#pragma once\n" };

    private static string Key(string source = "k", string arch = "sm_90", string version = "13.0",
                              IReadOnlyDictionary<string, string>? headers = null, string file = "elementwise.cu") =>
        KernelCompiler.CacheKey(file, source, headers ?? Headers, KernelCompiler.Options(arch), version);

    [Test]
    public void TheKeyIsStableAndChangesWithEachInput()
    {
        string baseline = Key();
        Assert.That(Key(), Is.EqualTo(baseline));
        Assert.That(baseline, Has.Length.EqualTo(64));
        Assert.That(Key(source: "k2"), Is.Not.EqualTo(baseline), "source");
        Assert.That(Key(arch: "sm_80"), Is.Not.EqualTo(baseline), "architecture");
        Assert.That(Key(version: "12.8"), Is.Not.EqualTo(baseline), "NVRTC version");
        Assert.That(Key(file: "reduce.cu"), Is.Not.EqualTo(baseline), "file name");
        Assert.That(Key(headers: new Dictionary<string, string> { ["ect_prelude.cuh"] = "#pragma once\n// changed\n" }), Is.Not.EqualTo(baseline), "header");
        Assert.That(KernelCompiler.CacheKey("elementwise.cu", "k", Headers, [.. KernelCompiler.Options("sm_90"), "-DTILE=64"], "13.0"),
            Is.Not.EqualTo(baseline), "options");
    }

    [Test]
    public void HeaderOrderDoesNotMatter()
    {
        var a = new Dictionary<string, string> { ["a.cuh"] = "1", ["b.cuh"] = "2" };
        var b = new Dictionary<string, string> { ["b.cuh"] = "2", ["a.cuh"] = "1" };
        Assert.That(Key(headers: a), Is.EqualTo(Key(headers: b)));
    }

    [Test]
    public void TheArchitectureIsACubinWhenNvrtcKnowsTheGpuElsePtxItCanRun()
    {
        Assert.That(KernelCompiler.ArchitectureFor(90, [75, 80, 86, 89, 90]), Is.EqualTo("sm_90"));
        Assert.That(KernelCompiler.ArchitectureFor(100, [75, 80, 90]), Is.EqualTo("compute_90"));
        Assert.Throws<CudaUnavailableException>(() => KernelCompiler.ArchitectureFor(70, [75, 80]));
    }

    [Test]
    public void CacheFilesAreWrittenWhole()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ect-cache-" + Guid.NewGuid().ToString("N"));
        try
        {
            string path = Path.Combine(dir, "m.cubin");
            KernelCompiler.WriteAtomically(path, [1, 2, 3]);
            KernelCompiler.WriteAtomically(path, [4, 5]);
            Assert.That(File.ReadAllBytes(path), Is.EqualTo(new byte[] { 4, 5 }));
            Assert.That(Directory.GetFiles(dir), Has.Length.EqualTo(1), "no temporary files left behind");
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
    }

    [Test]
    public void KernelSourcesAreEmbeddedByFileName()
    {
        // Whatever .cu files exist are modules; an unknown module name is refused with the known ones listed.
        var e = Assert.Throws<ArgumentException>(() => KernelSources.Module("no_such_module"))!;
        Assert.That(e.Message, Does.Contain("no_such_module.cu"));
    }
}
