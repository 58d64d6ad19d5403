using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Warden.Server.Infrastructure.Security;

/// <summary>What an access token says about its holder (claims of API.md).</summary>
public sealed record AccessTokenSubject(
    Guid UserId,
    Guid SessionId,
    string Email,
    bool EmailVerified,
    string? Name,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> Permissions,
    IReadOnlyList<string> Amr,
    DateTimeOffset AuthTime);

public sealed record IssuedAccessToken(string Token, string Id, DateTimeOffset ExpiresAt);

/// <summary>
/// CONTRACT (issue 3 replaces the body): issues and validates Warden's RS256 access tokens.
/// The interim implementation signs with an in-memory key so that the flows can be built against it.
/// </summary>
public sealed class AccessTokenService(TimeProvider time)
{
    private static readonly RsaSecurityKey InterimKey = new(RSA.Create(2048)) { KeyId = "interim" };
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);
    public const string Issuer = "warden";
    public const string Audience = "warden";

    public Task<IssuedAccessToken> IssueAsync(AccessTokenSubject subject, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7().ToString("N");
        var expires = now + Lifetime;
        var claims = new Dictionary<string, object>
        {
            ["sub"] = subject.UserId.ToString(),
            ["sid"] = subject.SessionId.ToString(),
            ["jti"] = id,
            ["email"] = subject.Email,
            ["email_verified"] = subject.EmailVerified,
            ["roles"] = subject.Roles.ToArray(),
            ["permissions"] = subject.Permissions.ToArray(),
            ["amr"] = subject.Amr.ToArray(),
            ["auth_time"] = subject.AuthTime.ToUnixTimeSeconds(),
        };
        if (subject.Name is not null)
        {
            claims["name"] = subject.Name;
        }

        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Claims = claims,
            TokenType = "at+jwt",
            SigningCredentials = new SigningCredentials(InterimKey, SecurityAlgorithms.RsaSha256),
        });
        return Task.FromResult(new IssuedAccessToken(token, id, expires));
    }

    /// <summary>The token's claims (JWT names: sub, sid, jti, amr, ...) when it is valid now; otherwise null.</summary>
    public async Task<ClaimsIdentity?> ValidateAsync(string token, CancellationToken cancellationToken = default)
    {
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = InterimKey,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            ValidTypes = ["at+jwt"],
            LifetimeValidator = (notBefore, expires, _, _) =>
                expires is { } e && e > time.GetUtcNow().UtcDateTime && (notBefore is null || notBefore <= time.GetUtcNow().UtcDateTime.AddMinutes(1)),
            NameClaimType = "sub",
            RoleClaimType = "roles",
        });
        return result.IsValid ? result.ClaimsIdentity : null;
    }
}
