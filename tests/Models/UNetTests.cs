using Ect.Models;
using Ect.Tests.Numerics;

namespace Ect.Tests.Models;

/// <summary>The DDPM++ U-Net: parameter counts and FLOPs against spec §6.6–6.8 and §7.1, reference parameter
/// names, the embedding's layout, gradients through the whole network, and dropout-mask replay.</summary>
public class UNetTests
{
    // Exact counts from the spec ([calc] rows of §6.6 and §7.1).
    [TestCase("cifar10-ddpmpp", 55_732_739L, 42.38)]
    [TestCase("fmnist-small", 1_752_993L, 0.901)]
    [TestCase("tiny", 12_393L, 0.000614)]
    public void ParameterCountAndFlopsMatchTheSpec(string name, long parameters, double gflops)
    {
        var net = new UNet(UNetConfig.ByName(name), new Rng(0));
        Assert.That(net.ParameterCount(), Is.EqualTo(parameters));
        // The spec rounds GFLOP to 3–4 significant digits.
        Assert.That(net.FlopsPerImage() / 1e9, Is.EqualTo(gflops).Within(gflops * 0.002));
    }

    [Test]
    public void CheaperFashionMnistVariantsMatchTheSpec()
    {
        Assert.That(new UNet(UNetConfig.FmnistSmall with { NumBlocks = 1 }, new Rng(0)).ParameterCount(), Is.EqualTo(1_259_393));
        Assert.That(new UNet(UNetConfig.FmnistSmall with { ModelChannels = 16 }, new Rng(0)).ParameterCount(), Is.EqualTo(441_297));
    }

    [Test]
    public void ParameterPathsFollowTheReferenceStateDict()
    {
        var names = new UNet(UNetConfig.Cifar10, new Rng(0)).NamedParameters("model.").Select(p => p.Path).ToList();
        Assert.That(names[0], Is.EqualTo("model.map_layer0.weight"));
        Assert.That(names, Does.Contain("model.enc.32x32_conv.weight"));
        Assert.That(names, Does.Contain("model.enc.16x16_down.skip.weight"));
        Assert.That(names, Does.Contain("model.enc.16x16_block0.qkv.weight"));
        Assert.That(names, Does.Contain("model.dec.8x8_in0.norm2.bias"));
        Assert.That(names, Does.Contain("model.dec.16x16_block4.proj.weight"));
        Assert.That(names, Does.Not.Contain("model.dec.16x16_block3.proj.weight"));
        Assert.That(names[^1], Is.EqualTo("model.dec.32x32_aux_conv.bias"));
        // Block order inside a module matches torch's registration order.
        var block = names.Where(n => n.StartsWith("model.enc.16x16_block0.")).Select(n => n.Split('.')[3]).Distinct();
        Assert.That(block, Is.EqualTo(new[] { "norm0", "conv0", "affine", "norm1", "conv1", "norm2", "qkv", "proj" }));
        Assert.That(names.Count(n => n.EndsWith(".qkv.weight")), Is.EqualTo(6));
    }

    [Test]
    public void PositionalEmbeddingPutsTheSineBlockFirst()
    {
        var e = PositionalEmbedding.Forward(Tensor.FromArray([0.25], 1), 4).ToDoubleArray();
        // Spec §6.3 example: Cn = 4 (f = [1, 1e-4]), c = 0.25.
        Assert.That(e, Is.EqualTo(new[] { 0.24740396, 0.0000250, 0.96891242, 0.99999999969 }).Within(1e-8));
    }

    [Test]
    public void InitialisationFollowsEdm()
    {
        var net = new UNet(UNetConfig.Tiny, new Rng(3));
        var p = net.NamedParameters().ToDictionary(x => x.Path, x => x.Tensor);
        double MaxAbs(string n) => p[n].ToDoubleArray().Max(Math.Abs);
        // xavier bound for conv0 of enc.8x8_block0 (4→4, 3×3): √(6 / (36 + 36)) ≈ 0.289; conv1 has gain 1e-5.
        Assert.That(MaxAbs("enc.8x8_block0.conv0.weight"), Is.LessThanOrEqualTo(Math.Sqrt(6.0 / 72)).And.GreaterThan(0.2));
        Assert.That(MaxAbs("enc.8x8_block0.conv1.weight"), Is.LessThanOrEqualTo(1e-5 * Math.Sqrt(6.0 / 72)).And.GreaterThan(0));
        Assert.That(MaxAbs("enc.8x8_block0.conv0.bias"), Is.EqualTo(0));
        Assert.That(p["enc.8x8_block0.norm0.weight"].ToDoubleArray(), Is.All.EqualTo(1));
    }

    [Test]
    public void TinyForwardShapeAndGradientsThroughTheWholeNetwork()
    {
        var net = new UNet(UNetConfig.Tiny, new Rng(5), DType.Float64);
        var x = Data.Normal([2, 1, 8, 8], 1).Leaf();
        var c = Tensor.FromArray([-0.3, 0.4]);
        var y = net.Forward(x, c);
        Assert.That(y.Shape, Is.EqualTo(new[] { 2, 1, 8, 8 }));
        // Gradient with respect to the input image through every layer type (attention, up/down, skips).
        Assertions.Gradients(inputs => net.Forward(inputs[0], c), [x], tol: 1e-5);
        // And every parameter receives a gradient of its own shape.
        net.ZeroGrad();
        net.Forward(x, c).Square().Sum().Backward();
        foreach (var (path, t) in net.NamedParameters())
            Assert.That(t.Grad?.Shape, Is.EqualTo(t.Shape), path);
    }

    [Test]
    public void BlockWithFusedGroupNormSiluComputesTheSpecFormula()
    {
        // The block runs SiLU(norm(·)) as the fused GroupNormSilu; here the same block is written out with separate
        // GroupNorm and SiLU ops (spec §6.4), on random parameters so that every term shows (conv1 starts near zero).
        var block = new UNetBlock(8, 16, 12, new Rng(1));
        var p = block.NamedParameters().ToDictionary(t => t.Path, t => t.Tensor);
        ulong seed = 100;
        using (GradMode.NoGrad())
            foreach (var t in p.Values) Backends.Cpu.Copy(Data.Normal(t.Shape.ToArray(), seed++, DType.Float32) * 0.3, t);
        var x = Data.Normal([2, 8, 6, 5], 1, DType.Float32).Leaf(); var emb = Data.Normal([2, 12], 2, DType.Float32).Leaf();
        Tensor Unfused()
        {
            var h = x.GroupNorm(2, p["norm0.weight"], p["norm0.bias"], 1e-6).Silu().Conv2d(p["conv0.weight"], p["conv0.bias"], 1, 1);
            var bias = (emb.MatMul(p["affine.weight"], transposeB: true) + p["affine.bias"]).Unsqueeze(2).Unsqueeze(3);
            h = (h + bias).GroupNorm(4, p["norm1.weight"], p["norm1.bias"], 1e-6).Silu().Conv2d(p["conv1.weight"], p["conv1.bias"], 1, 1);
            return (h + x.Conv2d(p["skip.weight"], p["skip.bias"])) * Math.Sqrt(0.5);
        }
        var dy = Data.Normal([2, 16, 6, 5], 3, DType.Float32);
        var inputs = new[] { x, emb }.Concat(p.Values).ToArray();
        double[][] Run(Func<Tensor> forward, out double[] output)
        {
            foreach (var t in inputs) t.Grad = null;
            var y = forward();
            output = y.ToDoubleArray();
            y.Backward(dy);
            return inputs.Select(t => t.Grad!.ToDoubleArray()).ToArray();
        }
        var fusedGrads = Run(() => block.Forward(x, emb, null), out var fused);
        var unfusedGrads = Run(Unfused, out var unfused);
        // float32 end to end through two convolutions and two group norms: the two orders of rounding differ by ~1e-6
        // relative per op; 1e-4 leaves room for the sums of 100s of terms.
        Assertions.Close(Tensor.FromArray(fused), unfused, 1e-4, 1e-4, "output");
        string[] names = ["x", "emb", .. p.Keys];
        for (int i = 0; i < inputs.Length; i++)
            Assertions.Close(Tensor.FromArray(fusedGrads[i]), unfusedGrads[i], 1e-4, 1e-4, "gradient of " + names[i]);
    }

    [Test]
    public void DropoutMaskIsReplayedFromAForkedRng()
    {
        var net = new UNet(UNetConfig.Tiny with { Dropout = 0.5 }, new Rng(5));
        var x = Data.Normal([2, 1, 8, 8], 1, DType.Float32);
        var c = Tensor.FromArray([0.1f, 0.2f]);
        var rng = new Rng(77);
        var replay = rng.Fork();
        var first = net.Forward(x, c, rng).ToFloatArray();
        Assert.That(net.Forward(x, c, replay).ToFloatArray(), Is.EqualTo(first), "same mask, same output");
        Assert.That(net.Forward(x, c, rng).ToFloatArray(), Is.Not.EqualTo(first), "a fresh mask changes the output");
        net.Eval();
        Assert.That(net.Forward(x, c, rng).ToFloatArray(), Is.EqualTo(net.Forward(x, c, null).ToFloatArray()), "eval mode: no dropout");
    }

    [Test]
    public void WrongInputShapeIsExplained()
    {
        var net = new UNet(UNetConfig.Tiny, new Rng(0));
        var ex = Assert.Throws<TensorShapeException>(() => net.Forward(Tensor.Zeros([2, 3, 8, 8]), Tensor.Zeros([2])))!;
        Assert.That(ex.Message, Does.Contain("[B, 1, 8, 8]").And.Contain("[2, 3, 8, 8]"));
    }
}
