namespace Warden.Server.Profiles;

/// <summary>The client facts the audit convention puts in event data (<c>ipAddress</c>, <c>userAgent</c>).</summary>
public static class RequestInfo
{
    public static string? IpAddress(HttpContext http) => http.Connection.RemoteIpAddress?.ToString();

    public static string? UserAgent(HttpContext http)
    {
        var value = http.Request.Headers.UserAgent.ToString();
        return value.Length == 0 ? null : value.Length > 512 ? value[..512] : value;
    }
}
