using System.Diagnostics;
using NasActors.Search.Randomness;
using NasActors.Search.Spaces;
using NasActors.Torch.Data;
using NasActors.Torch.Supernets;
using TorchSharp;
using static TorchSharp.torch;

namespace NasActors.Torch.Training;

/// <summary>A child model trained from scratch: the ground truth supernet estimates are judged against.</summary>
public sealed record StandaloneResult(
    Architecture Architecture, long Seed, int Epochs, double TestAccuracy, double ValidationAccuracy,
    long Parameters, long Flops, double Seconds, double FinalLoss);

/// <summary>Progress of a stand-alone training, reported once per epoch.</summary>
public sealed record StandaloneProgress(int Epoch, int Epochs, double MeanLoss, double ImagesPerSecond);

/// <summary>Trains one architecture from scratch on the training split and measures it on validation and test data.</summary>
public static class StandaloneTraining
{
    public static StandaloneResult Train(
        Architecture architecture, NetworkShape shape, ImageDataset train, DataSplit split, ImageDataset test,
        int epochs, long seed, SgdSettings settings, Device device, Action<StandaloneProgress>? progress = null,
        Action<double>? fractionDone = null)
    {
        if (epochs < 1) throw new NasException($"epochs must be positive, got {epochs}");
        var clock = Stopwatch.StartNew();
        using var network = Nb201Network.CreateChild(shape, architecture, seed);
        network.to(device);
        var order = new EpochOrder(split.Train, settings.BatchSize, Rng.DeriveSeed((ulong)seed, "standalone-data"));
        var totalSteps = (long)order.BatchesPerEpoch * epochs;
        using var trainer = new SgdTrainer(network, settings, totalSteps);
        IReadOnlyList<Architecture> path = [architecture];
        double lastEpochLoss = double.NaN;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            double lossSum = 0;
            for (var b = 0; b < order.BatchesPerEpoch; b++)
            {
                using var scope = NewDisposeScope();
                var batch = order.NextBatch();
                var (images, labels) = train.Batch(batch, device);
                lossSum += trainer.Step(images, labels, path, (long)epoch * order.BatchesPerEpoch + b)[0];
                fractionDone?.Invoke((double)((long)epoch * order.BatchesPerEpoch + b + 1) / totalSteps);
            }
            lastEpochLoss = lossSum / order.BatchesPerEpoch;
            progress?.Invoke(new StandaloneProgress(epoch + 1, epochs, lastEpochLoss,
                order.BatchesPerEpoch * settings.BatchSize / epochClock.Elapsed.TotalSeconds));
        }
        var validation = Evaluation.Accuracy(network, architecture, train, split.Validation, device);
        var testAccuracy = Evaluation.Accuracy(network, architecture, test, null, device);
        return new StandaloneResult(architecture, seed, epochs, testAccuracy, validation, network.ParameterCount(),
                                    network.Flops(architecture), clock.Elapsed.TotalSeconds, lastEpochLoss);
    }
}
