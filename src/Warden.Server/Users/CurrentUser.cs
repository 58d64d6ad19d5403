using System.Security.Claims;

namespace Warden.Server.Users;

/// <summary>Reads the caller's identity from the validated access token's claims (JWT names, not mapped).</summary>
public static class CurrentUser
{
    public static Guid UserId(this ClaimsPrincipal principal) =>
        Guid.Parse(principal.FindFirstValue("sub") ?? throw new InvalidOperationException("No authenticated user."));

    public static Guid SessionId(this ClaimsPrincipal principal) =>
        Guid.Parse(principal.FindFirstValue("sid") ?? throw new InvalidOperationException("No session."));

    public static IEnumerable<string> Amr(this ClaimsPrincipal principal) => principal.FindAll("amr").Select(c => c.Value);
}
