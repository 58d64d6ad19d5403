using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OpenIddict.Abstractions;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Pages.Account;
using Warden.Server.Pages.Layout;

namespace Warden.Server.Oidc;

public sealed class ConnectedAppForm
{
    public string? Id { get; set; }
}

/// <summary>
/// "Connected apps": the third-party clients the person consented to, with what each may have, and "Remove access",
/// which forgets the consent and ends that client's grants and tokens for the person (<see cref="ClientConsent.RevokeAsync"/>).
/// Another person's client, or one without consent, is the 404 page and changes nothing.
/// </summary>
public static class ConnectedAppsPages
{
    public const string Path = "/account/apps";

    public static async Task<IResult> ShowAsync(
        HttpContext http, string? done, AccountArea area, WardenDbContext db, IOpenIddictAuthorizationManager authorizations, IOpenIddictScopeManager scopes,
        IAntiforgery antiforgery, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http);
        }

        var apps = new List<(ConnectedApp App, IReadOnlyList<ScopeLine> Lines)>();
        foreach (var app in await ClientConsent.ListAsync(db, authorizations, person.UserId, cancellationToken))
        {
            apps.Add((app, await ScopeWords.DescribeAsync(app.Scopes, scopes, cancellationToken)));
        }

        return new RazorComponentResult<ConnectedAppsPage>(new Dictionary<string, object?>
        {
            [nameof(ConnectedAppsPage.Apps)] = apps,
            [nameof(ConnectedAppsPage.Notice)] = done == "revoked" ? "Apps.Done.Revoked" : null,
            [nameof(ConnectedAppsPage.Antiforgery)] = antiforgery.GetAndStoreTokens(http),
        });
    }

    public static async Task<IResult> RevokeAsync(
        [FromForm] ConnectedAppForm posted, HttpContext http, AccountArea area, WardenDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, Path);
        }

        if (!Guid.TryParse(posted.Id, out var id) || !await ClientConsent.RevokeAsync(db, person.UserId, id, time.GetUtcNow(), cancellationToken))
        {
            return PageResults.NotFound();
        }

        return PageResults.SeeOther(Path + "?done=revoked");
    }
}
