using NasActors.Actors.Protocol;

namespace NasActors.Actors.Evaluation;

/// <summary>The supervisor hands an evaluator attempt <paramref name="Attempt"/> (from 1) of one evaluation.
/// <paramref name="Sequence"/> counts the evaluations handed to this evaluator's slot, across its restarts and
/// replacements; fault injection keys on it, so a replaced evaluator does not die again at the same count.</summary>
public sealed record RunEvaluation(EvaluateChild Work, int Attempt, int Sequence)
{
    public string EvaluationId => Work.Request.EvaluationId;
}

/// <summary>An evaluator scored the child of <paramref name="Run"/>, in <paramref name="Seconds"/> of its own work.</summary>
public sealed record EvaluationAttemptSucceeded(RunEvaluation Run, double Accuracy, double Seconds = 0);

/// <summary>An attempt failed: the evaluator crashed (retryable), or the work itself is unusable (not retryable).</summary>
public sealed record EvaluationAttemptFailed(RunEvaluation Run, string Reason, bool Retryable);
