global using Ect.Kernels;
global using Ect.Tensors;
