using Ect.IO;

namespace Ect.Datasets;

/// <summary>
/// Finds and reads a dataset: the embedded Fashion-MNIST test set by default, or a directory whose format is
/// detected from its files (idx images + labels, CIFAR-10 binary batches). Every image comes out at a side that
/// divides by the U-Net's levels: 28×28 is padded to 32×32.
/// </summary>
public static class DatasetLoader
{
    public const string EmbeddedName = "fashion-mnist-t10k (embedded)";

    public static ImageDataset Load(string? directory)
    {
        return Padded(directory is null ? LoadEmbedded() : LoadDirectory(directory));
    }

    /// <summary>
    /// The labelled train and test splits of a dataset (for the feature classifier and the evaluation reference):
    /// MNIST/Fashion-MNIST train-* and t10k-* idx files, CIFAR-10 data_batch_* and test_batch.bin. Where a dataset
    /// has no separate test split (the embedded set, a folder with one idx pair) the last fifth of its images is held
    /// out as the test split, always the same images; <c>Note</c> says which case applied. Both come out padded as
    /// <see cref="Load"/> pads.
    /// </summary>
    public static (ImageDataset Train, ImageDataset Test, string Note) LoadSplits(string? directory)
    {
        if (LoadTestSplit(directory) is { } test)
        {
            var train = Load(directory);
            return (train, test, $"train split {train.Name} ({train.Count} images), test split {test.Name} ({test.Count} images)");
        }
        var all = Load(directory);
        int held = all.Count / 5;
        return (all.Take(0, all.Count - held), all.Take(all.Count - held, held),
            $"{all.Name} has no separate test split: images 0..{all.Count - held - 1} train, the last {held} ({all.Count - held}..{all.Count - 1}) are held out as the test split");
    }

    /// <summary>The separate test split of a dataset directory (t10k-* idx files beside train-* ones, or CIFAR-10's
    /// test_batch.bin beside data_batch_*), padded as <see cref="Load"/> pads; null when there is none.</summary>
    public static ImageDataset? LoadTestSplit(string? directory)
    {
        if (directory is null) return null;
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"--data {directory}: no such directory");
        var files = Directory.GetFiles(directory).Select(Path.GetFileName).OfType<string>().ToList();
        string? Find(string prefix) => files.Where(f => f.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).FirstOrDefault();
        if (Find("t10k-images-idx3-ubyte") is { } images && Find("train-images-idx3-ubyte") is not null)
            return Padded(IdxFormat.Read(Path.Combine(directory, images), Find("t10k-labels-idx1-ubyte") is { } l ? Path.Combine(directory, l) : null));
        if (files.Contains("test_batch.bin") && files.Any(f => f.StartsWith("data_batch_", StringComparison.Ordinal)))
            return Cifar10Format.Read([Path.Combine(directory, "test_batch.bin")], "test_batch.bin");
        return null;
    }

    private static ImageDataset Padded(ImageDataset dataset) => dataset.Height == 28 && dataset.Width == 28 ? dataset.Padded(2) : dataset;

    public static ImageDataset LoadEmbedded()
    {
        var (imageDims, pixels) = IdxFormat.ReadTensor(EmbeddedResources.Read("fashion-mnist/t10k-images-idx3-ubyte.gz"), "embedded t10k-images", 3);
        var (_, labels) = IdxFormat.ReadTensor(EmbeddedResources.Read("fashion-mnist/t10k-labels-idx1-ubyte.gz"), "embedded t10k-labels", 1);
        return new ImageDataset(EmbeddedName, pixels, imageDims[0], 1, imageDims[1], imageDims[2], labels.Select(b => (int)b).ToArray());
    }

    public static ImageDataset LoadDirectory(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"--data {directory}: no such directory");
        var files = Directory.GetFiles(directory).Select(Path.GetFileName).OfType<string>().OrderBy(f => f, StringComparer.Ordinal).ToList();

        // MNIST / Fashion-MNIST: prefer the training split when both are present.
        var images = files.Where(f => f.Contains("images-idx3-ubyte")).OrderByDescending(f => f.StartsWith("train")).ToList();
        if (images.Count > 0)
        {
            string imageFile = images[0];
            string prefix = imageFile[..imageFile.IndexOf("images-idx3-ubyte", StringComparison.Ordinal)];
            string? labelFile = files.FirstOrDefault(f => f.StartsWith(prefix + "labels-idx1-ubyte", StringComparison.Ordinal));
            return IdxFormat.Read(Path.Combine(directory, imageFile), labelFile is null ? null : Path.Combine(directory, labelFile));
        }

        // CIFAR-10: the five training batches, else whatever .bin batches are there.
        var batches = files.Where(f => f.StartsWith("data_batch_") && f.EndsWith(".bin")).ToList();
        if (batches.Count == 0) batches = files.Where(f => f.EndsWith(".bin")).ToList();
        if (batches.Count > 0)
            return Cifar10Format.Read(batches.Select(f => Path.Combine(directory, f)).ToList(), Path.GetFileName(directory.TrimEnd('/')));

        // A folder of PNG images, all of one size (grey or RGB; alpha is dropped). No labels.
        var pngs = files.Where(f => f.EndsWith(".png", StringComparison.OrdinalIgnoreCase)).ToList();
        if (pngs.Count > 0) return ReadPngFolder(directory, pngs);

        throw new InvalidDataException(
            $"--data {directory}: no dataset found. Expected MNIST/Fashion-MNIST idx files (*-images-idx3-ubyte[.gz] with " +
            "*-labels-idx1-ubyte[.gz]), CIFAR-10 binary batches (data_batch_*.bin) or a folder of .png images; found " +
            (files.Count == 0 ? "an empty directory" : string.Join(", ", files.Take(8))));
    }

    private static ImageDataset ReadPngFolder(string directory, List<string> files)
    {
        byte[]? pixels = null;
        int width = 0, height = 0, channels = 0;
        for (int i = 0; i < files.Count; i++)
        {
            string path = Path.Combine(directory, files[i]);
            var (interleaved, w, h, c) = IO.Png.Decode(File.ReadAllBytes(path), path);
            if (i == 0)
            {
                (width, height, channels) = (w, h, c);
                pixels = new byte[(long)files.Count * w * h * c];
            }
            else if ((w, h, c) != (width, height, channels))
                throw new InvalidDataException(
                    $"{path}: {w}×{h} with {c} channel(s), but {files[0]} is {width}×{height} with {channels}; every image in the folder must have the same size and colour type");
            // PNG interleaves channels per pixel; the dataset stores planes (CHW).
            for (int p = 0; p < w * h; p++)
                for (int ch = 0; ch < c; ch++)
                    pixels![((long)i * c + ch) * w * h + p] = interleaved[p * c + ch];
        }
        return new ImageDataset(Path.GetFileName(directory.TrimEnd('/')), pixels!, files.Count, channels, height, width, null);
    }
}
