namespace Ect.Autograd;

/// <summary>C# operators on tensors (C# 14 extension operators), each one of the differentiable ops.</summary>
public static class TensorOperators
{
    extension(Tensor)
    {
        public static Tensor operator +(Tensor x, Tensor y) => x.Add(y);
        public static Tensor operator -(Tensor x, Tensor y) => x.Sub(y);
        public static Tensor operator *(Tensor x, Tensor y) => x.Mul(y);
        public static Tensor operator /(Tensor x, Tensor y) => x.Div(y);
        public static Tensor operator -(Tensor x) => x.Neg();

        public static Tensor operator +(Tensor x, double s) => x.Add(s);
        public static Tensor operator +(double s, Tensor x) => x.Add(s);
        public static Tensor operator -(Tensor x, double s) => x.Sub(s);
        public static Tensor operator -(double s, Tensor x) => x.SubFrom(s);
        public static Tensor operator *(Tensor x, double s) => x.Mul(s);
        public static Tensor operator *(double s, Tensor x) => x.Mul(s);
        public static Tensor operator /(Tensor x, double s) => x.Div(s);
        public static Tensor operator /(double s, Tensor x) => x.DivInto(s);
    }
}
