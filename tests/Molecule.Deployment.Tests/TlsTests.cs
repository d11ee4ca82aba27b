using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Molecule.Deployment.Tests.Infrastructure;

namespace Molecule.Deployment.Tests;

/// <summary>
/// The image's minimal root still speaks TLS: .NET finds OpenSSL in it and trusts the CA bundle it is given, so an
/// https platform (and a model endpoint) is reachable. A TLS listener on the host plays the platform.
/// </summary>
[Trait("Category", "Container")]
public sealed class TlsTests
{
    [ContainerFact]
    public async Task The_workspace_completes_a_tls_handshake_with_an_https_platform_it_trusts()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=host.docker.internal", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("host.docker.internal");
        request.CertificateExtensions.Add(names.Build());
        var now = TimeProvider.System.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
        var bundle = Path.Combine(Path.GetTempPath(), $"molecule-ca-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(bundle, certificate.ExportCertificatePem());

        using var listener = new TcpListener(IPAddress.Any, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        try
        {
            await using var container = await WorkspaceContainer.StartAsync(port,
                new Dictionary<string, string>
                {
                    ["WORKSPACE_ID"] = Guid.NewGuid().ToString(),
                    ["PLATFORM_URL"] = $"https://host.docker.internal:{port}",
                    ["SSL_CERT_FILE"] = "/etc/molecule-test-ca.pem",
                },
                mounts: [$"{bundle}:/etc/molecule-test-ca.pem:ro"]);

            using var client = await listener.AcceptTcpClientAsync().WaitAsync(TestTimeouts.Start);
            await using var tls = new SslStream(client.GetStream());
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate })
                .WaitAsync(TestTimeouts.Short);
            var buffer = new byte[256];
            var read = await tls.ReadAsync(buffer).AsTask().WaitAsync(TestTimeouts.Short);

            Assert.StartsWith("POST /registry/", Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);
        }
        finally
        {
            listener.Stop();
            File.Delete(bundle);
        }
    }
}
