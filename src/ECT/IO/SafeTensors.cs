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

    public static Entry FromTensor(Tensor t) => t.DType == DType.Float32
        ? FromFloats(t.Contiguous().HostSpan<float>().ToArray(), t.Shape.ToArray())
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

    public static (Dictionary<string, Entry> Tensors, Dictionary<string, string> Metadata) Read(string path) =>
        Read(File.ReadAllBytes(path), path);

    /// <summary>Parses a safetensors file already in memory (an embedded resource); <paramref name="path"/> names it
    /// in error messages.</summary>
    public static (Dictionary<string, Entry> Tensors, Dictionary<string, string> Metadata) Read(byte[] bytes, string path)
    {
        if (bytes.Length < 8) throw new InvalidDataException($"{path}: {bytes.Length} bytes is too short for a safetensors file");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > (ulong)(bytes.Length - 8))
            throw new InvalidDataException($"{path}: the header claims {headerLength} bytes but the file has {bytes.Length}; it is truncated or not a safetensors file");
        var tensors = new Dictionary<string, Entry>();
        var metadata = new Dictionary<string, string>();
        int dataStart = 8 + (int)headerLength;
        JsonDocument doc;
        try { doc = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength)); }
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
                long begin = dataStart + offsets[0], end = dataStart + offsets[1];
                if (offsets[0] < 0 || end < begin || end > bytes.Length)
                    throw new InvalidDataException($"{path}: tensor {property.Name} points outside the file; the checkpoint is truncated");
                tensors[property.Name] = new Entry(dtype, shape, bytes[(int)begin..(int)end]);
            }
        return (tensors, metadata);
    }
}
