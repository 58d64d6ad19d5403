using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Oidc;

/// <summary>
/// What the OpenID Connect provider keeps about a person: the apps they let act for them (exported as under "connected
/// apps") and every grant and token issued for them. Erasure deletes those rows outright rather than revoking them: a
/// revoked row would still name the person (its subject) to whoever reads the table, and no client may keep a way back in.
/// </summary>
public sealed class OidcPersonalData(WardenDbContext db, IOpenIddictAuthorizationManager authorizations) : IPersonalData
{
    public string Name => "connectedApps";

    public async Task<object?> ExportAsync(Guid userId, CancellationToken cancellationToken) =>
        await ClientConsent.ListAsync(db, authorizations, userId, cancellationToken);

    public async Task EraseAsync(Guid userId, CancellationToken cancellationToken)
    {
        var subject = userId.ToString();
        // Tokens first: they point at their grants.
        await db.OidcTokens.Where(t => t.Subject == subject || (t.Authorization != null && t.Authorization.Subject == subject))
            .ExecuteDeleteAsync(cancellationToken);
        await db.OidcAuthorizations.Where(a => a.Subject == subject).ExecuteDeleteAsync(cancellationToken);
    }
}
