namespace Ect.Kernels.Cpu;

/// <summary>Geometry of one conv2d call: input [Cin, H, W] per image, kernel Kh×Kw, output Ho×Wo.</summary>
internal readonly record struct ConvShape(int N, int Cin, int H, int W, int Cout, int Kh, int Kw, int Ho, int Wo, int Stride, int Pad)
{
    /// <summary>Rows of the im2col matrix: one per (input channel, ky, kx).</summary>
    public int ColRows => Cin * Kh * Kw;
    /// <summary>Columns of the im2col matrix: one per output pixel.</summary>
    public int ColCols => Ho * Wo;
    public bool IsPointwise => Kh == 1 && Kw == 1 && Stride == 1 && Pad == 0;

    /// <summary>Output columns [lo, hi) whose input column ox·stride − pad + kx lies inside the image.</summary>
    public (int Lo, int Hi) ValidColumns(int kx)
    {
        int lo = Math.Min(Wo, Math.Max(0, (Pad - kx + Stride - 1) / Stride));
        int hi = Math.Min(Wo, (W - 1 + Pad - kx) / Stride + 1);
        return (lo, Math.Max(lo, hi));
    }
}

/// <summary>
/// The im2col matrix of one image, col[(c·Kh + ky)·Kw + kx, oy·Wo + ox] = x[c, oy·s − p + ky, ox·s − p + kx]
/// (0 outside the image), read straight from the image by the GEMM's packers so it is never materialised
/// (implicit GEMM). <see cref="Pack"/> serves it as B[k = row, n = pixel] for the forward pass
/// (Y = W · col); <see cref="Transposed"/> serves colᵀ as B[k = pixel, n = row] for the weight gradient
/// (dW = dY · colᵀ). Both reduce to copying runs of one input row, with zeros where the window leaves the image.
/// </summary>
internal readonly unsafe struct ConvColumns(float* image, ConvShape s) : IPackB
{
    private const int NR = PackedGemm.NR;

    public void Pack(int p0, int jc, int kc, int nc, float* dst)
    {
        for (int j = 0; j < nc; j += NR)
        {
            int cols = Math.Min(NR, nc - j);
            float* panel = dst + j * kc;
            for (int p = 0; p < kc; p++)
            {
                float* row = panel + p * NR;
                Run(p0 + p, jc + j, cols, row, 1);
                for (int cc = cols; cc < NR; cc++) row[cc] = 0;
            }
        }
    }

    /// <summary>colᵀ as the B operand: rows are output pixels, columns are (c, ky, kx).</summary>
    public TransposedView Transposed => new(this);

    public readonly struct TransposedView(ConvColumns columns) : IPackB
    {
        public void Pack(int p0, int jc, int kc, int nc, float* dst)
        {
            for (int j = 0; j < nc; j += NR)
            {
                int cols = Math.Min(NR, nc - j);
                float* panel = dst + j * kc;
                if (cols < NR) new Span<float>(panel, kc * NR).Clear();
                for (int cc = 0; cc < cols; cc++) columns.Run(jc + j + cc, p0, kc, panel + cc, NR);
            }
        }
    }

    /// <summary>Writes col[row, pixel0 .. pixel0 + count) to dst[0], dst[stride], …, one output-row run at a time.</summary>
    private void Run(int row, int pixel0, int count, float* dst, int stride)
    {
        int kx = row % s.Kw, ky = row / s.Kw % s.Kh, c = row / (s.Kw * s.Kh);
        var (lo, hi) = s.ValidColumns(kx);
        int done = 0;
        while (done < count)
        {
            int pixel = pixel0 + done, oy = pixel / s.Wo, ox = pixel % s.Wo;
            int length = Math.Min(count - done, s.Wo - ox);
            int iy = oy * s.Stride - s.Pad + ky;
            float* o = dst + (long)done * stride;
            if ((uint)iy >= (uint)s.H)
                for (int i = 0; i < length; i++) o[(long)i * stride] = 0;
            else if (s.Stride == 1 && stride == 1)
            {
                // The common case: zeros left of the image, one contiguous copy, zeros right of it.
                float* input = image + ((long)c * s.H + iy) * s.W - s.Pad + kx + ox;
                int a = Math.Clamp(lo - ox, 0, length), b = Math.Clamp(hi - ox, a, length);
                new Span<float>(o, a).Clear();
                new ReadOnlySpan<float>(input + a, b - a).CopyTo(new Span<float>(o + a, b - a));
                new Span<float>(o + b, length - b).Clear();
            }
            else
            {
                float* input = image + ((long)c * s.H + iy) * s.W - s.Pad + kx;   // input[ox·stride] is x[c, iy, ox·s − p + kx]
                for (int i = 0; i < length; i++)
                {
                    int x = ox + i;
                    o[(long)i * stride] = x >= lo && x < hi ? input[x * s.Stride] : 0;
                }
            }
            done += length;
        }
    }
}
