using System.Security.Cryptography;
using NasActors.Actors.Cluster;

namespace NasActors.Cli.Commands;

/// <summary>Where the admin token comes from: <c>--token</c>, then <c>$NAS_ADMIN_TOKEN</c>, then <c>nas.admin.token</c>
/// in the node's configuration, then the token file in the state folder (a node makes one when nothing else gives it).</summary>
internal static class AdminToken
{
    public const string Variable = "NAS_ADMIN_TOKEN";
    public const string FileName = "admin-token";
    public const string DefaultClusterStateDirectory = ".nas/cluster";

    /// <summary>The token a coordinator checks; made and written to STATE-DIR/admin-token (owner-only) if none is configured.</summary>
    public static string ForNode(string? flag, string? configFile, string stateDirectory)
    {
        var configured = Given(flag) ?? Environment() ?? Given(ClusterNode.ConfiguredToken(configFile));
        if (configured is not null) return configured;
        var file = Path.Combine(stateDirectory, FileName);
        if (File.Exists(file) && Given(File.ReadAllText(file).Trim()) is { } existing) return existing;
        Directory.CreateDirectory(stateDirectory);
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        OwnerOnlyFile.Write(file, System.Text.Encoding.UTF8.GetBytes(token + "\n"));
        return token;
    }

    /// <summary>Where a node's token came from, for the line that tells the user (never the token itself).</summary>
    public static string Describe(string stateDirectory) =>
        Environment() is not null ? $"${Variable}" : $"configured (nas.admin.token) or in {Path.Combine(stateDirectory, FileName)}";

    /// <summary>The token a console sends; empty when none is found (the cluster then refuses, saying how to give one).</summary>
    public static string ForClient(string? flag)
    {
        if ((Given(flag) ?? Environment()) is { } token) return token;
        var file = Path.Combine(DefaultClusterStateDirectory, FileName);
        return File.Exists(file) ? File.ReadAllText(file).Trim() : "";
    }

    static string? Given(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    static string? Environment() => Given(System.Environment.GetEnvironmentVariable(Variable));
}
