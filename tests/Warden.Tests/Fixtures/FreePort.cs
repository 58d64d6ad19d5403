using System.Net;
using System.Net.Sockets;

namespace Warden.Tests.Fixtures;

/// <summary>A loopback TCP port nobody listens on right now.</summary>
public static class FreePort
{
    /// <summary>
    /// Asks the OS for an ephemeral port and releases it. Another process could take it before the caller binds
    /// it; servers that must know their address before they start (a public base URL, an OIDC issuer) accept that
    /// small race, and their start-up then fails loudly rather than talking to a stranger.
    /// </summary>
    public static int Next()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
