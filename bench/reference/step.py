#!/usr/bin/python3
"""The PyTorch reference for `ect bench step`: one whole ECT training step, timed the way our bench times it.

Issue 4's bar is that `ect bench step --config fmnist-small --batch 64` beats the official PyTorch ECT code running
the same network and step on this machine (PyTorch 1.13 from Debian, 2 threads, float32). The official code is not
on this machine, so this file rebuilds that step in PyTorch from the spec (/work/shared/spec/ECT.md §1, §3, §4, §6):

  * the network is EDM's SongUNet in the DDPM++ configuration with the module tree of EDM's networks.py, so the
    parameter names are the reference's (`model.enc.16x16_block0.qkv.weight`, ...) and the ones our checkpoints use;
    the layers compute the way EDM's do (conv then an in-place bias add, resampling as a depthwise stride-2
    convolution with the [1, 1] filter, attention weights as an autograd function that keeps q, k and the softmax);
  * one step is what `Trainer.TrainStep` does under `ect bench step` (src/ECT/Commands/BenchCommand.cs): draw a
    batch, t ~ lognormal(-1.1, 2.0), r = t_to_r(t, stage) with stage = completed steps (ItersPerStage = 1, so every
    timed step is at stage >= 2 and every r > 0), one shared noise tensor, the teacher pass at r under no_grad, the
    student pass at t with the same dropout masks (the CPU RNG state is saved before the first pass and restored
    before the second), the L2 norm divided by t - r, mean, loss.item(), backward, gradient sanitising
    (NaN -> 0, +-inf -> +-1e5), RAdam (torch.optim.RAdam, lr 1e-4), EMA update (beta 0.99), in that order.

    /usr/bin/python3 bench/reference/step.py --config fmnist-small --batch 64 --steps 5
    /usr/bin/python3 bench/reference/step.py --check --config tiny          # self-checks, parameter names
    /usr/bin/python3 bench/reference/step.py --check --checkpoint run/checkpoints/latest.safetensors

It prints each timed step, then `median ... s/step`, `images/s ...` and `peak memory ... MiB` as our bench does.
Only the benchmark documentation uses this; no test depends on Python.
"""
import argparse
import copy
import json
import math
import os
import resource
import struct
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")  # as compare.py: before numpy/torch load OpenBLAS
os.environ.setdefault("OPENBLAS_CORETYPE", "SkylakeX")
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(2)

# ---------------------------------------------------------------------------------------------------------------
# Configurations (src/Models/UNetConfig.cs, src/ECT/Training/TrainConfig.cs; spec §7.1). Every network has
# channel_mult_emb 4 and channel_mult_noise 1. `params` is the count the spec and our engine give.

NETWORKS = {
    "fmnist-small": dict(resolution=32, channels=1, mc=32, mult=(1, 2, 2), blocks=2, attn=(16,), params=1_752_993),
    "fmnist-fast": dict(resolution=32, channels=1, mc=16, mult=(1, 2, 2), blocks=2, attn=(16,), params=441_297),
    "tiny": dict(resolution=8, channels=1, mc=4, mult=(1, 2), blocks=1, attn=(4,), params=12_393),
    "cifar10-ddpmpp": dict(resolution=32, channels=3, mc=128, mult=(2, 2, 2), blocks=4, attn=(16,), params=55_732_739),
}

# What `ect bench step` trains with (TrainConfig defaults: the tuning phase from step 0).
TUNE_DROPOUT = 0.20  # SetDropout(TuneDropout) replaces the network config's pretraining rate
TUNE_LR = 1e-4
TUNE_EMA_BETA = 0.99
P_MEAN, P_STD = -1.1, 2.0
MAP_Q, MAP_K, MAP_B = 2.0, 8.0, 1.0
HUBER_C = 0.0
SIGMA_DATA = 0.5


# ---------------------------------------------------------------------------------------------------------------
# Layers, as EDM's networks.py computes them (spec §6.2, §6.7).

def xavier_uniform(shape, fan_in, fan_out, gain):
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return (torch.rand(*shape) * 2 - 1) * bound


class Linear(torch.nn.Module):
    def __init__(self, in_features, out_features, gain=1.0):
        super().__init__()
        self.weight = torch.nn.Parameter(xavier_uniform([out_features, in_features], in_features, out_features, gain))
        self.bias = torch.nn.Parameter(torch.zeros(out_features))

    def forward(self, x):
        return (x @ self.weight.t()).add_(self.bias)


class Conv2d(torch.nn.Module):
    """Optional x2 resampling first (depthwise filter [1, 1] (x) [1, 1], stride 2), then a k x k convolution with
    zero padding k // 2 and a separate in-place bias add."""

    def __init__(self, in_channels, out_channels, kernel, gain=1.0, up=False, down=False):
        super().__init__()
        self.in_channels, self.out_channels, self.up, self.down = in_channels, out_channels, up, down
        fan_in, fan_out = in_channels * kernel * kernel, out_channels * kernel * kernel
        self.weight = torch.nn.Parameter(xavier_uniform([out_channels, in_channels, kernel, kernel], fan_in, fan_out, gain))
        self.bias = torch.nn.Parameter(torch.zeros(out_channels))
        taps = torch.tensor([1.0, 1.0])
        filt = torch.outer(taps, taps)[None, None] / taps.sum() ** 2  # [1, 1, 2, 2], 0.25 each
        self.register_buffer("resample_filter", filt if (up or down) else None)

    def forward(self, x):
        if self.up:  # each pixel into a 2x2 block
            x = F.conv_transpose2d(x, self.resample_filter.mul(4).tile([self.in_channels, 1, 1, 1]),
                                   groups=self.in_channels, stride=2)
        if self.down:  # 2x2 average, stride 2
            x = F.conv2d(x, self.resample_filter.tile([self.in_channels, 1, 1, 1]), groups=self.in_channels, stride=2)
        x = F.conv2d(x, self.weight, padding=self.weight.shape[-1] // 2)
        return x.add_(self.bias.reshape(1, -1, 1, 1))


class GroupNorm(torch.nn.Module):
    """groups = min(32, C // 4), eps 1e-6 in this network (spec §6.1)."""

    def __init__(self, channels, eps=1e-6):
        super().__init__()
        self.groups = max(1, min(32, channels // 4))
        self.eps = eps
        self.weight = torch.nn.Parameter(torch.ones(channels))
        self.bias = torch.nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        return F.group_norm(x, self.groups, self.weight, self.bias, self.eps)


class AttentionWeights(torch.autograd.Function):
    """w[n, i, j] = softmax_j(sum_c q[n, c, i] k[n, c, j] / sqrt(C)) in float32; keeps q, k and w for backward
    (the reference's attention op does the same rather than letting autograd record the pieces)."""

    @staticmethod
    def forward(ctx, q, k):
        scale = 1 / math.sqrt(k.shape[1])
        wide = torch.promote_types(q.dtype, torch.float32)  # float32 (float64 only for gradcheck)
        w = torch.einsum("nci,ncj->nij", q.to(wide), (k * scale).to(wide)).softmax(dim=2)
        ctx.save_for_backward(q, k, w)
        return w

    @staticmethod
    def backward(ctx, dw):
        q, k, w = ctx.saved_tensors
        scale = 1 / math.sqrt(k.shape[1])
        ds = torch._softmax_backward_data(dw.to(w.dtype), w, 2, w.dtype)  # w * (dw - sum_j dw w)
        dq = torch.einsum("ncj,nij->nci", k.to(w.dtype), ds) * scale
        dk = torch.einsum("nci,nij->ncj", q.to(w.dtype), ds) * scale
        return dq.to(q.dtype), dk.to(k.dtype)


class UNetBlock(torch.nn.Module):
    """DDPM++ residual block (spec §6.4): GN-SiLU-conv0(+resample), + affine(emb), GN-SiLU-dropout-conv1,
    + skip, x 1/sqrt(2), then optionally one-head attention with its own residual and x 1/sqrt(2)."""

    def __init__(self, in_channels, out_channels, emb_channels, up=False, down=False, attention=False, dropout=0.0):
        super().__init__()
        self.in_channels, self.out_channels, self.dropout = in_channels, out_channels, dropout
        self.skip_scale = math.sqrt(0.5)
        self.norm0 = GroupNorm(in_channels)
        self.conv0 = Conv2d(in_channels, out_channels, 3, up=up, down=down)
        self.affine = Linear(emb_channels, out_channels)
        self.norm1 = GroupNorm(out_channels)
        self.conv1 = Conv2d(out_channels, out_channels, 3, gain=1e-5)
        self.skip = None
        if out_channels != in_channels or up or down:
            self.skip = Conv2d(in_channels, out_channels, 1, up=up, down=down)
        self.attention = attention
        if attention:
            self.norm2 = GroupNorm(out_channels)
            self.qkv = Conv2d(out_channels, out_channels * 3, 1, gain=math.sqrt(0.2))
            self.proj = Conv2d(out_channels, out_channels, 1, gain=1e-5)

    def forward(self, x, emb):
        orig = x
        x = self.conv0(F.silu(self.norm0(x)))
        x = F.silu(self.norm1(x.add_(self.affine(emb)[:, :, None, None])))
        x = self.conv1(F.dropout(x, p=self.dropout, training=self.training))
        x = x.add_(self.skip(orig) if self.skip is not None else orig)
        x = x * self.skip_scale
        if self.attention:
            b, c = x.shape[0], x.shape[1]
            # qkv output channel 3c + 0/1/2 is query/key/value channel c (spec §6.5).
            q, k, v = self.qkv(self.norm2(x)).reshape(b, c, 3, -1).unbind(2)
            w = AttentionWeights.apply(q, k)
            a = torch.einsum("nij,ncj->nci", w, v)
            x = self.proj(a.reshape(*x.shape)).add_(x)
            x = x * self.skip_scale
        return x


class PositionalEmbedding(torch.nn.Module):
    """f_j = (1/10000)^(j / (half - 1)); builds [cos | sin] (the caller swaps the halves, spec §6.3)."""

    def __init__(self, channels, max_positions=10000):
        super().__init__()
        self.channels, self.max_positions = channels, max_positions

    def forward(self, c):
        half = self.channels // 2
        freqs = torch.arange(half, dtype=torch.float32) / (half - 1)
        freqs = (1 / self.max_positions) ** freqs
        phase = torch.outer(c, freqs.to(c.dtype))
        return torch.cat([phase.cos(), phase.sin()], dim=1)


class SongUNet(torch.nn.Module):
    """EDM's SongUNet, DDPM++ settings (positional embedding, standard encoder and decoder, resample_proj,
    additive embedding), built level by level as in spec §6.6 with the reference's module names."""

    def __init__(self, resolution, channels, mc, mult, blocks, attn, dropout):
        super().__init__()
        emb, noise = mc * 4, mc * 1
        block = dict(emb_channels=emb, dropout=dropout)
        self.map_noise = PositionalEmbedding(noise)
        self.map_layer0 = Linear(noise, emb)
        self.map_layer1 = Linear(emb, emb)

        self.enc = torch.nn.ModuleDict()
        cout = channels
        for level, m in enumerate(mult):
            res = resolution >> level
            if level == 0:
                cin, cout = cout, mc
                self.enc[f"{res}x{res}_conv"] = Conv2d(cin, cout, 3)
            else:
                self.enc[f"{res}x{res}_down"] = UNetBlock(cout, cout, down=True, **block)
            for i in range(blocks):
                cin, cout = cout, mc * m
                self.enc[f"{res}x{res}_block{i}"] = UNetBlock(cin, cout, attention=res in attn, **block)
        skips = [module.out_channels for module in self.enc.values()]

        self.dec = torch.nn.ModuleDict()
        for level, m in reversed(list(enumerate(mult))):
            res = resolution >> level
            if level == len(mult) - 1:
                self.dec[f"{res}x{res}_in0"] = UNetBlock(cout, cout, attention=True, **block)
                self.dec[f"{res}x{res}_in1"] = UNetBlock(cout, cout, **block)
            else:
                self.dec[f"{res}x{res}_up"] = UNetBlock(cout, cout, up=True, **block)
            for i in range(blocks + 1):
                cin, cout = cout + skips.pop(), mc * m
                self.dec[f"{res}x{res}_block{i}"] = UNetBlock(cin, cout, attention=(i == blocks and res in attn), **block)
            if level == 0:
                self.dec[f"{res}x{res}_aux_norm"] = GroupNorm(cout)
                self.dec[f"{res}x{res}_aux_conv"] = Conv2d(cout, channels, 3, gain=1e-5)
        assert not skips, "every encoder output must be consumed by the decoder"

    def forward(self, x, noise_labels):
        emb = self.map_noise(noise_labels)
        emb = emb.reshape(emb.shape[0], 2, -1).flip(1).reshape(*emb.shape)  # cos|sin -> sin|cos
        emb = F.silu(self.map_layer0(emb))
        emb = F.silu(self.map_layer1(emb))

        skips = []
        for module in self.enc.values():
            x = module(x, emb) if isinstance(module, UNetBlock) else module(x)
            skips.append(x)
        out = None
        for name, module in self.dec.items():
            if name.endswith("aux_norm"):
                out = module(x)
            elif name.endswith("aux_conv"):
                out = module(F.silu(out))
            else:
                if x.shape[1] != module.in_channels:
                    x = torch.cat([x, skips.pop()], dim=1)
                x = module(x, emb)
        return out


class Denoiser(torch.nn.Module):
    """D(x; sigma) = c_skip x + c_out F(c_in x; ln(sigma)/4), train-mode (EDM) coefficients (spec §1); the U-Net is
    the child `model`, so parameter names start with `model.` as in the reference's state dict."""

    def __init__(self, net):
        super().__init__()
        self.model = net

    def forward(self, x, sigma):
        x = x.to(torch.float32)
        sigma = sigma.to(torch.float32).reshape(-1, 1, 1, 1)
        c_skip = SIGMA_DATA ** 2 / (sigma ** 2 + SIGMA_DATA ** 2)
        c_out = sigma * SIGMA_DATA / (sigma ** 2 + SIGMA_DATA ** 2).sqrt()
        c_in = 1 / (SIGMA_DATA ** 2 + sigma ** 2).sqrt()
        c_noise = sigma.log() / 4
        f = self.model(c_in * x, c_noise.flatten())
        return c_skip * x + c_out * f.to(torch.float32)


def build(name, dropout=TUNE_DROPOUT):
    cfg = NETWORKS[name]
    net = Denoiser(SongUNet(cfg["resolution"], cfg["channels"], cfg["mc"], cfg["mult"], cfg["blocks"], cfg["attn"], dropout))
    count = sum(p.numel() for p in net.parameters())
    assert count == cfg["params"], f"{name}: {count:,} parameters, expected {cfg['params']:,}"
    return net


# ---------------------------------------------------------------------------------------------------------------
# The ECT objective (spec §3.1, §3.2, §3.5, §3.6) and one training step (spec §4.1).

def t_to_r(t, stage):
    decay = MAP_Q ** -(stage + 1)  # 1/q^(stage+1), underflows to 0 (not an overflow) at large stages
    ratio = 1 - decay * (1 + MAP_K * torch.sigmoid(-MAP_B * t))
    return torch.clamp(t * ratio, min=0)


def ect_loss(net, y, t, r, noise, student_first=False):
    """Per-sample L_i = ||D(y + t eps; t) - sg(D(y + r eps; r))||_2 / (t - r), target y where r = 0. Both passes
    draw the same dropout masks: the RNG state is saved before the first pass and restored before the second."""

    def teacher():
        r_safe = torch.where(r > 0, r, t)  # never ln 0 (spec §3.5); those rows take y below
        with torch.no_grad():
            d_r = torch.nan_to_num(net(y + noise * r_safe, r_safe))
            return torch.where(r > 0, d_r, y)

    if r.max() > 0:
        state = torch.get_rng_state()
        if student_first:  # the official code's order
            d_t = net(y + noise * t, t)
            torch.set_rng_state(state)
            target = teacher()
        else:  # ours (EctLoss.Compute): the teacher's activations are gone before the student's exist
            target = teacher()
            torch.set_rng_state(state)
            d_t = net(y + noise * t, t)
    else:
        d_t, target = net(y + noise * t, t), y
    delta = ((d_t - target) ** 2).reshape(y.shape[0], -1).sum(dim=1)
    ell = torch.sqrt(delta + HUBER_C ** 2) - HUBER_C if HUBER_C > 0 else torch.sqrt(delta)
    return ell / (t - r).flatten()


class EctStep:
    def __init__(self, config, batch, seed=1, student_first=False):
        torch.manual_seed(seed)
        self.net = build(config)
        self.net.train()
        self.ema = copy.deepcopy(self.net).eval().requires_grad_(False)
        self.optimizer = torch.optim.RAdam(self.net.parameters(), lr=TUNE_LR, betas=(0.9, 0.999), eps=1e-8)
        cfg = NETWORKS[config]
        res, ch = cfg["resolution"], cfg["channels"]
        # Stand-in for the embedded Fashion-MNIST test set our bench draws from: 10,000 byte images, 28x28 padded
        # by 2 px of value 0 at 32x32.
        pad = 2 if res == 32 else 0
        self.images = torch.zeros(10_000, ch, res, res, dtype=torch.uint8)
        self.images[:, :, pad:res - pad, pad:res - pad] = torch.randint(0, 256, (10_000, ch, res - 2 * pad, res - 2 * pad), dtype=torch.uint8)
        self.batch, self.student_first, self.completed = batch, student_first, 0

    def step(self):
        """One optimizer step, everything `Trainer.TrainStep` does in the tuning phase."""
        self.optimizer.zero_grad(set_to_none=True)
        index = torch.randint(0, self.images.shape[0], (self.batch,))
        y = self.images[index].to(torch.float32) / 127.5 - 1
        t = (torch.randn([self.batch, 1, 1, 1]) * P_STD + P_MEAN).exp()
        r = t_to_r(t, stage=self.completed)  # ItersPerStage = 1: stage = completed steps
        noise = torch.randn_like(y)
        loss = ect_loss(self.net, y, t, r, noise, self.student_first).mean()
        value = loss.item()
        loss.backward()
        for p in self.net.parameters():
            if p.grad is not None:
                torch.nan_to_num(p.grad, nan=0.0, posinf=1e5, neginf=-1e5, out=p.grad)
        self.optimizer.step()
        with torch.no_grad():
            for p_ema, p in zip(self.ema.parameters(), self.net.parameters()):
                p_ema.copy_(p.detach().lerp(p_ema, TUNE_EMA_BETA))
        self.completed += 1
        return value


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # ru_maxrss is KiB on Linux


def bench(args):
    runner = EctStep(args.config, args.batch, args.seed, args.student_first)
    print(f"reference pytorch {torch.__version__} float32, step order "
          f"{'student, teacher' if args.student_first else 'teacher, student'}", flush=True)
    times = []
    for i in range(args.steps + 2):
        start = time.perf_counter()
        loss = runner.step()
        elapsed = time.perf_counter() - start
        if i >= 2:
            times.append(elapsed)
        print(f"{'warm-up' if i < 2 else 'step'} {i} stage {i} loss {loss:.4f} {elapsed:.4f} s", flush=True)
    times.sort()
    median = times[len(times) // 2]  # as BenchCommand: the upper median for an even count
    print(f"config {args.config} batch {args.batch} device cpu threads {torch.get_num_threads()}")
    print(f"median {median:.4f} s/step")
    print(f"images/s {args.batch / median:.1f}")
    print(f"peak memory {peak_rss_mib()} MiB")


# ---------------------------------------------------------------------------------------------------------------
# --check: parameter names and shapes, spec test vectors, shared dropout masks, the attention gradient, and
# (with --checkpoint) our checkpoint's names and shapes.

def read_safetensors(path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        base = 8 + length
        header.pop("__metadata__", None)
        tensors = {}
        for name, entry in header.items():
            assert entry["dtype"] == "F32", f"{name}: {entry['dtype']}"
            begin, end = entry["data_offsets"]
            f.seek(base + begin)
            tensors[name] = np.frombuffer(f.read(end - begin), dtype="<f4").reshape(entry["shape"])
        return tensors


def check(args):
    failures = []

    def expect(ok, what):
        print(f"{'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            failures.append(what)

    net = build(args.config)
    named = list(net.named_parameters())
    for name, p in named:
        print(f"{name} {list(p.shape)}")
    total = sum(p.numel() for _, p in named)
    expect(total == NETWORKS[args.config]["params"], f"{args.config}: {total:,} parameters in {len(named)} tensors")

    # Spec §3.2 mapping vectors (q = 2, k = 8, b = 1).
    for t, stage, want in ((2.0, 0, 0.046377), (1.0, 1, 0.212117), (0.05, 2, 0.019375), (5.0, 4, 4.835384), (0.5, 0, 0.0)):
        got = t_to_r(torch.tensor([t], dtype=torch.float64), stage).item()
        expect(abs(got - want) < 1e-6, f"t_to_r({t}, stage {stage}) = {got:.6f} (spec {want})")
    # Spec §6.3 embedding example: Cn = 4, c = 0.25 -> [sin | sin | cos | cos].
    emb = PositionalEmbedding(4)(torch.tensor([0.25], dtype=torch.float64))
    emb = emb.reshape(1, 2, -1).flip(1).reshape(1, -1)[0].tolist()
    want = [0.24740396, 0.0000250, 0.96891242, 0.99999999969]
    expect(all(abs(a - b) < 1e-7 for a, b in zip(emb, want)), f"positional embedding {[round(v, 8) for v in emb]}")
    # Spec §1 coefficients at sigma = 0.821 (train mode): D(x; sigma) with F = 0 is c_skip x.
    sigma = torch.tensor([0.821])
    c_skip = (SIGMA_DATA ** 2 / (sigma ** 2 + SIGMA_DATA ** 2)).item()
    expect(abs(c_skip - 0.27055077) < 1e-6, f"c_skip(0.821) = {c_skip:.8f}")

    # Spec §3.4: dropout 0.5, r = t forced: the restored RNG state gives bitwise equal teacher and student outputs.
    torch.manual_seed(0)
    tiny = build("tiny", dropout=0.5).train()
    cfg = NETWORKS["tiny"]
    y = torch.rand(3, cfg["channels"], cfg["resolution"], cfg["resolution"]) * 2 - 1
    t = torch.tensor([0.3, 1.0, 5.0]).reshape(-1, 1, 1, 1)
    eps = torch.randn_like(y)
    state = torch.get_rng_state()
    with torch.no_grad():
        d_r = tiny(y + eps * t, t)
    torch.set_rng_state(state)
    d_t = tiny(y + eps * t, t)
    expect(torch.equal(d_t.detach(), d_r), "shared dropout mask: D_t == D_r bitwise (p = 0.5, r = t)")
    d_other = tiny(y + eps * t, t)  # without the restore: new masks
    expect(not torch.equal(d_t.detach(), d_other.detach()), "without the restore the masks differ")

    # The attention op's hand-written backward against finite differences (float64).
    q = torch.randn(2, 3, 5, dtype=torch.float64, requires_grad=True)
    k = torch.randn(2, 3, 5, dtype=torch.float64, requires_grad=True)
    expect(torch.autograd.gradcheck(AttentionWeights.apply, (q, k)), "attention weights gradcheck")

    # A tiny step: finite loss, every parameter gets a gradient (the init_zero layers are 1e-5, not 0).
    runner = EctStep("tiny", 4)
    for _ in range(3):
        loss = runner.step()
    expect(math.isfinite(loss), f"tiny ECT steps run, loss {loss:.4f}")

    if args.checkpoint:
        path = args.checkpoint
        if os.path.isdir(path):
            path = os.path.join(path, "checkpoints", "latest.safetensors")
        tensors = read_safetensors(path)
        ours = {k.split("/", 1)[1]: v for k, v in tensors.items() if k.startswith("online/")} or tensors
        mine = {n: tuple(p.shape) for n, p in named}
        theirs = {n: tuple(v.shape) for n, v in ours.items()}
        only_here, only_there = sorted(set(mine) - set(theirs)), sorted(set(theirs) - set(mine))
        shape_diff = sorted(n for n in set(mine) & set(theirs) if mine[n] != theirs[n])
        for n in only_here:
            print(f"  only in step.py: {n} {list(mine[n])}")
        for n in only_there:
            print(f"  only in the checkpoint: {n} {list(theirs[n])}")
        for n in shape_diff:
            print(f"  shape differs: {n} step.py {list(mine[n])} checkpoint {list(theirs[n])}")
        expect(not only_here and not only_there and not shape_diff,
               f"{path}: {len(theirs)} online tensors, names and shapes match step.py's {len(mine)}")
        if not only_here and not only_there and not shape_diff:
            with torch.no_grad():
                for n, p in named:
                    p.copy_(torch.from_numpy(ours[n].copy()))
            expect(True, "checkpoint weights load into the PyTorch network by name")

    print("check passed" if not failures else f"check FAILED: {len(failures)} problem(s)")
    return 0 if not failures else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", default="fmnist-small", choices=sorted(NETWORKS))
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=5, help="timed steps, after 2 warm-up steps")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--student-first", action="store_true",
                        help="run the student pass before the teacher pass, as the official code orders them")
    parser.add_argument("--check", action="store_true", help="print parameter names and shapes and run the self-checks")
    parser.add_argument("--checkpoint", help="with --check: compare names and shapes with this ect.net checkpoint")
    args = parser.parse_args()
    if args.check:
        return check(args)
    bench(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
