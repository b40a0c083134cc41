namespace Ect.Autograd;

// Moving tensors between devices. The copy runs on the device side's backend (only it knows both memories); the
// gradient flows back to the source device.
public static partial class TensorOps
{
    /// <summary>The same values on <paramref name="device"/>: x itself when already there (as Cast does for its dtype),
    /// else a contiguous copy. Differentiable: the gradient is moved back.</summary>
    public static Tensor To(this Tensor x, Device device)
    {
        if (x.Device == device) return x;
        var y = Backends.For(device).Empty(x.Shape.AsSpan(), x.DType);
        x.CopyInto(y);
        var from = x.Device;
        return Graph.Record(y, "To", [x], g => [g.To(from)]);
    }

    /// <summary>Writes <paramref name="source"/>'s values into <paramref name="destination"/> (same shape; any devices,
    /// dtypes and strides). Not recorded in the graph: for weights, checkpoints and optimizer state.</summary>
    public static void CopyInto(this Tensor source, Tensor destination) =>
        Backends.For(destination.Device.Kind == DeviceKind.Cpu ? source.Device : destination.Device).Copy(source, destination);

    /// <summary>Moves a leaf tensor (a parameter) to <paramref name="device"/> in place: the same Tensor object now
    /// holds device memory, so a module's fields and an optimizer's parameter list follow it. Its gradient is dropped.</summary>
    public static void MoveTo(this Tensor leaf, Device device)
    {
        if (leaf.Device == device) return;
        using (GradMode.NoGrad())
        {
            var moved = leaf.Contiguous().To(device);
            leaf.AdoptStorage(moved);
            moved.Dispose();
        }
        leaf.Grad = null;
    }
}
