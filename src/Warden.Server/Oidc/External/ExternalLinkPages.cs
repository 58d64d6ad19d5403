using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication;
using Warden.Server.Authentication.External;
using Warden.Server.Authentication.Login;
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
/// The identity a callback could not link on its own, carried to the proof page in the form: encrypted and authenticated
/// with Data Protection (shared by every node), valid for 15 minutes. It names the provider, the upstream subject and
/// the account whose address matched; nothing in it is believed without the account's own proof.
/// </summary>
public sealed class ExternalLinkTokens(IDataProtectionProvider dataProtection, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    private readonly ITimeLimitedDataProtector _protector = dataProtection.CreateProtector("Warden.ExternalLink.v1").ToTimeLimitedDataProtector();

    public sealed record Pending(Guid ProviderId, string Subject, Guid UserId, string? ReturnUrl);

    public string Issue(Pending pending) =>
        _protector.Protect(JsonSerializer.Serialize(pending, JsonSerializerOptions.Web), time.GetUtcNow() + Lifetime);

    public Pending? Read(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 4000)
        {
            return null;
        }

        try
        {
            var json = _protector.Unprotect(token, out var expiration);
            return expiration > time.GetUtcNow() ? JsonSerializer.Deserialize<Pending>(json, JsonSerializerOptions.Web) : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }
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
        var token = tokens.Issue(new ExternalLinkTokens.Pending(identity.Provider.Id, identity.Subject, owner.Id, returnUrl));
        return PageResults.Form(http, await ModelAsync(db, owner.Id, token, PageErrors.None, cancellationToken));
    }

    public static async Task<IResult> ConnectAsync(
        [FromForm] ExternalConnectForm posted, HttpContext http, ExternalLinkTokens tokens, ExternalProviders providers, WardenDbContext db, UserManager<User> users,
        Reauthentication reauthentication, SignInCompletion completion, LoginChallenges challenges, ReturnUrls returnUrls, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (tokens.Read(posted.Token) is not { } pending
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

        var identity = new ExternalIdentity(provider, pending.Subject, owner.Email, false, null);
        if (await users.FindByLoginAsync(provider.RegistrationId, pending.Subject) is { } already)
        {
            // Linked meanwhile (another tab): to this account it signs in; to another, nothing changes.
            return already.Id == owner.Id
                ? await ExternalSignIn.SignInLinkedAsync(http, owner, identity, db, completion, challenges, returnUrls, pending.ReturnUrl, time, cancellationToken)
                : ExternalSignIn.Failed();
        }

        if (!await SignInMethodsPages.LinkAsync(owner, identity, "password", db, users, time, cancellationToken))
        {
            return ExternalSignIn.Failed();
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
