using NasActors.Search.Spaces;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NasActors.Torch.Supernets;

/// <summary>NAS-Bench-201's candidate operations: one table from name to a factory with the same signature.</summary>
public static class Operations
{
    /// <summary>How BatchNorm behaves: supernets normalise with batch statistics and learn no affine transform
    /// (as NAS-Bench-201's one-shot baselines do); stand-alone child models use ordinary BatchNorm.</summary>
    public sealed record Norm(bool Affine, bool TrackRunningStats)
    {
        public static Norm Supernet { get; } = new(Affine: false, TrackRunningStats: false);
        public static Norm Standalone { get; } = new(Affine: true, TrackRunningStats: true);
    }

    /// <summary>Builds the module for <paramref name="operation"/> on <paramref name="channels"/> channels, or null for
    /// <c>none</c> (which contributes nothing and is skipped rather than multiplied by zero).</summary>
    public static Module<Tensor, Tensor>? Create(string operation, int channels, Norm norm) => operation switch
    {
        Nb201Space.None => null,
        Nb201Space.SkipConnect => Identity(),
        Nb201Space.Conv1x1 => ReluConvBn(channels, channels, kernel: 1, stride: 1, norm),
        Nb201Space.Conv3x3 => ReluConvBn(channels, channels, kernel: 3, stride: 1, norm),
        Nb201Space.AvgPool3x3 => AvgPool2d(kernel_size: 3, stride: 1, padding: 1, count_include_pad: false),
        _ => throw new NasException($"unknown operation '{operation}'"),
    };

    /// <summary>ReLU, convolution (no bias), BatchNorm: NAS-Bench-201's ReLUConvBN.</summary>
    public static Module<Tensor, Tensor> ReluConvBn(int input, int output, int kernel, int stride, Norm norm) =>
        Sequential(
            ("relu", ReLU()),
            ("conv", Conv2d(input, output, kernel, stride: stride, padding: kernel / 2, bias: false)),
            ("bn", BatchNorm2d(output, affine: norm.Affine, track_running_stats: norm.TrackRunningStats)));

    /// <summary>Multiply-accumulates of an operation on an H x W map of <paramref name="channels"/> channels.</summary>
    public static long Flops(string operation, int channels, int height, int width) => operation switch
    {
        Nb201Space.Conv1x1 => (long)channels * channels * height * width,
        Nb201Space.Conv3x3 => (long)channels * channels * 9 * height * width,
        _ => 0,
    };
}
