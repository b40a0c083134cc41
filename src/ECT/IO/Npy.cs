using System.Text;

namespace Ect.IO;

/// <summary>NumPy's .npy format, version 1.0, for float32 C-order arrays ("&lt;f4"): readable with numpy.load.</summary>
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
}
