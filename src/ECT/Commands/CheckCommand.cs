using System.CommandLine;
using Ect.Parity;
using Ect.Kernels.Cuda;

namespace Ect.Cli;

/// <summary>`ect check --device cuda`: the CUDA-vs-CPU parity suite (every primitive forward and backward), then one
/// `tiny` training run on both devices with the same seed. Exit 0 all passed, 1 a failure, 77 CUDA unavailable here
/// (so a machine without a GPU does not count as a failure).</summary>
internal static class CheckCommand
{
    public const int Unavailable = 77;

    public static Command Create()
    {
        var deviceOption = DeviceOption.Create("the checked backend");
        var filter = new Option<string?>("--filter") { Description = "Only the cases whose name contains this text" };
        var command = new Command("check", "Check a GPU backend against the CPU: every op forward and backward, then a training step") { deviceOption, filter };
        command.SetAction(parse =>
        {
            var device = Device.Parse(parse.GetValue(deviceOption)!);
            if (device.Kind != DeviceKind.Cuda)
                throw new ArgumentException("ect check compares a GPU against the CPU: pass --device cuda (or cuda:N)");
            if (!CudaDevices.TryUse(device.Index, out var backend, out string reason))
            {
                Console.Error.WriteLine($"ect check: {reason}");
                return Unavailable;
            }
            Console.WriteLine($"ect check: {backend.Context} against the CPU");
            var cases = ParityCases.All();
            if (parse.GetValue(filter) is { Length: > 0 } text) cases = cases.Where(c => c.Name.Contains(text, StringComparison.OrdinalIgnoreCase));
            var training = new ParityCase("tiny ECT training steps, same seed", _ =>
                ParitySuite.TrainingStep(device, Console.Out) is { } failure ? throw new InvalidOperationException(failure) : []);
            return ParitySuite.Run(cases.Append(training), device, Console.Out);
        });
        return command;
    }
}
