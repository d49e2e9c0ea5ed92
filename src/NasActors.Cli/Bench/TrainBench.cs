using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using NasActors.Cli.Commands;
using NasActors.Search;
using NasActors.Search.Randomness;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;
using NasActors.Torch.Supernets;
using NasActors.Torch.Training;

namespace NasActors.Cli.Bench;

/// <summary><c>nas bench train</c>: supernet training throughput in TorchSharp against PyTorch eager on the same
/// network, batch, path sequence and thread count, alternating rounds in one run.</summary>
internal static class TrainBench
{
    public static Command Create()
    {
        var steps = new Option<int>("--steps") { Description = "timed steps per round", DefaultValueFactory = _ => 300 };
        var warmup = new Option<int>("--warmup") { Description = "untimed steps at the start of each round", DefaultValueFactory = _ => 30 };
        var rounds = new Option<int>("--rounds") { Description = "alternating rounds (TorchSharp, then PyTorch)", DefaultValueFactory = _ => 3 };
        var batch = new Option<int>("--batch") { Description = "batch size", DefaultValueFactory = _ => 128 };
        var imageSize = CommonOptions.ImageSize();
        var channels = CommonOptions.Channels();
        var cells = CommonOptions.Cells();
        var threads = CommonOptions.Threads();
        var device = CommonOptions.Device();
        var python = new Option<string>("--python") { Description = "interpreter with PyTorch", DefaultValueFactory = _ => "/usr/bin/python3" };
        var command = new Command("train", "supernet training images/s: TorchSharp vs PyTorch eager, same run")
        {
            steps, warmup, rounds, batch, imageSize, channels, cells, threads, device, python,
        };
        command.SetAction(parsed =>
        {
            var timedSteps = CommonOptions.Positive("--steps", parsed.GetValue(steps));
            var warmupSteps = Math.Max(0, parsed.GetValue(warmup));
            var roundCount = CommonOptions.Positive("--rounds", parsed.GetValue(rounds));
            var batchSize = CommonOptions.Positive("--batch", parsed.GetValue(batch));
            var threadCount = CommonOptions.Positive("--threads", parsed.GetValue(threads));
            var interpreter = parsed.GetValue(python)!;
            var script = Path.Combine(AppContext.BaseDirectory, "Bench", "pytorch_supernet.py");
            var deviceName = parsed.GetValue(device)!;
            var trainingDevice = CommonOptions.StartTorch(threadCount, deviceName);
            CheckPyTorch(interpreter);
            var shape = new NetworkShape(CommonOptions.Positive("--channels", parsed.GetValue(channels)),
                CommonOptions.Positive("--cells", parsed.GetValue(cells)), 1, parsed.GetValue(imageSize), 10);
            shape.Validate();

            var rng = new Rng(7);
            var paths = Enumerable.Range(0, warmupSteps + timedSteps).Select(_ => ArchitectureSampling.Uniform(Nb201Space.Instance, rng)).ToArray();
            var pathFile = Path.GetTempFileName();
            File.WriteAllLines(pathFile, paths.Select(p => string.Join(' ', p.Choices)));
            Console.WriteLine($"supernet nb201 C={shape.Channels} N={shape.CellsPerStage} {shape.ImageSize}x{shape.ImageSize}, batch {batchSize}, " +
                              $"{deviceName}, {threadCount} threads, {roundCount} rounds of {warmupSteps} warm-up + {timedSteps} timed steps, same uniform path sequence");
            var torchSharp = new List<double>();
            var pyTorch = new List<double>();
            try
            {
                for (var round = 1; round <= roundCount; round++)
                {
                    torchSharp.Add(RunTorchSharp(shape, batchSize, paths, warmupSteps, trainingDevice));
                    pyTorch.Add(RunPyTorch(interpreter, script, pathFile, warmupSteps, threadCount, shape, batchSize, deviceName));
                    Console.WriteLine($"round {round}: TorchSharp {torchSharp[^1],8:N0} images/s   PyTorch {pyTorch[^1],8:N0} images/s   " +
                                      $"ratio {torchSharp[^1] / pyTorch[^1]:0.00}");
                }
            }
            finally
            {
                File.Delete(pathFile);
            }
            var medianTorchSharp = Median(torchSharp);
            var medianPyTorch = Median(pyTorch);
            Console.WriteLine($"median: TorchSharp {medianTorchSharp:N0} images/s ({1000.0 * batchSize / medianTorchSharp:0.0} ms/step), " +
                              $"PyTorch {medianPyTorch:N0} images/s ({1000.0 * batchSize / medianPyTorch:0.0} ms/step)");
            Console.WriteLine($"TorchSharp / PyTorch throughput ratio: {medianTorchSharp / medianPyTorch:0.00}x (goal: at least 1.00x)");
            return 0;
        });
        return command;
    }

    static double RunTorchSharp(NetworkShape shape, int batchSize, Architecture[] paths, int warmupSteps, TorchSharp.torch.Device device)
    {
        using var training = new SyntheticTraining(shape, batchSize, paths.Length, seed: 1, device);
        var clock = new Stopwatch();
        for (var step = 0; step < paths.Length; step++)
        {
            if (step == warmupSteps) clock.Start();
            training.Step(paths[step], step);
        }
        // The last step's optimizer update may still be queued on a GPU.
        if (device.type == TorchSharp.DeviceType.CUDA) TorchSharp.torch.cuda.synchronize(device);
        return (paths.Length - warmupSteps) * batchSize / clock.Elapsed.TotalSeconds;
    }

    static double RunPyTorch(string interpreter, string script, string pathFile, int warmupSteps, int threads, NetworkShape shape, int batchSize, string device)
    {
        var arguments = $"\"{script}\" --paths \"{pathFile}\" --warmup {warmupSteps} --threads {threads} --channels {shape.Channels} " +
                        $"--cells {shape.CellsPerStage} --image-size {shape.ImageSize} --batch {batchSize} --device {device}";
        var (exitCode, output) = Run(interpreter, arguments);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("images_per_second=", StringComparison.Ordinal));
        if (exitCode != 0 || line is null) throw new NasException($"the PyTorch peer failed (exit {exitCode}): {output.Trim()}");
        return double.Parse(line.Split(' ')[0]["images_per_second=".Length..], CultureInfo.InvariantCulture);
    }

    static void CheckPyTorch(string interpreter)
    {
        var (exitCode, _) = File.Exists(interpreter) ? Run(interpreter, "-c \"import torch\"") : (-1, "");
        if (exitCode != 0)
            throw new NasException($"PyTorch is not importable by {interpreter}; install it with: apt-get install python3-torch " +
                                   "(./nas bench installs it when absent), or pass --python PATH");
    }

    static (int ExitCode, string Output) Run(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new NasException($"could not start {file}");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }

    static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
