namespace NasActors.Actors.Evaluation;

/// <summary>A failure an evaluator throws on purpose because the spec's fault injection asked for it.</summary>
public sealed class InjectedFaultException(string message) : Exception(message);
