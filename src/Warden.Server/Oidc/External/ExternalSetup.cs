using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;
using OpenIddict.Client;
using Polly;
using Warden.Server.Authentication;
using Warden.Server.Authentication.External;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Pages.Account;
using Warden.Server.Pages.Layout;

namespace Warden.Server.Oidc.External;

/// <summary>
/// Sign-in with external identity providers (issue 21): OpenIddict's client, its registrations built from the
/// <c>identity_providers</c> table (<see cref="ExternalProviders"/>), every call through the outbound guard.
/// </summary>
public static class ExternalSetup
{
    public static IServiceCollection AddWardenExternalSignIn(this IServiceCollection services)
    {
        services.AddOpenIddict()
            .AddClient(client =>
            {
                client.AllowAuthorizationCodeFlow();
                client.UseAspNetCore()
                    .EnableRedirectionEndpointPassthrough()
                    .EnableErrorPassthrough();
                // OpenIddict retries transient failures with back-off (seconds); a connection the outbound guard refused
                // is refused every time, so it is not tried again: the sign-in page answers at once.
                client.UseSystemNetHttp().SetHttpResiliencePipeline(pipeline => pipeline.AddRetry(new Microsoft.Extensions.Http.Resilience.HttpRetryStrategyOptions
                {
                    ShouldHandle = args => ValueTask.FromResult(!RefusedByGuard(args.Outcome.Exception)
                                                               && Microsoft.Extensions.Http.Resilience.HttpClientResiliencePredicates.IsTransient(args.Outcome)),
                }));
                client.UseWebProviders();
            });

        services.AddSingleton<ExternalProviders>();
        services.AddSingleton<ExternalClientOptionsSetup>();
        services.AddSingleton<IConfigureOptions<OpenIddictClientOptions>>(sp => sp.GetRequiredService<ExternalClientOptionsSetup>());
        services.AddSingleton<IOptionsChangeTokenSource<OpenIddictClientOptions>>(sp => sp.GetRequiredService<ExternalClientOptionsSetup>());
        services.AddSingleton<IPostConfigureOptions<HttpClientFactoryOptions>, GuardOpenIddictClientHttp>();
        services.AddOptions<OpenIddict.Client.AspNetCore.OpenIddictClientAspNetCoreOptions>().Configure<AccessTokenService>((options, tokens) =>
            // Plain http only where Warden's own address is http (development and tests), as for the provider side.
            options.DisableTransportSecurityRequirement = tokens.Issuer.StartsWith("http://", StringComparison.OrdinalIgnoreCase));
        services.AddScoped<ExternalLinkTokens>();
        services.AddSingleton<IStartupFilter, RefreshProvidersFirst>();
        return services;
    }

    private static bool RefusedByGuard(Exception? exception)
    {
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is OutboundTargetRefusedException)
            {
                return true;
            }
        }

        return false;
    }

    public static IEndpointRouteBuilder MapExternalSignIn(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("").AllowAnonymous().ExcludeFromDescription();
        Post(pages, "/account/login/external/{slug}", ExternalSignIn.StartAsync);
        pages.MapGet("/account/login/external/{slug}/callback", ExternalSignIn.CallbackAsync);
        Post(pages, ExternalPaths.Connect, ExternalLinkPages.ConnectAsync);
        pages.MapGet(ExternalPaths.SignInMethods, SignInMethodsPages.ShowAsync);
        Post(pages, ExternalPaths.SignInMethods + "/link", SignInMethodsPages.LinkStartAsync);
        Post(pages, ExternalPaths.SignInMethods + "/unlink", SignInMethodsPages.UnlinkAsync);
        Post(pages, "/account/reauthenticate/external/{slug}", ReauthenticateAsync);
        return app;
    }

    private static RouteHandlerBuilder Post(RouteGroupBuilder pages, string pattern, Delegate handler) =>
        pages.MapPost(pattern, handler).RequireRateLimiting(RateLimitSetup.AuthPolicy).ClosedToBlockedClients();

    /// <summary>"Confirm with a provider" on the re-authentication page: a fresh sign-in there (prompt=login) with an identity of this account.</summary>
    private static async Task<IResult> ReauthenticateAsync(string slug, [FromForm] ExternalStartForm? posted, HttpContext http, AccountArea area, ExternalProviders providers)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, AccountArea.ReauthenticatePath);
        }

        return providers.Find(slug) is { } provider
            ? ExternalSignIn.Challenge(provider, ExternalSignIn.ReauthenticateMode, person.Session.Id, AccountArea.Back(posted?.ReturnUrl), freshSignIn: true)
            : PageResults.NotFound();
    }

    /// <summary>
    /// OpenIddict's client reads its registrations when a request starts (before any endpoint runs), so the provider table is
    /// read first, for the requests of external sign-in only: what an administrator changed on any node holds at once here.
    /// </summary>
    private sealed class RefreshProvidersFirst(ExternalProviders providers) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseWhen(c => c.Request.Path.StartsWithSegments("/account/login/external") || c.Request.Path.StartsWithSegments(ExternalPaths.SignInMethods)
                             || c.Request.Path.StartsWithSegments("/account/reauthenticate/external"),
                branch => branch.Use(async (context, nextMiddleware) =>
                {
                    await providers.RefreshAsync(context.RequestAborted);
                    await nextMiddleware(context);
                }));
            next(app);
        };
    }
}
