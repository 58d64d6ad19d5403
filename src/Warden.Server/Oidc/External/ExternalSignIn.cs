using Microsoft.AspNetCore;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.Client.AspNetCore;
using Warden.Server.Authentication;
using Warden.Server.Authentication.External;
using Warden.Server.Authentication.Login;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Authorization;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Pages;
using Warden.Server.Pages.Account;
using Warden.Server.Pages.Layout;
using Warden.Server.Pages.SignIn;
using Warden.Server.Users;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Server.Oidc.External;

public sealed class ExternalStartForm
{
    public string? ReturnUrl { get; set; }
}

/// <summary>What an upstream provider said about the person, once OpenIddict has validated its answer.</summary>
public sealed record ExternalIdentity(ExternalProvider Provider, string Subject, string? Email, bool EmailTrusted, string? Name)
{
    public UserLoginInfo Login => new(Provider.RegistrationId, Subject, Provider.DisplayName);
}

/// <summary>
/// Sign-in through an upstream identity provider (OpenIddict's client, code flow with PKCE): the sign-in page's button
/// posts here, the provider answers at <see cref="ExternalPaths.Callback"/>, and then:
/// <list type="bullet">
/// <item>an identity linked to an account signs in to it, through the same refusals (suspended, unverified) and the same
/// second factor as a password would: the upstream provider is one factor, and an account that asked for two keeps two;</item>
/// <item>an unknown identity whose address no account has creates an account while registration is open
/// (<c>Warden:Authentication:OpenRegistration</c>; closed, it is told so and nothing is made), its address verified only
/// if the provider says so and the administrator trusts the provider for it
/// (<see cref="IdentityProvider.TrustEmailVerification"/>); otherwise it waits for the usual verification email;</item>
/// <item>an unknown identity whose address an account has is never linked on that ground, verified or not: the provider
/// may be wrong, compromised or lax, and linking would hand it the account. See <see cref="ExternalLinkPages"/>.</item>
/// </list>
/// Enumeration: the callback reveals an account for an address only to someone the provider vouches owns that address
/// (a trusted, verified email), who could learn it from a password reset sent to that mailbox anyway. An untrusted address
/// gets the same "check your email" page whether an account has it or not, as the registration page answers; the owner
/// is told by email.
/// </summary>
public static class ExternalSignIn
{
    internal const string ModeKey = "warden.mode";
    internal const string SessionKey = "warden.session";
    internal const string SignInMode = "signin";
    internal const string LinkMode = "link";
    internal const string ReauthenticateMode = "reauth";

    public static IResult StartAsync(string slug, [FromForm] ExternalStartForm? posted, ExternalProviders providers) =>
        providers.Find(slug) is { } provider ? Challenge(provider, SignInMode, null, posted?.ReturnUrl) : PageResults.NotFound();

    /// <summary>To the provider. <paramref name="freshSignIn"/> asks it to authenticate the person again (prompt=login), whatever its own session.</summary>
    internal static IResult Challenge(ExternalProvider provider, string mode, Guid? sessionId, string? returnUrl, bool freshSignIn = false)
    {
        var properties = new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictClientAspNetCoreConstants.Properties.RegistrationId] = provider.RegistrationId,
            [ModeKey] = mode,
            [SessionKey] = sessionId?.ToString("N"),
        })
        {
            // Always set: without it OpenIddict would come back to the address that started the flow (this post).
            RedirectUri = string.IsNullOrEmpty(returnUrl) ? ReturnUrls.Home : returnUrl,
        };
        if (freshSignIn)
        {
            properties.Parameters[Parameters.Prompt] = PromptValues.Login;
        }

        return new ProviderChallenge(properties, provider.RegistrationId, provider.Slug);
    }

    /// <summary>
    /// OpenIddict's challenge, after the provider's discovery document is read (and cached for the challenge, which reads
    /// it too): when that cannot be had (the provider is down, its address is refused by the outbound guard — inside the
    /// network while <c>Warden:Network:AllowPrivateTargets</c> is off, whenever it was stored — or its answer is no valid
    /// document), the person gets a page saying the sign-in did not complete (502), the operator the reason in the log.
    /// </summary>
    private sealed class ProviderChallenge(AuthenticationProperties properties, string registrationId, string slug) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            try
            {
                var registration = await httpContext.RequestServices.GetRequiredService<OpenIddict.Client.OpenIddictClientService>()
                    .GetClientRegistrationByIdAsync(registrationId, httpContext.RequestAborted);
                if (registration.ConfigurationManager is { } configuration)
                {
                    _ = await configuration.GetConfigurationAsync(httpContext.RequestAborted);
                }

                await httpContext.ChallengeAsync(OpenIddictClientAspNetCoreDefaults.AuthenticationScheme, properties);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && !httpContext.Response.HasStarted)
            {
                httpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ExternalSignIn))
                    .LogWarning(ex, "External sign-in at {Provider} could not start: the provider's configuration could not be read.", slug);
                httpContext.Response.Clear();
                await PageResults.Message(new MessageModel("External.Title", "External.Failed") { Links = [new PageLink("/account/login", "Link.Login")] },
                    StatusCodes.Status502BadGateway).ExecuteAsync(httpContext);
            }
        }
    }

    public static async Task<IResult> CallbackAsync(
        string slug, HttpContext http, ExternalProviders providers, AccountSession account, WardenDbContext db, UserManager<User> users,
        SignInCompletion completion, LoginChallenges challenges, Reauthentication reauthentication, ReturnUrls returnUrls, ExternalLinkTokens linkTokens,
        ILoggerFactory loggers, TimeProvider time, CancellationToken cancellationToken)
    {
        AuthenticateResult result;
        try
        {
            result = await http.AuthenticateAsync(OpenIddictClientAspNetCoreDefaults.AuthenticationScheme);
        }
        catch (InvalidOperationException ex)
        {
            // The flow's registration is gone (the provider was disabled or deleted meanwhile).
            loggers.CreateLogger(typeof(ExternalSignIn)).LogWarning(ex, "External sign-in at {Provider} refused.", slug);
            return Failed();
        }

        if (!result.Succeeded)
        {
            // What the provider or OpenIddict said (an error the provider returned, a state or token that did not validate):
            // for the operator, never for the page.
            var response = http.GetOpenIddictClientResponse();
            loggers.CreateLogger(typeof(ExternalSignIn)).LogWarning(result.Failure, "External sign-in at {Provider} failed: {Error} {Description}",
                slug, response?.Error, response?.ErrorDescription);
        }

        // The provider list was read from the database at the start of this request (ExternalSetup): a provider disabled or
        // deleted since the flow began, on any node, has no registration now and finishes no sign-in.
        if (!result.Succeeded || result.Principal is not { Identity.IsAuthenticated: true } principal
            || providers.FindByRegistration(First(principal, Claims.Private.RegistrationId)) is not { } provider || provider.Slug != slug
            || (First(principal, Claims.Subject) ?? First(principal, ClaimTypes.NameIdentifier)) is not { Length: > 0 and <= 200 } subject)
        {
            return Failed();
        }

        var email = First(principal, Claims.Email) ?? First(principal, ClaimTypes.Email);
        var verified = string.Equals(First(principal, Claims.EmailVerified), "true", StringComparison.OrdinalIgnoreCase);
        var identity = new ExternalIdentity(provider, subject, EmailAddress.IsValid(email) ? email : null, verified && provider.TrustEmailVerification,
            First(principal, Claims.Name) ?? First(principal, ClaimTypes.Name));
        var items = result.Properties?.Items ?? new Dictionary<string, string?>();
        var returnUrl = result.Properties?.RedirectUri;
        var mode = Item(items, ModeKey);
        if (mode is LinkMode or ReauthenticateMode)
        {
            // Started from a signed-in page: it must come back to the very session that started it.
            if (await account.CurrentAsync(http) is not { User: { } owner } session || Item(items, SessionKey) != session.Id.ToString("N"))
            {
                return Failed();
            }

            return mode == LinkMode
                ? await SignInMethodsPages.LinkedAsync(identity, owner, db, users, time, cancellationToken)
                : await ReauthenticatedAsync(http, identity, owner, session, users, reauthentication, db, returnUrl, cancellationToken);
        }

        if (await users.FindByLoginAsync(provider.RegistrationId, subject) is { } linked)
        {
            return await SignInLinkedAsync(http, linked, identity, db, completion, challenges, returnUrls, returnUrl, time, cancellationToken);
        }

        if (identity.Email is null)
        {
            return PageResults.Message(new MessageModel("External.Title", "External.NoEmail") { Links = [new PageLink("/account/login", "Link.Login")] });
        }

        var normalized = users.NormalizeEmail(identity.Email);
        var owner2 = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.NormalizedEmail == normalized, cancellationToken);
        if (owner2 is not null && identity.EmailTrusted)
        {
            return await ExternalLinkPages.AskProofAsync(http, identity, owner2, linkTokens, returnUrl, db, cancellationToken);
        }

        var options = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Authentication.AuthenticationOptions>>().Value;
        if (owner2 is not null)
        {
            await Authentication.Registration.Register.NotifyOwnerAsync(db, normalized, owner2.Id, options, time.GetUtcNow(), cancellationToken);
        }

        // Closed registration: no account is made, and an untrusted address an account has gets this same answer (as it
        // gets the new address's answer when registration is open), so the page tells nothing about accounts.
        if (!options.OpenRegistration)
        {
            return Pages.Registration.RegistrationPages.Closed();
        }

        return owner2 is null
            ? await CreateAccountAsync(http, identity, db, users, completion, challenges, returnUrls, returnUrl, time, cancellationToken)
            : Pages.Registration.RegistrationPages.CheckEmail();
    }

    /// <summary>
    /// A linked identity signs in to its account as a password would: refused for a suspended or unverified account (after
    /// the proof, so nothing is revealed to anyone else), then the second factor when the account has one. The password's
    /// lockout is not consulted: it counts password guesses, and the provider's answer is not one.
    /// </summary>
    internal static async Task<IResult> SignInLinkedAsync(
        HttpContext http, User user, ExternalIdentity identity, WardenDbContext db, SignInCompletion completion, LoginChallenges challenges, ReturnUrls returnUrls,
        string? returnUrl, TimeProvider time, CancellationToken cancellationToken)
    {
        if (user.Status == UserStatus.Deleted)
        {
            return Failed();
        }

        if (await Authentication.Login.Login.RefuseUnusableAccountAsync(user, db, time.GetUtcNow(), cancellationToken) is { } refused)
        {
            return PageResults.Form(http, SignInPages.LoginModel(http, new LoginForm { ReturnUrl = returnUrl }, PageErrors.From(refused)));
        }

        if (user.TwoFactorEnabled)
        {
            var challenge = await challenges.StartSecondFactorAsync(user, false, http, cancellationToken, SessionClients.Browser, ExternalAmr, identity.Provider.Slug);
            return PageResults.Form(http, SignInPages.CodeModel(challenge.ChallengeToken, string.Join(' ', challenge.Methods ?? []), returnUrl, PageErrors.None));
        }

        var signIn = await completion.CompleteBrowserAsync(user, false, ExternalAmr, http, cancellationToken, identity.Provider.Slug);
        return SignInPages.SignedIn(http, signIn, returnUrls, returnUrl);
    }

    /// <summary>RFC 8176 has no value for "a federated identity provider vouched": <c>fed</c> is the one in use (Entra ID's).</summary>
    public const string ExternalAmr = "fed";

    private static async Task<IResult> CreateAccountAsync(
        HttpContext http, ExternalIdentity identity, WardenDbContext db, UserManager<User> users, SignInCompletion completion, LoginChallenges challenges,
        ReturnUrls returnUrls, string? returnUrl, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var user = new User
        {
            Email = identity.Email,
            // No password: the provider is the way in, until the person sets one (a reset by email) or adds a passkey.
            Status = identity.EmailTrusted ? UserStatus.Active : UserStatus.PendingVerification,
            EmailConfirmed = identity.EmailTrusted,
            EmailVerifiedAt = identity.EmailTrusted ? now : null,
            CreatedAt = now,
            UpdatedAt = now,
        };
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            try
            {
                if (!(await users.CreateAsync(user)).Succeeded || !(await users.AddLoginAsync(user, identity.Login)).Succeeded)
                {
                    await transaction.RollbackAsync(cancellationToken);
                    db.ChangeTracker.Clear();
                    return Failed();
                }

                var role = await db.Roles.Where(r => r.Name == DefaultRoles.User).Select(r => r.Id).SingleAsync(cancellationToken);
                db.UserRoles.Add(new UserRole { UserId = user.Id, RoleId = role, AssignedAt = now });
                db.AddEvent(EventTypes.UserRegistered, user.Id, new
                {
                    userId = user.Id,
                    email = user.Email,
                    username = (string?)null,
                    fullName = identity.Name is { Length: > 0 and <= 100 } name ? name : null,
                    provider = identity.Provider.Slug,
                }, now);
                db.AddEvent(EventTypes.ExternalLoginLinked, user.Id, new { userId = user.Id, provider = identity.Provider.Slug, providerId = identity.Provider.Id }, now);
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // The same address registered, or the same identity linked, at the same moment: that one won.
                await transaction.RollbackAsync(cancellationToken);
                db.ChangeTracker.Clear();
                return Failed();
            }
        }

        return identity.EmailTrusted
            ? await SignInLinkedAsync(http, user, identity, db, completion, challenges, returnUrls, returnUrl, time, cancellationToken)
            : Pages.Registration.RegistrationPages.CheckEmail();
    }

    /// <summary>
    /// The re-authentication of an account (any account, the password-less ones above all): a fresh sign-in at a provider
    /// (prompt=login) with an identity linked to this very account stamps the session, as a password would.
    /// </summary>
    private static async Task<IResult> ReauthenticatedAsync(
        HttpContext http, ExternalIdentity identity, User owner, UserSession session, UserManager<User> users, Reauthentication reauthentication,
        WardenDbContext db, string? returnUrl, CancellationToken cancellationToken)
    {
        if (await users.FindByLoginAsync(identity.Provider.RegistrationId, identity.Subject) is not { } linked || linked.Id != owner.Id)
        {
            return PageResults.Message(new MessageModel("External.Title", "External.NotThisAccount") { Links = [new PageLink(ReturnUrls.Home, "Link.Home")] },
                StatusCodes.Status403Forbidden);
        }

        await reauthentication.StampAsync(owner.Id, session.Id, cancellationToken);
        var tracked = await db.Sessions.SingleAsync(s => s.Id == session.Id, cancellationToken);
        return await ReauthenticatePages.ConfirmedAsync(http, db, tracked, AccountArea.Back(returnUrl), cancellationToken);
    }

    /// <summary>The first value: OpenIddict's merged principal carries a claim once from the identity token and again from userinfo.</summary>
    private static string? First(ClaimsPrincipal principal, string type) => principal.FindFirst(type)?.Value;

    private static string? Item(IDictionary<string, string?> items, string key) => items.TryGetValue(key, out var value) ? value : null;

    internal static IResult Failed() =>
        PageResults.Message(new MessageModel("External.Title", "External.Failed") { Links = [new PageLink("/account/login", "Link.Login")] },
            StatusCodes.Status400BadRequest);
}
