using NasActors.Search.Spaces;

namespace NasActors.Search.Sampling;

/// <summary>A path-sampling strategy for supernet training. Its whole state (RNG included) saves to text, so a
/// checkpoint restores it exactly.</summary>
public interface IPathSampler
{
    /// <summary>The strategy's name in a search spec (e.g. "uniform").</summary>
    string Strategy { get; }

    /// <summary>Paths each step trains: a budget in images divides by it so that strategies get equal compute.</summary>
    int PathsPerStep { get; }

    /// <summary>Whether <see cref="Observe"/> needs per-operation gradient norms (they cost a pass over the gradients).</summary>
    bool WantsOperationGradients => false;

    /// <summary>The paths to train in the next optimizer step; their gradients are accumulated into one update.</summary>
    IReadOnlyList<Architecture> NextStep();

    /// <summary>What training saw on the paths of one step (strategies that adapt use it; others ignore it).</summary>
    void Observe(StepFeedback feedback);

    string SaveState();

    void RestoreState(string state);
}

/// <summary>Training feedback for the paths of one step, in the order <see cref="IPathSampler.NextStep"/> gave them.
/// <paramref name="OperationGradientNorms"/>, when the sampler asked for it, holds per decision the gradient norm of the
/// option the step trained there, summed over the network's cells (as PA&amp;DA measures it): 0 for an option without
/// weights, NaN for a decision the step did not train.</summary>
public sealed record StepFeedback(long Step, IReadOnlyList<Architecture> Paths, IReadOnlyList<double> Losses,
                                  IReadOnlyList<double>? OperationGradientNorms = null);

/// <summary>What a strategy is built from: the space, its seed, its own settings and the training it serves (its
/// length, and the steps of one pass over the training data).</summary>
public sealed record SamplerContext(IChoiceSpace Space, ulong Seed, StrategySettings Settings, long TotalSteps, int StepsPerEpoch);
