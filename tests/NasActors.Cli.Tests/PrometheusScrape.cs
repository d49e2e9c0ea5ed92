using System.Globalization;
using System.Text.RegularExpressions;

namespace NasActors.Cli.Tests;

/// <summary>One scrape of a /metrics page in Prometheus's text format: each sample's name, labels and value.</summary>
public sealed partial class PrometheusScrape
{
    readonly List<(string Name, string Labels, double Value)> _samples = [];

    public PrometheusScrape(string text)
    {
        Text = text;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var match = Sample().Match(line);
            Assert.True(match.Success, $"not a Prometheus sample line: '{line}'");
            _samples.Add((match.Groups["name"].Value, match.Groups["labels"].Value, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }
    }

    public string Text { get; }

    /// <summary>The samples named <paramref name="name"/> whose labels contain <paramref name="label"/> (any when null);
    /// fails, showing the page, when there is none.</summary>
    public IReadOnlyList<double> Values(string name, string? label = null)
    {
        var values = _samples.Where(s => s.Name == name && (label is null || s.Labels.Contains(label, StringComparison.Ordinal))).Select(s => s.Value).ToArray();
        Assert.True(values.Length > 0, $"/metrics has no {name}{(label is null ? "" : $" with {label}")}:\n{Text}");
        return values;
    }

    /// <summary>The sum over every series of <paramref name="name"/> (e.g. all trainers).</summary>
    public double Sum(string name, string? label = null) => Values(name, label).Sum();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})?\s+(?<value>[^\s]+)(\s+\d+)?$")]
    private static partial Regex Sample();
}
