using NasActors.Search.Randomness;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;
using NasActors.Torch.Checkpoints;
using NasActors.Torch.Data;
using NasActors.Torch.Runtime;
using NasActors.Torch.Supernets;
using static TorchSharp.torch;

namespace NasActors.Torch.Training;

/// <summary>What one supernet training step did.</summary>
public sealed record SupernetStep(long Step, IReadOnlyList<Architecture> Paths, IReadOnlyList<double> Losses, int Images);

/// <summary>Trains a supernet along the paths a sampler proposes, on batches from a seeded data order; checkpoints
/// and restores every random stream so that a resumed training is identical to an uninterrupted one.</summary>
public sealed class SupernetTraining : IDisposable
{
    readonly ImageDataset _data;
    readonly EpochOrder _dataOrder;
    readonly SgdTrainer _trainer;
    readonly Device _device;

    public SupernetTraining(Nb201Network supernet, IPathSampler sampler, ImageDataset data, IReadOnlyList<int> trainIndices,
                            SgdSettings settings, long totalSteps, ulong dataSeed, Device device)
    {
        if (!supernet.IsSupernet) throw new ArgumentException("SupernetTraining needs a supernet, not a child model", nameof(supernet));
        Supernet = supernet;
        Sampler = sampler;
        _data = data;
        _device = device;
        _dataOrder = new EpochOrder(trainIndices, settings.BatchSize, dataSeed);
        _trainer = new SgdTrainer(supernet, settings, totalSteps);
    }

    public Nb201Network Supernet { get; }
    public IPathSampler Sampler { get; }

    /// <summary>Steps completed.</summary>
    public long Step { get; private set; }

    public long TotalSteps => _trainer.TotalSteps;

    public bool IsComplete => Step >= TotalSteps;

    public SupernetStep TrainStep()
    {
        if (IsComplete) throw new InvalidOperationException($"training is complete ({TotalSteps} steps)");
        var batch = _dataOrder.NextBatch();
        var paths = Sampler.NextStep();
        double[] losses;
        using (var scope = NewDisposeScope())
        {
            var (images, labels) = _data.Batch(batch, _device);
            losses = _trainer.Step(images, labels, paths, Step);
        }
        var step = new SupernetStep(Step, paths, losses, batch.Length * paths.Count);
        Sampler.Observe(new StepFeedback(Step, paths, losses));
        Step++;
        return step;
    }

    public CheckpointInfo SaveCheckpoint(string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        CheckpointFile.Save(path, Supernet, _trainer.Optimizer,
            new TrainingState(Step, Sampler.SaveState(), _dataOrder.SaveState(), TorchSharp.torch.get_num_threads(),
                              metadata ?? new Dictionary<string, string>()));

    /// <summary>Restores weights, optimizer, sampler and data order from a checkpoint whose hash must match.</summary>
    public TrainingState RestoreCheckpoint(string path, string sha256)
    {
        var state = CheckpointFile.Load(path, sha256, Supernet, _trainer.Optimizer);
        if (state.Threads != TorchSharp.torch.get_num_threads())
            throw new NasException($"checkpoint '{path}' was trained with {state.Threads} intra-op threads and this process uses " +
                                   $"{TorchSharp.torch.get_num_threads()}; results differ between thread counts, so resume with --threads {state.Threads}");
        Sampler.RestoreState(state.SamplerState);
        _dataOrder.RestoreState(state.DataOrderState);
        Step = state.Step;
        return state;
    }

    public void Dispose() => _trainer.Dispose();
}
