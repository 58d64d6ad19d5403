using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication.External;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Pages.Account;
using Warden.Server.Pages.Layout;
using Warden.Server.Users;

namespace Warden.Server.Oidc.External;

public sealed class SignInMethodForm
{
    public string? Provider { get; set; }
}

/// <summary>A provider on the page: linked to the account (with its upstream name) or offered to link.</summary>
public sealed record SignInMethodRow(string ProviderId, string DisplayName, string? Slug, bool Linked);

/// <summary>
/// "Sign-in methods" (<c>/account/sign-in-methods</c>): the password, the passkeys and the linked providers; connect another
/// provider (after a recent re-authentication, as every new way in: it is one more key to the account) or disconnect one.
/// The last way in cannot be disconnected: an account without a password and without a passkey keeps its last provider.
/// </summary>
public static class SignInMethodsPages
{
    public static async Task<IResult> ShowAsync(
        HttpContext http, string? done, AccountArea area, WardenDbContext db, ExternalProviders providers, IAntiforgery antiforgery, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http);
        }

        return await PageAsync(http, person, db, providers, antiforgery, done switch
        {
            "linked" => "Methods.Done.Linked",
            "unlinked" => "Methods.Done.Unlinked",
            _ => null,
        }, null, StatusCodes.Status200OK, cancellationToken);
    }

    public static async Task<IResult> LinkStartAsync(
        [FromForm] SignInMethodForm posted, HttpContext http, AccountArea area, ExternalProviders providers)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, ExternalPaths.SignInMethods);
        }

        if (!await area.IsRecentAsync(person, http.RequestAborted))
        {
            return AccountArea.ToReauthenticate(ExternalPaths.SignInMethods);
        }

        return providers.Find(posted.Provider ?? "") is { } provider
            ? ExternalSignIn.Challenge(provider, ExternalSignIn.LinkMode, person.Session.Id, ExternalPaths.SignInMethods)
            : PageResults.NotFound();
    }

    public static async Task<IResult> UnlinkAsync(
        [FromForm] SignInMethodForm posted, HttpContext http, AccountArea area, WardenDbContext db, UserManager<User> users, ExternalProviders providers,
        IAntiforgery antiforgery, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, ExternalPaths.SignInMethods);
        }

        var logins = await db.UserLogins.Where(l => l.UserId == person.UserId).ToListAsync(cancellationToken);
        if (logins.FirstOrDefault(l => l.LoginProvider == posted.Provider) is not { } login)
        {
            return PageResults.NotFound();
        }

        // Checked before the step-up: whatever the proof, this one stays.
        if (await IsLastWayInAsync(person.User, logins.Count, db, cancellationToken))
        {
            return await PageAsync(http, person, db, providers, antiforgery, null, "Methods.LastMethod", StatusCodes.Status409Conflict, cancellationToken);
        }

        if (!await area.IsRecentAsync(person, cancellationToken))
        {
            return AccountArea.ToReauthenticate(ExternalPaths.SignInMethods);
        }

        await db.UserLogins.Where(l => l.UserId == person.UserId && l.LoginProvider == login.LoginProvider).ExecuteDeleteAsync(cancellationToken);
        db.AddEvent(EventTypes.ExternalLoginUnlinked, person.UserId, new { userId = person.UserId, providerId = login.LoginProvider, provider = login.ProviderDisplayName }, time.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return PageResults.SeeOther(ExternalPaths.SignInMethods + "?done=unlinked");
    }

    /// <summary>No password, no passkey, and this is the only linked provider.</summary>
    public static async Task<bool> IsLastWayInAsync(User user, int logins, WardenDbContext db, CancellationToken cancellationToken) =>
        user.PasswordHash is null && logins <= 1 && !await db.UserPasskeys.AnyAsync(p => p.UserId == user.Id, cancellationToken);

    /// <summary>Links an identity (nothing else checked here: the caller holds the proof), with its event. False when the identity is taken.</summary>
    internal static async Task<bool> LinkAsync(User owner, ExternalIdentity identity, string proof, WardenDbContext db, UserManager<User> users, TimeProvider time,
        CancellationToken cancellationToken)
    {
        try
        {
            var tracked = await users.FindByIdAsync(owner.Id.ToString()) ?? owner;
            if (!(await users.AddLoginAsync(tracked, identity.Login)).Succeeded)
            {
                return false;
            }
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            return false; // the same identity linked elsewhere at the same moment
        }

        db.AddEvent(EventTypes.ExternalLoginLinked, owner.Id, new { userId = owner.Id, provider = identity.Provider.Slug, providerId = identity.Provider.Id, proof }, time.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>The callback of "connect": the identity must not be linked to anyone yet (to another account, it stays there).</summary>
    internal static async Task<IResult> LinkedAsync(ExternalIdentity identity, User owner, WardenDbContext db, UserManager<User> users, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (await users.FindByLoginAsync(identity.Provider.RegistrationId, identity.Subject) is { } holder)
        {
            return holder.Id == owner.Id
                ? PageResults.SeeOther(ExternalPaths.SignInMethods + "?done=linked")
                : PageResults.Message(new MessageModel("External.Title", "External.LinkedElsewhere") { Links = [new PageLink(ExternalPaths.SignInMethods, "Link.Back")] },
                    StatusCodes.Status409Conflict);
        }

        return await LinkAsync(owner, identity, "session", db, users, time, cancellationToken)
            ? PageResults.SeeOther(ExternalPaths.SignInMethods + "?done=linked")
            : ExternalSignIn.Failed();
    }

    private static async Task<IResult> PageAsync(
        HttpContext http, SignedInPerson person, WardenDbContext db, ExternalProviders providers, IAntiforgery antiforgery, string? notice, string? error, int status,
        CancellationToken cancellationToken)
    {
        var logins = await db.UserLogins.AsNoTracking().Where(l => l.UserId == person.UserId).ToListAsync(cancellationToken);
        var rows = logins.Select(l => new SignInMethodRow(l.LoginProvider, providers.Current.FirstOrDefault(p => p.RegistrationId == l.LoginProvider)?.DisplayName
                                                                             ?? l.ProviderDisplayName ?? l.LoginProvider, null, true))
            .Concat(providers.Current.Where(p => logins.All(l => l.LoginProvider != p.RegistrationId)).Select(p => new SignInMethodRow(p.RegistrationId, p.DisplayName, p.Slug, false)))
            .ToList();
        var passkeys = await db.UserPasskeys.AsNoTracking().CountAsync(p => p.UserId == person.UserId, cancellationToken);
        return new RazorComponentResult<SignInMethodsPage>(new Dictionary<string, object?>
        {
            [nameof(SignInMethodsPage.Rows)] = rows,
            [nameof(SignInMethodsPage.HasPassword)] = person.User.PasswordHash is not null,
            [nameof(SignInMethodsPage.Passkeys)] = passkeys,
            [nameof(SignInMethodsPage.Notice)] = notice,
            [nameof(SignInMethodsPage.Error)] = error,
            [nameof(SignInMethodsPage.Antiforgery)] = antiforgery.GetAndStoreTokens(http),
        }) { StatusCode = status };
    }
}
