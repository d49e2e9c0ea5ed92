using Akka.Actor;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Actors.Telemetry;
using NasActors.Search.Randomness;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;
using NasActors.Torch.Checkpoints;
using NasActors.Torch.Runtime;
using NasActors.Torch.Supernets;
using NasActors.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NasActors.Actors.Training;

/// <summary>One strategy's supernet training, run on a thread of its own (TorchSharp calls block): it resumes from
/// the newest usable committed checkpoint, trains, checkpoints every K steps and reports to the run.</summary>
internal sealed class TrainingJob
{
    /// <summary>Steps of paths asked for at a time.</summary>
    public const int Lookahead = 16;

    readonly TrainStrategy _work;
    readonly SearchSpec _spec;
    readonly StrategySpec _strategy;
    readonly IActorRef _run;
    readonly string _checkpointDirectory;
    readonly string _device;
    readonly System.Diagnostics.Stopwatch _session = new();
    readonly int _stepsPerEpoch;
    readonly AlignmentSettings _alignment;
    readonly string _trainerName;
    readonly KeyValuePair<string, object?> _trainerTag;
    long _resumedFrom;

    /// <param name="spawnSampler">Starts the <see cref="SamplerActor"/> that hosts the strategy's sampler.</param>
    /// <param name="device">The trainer's device, <c>cpu</c> or <c>cuda:N</c>: the supernet, its optimizer state and
    /// every batch live there.</param>
    public TrainingJob(TrainStrategy work, IActorRef run, IActorRef trainer, string checkpointDirectory, string device, Func<IPathSampler, IActorRef> spawnSampler)
    {
        _work = work;
        _device = device;
        _spec = SearchSpec.Parse(work.SpecText, $"spec of {work.SearchId}");
        _strategy = _spec.Strategies.SingleOrDefault(s => s.Id == work.Strategy)
                    ?? throw new NasException($"search {work.SearchId} has no strategy '{work.Strategy}'");
        _run = run;
        _checkpointDirectory = checkpointDirectory;
        _trainerName = trainer.Path.Name;  // the metrics' name for it: its index and device (trainer-0-cpu)
        _trainerTag = new("trainer", _trainerName);
        var (train, split) = TrainingData.For(_spec.Data);
        _stepsPerEpoch = split.Train.Length / _spec.Training.BatchSize;
        (var sampler, _alignment) = _strategy.CreateSampler(SearchSpaces.Get(_spec.Space), Rng.DeriveSeed(_spec.Seed ^ _strategy.Seed, "sampler:" + _strategy.Id),
                                                            Math.Max(1, _stepsPerEpoch), $"spec of {work.SearchId}: search.strategies.{_strategy.Id}");
        Sampler = new ActorFedSampler(sampler, SearchSpaces.Get(_spec.Space), () => spawnSampler(sampler), trainer, Lookahead);
    }

    public ActorFedSampler Sampler { get; }

    public IActorRef SamplerActor => Sampler.Actor;

    /// <summary>Trains to the end or until cancelled; every outcome is reported to the run, never thrown.</summary>
    public void Run(CancellationToken cancellation)
    {
        Sampler.StopWaitingOn(cancellation);
        try
        {
            TorchRuntime.SetThreads(_work.Threads);
            var device = TorchRuntime.ResolveDevice(_device);
            var (train, split) = TrainingData.For(_spec.Data);
            var shape = new NetworkShape(_spec.Supernet.Channels, _spec.Supernet.CellsPerStage, train.Channels, train.Height, train.ClassCount);
            var seed = _spec.Seed ^ _strategy.Seed;
            using var supernet = StrategySupernet.Create(_spec, _strategy, shape, CheckpointLayout.SupernetSeed(_spec, _strategy));
            // Weights are drawn on the CPU (the same for every device), then moved before the optimizer sees them.
            supernet.to(device);
            var settings = SgdSettings.Supernet with { LearningRate = _spec.Training.LearningRate, BatchSize = _spec.Training.BatchSize };
            var dataOrder = Samplers.DataOrder(_strategy.Sampler, split.Train, settings.BatchSize, Rng.DeriveSeed(seed, "data:" + _strategy.Id), _strategy.Steps);
            var anchor = _alignment.Enabled
                ? new AnchorSelection(SearchSpaces.Get(_spec.Space), _alignment.Weight, _alignment.Every > 0 ? _alignment.Every : Math.Max(1, _stepsPerEpoch),
                                      _alignment.Candidates, split.Validation[..Math.Min(_alignment.Images, split.Validation.Length)])
                : null;
            using var training = new SupernetTraining(supernet, Sampler, train, dataOrder, settings, _strategy.Steps, device, anchor);
            Resume(training);
            // One event file per process run: a resumed job adds a new one to the same folder, which TensorBoard merges.
            using var tensorBoard = _spec.Training.TensorBoard is { } root ? TensorBoardLog.Open(root, _work.SearchId, _work.Strategy, _resumedFrom) : null;
            _session.Restart();
            var window = System.Diagnostics.Stopwatch.StartNew();
            double lossSum = 0, gradientNormSum = 0;
            long images = 0, steps = 0;
            var waited = Sampler.Waiting;
            while (!training.IsComplete && !cancellation.IsCancellationRequested)
            {
                var step = training.TrainStep();
                (lossSum, images, steps) = (lossSum + step.Losses.Average(), images + step.Images, steps + 1);
                NasMetrics.TrainingSteps.Add(1, _trainerTag);
                NasMetrics.TrainingImages.Add(step.Images, _trainerTag);
                NasMetrics.PathWait.Add((Sampler.Waiting - waited).TotalSeconds, _trainerTag);
                waited = Sampler.Waiting;
                gradientNormSum += training.LastGradientNorm;
                if (training.Step % _spec.Training.CheckpointEvery != 0 && !training.IsComplete) continue;
                var imagesPerSecond = images / window.Elapsed.TotalSeconds;
                NasMetrics.SetImagesPerSecond(_trainerName, imagesPerSecond);
                tensorBoard?.Checkpoint(training.Step, lossSum / steps, imagesPerSecond, training.LastLearningRate, gradientNormSum / steps);
                Checkpoint(training, lossSum / steps, imagesPerSecond);
                (lossSum, gradientNormSum, images, steps) = (0, 0, 0, 0);
                window.Restart();
            }
        }
        catch (NasException e)
        {
            _run.Tell(new TrainingFailed(_work.SearchId, _work.Strategy, e.Message));
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Stopped while waiting for paths: as stopped between steps, the last checkpoint stands.
        }
        finally
        {
            NasMetrics.SetImagesPerSecond(_trainerName, 0);  // an idle trainer trains nothing
        }
    }

    void Resume(SupernetTraining training)
    {
        foreach (var checkpoint in _work.Checkpoints.Reverse())
        {
            try
            {
                var state = training.RestoreCheckpoint(checkpoint.Path, checkpoint.Sha256);
                Sampler.ContinueFrom(state.Step);
                _resumedFrom = state.Step;
                return;
            }
            catch (CorruptCheckpointException e)
            {
                // Fall back to the one before: the steps since are trained again, identically.
                _run.Tell(new CheckpointUnusable(_work.SearchId, _work.Strategy, checkpoint.Step, e.Message));
            }
        }
    }

    void Checkpoint(SupernetTraining training, double meanLoss, double imagesPerSecond)
    {
        var path = CheckpointLayout.PathOf(_checkpointDirectory, _work.SearchId, _work.Strategy, training.Step);
        var metadata = new Dictionary<string, string> { ["strategy"] = _work.Strategy, ["search"] = _work.SearchId };
        if (training.Supernet is FewShotSupernet { IsSplit: true } fewShot)  // which options share a sub-supernet, for whoever reads the file
            metadata[CheckpointLayout.SplitGroupsKey] = string.Join(" ", fewShot.GroupOf);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var info = training.SaveCheckpoint(path, metadata);
        NasMetrics.CheckpointSeconds.Record(clock.Elapsed.TotalSeconds, _trainerTag);
        NasMetrics.CheckpointBytes.Add(new FileInfo(info.Path).Length, _trainerTag);
        _run.Tell(new CheckpointSaved(_work.SearchId, _work.Strategy, training.Step, info.Path, info.Sha256, training.IsComplete,
            training.IsComplete ? CheckpointFile.WeightsSha256(training.Supernet) : "", meanLoss, imagesPerSecond,
            _session.Elapsed.TotalSeconds, Sampler.Waiting.TotalSeconds, training.PathsDigest, _resumedFrom));
    }
}
