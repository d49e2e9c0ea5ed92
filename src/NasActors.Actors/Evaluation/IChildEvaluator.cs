using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;

namespace NasActors.Actors.Evaluation;

/// <summary>Scores one child model: its validation accuracy with weights inherited from the requested checkpoint.</summary>
public interface IChildEvaluator
{
    /// <summary>Blocks until the child is scored. A <see cref="NasException"/> (a corrupt checkpoint, a bad spec) is a
    /// failure that retrying cannot fix; any other exception is treated as a crash worth retrying.</summary>
    double Evaluate(EvaluationRequested request, SearchSpec spec);

    /// <summary>Where it scores: cpu or cuda:N.</summary>
    string Device => "cpu";
}
