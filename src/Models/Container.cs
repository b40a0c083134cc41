namespace Ect.Models;

/// <summary>A named, ordered collection of modules (PyTorch's ModuleDict), so parameter paths read
/// "enc.16x16_block0.conv0.weight" as in the reference.</summary>
public sealed class Container<T> : Module where T : Module
{
    private readonly List<(string Name, T Module)> _items = [];

    public T Add(string name, T module)
    {
        _items.Add((name, Child(name, module)));
        return module;
    }

    public IReadOnlyList<(string Name, T Module)> Items => _items;
}
