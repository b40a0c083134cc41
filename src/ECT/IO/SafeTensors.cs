using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Ect.IO;

/// <summary>
/// The safetensors format (what Python's safetensors and PyTorch read): an 8-byte little-endian header length, a JSON
/// header mapping each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (plus an optional
/// "__metadata__" object of strings), padded with spaces to a multiple of 8 bytes, then the raw little-endian data.
/// Writes are atomic: a temporary file in the same directory is written, flushed to disk, then renamed over the
/// target, so a crash leaves either the old checkpoint or the new one, never a torn file.
/// </summary>
public static class SafeTensors
{
    public sealed record Entry(string DType, int[] Shape, byte[] Data)
    {
        public float[] ToFloats()
        {
            if (DType != "F32") throw new InvalidDataException($"expected an F32 tensor, found {DType}");
            var values = new float[Data.Length / 4];
            Buffer.BlockCopy(Data, 0, values, 0, Data.Length);
            return values;
        }
    }

    public static Entry FromFloats(float[] values, int[] shape)
    {
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length); // x86-64 and ARM64 are little-endian, as the format
        return new Entry("F32", shape, bytes);
    }

    /// <summary>A float32 tensor's values, from any device (a device tensor is copied to the host).</summary>
    public static Entry FromTensor(Tensor t) => t.DType == DType.Float32
        ? FromFloats(t.Device.Kind == DeviceKind.Cpu ? t.Contiguous().HostSpan<float>().ToArray() : t.ToFloatArray(), t.Shape.ToArray())
        : throw new ArgumentException($"checkpoints hold float32 tensors; got {t.DType.Name()}");

    public static void Write(string path, IReadOnlyDictionary<string, Entry> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var headerStream = new MemoryStream();
        using (var json = new Utf8JsonWriter(headerStream))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) json.WriteString(k, v);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, entry) in tensors)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", entry.DType);
                json.WriteStartArray("shape");
                foreach (int d in entry.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + entry.Data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += entry.Data.Length;
            }
            json.WriteEndObject();
        }
        var header = headerStream.ToArray().ToList();
        while (header.Count % 8 != 0) header.Add((byte)' ');

        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        string temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Count);
            file.Write(length);
            file.Write(header.ToArray());
            foreach (var entry in tensors.Values) file.Write(entry.Data);
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>One tensor's header record: dtype, shape and byte range within the data section.</summary>
    public sealed record HeaderEntry(string DType, int[] Shape, long Begin, long End);

    public static (Dictionary<string, Entry> Tensors, Dictionary<string, string> Metadata) Read(string path) =>
        Read(File.ReadAllBytes(path), path);

    /// <summary>Parses a safetensors file already in memory (an embedded resource); <paramref name="path"/> names it
    /// in error messages.</summary>
    public static (Dictionary<string, Entry> Tensors, Dictionary<string, string> Metadata) Read(byte[] bytes, string path)
    {
        int headerLength = HeaderLength(bytes, bytes.Length, path);
        var (entries, metadata) = ParseHeader(bytes.AsMemory(8, headerLength), path);
        var tensors = new Dictionary<string, Entry>();
        int dataStart = 8 + headerLength;
        foreach (var (name, e) in entries)
        {
            long begin = dataStart + e.Begin, end = dataStart + e.End;
            if (e.Begin < 0 || end < begin || end > bytes.Length)
                throw new InvalidDataException($"{path}: tensor {name} points outside the file; the checkpoint is truncated");
            tensors[name] = new Entry(e.DType, e.Shape, bytes[(int)begin..(int)end]);
        }
        return (tensors, metadata);
    }

    /// <summary>The header alone (tensor names, shapes, metadata), reading only its bytes: cheap even for a
    /// checkpoint of hundreds of megabytes (the training report reads a run's parameter count this way).</summary>
    public static (Dictionary<string, HeaderEntry> Tensors, Dictionary<string, string> Metadata) ReadHeader(string path)
    {
        using var file = File.OpenRead(path);
        var prefix = new byte[8];
        file.ReadExactly(prefix, 0, (int)Math.Min(8, file.Length));
        int headerLength = HeaderLength(prefix, file.Length, path);
        var header = new byte[headerLength];
        file.ReadExactly(header);
        return ParseHeader(header, path);
    }

    private static int HeaderLength(byte[] prefix, long fileLength, string path)
    {
        if (fileLength < 8) throw new InvalidDataException($"{path}: {fileLength} bytes is too short for a safetensors file");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)(fileLength - 8))
            throw new InvalidDataException($"{path}: the header claims {headerLength} bytes but the file has {fileLength}; it is truncated or not a safetensors file");
        return (int)headerLength;
    }

    private static (Dictionary<string, HeaderEntry>, Dictionary<string, string>) ParseHeader(ReadOnlyMemory<byte> json, string path)
    {
        var tensors = new Dictionary<string, HeaderEntry>();
        var metadata = new Dictionary<string, string>();
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: the safetensors header is not valid JSON ({e.Message})", e); }
        using (doc)
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    foreach (var m in property.Value.EnumerateObject()) metadata[m.Name] = m.Value.GetString() ?? "";
                    continue;
                }
                string dtype = property.Value.GetProperty("dtype").GetString() ?? "";
                int[] shape = property.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
                var offsets = property.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                tensors[property.Name] = new HeaderEntry(dtype, shape, offsets[0], offsets[1]);
            }
        return (tensors, metadata);
    }
}
