using System.Globalization;

namespace NasActors.Search.Sampling;

/// <summary>A strategy's own settings from its search-spec entry (every key but <c>sampler</c> and <c>seed</c>), read
/// with defaults and range checks. <paramref name="Source"/> names the entry (e.g. <c>search.strategies.pada</c>) so
/// that every error points at the setting to fix.</summary>
public sealed class StrategySettings(IReadOnlyDictionary<string, string> values, string source)
{
    readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public static StrategySettings Empty(string source = "strategy") => new(new Dictionary<string, string>(), source);

    public string Source => source;

    public IReadOnlyDictionary<string, string> Values => values;

    public int Int(string key, int fallback, int min, int max)
    {
        _read.Add(key);
        if (!values.TryGetValue(key, out var text)) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            throw Invalid(key, text, "a whole number");
        if (value < min || value > max) throw Invalid(key, text, $"{min} to {max}");
        return value;
    }

    public double Double(string key, double fallback, double min, double max)
    {
        _read.Add(key);
        if (!values.TryGetValue(key, out var text)) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            throw Invalid(key, text, "a number");
        if (!(value >= min && value <= max)) throw Invalid(key, text, $"{min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
        return value;
    }

    public string String(string key, string fallback, IReadOnlyCollection<string> allowed)
    {
        _read.Add(key);
        if (!values.TryGetValue(key, out var text)) return fallback;
        if (!allowed.Contains(text)) throw Invalid(key, text, $"one of {string.Join(", ", allowed)}");
        return text;
    }

    /// <summary>After every setting was read: a key nobody read is a typo or a setting of another strategy.</summary>
    public void RejectUnknown(string strategy)
    {
        var unknown = values.Keys.Where(k => !_read.Contains(k)).Order(StringComparer.Ordinal).ToArray();
        if (unknown.Length == 0) return;
        var known = _read.Order(StringComparer.Ordinal).ToArray();
        throw new NasException($"{source}: unknown setting{(unknown.Length > 1 ? "s" : "")} {string.Join(", ", unknown)} for strategy '{strategy}'; " +
                               (known.Length == 0 ? "it takes none besides sampler and seed" : $"it takes {string.Join(", ", known)}"));
    }

    NasException Invalid(string key, string value, string expected) =>
        new($"{source}.{key} = {value} is invalid: expected {expected}");
}
