using System.Buffers.Binary;
using System.IO.Compression;

namespace Ect.IO;

/// <summary>
/// A small PNG codec on the framework's zlib: writes 8-bit grey or RGB images (filter 0 per row), and reads
/// non-interlaced 8-bit grey, grey+alpha, RGB and RGBA images with any of the five row filters (alpha dropped).
/// Enough for sample grids and for a folder-of-images dataset; not a general-purpose PNG library.
/// </summary>
public static class Png
{
    private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>Encodes <paramref name="pixels"/> (row-major, interleaved channels, 1 = grey, 3 = RGB).</summary>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        if (channels is not (1 or 3)) throw new ArgumentException($"PNG: {channels} channels; only grey (1) and RGB (3) are written");
        if (pixels.Length != width * height * channels)
            throw new ArgumentException($"PNG: {pixels.Length} bytes for a {width}×{height}×{channels} image");
        using var output = new MemoryStream();
        output.Write(Signature);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; header[9] = (byte)(channels == 1 ? 0 : 2); // bit depth 8; colour type grey or truecolour
        WriteChunk(output, "IHDR", header);
        using (var raw = new MemoryStream())
        {
            using (var z = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
                for (int y = 0; y < height; y++)
                {
                    z.WriteByte(0); // filter type 0 (None)
                    z.Write(pixels.Slice(y * width * channels, width * channels));
                }
            WriteChunk(output, "IDAT", raw.ToArray());
        }
        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    /// <summary>Decodes to (pixels, width, height, channels) with channels 1 or 3.</summary>
    public static (byte[] Pixels, int Width, int Height, int Channels) Decode(byte[] file, string name = "image")
    {
        if (file.Length < 8 || !file.AsSpan(0, 8).SequenceEqual(Signature))
            throw new InvalidDataException($"{name}: not a PNG file (bad signature)");
        int width = 0, height = 0, colourType = -1;
        using var idat = new MemoryStream();
        int at = 8;
        while (at + 12 <= file.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(at));
            string type = System.Text.Encoding.ASCII.GetString(file, at + 4, 4);
            if (length < 0 || at + 12 + length > file.Length) throw new InvalidDataException($"{name}: truncated PNG chunk {type}");
            var data = file.AsSpan(at + 8, length);
            if (Crc32(file.AsSpan(at + 4, 4 + length)) != BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(at + 8 + length)))
                throw new InvalidDataException($"{name}: PNG chunk {type} fails its CRC check (the file is damaged)");
            switch (type)
            {
                case "IHDR":
                    width = BinaryPrimitives.ReadInt32BigEndian(data); height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    colourType = data[9];
                    if (data[8] != 8 || data[12] != 0 || colourType is not (0 or 2 or 4 or 6))
                        throw new InvalidDataException($"{name}: only non-interlaced 8-bit grey/RGB(A) PNGs are supported (bit depth {data[8]}, colour type {data[9]}, interlace {data[12]})");
                    break;
                case "IDAT": idat.Write(data); break;
            }
            at += 12 + length;
            if (type == "IEND") break;
        }
        if (colourType < 0) throw new InvalidDataException($"{name}: PNG without an IHDR chunk");
        int inChannels = colourType switch { 0 => 1, 4 => 2, 2 => 3, _ => 4 };
        int stride = width * inChannels;
        var raw = new byte[(long)height * (stride + 1)];
        idat.Position = 0;
        using (var z = new ZLibStream(idat, CompressionMode.Decompress))
        {
            int read = 0, n;
            while (read < raw.Length && (n = z.Read(raw, read, raw.Length - read)) > 0) read += n;
            if (read != raw.Length) throw new InvalidDataException($"{name}: PNG image data is truncated ({read} of {raw.Length} bytes)");
        }
        var rows = new byte[height * stride];
        for (int y = 0; y < height; y++)
        {
            int filter = raw[y * (stride + 1)];
            var src = raw.AsSpan(y * (stride + 1) + 1, stride);
            var row = rows.AsSpan(y * stride, stride);
            var prev = y > 0 ? rows.AsSpan((y - 1) * stride, stride) : Span<byte>.Empty;
            for (int i = 0; i < stride; i++)
            {
                int a = i >= inChannels ? row[i - inChannels] : 0, b = prev.IsEmpty ? 0 : prev[i];
                int c = i >= inChannels && !prev.IsEmpty ? prev[i - inChannels] : 0;
                int predictor = filter switch
                {
                    0 => 0, 1 => a, 2 => b, 3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"{name}: unknown PNG row filter {filter}"),
                };
                row[i] = (byte)(src[i] + predictor);
            }
        }
        int outChannels = inChannels >= 3 ? 3 : 1;
        var pixels = new byte[width * height * outChannels];
        for (int p = 0; p < width * height; p++)
            for (int ch = 0; ch < outChannels; ch++) pixels[p * outChannels + ch] = rows[p * inChannels + ch];
        return (pixels, width, height, outChannels);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        var typed = new byte[4 + data.Length];
        System.Text.Encoding.ASCII.GetBytes(type, typed);
        data.CopyTo(typed.AsSpan(4));
        output.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typed));
        output.Write(word);
    }

    private static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    /// <summary>The CRC-32 of PNG (ISO 3309 / ITU-T V.42), over chunk type and data.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in data) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }

    /// <summary>Images in [−1, 1] (float tensor [N, C, H, W]) → bytes by the reference's rule
    /// u = clamp(x·127.5 + 128, 0, 255) truncated, tiled into a grid of <paramref name="columns"/> columns.</summary>
    public static byte[] Grid(Tensor images, int columns)
    {
        int n = images.Dim(0), c = images.Dim(1), h = images.Dim(2), w = images.Dim(3);
        int rowsOfTiles = (n + columns - 1) / columns;
        int gw = columns * w, gh = rowsOfTiles * h;
        var pixels = new byte[gw * gh * c];
        var values = images.ToDoubleArray();
        for (int i = 0; i < n; i++)
        for (int ch = 0; ch < c; ch++)
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            double v = values[((i * c + ch) * h + y) * w + x];
            int gx = i % columns * w + x, gy = i / columns * h + y;
            pixels[(gy * gw + gx) * c + ch] = ToByte(v);
        }
        return Encode(pixels, gw, gh, c);
    }

    /// <summary>[−1, 1] → 0..255: clamp(x·127.5 + 128, 0, 255), truncated toward zero (spec §5.1).</summary>
    public static byte ToByte(double x) => double.IsNaN(x) ? (byte)0 : (byte)Math.Clamp(x * 127.5 + 128, 0, 255);
}
