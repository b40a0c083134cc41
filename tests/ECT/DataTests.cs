using System.IO.Compression;
using Ect.Datasets;

namespace Ect.Tests.ECT;

/// <summary>Dataset readers: the embedded default, format detection, and clear refusals of malformed files.</summary>
public class DataTests
{
    private string _dir = "";

    [SetUp]
    public void MakeDirectory() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "ect-data-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private static byte[] Idx(int magicRank, int[] dims, int payload, byte fill = 7)
    {
        var bytes = new List<byte> { 0, 0, 8, (byte)magicRank };
        foreach (int d in dims) bytes.AddRange([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        bytes.AddRange(Enumerable.Repeat(fill, payload));
        return bytes.ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest)) gz.Write(data);
        return output.ToArray();
    }

    [Test]
    public void EmbeddedFashionMnistLoadsPaddedTo32()
    {
        var data = DatasetLoader.Load(null);
        Assert.That((data.Count, data.Channels, data.Height, data.Width), Is.EqualTo((10_000, 1, 32, 32)));
        Assert.That(data.Labels!.GroupBy(l => l).Select(g => g.Count()), Is.All.EqualTo(1000), "the test set has 1000 images per class");
        var batch = data.Batch([0, 1, 9_999]).ToFloatArray();
        Assert.That(batch.Min(), Is.GreaterThanOrEqualTo(-1f)); Assert.That(batch.Max(), Is.LessThanOrEqualTo(1f));
        Assert.That(batch.Take(32 * 2), Is.All.EqualTo(-1f), "the two padding rows are pixel 0 = −1");
        Assert.That(batch.Distinct().Count(), Is.GreaterThan(50), "real images, not a constant");
    }

    [Test]
    public void HorizontalFlipMirrorsEachRow()
    {
        var data = DatasetLoader.Load(null);
        var plain = data.Batch([5]).ToFloatArray(); var mirrored = data.Batch([5], [true]).ToFloatArray();
        for (int y = 0; y < 32; y++)
        for (int x = 0; x < 32; x++)
            Assert.That(mirrored[y * 32 + x], Is.EqualTo(plain[y * 32 + 31 - x]));
    }

    [Test]
    public void IdxDirectoryIsDetectedPlainOrGzip()
    {
        File.WriteAllBytes(Path.Combine(_dir, "train-images-idx3-ubyte.gz"), Gzip(Idx(3, [3, 28, 28], 3 * 784)));
        File.WriteAllBytes(Path.Combine(_dir, "train-labels-idx1-ubyte"), Idx(1, [3], 3, fill: 4));
        var data = DatasetLoader.Load(_dir);
        Assert.That((data.Count, data.Height, data.Labels![2]), Is.EqualTo((3, 32, 4)));
    }

    [Test]
    public void CifarBatchesAreDetected()
    {
        var record = new byte[Cifar10Format.RecordBytes]; record[0] = 6; record[1] = 255;
        File.WriteAllBytes(Path.Combine(_dir, "data_batch_1.bin"), record.Concat(record).ToArray());
        var data = DatasetLoader.Load(_dir);
        Assert.That((data.Count, data.Channels, data.Height, data.Labels![1]), Is.EqualTo((2, 3, 32, 6)));
        Assert.That(data.Batch([0]).GetDouble(0), Is.EqualTo(1.0), "pixel 255 → +1");
    }

    [Test]
    public void PngFolderIsDetectedAndStoredAsPlanes()
    {
        var rgb = new byte[4 * 4 * 3];
        for (int p = 0; p < 16; p++) { rgb[3 * p] = 255; rgb[3 * p + 1] = 0; rgb[3 * p + 2] = 128; }
        File.WriteAllBytes(Path.Combine(_dir, "a.png"), Ect.IO.Png.Encode(rgb, 4, 4, 3));
        File.WriteAllBytes(Path.Combine(_dir, "b.png"), Ect.IO.Png.Encode(rgb, 4, 4, 3));
        var data = DatasetLoader.Load(_dir);
        Assert.That((data.Count, data.Channels, data.Height, data.Labels), Is.EqualTo((2, 3, 4, (int[]?)null)));
        var batch = data.Batch([1]).ToDoubleArray();
        Assert.That(batch[..16], Is.All.EqualTo(1.0), "red plane");
        Assert.That(batch[16..32], Is.All.EqualTo(-1.0), "green plane");
    }

    [Test]
    public void PngFolderWithMixedSizesIsRefused()
    {
        File.WriteAllBytes(Path.Combine(_dir, "a.png"), Ect.IO.Png.Encode(new byte[16], 4, 4, 1));
        File.WriteAllBytes(Path.Combine(_dir, "b.png"), Ect.IO.Png.Encode(new byte[25], 5, 5, 1));
        Refused("must have the same size");
    }

    private void Refused(string fragment)
    {
        var ex = Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(_dir))!;
        Assert.That(ex.Message, Does.Contain(fragment));
    }

    [Test]
    public void BadMagicIsRefused()
    {
        File.WriteAllBytes(Path.Combine(_dir, "train-images-idx3-ubyte"), [0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]);
        Refused("not an idx file");
    }

    [Test]
    public void TruncatedImagesAreRefusedNamingTheFile()
    {
        File.WriteAllBytes(Path.Combine(_dir, "train-images-idx3-ubyte"), Idx(3, [10, 28, 28], 784 * 9));
        var ex = Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(_dir))!;
        Assert.That(ex.Message, Does.Contain("train-images-idx3-ubyte").And.Contain("truncated"));
    }

    [Test]
    public void LabelCountMismatchIsRefused()
    {
        File.WriteAllBytes(Path.Combine(_dir, "t10k-images-idx3-ubyte"), Idx(3, [4, 28, 28], 4 * 784));
        File.WriteAllBytes(Path.Combine(_dir, "t10k-labels-idx1-ubyte"), Idx(1, [5], 5));
        Refused("5 labels");
    }

    [Test]
    public void DamagedGzipIsRefused()
    {
        var gz = Gzip(Idx(3, [2, 28, 28], 2 * 784));
        File.WriteAllBytes(Path.Combine(_dir, "train-images-idx3-ubyte.gz"), gz[..(gz.Length / 2)]);
        // .NET's GZipStream returns what it could inflate from a cut-off stream; the size check then names the file.
        Refused("truncated");
    }

    [Test]
    public void CifarOfWrongSizeIsRefused()
    {
        File.WriteAllBytes(Path.Combine(_dir, "data_batch_1.bin"), new byte[Cifar10Format.RecordBytes + 10]);
        Refused("not a whole number of CIFAR-10 records");
    }

    [Test]
    public void EmptyDirectorySaysWhatItExpected() => Refused("no dataset found");
}
