using NasActors.Search.Sampling;

namespace NasActors.Actors.Training;

/// <summary>A trainer asks its sampler for the paths of <paramref name="Count"/> steps from <paramref name="FromStep"/>,
/// handing over the feedback of the steps it trained since its last request.</summary>
public sealed record RequestPaths(long FromStep, int Count, IReadOnlyList<StepFeedback> Feedback);

/// <summary>The sampler's answer: each step's paths and the sampler's state right after proposing them.</summary>
public sealed record PathsProposed(IReadOnlyList<ProposedStep> Steps);

/// <summary>One step's paths; <paramref name="SamplerStateAfter"/> is what a checkpoint taken after this step stores.</summary>
public sealed record ProposedStep(long Step, IReadOnlyList<NasActors.Search.Spaces.Architecture> Paths, string SamplerStateAfter);

/// <summary>Put the sampler back to a checkpointed state (before any request of a resumed training).</summary>
public sealed record RestoreSamplerState(string State);

/// <summary>The sampler could not answer (a malformed state, feedback it cannot use): the training fails with the reason.</summary>
public sealed record SamplerFailed(string Reason);
