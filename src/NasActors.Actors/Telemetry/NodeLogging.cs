using Akka.Configuration;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace NasActors.Actors.Telemetry;

/// <summary>How a node writes its log: readable lines, or one JSON object a line (Serilog's compact format, with the
/// message rendered) for a log collector.</summary>
public enum LogFormat { Text, Json }

/// <summary>One logger for Akka and the application: once <see cref="Use"/> has been called, every actor system this
/// process starts sends its log events through Serilog (Akka.Logger.Serilog), each line carrying the node and, where the
/// event is about one, the search id and strategy. Akka's log level (akka.loglevel in HOCON, or --log-level) decides what
/// is written. Without <see cref="Use"/> (tests, the admin commands) Akka logs as it does by default.</summary>
public static class NodeLogging
{
    static volatile bool _inUse;

    /// <summary>What the text format writes: level, time and node, the message, the actor it came from.</summary>
    public const string TextTemplate = "[{Level:u3} {Timestamp:HH:mm:ss.fff} {Node}] {Message:lj} ({LogSource}){NewLine}{Exception}";

    /// <summary>Parses a --log-format value; anything else is refused naming the choices.</summary>
    public static LogFormat ParseFormat(string text) => text.ToLowerInvariant() switch
    {
        "text" => LogFormat.Text,
        "json" => LogFormat.Json,
        _ => throw new NasException($"--log-format {text} is invalid: expected text or json"),
    };

    /// <summary>The node every event is tagged with: its address once it is up (a port of 0 is known only then).</summary>
    public static string Node { get; set; } = "nas";

    /// <summary>From now on, actor systems of this process log through Serilog to standard output in
    /// <paramref name="format"/>, every event tagged with <see cref="Node"/>.</summary>
    public static void Use(LogFormat format, string node)
    {
        Node = node;
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Verbose()  // Akka filters by its own level before an event gets here
            .Enrich.With<NodeAndSearch>();
        Log.Logger = (format == LogFormat.Json
            ? configuration.WriteTo.Console(new RenderedCompactJsonFormatter())
            : configuration.WriteTo.Console(outputTemplate: TextTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture)).CreateLogger();
        _inUse = true;
    }

    /// <summary>The Akka settings that route a system's log to Serilog while <see cref="Use"/> is in effect (they take
    /// precedence over a node's own); empty otherwise.</summary>
    public static Config AkkaConfig() => _inUse
        ? ConfigurationFactory.ParseString("""
            akka {
              # Akka writes its start-up lines to standard output before the loggers are up: they would not be JSON.
              stdout-loglevel = OFF
              loggers = ["Akka.Logger.Serilog.SerilogLogger, Akka.Logger.Serilog"]
              logger-formatter = "Akka.Logger.Serilog.SerilogLogMessageFormatter, Akka.Logger.Serilog"
            }
            """)
        : Config.Empty;

    /// <summary>Flushes what is buffered (at process exit).</summary>
    public static void Flush()
    {
        if (_inUse) Log.CloseAndFlush();
    }

    /// <summary>The node on every event; and the search id on a search run's events (its actors are named by the search:
    /// searches/manager/ID/run and below) even where the message does not name it as a property.</summary>
    sealed class NodeAndSearch : ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory properties)
        {
            logEvent.AddOrUpdateProperty(properties.CreateProperty("Node", Node));
            // An evaluation's id begins with its strategy's (STRATEGY/N, STRATEGY/ground-truth/N, ...).
            if (!logEvent.Properties.ContainsKey("Strategy") && logEvent.Properties.TryGetValue("EvaluationId", out var evaluation)
                && evaluation is ScalarValue { Value: string id } && id.IndexOf('/') is > 0 and var slash)
                logEvent.AddPropertyIfAbsent(properties.CreateProperty("Strategy", id[..slash]));
            if (logEvent.Properties.ContainsKey("SearchId")) return;
            if (!logEvent.Properties.TryGetValue("LogSource", out var source) || source is not ScalarValue { Value: string path }) return;
            if (SearchIdOf(path) is { } searchId) logEvent.AddPropertyIfAbsent(properties.CreateProperty("SearchId", searchId));
        }
    }

    /// <summary>The search id in an actor path under the search manager (searches/manager/ESCAPED-ID/...), or null.</summary>
    public static string? SearchIdOf(string actorPath)
    {
        var segments = actorPath.Split('/');
        var manager = Array.IndexOf(segments, "manager");
        return manager > 0 && segments[manager - 1] == "searches" && manager + 1 < segments.Length && segments[manager + 1].Length > 0
            ? Uri.UnescapeDataString(segments[manager + 1])
            : null;
    }
}
