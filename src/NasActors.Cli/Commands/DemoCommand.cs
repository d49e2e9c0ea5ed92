using System.CommandLine;
using System.Diagnostics;
using NasActors.Search.Randomness;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;
using NasActors.Torch.Supernets;
using NasActors.Torch.Training;
using TorchSharp;

namespace NasActors.Cli.Commands;

/// <summary><c>nas demo</c>: train a supernet with uniform single-path sampling, then score sampled child models
/// with inherited weights.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var steps = new Option<int>("--steps") { Description = "supernet training steps", DefaultValueFactory = _ => 400 };
        var children = new Option<int>("--children") { Description = "child models to score with inherited weights", DefaultValueFactory = _ => 5 };
        var seed = new Option<int>("--seed") { Description = "run seed", DefaultValueFactory = _ => 1 };
        var training = new TrainingOptions();
        var command = new Command("demo", "train a NAS-Bench-201 supernet on Fashion-MNIST (uniform single-path) and score child models")
        {
            steps, children, seed,
        };
        training.AddTo(command);
        command.SetAction(parsed =>
        {
            var stepCount = CommonOptions.Positive("--steps", parsed.GetValue(steps));
            var childCount = CommonOptions.Positive("--children", parsed.GetValue(children));
            var runSeed = (ulong)parsed.GetValue(seed);
            using var setup = training.Start(parsed);
            var (shape, train, split, device) = (setup.Shape, setup.Train, setup.Split, setup.Device);
            var space = Nb201Space.Instance;
            using var supernet = Nb201Network.CreateSupernet(shape, (long)runSeed);
            supernet.to(device);
            var sampler = new UniformSampler(space, Rng.DeriveSeed(runSeed, "sampler"));
            using var supernetTraining = new SupernetTraining(supernet, sampler, train, split.Train, SgdSettings.Supernet, stepCount,
                                                              Rng.DeriveSeed(runSeed, "data"), device);
            Console.WriteLine($"supernet: {space.Name}, C={shape.Channels} N={shape.CellsPerStage}, {supernet.ParameterCount():N0} parameters, " +
                              $"{train.Name} {shape.ImageSize}x{shape.ImageSize}, {stepCount} steps of {SgdSettings.Supernet.BatchSize}, " +
                              $"uniform sampling, {torch.get_num_threads()} threads");
            var clock = Stopwatch.StartNew();
            var window = Stopwatch.StartNew();
            double lossSum = 0;
            int images = 0, stepsInWindow = 0;
            var reportEvery = Math.Max(1, stepCount / 20);
            while (!supernetTraining.IsComplete)
            {
                var step = supernetTraining.TrainStep();
                lossSum += step.Losses.Average();
                images += step.Images;
                stepsInWindow++;
                if (supernetTraining.Step % reportEvery == 0 || supernetTraining.IsComplete)
                {
                    Console.WriteLine($"step {supernetTraining.Step,5}/{stepCount}  loss {lossSum / stepsInWindow:0.0000}  " +
                                      $"{images / window.Elapsed.TotalSeconds,7:N0} images/s");
                    (lossSum, images, stepsInWindow) = (0, 0, 0);
                    window.Restart();
                }
            }
            Console.WriteLine($"supernet trained in {clock.Elapsed.TotalSeconds:0.0} s");
            var childRng = new Rng(Rng.DeriveSeed(runSeed, "children"));
            Console.WriteLine($"inherited-weight validation accuracy ({split.Validation.Length:N0} images):");
            for (var i = 0; i < childCount; i++)
            {
                var child = ArchitectureSampling.Uniform(space, childRng);
                var accuracy = Evaluation.Accuracy(supernet, child, train, split.Validation, device);
                Console.WriteLine($"  {CommonOptions.Accuracy(accuracy),7}  {child}");
            }
            return 0;
        });
        return command;
    }
}
