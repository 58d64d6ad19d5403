using Microsoft.AspNetCore.Mvc;
using Warden.Server.Authentication;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Pages.Account;
using Warden.Server.Pages.Home;
using Warden.Server.Pages.Recovery;
using Warden.Server.Pages.Registration;
using Warden.Server.Pages.Layout;
using Warden.Server.Pages.SignIn;
using Warden.Server.Profiles.Avatars;

namespace Warden.Server.Pages;

/// <summary>
/// The account pages under <c>/account</c>: Razor components rendered on the server (no interactivity, no
/// <c>blazor.web.js</c>; one script of Warden's own, for passkeys: <see cref="PageScript"/>), returned by minimal-API endpoints; forms post to endpoints that bind a
/// <c>[FromForm]</c> model, which is what makes ASP.NET Core check their antiforgery token (docs/pages.md).
/// </summary>
public static class PagesSetup
{
    public static IServiceCollection AddWardenPages(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<BrandOptions, BrandOptionsValidator>(configuration, BrandOptions.Section);
        services.AddValidatedOptions<PageOptions, PageOptionsValidator>(configuration, PageOptions.Section);
        services.AddRazorComponents();
        services.AddLocalization();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "warden_antiforgery";
            o.FormFieldName = "__RequestVerificationToken";
        });
        services.AddSingleton<Stylesheet>();
        services.AddSingleton<PageScript>();
        services.AddSingleton<PageHeaders>();
        services.AddSingleton<ReturnUrls>();
        services.AddScoped<AccountSession>();
        services.AddScoped<AccountArea>();
        services.AddScoped<Admin.AdminArea>();
        foreach (var section in Admin.AdminSections.OfPages)
        {
            Admin.AdminSections.AddAdminSection(services, section);
        }

        return services;
    }

    /// <summary>
    /// Under <c>/account</c> and the console's <c>/admin</c> only: the pages' headers, the friendly error page and the language; then the antiforgery check
    /// of their forms. (Middleware rather than an endpoint filter: a filter breaks the binding of complex form models.)
    /// </summary>
    public static WebApplication UseWardenPages(this WebApplication app)
    {
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/account") || c.Request.Path.StartsWithSegments("/admin"), pages =>
        {
            pages.Use(PageMiddlewareAsync);
            pages.UseRequestLocalization(PageCulture.Options());
        });
        app.UseAntiforgery();
        return app;
    }

    public static RouteGroupBuilder MapAccountPages(this RouteGroupBuilder account)
    {
        account.ExcludeFromDescription().AllowAnonymous();
        account.MapGet("/assets/warden.css", (HttpContext http, Stylesheet css) =>
        {
            http.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
            return css.Serve();
        });
        account.MapGet("/assets/passkeys.js", (HttpContext http, PageScript script) =>
        {
            http.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
            return script.Serve();
        });

        account.MapGet("", Overview.ShowAsync);

        account.MapGet("/register", RegistrationPages.Register);
        Post(account, "/register", RegistrationPages.RegisterAsync);
        account.MapGet("/check-email", RegistrationPages.CheckEmail);
        account.MapGet("/verify-email", (HttpContext http, string? token) => RegistrationPages.VerifyEmailForm(http, token));
        Post(account, "/verify-email", RegistrationPages.VerifyEmailAsync);
        account.MapGet("/resend-verification", RegistrationPages.Resend);
        Post(account, "/resend-verification", RegistrationPages.ResendAsync);

        account.MapGet("/login", SignInPages.Login);
        Post(account, "/login", SignInPages.LoginAsync);
        Post(account, "/login/second-factor", SignInPages.SecondFactorAsync);
        Post(account, "/login/send-code/{method:regex(^(sms|email)$)}", SignInPages.SendCodeAsync);
        Post(account, "/login/password", SignInPages.ExpiredPasswordAsync);
        Post(account, "/login/passkey/options", PasskeyPages.SignInOptionsAsync);
        Post(account, "/login/passkey", PasskeyPages.SignInAsync);
        Post(account, "/login/second-factor/passkey/options", PasskeyPages.SecondFactorOptionsAsync);
        Post(account, "/login/second-factor/passkey", PasskeyPages.SecondFactorAsync);
        Post(account, "/logout", SignInPages.LogoutAsync);

        account.MapGet("/forgot-password", RecoveryPages.Forgot);
        Post(account, "/forgot-password", RecoveryPages.ForgotAsync);
        account.MapGet("/reset-password", (HttpContext http, string? token) => RecoveryPages.Show(RecoveryPages.Reset, http, token));
        Post(account, "/reset-password", ([FromForm] SetPasswordForm posted, HttpContext http, Infrastructure.Database.WardenDbContext db,
                Passwords.PasswordChangingUserManager users, Authentication.Tokens.AccountTokens tokens, Authentication.Sessions.SessionRevocation revocation,
                TimeProvider time, CancellationToken cancellationToken) =>
            RecoveryPages.SetAsync(RecoveryPages.Reset, posted, http, db, users, tokens, revocation, time, cancellationToken));
        account.MapGet("/invitation", (HttpContext http, string? token) => RecoveryPages.Show(RecoveryPages.Invitation, http, token));
        Post(account, "/invitation", ([FromForm] SetPasswordForm posted, HttpContext http, Infrastructure.Database.WardenDbContext db,
                Passwords.PasswordChangingUserManager users, Authentication.Tokens.AccountTokens tokens, Authentication.Sessions.SessionRevocation revocation,
                TimeProvider time, CancellationToken cancellationToken) =>
            RecoveryPages.SetAsync(RecoveryPages.Invitation, posted, http, db, users, tokens, revocation, time, cancellationToken));

        // The signed-in area: sensitive changes only after /account/reauthenticate (the step-up of Reauthentication).
        account.MapGet("/reauthenticate", ReauthenticatePages.ShowAsync);
        Post(account, "/reauthenticate", ReauthenticatePages.ConfirmAsync);
        Post(account, "/reauthenticate/passkey/options", PasskeyPages.ReauthenticateOptionsAsync);
        Post(account, "/reauthenticate/passkey", PasskeyPages.ReauthenticateAsync);
        account.MapGet("/security", SecurityPages.ShowAsync);
        Post(account, "/security/totp/setup", SecurityPages.SetUpAuthenticatorAsync);
        Post(account, "/security/totp/confirm", SecurityPages.ConfirmAuthenticatorAsync);
        Post(account, "/security/recovery-codes", SecurityPages.RegenerateCodesAsync);
        Post(account, "/security/recovery-codes/download", SecurityPages.DownloadCodesAsync);
        Post(account, "/security/two-factor/off", SecurityPages.TurnOffAsync);
        Post(account, "/security/sms", PhonePages.SetSmsAsync);
        Post(account, "/security/passkeys/options", PasskeyPages.RegistrationOptionsAsync);
        Post(account, "/security/passkeys", PasskeyPages.RegisterAsync);
        Post(account, "/security/passkeys/rename", PasskeyPages.RenameAsync);
        Post(account, "/security/passkeys/remove", PasskeyPages.RemoveAsync);
        account.MapGet("/phone", PhonePages.ShowAsync);
        Post(account, "/phone", PhonePages.ChangeAsync);
        Post(account, "/phone/verify", PhonePages.VerifyAsync);
        account.MapGet("/password", SecurityPages.PasswordAsync);
        Post(account, "/password", SecurityPages.ChangePasswordAsync);
        account.MapGet("/sessions", SessionsPages.ShowAsync);
        Post(account, "/sessions/revoke", SessionsPages.RevokeAsync);
        Post(account, "/sessions/revoke-others", SessionsPages.RevokeOthersAsync);
        account.MapGet("/email", EmailChangePages.ShowAsync);
        Post(account, "/email", EmailChangePages.RequestAsync);
        account.MapGet("/confirm-email-change", EmailChangePages.ConfirmFormAsync);
        Post(account, "/confirm-email-change", EmailChangePages.ConfirmAsync);
        account.MapGet("/profile", ProfilePages.ShowAsync);
        Post(account, "/profile", ProfilePages.SaveAsync);
        // The form's body: the image (the upload's own limit) plus the multipart framing and the antiforgery token.
        Post(account, "/profile/avatar", ProfilePages.UploadAvatarAsync)
            .WithRequestSizeLimit(AvatarEndpoints.UploadLimit(((IEndpointRouteBuilder)account).ServiceProvider.GetRequiredService<IConfiguration>()) + 64 * 1024);
        account.MapGet("/notifications", NotificationsPages.ShowAsync);
        Post(account, "/notifications", NotificationsPages.SaveAsync);
        Post(account, "/export", DeleteAccountPages.ExportAsync);
        account.MapGet("/delete", DeleteAccountPages.ShowAsync);
        Post(account, "/delete", DeleteAccountPages.DeleteAsync);

        account.MapFallback("{**path}", () => PageResults.NotFound());
        return account;
    }

    /// <summary>
    /// Posts count against the same rate limit as the API's sign-in endpoints and, like them, are closed to a client
    /// blocked for credential stuffing (sign-out aside: ending a session is never refused).
    /// </summary>
    private static RouteHandlerBuilder Post(RouteGroupBuilder account, string pattern, Delegate handler)
    {
        var post = account.MapPost(pattern, handler).RequireRateLimiting(RateLimitSetup.AuthPolicy);
        if (pattern != "/logout")
        {
            post.ClosedToBlockedClients();
        }

        return post;
    }

    /// <summary>The pages' headers on every answer, and the friendly error page instead of a problem document.</summary>
    private static async Task PageMiddlewareAsync(HttpContext http, RequestDelegate next)
    {
        http.RequestServices.GetRequiredService<PageHeaders>().Apply(http.Response);
        try
        {
            if (await NextSourceAsync(http) is { } nextSource)
            {
                http.RequestServices.GetRequiredService<PageHeaders>().Apply(http.Response, nextSource);
            }

            await next(http);
        }
        catch (BadHttpRequestException bad) when (!http.Response.HasStarted)
        {
            // A form without its antiforgery token (or one that cannot be read): refused, and the person told to reload.
            http.Response.Clear();
            http.RequestServices.GetRequiredService<PageHeaders>().Apply(http.Response);
            await PageResults.Message(new MessageModel("BadForm.Title", "BadForm.Text") { Links = [new PageLink(ReturnUrls.Home, "Link.Home")] }, bad.StatusCode)
                .ExecuteAsync(http);
        }
        catch (Exception exception) when (exception is not OperationCanceledException && !http.Response.HasStarted)
        {
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Warden.Server.Pages")
                .LogError(exception, "An account page failed: {Method} {Path}", http.Request.Method, http.Request.Path);
            http.Response.Clear();
            http.RequestServices.GetRequiredService<PageHeaders>().Apply(http.Response);
            await PageResults.ServerError().ExecuteAsync(http);
        }
    }

    /// <summary>
    /// Where the page's return address (the query's <c>returnUrl</c>, or the posted form's when a step re-renders
    /// the page) leads after Warden, as a module above vouches for it (<see cref="IReturnRedirects"/>).
    /// </summary>
    private static async Task<string?> NextSourceAsync(HttpContext http)
    {
        if (http.RequestServices.GetService<IReturnRedirects>() is not { } redirects)
        {
            return null;
        }

        string? returnUrl = http.Request.Query["returnUrl"];
        // Only small url-encoded forms are read here: a multipart upload keeps its own size limit at the endpoint.
        if (returnUrl is null && HttpMethods.IsPost(http.Request.Method)
            && http.Request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true)
        {
            returnUrl = (await http.Request.ReadFormAsync(http.RequestAborted))["returnUrl"];
        }

        if (returnUrl is null || !ReturnUrls.IsLocalPath(returnUrl))
        {
            return null;
        }

        var pathBase = http.Request.PathBase.Value;
        var local = !string.IsNullOrEmpty(pathBase) && returnUrl.StartsWith(pathBase + "/", StringComparison.Ordinal) ? returnUrl[pathBase.Length..] : returnUrl;
        return await redirects.NextSourceAsync(local, http.RequestAborted);
    }
}
