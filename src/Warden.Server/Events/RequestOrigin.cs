using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Warden.Server.Events;

/// <summary>
/// Fills in the audit convention (docs/events.md) for every event written during a request: <c>ipAddress</c>,
/// <c>userAgent</c> and, when a signed-in user acts on someone else, <c>actorId</c>. Done once here rather than
/// at each <c>AddEvent</c>, so no module can forget it; a field the emitting code set itself is left alone.
/// Events written by handlers and background jobs have no request and stay as they are.
/// </summary>
internal sealed class RequestOriginEnricher(IHttpContextAccessor accessor) : ISaveChangesInterceptor
{

    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Enrich(eventData.Context);
        return result;
    }

    public ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Enrich(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private void Enrich(DbContext? context)
    {
        var http = accessor.HttpContext;
        if (http is null || context is null)
        {
            return;
        }

        foreach (var entry in context.ChangeTracker.Entries<OutboxMessage>())
        {
            // user.deleted outlives the data it reports on: it must not bring back the IP and user agent.
            if (entry.State == EntityState.Added && entry.Entity.Type != EventTypes.UserDeleted)
            {
                entry.Entity.Data = Enrich(entry.Entity.Data, entry.Entity.Subject, http);
            }
        }
    }

    internal static string Enrich(string data, Guid? subject, HttpContext http)
    {
        if (JsonNode.Parse(data) is not JsonObject json)
        {
            return data;
        }

        var changed = false;
        if (!json.ContainsKey("ipAddress") && RequestOrigin.IpAddress(http) is { } ip)
        {
            json["ipAddress"] = ip;
            changed = true;
        }

        if (!json.ContainsKey("userAgent") && RequestOrigin.UserAgent(http) is { } userAgent)
        {
            json["userAgent"] = userAgent;
            changed = true;
        }

        // Only an authenticated caller is an actor; on the anonymous endpoints the subject acts for themselves.
        if (!json.ContainsKey("actorId")
            && http.User.Identity?.IsAuthenticated == true
            && Guid.TryParse(http.User.FindFirst("sub")?.Value, out var actor)
            && actor != subject)
        {
            json["actorId"] = actor;
            changed = true;
        }

        return changed ? json.ToJsonString(JsonSerializerOptions.Web) : data;
    }
}

/// <summary>
/// Where a request came from, read one way everywhere: the client address (after trusted-proxy resolution, an
/// IPv4-mapped IPv6 address as IPv4) and the user agent, cut to <see cref="MaxUserAgentLength"/>. Event data
/// gets both from <see cref="RequestOriginEnricher"/>; sessions record them with these.
/// </summary>
public static class RequestOrigin
{
    public const int MaxUserAgentLength = 512;

    public static string? IpAddress(HttpContext http) =>
        http.Connection.RemoteIpAddress is { } ip ? IpNetworks.Normalize(ip).ToString() : null;

    public static string? UserAgent(HttpContext http)
    {
        var userAgent = http.Request.Headers.UserAgent.ToString();
        return userAgent.Length == 0 ? null : userAgent.Length > MaxUserAgentLength ? userAgent[..MaxUserAgentLength] : userAgent;
    }
}
