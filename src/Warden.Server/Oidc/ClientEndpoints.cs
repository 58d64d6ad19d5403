using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using Warden.Server.Authorization;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Server.Oidc;

public sealed record CreateClientRequest(
    string? ClientId, string? DisplayName, string? Type, IReadOnlyList<string>? RedirectUris, IReadOnlyList<string>? PostLogoutRedirectUris,
    IReadOnlyList<string>? GrantTypes, IReadOnlyList<string>? Scopes, bool? FirstParty, int? AccessTokenLifetimeSeconds, int? RefreshTokenLifetimeSeconds);

public sealed record ClientView(
    Guid Id, string ClientId, string? DisplayName, string Type, IReadOnlyList<string> RedirectUris, IReadOnlyList<string> PostLogoutRedirectUris,
    IReadOnlyList<string> GrantTypes, IReadOnlyList<string> Scopes, bool FirstParty, int? AccessTokenLifetimeSeconds, int? RefreshTokenLifetimeSeconds);

/// <summary>The creation or rotation answer: the only time the client secret is shown (null for a public client).</summary>
public sealed record ClientWithSecret(ClientView Client, string? ClientSecret);

/// <summary>
/// OpenID Connect clients (<c>/api/v1/admin/clients</c>, permission <c>admin:system</c>). Redirect URIs are matched
/// exactly; secrets are generated here (256 bits), stored hashed by OpenIddict and shown once. A client is first-party
/// unless registered with <c>firstParty: false</c>: a third-party client's users see the consent page (<see cref="ConsentPages"/>).
/// </summary>
public static class ClientEndpoints
{
    private static readonly string[] KnownGrants = [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken, GrantTypes.ClientCredentials, GrantTypes.DeviceCode];

    public static RouteGroupBuilder MapClientEndpoints(this RouteGroupBuilder clients)
    {
        clients.WithTags("OpenID Connect clients").RequireAuthorization(PermissionPolicies.AdminSystem);
        clients.MapGet("", ListAsync).WithName("ListClients").WithSummary("Registered OpenID Connect clients (secrets are never shown again).");
        clients.MapPost("", CreateAsync).WithName("CreateClient").WithSummary("Register a client; a confidential client's secret is in the answer, shown this once.");
        clients.MapPost("/{id:guid}/secret", RotateSecretAsync).WithName("RotateClientSecret").WithSummary("Replace a confidential client's secret; the new one is shown this once.");
        clients.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteClient").WithSummary("Remove a client with its grants and tokens.");
        return clients;
    }

    public static async Task<Ok<List<ClientView>>> ListAsync(WardenDbContext db, IOpenIddictApplicationManager applications, CancellationToken cancellationToken)
    {
        var rows = await db.OidcApplications.AsNoTracking().OrderBy(a => a.ClientId).ToListAsync(cancellationToken);
        var views = new List<ClientView>();
        foreach (var row in rows)
        {
            views.Add(await ViewAsync(applications, row, cancellationToken));
        }

        return TypedResults.Ok(views);
    }

    public static async Task<Results<Created<ClientWithSecret>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateClientRequest request, WardenDbContext db, IOpenIddictApplicationManager applications, IOpenIddictScopeManager scopes,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var confidential = request.Type is null or ClientTypes.Confidential;
        if (request.Type is not (null or ClientTypes.Confidential or ClientTypes.Public))
        {
            errors["type"] = ["The type is confidential or public."];
        }

        var clientId = string.IsNullOrWhiteSpace(request.ClientId) ? "client-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) : request.ClientId.Trim();
        if (clientId.Length > 100 || !clientId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            errors["clientId"] = ["A client id is at most 100 letters, digits, '-', '_' and '.'."];
        }

        var grants = request.GrantTypes ?? [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken];
        if (grants.Count == 0 || grants.Any(g => !KnownGrants.Contains(g)))
        {
            errors["grantTypes"] = [$"Grant types are {string.Join(", ", KnownGrants)}."];
        }
        else if (!confidential && grants.Contains(GrantTypes.ClientCredentials))
        {
            errors["grantTypes"] = ["A public client cannot use client_credentials: it has no secret."];
        }

        var redirects = ParseUris(request.RedirectUris, "redirectUris", errors);
        var postLogout = ParseUris(request.PostLogoutRedirectUris, "postLogoutRedirectUris", errors);
        if (grants.Contains(GrantTypes.AuthorizationCode) && redirects.Count == 0 && !errors.ContainsKey("redirectUris"))
        {
            errors["redirectUris"] = ["The authorization code flow needs at least one redirect URI."];
        }

        var requested = request.Scopes ?? [Scopes.OpenId, Scopes.Profile, Scopes.Email];
        var known = new HashSet<string>([Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.Phone, Scopes.Roles, Scopes.OfflineAccess], StringComparer.Ordinal);
        await foreach (var scope in scopes.ListAsync(cancellationToken: cancellationToken))
        {
            known.Add((await scopes.GetNameAsync(scope, cancellationToken))!);
        }

        if (requested.Any(s => !known.Contains(s)))
        {
            errors["scopes"] = [$"Scopes are {string.Join(", ", known.Order(StringComparer.Ordinal))}."];
        }

        CheckLifetime(request.AccessTokenLifetimeSeconds, "accessTokenLifetimeSeconds", 60, 86_400, errors);
        CheckLifetime(request.RefreshTokenLifetimeSeconds, "refreshTokenLifetimeSeconds", 300, 90 * 86_400, errors);
        if (request.DisplayName is { Length: > 200 })
        {
            errors["displayName"] = ["The display name is at most 200 characters."];
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        if (await applications.FindByClientIdAsync(clientId, cancellationToken) is not null)
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.Conflict, "A client with this id exists.");
        }

        var firstParty = request.FirstParty ?? true;
        var secret = confidential ? NewSecret() : null;
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = secret,
            ClientType = confidential ? ClientTypes.Confidential : ClientTypes.Public,
            // A first-party client is trusted with what it asks for; a third-party one gets the consent page.
            ConsentType = firstParty ? ConsentTypes.Implicit : ConsentTypes.Explicit,
            DisplayName = string.IsNullOrWhiteSpace(request.DisplayName) ? null : request.DisplayName.Trim(),
        };
        descriptor.RedirectUris.UnionWith(redirects);
        descriptor.PostLogoutRedirectUris.UnionWith(postLogout);
        descriptor.Properties[FirstPartyProperty] = JsonSerializer.SerializeToElement(firstParty);
        descriptor.Permissions.UnionWith(Permissions(grants, requested, postLogout.Count > 0));
        if (grants.Contains(GrantTypes.AuthorizationCode))
        {
            descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        }

        if (request.AccessTokenLifetimeSeconds is { } access)
        {
            descriptor.Settings[Settings.TokenLifetimes.AccessToken] = TimeSpan.FromSeconds(access).ToString("c", System.Globalization.CultureInfo.InvariantCulture);
        }

        if (request.RefreshTokenLifetimeSeconds is { } refresh)
        {
            descriptor.Settings[Settings.TokenLifetimes.RefreshToken] = TimeSpan.FromSeconds(refresh).ToString("c", System.Globalization.CultureInfo.InvariantCulture);
        }

        // The client and its event commit together: OpenIddict's store saves through the same DbContext.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var application = await applications.CreateAsync(descriptor, cancellationToken);
        var view = await ViewAsync(applications, (OidcApplication)application, cancellationToken);
        db.AddEvent(EventTypes.OidcClientCreated, null, new { applicationId = view.Id, clientId, clientType = view.Type, grantTypes = view.GrantTypes }, time.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/admin/clients/{view.Id}", new ClientWithSecret(view, secret));
    }

    public static async Task<Results<Ok<ClientWithSecret>, ProblemHttpResult>> RotateSecretAsync(
        Guid id, WardenDbContext db, IOpenIddictApplicationManager applications, TimeProvider time, CancellationToken cancellationToken)
    {
        var application = await db.OidcApplications.SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (application is null)
        {
            return ApiProblems.NotFound("No such client.");
        }

        if (application.ClientType != ClientTypes.Confidential)
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.Conflict, "A public client has no secret.");
        }

        var secret = NewSecret();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await applications.UpdateAsync(application, secret, cancellationToken);
        db.AddEvent(EventTypes.OidcClientSecretRotated, null, new { applicationId = id, clientId = application.ClientId }, time.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(new ClientWithSecret(await ViewAsync(applications, application, cancellationToken), secret));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid id, WardenDbContext db, IOpenIddictApplicationManager applications, TimeProvider time, CancellationToken cancellationToken)
    {
        var application = await db.OidcApplications.SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (application is null)
        {
            return ApiProblems.NotFound("No such client.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // OpenIddict's store deletes the client's authorizations and tokens with it.
        await applications.DeleteAsync(application, cancellationToken);
        db.AddEvent(EventTypes.OidcClientDeleted, null, new { applicationId = id, clientId = application.ClientId }, time.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>The application property marking a first-party client (no consent page; any other client needs the person's consent).</summary>
    public const string FirstPartyProperty = "warden_first_party";

    private static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static IEnumerable<string> Permissions(IReadOnlyList<string> grants, IReadOnlyList<string> scopes, bool endSession)
    {
        yield return OpenIddictConstants.Permissions.Endpoints.Token;
        yield return OpenIddictConstants.Permissions.Endpoints.Introspection;
        yield return OpenIddictConstants.Permissions.Endpoints.Revocation;
        if (grants.Contains(GrantTypes.AuthorizationCode))
        {
            yield return OpenIddictConstants.Permissions.Endpoints.Authorization;
            yield return OpenIddictConstants.Permissions.ResponseTypes.Code;
        }

        if (grants.Contains(GrantTypes.DeviceCode))
        {
            yield return OpenIddictConstants.Permissions.Endpoints.DeviceAuthorization;
        }

        if (endSession)
        {
            yield return OpenIddictConstants.Permissions.Endpoints.EndSession;
        }

        foreach (var grant in grants)
        {
            yield return OpenIddictConstants.Permissions.Prefixes.GrantType + grant;
        }

        foreach (var scope in scopes.Where(s => s != Scopes.OpenId))
        {
            yield return OpenIddictConstants.Permissions.Prefixes.Scope + scope;
        }
    }

    /// <summary>Absolute https URIs without a fragment (http only on loopback, for native and development clients); matched exactly.</summary>
    private static List<Uri> ParseUris(IReadOnlyList<string>? values, string field, Dictionary<string, string[]> errors)
    {
        var uris = new List<Uri>();
        foreach (var value in values ?? [])
        {
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || !string.IsNullOrEmpty(uri.Fragment) || value.Length > 2000
                || !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback)))
            {
                errors[field] = [$"'{value}' is not an absolute https URI without a fragment (http only on loopback)."];
                return [];
            }

            uris.Add(uri);
        }

        return uris;
    }

    private static void CheckLifetime(int? seconds, string field, int min, int max, Dictionary<string, string[]> errors)
    {
        if (seconds is { } s && (s < min || s > max))
        {
            errors[field] = [$"Between {min} and {max} seconds."];
        }
    }

    private static async Task<ClientView> ViewAsync(IOpenIddictApplicationManager applications, OidcApplication application, CancellationToken cancellationToken)
    {
        var permissions = await applications.GetPermissionsAsync(application, cancellationToken);
        var settings = await applications.GetSettingsAsync(application, cancellationToken);
        var properties = await applications.GetPropertiesAsync(application, cancellationToken);
        return new ClientView(
            application.Id,
            application.ClientId!,
            application.DisplayName,
            application.ClientType ?? ClientTypes.Public,
            [.. (await applications.GetRedirectUrisAsync(application, cancellationToken)).Order(StringComparer.Ordinal)],
            [.. (await applications.GetPostLogoutRedirectUrisAsync(application, cancellationToken)).Order(StringComparer.Ordinal)],
            [.. permissions.Where(p => p.StartsWith(OpenIddictConstants.Permissions.Prefixes.GrantType, StringComparison.Ordinal))
                .Select(p => p[OpenIddictConstants.Permissions.Prefixes.GrantType.Length..]).Order(StringComparer.Ordinal)],
            [.. permissions.Where(p => p.StartsWith(OpenIddictConstants.Permissions.Prefixes.Scope, StringComparison.Ordinal))
                .Select(p => p[OpenIddictConstants.Permissions.Prefixes.Scope.Length..]).Prepend(Scopes.OpenId).Order(StringComparer.Ordinal)],
            properties.TryGetValue(FirstPartyProperty, out var firstParty) && firstParty.ValueKind == JsonValueKind.True,
            Seconds(settings, Settings.TokenLifetimes.AccessToken),
            Seconds(settings, Settings.TokenLifetimes.RefreshToken));
    }

    private static int? Seconds(System.Collections.Immutable.ImmutableDictionary<string, string> settings, string key) =>
        settings.TryGetValue(key, out var value) && TimeSpan.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var span) ? (int)span.TotalSeconds : null;
}
