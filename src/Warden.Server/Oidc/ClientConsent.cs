using System.Collections.Immutable;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Server.Oidc;

/// <summary>A client the person let act for them, with what it may have (its remembered consent).</summary>
public sealed record ConnectedApp(Guid ApplicationId, string ClientId, string? DisplayName, IReadOnlyList<string> Scopes, DateTimeOffset? GrantedAt);

/// <summary>
/// A person's consent to a third-party client, remembered per client and scope as one OpenIddict <em>permanent</em>
/// authorization (no session: it outlives sign-outs, unlike the ad-hoc grant each authorization request still gets,
/// which ends with its session). Only scopes not yet consented to are asked again. Revoking the consent revokes every
/// grant of that client for the person and all their tokens, in one transaction with its event.
/// </summary>
public static class ClientConsent
{
    /// <summary>The requested scopes the person has not consented to for this client (empty: nothing to ask).</summary>
    public static async Task<IReadOnlyList<string>> MissingAsync(
        WardenDbContext db, IOpenIddictAuthorizationManager authorizations, Guid userId, Guid applicationId, IEnumerable<string> requested,
        CancellationToken cancellationToken)
    {
        var granted = await GrantedAsync(db, authorizations, userId, applicationId, cancellationToken);
        return [.. requested.Where(s => !granted.Contains(s)).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Records the person's yes to <paramref name="requested"/> (only the scopes the client may ask for at all), widening
    /// the remembered consent rather than adding a second one.
    /// </summary>
    public static async Task GrantAsync(
        WardenDbContext db, IOpenIddictApplicationManager applications, IOpenIddictAuthorizationManager authorizations,
        Guid userId, OidcApplication application, IReadOnlyList<string> requested, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var allowed = new List<string>();
        foreach (var scope in requested.Distinct(StringComparer.Ordinal))
        {
            if (scope == Scopes.OpenId || await applications.HasPermissionAsync(application, Permissions.Prefixes.Scope + scope, cancellationToken))
            {
                allowed.Add(scope);
            }
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var existing = await Permanent(db, userId, application.Id).OrderBy(a => a.CreationDate).FirstOrDefaultAsync(cancellationToken);
        if (existing is not null)
        {
            var descriptor = new OpenIddictAuthorizationDescriptor();
            await authorizations.PopulateAsync(descriptor, existing, cancellationToken);
            descriptor.Scopes.UnionWith(allowed);
            await authorizations.UpdateAsync(existing, descriptor, cancellationToken);
        }
        else
        {
            var descriptor = new OpenIddictAuthorizationDescriptor
            {
                ApplicationId = application.Id.ToString(),
                Subject = userId.ToString(),
                Status = Statuses.Valid,
                Type = AuthorizationTypes.Permanent,
                CreationDate = now,
            };
            descriptor.Scopes.UnionWith(allowed);
            await authorizations.CreateAsync(descriptor, cancellationToken);
        }

        db.AddEvent(EventTypes.OidcConsentGranted, userId, new { userId, applicationId = application.Id, clientId = application.ClientId, scopes = allowed }, now);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The clients with a remembered consent of this person, by name.</summary>
    public static async Task<List<ConnectedApp>> ListAsync(
        WardenDbContext db, IOpenIddictAuthorizationManager authorizations, Guid userId, CancellationToken cancellationToken)
    {
        var subject = userId.ToString();
        var rows = await db.OidcAuthorizations.AsNoTracking().Include(a => a.Application)
            .Where(a => a.Subject == subject && a.Status == Statuses.Valid && a.Type == AuthorizationTypes.Permanent && a.Application != null)
            .ToListAsync(cancellationToken);
        var apps = new List<ConnectedApp>();
        foreach (var group in rows.GroupBy(a => a.Application!.Id))
        {
            var scopes = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var row in group)
            {
                scopes.UnionWith(await authorizations.GetScopesAsync(row, cancellationToken));
            }

            var application = group.First().Application!;
            apps.Add(new ConnectedApp(application.Id, application.ClientId!, application.DisplayName, [.. scopes], group.Min(a => a.CreationDate)));
        }

        return [.. apps.OrderBy(a => a.DisplayName ?? a.ClientId, StringComparer.CurrentCultureIgnoreCase)];
    }

    /// <summary>
    /// Forgets the person's consent to the client and ends everything the client holds for them: every grant (remembered
    /// or per session) and every token, refresh tokens included. False when there was no consent to revoke (nothing changed).
    /// </summary>
    public static async Task<bool> RevokeAsync(WardenDbContext db, Guid userId, Guid applicationId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var subject = userId.ToString();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var application = await Permanent(db, userId, applicationId).Select(a => a.Application!).FirstOrDefaultAsync(cancellationToken);
        if (application is null)
        {
            return false;
        }

        var grants = await db.OidcAuthorizations.Where(a => a.Subject == subject && a.Application!.Id == applicationId && a.Status != Statuses.Revoked)
            .Select(a => a.Id).ToListAsync(cancellationToken);
        await db.OidcAuthorizations.Where(a => grants.Contains(a.Id))
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, Statuses.Revoked), cancellationToken);
        await db.OidcTokens
            .Where(t => t.Status != Statuses.Revoked
                && ((t.Authorization != null && grants.Contains(t.Authorization.Id)) || (t.Subject == subject && t.Application!.Id == applicationId)))
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Status, Statuses.Revoked), cancellationToken);
        db.AddEvent(EventTypes.OidcConsentRevoked, userId, new { userId, applicationId, clientId = application.ClientId }, now);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private static IQueryable<OidcAuthorization> Permanent(WardenDbContext db, Guid userId, Guid applicationId)
    {
        var subject = userId.ToString();
        return db.OidcAuthorizations.Where(a => a.Subject == subject && a.Application!.Id == applicationId
            && a.Status == Statuses.Valid && a.Type == AuthorizationTypes.Permanent);
    }

    private static async Task<ImmutableHashSet<string>> GrantedAsync(
        WardenDbContext db, IOpenIddictAuthorizationManager authorizations, Guid userId, Guid applicationId, CancellationToken cancellationToken)
    {
        var granted = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (var row in await Permanent(db, userId, applicationId).AsNoTracking().ToListAsync(cancellationToken))
        {
            granted.UnionWith(await authorizations.GetScopesAsync(row, cancellationToken));
        }

        return granted.ToImmutable();
    }
}
