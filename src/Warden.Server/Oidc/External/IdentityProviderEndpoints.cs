using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication.External;
using Warden.Server.Authorization;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Security;

namespace Warden.Server.Oidc.External;

public sealed record CreateIdentityProviderRequest(
    string? Slug, string? DisplayName, string? Kind, string? DiscoveryUrl, string? ClientId, string? ClientSecret, IReadOnlyList<string>? Scopes,
    bool? Enabled, bool? TrustEmailVerification);

public sealed record UpdateIdentityProviderRequest(string? DisplayName, string? ClientId, string? ClientSecret, IReadOnlyList<string>? Scopes, bool? Enabled,
    bool? TrustEmailVerification);

/// <summary>A provider as the API shows it: never its secret.</summary>
public sealed record IdentityProviderView(
    Guid Id, string Slug, string DisplayName, string Kind, string? DiscoveryUrl, string ClientId, IReadOnlyList<string> Scopes, bool Enabled,
    bool TrustEmailVerification, string RedirectUri, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// Identity providers for external sign-in (<c>/api/v1/admin/identity-providers</c>, permission <c>admin:system</c>). The
/// client secret is encrypted at rest and never returned. A generic provider is named by its discovery address, which must
/// be reachable through the outbound guard (<c>Warden:Network:AllowPrivateTargets</c> for one inside the network); the
/// check at every connection is the one that counts. Deleting a provider also removes the identities linked through it.
/// </summary>
public static partial class IdentityProviderEndpoints
{
    public static RouteGroupBuilder MapIdentityProviderEndpoints(this RouteGroupBuilder providers)
    {
        providers.WithTags("Identity providers").RequireAuthorization(PermissionPolicies.AdminSystem);
        providers.MapGet("", ListAsync).WithName("ListIdentityProviders").WithSummary("Identity providers people may sign in with (never their secrets).");
        providers.MapPost("", CreateAsync).WithName("CreateIdentityProvider").WithSummary("Add an identity provider: google, github, microsoft, or oidc by its discovery URL.");
        providers.MapPatch("/{id:guid}", UpdateAsync).WithName("UpdateIdentityProvider").WithSummary("Change a provider: enable or disable it, rotate its secret, its scopes.");
        providers.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteIdentityProvider").WithSummary("Remove a provider and the identities linked through it.");
        return providers;
    }

    public static async Task<Ok<List<IdentityProviderView>>> ListAsync(WardenDbContext db, Notifications.PublicLinks links, CancellationToken cancellationToken) =>
        TypedResults.Ok((await db.IdentityProviders.AsNoTracking().OrderBy(p => p.Slug).ToListAsync(cancellationToken)).Select(p => View(p, links)).ToList());

    public static async Task<Results<Created<IdentityProviderView>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateIdentityProviderRequest request, WardenDbContext db, SecretProtector secrets, Notifications.PublicLinks links, IOptions<NetworkOptions> network,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var slug = request.Slug?.Trim() ?? "";
        if (!SlugPattern().IsMatch(slug))
        {
            errors["slug"] = ["A slug is 1 to 40 lower-case letters, digits and '-', starting with a letter."];
        }
        else if (slug is "connect" or "callback")
        {
            errors["slug"] = [$"'{slug}' names one of the sign-in's own addresses."];
        }

        var kind = request.Kind?.Trim().ToLowerInvariant() ?? "";
        if (!IdentityProviderKinds.All.Contains(kind))
        {
            errors["kind"] = [$"One of: {string.Join(", ", IdentityProviderKinds.All)}."];
        }

        string? discovery = null;
        if (kind == IdentityProviderKinds.Oidc)
        {
            discovery = request.DiscoveryUrl?.Trim();
            if (discovery is null || discovery.Length > 2000 || ExternalProviders.IssuerOf(discovery) is not { } issuer)
            {
                errors["discoveryUrl"] = ["The provider's discovery document: an http(s) address ending in /.well-known/openid-configuration."];
            }
            else if (issuer.Scheme != "https" && !network.Value.AllowPrivateTargets)
            {
                errors["discoveryUrl"] = ["The discovery address must use https."];
            }
            else if (!network.Value.AllowPrivateTargets && await OutboundTargets.IsInternalAsync(issuer, cancellationToken))
            {
                errors["discoveryUrl"] = [$"This address is inside the network, which Warden does not connect to ({NetworkOptions.Section}:AllowPrivateTargets)."];
            }
        }
        else if (!string.IsNullOrEmpty(request.DiscoveryUrl))
        {
            errors["discoveryUrl"] = ["Only an oidc provider has a discovery URL: the named providers' addresses are built in."];
        }

        Validate(request.DisplayName ?? "", request.ClientId ?? "", request.ClientSecret ?? "", request.Scopes, errors, creating: true);
        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        if (await db.IdentityProviders.AnyAsync(p => p.Slug == slug, cancellationToken))
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.Conflict, "An identity provider with this slug exists.");
        }

        var now = time.GetUtcNow();
        var provider = new IdentityProvider
        {
            Slug = slug,
            DisplayName = request.DisplayName!.Trim(),
            Kind = kind,
            DiscoveryUrl = discovery,
            ClientId = request.ClientId!.Trim(),
            ProtectedClientSecret = secrets.Protect(SecretKind.IdentityProviderSecret, request.ClientSecret!),
            Scopes = string.Join(' ', Scopes(request.Scopes, kind)),
            Enabled = request.Enabled ?? true,
            TrustEmailVerification = request.TrustEmailVerification ?? false,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.IdentityProviders.Add(provider);
        db.AddEvent(EventTypes.IdentityProviderCreated, null, new { providerId = provider.Id, slug, kind, enabled = provider.Enabled }, now);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.Conflict, "An identity provider with this slug exists.");
        }

        return TypedResults.Created($"/api/v1/admin/identity-providers/{provider.Id}", View(provider, links));
    }

    public static async Task<Results<Ok<IdentityProviderView>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        Guid id, UpdateIdentityProviderRequest request, WardenDbContext db, SecretProtector secrets, Notifications.PublicLinks links, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var provider = await db.IdentityProviders.SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (provider is null)
        {
            return ApiProblems.NotFound("No such identity provider.");
        }

        var errors = new Dictionary<string, string[]>();
        Validate(request.DisplayName ?? provider.DisplayName, request.ClientId ?? provider.ClientId, request.ClientSecret, request.Scopes, errors, creating: false);
        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        var changed = new List<string>();
        void Set(string name, string? value, string current, Action<string> apply)
        {
            if (value is not null && value != current)
            {
                apply(value);
                changed.Add(name);
            }
        }

        void Flag(string name, bool? value, bool current, Action<bool> apply)
        {
            if (value is { } set && set != current)
            {
                apply(set);
                changed.Add(name);
            }
        }

        Set("displayName", request.DisplayName?.Trim(), provider.DisplayName, v => provider.DisplayName = v);
        Set("clientId", request.ClientId?.Trim(), provider.ClientId, v => provider.ClientId = v);
        Set("scopes", request.Scopes is null ? null : string.Join(' ', Scopes(request.Scopes, provider.Kind)), provider.Scopes, v => provider.Scopes = v);
        Flag("enabled", request.Enabled, provider.Enabled, v => provider.Enabled = v);
        Flag("trustEmailVerification", request.TrustEmailVerification, provider.TrustEmailVerification, v => provider.TrustEmailVerification = v);
        if (!string.IsNullOrEmpty(request.ClientSecret))
        {
            provider.ProtectedClientSecret = secrets.Protect(SecretKind.IdentityProviderSecret, request.ClientSecret);
            changed.Add("clientSecret");
        }

        if (changed.Count > 0)
        {
            var now = time.GetUtcNow();
            provider.UpdatedAt = now;
            db.AddEvent(EventTypes.IdentityProviderUpdated, null, new { providerId = provider.Id, slug = provider.Slug, changed }, now);
            await db.SaveChangesAsync(cancellationToken);
        }

        return TypedResults.Ok(View(provider, links));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(Guid id, WardenDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var provider = await db.IdentityProviders.SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (provider is null)
        {
            return ApiProblems.NotFound("No such identity provider.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var loginProvider = provider.Id.ToString("N");
        var unlinked = await db.UserLogins.Where(l => l.LoginProvider == loginProvider).ExecuteDeleteAsync(cancellationToken);
        db.IdentityProviders.Remove(provider);
        db.AddEvent(EventTypes.IdentityProviderDeleted, null, new { providerId = provider.Id, slug = provider.Slug, unlinkedIdentities = unlinked }, time.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static void Validate(string displayName, string clientId, string? secret, IReadOnlyList<string>? scopes, Dictionary<string, string[]> errors, bool creating)
    {
        if (displayName.Trim().Length is 0 or > 100)
        {
            errors["displayName"] = ["A display name of 1 to 100 characters (the sign-in button says \"Sign in with\" it)."];
        }

        if (clientId.Trim().Length is 0 or > 500)
        {
            errors["clientId"] = ["The client id the provider issued, at most 500 characters."];
        }

        if ((creating && string.IsNullOrEmpty(secret)) || secret is { Length: > 2000 })
        {
            errors["clientSecret"] = ["The client secret the provider issued, at most 2000 characters."];
        }

        if (scopes is not null && (scopes.Count > 20 || scopes.Any(s => s is null || !Oidc.ApiScopeEndpoints.IsScopeToken(s))))
        {
            errors["scopes"] = ["At most 20 scopes, each a scope token (RFC 6749, section 3.3)."];
        }
    }

    /// <summary>The scopes asked for: what the administrator gave, or what a sign-in needs (an address and a name).</summary>
    private static IEnumerable<string> Scopes(IReadOnlyList<string>? scopes, string kind) =>
        scopes is { Count: > 0 }
            ? scopes.Distinct(StringComparer.Ordinal)
            : kind == IdentityProviderKinds.GitHub ? ["read:user", "user:email"] : ["email", "profile"];

    private static IdentityProviderView View(IdentityProvider p, Notifications.PublicLinks links) =>
        new(p.Id, p.Slug, p.DisplayName, p.Kind, p.DiscoveryUrl, p.ClientId, p.ScopeList, p.Enabled, p.TrustEmailVerification,
            links.Build(ExternalPaths.Callback(p.Slug)), p.CreatedAt, p.UpdatedAt);

    [GeneratedRegex("^[a-z][a-z0-9-]{0,39}$")]
    private static partial Regex SlugPattern();
}
