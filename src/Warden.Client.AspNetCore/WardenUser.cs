using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Warden.Client.AspNetCore;

/// <summary>The claim names of Warden's access tokens that this library reads.</summary>
public static class WardenClaims
{
    /// <summary>The user's id (a UUID); for a client-credentials token, the client id.</summary>
    public const string Subject = "sub";

    /// <summary>The Warden session the token belongs to.</summary>
    public const string SessionId = "sid";

    /// <summary>The email address (OpenID Connect tokens: with the <c>email</c> scope).</summary>
    public const string Email = "email";

    /// <summary><c>true</c> when the address is verified.</summary>
    public const string EmailVerified = "email_verified";

    /// <summary>Role names in OpenID Connect tokens (with the <c>roles</c> scope).</summary>
    public const string Role = "role";

    /// <summary>Role names in tokens from Warden's own sign-in API.</summary>
    public const string Roles = "roles";

    /// <summary>Permission names (OpenID Connect tokens: with the <c>roles</c> scope).</summary>
    public const string Permissions = "permissions";

    /// <summary>How the user signed in: <c>pwd</c>, <c>otp</c>, <c>mfa</c>, ...</summary>
    public const string Amr = "amr";
}

/// <summary>The user a request acts for, as Warden's token says.</summary>
/// <param name="Id">The user's id.</param>
/// <param name="Email">The email address, when the token carries it.</param>
/// <param name="EmailVerified">Whether the address is verified.</param>
/// <param name="Roles">Role names.</param>
/// <param name="Permissions">Permission names.</param>
/// <param name="SessionId">The Warden session.</param>
/// <param name="Amr">How the user signed in.</param>
public sealed record WardenUser(
    Guid Id, string? Email, bool EmailVerified, IReadOnlySet<string> Roles, IReadOnlySet<string> Permissions, Guid? SessionId, IReadOnlySet<string> Amr)
{
    /// <summary>
    /// The user of an authenticated principal with a user id, or null (anonymous, or a client acting for itself).
    /// Roles and permissions are what Warden put in the token when it was issued; a change shows with the next token.
    /// </summary>
    /// <param name="principal">The request's user.</param>
    /// <returns>The user, or null.</returns>
    public static WardenUser? From(ClaimsPrincipal? principal)
    {
        if (principal?.Identity?.IsAuthenticated != true || !Guid.TryParse(principal.FindFirst(WardenClaims.Subject)?.Value, out var id))
        {
            return null;
        }

        return new WardenUser(
            id,
            principal.FindFirst(WardenClaims.Email)?.Value,
            string.Equals(principal.FindFirst(WardenClaims.EmailVerified)?.Value, "true", StringComparison.OrdinalIgnoreCase),
            Values(principal, WardenClaims.Role, WardenClaims.Roles),
            Values(principal, WardenClaims.Permissions),
            Guid.TryParse(principal.FindFirst(WardenClaims.SessionId)?.Value, out var sid) ? sid : null,
            Values(principal, WardenClaims.Amr));
    }

    /// <summary>The values of claims of these types. JwtBearer gives one claim per array element; a JSON array in one claim is read too.</summary>
    internal static IReadOnlySet<string> Values(ClaimsPrincipal principal, params string[] types)
    {
        var values = new HashSet<string>(StringComparer.Ordinal);
        foreach (var claim in principal.Claims.Where(c => types.Contains(c.Type, StringComparer.Ordinal)))
        {
            if (claim.Value.StartsWith('['))
            {
                try
                {
                    values.UnionWith(JsonSerializer.Deserialize<string[]>(claim.Value) ?? []);
                    continue;
                }
                catch (JsonException)
                {
                    // Not an array after all: the value as it is.
                }
            }

            values.Add(claim.Value);
        }

        return values;
    }
}

/// <summary>The current request's user (a singleton over <see cref="IHttpContextAccessor"/>; inject it anywhere).</summary>
public sealed class WardenUserAccessor(IHttpContextAccessor http)
{
    /// <summary>The user of the current request, or null when anonymous or outside a request.</summary>
    public WardenUser? Current => WardenUser.From(http.HttpContext?.User);
}
