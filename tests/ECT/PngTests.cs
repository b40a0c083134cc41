using Ect.IO;

namespace Ect.Tests.ECT;

public class PngTests
{
    [TestCase(1)]
    [TestCase(3)]
    public void EncodeThenDecodeIsLossless(int channels)
    {
        var rng = new Random(channels);
        int w = 37, h = 11;
        var pixels = new byte[w * h * channels];
        rng.NextBytes(pixels);
        var (decoded, dw, dh, dc) = Png.Decode(Png.Encode(pixels, w, h, channels));
        Assert.That((dw, dh, dc), Is.EqualTo((w, h, channels)));
        Assert.That(decoded, Is.EqualTo(pixels));
    }

    [Test]
    public void CrcMatchesTheStandardCheckValue() =>
        Assert.That(Png.Crc32("123456789"u8), Is.EqualTo(0xCBF43926u));

    [Test]
    public void DamagedFileIsRefused()
    {
        var png = Png.Encode(new byte[16], 4, 4, 1);
        png[^20] ^= 0xFF;
        Assert.That(() => Png.Decode(png, "x.png"), Throws.TypeOf<InvalidDataException>().With.Message.Contains("x.png"));
    }

    [Test]
    public void ByteConversionRoundTripsAllLevels()
    {
        // Pitfall 22: u/127.5 − 1 in, clamp(x·127.5 + 128) truncated out: identity on all 256 levels.
        for (int u = 0; u < 256; u++) Assert.That(Png.ToByte((float)(u / 127.5 - 1)), Is.EqualTo(u));
        Assert.That(Png.ToByte(5), Is.EqualTo(255)); Assert.That(Png.ToByte(-5), Is.EqualTo(0));
    }

    [Test]
    public void GridTilesImages()
    {
        var images = Tensor.FromArray(Enumerable.Range(0, 3 * 4).Select(i => i < 4 ? -1f : i < 8 ? 0f : 1f).ToArray(), 3, 1, 2, 2);
        var (pixels, w, h, c) = Png.Decode(Png.Grid(images, 2));
        Assert.That((w, h, c), Is.EqualTo((4, 4, 1)));
        Assert.That(pixels[0], Is.EqualTo(0)); Assert.That(pixels[2], Is.EqualTo(128)); Assert.That(pixels[8], Is.EqualTo(255));
        Assert.That(pixels[10], Is.EqualTo(0), "the unused fourth tile stays black");
    }
}
