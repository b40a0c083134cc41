global using Ect.Autograd;
global using Ect.Kernels;
global using Ect.Tensors;
global using NUnit.Framework;
