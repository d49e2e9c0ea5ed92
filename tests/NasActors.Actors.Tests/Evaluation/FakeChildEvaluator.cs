using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using NasActors.Actors.Evaluation;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;

namespace NasActors.Actors.Tests.Evaluation;

/// <summary>An evaluator without torch: the accuracy is a hash of the architecture's text. It can be told to throw for
/// the first attempts of each evaluation, and to block until released.</summary>
internal sealed class FakeChildEvaluator : IChildEvaluator
{
    readonly ConcurrentDictionary<string, int> _calls = new();
    readonly ManualResetEventSlim _open = new(initialState: true);

    /// <summary>Calls per evaluation id that throw before one succeeds (int.MaxValue: always).</summary>
    public int FailuresPerEvaluation { get; init; }

    /// <summary>What a failing call throws.</summary>
    public Func<EvaluationRequested, Exception> Failure { get; init; } = request => new InvalidOperationException($"disk on fire while scoring {request.EvaluationId}");

    public static double AccuracyOf(string architecture) =>
        BitConverter.ToUInt16(SHA256.HashData(Encoding.UTF8.GetBytes(architecture))) / (double)ushort.MaxValue;

    public string Device { get; init; } = "cpu";

    public int Calls(string evaluationId) => _calls.GetValueOrDefault(evaluationId);

    public int TotalCalls => _calls.Values.Sum();

    /// <summary>Calls block from now until <see cref="Release"/>.</summary>
    public void Hold() => _open.Reset();

    public void Release() => _open.Set();

    public double Evaluate(EvaluationRequested request, SearchSpec spec)
    {
        var call = _calls.AddOrUpdate(request.EvaluationId, 1, (_, calls) => calls + 1);
        _open.Wait(TimeSpan.FromMinutes(1));
        if (call <= FailuresPerEvaluation) throw Failure(request);
        return AccuracyOf(request.Architecture);
    }
}
