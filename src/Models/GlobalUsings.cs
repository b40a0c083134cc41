global using Ect.Autograd;
global using Ect.Tensors;
