using System.Globalization;
using Akka.Configuration;
using NasActors.Actors.Persistence;
using NasActors.Actors.Runs;

namespace NasActors.Actors.Cluster;

/// <summary>A node's settings from HOCON (<c>nas.node</c> in hocon/node.conf, optionally under a user's file), each
/// checked with an error that names the setting and the file.</summary>
public sealed record NodeConfig(IReadOnlyList<string> Devices, int Evaluators, string StateDirectory, string? Journal, double PollSeconds,
                                string LogLevel = "WARNING", string LogFormat = "text")
{
    /// <summary>hocon/node.conf beside the program, with <paramref name="overridePath"/> (when given) read over it.</summary>
    public static NodeConfig Load(string? overridePath = null)
    {
        var shipped = JournalSettings.HoconFile("node.conf");
        var config = Parse(shipped);
        var source = shipped;
        if (overridePath is not null)
        {
            if (!File.Exists(overridePath)) throw new NasException($"node configuration '{overridePath}' does not exist; hocon/node.conf shows every setting");
            config = Parse(overridePath).WithFallback(config);
            source = overridePath;
        }
        return From(config, source);
    }

    static Config Parse(string path)
    {
        var text = File.ReadAllText(path);
        HoconSyntax.Check(text, path);
        try
        {
            return ConfigurationFactory.ParseString(text);
        }
        catch (Exception e) when (e is not NasException)
        {
            throw new NasException($"{path}: malformed HOCON: {e.Message}");
        }
    }

    public static NodeConfig From(Config config, string source)
    {
        NasException Invalid(string key, object value, string expected) => new($"{source}: nas.node.{key} = {value} is invalid: expected {expected}");
        string Get(string key) => config.HasPath($"nas.node.{key}") ? config.GetString($"nas.node.{key}") : throw new NasException($"{source}: nas.node.{key} is missing");

        var devices = config.HasPath("nas.node.devices") ? config.GetStringList("nas.node.devices").ToArray() : throw new NasException($"{source}: nas.node.devices is missing");
        if (devices.Length == 0) throw Invalid("devices", "[]", "at least one device, e.g. [cpu]");
        foreach (var device in devices)
            if (device != "cpu" && !(device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device[5..], NumberStyles.None, CultureInfo.InvariantCulture, out _)))
                throw Invalid("devices", device, "cpu or cuda:N");
        var evaluatorsText = Get("evaluators");
        if (!int.TryParse(evaluatorsText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var evaluators) || evaluators < 1)
            throw Invalid("evaluators", evaluatorsText, "a whole number, at least 1");
        var stateDirectory = Get("state-dir");
        if (string.IsNullOrWhiteSpace(stateDirectory)) throw Invalid("state-dir", "\"\"", "a folder");
        var journal = Get("journal");
        var pollText = Get("poll");
        if (!double.TryParse(pollText, NumberStyles.Float, CultureInfo.InvariantCulture, out var poll) || !(poll > 0))
            throw Invalid("poll", pollText, "a positive number of seconds");
        var logLevel = Get("log-level").ToUpperInvariant();
        if (logLevel is not ("DEBUG" or "INFO" or "WARNING" or "ERROR")) throw Invalid("log-level", logLevel, "DEBUG, INFO, WARNING or ERROR");
        var logFormat = Get("log-format").ToLowerInvariant();
        if (logFormat is not ("text" or "json")) throw Invalid("log-format", logFormat, "text or json");
        return new NodeConfig(devices, evaluators, stateDirectory, string.IsNullOrWhiteSpace(journal) ? null : journal, poll, logLevel, logFormat);
    }

    public NodeSettings ToSettings()
    {
        var settings = new NodeSettings(JournalSettings.Sqlite(Path.Combine(StateDirectory, "journal.db")), Path.Combine(StateDirectory, "checkpoints"), Devices, Evaluators,
                                        LogLevel);
        return Journal is null ? settings : settings with { Journal = JournalSettings.FromPostgresUrl(Journal) };
    }
}
