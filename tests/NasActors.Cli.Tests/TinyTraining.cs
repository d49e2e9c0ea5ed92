namespace NasActors.Cli.Tests;

/// <summary>Options that keep every torch run of the tests tiny: 8x8 images, C=2, one cell, one thread,
/// 100 of the 400 fake training images held out (the 300 left fill two batches of 128).</summary>
public static class TinyTraining
{
    public const string Architecture = "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2|";

    /// <summary>The model and data options every torch command takes.</summary>
    public static string[] Options(string dataDirectory) =>
        ["--data-dir", dataDirectory, "--image-size", "8", "--channels", "2", "--cells", "1", "--threads", "1", "--validation-size", "100"];

    /// <summary><see cref="Options"/> plus one epoch, for the commands that train child models from scratch.</summary>
    public static string[] OneEpoch(string dataDirectory) => [.. Options(dataDirectory), "--epochs", "1"];
}
