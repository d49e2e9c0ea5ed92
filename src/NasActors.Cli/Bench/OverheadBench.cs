using System.CommandLine;
using System.Diagnostics;
using NasActors.Actors.Runs;
using NasActors.Actors.Training;
using NasActors.Cli.Commands;
using NasActors.Search.Evolution;
using NasActors.Search.Randomness;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;
using NasActors.Torch.Runtime;
using NasActors.Torch.Supernets;
using NasActors.Torch.Training;

namespace NasActors.Cli.Bench;

/// <summary><c>nas bench overhead</c>: N training steps and M inherited-weight evaluations through the actors (journal,
/// trainer, sampler, evaluator) against the same work in a plain loop, in one process, alternating.</summary>
internal static class OverheadBench
{
    public static Command Create()
    {
        var steps = new Option<int>("--steps") { Description = "supernet training steps", DefaultValueFactory = _ => 300 };
        var evaluations = new Option<int>("--evaluations") { Description = "inherited-weight evaluations", DefaultValueFactory = _ => 30 };
        var rounds = new Option<int>("--rounds") { Description = "alternating rounds (plain loop, then actors)", DefaultValueFactory = _ => 2 };
        var dataDir = new Option<string?>("--data-dir") { Description = "Fashion-MNIST folder (default: the Debian package's)" };
        var command = new Command("overhead", "wall time of training + evaluations through the actors against a plain loop, same process")
        {
            steps, evaluations, rounds, dataDir,
        };
        command.SetAction(async (parsed, _) =>
        {
            var stepCount = CommonOptions.Positive("--steps", parsed.GetValue(steps));
            var evaluationCount = Math.Max(2, CommonOptions.Positive("--evaluations", parsed.GetValue(evaluations)));
            var roundCount = CommonOptions.Positive("--rounds", parsed.GetValue(rounds));
            var directory = parsed.GetValue(dataDir);
            var spec = SearchSpec.Parse($$"""
                search {
                  name = overhead
                  data { dataset = fashion-mnist, image-size = 16, evaluation-images = 2000{{(directory is null ? "" : $", data-dir = \"{directory}\"")}} }
                  supernet { channels = 8, cells = 1 }
                  training { steps = {{stepCount}}, checkpoint-every = {{Math.Max(1, stepCount / 3)}}, threads = 1 }
                  strategies { a { sampler = uniform, seed = 1 } }
                  evolution { population = {{Math.Min(10, evaluationCount)}}, sample-size = 3, budget = {{evaluationCount}} }
                }
                """, "overhead spec");
            // Both sides as a node runs them (see TorchRuntime.PrepareForConcurrentUse).
            TorchRuntime.PrepareForConcurrentUse();
            TorchRuntime.SetThreads(1);
            TrainingData.For(spec.Data);  // loaded once, outside both timings
            Console.WriteLine($"{stepCount} supernet training steps (batch 128, 1 thread, checkpoint every {spec.Training.CheckpointEvery}) + " +
                              $"{evaluationCount} evaluations on {spec.Data.EvaluationImages} images; {roundCount} alternating rounds");
            var plain = new List<double>();
            var actors = new List<double>();
            for (var round = 1; round <= roundCount; round++)
            {
                plain.Add(PlainLoop(spec));
                var (seconds, starvation) = await ThroughActors(spec);
                actors.Add(seconds);
                Console.WriteLine($"round {round}: plain loop {plain[^1]:0.00} s, actors {actors[^1]:0.00} s ({(actors[^1] / plain[^1] - 1) * 100:+0.0;-0.0}%); " +
                                  $"trainer waited for paths {starvation}");
            }
            var ratio = actors.Min() / plain.Min();
            Console.WriteLine($"best of each: plain loop {plain.Min():0.00} s, actors {actors.Min():0.00} s: actors add {(ratio - 1) * 100:+0.0;-0.0}% (goal: under 5%)");
            return 0;
        });
        return command;
    }

    /// <summary>The same work without actors: train, checkpoint every K steps, then evolution scoring children one by one.</summary>
    static double PlainLoop(SearchSpec spec)
    {
        var (train, split) = TrainingData.For(spec.Data);
        var strategy = spec.Strategies[0];
        var seed = spec.Seed ^ strategy.Seed;
        var checkpoints = Directory.CreateTempSubdirectory("nas-bench-plain-");
        var clock = Stopwatch.StartNew();
        try
        {
            var shape = new NetworkShape(spec.Supernet.Channels, spec.Supernet.CellsPerStage, train.Channels, train.Height, train.ClassCount);
            using var supernet = Nb201Network.CreateSupernet(shape, (long)(seed & long.MaxValue));
            var sampler = new UniformSampler(Nb201Space.Instance, Rng.DeriveSeed(seed, "sampler:" + strategy.Id));
            using var training = new SupernetTraining(supernet, sampler, train, split.Train, SgdSettings.Supernet with { LearningRate = spec.Training.LearningRate },
                                                      spec.Training.Steps, Rng.DeriveSeed(seed, "data:" + strategy.Id), TorchSharp.torch.CPU);
            while (!training.IsComplete)
            {
                training.TrainStep();
                if (training.Step % spec.Training.CheckpointEvery == 0 || training.IsComplete)
                    training.SaveCheckpoint(Path.Combine(checkpoints.FullName, $"step-{training.Step}.ckpt"));
            }
            var evolution = new RegularizedEvolution(Nb201Space.Instance, spec.Evolution, seed);
            var images = split.Validation.Take(spec.Data.EvaluationImages).ToArray();
            while (evolution.Propose() is { } child)
                evolution.Report(child, Evaluation.Accuracy(supernet, child, train, images, TorchSharp.torch.CPU));
            return clock.Elapsed.TotalSeconds;
        }
        finally
        {
            checkpoints.Delete(recursive: true);
        }
    }

    static async Task<(double Seconds, string Starvation)> ThroughActors(SearchSpec spec)
    {
        var (seconds, status) = await EmbeddedRun.ToCompletion(spec.Text, trainers: 1, threads: 1);
        var strategy = status.Strategies[0];
        return (seconds, $"{strategy.PathWaitSeconds:0.000} s of {strategy.TrainingSeconds:0.0} s ({100 * strategy.PathWaitSeconds / strategy.TrainingSeconds:0.00}%)");
    }
}
