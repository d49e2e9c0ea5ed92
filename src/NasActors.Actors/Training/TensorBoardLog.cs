using NasActors.Search;
using TorchSharp;

namespace NasActors.Actors.Training;

/// <summary>One strategy's TensorBoard event file, under <c>DIR/&lt;search-id&gt;/&lt;strategy&gt;</c>, written through
/// TorchSharp's <c>torch.utils.tensorboard.SummaryWriter</c>. Written once per checkpoint window, never per step. A
/// resumed run opens a new event file in the same folder; TensorBoard merges the files of a folder.</summary>
public sealed class TensorBoardLog : IDisposable
{
    readonly TorchSharp.Modules.SummaryWriter _writer;

    TensorBoardLog(TorchSharp.Modules.SummaryWriter writer, string folder)
    {
        _writer = writer;
        Folder = folder;
    }

    public string Folder { get; }

    /// <summary>The folder of one strategy's event files.</summary>
    public static string FolderOf(string root, string searchId, string strategy) => Path.Combine(root, searchId, strategy);

    /// <summary>Opens the strategy's writer; a folder that cannot be written throws a <see cref="NasException"/> naming it.</summary>
    /// <remarks><paramref name="resumedFrom"/> goes into the file's name, so a resumed job never appends to (or
    /// replaces) the file of the job before it, even within the same second.</remarks>
    public static TensorBoardLog Open(string root, string searchId, string strategy, long resumedFrom)
    {
        var folder = FolderOf(root, searchId, strategy);
        try
        {
            Directory.CreateDirectory(folder);
            return new TensorBoardLog(torch.utils.tensorboard.SummaryWriter(folder, $".from-{resumedFrom}.{Guid.NewGuid().ToString("N")[..8]}"), folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NasException($"TensorBoard folder '{folder}' cannot be written: {e.Message}; choose another training.tensorboard (or --tensorboard)");
        }
    }

    /// <summary>Checks that <paramref name="root"/> can hold event files (creates it, writes and deletes a probe file).</summary>
    public static void CheckWritable(string root)
    {
        try
        {
            Directory.CreateDirectory(root);
            var probe = Path.Combine(root, $".probe-{Environment.ProcessId}");
            File.WriteAllBytes(probe, [0]);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new NasException($"TensorBoard folder '{root}' cannot be written: {e.Message}; choose a writable folder");
        }
    }

    /// <summary>What one checkpoint window measured, at the window's last step.</summary>
    public void Checkpoint(long step, double meanLoss, double imagesPerSecond, double learningRate, double meanGradientNorm)
    {
        Scalar("train/loss", meanLoss, step);
        Scalar("train/images_per_second", imagesPerSecond, step);
        Scalar("train/learning_rate", learningRate, step);
        Scalar("train/gradient_norm", meanGradientNorm, step);
    }

    public void Scalar(string tag, double value, long step)
    {
        if (double.IsFinite(value)) _writer.add_scalar(tag, (float)value, (int)Math.Min(step, int.MaxValue));
    }

    /// <summary>An image, CHW uint8 (TorchSharp's writer appends each event to the file as it is added).</summary>
    public void Image(string tag, torch.Tensor chw, long step) => _writer.add_img(tag, chw, (int)Math.Min(step, int.MaxValue));

    /// <summary>A 96x96 scatter of estimate (x) against truth (y), each axis spanning its own range, as a CHW uint8 image:
    /// white ground, grey frame, one dark 3x3 dot per child.</summary>
    public static torch.Tensor Scatter(IReadOnlyList<(double Estimate, double Truth)> points)
    {
        const int size = 96, margin = 4;
        var pixels = new byte[size * size];
        Array.Fill(pixels, (byte)255);
        for (var i = 0; i < size; i++)
            foreach (var (x, y) in new[] { (i, 0), (i, size - 1), (0, i), (size - 1, i) }) pixels[y * size + x] = 160;
        var (xMin, xMax) = (points.Min(p => p.Estimate), points.Max(p => p.Estimate));
        var (yMin, yMax) = (points.Min(p => p.Truth), points.Max(p => p.Truth));
        static int Place(double v, double min, double max) =>
            margin + (int)Math.Round((max > min ? (v - min) / (max - min) : 0.5) * (size - 1 - 2 * margin));
        foreach (var (estimate, truth) in points)
        {
            int cx = Place(estimate, xMin, xMax), cy = size - 1 - Place(truth, yMin, yMax);
            for (var dy = -1; dy <= 1; dy++)
                for (var dx = -1; dx <= 1; dx++) pixels[(cy + dy) * size + cx + dx] = 30;
        }
        return torch.tensor(pixels, [1, size, size], torch.ScalarType.Byte);
    }

    public void Dispose() => (_writer as IDisposable)?.Dispose();
}
