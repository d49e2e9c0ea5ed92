using NasActors.Search.Spaces;
using NasActors.Torch.Runtime;
using NasActors.Torch.Supernets;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NasActors.Torch.Estimators;

/// <summary><c>naswot</c> (Mellor et al., ICML 2021): in train mode, each image's binary code (unit active or not) at every
/// ReLU; K = number of units on which two images agree; score = log|det K|, averaged over the batches.</summary>
internal sealed class NaswotMeasure : IZeroCostMeasure
{
    public string Name => "naswot";
    public bool NeedsData => true;
    public bool DependsOnWeights => true;

    public double Measure(Nb201Network network, Architecture architecture, IReadOnlyList<(Tensor Images, Tensor Labels)> batches)
    {
        double sum = 0;
        foreach (var (images, _) in batches) sum += BatchScore(network, images);
        return sum / batches.Count;
    }

    /// <summary>log|det K| for one batch: the codes are taken by forward hooks on every ReLU (in this network the first
    /// module of each ReLU-conv-BN block, and the head's), removed again before returning.</summary>
    static double BatchScore(nn.Module<Tensor, Tensor> network, Tensor images)
    {
        using var scope = NewDisposeScope();
        using var zero = 0.0.ToScalar();
        network.train();
        Tensor? kernel = null;
        var removers = new List<Action>();
        try
        {
            foreach (var relu in network.modules().OfType<ReLU>())
            {
                // Summing one kernel per ReLU equals the kernel of the concatenated codes, without holding them all.
                var hook = relu.register_forward_hook((_, input, output) =>
                {
                    var layer = HammingKernel(input.flatten(1).gt(zero));
                    kernel = kernel is null ? layer : kernel.add_(layer, Scalars.One);
                    return output;
                });
                removers.Add(hook.remove);
            }
            using (no_grad()) network.call(images);
        }
        finally
        {
            foreach (var remove in removers) remove();
        }
        // A network without a ReLU on the signal's way has no codes: nothing distinguishes the images.
        return kernel is null ? double.NegativeInfinity : LogAbsDeterminant(kernel);
    }

    /// <summary>K[i, j] = number of units on which rows i and j of a 0/1 (or boolean) code matrix agree:
    /// C Cᵀ + (1 - C)(1 - C)ᵀ, in float64 (exact counts).</summary>
    internal static Tensor HammingKernel(Tensor codes)
    {
        var active = codes.to(ScalarType.Float64);
        var inactive = ones_like(active).sub_(active);
        return active.matmul(active.t()).add_(inactive.matmul(inactive.t()), Scalars.One);
    }

    /// <summary>log|det| (slogdet); negative infinity for a singular matrix (two images with identical codes).</summary>
    internal static double LogAbsDeterminant(Tensor matrix)
    {
        using var scope = NewDisposeScope();
        var (_, logAbsDet) = linalg.slogdet(matrix.to(ScalarType.Float64));
        return logAbsDet.ToDouble();
    }
}
