global using Ect.Tensors;
