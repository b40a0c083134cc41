using Ect.Kernels.Cpu;
using Ect.Kernels.Random;
using Ect.Tests.Numerics;

namespace Ect.Tests.Kernels;

public class RandomTests
{
    // Known-answer vectors of Philox-4x32-10 from the Random123 distribution (kat_vectors):
    // counter (c0..c3), key (k0, k1) → output words.
    [TestCase(0u, 0u, 0u, 0u, 0u, 0u, 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)]
    [TestCase(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu)]
    [TestCase(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u, 0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u)]
    public void PhiloxMatchesKnownAnswers(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1, uint r0, uint r1, uint r2, uint r3) =>
        Assert.That(Philox.Block(c0, c1, c2, c3, k0, k1), Is.EqualTo((r0, r1, r2, r3)));

    [Test]
    public void VectorizedFloat32UniformsEqualTheBlockDefinition(
        [Values(0ul, 1ul, 2ul, 3ul, 4ul * 1000 + 7, (0x1_0000_0000ul - 5) * 4 + 1)] ulong start, [Values(127, 128, 300)] int length)
    {
        // The last start makes the 64-bit block counter carry into its high word inside one vector of blocks.
        const ulong seed = 0x0123_4567_89AB_CDEFul;
        var got = new float[length];
        Philox.Uniform<float>(got, seed, start);
        for (int i = 0; i < length; i++)
        {
            ulong p = start + (ulong)i;
            var (w0, w1, w2, w3) = Philox.Block(seed, p >> 2);
            uint w = (p & 3) switch { 0 => w0, 1 => w1, 2 => w2, _ => w3 };
            Assert.That(got[i], Is.EqualTo((float)((w >> 8) / 16777216.0)), $"number {p}");
        }
    }

    [Test]
    public void WordsMatchTheKnownAnswerBlockAtAnyStartAndLength()
    {
        // The sixteen- and eight-block AVX-512 paths against Block one word at a time: starts inside a block, lengths
        // across the vector paths' 64- and 32-word steps, a seed using both key words, and counters carrying into
        // their high 32 bits.
        ulong[] seeds = [0, 42, 0x243f6a8885a308d3];
        ulong[] starts = [0, 1, 2, 3, 4, 5, 37, 4 * 0xFFFF_FFFCul, 4 * 0xFFFF_FFFCul + 3];
        foreach (ulong seed in seeds)
        foreach (ulong start in starts)
        foreach (int n in new[] { 0, 1, 3, 4, 31, 32, 33, 35, 63, 64, 65, 96, 100, 128, 257 })
        {
            var words = new uint[n];
            Philox.Words(words, seed, start);
            for (int i = 0; i < n; i++)
            {
                ulong p = start + (ulong)i;
                var block = Philox.Block(seed, p >> 2);
                uint expected = (p & 3) switch { 0 => block.Item1, 1 => block.Item2, 2 => block.Item3, _ => block.Item4 };
                Assert.That(words[i], Is.EqualTo(expected), $"seed {seed:x}, start {start}, length {n}, word {i}");
            }
        }
    }

    [Test]
    public void UniformsFilledInPiecesAtAnyOffsetEqualTheWholeFill([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        // Through the backend, whose offsets need not be block-aligned (an Rng hands out whole blocks).
        var whole = Tensor.Empty([1000], dtype);
        Backends.Cpu.FillUniform(whole, 11, 0);
        var pieces = new List<double>();
        ulong offset = 0;
        foreach (int size in new[] { 3, 1, 70, 33, 256, 5, 632 })
        {
            var piece = Tensor.Empty([size], dtype);
            Backends.Cpu.FillUniform(piece, 11, offset);
            pieces.AddRange(piece.ToDoubleArray());
            offset += (ulong)size;
        }
        Assert.That(pieces, Is.EqualTo(whole.ToDoubleArray()));
        Assert.That(pieces, Is.All.GreaterThanOrEqualTo(0).And.LessThan(1));
    }

    [Test]
    public void DropoutMaskIsBitForBitTheComparedUniforms([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        // The fused mask against its definition through the ops, (uniform > p)·1/(1 − p), on the same stream range,
        // starting inside a block and on lengths around the vector path's 32-word steps and the core split.
        foreach (double p in new[] { 0.0, 0.2, 0.3, 0.5, 0.999 })
        foreach (int n in new[] { 1, 7, 31, 32, 33, 257, 200_003 })
        foreach (ulong offset in new ulong[] { 0, 3, 4 * 1000 + 1 })
        {
            var mask = Tensor.Empty([n], dtype); var u = Tensor.Empty([n], dtype);
            Backends.Cpu.FillDropoutMask(mask, p, 9, offset);
            Backends.Cpu.FillUniform(u, 9, offset);
            Assert.That(mask.ToDoubleArray(), Is.EqualTo((u.Greater(p) * (1.0 / (1.0 - p))).ToDoubleArray()), $"p = {p}, length {n}, offset {offset}, {dtype.Name()}");
        }
    }

    [Test]
    public void DropoutMaskUsesUpTheUniformsRangeOfTheStream()
    {
        var rng = new Rng(5); var replay = rng.Fork();
        _ = TensorOps.DropoutMask([37], 0.3, rng);
        _ = TensorOps.RandomUniform([37], replay);
        Assert.That(rng.Offset, Is.EqualTo(replay.Offset));
    }

    [Test]
    public void ElementDependsOnlyOnSeedOffsetAndIndex()
    {
        var whole = TensorOps.RandomNormal([1000], new Rng(42), DType.Float64).ToDoubleArray();
        // The same stream drawn as two pieces, the second at the offset where the first ended.
        var rng = new Rng(42);
        var first = TensorOps.RandomNormal([400], rng, DType.Float64).ToDoubleArray();
        var second = TensorOps.RandomNormal([600], rng, DType.Float64).ToDoubleArray();
        Assert.That(first.Concat(second), Is.EqualTo(whole));
        // Float32 draws are the float64 draws rounded: the same numbers on either dtype.
        var single = TensorOps.RandomNormal([1000], new Rng(42), DType.Float32).ToDoubleArray();
        Assert.That(single, Is.EqualTo(whole.Select(v => (double)(float)v)));
        Assert.That(TensorOps.RandomNormal([1000], new Rng(43), DType.Float64).ToDoubleArray(), Is.Not.EqualTo(whole));
    }

    [Test]
    public void ResultsDoNotDependOnThreadCount()
    {
        var both = TensorOps.RandomUniform([200_003], new Rng(7)).ToFloatArray();
        int saved = Threads.Count;
        try
        {
            Threads.Count = 1;
            Assert.That(TensorOps.RandomUniform([200_003], new Rng(7)).ToFloatArray(), Is.EqualTo(both));
        }
        finally { Threads.Count = saved; }
    }

    [Test]
    public void ForkReplaysTheNextDraw()
    {
        var rng = new Rng(5);
        _ = TensorOps.RandomUniform([13], rng);
        var replay = rng.Fork();
        var mask = TensorOps.DropoutMask([8, 9], 0.3, rng).ToFloatArray();
        Assert.That(TensorOps.DropoutMask([8, 9], 0.3, replay).ToFloatArray(), Is.EqualTo(mask));
        Assert.That(TensorOps.DropoutMask([8, 9], 0.3, rng).ToFloatArray(), Is.Not.EqualTo(mask));
    }

    [Test]
    public void DistributionsHaveTheRightMoments()
    {
        var u = TensorOps.RandomUniform([200_000], new Rng(1), DType.Float64).ToDoubleArray();
        Assert.That(u.Min(), Is.GreaterThanOrEqualTo(0)); Assert.That(u.Max(), Is.LessThan(1));
        Assert.That(u.Average(), Is.EqualTo(0.5).Within(0.005));           // σ of the mean ≈ 0.00065
        var z = TensorOps.RandomNormal([200_000], new Rng(2), DType.Float64).ToDoubleArray();
        double mean = z.Average(), var = z.Sum(v => (v - mean) * (v - mean)) / z.Length;
        Assert.That(mean, Is.EqualTo(0).Within(0.01));                     // σ of the mean ≈ 0.0022
        Assert.That(var, Is.EqualTo(1).Within(0.02));                       // σ of the variance ≈ 0.0032
        Assert.That(z.Count(v => Math.Abs(v) > 1.96) / (double)z.Length, Is.EqualTo(0.05).Within(0.003));
        var mask = TensorOps.DropoutMask([100_000], 0.2, new Rng(3), DType.Float64).ToDoubleArray();
        Assert.That(mask.Distinct().OrderBy(v => v), Is.EqualTo(new[] { 0.0, 1.25 }));
        Assert.That(mask.Count(v => v == 0) / 1e5, Is.EqualTo(0.2).Within(0.006));
    }
}
