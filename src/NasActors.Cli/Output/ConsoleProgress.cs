using System.Diagnostics;
using System.Globalization;

namespace NasActors.Cli.Output;

/// <summary>Progress of a long command: on a terminal, one bar with the fraction done and the time left, redrawn in
/// place under the command's ordinary lines; when output goes to a file or a CI log, only the ordinary lines (a bar's
/// carriage returns would only clutter the log).</summary>
public sealed class ConsoleProgress : IDisposable
{
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly TextWriter _output;
    readonly bool _interactive;
    readonly string _label;
    readonly double _total;
    double _done;
    string _detail = "";
    long _lastDrawn = -1;

    public ConsoleProgress(string label, double total, TextWriter? output = null, bool? interactive = null)
    {
        _label = label;
        _total = Math.Max(total, 1e-9);
        _output = output ?? Console.Out;
        _interactive = interactive ?? (!Console.IsOutputRedirected && Environment.GetEnvironmentVariable("CI") is null);
    }

    /// <summary>Work done so far (in the units of the total) and a short note for the bar.</summary>
    public void Report(double done, string detail = "")
    {
        (_done, _detail) = (Math.Clamp(done, 0, _total), detail);
        // At most 10 redraws a second: a terminal is slower than a training step.
        var tick = _clock.ElapsedMilliseconds / 100;
        if (tick == _lastDrawn && _done < _total) return;
        _lastDrawn = tick;
        Draw();
    }

    /// <summary>An ordinary line: above the bar on a terminal, as it is elsewhere.</summary>
    public void WriteLine(string line)
    {
        if (_interactive) _output.Write("\r\u001b[2K");
        _output.WriteLine(line);
        if (_interactive) Draw();
    }

    void Draw()
    {
        if (!_interactive) return;
        var width = Console.IsOutputRedirected ? 100 : Math.Max(40, Console.WindowWidth - 1);
        _output.Write("\r\u001b[2K" + Render(_label, _done, _total, _clock.Elapsed, _detail, width));
        _output.Flush();
    }

    /// <summary>"label [#####.....]  45%  ETA 1m23s  detail", cut to <paramref name="width"/> characters.</summary>
    public static string Render(string label, double done, double total, TimeSpan elapsed, string detail, int width)
    {
        var fraction = total <= 0 ? 1 : Math.Clamp(done / total, 0, 1);
        const int barWidth = 24;
        var filled = (int)Math.Round(fraction * barWidth);
        var eta = fraction <= 0 ? "ETA --" : fraction >= 1 ? $"done in {Duration(elapsed)}" : $"ETA {Duration(elapsed * ((1 - fraction) / fraction))}";
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{label} [{new string('#', filled)}{new string('.', barWidth - filled)}] {fraction * 100,3:0}%  {eta}{(detail.Length > 0 ? "  " + detail : "")}");
        return line.Length <= width ? line : line[..width];
    }

    static string Duration(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{(int)span.TotalHours}h{span.Minutes:00}m" : span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes}m{span.Seconds:00}s" : $"{span.Seconds}s";

    bool _closed;

    /// <summary>Leaves the final bar on its own line; what is printed afterwards starts below it.</summary>
    public void Dispose()
    {
        if (!_interactive || _closed) return;
        _closed = true;
        Draw();
        _output.WriteLine();
    }
}
