using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Security;

namespace Warden.Server.Authentication;

/// <summary>
/// Validates <c>Authorization: Bearer</c> access tokens on every request: the signature, issuer, audience,
/// lifetime and type (AccessTokenService), then that the session the token belongs to is still active, so a
/// revoked session's tokens stop working at once instead of when they expire.
/// </summary>
public sealed class BearerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AccessTokenService accessTokens,
    SessionCache sessions,
    SessionActivity activity,
    IEnumerable<ISessionGrants> grants)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";
    private const string FailureKey = "warden.token_failure";

    /// <summary>The token entry's id in tokens issued by the OpenID Connect provider (OpenIddict's private claim).</summary>
    public const string GrantTokenIdClaim = "oi_tkn_id";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var bearer = await accessTokens.ReadBearerAsync(Request);
        if (bearer.IsAbsent)
        {
            return AuthenticateResult.NoResult();
        }

        if (bearer.Identity is not { } identity)
        {
            return Fail(bearer.Failure!);
        }

        if (!Guid.TryParse(identity.FindFirst("sub")?.Value, out var userId) || !Guid.TryParse(identity.FindFirst("sid")?.Value, out var sessionId))
        {
            return Fail("The access token is invalid.");
        }

        if (!await sessions.IsActiveAsync(sessionId, userId, Context.RequestAborted))
        {
            return Fail("The session of this access token has ended.");
        }

        // A token an OpenID Connect client obtained is also refused once it was revoked on its own (RFC 7009).
        if (identity.FindFirst(GrantTokenIdClaim)?.Value is { } tokenId)
        {
            foreach (var grant in grants)
            {
                if (!await grant.IsTokenValidAsync(tokenId, Context.RequestAborted))
                {
                    return Fail("The access token has been revoked.");
                }
            }
        }

        await activity.TouchAsync(sessionId, userId, Context.RequestAborted);

        var principal = new ClaimsPrincipal(new ClaimsIdentity(identity.Claims, SchemeName, "sub", "roles"));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    private AuthenticateResult Fail(string reason)
    {
        Context.Items[FailureKey] = reason;
        return AuthenticateResult.Fail(reason);
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failed = Context.Items.TryGetValue(FailureKey, out var reason);
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = failed ? "Bearer error=\"invalid_token\"" : "Bearer";
        var problems = Context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = failed ? "The access token is not valid." : "Authentication is required.",
                Detail = reason as string,
                Type = ApiProblems.TypePrefix + (failed ? ProblemCodes.TokenInvalid : ProblemCodes.Unauthorized),
                Extensions = { ["code"] = failed ? ProblemCodes.TokenInvalid : ProblemCodes.Unauthorized },
            },
        });
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        var problems = Context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "You may not use this endpoint.",
                Extensions = { ["code"] = ProblemCodes.Forbidden },
            },
        });
    }
}
