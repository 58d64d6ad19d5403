using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Infrastructure.Security;

/// <summary>What an access token says about its holder (claims: docs/api.md).</summary>
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
/// A request's bearer token as read by <see cref="AccessTokenService.ReadBearerAsync"/>: its claims when valid; else
/// why not (<see cref="Failure"/>); neither when the request carries no Authorization header.
/// </summary>
public readonly record struct BearerToken(ClaimsIdentity? Identity, string? Failure)
{
    public bool IsAbsent => Identity is null && Failure is null;
}

/// <summary>
/// Issues and validates Warden's access tokens: RFC 9068 JWTs (<c>typ: at+jwt</c>) signed RS256 with the
/// newest active key of <see cref="SigningKeyStore"/>. Validation accepts nothing but RS256 signatures by
/// Warden's own published keys, named by <c>kid</c>.
/// </summary>
public sealed class AccessTokenService(
    SigningKeyStore keys,
    IOptions<AccessTokenOptions> options,
    IOptions<WardenOptions> warden,
    TimeProvider time)
{
    public const string TokenType = "at+jwt";

    /// <summary>Tokens issued by a node whose clock runs ahead are still accepted for this long before their nbf.</summary>
    private static readonly TimeSpan NotBeforeTolerance = TimeSpan.FromMinutes(1);
    private const int MaxTokenLength = 16 * 1024;

    // Header members that would let a token choose or fetch its own verification key, or demand processing
    // Warden does not do. Microsoft.IdentityModel ignores most of them; Warden refuses them outright.
    private static readonly HashSet<string> ForbiddenHeaders = new(StringComparer.Ordinal) { "jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256", "crit", "enc", "zip", "b64" };

    /// <summary>At most this many validated tokens are remembered (a few KB each: the token and its claims).</summary>
    internal const int MaxRemembered = 2048;

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false, SetDefaultTimesOnTokenCreation = false };

    // Tokens that passed every check, by their exact text. A client sends the same token on every request of its
    // quarter of an hour, and the signature check with the parsing of the claims was the largest share of an
    // authenticated read's CPU (bench/RESULTS.md, branch read). What can change for the same text is checked again on
    // every use: the lifetime, and that its key is still one Warden validates with. The session's state is the bearer
    // handler's question, asked on every request as before.
    private readonly ConcurrentDictionary<string, Remembered> _validated = new(StringComparer.Ordinal);

    private sealed record Remembered(ClaimsIdentity Identity, string KeyId, RsaSecurityKey Key, DateTime? NotBefore, DateTime Expires);

    /// <summary>The <c>iss</c> of Warden's tokens: Warden:Tokens:Issuer, or the public base URL without a trailing slash.</summary>
    public string Issuer => string.IsNullOrWhiteSpace(options.Value.Issuer) ? warden.Value.PublicBaseUrl!.TrimEnd('/') : options.Value.Issuer;

    public async Task<IssuedAccessToken> IssueAsync(AccessTokenSubject subject, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var credentials = await keys.GetSigningCredentialsAsync(cancellationToken);
        // JWT times are whole seconds (and IdentityModel rounds rather than truncates), so start from a whole
        // second: the ExpiresAt callers report is then exactly the token's exp.
        var now = DateTimeOffset.FromUnixTimeSeconds(time.GetUtcNow().ToUnixTimeSeconds());
        var id = Guid.CreateVersion7().ToString("N");
        var expires = DateTimeOffset.FromUnixTimeSeconds((now + settings.AccessTokenLifetime).ToUnixTimeSeconds());
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
            Audience = settings.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Claims = claims,
            TokenType = TokenType,
            SigningCredentials = credentials,
        });
        return new IssuedAccessToken(token, id, expires);
    }

    /// <summary>
    /// The request's <c>Authorization: Bearer</c> token, validated: the one reading of the header that Warden's bearer
    /// handler (user sessions) and the check endpoint (client tokens) share, so both refuse the same headers.
    /// </summary>
    public async Task<BearerToken> ReadBearerAsync(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            return new BearerToken(null, null);
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length > 8192)
        {
            return new BearerToken(null, "The Authorization header must be 'Bearer <access token>'.");
        }

        return await ValidateAsync(header["Bearer ".Length..].Trim(), request.HttpContext.RequestAborted) is { } identity
            ? new BearerToken(identity, null)
            : new BearerToken(null, "The access token is invalid or expired.");
    }

    /// <summary>The token's claims (JWT names: sub, sid, jti, amr, ...) when it is valid now; otherwise null.</summary>
    public async Task<ClaimsIdentity?> ValidateAsync(string token, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
        {
            return null;
        }

        if (_validated.TryGetValue(token, out var remembered))
        {
            // The same text, so the same header, claims and signature: only the clock and the key set moved.
            if (!InLifetime(remembered.NotBefore, remembered.Expires))
            {
                _validated.TryRemove(new KeyValuePair<string, Remembered>(token, remembered));
                return null;
            }

            if (ReferenceEquals(await keys.FindValidationKeyAsync(remembered.KeyId, cancellationToken), remembered.Key))
            {
                return remembered.Identity.Clone();
            }

            // The key was withdrawn or reloaded with other times: the full check below decides.
            _validated.TryRemove(new KeyValuePair<string, Remembered>(token, remembered));
        }

        if (ReadKeyId(token) is not { } kid)
        {
            return null;
        }

        var key = await keys.FindValidationKeyAsync(kid, cancellationToken);
        if (key is null)
        {
            return null;
        }

        var settings = options.Value;
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = settings.Audience,
            IssuerSigningKey = key,
            TryAllIssuerSigningKeys = false,
            ValidAlgorithms = [SigningKeyStore.Algorithm],
            ValidTypes = [TokenType],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            RequireAudience = true,
            LifetimeValidator = (notBefore, expires, _, _) => expires is { } e && InLifetime(notBefore, e),
            NameClaimType = "sub",
            RoleClaimType = "roles",
        });
        if (!result.IsValid)
        {
            return null;
        }

        Remember(token, new Remembered(result.ClaimsIdentity.Clone(), kid, key, result.SecurityToken.ValidFrom is var from && from != DateTime.MinValue ? from : null,
            result.SecurityToken.ValidTo));
        return result.ClaimsIdentity;
    }

    private bool InLifetime(DateTime? notBefore, DateTime expires)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return now < expires && (notBefore is not { } nbf || nbf <= now + NotBeforeTolerance);
    }

    private void Remember(string token, Remembered entry)
    {
        if (_validated.Count >= MaxRemembered)
        {
            var now = time.GetUtcNow().UtcDateTime;
            foreach (var (text, old) in _validated)
            {
                if (old.Expires <= now)
                {
                    _validated.TryRemove(new KeyValuePair<string, Remembered>(text, old));
                }
            }

            if (_validated.Count >= MaxRemembered)
            {
                // Still full of live tokens: start over rather than track which were used last.
                _validated.Clear();
            }
        }

        _validated[token] = entry;
    }

    /// <summary>
    /// The kid of a compact JWS whose header is exactly what Warden issues: alg RS256 (so none, HS256 and
    /// every letter-case variant fail here), typ at+jwt, a kid, no duplicate member and no member that
    /// carries or points to a key. Anything else is null, before any key lookup.
    /// </summary>
    internal static string? ReadKeyId(string token)
    {
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || token.Count(c => c == '.') != 2)
        {
            return null;
        }

        byte[] header;
        try
        {
            header = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
        }
        catch (FormatException)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(header);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            string? alg = null, typ = null, kid = null;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var member in document.RootElement.EnumerateObject())
            {
                if (!seen.Add(member.Name) || ForbiddenHeaders.Contains(member.Name))
                {
                    return null;
                }

                var value = member.Value.ValueKind == JsonValueKind.String ? member.Value.GetString() : null;
                switch (member.Name)
                {
                    case "alg": alg = value; break;
                    case "typ": typ = value; break;
                    case "kid": kid = value; break;
                }
            }

            return alg == SigningKeyStore.Algorithm && typ == TokenType && !string.IsNullOrEmpty(kid) ? kid : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
