using Ect.Tests.Numerics;

namespace Ect.Tests.Tensors;

/// <summary>Geometry: strides, views sharing storage, reshape-as-view rules, creation, and the buffer pool.</summary>
public class TensorTests
{
    [Test]
    public void CreationHelpersFillAsDocumented()
    {
        Assert.That(Tensor.Zeros([2, 3]).ToDoubleArray(), Is.All.EqualTo(0));
        Assert.That(Tensor.Ones([4], DType.Float64).ToDoubleArray(), Is.All.EqualTo(1));
        Assert.That(Tensor.Full([2, 2], 2.5).ToDoubleArray(), Is.All.EqualTo(2.5));
        Assert.That(Tensor.Arange(0, 5).ToDoubleArray(), Is.EqualTo(new double[] { 0, 1, 2, 3, 4 }));
        Assert.That(Tensor.Arange(1, 2, 0.25, DType.Float64).ToDoubleArray(), Is.EqualTo(new[] { 1, 1.25, 1.5, 1.75 }));
        var t = Tensor.FromArray([1f, 2, 3, 4, 5, 6], 2, 3);
        Assert.That(t.Strides, Is.EqualTo(new[] { 3, 1 }));
        Assert.That(t.GetDouble(4), Is.EqualTo(5));
        Assert.That(Tensor.Scalar(3).Item(), Is.EqualTo(3));
    }

    [Test]
    public void ViewsShareStorageAndComputeStrides()
    {
        var t = Tensor.Arange(0, 24, 1, DType.Float64).Reshape(2, 3, 4);
        var p = t.Permute(2, 0, 1);
        Assert.That(p.Shape, Is.EqualTo(new[] { 4, 2, 3 }));
        Assert.That(p.Strides, Is.EqualTo(new[] { 1, 12, 4 }));
        Assert.That(p.IsContiguous, Is.False);
        Assert.That(ReferenceEquals(p.Storage, t.Storage), Is.True);
        // element p[3, 1, 2] = t[1, 2, 3] = 1·12 + 2·4 + 3
        Assert.That(p.GetDouble(Naive.Ravel([3, 1, 2], [4, 2, 3])), Is.EqualTo(23));

        var n = t.Narrow(2, 1, 2);
        Assert.That(n.Offset, Is.EqualTo(1));
        Assert.That(n.ToDoubleArray(), Is.EqualTo(new double[] { 1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22 }));
        var stepped = t.Slice(2, 0, null, 3);
        Assert.That(stepped.ToDoubleArray(), Is.EqualTo(new double[] { 0, 3, 4, 7, 8, 11, 12, 15, 16, 19, 20, 23 }));

        var e = Tensor.FromArray([1.0, 2.0, 3.0], 3, 1).Expand(3, 4);
        Assert.That(e.Strides, Is.EqualTo(new[] { 1, 0 }));
        Assert.That(e.ToDoubleArray(), Is.EqualTo(new double[] { 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3 }));

        var u = t.Unsqueeze(1);
        Assert.That(u.Shape, Is.EqualTo(new[] { 2, 1, 3, 4 }));
        Assert.That(u.Squeeze(1).Shape, Is.EqualTo(new[] { 2, 3, 4 }));
        Assert.That(Tensor.Zeros([1, 3, 1]).Squeeze().Shape, Is.EqualTo(new[] { 3 }));
    }

    [Test]
    public void ReshapeIsAViewWhenStridesAllowAndACopyOtherwise()
    {
        var t = Tensor.Arange(0, 24, 1, DType.Float64).Reshape(2, 3, 4);
        Assert.That(View.TryReshape(t, [6, -1])!.Shape, Is.EqualTo(new[] { 6, 4 }));
        // Narrowing the first axis keeps the inner block contiguous: merging the last two axes is still a view.
        var firstRow = t.Narrow(0, 1, 1);
        Assert.That(View.TryReshape(firstRow, [12]), Is.Not.Null);
        // A transposed matrix cannot be flattened without a copy.
        var tr = t.Transpose(1, 2);
        Assert.That(View.TryReshape(tr, [24]), Is.Null);
        var flat = tr.Reshape(24);
        Assert.That(flat.ToDoubleArray(), Is.EqualTo(tr.ToDoubleArray()));
        // Splitting an axis of a permuted tensor is still a view.
        var split = View.TryReshape(tr, [2, 2, 2, 3]);
        Assert.That(split, Is.Not.Null);
        Assert.That(split!.ToDoubleArray(), Is.EqualTo(tr.ToDoubleArray()));
    }

    [Test]
    public void DisposedBuffersReturnToThePoolAndAreReused()
    {
        BufferPool<float>.Clear();
        const int n = 50_000;
        var a = Tensor.Zeros([n]);
        var array = ((HostStorage<float>)a.Storage).Array;
        var view = a.Reshape(100, 500);
        a.Dispose();
        Assert.That(view.ToFloatArray()[0], Is.EqualTo(0), "a view keeps the storage alive");
        view.Dispose();
        Assert.That(() => a.ToFloatArray(), Throws.TypeOf<ObjectDisposedException>());
        var b = Tensor.Empty([n]);
        Assert.That(ReferenceEquals(((HostStorage<float>)b.Storage).Array, array), Is.True, "the released array is handed out again");
    }

    [Test]
    public void TensorScopeDisposesTemporariesButKeepsWhatIsKept()
    {
        Tensor kept, temp;
        using (var scope = TensorScope.Begin())
        {
            var x = Tensor.Ones([10_000]);
            temp = x * 2.0;
            kept = scope.Keep((temp + 1.0).Sum());
        }
        Assert.That(temp.IsDisposed, Is.True);
        Assert.That(kept.IsDisposed, Is.False);
        Assert.That(kept.Item(), Is.EqualTo(30_000));
    }

    [Test]
    public void DeviceParsing()
    {
        Assert.That(Device.Parse("cpu"), Is.EqualTo(Device.Cpu));
        Assert.That(Device.Parse("cuda:1"), Is.EqualTo(Device.Cuda(1)));
        Assert.That(() => Device.Parse("tpu"), Throws.ArgumentException.With.Message.Contains("expected cpu, cuda or cuda:N"));
    }
}
