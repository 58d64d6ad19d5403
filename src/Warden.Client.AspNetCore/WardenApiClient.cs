using System.Net.Http.Json;

namespace Warden.Client.AspNetCore;

/// <summary>A question for <see cref="WardenApiClient.CheckAsync"/>: may the user do the action on the resource?</summary>
/// <param name="SubjectId">The user (null: an anonymous caller).</param>
/// <param name="Action">The action, e.g. <c>courses.edit</c>.</param>
/// <param name="ResourceType">The resource type, e.g. <c>course</c>.</param>
/// <param name="OwnerId">The resource's owner, if any.</param>
/// <param name="Ip">The client's address, if known.</param>
public sealed record WardenCheck(Guid? SubjectId, string Action, string ResourceType, Guid? OwnerId = null, string? Ip = null);

/// <summary>Warden's answer to a check.</summary>
/// <param name="Allowed">Whether Warden's rules allow it.</param>
/// <param name="Code">A denying rule's problem code, when it names one (e.g. <c>step_up_required</c>).</param>
public sealed record WardenDecision(bool Allowed, string? Code);

/// <summary>
/// A typed <see cref="HttpClient"/> for Warden's API, based at the authority, that authenticates as the service
/// itself with client credentials (the token is fetched once and renewed shortly before it expires). Inject it where
/// the service needs Warden; <see cref="Http"/> reaches any endpoint the service's scopes allow.
/// </summary>
public sealed class WardenApiClient(HttpClient http)
{
    /// <summary>The underlying client: its base address is Warden's, and each request carries the service's token.</summary>
    public HttpClient Http { get; } = http;

    /// <summary>Asks <c>POST /api/v1/authz/check</c> (needs the <c>authz:check</c> scope): Warden's rules, with the user's attributes from Warden's database.</summary>
    /// <param name="check">The question.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Warden's answer.</returns>
    public async Task<WardenDecision> CheckAsync(WardenCheck check, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(check);
        using var response = await Http.PostAsJsonAsync("api/v1/authz/check", new
        {
            subject = check.SubjectId is { } id ? new { id } : null,
            action = check.Action,
            resource = new { type = check.ResourceType, ownerId = check.OwnerId },
            context = new { ip = check.Ip },
        }, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<WardenDecision>(cancellationToken))!;
    }
}
