using NasActors.Search.Spaces;

namespace NasActors.Search.Sampling;

/// <summary>A path-sampling strategy for supernet training. Its whole state (RNG included) saves to text, so a
/// checkpoint restores it exactly.</summary>
public interface IPathSampler
{
    /// <summary>The strategy's name in a search spec (e.g. "uniform").</summary>
    string Strategy { get; }

    /// <summary>The paths to train in the next optimizer step; their gradients are accumulated into one update.</summary>
    IReadOnlyList<Architecture> NextStep();

    /// <summary>What training saw on the paths of one step (strategies that adapt use it; others ignore it).</summary>
    void Observe(StepFeedback feedback);

    string SaveState();

    void RestoreState(string state);
}

/// <summary>Training feedback for the paths of one step, in the order <see cref="IPathSampler.NextStep"/> gave them.</summary>
public sealed record StepFeedback(long Step, IReadOnlyList<Architecture> Paths, IReadOnlyList<double> Losses);
