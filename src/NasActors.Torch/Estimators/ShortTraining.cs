using NasActors.Search.Spaces;
using NasActors.Torch.Data;
using NasActors.Torch.Supernets;
using NasActors.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NasActors.Torch.Estimators;

/// <summary>How a child is trained briefly: SGD steps, images per step and the initial learning rate (cosine to zero,
/// NAS-Bench-201's stand-alone recipe otherwise). <paramref name="OperationsOnly"/> trains only the weights of the
/// path's cell operations and leaves the stem, reductions and classifier as they are.</summary>
public sealed record ShortTrainingSettings(int Steps = 80, int BatchSize = 128, double LearningRate = 0.1, bool OperationsOnly = false)
{
    public void Validate()
    {
        if (Steps is < 1 or > 100_000) throw new NasException($"short-training steps must be 1..100000, got {Steps}");
        if (BatchSize is < 2 or > 4096) throw new NasException($"short-training batch size must be 2..4096, got {BatchSize}");
        if (LearningRate is not (> 0 and <= 10)) throw new NasException($"short-training learning rate must be in (0, 10], got {LearningRate}");
    }

    /// <summary>The optimizer: the stand-alone recipe with this batch and learning rate.</summary>
    public SgdSettings Sgd => SgdSettings.Standalone with { LearningRate = LearningRate, BatchSize = BatchSize };
}

/// <summary>A low-fidelity estimator (EcoNAS, Zhou et al. CVPR 2020: reduced training as a proxy): a child trained for a
/// few steps, from scratch or from the weights it inherits from a supernet, scored by its validation accuracy. It costs
/// seconds a child rather than the zero-cost estimators' milliseconds, and is the peer a supernet's ranking must clear
/// once the supernet's own training time is counted.</summary>
public static class ShortTraining
{
    public const string Name = "short-training";

    /// <summary>Validation accuracy on <paramref name="validationRows"/> of a child of <paramref name="architecture"/>
    /// initialised from <paramref name="seed"/> and trained <see cref="ShortTrainingSettings.Steps"/> steps on
    /// <paramref name="trainRows"/>.</summary>
    public static double Score(Architecture architecture, NetworkShape shape, ImageDataset data, IReadOnlyList<int> trainRows,
                               IReadOnlyList<int> validationRows, ShortTrainingSettings settings, long seed, Device device)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(settings);
        shape.Validate();
        using var network = Nb201Network.CreateChild(shape, architecture, seed);
        network.to(device);
        Train(network, architecture, data, trainRows, settings, device);
        return Evaluation.Accuracy(network, architecture, data, validationRows, device);
    }

    /// <summary>Trains <paramref name="path"/> of <paramref name="network"/> in place: step s reads rows
    /// [s x BatchSize, (s + 1) x BatchSize) of <paramref name="trainRows"/>, wrapping around, so that every child sees the
    /// same images in the same order. With <see cref="ShortTrainingSettings.OperationsOnly"/> every other weight of the
    /// network is frozen for good (the network is meant to be a private copy), and a path whose operations hold no
    /// weights is left untrained.</summary>
    public static void Train(PathNetwork network, Architecture path, ImageDataset data, IReadOnlyList<int> trainRows,
                             ShortTrainingSettings settings, Device device)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(trainRows);
        settings.Validate();
        if (trainRows.Count < settings.BatchSize)
            throw new NasException($"short training needs at least one batch of {settings.BatchSize} rows, got {trainRows.Count}");
        if (settings.OperationsOnly && !FreezeAllButOperations(network, path)) return;
        using var trainer = new SgdTrainer(network, settings.Sgd, settings.Steps);
        IReadOnlyList<Architecture> paths = [path];
        var batch = new int[settings.BatchSize];
        for (var step = 0; step < settings.Steps; step++)
        {
            using var scope = NewDisposeScope();
            for (var i = 0; i < batch.Length; i++) batch[i] = trainRows[(int)(((long)step * batch.Length + i) % trainRows.Count)];
            var (images, labels) = data.Batch(batch, device);
            trainer.Step(images, labels, paths, step);
        }
    }

    /// <summary>Stops gradients to every weight outside the path's cell operations; false when those hold none.</summary>
    static bool FreezeAllButOperations(PathNetwork network, Architecture path)
    {
        var operationWeights = new HashSet<IntPtr>();
        for (var decision = 0; decision < path.DecisionCount; decision++)
            foreach (var parameter in network.OperationParameters(path, decision, path[decision]))
                operationWeights.Add(parameter.Handle);
        foreach (var parameter in network.parameters())
            if (!operationWeights.Contains(parameter.Handle)) parameter.requires_grad = false;
        return operationWeights.Count > 0;
    }
}
