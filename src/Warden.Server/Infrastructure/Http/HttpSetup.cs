using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Infrastructure.Http;

public static class HttpSetup
{
    public const string CorsPolicy = "warden";

    public static IServiceCollection AddWardenHttp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<NetworkOptions, NetworkOptionsValidator>(configuration, NetworkOptions.Section);
        services.AddValidatedOptions<OpenApiOptions, OpenApiOptionsValidator>(configuration, OpenApiOptions.Section);
        services.AddValidatedOptions<IpRulesOptions, IpRulesOptionsValidator>(configuration, IpRulesOptions.Section);
        services.AddSingleton<IpRuleCache>();
        services.AddHostedService<IpRuleRefresh>();
        services.AddWardenProblemDetails();
        services.AddWardenRequestLogging(configuration);

        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<NetworkOptions>>((forwarded, network) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // ASP.NET Core trusts loopback by default; Warden trusts only what is configured.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            forwarded.ForwardLimit = null;
            foreach (var entry in network.Value.TrustedProxies)
            {
                if (IPAddress.TryParse(entry, out var address))
                {
                    forwarded.KnownProxies.Add(address);
                }
                else if (System.Net.IPNetwork.TryParse(entry, out var range))
                {
                    forwarded.KnownIPNetworks.Add(range);
                }
            }
        });

        services.AddOptions<HstsOptions>().Configure<IOptions<NetworkOptions>>((hsts, network) =>
        {
            hsts.MaxAge = network.Value.HstsMaxAge;
            hsts.IncludeSubDomains = false; // other hosts under the same domain are not Warden's to decide
            hsts.Preload = false;
        });

        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>().Configure<IOptions<NetworkOptions>>((cors, network) =>
            cors.AddPolicy(CorsPolicy, policy =>
            {
                if (network.Value.CorsAllowedOrigins.Count > 0)
                {
                    policy.WithOrigins([.. network.Value.CorsAllowedOrigins])
                        .AllowAnyHeader()
                        .AllowAnyMethod()
                        .WithExposedHeaders("Retry-After", "Location");
                }
            }));

        return services;
    }

    public static WebApplication UseWardenHttp(this WebApplication app)
    {
        // With no known proxy at all, ForwardedHeadersMiddleware trusts every sender; so it runs only when
        // proxies are configured, and then believes only them.
        if (app.Services.GetRequiredService<IOptions<NetworkOptions>>().Value.TrustedProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }

        app.UseWardenRequestLogging(); // after forwarded headers: the client address logged is the real one
        app.UseMiddleware<SecurityHeadersMiddleware>();
        if (app.Services.GetRequiredService<IOptions<NetworkOptions>>().Value.HstsMaxAge > TimeSpan.Zero)
        {
            // Only on https (after forwarded headers: a trusted proxy's X-Forwarded-Proto counts) and never for
            // localhost, where a browser would remember it for every local development server.
            app.UseHsts();
        }

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseCors(CorsPolicy);
        app.UseRouting();
        // Right after routing (which says whether the endpoint is a credential endpoint), before any other work.
        app.UseMiddleware<IpRulesMiddleware>();
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        return app;
    }
}
