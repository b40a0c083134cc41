namespace Ect.Datasets;

/// <summary>
/// Images kept as bytes (0..255, NCHW) with optional labels; batches come out as float32 in [−1, 1]
/// (u/127.5 − 1, spec §0). 28×28 images are padded to 32×32 with pixel value 0 (−1 after scaling) when asked,
/// so the U-Net's three resolution levels divide evenly.
/// </summary>
public sealed class ImageDataset
{
    private readonly byte[] _pixels;

    public ImageDataset(string name, byte[] pixels, int count, int channels, int height, int width, int[]? labels)
    {
        if ((long)count * channels * height * width != pixels.Length)
            throw new InvalidDataException($"{name}: {pixels.Length} pixel bytes do not make {count} images of {channels}×{height}×{width}");
        if (labels is not null && labels.Length != count)
            throw new InvalidDataException($"{name}: {labels.Length} labels for {count} images; the label and image files must describe the same images");
        Name = name; _pixels = pixels; Count = count; Channels = channels; Height = height; Width = width; Labels = labels;
    }

    public string Name { get; }
    public int Count { get; }
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public int[]? Labels { get; }
    public int PixelsPerImage => Channels * Height * Width;

    /// <summary>The raw bytes of image <paramref name="index"/> (C·H·W values).</summary>
    public ReadOnlySpan<byte> Image(int index) => _pixels.AsSpan(index * PixelsPerImage, PixelsPerImage);

    /// <summary>A copy of images <paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/> − 1
    /// (with their labels).</summary>
    public ImageDataset Take(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > Count)
            throw new ArgumentException($"{Name}: images {start}..{start + count - 1} are outside the {Count} it holds");
        return new ImageDataset(Name, _pixels.AsSpan(start * PixelsPerImage, count * PixelsPerImage).ToArray(), count, Channels, Height, Width,
            Labels?[start..(start + count)]);
    }

    /// <summary>A copy with every image padded by <paramref name="pad"/> pixels of value 0 on each side.</summary>
    public ImageDataset Padded(int pad)
    {
        if (pad == 0) return this;
        int h = Height + 2 * pad, w = Width + 2 * pad;
        var padded = new byte[(long)Count * Channels * h * w];
        for (int n = 0; n < Count; n++)
        for (int c = 0; c < Channels; c++)
        for (int y = 0; y < Height; y++)
        {
            int src = ((n * Channels + c) * Height + y) * Width;
            int dst = ((n * Channels + c) * h + y + pad) * w + pad;
            _pixels.AsSpan(src, Width).CopyTo(padded.AsSpan(dst, Width));
        }
        return new ImageDataset(Name, padded, Count, Channels, h, w, Labels);
    }

    /// <summary>Images <paramref name="indices"/> as a float32 tensor [B, C, H, W] in [−1, 1], each optionally
    /// mirrored left-right when <paramref name="flip"/>[i] is set.</summary>
    public Tensor Batch(ReadOnlySpan<int> indices, ReadOnlySpan<bool> flip = default)
    {
        var batch = Tensor.Empty([indices.Length, Channels, Height, Width]);
        var data = batch.HostSpan<float>();
        for (int i = 0; i < indices.Length; i++)
        {
            var image = Image(indices[i]);
            var target = data.Slice(i * PixelsPerImage, PixelsPerImage);
            bool mirror = !flip.IsEmpty && flip[i];
            for (int row = 0; row < Channels * Height; row++)
            for (int x = 0; x < Width; x++)
                target[row * Width + x] = image[row * Width + (mirror ? Width - 1 - x : x)] / 127.5f - 1f;
        }
        return batch;
    }
}
