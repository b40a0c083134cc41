using Ect.Kernels.Cuda;

namespace Ect.Tests.Kernels.Cuda;

/// <summary>The library search's failure paths, which every machine without a GPU takes: they must say what was
/// looked for and where, in one line.</summary>
public class CudaLibrariesTests
{
    private string _dir = "";

    [SetUp]
    public void MakeDir() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "ect-libs-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void RemoveDir() => Directory.Delete(_dir, recursive: true);

    private LibraryLocator OnlyOverride() => new(name => name == "ECT_CUDA_LIB_DIRS" ? _dir : null, useDefaultSearch: false);

    [Test]
    public void AnEmptyOverrideFolderIsReportedWithTheLibraryAndTheFolder()
    {
        var locator = OnlyOverride();
        Assert.That(locator.TryLoad(CudaLibraries.Cuda), Is.EqualTo((nint)0));
        var e = Assert.Throws<CudaUnavailableException>(() => locator.Require(CudaLibraries.Cuda))!;
        Assert.That(e.Message, Does.StartWith("CUDA not available: no usable libcuda.so.1"));
        Assert.That(e.Message, Does.Contain(_dir));
        Assert.That(e.Message, Does.Contain("ECT_CUDA_LIB_DIRS"));
        Assert.That(e.Message, Does.Not.Contain('\n'));
    }

    [Test]
    public void ToolkitLibrariesListEveryVersionTriedNewestFirst()
    {
        var e = Assert.Throws<CudaUnavailableException>(() => OnlyOverride().Require(CudaLibraries.Nvrtc))!;
        Assert.That(e.Message, Does.Contain("libnvrtc.so.13 / libnvrtc.so.12"));
        Assert.That(e.Message, Does.Contain("driver CUDA version none"));
    }

    [Test]
    public void AFileThatIsNotALibraryIsNamedAsFailedToLoad()
    {
        string fake = Path.Combine(_dir, "libcuda.so.1");
        File.WriteAllText(fake, "not an ELF file");
        var e = Assert.Throws<CudaUnavailableException>(() => OnlyOverride().Require(CudaLibraries.Cuda))!;
        Assert.That(e.Message, Does.Contain($"{fake} (failed to load)"));
    }

    [Test]
    public void SearchOrderPutsTheOverrideFirstAndNeverTheStubs()
    {
        var env = new Dictionary<string, string?> { ["ECT_CUDA_LIB_DIRS"] = "/a:/b", ["LD_LIBRARY_PATH"] = "/c", ["CUDA_HOME"] = "/opt/cuda" };
        var dirs = new LibraryLocator(n => env.GetValueOrDefault(n), useDefaultSearch: true).SearchDirectories().ToList();
        Assert.That(dirs.Take(3), Is.EqualTo(new[] { "/a", "/b", "/c" }));
        Assert.That(dirs, Does.Contain("/usr/local/nvidia/lib64"));
        Assert.That(dirs.IndexOf("/opt/cuda/lib64"), Is.LessThan(dirs.IndexOf("/usr/local/cuda/lib64")));
        Assert.That(dirs, Has.None.Contains("stubs"));
        Assert.That(dirs.Last(), Is.EqualTo("/usr/lib/x86_64-linux-gnu"));
    }

    [Test]
    public void Cuda13IsTriedBeforeCuda12()
    {
        foreach (var name in new[] { CudaLibraries.Nvrtc, CudaLibraries.Cublas, CudaLibraries.CublasLt })
        {
            var majors = CudaLibraries.Candidates[name].Select(c => c.Major).ToArray();
            Assert.That(majors, Is.Ordered.Descending, name);
            Assert.That(majors[0], Is.EqualTo(13), name);
        }
    }
}
