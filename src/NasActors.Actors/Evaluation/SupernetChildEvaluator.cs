using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Actors.Training;
using NasActors.Search.Spaces;
using NasActors.Torch.Checkpoints;
using NasActors.Torch.Supernets;
using TorchEvaluation = NasActors.Torch.Training.Evaluation;
using static TorchSharp.torch;

using NasActors.Torch.Runtime;

namespace NasActors.Actors.Evaluation;

/// <summary>Scores a child model with the weights it inherits from a supernet checkpoint, on the first
/// <see cref="DataSpec.EvaluationImages"/> images of the validation split, on the CPU. Keeps the last few supernets it
/// loaded (by checkpoint file and hash). Thread-safe: one evaluation at a time.</summary>
public sealed class SupernetChildEvaluator : IChildEvaluator, IDisposable
{
    public const int DefaultCachedSupernets = 3;

    readonly object _gate = new();
    readonly int _cachedSupernets;
    readonly LinkedList<LoadedSupernet> _supernets = new();  // most recently used first
    bool _disposed;

    public SupernetChildEvaluator(int cachedSupernets = DefaultCachedSupernets)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cachedSupernets, 1);
        _cachedSupernets = cachedSupernets;
        // Evaluations run beside training on other threads, where oneDNN's NaN fault turns persistent.
        TorchRuntime.PrepareForConcurrentUse();
    }

    /// <summary>Validation accuracy of <see cref="EvaluationRequested.Architecture"/> along the checkpoint's supernet.
    /// A checkpoint that is missing or does not match its hash throws <see cref="CorruptCheckpointException"/>.</summary>
    public double Evaluate(EvaluationRequested request, SearchSpec spec)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(spec);
        var path = SearchSpaces.Get(spec.Space).Parse(request.Architecture);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // Built once per process (data set, folder, image size, validation size) and shared with the trainers.
            var (train, split) = TrainingData.For(spec.Data);
            var shape = new NetworkShape(spec.Supernet.Channels, spec.Supernet.CellsPerStage, train.Channels, train.Height, train.ClassCount);
            var strategy = spec.Strategies.SingleOrDefault(s => s.Id == request.Strategy)
                           ?? throw new NasException($"the search has no strategy '{request.Strategy}'");
            var supernet = Supernet(request.CheckpointPath, request.CheckpointSha256, shape, spec, strategy);
            var indices = split.Validation[..Math.Min(spec.Data.EvaluationImages, split.Validation.Length)];
            return TorchEvaluation.Accuracy(supernet, path, train, indices, CPU);
        }
    }

    PathNetwork Supernet(string checkpointPath, string sha256, NetworkShape shape, SearchSpec spec, StrategySpec strategy)
    {
        var key = new SupernetKey(checkpointPath, sha256.ToLowerInvariant(), shape, strategy.Sampler);
        for (var node = _supernets.First; node is not null; node = node.Next)
        {
            if (node.Value.Key != key) continue;
            _supernets.Remove(node);
            _supernets.AddFirst(node);
            return node.Value.Network;
        }
        // The seed is irrelevant: the checkpoint overwrites every weight.
        var network = StrategySupernet.Create(spec, strategy, shape, seed: 0);
        try
        {
            CheckpointFile.LoadWeights(checkpointPath, sha256, network);
        }
        catch
        {
            network.Dispose();
            throw;
        }
        _supernets.AddFirst(new LoadedSupernet(key, network));
        while (_supernets.Count > _cachedSupernets)
        {
            _supernets.Last!.Value.Network.Dispose();
            _supernets.RemoveLast();
        }
        return network;
    }

    /// <summary>Frees the cached supernets; waits for an evaluation in progress to end.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var supernet in _supernets) supernet.Network.Dispose();
            _supernets.Clear();
        }
    }

    sealed record SupernetKey(string Path, string Sha256, NetworkShape Shape, string Sampler);

    sealed record LoadedSupernet(SupernetKey Key, PathNetwork Network);
}
