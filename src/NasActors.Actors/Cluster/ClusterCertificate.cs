using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace NasActors.Actors.Cluster;

/// <summary>The one certificate (PFX, with its private key) that every node of a TLS cluster holds. Remoting then runs
/// over TLS with mutual authentication, and a peer is accepted only if it presents this very certificate: it is pinned
/// by its SHA-256 hash instead of being checked against the machine's trust store, where a self-signed certificate
/// is not (and should not have to be).</summary>
public sealed class ClusterCertificate
{
    /// <summary>What <c>./nas cluster up</c> names the certificate it makes in its state folder.</summary>
    public const string FileName = "cluster.pfx";

    readonly byte[] _hash;

    ClusterCertificate(string path, X509Certificate2 certificate)
    {
        Path = path;
        Certificate = certificate;
        _hash = certificate.GetCertHash(HashAlgorithmName.SHA256);
    }

    public string Path { get; }

    public X509Certificate2 Certificate { get; }

    /// <summary>Loads a PFX; <paramref name="passwordFile"/> (when given) holds its password on the first line.</summary>
    public static ClusterCertificate Load(string path, string? passwordFile = null)
    {
        if (!File.Exists(path)) throw new NasException($"certificate '{path}' does not exist: give the cluster's PFX (./nas cluster up makes one in its state folder)");
        string? password = null;
        if (passwordFile is not null)
        {
            if (!File.Exists(passwordFile)) throw new NasException($"certificate password file '{passwordFile}' does not exist");
            password = File.ReadLines(passwordFile).FirstOrDefault() ?? "";
        }
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }
        catch (CryptographicException e)
        {
            throw new NasException($"certificate '{path}' cannot be read as a PFX ({e.Message.Trim()}): check it and --certificate-password-file");
        }
        if (!certificate.HasPrivateKey) throw new NasException($"certificate '{path}' holds no private key: a node needs the PFX with its key, not the certificate alone");
        return new ClusterCertificate(path, certificate);
    }

    /// <summary>Makes a self-signed certificate for a cluster (RSA 2048, valid ten years, usable by servers and
    /// clients alike, since every node is both) and writes it, without a password, owner-only to <paramref name="path"/>.</summary>
    public static void CreateSelfSigned(string path, string subject = "CN=nas-cluster")
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1", "server authentication"), new Oid("1.3.6.1.5.5.7.3.2", "client authentication")], false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddHours(-1), now.AddYears(10));
        OwnerOnlyFile.Write(path, certificate.Export(X509ContentType.Pkcs12));
    }

    /// <summary>Remoting over TLS (the address scheme becomes <c>akka.ssl.tcp</c>); the certificate itself comes with
    /// <see cref="Setup"/>, which Akka prefers over <c>ssl.certificate</c> in HOCON.</summary>
    public static Config RemotingConfig() => ConfigurationFactory.ParseString("""
        akka.remote.dot-netty.tcp {
          enable-ssl = on
          ssl {
            suppress-validation = off
            require-mutual-authentication = on
            # nodes are reached by IP address; the pinned certificate is the identity, not a host name
            validate-certificate-hostname = off
          }
        }
        """);

    /// <summary>The certificate for Akka's DotNetty transport, with a validator that accepts only a peer presenting
    /// this same certificate (on both ends of a connection: mutual authentication).</summary>
    public DotNettySslSetup Setup() =>
        new(Certificate, suppressValidation: false, requireMutualAuthentication: true, validateCertificateHostname: false, customValidator: Accepts);

    bool Accepts(X509Certificate2? peer, X509Chain? chain, string remotePeer, SslPolicyErrors errors, ILoggingAdapter log)
    {
        if (IsThisCertificate(peer)) return true;
        log.Warning("TLS peer {0} refused: {1}", remotePeer, WhyRefused(peer));
        return false;
    }

    /// <summary>Completes a TLS handshake with a node as a cluster member would (this certificate on both ends), and
    /// throws a <see cref="NasException"/> naming <paramref name="node"/> when it is not this cluster's.</summary>
    public async Task CheckPeerAsync(Stream connection, string node, CancellationToken cancellation)
    {
        string? refusal = null;
        await using var tls = new SslStream(connection, leaveInnerStreamOpen: true);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = Certificate.GetNameInfo(X509NameType.SimpleName, false),
                ClientCertificates = [Certificate],
                RemoteCertificateValidationCallback = (_, peer, _, _) =>
                    IsThisCertificate(peer as X509Certificate2) || (refusal = WhyRefused(peer as X509Certificate2)) is null,
            }, cancellation);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
        {
            throw new NasException(refusal is not null
                ? $"the node at {node} does not hold this cluster's certificate ({Path}): {refusal}"
                : $"the node at {node} completed no TLS handshake ({(e is OperationCanceledException ? "timed out" : e.Message)}): it may run without TLS (then leave out --certificate)");
        }
    }

    bool IsThisCertificate(X509Certificate2? peer)
    {
        var now = DateTime.Now;
        return peer is not null && CryptographicOperations.FixedTimeEquals(peer.GetCertHash(HashAlgorithmName.SHA256), _hash)
            && peer.NotBefore <= now && now <= peer.NotAfter;
    }

    static string WhyRefused(X509Certificate2? peer) =>
        peer is null ? "it presented no certificate"
            : $"its certificate ({peer.Subject}, SHA-256 {Convert.ToHexString(peer.GetCertHash(HashAlgorithmName.SHA256))}) is not this cluster's, or has expired";
}
