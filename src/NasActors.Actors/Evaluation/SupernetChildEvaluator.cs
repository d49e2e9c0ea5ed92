using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Actors.Training;
using NasActors.Search.Spaces;
using NasActors.Search.Randomness;
using NasActors.Torch.Checkpoints;
using NasActors.Torch.Data;
using NasActors.Torch.Estimators;
using NasActors.Torch.Runtime;
using NasActors.Torch.Supernets;
using TorchSharp;
using static TorchSharp.torch;
using TorchEvaluation = NasActors.Torch.Training.Evaluation;

namespace NasActors.Actors.Evaluation;

/// <summary>Scores a child model with the weights it inherits from a supernet checkpoint (or, for an estimator strategy,
/// with a zero-cost estimator on a freshly initialised child), on the first
/// <see cref="DataSpec.EvaluationImages"/> images of the validation split, on its device (the node's first: on a GPU node
/// the GPU, where scoring would otherwise take most of a search's time). Keeps the last few supernets it loaded (by
/// checkpoint file and hash). Thread-safe: one evaluation at a time.</summary>
public sealed class SupernetChildEvaluator : IChildEvaluator, IDisposable
{
    public const int DefaultCachedSupernets = 3;

    readonly object _gate = new();
    readonly int _cachedSupernets;
    readonly string _device;
    readonly LinkedList<LoadedSupernet> _supernets = new();  // most recently used first
    bool _disposed;

    public SupernetChildEvaluator(string device = "cpu", int cachedSupernets = DefaultCachedSupernets)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(device);
        ArgumentOutOfRangeException.ThrowIfLessThan(cachedSupernets, 1);
        _device = device;
        _cachedSupernets = cachedSupernets;
        // Evaluations run beside training on other threads (see TorchRuntime.PrepareForConcurrentUse).
        TorchRuntime.PrepareForConcurrentUse();
    }

    public string Device => _device;

    /// <summary>Validation accuracy of <see cref="EvaluationRequested.Architecture"/> along the checkpoint's supernet.
    /// A checkpoint that is missing or does not match its hash throws <see cref="CorruptCheckpointException"/>; a device
    /// this machine lacks throws <see cref="NasException"/> naming it (neither is worth a retry).</summary>
    public double Evaluate(EvaluationRequested request, SearchSpec spec)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(spec);
        var path = SearchSpaces.Get(spec.Space).Parse(request.Architecture);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var device = TorchRuntime.ResolveDevice(_device);
            // Built once per process (data set, folder, image size, validation size) and shared with the trainers.
            var (train, split) = TrainingData.For(spec.Data);
            var shape = new NetworkShape(spec.Supernet.Channels, spec.Supernet.CellsPerStage, train.Channels, train.Height, train.ClassCount);
            var strategy = spec.Strategies.SingleOrDefault(s => s.Id == request.Strategy)
                           ?? throw new NasException($"the search has no strategy '{request.Strategy}'");
            if (strategy.IsEstimator) return EstimatorScore(path, spec, strategy, train, split, device);
            var indices = split.Validation[..Math.Min(spec.Data.EvaluationImages, split.Validation.Length)];
            if (strategy.FineTuning($"search.strategies.{strategy.Id}") is { } fineTuning)
                return FineTunedAccuracy(request, spec, strategy, fineTuning, path, shape, train, split, indices, device);
            var supernet = Supernet(request.CheckpointPath, request.CheckpointSha256, shape, spec, strategy, device).Network;
            return TorchEvaluation.Accuracy(supernet, path, train, indices, device);
        }
    }

    /// <summary>Accuracy after the child's path of a private copy of the supernet trained a few more steps: the copy,
    /// not the cached supernet, since fine-tuning one child must not move the weights the next one inherits. The copy is
    /// one scratch network per cached supernet, overwritten from it before each child: building a supernet and reading
    /// and hashing its checkpoint again cost as much as the fine-tuning itself. Every child of a strategy is fine-tuned
    /// on the same images in the same order.</summary>
    double FineTunedAccuracy(EvaluationRequested request, SearchSpec spec, StrategySpec strategy, ShortTrainingSettings fineTuning,
                             Architecture path, NetworkShape shape, ImageDataset train, DataSplit split, int[] validation, Device device)
    {
        var loaded = Supernet(request.CheckpointPath, request.CheckpointSha256, shape, spec, strategy, device);
        var copy = loaded.Scratch ??= StrategySupernet.Create(spec, strategy, shape, seed: 0).to(device);
        CopyWeights(loaded.Network, copy);
        ShortTraining.Train(copy, path, train, TrainingRows(spec, strategy, "fine-tune:", fineTuning.Steps * fineTuning.BatchSize, split),
                            fineTuning, device);
        return TorchEvaluation.Accuracy(copy, path, train, validation, device);
    }

    /// <summary>Every weight and buffer of <paramref name="source"/> into <paramref name="target"/>, built alike, with
    /// every weight trainable again (fine-tuning operations alone froze the rest).</summary>
    static void CopyWeights(PathNetwork source, PathNetwork target)
    {
        using var noGrad = no_grad();
        foreach (var (from, to) in source.parameters().Zip(target.parameters()))
        {
            to.copy_(from);
            to.requires_grad = true;
        }
        foreach (var (from, to) in source.buffers().Zip(target.buffers())) to.copy_(from);
        target.WeightsLoaded();
    }

    /// <summary>The first <paramref name="count"/> training rows (at most all of them) in an order fixed by the run's and
    /// the strategy's seeds.</summary>
    static int[] TrainingRows(SearchSpec spec, StrategySpec strategy, string purpose, int count, DataSplit split)
    {
        var order = new Rng(Rng.DeriveSeed(spec.Seed ^ strategy.Seed, purpose + strategy.Id)).Permutation(split.Train.Length);
        return order.Take(count).Select(i => split.Train[i]).ToArray();
    }

    /// <summary>An estimator's score of a freshly initialised child (short training: its accuracy after training). Every child of a run is initialised
    /// from the same seed and sees the same training images, so that the scores differ by architecture alone.</summary>
    static double EstimatorScore(Architecture path, SearchSpec spec, StrategySpec strategy, ImageDataset train, DataSplit split, Device device)
    {
        var estimator = strategy.EstimatorSettings($"search.strategies.{strategy.Id}");
        var shape = new NetworkShape(estimator.Channels ?? spec.Supernet.Channels, estimator.Cells ?? spec.Supernet.CellsPerStage,
                                     train.Channels, train.Height, train.ClassCount);
        var seed = Rng.DeriveSeed(spec.Seed ^ strategy.Seed, "estimator:" + strategy.Id);
        if (estimator.ShortTraining is { } training)
            return ShortTraining.Score(path, shape, train, TrainingRows(spec, strategy, "estimator:", training.Steps * training.BatchSize, split),
                                       split.Validation[..Math.Min(spec.Data.EvaluationImages, split.Validation.Length)], training, (long)(seed >> 2), device);
        var rows = TrainingRows(spec, strategy, "estimator:", estimator.Settings.BatchSize * estimator.Settings.Batches, split);
        return ZeroCostEstimators.Score(strategy.Sampler, path, shape, train, rows, estimator.Settings, (long)(seed >> 2), device);
    }

    LoadedSupernet Supernet(string checkpointPath, string sha256, NetworkShape shape, SearchSpec spec, StrategySpec strategy, Device device)
    {
        var key = new SupernetKey(checkpointPath, sha256.ToLowerInvariant(), shape, strategy.Sampler);
        for (var node = _supernets.First; node is not null; node = node.Next)
        {
            if (node.Value.Key != key) continue;
            _supernets.Remove(node);
            _supernets.AddFirst(node);
            return node.Value;
        }
        // The seed is irrelevant: the checkpoint overwrites every weight.
        var network = StrategySupernet.Create(spec, strategy, shape, seed: 0);
        try
        {
            CheckpointFile.LoadWeights(checkpointPath, sha256, network);
            network.to(device);
        }
        catch
        {
            network.Dispose();
            throw;
        }
        var loaded = new LoadedSupernet(key, network);
        _supernets.AddFirst(loaded);
        while (_supernets.Count > _cachedSupernets)
        {
            _supernets.Last!.Value.Dispose();
            _supernets.RemoveLast();
        }
        return loaded;
    }

    /// <summary>Frees the cached supernets; waits for an evaluation in progress to end.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var supernet in _supernets) supernet.Dispose();
            _supernets.Clear();
        }
    }

    sealed record SupernetKey(string Path, string Sha256, NetworkShape Shape, string Sampler);

    /// <summary>A cached supernet and, once a fine-tuned child needed one, its scratch copy.</summary>
    sealed class LoadedSupernet(SupernetKey key, PathNetwork network) : IDisposable
    {
        public SupernetKey Key { get; } = key;
        public PathNetwork Network { get; } = network;
        public PathNetwork? Scratch { get; set; }

        public void Dispose()
        {
            Network.Dispose();
            Scratch?.Dispose();
        }
    }
}
