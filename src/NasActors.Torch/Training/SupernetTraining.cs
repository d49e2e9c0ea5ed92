using NasActors.Search.Randomness;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;
using NasActors.Torch.Checkpoints;
using NasActors.Torch.Data;
using NasActors.Torch.Supernets;
using static TorchSharp.torch;

namespace NasActors.Torch.Training;

/// <summary>What one supernet training step did.</summary>
public sealed record SupernetStep(long Step, IReadOnlyList<Architecture> Paths, IReadOnlyList<double> Losses, int Images);

/// <summary>Trains a supernet along the paths a sampler proposes, on batches from a seeded data order; checkpoints
/// and restores every random stream so that a resumed training is identical to an uninterrupted one. A few-shot
/// supernet splits when its plan says; with MAGIC-A, trained paths are aligned with an anchor child.</summary>
public sealed class SupernetTraining : IDisposable
{
    readonly ImageDataset _data;
    readonly IDataOrder _dataOrder;
    readonly SgdTrainer _trainer;
    readonly Device _device;
    readonly AnchorSelection? _anchor;

    public SupernetTraining(PathNetwork supernet, IPathSampler sampler, ImageDataset data, IDataOrder dataOrder,
                            SgdSettings settings, long totalSteps, Device device, AnchorSelection? anchor = null)
    {
        if (!supernet.IsSupernet) throw new ArgumentException("SupernetTraining needs a supernet, not a child model", nameof(supernet));
        if (dataOrder.BatchSize != settings.BatchSize)
            throw new ArgumentException($"the data order's batch size {dataOrder.BatchSize} differs from training's {settings.BatchSize}", nameof(dataOrder));
        Supernet = supernet;
        Sampler = sampler;
        _data = data;
        _device = device;
        _dataOrder = dataOrder;
        _anchor = anchor;
        _trainer = new SgdTrainer(supernet, settings, totalSteps);
    }

    /// <summary>Uniform data order over <paramref name="trainIndices"/> (a fresh permutation per epoch).</summary>
    public SupernetTraining(PathNetwork supernet, IPathSampler sampler, ImageDataset data, IReadOnlyList<int> trainIndices,
                            SgdSettings settings, long totalSteps, ulong dataSeed, Device device)
        : this(supernet, sampler, data, new EpochOrder(trainIndices, settings.BatchSize, dataSeed), settings, totalSteps, device)
    {
    }

    public PathNetwork Supernet { get; }
    public IPathSampler Sampler { get; }

    /// <summary>The MAGIC-A anchor in use (null without MAGIC-A or before the first selection).</summary>
    public Architecture? Anchor => _anchor?.Anchor;

    /// <summary>Steps completed.</summary>
    public long Step { get; private set; }

    public long TotalSteps => _trainer.TotalSteps;

    public bool IsComplete => Step >= TotalSteps;

    public long GradientRetries => _trainer.GradientRetries;

    /// <summary>The last step's total gradient norm before clipping, and the learning rate it was taken at.</summary>
    public double LastGradientNorm => _trainer.LastGradientNorm;

    public double LastLearningRate => _trainer.Settings.LearningRateAt(Math.Max(0, Step - 1), _trainer.TotalSteps);

    /// <summary>SHA-256 chained over every step's paths, in order: two trainings with equal digests trained the same
    /// path sequence (what a resumed run is checked against).</summary>
    public string PathsDigest { get; private set; } = "";

    /// <summary>How often each operation was updated so far; null after resuming from a checkpoint written before
    /// updates were counted (what came before is unknown, and a partial count would understate it).</summary>
    public OperationUpdates? OperationUpdates { get; private set; } = new(Nb201Space.Instance);

    public SupernetStep TrainStep()
    {
        if (IsComplete) throw new InvalidOperationException($"training is complete ({TotalSteps} steps)");
        if (Supernet is FewShotSupernet { IsSplit: false } fewShot && Step >= fewShot.Plan.AtStep)
            fewShot.Split(fewShot.Plan.Criterion switch
            {
                SplitCriterion.Gradients => GroupByGradients(fewShot),
                SplitCriterion.IntrinsicDimension => GroupByIntrinsicDimension(fewShot),
                _ => null,
            });
        _anchor?.BeforeStep(Supernet, _data, Step, _device);
        var batch = _dataOrder.NextBatch();
        var paths = Sampler.NextStep();
        StepResult result;
        using (var scope = NewDisposeScope())
        {
            var (images, labels) = _data.Batch(batch, _device);
            var options = new StepOptions(Sampler.WantsOperationGradients, _dataOrder.WantsSampleScores,
                                          _anchor?.Anchor is { } anchor ? new Alignment(anchor, _anchor.Weight) : null);
            result = _trainer.Step(images, labels, paths, Step, options);
        }
        // Counted once the step is taken: a step that throws (non-finite loss) updated nothing.
        OperationUpdates?.Record(paths);
        if (result.SampleScores is { } scores) _dataOrder.Observe(batch, scores);
        _anchor?.AfterStep(paths);
        Sampler.Observe(new StepFeedback(Step, paths, result.Losses, result.OperationGradientNorms));
        PathsDigest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(PathsDigest + "\n" + string.Join(' ', paths))));
        Step++;
        return new SupernetStep(Step - 1, paths, result.Losses, batch.Length * paths.Count);
    }

    /// <summary>GM-NAS: the options' gradient distances on the parent, then the balanced grouping of the most alike.
    /// The batches come from the data order (resumed from a checkpoint, it gives the same ones again); the paths from
    /// the supernet's seed.</summary>
    int[] GroupByGradients(FewShotSupernet fewShot)
    {
        var plan = fewShot.Plan;
        var rng = new Rng(Rng.DeriveSeed((ulong)fewShot.Seed, "gradient-matching"));
        OptionDistances = GradientMatching.OptionDistances(fewShot.Parent, plan.Decision, plan.Options, plan.MatchingBatches,
            () => _data.Batch(_dataOrder.NextBatch(), _device), () => ArchitectureSampling.Uniform(Nb201Space.Instance, rng));
        return OptionGrouping.LeastWithinGroupDistance(OptionDistances, plan.Groups);
    }

    /// <summary>NAS-LID: the options' LID vectors on the parent, then the balanced grouping of the most alike. Batches
    /// and paths come as for <see cref="GroupByGradients"/>.</summary>
    int[] GroupByIntrinsicDimension(FewShotSupernet fewShot)
    {
        var plan = fewShot.Plan;
        var rng = new Rng(Rng.DeriveSeed((ulong)fewShot.Seed, "intrinsic-dimension"));
        (OptionDistances, OptionLidVectors) = IntrinsicDimensionMatching.OptionDistances(fewShot.Parent, plan.Decision, plan.Options, plan.LidBatches,
            plan.LidNeighbours, () => _data.Batch(_dataOrder.NextBatch(), _device), () => ArchitectureSampling.Uniform(Nb201Space.Instance, rng));
        return OptionGrouping.LeastWithinGroupDistance(OptionDistances, plan.Groups);
    }

    /// <summary>The distances between the split decision's options that grouped them (gradients for GM-NAS, LID vectors
    /// for NAS-LID), once measured by this training; null otherwise (a resumed training reads the grouping from its
    /// checkpoint).</summary>
    public double[,]? OptionDistances { get; private set; }

    /// <summary>NAS-LID's per-option LID vectors (one value per cell), once measured by this training.</summary>
    public double[][]? OptionLidVectors { get; private set; }

    /// <summary>Saves weights, optimizer and every stream's state; <paramref name="metadata"/> goes with them, and the
    /// operations' update counts under <see cref="Training.OperationUpdates.MetadataKey"/>.</summary>
    public CheckpointInfo SaveCheckpoint(string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var noted = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>());
        if (OperationUpdates is { } updates) noted[Training.OperationUpdates.MetadataKey] = updates.Format();
        return CheckpointFile.Save(path, Supernet, _trainer.Optimizer,
            new TrainingState(Step, Sampler.SaveState(), _dataOrder.SaveState(), get_num_threads(), noted, _anchor?.SaveState(), PathsDigest));
    }

    /// <summary>Restores weights, optimizer, sampler and data order from a checkpoint whose hash must match.</summary>
    public TrainingState RestoreCheckpoint(string path, string sha256)
    {
        var state = CheckpointFile.Load(path, sha256, Supernet, _trainer.Optimizer);
        if (state.Threads != get_num_threads())
            throw new NasException($"checkpoint '{path}' was trained with {state.Threads} intra-op threads and this process uses " +
                                   $"{get_num_threads()}; results differ between thread counts, so resume with --threads {state.Threads}");
        var updates = state.Metadata.TryGetValue(Training.OperationUpdates.MetadataKey, out var counts)
            ? Training.OperationUpdates.Parse(counts, Nb201Space.Instance)
              ?? throw new CorruptCheckpointException(path, $"its {Training.OperationUpdates.MetadataKey} '{counts}' does not fit the search space")
            : null;
        Sampler.RestoreState(state.SamplerState);
        _dataOrder.RestoreState(state.DataOrderState);
        if (_anchor is not null) _anchor.RestoreState(state.AnchorState ?? "");
        PathsDigest = state.PathsDigest ?? "";
        OperationUpdates = updates;
        Step = state.Step;
        return state;
    }

    public void Dispose() => _trainer.Dispose();
}
