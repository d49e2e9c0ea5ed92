using NasActors.Search.Spaces;
using NasActors.Torch.Supernets;
using TorchSharp;
using static TorchSharp.torch;

namespace NasActors.Torch.Estimators;

/// <summary><c>zico</c> (Li et al., ICLR 2023): per conv or linear layer, log of the sum over its weights of
/// mean|g| / std(g) across batches (train mode, cross-entropy); score = sum over layers.</summary>
internal sealed class ZicoMeasure : IZeroCostMeasure
{
    public string Name => "zico";
    public bool NeedsData => true;
    public bool DependsOnWeights => true;

    public double Measure(Nb201Network network, Architecture architecture, IReadOnlyList<(Tensor Images, Tensor Labels)> batches)
    {
        using var scope = NewDisposeScope();
        // A standard deviation needs two gradients: one batch is split in halves, as ZiCo's reference does.
        var parts = batches.Count >= 2 ? batches : Halves(batches[0]);
        network.train();
        var weights = LayerWeights.Of(network).ToArray();
        var gradients = weights.Select(_ => new List<Tensor>()).ToArray();
        foreach (var (images, labels) in parts)
        {
            network.zero_grad();
            nn.functional.cross_entropy(network.call(images), labels).backward();
            using (no_grad())
            {
                for (var i = 0; i < weights.Length; i++)
                    gradients[i].Add(LayerWeights.Gradient(weights[i]) is { } gradient
                        ? gradient.flatten().to(ScalarType.Float64).clone()
                        : zeros(weights[i].numel(), ScalarType.Float64, weights[i].device));
            }
        }
        return Score(gradients.Select(perBatch => stack(perBatch)));
    }

    static (Tensor Images, Tensor Labels)[] Halves((Tensor Images, Tensor Labels) batch)
    {
        var count = batch.Images.shape[0];
        var half = count / 2;
        return
        [
            (batch.Images.narrow(0, 0, half), batch.Labels.narrow(0, 0, half)),
            (batch.Images.narrow(0, half, count - half), batch.Labels.narrow(0, half, count - half)),
        ];
    }

    /// <summary>Sum of <see cref="LayerTerm"/> over layers that have one; negative infinity when none has (no weight's
    /// gradient varies: the child passes no signal, e.g. a degenerate cell).</summary>
    internal static double Score(IEnumerable<Tensor> layers)
    {
        double score = 0;
        var any = false;
        foreach (var layer in layers)
        {
            if (LayerTerm(layer) is not { } term) continue;
            score += term;
            any = true;
        }
        return any ? score : double.NegativeInfinity;
    }

    /// <summary>One layer's term from its gradients (batches x weights): log(sum of mean|g| / std(g) over weights whose
    /// std is not 0), std over batches without Bessel's correction (numpy's default, as the reference); null when the
    /// sum is 0 (the reference skips such layers).</summary>
    internal static double? LayerTerm(Tensor gradients)
    {
        using var scope = NewDisposeScope();
        using var zero = 0.0.ToScalar();
        var perBatch = gradients.to(ScalarType.Float64).flatten(1);
        var std = perBatch.std(0, unbiased: false);
        var varying = std.ne(zero);
        var sum = perBatch.abs().mean([0]).masked_select(varying).div(std.masked_select(varying)).sum().ToDouble();
        return sum > 0 ? Math.Log(sum) : null;
    }
}
