using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication;
using Warden.Server.Authentication.External;
using Warden.Server.Authentication.Login;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Pages;
using Warden.Server.Pages.Layout;
using Warden.Server.Users;

namespace Warden.Server.Oidc.External;

public sealed class ExternalConnectForm
{
    public string? Token { get; set; }
    public string? Password { get; set; }
    public string? Code { get; set; }
}

/// <summary>
/// The identity a callback could not link on its own, carried to the proof page: a single-use <see cref="AccountToken"/>
/// (<see cref="AccountTokenPurpose.ExternalLink"/>, valid 15 minutes, stored as its hash) whose data names the provider and
/// the upstream subject, issued to the account whose address matched. A wrong password leaves it for another try; the
/// link spends it in the link's own transaction, so a form posted again (a replay, another tab) links nothing, and a new
/// proof page (a new sign-in at the provider) ends the older ones. Nothing in it is believed without the account's proof.
/// </summary>
public sealed class ExternalLinkTokens(AccountTokens tokens, WardenDbContext db)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    /// <summary>What the data column holds (at most 1,000 characters: a return address that does not fit is dropped).</summary>
    private sealed record Data(Guid ProviderId, string Subject, string? ReturnUrl);

    public sealed record Pending(Guid ProviderId, string Subject, Guid UserId, string? ReturnUrl);

    public async Task<string> IssueAsync(Guid providerId, string subject, Guid userId, string? returnUrl, CancellationToken cancellationToken)
    {
        var data = JsonSerializer.Serialize(new Data(providerId, subject, returnUrl), JsonSerializerOptions.Web);
        if (data.Length > 1000)
        {
            data = JsonSerializer.Serialize(new Data(providerId, subject, null), JsonSerializerOptions.Web);
        }

        var secret = await tokens.IssueAsync(userId, AccountTokenPurpose.ExternalLink, Lifetime, data, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return secret;
    }

    /// <summary>The pending link while the token can still be spent; null otherwise.</summary>
    public async Task<Pending?> ReadAsync(string? token, CancellationToken cancellationToken) =>
        await tokens.FindAsync(token, AccountTokenPurpose.ExternalLink, cancellationToken) is { Data: { } json } found
        && JsonSerializer.Deserialize<Data>(json, JsonSerializerOptions.Web) is { } data
            ? new Pending(data.ProviderId, data.Subject, found.UserId, data.ReturnUrl)
            : null;

    /// <summary>Spends the token (one conditional update, in the caller's transaction): false when another use spent it first.</summary>
    public async Task<bool> SpendAsync(string token, CancellationToken cancellationToken) =>
        await tokens.ConsumeAsync(token, AccountTokenPurpose.ExternalLink, cancellationToken) is not null;
}

/// <summary>
/// "Prove this account is yours": an upstream identity whose (trusted, verified) address an account already has is linked
/// only once the person proves that account — its password, plus a code from its authenticator when it has one: the proof
/// of <see cref="Reauthentication"/>, with its own lockout, so this page is no faster password oracle than that one. Then
/// the identity is linked and signs in as any linked identity does (the account's second factor included).
/// Nothing is linked before the proof holds.
/// </summary>
public static class ExternalLinkPages
{
    internal static async Task<IResult> AskProofAsync(
        HttpContext http, ExternalIdentity identity, User owner, ExternalLinkTokens tokens, string? returnUrl, WardenDbContext db, CancellationToken cancellationToken)
    {
        var token = await tokens.IssueAsync(identity.Provider.Id, identity.Subject, owner.Id, returnUrl, cancellationToken);
        return PageResults.Form(http, await ModelAsync(db, owner.Id, token, PageErrors.None, cancellationToken));
    }

    public static async Task<IResult> ConnectAsync(
        [FromForm] ExternalConnectForm posted, HttpContext http, ExternalLinkTokens tokens, ExternalProviders providers, WardenDbContext db, UserManager<User> users,
        Reauthentication reauthentication, SignInCompletion completion, LoginChallenges challenges, ReturnUrls returnUrls, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (await tokens.ReadAsync(posted.Token, cancellationToken) is not { } pending
            || providers.Current.FirstOrDefault(p => p.Id == pending.ProviderId) is not { } provider
            || await db.Users.SingleOrDefaultAsync(u => u.Id == pending.UserId && u.Status != UserStatus.Deleted, cancellationToken) is not { } owner)
        {
            return ExternalSignIn.Failed();
        }

        // An empty password is never a proof (the use case would otherwise look for a recent one on a session).
        var errors = string.IsNullOrEmpty(posted.Password)
            ? new PageErrors(null, new Dictionary<string, string[]> { ["password"] = [Localized(http, "Reauth.PasswordRequired")] })
            : await reauthentication.CheckAsync(owner, posted.Password, posted.Code, cancellationToken) is { } refused
                ? PageErrors.From(refused)
                : null;
        if (errors is not null)
        {
            return PageResults.Form(http, await ModelAsync(db, owner.Id, posted.Token!, errors, cancellationToken));
        }

        // The token is spent and the identity linked in one transaction: a replay of this form, or the same form posted
        // twice at once, finds it spent and links nothing; a link that fails leaves the token as it was.
        var identity = new ExternalIdentity(provider, pending.Subject, owner.Email, false, null);
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            if (!await tokens.SpendAsync(posted.Token!, cancellationToken))
            {
                await transaction.RollbackAsync(cancellationToken);
                return ExternalSignIn.Failed();
            }

            if (await users.FindByLoginAsync(provider.RegistrationId, pending.Subject) is { } already)
            {
                // Linked meanwhile (by a newer proof page's link): to this account it signs in; to another, nothing changes.
                await transaction.CommitAsync(cancellationToken);
                return already.Id == owner.Id
                    ? await ExternalSignIn.SignInLinkedAsync(http, owner, identity, db, completion, challenges, returnUrls, pending.ReturnUrl, time, cancellationToken)
                    : ExternalSignIn.Failed();
            }

            if (!await SignInMethodsPages.LinkAsync(owner, identity, "password", db, users, time, cancellationToken))
            {
                await transaction.RollbackAsync(cancellationToken);
                db.ChangeTracker.Clear();
                return ExternalSignIn.Failed();
            }

            await transaction.CommitAsync(cancellationToken);
        }

        return await ExternalSignIn.SignInLinkedAsync(http, owner, identity, db, completion, challenges, returnUrls, pending.ReturnUrl, time, cancellationToken);
    }

    private static async Task<FormModel> ModelAsync(WardenDbContext db, Guid userId, string token, PageErrors errors, CancellationToken cancellationToken)
    {
        var totp = await db.TwoFactor.AsNoTracking().AnyAsync(t => t.UserId == userId && t.TotpSecretProtected != null, cancellationToken);
        return new FormModel("External.Connect.Title", ExternalPaths.Connect, "External.Connect.Submit",
        [
            new FormField("password", "Field.Password", "password", Autocomplete: "current-password"),
            .. totp ? [new FormField("code", "Field.Code", Autocomplete: "one-time-code", Hint: "Reauth.CodeHint")] : Array.Empty<FormField>(),
        ])
        {
            Intro = "External.Connect.Intro",
            Hidden = new Dictionary<string, string> { ["token"] = token },
            Errors = errors,
            Links = [new PageLink("/account/forgot-password", "Link.Forgot"), new PageLink("/account/login", "Link.Cancel")],
        };
    }

    private static string Localized(HttpContext http, string key) =>
        http.RequestServices.GetRequiredService<Microsoft.Extensions.Localization.IStringLocalizer<Strings>>()[key];
}
