using System.CommandLine;
using NasActors.Actors.Cluster;

namespace NasActors.Cli.Commands;

/// <summary><c>--certificate</c> and <c>--certificate-password-file</c>: the cluster's PFX, which a node needs to run
/// remoting over TLS and a console needs to reach such a node.</summary>
internal sealed class CertificateOptions
{
    public Option<string?> Certificate { get; } = new("--certificate")
    {
        Description = $"the cluster's PFX: remoting over TLS, peers accepted only with this same certificate (a console's default: {DefaultClientCertificate} when it exists)",
    };

    public Option<string?> PasswordFile { get; } = new("--certificate-password-file") { Description = "a file whose first line is the PFX's password" };

    /// <summary>The certificate of <c>./nas cluster up</c> in its default state folder.</summary>
    public static string DefaultClientCertificate => Path.Combine(AdminToken.DefaultClusterStateDirectory, ClusterCertificate.FileName);

    public void AddTo(Command command)
    {
        command.Add(Certificate);
        command.Add(PasswordFile);
    }

    /// <summary>A cluster node's certificate: the flags, else <c>nas.tls</c> in its configuration; null: plain TCP.</summary>
    public ClusterCertificate? ForNode(ParseResult parsed, string? configFile) =>
        ClusterNode.ConfiguredCertificate(parsed.GetValue(Certificate), parsed.GetValue(PasswordFile), configFile);

    /// <summary>A console's certificate: the flag, else the one <c>./nas cluster up</c> made in its default state folder
    /// (as with the admin token); null: plain TCP.</summary>
    public ClusterCertificate? ForClient(ParseResult parsed)
    {
        var path = parsed.GetValue(Certificate) ?? (File.Exists(DefaultClientCertificate) ? DefaultClientCertificate : null);
        return path is null ? null : ClusterCertificate.Load(path, parsed.GetValue(PasswordFile));
    }
}
