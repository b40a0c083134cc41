using System.IO.Compression;

namespace Ect.Datasets;

/// <summary>
/// MNIST / Fashion-MNIST "idx" files (LeCun's format), plain or gzip: a big-endian magic 0x00000803 (unsigned bytes,
/// 3 dimensions) for images or 0x00000801 for labels, the dimension sizes as big-endian int32, then the bytes.
/// Anything else is refused with a message naming the file and what is wrong.
/// </summary>
public static class IdxFormat
{
    public static ImageDataset Read(string imagesPath, string? labelsPath)
    {
        var (imageDims, pixels) = ReadTensor(File.ReadAllBytes(imagesPath), imagesPath, expectedRank: 3);
        int[]? labels = null;
        if (labelsPath is not null)
        {
            var (labelDims, raw) = ReadTensor(File.ReadAllBytes(labelsPath), labelsPath, expectedRank: 1);
            if (labelDims[0] != imageDims[0])
                throw new InvalidDataException(
                    $"{labelsPath}: {labelDims[0]} labels, but {imagesPath} holds {imageDims[0]} images; use the label file that belongs to these images");
            labels = raw.Select(b => (int)b).ToArray();
        }
        return new ImageDataset(Path.GetFileName(imagesPath), pixels, imageDims[0], 1, imageDims[1], imageDims[2], labels);
    }

    /// <summary>Parses one idx file (gzip detected from its first two bytes) into dimensions and bytes.</summary>
    public static (int[] Dims, byte[] Data) ReadTensor(byte[] file, string name, int expectedRank)
    {
        byte[] bytes = file.Length >= 2 && file[0] == 0x1f && file[1] == 0x8b ? Gunzip(file, name) : file;
        if (bytes.Length < 4)
            throw new InvalidDataException($"{name}: {bytes.Length} bytes is too short for an idx file (a 4-byte magic number comes first)");
        if (bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0x08)
            throw new InvalidDataException(
                $"{name}: not an idx file of unsigned bytes (magic {bytes[0]:x2} {bytes[1]:x2} {bytes[2]:x2} {bytes[3]:x2}, expected 00 00 08 0{expectedRank}); " +
                "pass the MNIST/Fashion-MNIST *-idx3-ubyte / *-idx1-ubyte files, plain or .gz");
        int rank = bytes[3];
        if (rank != expectedRank)
            throw new InvalidDataException($"{name}: an idx file with {rank} dimensions where {expectedRank} were expected ({(expectedRank == 3 ? "images" : "labels")})");
        if (bytes.Length < 4 + 4 * rank)
            throw new InvalidDataException($"{name}: truncated header ({bytes.Length} bytes)");
        var dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = (bytes[4 + 4 * i] << 24) | (bytes[5 + 4 * i] << 16) | (bytes[6 + 4 * i] << 8) | bytes[7 + 4 * i];
            if (dims[i] <= 0) throw new InvalidDataException($"{name}: dimension {i} has size {dims[i]}");
            count *= dims[i];
        }
        long expected = 4 + 4L * rank + count;
        if (bytes.Length != expected)
            throw new InvalidDataException(
                $"{name}: the header promises {string.Join("×", dims)} = {count} values ({expected} bytes with the header) but the file has {bytes.Length} bytes" +
                (bytes.Length < expected ? "; it is truncated (re-download or re-extract it)" : ""));
        return (dims, bytes[(4 + 4 * rank)..]);
    }

    private static byte[] Gunzip(byte[] file, string name)
    {
        try
        {
            using var input = new GZipStream(new MemoryStream(file), CompressionMode.Decompress);
            using var output = new MemoryStream();
            input.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{name}: the gzip stream is damaged or truncated ({e.Message})", e);
        }
    }
}
