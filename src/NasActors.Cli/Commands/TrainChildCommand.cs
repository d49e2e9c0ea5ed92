using System.CommandLine;
using NasActors.Search.Spaces;
using NasActors.Torch.Training;

namespace NasActors.Cli.Commands;

/// <summary><c>nas train-child</c>: train one architecture from scratch (stand-alone).</summary>
internal static class TrainChildCommand
{
    public static Command Create()
    {
        var arch = new Option<string>("--arch") { Description = "architecture in the space's notation (NAS-Bench-201 string)", Required = true };
        var space = CommonOptions.Space();
        var epochs = new Option<int>("--epochs") { Description = "training epochs", DefaultValueFactory = _ => 5 };
        var seed = new Option<int>("--seed") { Description = "seed of weights and data order", DefaultValueFactory = _ => 1 };
        var training = new TrainingOptions();
        var command = new Command("train-child", "train one child architecture from scratch and print its test accuracy, parameters, FLOPs and time")
        {
            arch, space, epochs, seed,
        };
        training.AddTo(command);
        command.SetAction(parsed =>
        {
            var architecture = SearchSpaces.Get(parsed.GetValue(space)!).Parse(parsed.GetValue(arch)!);
            var epochCount = CommonOptions.Positive("--epochs", parsed.GetValue(epochs));
            using var setup = training.Start(parsed);
            var shape = setup.Shape;
            Console.WriteLine($"training {architecture} on {setup.Train.Name} ({setup.Split.Train.Length:N0} images, {shape.ImageSize}x{shape.ImageSize}), " +
                              $"C={shape.Channels} N={shape.CellsPerStage}, {epochCount} epochs, seed {parsed.GetValue(seed)}");
            StandaloneResult result;
            using (var bar = new Output.ConsoleProgress("training", 1))
                result = StandaloneTraining.Train(architecture, shape, setup.Train, setup.Split, setup.Test, epochCount, parsed.GetValue(seed),
                    SgdSettings.Standalone, setup.Device,
                    p => bar.WriteLine($"epoch {p.Epoch}/{p.Epochs}  loss {p.MeanLoss:0.0000}  {p.ImagesPerSecond:N0} images/s"),
                    fraction => bar.Report(fraction));
            Console.WriteLine($"test accuracy:       {CommonOptions.Accuracy(result.TestAccuracy)}");
            Console.WriteLine($"validation accuracy: {CommonOptions.Accuracy(result.ValidationAccuracy)}");
            Console.WriteLine($"parameters:          {result.Parameters:N0}");
            Console.WriteLine($"FLOPs (multiply-adds per image): {result.Flops / 1e6:0.000} M");
            Console.WriteLine($"time:                {result.Seconds:0.0} s");
            return 0;
        });
        return command;
    }
}
