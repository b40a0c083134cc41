using System.Text;

namespace Ect.IO;

/// <summary>NumPy's .npy format for C-order arrays: written as version 1.0 float32 ("&lt;f4", readable with numpy.load);
/// read from versions 1–3 as float32 or float64 ("&lt;f8", converted to float32).</summary>
public static class Npy
{
    public static void Write(string path, float[] values, int[] shape)
    {
        string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({string.Join(", ", shape)}{(shape.Length == 1 ? "," : "")}), }}";
        int unpadded = 10 + dict.Length + 1;                       // magic(6) + version(2) + length(2) + dict + '\n'
        string header = dict + new string(' ', (64 - unpadded % 64) % 64) + "\n";
        using var file = File.Create(path);
        file.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        file.Write(BitConverter.GetBytes((ushort)header.Length));
        file.Write(Encoding.ASCII.GetBytes(header));
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        file.Write(bytes);
    }

    public static (float[] Values, int[] Shape) Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such .npy file");
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
            throw new InvalidDataException($"{path}: not a .npy file (no \\x93NUMPY magic); save arrays with numpy.save or `ect sample --out NAME.npy`");
        int major = bytes[6];
        int headerLength = major == 1 ? BitConverter.ToUInt16(bytes, 8) : (int)BitConverter.ToUInt32(bytes, 8);
        int dataStart = (major == 1 ? 10 : 12) + headerLength;
        if (major is < 1 or > 3 || dataStart > bytes.Length)
            throw new InvalidDataException($"{path}: unsupported .npy version {major} or truncated header");
        string header = Encoding.UTF8.GetString(bytes, major == 1 ? 10 : 12, headerLength);
        string Field(string key)
        {
            int at = header.IndexOf($"'{key}':", StringComparison.Ordinal);
            if (at < 0) throw new InvalidDataException($"{path}: the .npy header has no '{key}' ({header.Trim()})");
            return header[(at + key.Length + 3)..].TrimStart();
        }
        string descr = Field("descr");
        bool isFloat32 = descr.StartsWith("'<f4'", StringComparison.Ordinal), isFloat64 = descr.StartsWith("'<f8'", StringComparison.Ordinal);
        if (!isFloat32 && !isFloat64)
            throw new InvalidDataException($"{path}: dtype {descr[..descr.IndexOf(',')]} is not supported; save the array as float32 or float64 (little-endian)");
        if (Field("fortran_order").StartsWith("True", StringComparison.Ordinal))
            throw new InvalidDataException($"{path}: the array is in Fortran order; save it with numpy.ascontiguousarray first");
        string shapeText = Field("shape");
        shapeText = shapeText[1..shapeText.IndexOf(')')];
        int[] shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        long count = shape.Aggregate(1L, (a, b) => a * b);
        int width = isFloat32 ? 4 : 8;
        if (bytes.Length - dataStart != count * width)
            throw new InvalidDataException($"{path}: the header promises shape ({shapeText}) = {count} values but the file holds {(bytes.Length - dataStart) / width}; it is truncated");
        var values = new float[count];
        if (isFloat32) Buffer.BlockCopy(bytes, dataStart, values, 0, (int)count * 4);
        else for (long i = 0; i < count; i++) values[i] = (float)BitConverter.ToDouble(bytes, dataStart + (int)i * 8);
        return (values, shape);
    }
}
