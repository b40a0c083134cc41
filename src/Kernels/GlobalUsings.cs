global using System.Numerics;
global using Ect.Tensors;
// Only the span primitives from System.Numerics.Tensors: its Tensor type would clash with ours.
global using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
