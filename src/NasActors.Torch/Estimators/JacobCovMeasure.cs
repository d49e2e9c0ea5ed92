using NasActors.Search.Spaces;
using NasActors.Torch.Runtime;
using NasActors.Torch.Supernets;
using TorchSharp;
using static TorchSharp.torch;

namespace NasActors.Torch.Estimators;

/// <summary><c>jacob-cov</c> (Mellor et al. 2020, v1): the per-image gradient of the summed output with respect to the
/// input, in train mode, on the first batch; score = -sum(log(v + k) + 1/(v + k)) over the eigenvalues v of the
/// images' correlation matrix, k = 1e-5.</summary>
/// <remarks>With more images than input values (128 images of 1x8x8) the correlation has at least BatchSize - C·H·W zero
/// eigenvalues, each adding about -1/k: scores then sit near -1e5 times that count and only the small remainder ranks.</remarks>
internal sealed class JacobCovMeasure : IZeroCostMeasure
{
    const double K = 1e-5;

    public string Name => "jacob-cov";
    public bool NeedsData => true;
    public bool DependsOnWeights => true;

    public double Measure(Nb201Network network, Architecture architecture, IReadOnlyList<(Tensor Images, Tensor Labels)> batches)
    {
        using var scope = NewDisposeScope();
        network.train();
        network.zero_grad();
        // A copy of its own: the batch is shared by every initialisation and must not collect gradients.
        var input = batches[0].Images.detach().clone().requires_grad_(true);
        network.call(input).sum().backward();
        // No gradient at all: the output does not depend on the input (a degenerate cell), which ranks last.
        return input.grad is { } jacobian ? CorrelationScore(jacobian.flatten(1)) : double.NegativeInfinity;
    }

    /// <summary>The score of a jacobian (one row per image). Negative infinity when a row is constant (its correlation is
    /// undefined): a child through which no input reaches the output, which ranks last.</summary>
    internal static double CorrelationScore(Tensor jacobian)
    {
        using var scope = NewDisposeScope();
        var correlation = jacobian.to(ScalarType.Float64).corrcoef();
        if (correlation.isnan().any().ToBoolean()) return double.NegativeInfinity;
        // Symmetric, so eigvalsh: real eigenvalues (the reference's np.linalg.eig can return complex rounding noise).
        using var k = K.ToScalar();
        var shifted = linalg.eigvalsh(correlation).add(k, Scalars.One);
        var score = -shifted.log().add_(shifted.reciprocal(), Scalars.One).sum().ToDouble();
        return double.IsNaN(score) ? double.NegativeInfinity : score;
    }
}
