namespace Ect.Models;

/// <summary>
/// A layer or a network: named parameters plus named child modules, so every parameter has a dotted path
/// ("map_layer0.weight") that matches the PyTorch reference's state-dict names. Train/eval mode switches dropout
/// (and, in the ECT wrapper, the preconditioning) for the whole tree.
/// </summary>
public abstract class Module
{
    private readonly List<(string Name, Tensor Tensor)> _parameters = [];
    private readonly List<(string Name, Module Module)> _children = [];

    public bool IsTraining { get; private set; } = true;

    /// <summary>Registers a trainable tensor under <paramref name="name"/> (marks it RequiresGrad) and returns it.</summary>
    protected Tensor Parameter(string name, Tensor value)
    {
        value.RequiresGrad = true;
        value.Name = name;
        _parameters.Add((name, value));
        return value;
    }

    protected T Child<T>(string name, T module) where T : Module
    {
        _children.Add((name, module));
        return module;
    }

    /// <summary>Every parameter with its full dotted path, depth first in registration order.</summary>
    public IEnumerable<(string Path, Tensor Tensor)> NamedParameters(string prefix = "")
    {
        foreach (var (name, tensor) in _parameters) yield return (prefix + name, tensor);
        foreach (var (name, child) in _children)
            foreach (var p in child.NamedParameters(prefix + name + ".")) yield return p;
    }

    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Tensor);

    public long ParameterCount() => Parameters().Sum(p => p.Count);

    public void Train(bool training = true)
    {
        IsTraining = training;
        foreach (var (_, child) in _children) child.Train(training);
    }

    public void Eval() => Train(false);

    /// <summary>Moves every parameter to <paramref name="device"/> in place (the layers' fields keep pointing at
    /// them) and returns this module.</summary>
    public Module To(Device device)
    {
        foreach (var p in Parameters()) p.MoveTo(device);
        return this;
    }

    /// <summary>Where the parameters live (the CPU for a module without parameters).</summary>
    public Device Device => Parameters().FirstOrDefault()?.Device ?? Device.Cpu;

    /// <summary>Forgets accumulated gradients (call before each backward pass of a training step).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.Grad = null;
    }
}
