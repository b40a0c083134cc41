using System.Reflection;

namespace Ect.IO;

/// <summary>Files compiled into the `ect` program (the default dataset, the default feature classifier).</summary>
public static class EmbeddedResources
{
    public static byte[] Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing from this build of ect");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
