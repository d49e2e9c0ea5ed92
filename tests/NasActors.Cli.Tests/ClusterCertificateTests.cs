using System.Security.Cryptography.X509Certificates;
using NasActors.Actors.Cluster;
using NasActors.Cli.Cluster;
using NasActors.Search;

namespace NasActors.Cli.Tests;

/// <summary>The certificate of a TLS cluster: made by <c>./nas cluster up</c> owner-only and kept, and a PFX given by
/// hand refused with a reason when its password or key is missing.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ClusterCertificateTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Cluster_up_should_make_an_owner_only_certificate_with_its_key_once_and_keep_it()
    {
        var cluster = new LocalCluster(_temp.File("cluster"), basePort: 5000, postgresPort: 5500);

        var made = cluster.Certificate();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cluster.CertificatePath));
        Assert.True(made.Certificate.HasPrivateKey);
        Assert.Equal(made.Certificate.Thumbprint, cluster.Certificate().Certificate.Thumbprint);  // restarted nodes keep it
        Assert.Contains(cluster.CertificatePath, cluster.NodeArguments(1, []));
    }

    [Fact]
    public void A_password_protected_PFX_should_load_with_its_password_file_and_be_refused_without_it()
    {
        var pfx = _temp.File("protected.pfx");
        using (var certificate = MadeCertificate())
            File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pkcs12, "correct horse"));
        File.WriteAllText(_temp.File("password"), "correct horse\n");

        Assert.True(ClusterCertificate.Load(pfx, _temp.File("password")).Certificate.HasPrivateKey);
        var refused = Assert.Throws<NasException>(() => ClusterCertificate.Load(pfx));
        Assert.Contains("--certificate-password-file", refused.Message);
    }

    [Fact]
    public void A_PFX_without_its_private_key_or_a_missing_file_should_be_refused_with_the_reason()
    {
        var pfx = _temp.File("public-only.pfx");
        using (var certificate = MadeCertificate())
        using (var publicPart = X509CertificateLoader.LoadCertificate(certificate.Export(X509ContentType.Cert)))
            File.WriteAllBytes(pfx, publicPart.Export(X509ContentType.Pkcs12));

        Assert.Contains("holds no private key", Assert.Throws<NasException>(() => ClusterCertificate.Load(pfx)).Message);
        Assert.Contains("does not exist", Assert.Throws<NasException>(() => ClusterCertificate.Load(_temp.File("missing.pfx"))).Message);
    }

    X509Certificate2 MadeCertificate()
    {
        var path = _temp.File($"made-{Guid.NewGuid():N}.pfx");
        ClusterCertificate.CreateSelfSigned(path);
        return X509CertificateLoader.LoadPkcs12FromFile(path, null, X509KeyStorageFlags.Exportable);
    }
}
