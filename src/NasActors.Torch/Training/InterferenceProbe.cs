using NasActors.Search.Randomness;
using NasActors.Search.Spaces;
using NasActors.Torch.Data;
using NasActors.Torch.Supernets;
using static TorchSharp.torch;

namespace NasActors.Torch.Training;

/// <summary>Cosine similarity of a shared operator's gradients between two child models, for pairs that differ in
/// <see cref="Distance"/> other decisions.</summary>
public sealed record InterferenceRow(int Distance, int Pairs, double MeanCosine, double StandardDeviation);

/// <summary>MAGIC's first finding, measured on a trained supernet: two children that share an operator push its
/// weights in less similar directions the more the rest of them differs. Each pair shares option
/// <paramref name="option"/> on <paramref name="decision"/> (live in both), differs in exactly k other decisions, and is
/// trained on the same batch; the operator's gradient (over every cell) is compared by cosine similarity.</summary>
public sealed class InterferenceProbe(PathNetwork supernet, ImageDataset data, IReadOnlyList<int> images, int decision, int option, int batchSize, Device device)
{
    public IReadOnlyList<InterferenceRow> Measure(IEnumerable<int> distances, int pairs, ulong seed)
    {
        if (pairs < 2) throw new NasException($"--pairs must be at least 2 for a spread, got {pairs}");
        if (supernet.OperationParameters(Nb201Space.Instance.Largest, decision, option).Count == 0)
            throw new NasException($"option {Nb201Space.Operations[option]} has no weights, so it has no gradient to compare; pick a convolution");
        var rng = new Rng(seed);
        var rows = new List<InterferenceRow>();
        foreach (var distance in distances)
        {
            if (distance < 0 || distance >= Nb201Space.Edges.Count)
                throw new NasException($"a pair can differ in 0 to {Nb201Space.Edges.Count - 1} other decisions, not {distance}");
            var cosines = new double[pairs];
            for (var p = 0; p < pairs; p++)
            {
                var (a, b) = Pair(distance, rng);
                var batch = Enumerable.Range(0, batchSize).Select(_ => images[rng.NextInt(images.Count)]).ToArray();
                cosines[p] = Cosine(a, b, batch);
            }
            var mean = cosines.Average();
            var sd = Math.Sqrt(cosines.Sum(c => (c - mean) * (c - mean)) / (pairs - 1));
            rows.Add(new InterferenceRow(distance, pairs, mean, sd));
        }
        return rows;
    }

    /// <summary>Two children with the shared option live on the shared decision, differing in exactly
    /// <paramref name="distance"/> other decisions.</summary>
    public (Architecture A, Architecture B) Pair(int distance, Rng rng)
    {
        var space = Nb201Space.Instance;
        while (true)
        {
            var a = Search.Sampling.ArchitectureSampling.Uniform(space, rng).With(decision, option);
            var others = Enumerable.Range(0, space.Decisions.Count).Where(d => d != decision).ToArray();
            rng.Shuffle(others.AsSpan());
            var b = a;
            foreach (var d in others.Take(distance))
            {
                var changed = rng.NextInt(space.Decisions[d].OptionCount - 1);
                b = b.With(d, changed >= a[d] ? changed + 1 : changed);
            }
            // Only a live operator receives a gradient; resample pairs where either child bypasses it.
            if (Nb201Space.LiveEdges(a)[decision] && Nb201Space.LiveEdges(b)[decision]) return (a, b);
        }
    }

    double Cosine(Architecture a, Architecture b, int[] batch)
    {
        using var scope = NewDisposeScope();
        var (x, y) = data.Batch(batch, device);
        var shared = supernet.OperationParameters(a, decision, option);
        supernet.train();
        // A child routed to another few-shot sub-supernet leaves these weights without a gradient: it shares nothing
        // with the other, and the zero vector gives a cosine of 0.
        return PathGradient.CosineSimilarity(PathGradient.Of(supernet, a, x, y, shared), PathGradient.Of(supernet, b, x, y, shared));
    }
}
