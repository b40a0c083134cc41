namespace Ect.Datasets;

/// <summary>
/// CIFAR-10 binary batches (data_batch_1.bin … data_batch_5.bin, test_batch.bin): records of 1 label byte followed by
/// 3072 pixel bytes (1024 red, 1024 green, 1024 blue, each 32×32 row-major). A file whose size is not a whole number
/// of records is refused.
/// </summary>
public static class Cifar10Format
{
    public const int RecordBytes = 1 + 3 * 32 * 32;

    public static ImageDataset Read(IReadOnlyList<string> files, string name)
    {
        var pixels = new List<byte>();
        var labels = new List<int>();
        foreach (var path in files)
        {
            var bytes = File.ReadAllBytes(path);
            if (bytes.Length == 0 || bytes.Length % RecordBytes != 0)
                throw new InvalidDataException(
                    $"{path}: {bytes.Length} bytes is not a whole number of CIFAR-10 records ({RecordBytes} bytes each: 1 label + 3×32×32 pixels); " +
                    "the file is truncated or not a CIFAR-10 binary batch (use the 'binary version', not the Python pickles)");
            for (int offset = 0; offset < bytes.Length; offset += RecordBytes)
            {
                int label = bytes[offset];
                if (label > 9) throw new InvalidDataException($"{path}: record {offset / RecordBytes} has label {label}; CIFAR-10 labels are 0–9");
                labels.Add(label);
                pixels.AddRange(bytes.AsSpan(offset + 1, RecordBytes - 1).ToArray());
            }
        }
        return new ImageDataset(name, pixels.ToArray(), labels.Count, 3, 32, 32, labels.ToArray());
    }
}
