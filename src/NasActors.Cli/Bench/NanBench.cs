using System.CommandLine;
using NasActors.Cli.Commands;
using NasActors.Torch.Runtime;
using NasActors.Torch.Supernets;
using NasActors.Torch.Training;

namespace NasActors.Cli.Bench;

/// <summary><c>nas bench nan</c>: non-finite losses and gradients per 10,000 steps with several supernets training at once
/// in this process (<see cref="NonFiniteProbe"/>), under the conditions that tell a lifetime bug (GC stress, no GC)
/// from a kernel bug (oneDNN on or off, its ISA cap).</summary>
internal static class NanBench
{
    public static Command Create()
    {
        var threads = new Option<int>("--threads") { Description = "trainers training at once, each on a thread of its own", DefaultValueFactory = _ => 2 };
        var steps = new Option<int>("--steps") { Description = "steps per trainer", DefaultValueFactory = _ => 2000 };
        var gcStress = OnOff("--gc-stress", "a thread running GC.Collect and the finalizers back to back", false);
        var noGc = new Option<bool>("--no-gc") { Description = "train inside a no-GC region, so that no finalizer runs (overrides --gc-stress)" };
        var oneDnn = OnOff("--onednn", "convolutions on oneDNN", true);
        var serial = new Option<bool>("--serial") { Description = "the trainers take turns, one step at a time (same work, no overlap)" };
        var intraOp = new Option<int>("--intra-op-threads") { Description = "torch's intra-op threads (process-wide)", DefaultValueFactory = _ => 1 };
        var batch = new Option<int>("--batch") { Description = "batch size", DefaultValueFactory = _ => 128 };
        var imageSize = CommonOptions.ImageSize();
        imageSize.DefaultValueFactory = _ => 8;
        imageSize.Description = "size of the generated square images, in pixels";
        var channels = CommonOptions.Channels();
        var cells = CommonOptions.Cells();
        var command = new Command("nan", "non-finite losses/gradients per 10,000 steps with several trainers in one process")
        {
            threads, steps, gcStress, noGc, oneDnn, serial, intraOp, batch, imageSize, channels, cells,
        };
        command.SetAction(parsed =>
        {
            TorchRuntime.AllowOneDnn = parsed.GetValue(oneDnn) == "on";
            CommonOptions.StartTorch(parsed.GetValue(intraOp), "cpu");
            var shape = new NetworkShape(CommonOptions.Positive("--channels", parsed.GetValue(channels)),
                CommonOptions.Positive("--cells", parsed.GetValue(cells)), 1, CommonOptions.Positive("--image-size", parsed.GetValue(imageSize)), 10);
            shape.Validate();
            var gc = parsed.GetValue(noGc) ? GcPressure.Suppressed : parsed.GetValue(gcStress) == "on" ? GcPressure.Stress : GcPressure.Normal;
            var settings = new NonFiniteProbeSettings(CommonOptions.Positive("--threads", parsed.GetValue(threads)),
                CommonOptions.Positive("--steps", parsed.GetValue(steps)), gc, shape, CommonOptions.Positive("--batch", parsed.GetValue(batch)),
                parsed.GetValue(serial));
            Console.WriteLine($"{settings.Trainers} trainer(s){(settings.Serialised ? " taking turns" : " at once")} x {settings.StepsPerTrainer} steps, " +
                              $"supernet C={shape.Channels} N={shape.CellsPerStage} {shape.ImageSize}x{shape.ImageSize}, batch {settings.BatchSize}, " +
                              $"{parsed.GetValue(intraOp)} intra-op thread(s), oneDNN {(TorchRuntime.OneDnnEnabled ? "on" : "off")} " +
                              $"(ONEDNN_MAX_CPU_ISA={TorchRuntime.NativeOneDnnIsa() ?? "unset"}), GC {gc.ToString().ToLowerInvariant()}");
            var result = NonFiniteProbe.Run(settings, (done, nonFinite) => Console.WriteLine($"about {done} steps: {nonFinite} non-finite so far"));
            Console.WriteLine($"{result.Steps} steps in {result.Elapsed.TotalSeconds:0} s: {result.NonFinite} non-finite computations " +
                              $"({result.NonFinitePer10k:0.0} per 10,000 steps), {result.Failed} steps failed ({result.FailedPer10k:0.0} per 10,000); " +
                              $"{result.TensorsOutsideScopes} tensors made outside dispose scopes on the training threads; " +
                              $"{result.Collections} GCs{(gc == GcPressure.Stress ? $" ({result.StressCycles} stress cycles)" : "")} (goal: 0 non-finite)");
            return 0;
        });
        return command;
    }

    static Option<string> OnOff(string name, string description, bool defaultOn)
    {
        var option = new Option<string>(name) { Description = $"{description}: on or off", DefaultValueFactory = _ => defaultOn ? "on" : "off" };
        option.AcceptOnlyFromAmong("on", "off");
        return option;
    }
}
