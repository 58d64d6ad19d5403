using System.Globalization;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Fixtures;

/// <summary>
/// A <see cref="WardenFactory"/> (same database, data directory, settings and test clock) served by Kestrel on a
/// real loopback port instead of the in-memory TestServer, so that a browser or another process can reach it.
/// Its public base URL is its own address, so links in emails and token issuers point back at it.
/// </summary>
public class KestrelWardenFactory : WardenFactory
{
    public KestrelWardenFactory()
    {
        // The port is chosen before start-up because PublicBaseUrl (and later the OIDC issuer) must name it.
        Port = FreePort.Next();
        BaseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}/"));
        UseKestrel(Port);
        With("Warden:PublicBaseUrl", BaseAddress.ToString().TrimEnd('/'));
    }

    public int Port { get; }

    /// <summary>Where the server listens, ending in a slash: <c>new Uri(BaseAddress, "health/live")</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Starts Kestrel now (otherwise the first <see cref="WardenFactory"/> call does) and returns the address.</summary>
    public Uri Start()
    {
        StartServer();
        return BaseAddress;
    }
}
