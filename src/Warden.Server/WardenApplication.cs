using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Warden.Server.Administration;
using Warden.Server.Authentication;
using Warden.Server.Authorization;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Notifications;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Authentication.TwoFactor;
using Warden.Server.Passwords;
using Warden.Server.Profiles;
using Warden.Server.Users;
using Warden.Server.Analytics;
using Warden.Server.Audit;
using Warden.Server.Infrastructure.Observability;
using Warden.Server.Messaging;
using Warden.Server.Notifications.NewSignIn;
using Warden.Server.Privacy;
using Warden.Server.Webhooks;

namespace Warden.Server;

/// <summary>Composition of the Warden server: options, modules, middleware and endpoints. Nothing else.</summary>
public static class WardenApplication
{
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
        var configuration = builder.Configuration;

        if (string.IsNullOrWhiteSpace(configuration["urls"]) && string.IsNullOrWhiteSpace(configuration["http_ports"]))
        {
            builder.WebHost.UseUrls(WardenDefaults.Url);
        }

        builder.Logging.ClearProviders();
        if (string.Equals(configuration["Warden:Logging:Format"], "json", StringComparison.OrdinalIgnoreCase))
        {
            builder.Logging.AddJsonConsole(o => o.UseUtcTimestamp = true);
        }
        else
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        }

        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddValidatedOptions<WardenOptions, WardenOptionsValidator>(configuration, WardenOptions.Section);
        services.AddSingleton<IPostConfigureOptions<WardenOptions>, WardenOptionsSetup>();
        services.AddOptions<BootstrapOptions>().Bind(configuration.GetSection(BootstrapOptions.Section));

        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            options.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
            // Unknown properties are rejected by the endpoints that must reject them (profile updates),
            // not globally: clients add fields over time.
        });

        services.AddWardenHttp(configuration);
        services.AddWardenDatabase(configuration);
        services.AddHostedService<DatabaseStartup>();
        services.AddWardenIdentity();
        services.AddWardenPasswords(configuration);
        services.AddWardenSecurity(configuration);
        services.AddWardenEvents(configuration);
        services.AddWardenNotifications(configuration);
        services.AddWardenAuthentication(configuration);
        services.AddWardenAuthorization(configuration);
        services.AddWardenAdministration(configuration);
        services.AddWardenProfiles(configuration);
        services.AddWardenPrivacy();
        services.AddWardenObservability(configuration);
        services.AddWardenAudit(configuration);
        services.AddWardenAnalytics();
        services.AddWardenWebhooks(configuration);
        services.AddWardenMessaging(configuration);
        services.AddWardenNewSignInNotice(configuration);
        services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Warden";
            document.Info.Description = "Self-hosted user management: accounts, sign-in, tokens, profiles, roles and administration.";
            return Task.CompletedTask;
        }));

        return builder;
    }

    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        app.UseWardenHttp();

        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();

        app.MapWardenRoutes();
        return app;
    }
}
