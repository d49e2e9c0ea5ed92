using NasActors.Search.Spaces;
using NasActors.Torch.Runtime;
using NasActors.Torch.Supernets;
using static TorchSharp.torch;

namespace NasActors.Torch.Training;

/// <summary>How far each operation's weights moved from their initial values: ‖W − W0‖ / ‖W0‖ over that operation's
/// weights in every cell, per decision and option (NaN for operations without weights). An operation that barely
/// moved was barely trained, whatever its update count says.</summary>
public static class OperationMovement
{
    /// <summary>Compares <paramref name="trained"/> with <paramref name="initial"/>, the same supernet freshly built from
    /// its initial seed. A split few-shot supernet is measured over all its sub-supernets together, each against the
    /// parent's initial weights (each began as a copy of the parent, so that is its W0): the result is the root mean
    /// square of the sub-supernets' relative movements. Before the split, the parent alone.</summary>
    public static double[][] Measure(PathNetwork trained, PathNetwork initial)
    {
        var space = Nb201Space.Instance;
        var anyPath = new Architecture(space, new int[space.Decisions.Count]);
        var origin = Networks(initial, anyPath).First();
        var networks = Networks(trained, anyPath).ToArray();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // Every sum is reduced where the weights live and read in one transfer (a read per tensor would make a GPU wait).
        var sums = new List<Tensor>();
        var cells = new List<(int Decision, int Option)>();
        for (var d = 0; d < space.Decisions.Count; d++)
            for (var o = 0; o < space.Decisions[d].Options.Count; o++)
            {
                var w0 = origin.OperationParameters(anyPath, d, o);
                if (w0.Count == 0) continue;
                Tensor? moved = null, size = null;
                foreach (var network in networks)
                {
                    var w = network.OperationParameters(anyPath, d, o);
                    if (w.Count != w0.Count) throw new ArgumentException($"the networks differ in the weights of option {o} on decision {d}", nameof(initial));
                    for (var i = 0; i < w.Count; i++)
                    {
                        var start = w0[i].detach().to(float64).to(w[i].device);
                        var distance = w[i].detach().to(float64).sub(start).pow(Scalars.Two).sum();
                        var norm = start.pow(Scalars.Two).sum();
                        moved = moved is null ? distance : moved.add(distance, Scalars.One);
                        size = size is null ? norm : size.add(norm, Scalars.One);
                    }
                }
                sums.Add(moved!);
                sums.Add(size!);
                cells.Add((d, o));
            }
        var movement = space.Decisions.Select(decision => Enumerable.Repeat(double.NaN, decision.Options.Count).ToArray()).ToArray();
        if (cells.Count == 0) return movement;
        var values = stack(sums).cpu().data<double>().ToArray();
        for (var c = 0; c < cells.Count; c++)
            movement[cells[c].Decision][cells[c].Option] = Math.Sqrt(values[2 * c]) / Math.Sqrt(values[2 * c + 1]);
        return movement;
    }

    /// <summary>The NB201 supernets inside <paramref name="network"/> that have been trained: itself, a few-shot supernet's
    /// parent, or after its split every sub-supernet.</summary>
    static IEnumerable<Nb201Network> Networks(PathNetwork network, Architecture anyPath) => network switch
    {
        Nb201Network supernet => [supernet],
        FewShotSupernet { IsSplit: false } fewShot => [fewShot.Parent],
        FewShotSupernet fewShot => Enumerable.Range(0, fewShot.Plan.Options)
            .Select(option => fewShot.For(anyPath.With(fewShot.Plan.Decision, option))).Distinct(),
        _ => throw new ArgumentException($"no operation weights to measure in a {network.GetType().Name}", nameof(network)),
    };
}
