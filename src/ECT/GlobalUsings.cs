global using Ect.Autograd;
global using Ect.Models;
global using Ect.Tensors;
