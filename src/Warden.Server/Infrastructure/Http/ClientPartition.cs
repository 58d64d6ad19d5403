using System.Net;

namespace Warden.Server.Infrastructure.Http;

/// <summary>The key under which a client address is counted by a rate limit or throttle.</summary>
public static class ClientPartition
{
    public static string Key(IPAddress? address) => address?.ToString() ?? "unknown";

    public static string Key(HttpContext http) => Key(http.Connection.RemoteIpAddress);
}
