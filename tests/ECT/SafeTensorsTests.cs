using System.Buffers.Binary;
using Ect.IO;

namespace Ect.Tests.ECT;

public class SafeTensorsTests
{
    [Test]
    public void RoundTripIsBitExactAndHeaderIsAligned()
    {
        string path = Path.Combine(Path.GetTempPath(), $"ect-{Guid.NewGuid():N}.safetensors");
        try
        {
            var a = new[] { 1.5f, float.NaN, -0f, float.Epsilon, 3e38f, -2.25f };
            var tensors = new Dictionary<string, SafeTensors.Entry>
            {
                ["model.enc.32x32_conv.weight"] = SafeTensors.FromFloats(a, [2, 3]),
                ["step"] = SafeTensors.FromFloats([7f], [1]),
            };
            SafeTensors.Write(path, tensors, new Dictionary<string, string> { ["config"] = "{\"name\":\"tiny\"}" });
            var bytes = File.ReadAllBytes(path);
            Assert.That(BinaryPrimitives.ReadUInt64LittleEndian(bytes) % 8, Is.EqualTo(0), "header padded to 8 bytes");
            var (read, meta) = SafeTensors.Read(path);
            Assert.That(meta["config"], Is.EqualTo("{\"name\":\"tiny\"}"));
            var back = read["model.enc.32x32_conv.weight"];
            Assert.That(back.Shape, Is.EqualTo(new[] { 2, 3 }));
            Assert.That(back.Data, Is.EqualTo(tensors["model.enc.32x32_conv.weight"].Data), "bit-exact, NaN and −0 included");
            Assert.That(Directory.GetFiles(Path.GetTempPath(), $".{Path.GetFileName(path)}*"), Is.Empty, "no temporary file left behind");
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void TruncatedFileIsRefused()
    {
        string path = Path.Combine(Path.GetTempPath(), $"ect-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafeTensors.Write(path, new Dictionary<string, SafeTensors.Entry> { ["w"] = SafeTensors.FromFloats(new float[100], [100]) });
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..^40]);
            Assert.That(() => SafeTensors.Read(path), Throws.TypeOf<InvalidDataException>().With.Message.Contains("truncated"));
        }
        finally { File.Delete(path); }
    }
}
