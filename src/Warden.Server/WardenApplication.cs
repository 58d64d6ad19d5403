using System.Text.Json;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Warden.Server.Administration;
using Warden.Server.Authentication;
using Warden.Server.Authorization;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Caching;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Notifications;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Passwords;
using Warden.Server.Profiles;
using Warden.Server.Users;
using Warden.Server.Analytics;
using Warden.Server.Audit;
using Warden.Server.Infrastructure.Observability;
using Warden.Server.Messaging;
using Warden.Server.Notifications.NewSignIn;
using Warden.Server.Oidc;
using Warden.Server.Oidc.External;
using Warden.Server.Pages;
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
        AddSettingsBesideTheBinary(builder);

        if (string.IsNullOrWhiteSpace(configuration["urls"]) && string.IsNullOrWhiteSpace(configuration["http_ports"]))
        {
            builder.WebHost.UseUrls(WardenDefaults.Url);
        }

        builder.Logging.ClearProviders();
        if (string.Equals(configuration["Warden:Logging:Format"], "json", StringComparison.OrdinalIgnoreCase))
        {
            // Scopes carry the request's TraceId and SpanId (the host's activity tracking), so a log line leads to its trace.
            builder.Logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.IncludeScopes = true;
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        }

        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<FirstRoundsGate>();
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

        // Bottom-up, in the modules' order (docs/architecture.md): registration order is also the order in which
        // seeders run and personal data is exported (erasure runs it backwards, the modules above first).
        services.AddWardenHttp(configuration);
        services.AddWardenDatabase(configuration);
        services.AddHostedService<DatabaseStartup>();
        services.AddWardenSecurity(configuration);
        services.AddWardenObservability(configuration);
        services.AddWardenCaching(configuration);
        services.AddWardenEvents(configuration);
        services.AddWardenNotifications(configuration);
        services.AddWardenIdentity();
        services.AddWardenPasswords(configuration);
        services.AddWardenAuthorization(configuration);
        services.AddWardenAuthentication(configuration);
        services.AddWardenProfiles(configuration);
        services.AddWardenPrivacy();
        services.AddWardenAdministration(configuration);
        services.AddWardenAudit(configuration);
        services.AddWardenAnalytics();
        services.AddWardenWebhooks(configuration);
        services.AddWardenMessaging(configuration);
        services.AddWardenNewSignInNotice(configuration);
        services.AddWardenPages(configuration);
        services.AddWardenOidc();
        services.AddWardenExternalSignIn();
        services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Warden";
            document.Info.Description = "Self-hosted user management: accounts, sign-in, tokens, profiles, roles and administration.";
            return Task.CompletedTask;
        }));

        return builder;
    }

    /// <summary>
    /// appsettings.json ships beside the binary, but ASP.NET Core reads it from the content root, which is the
    /// working directory. Started from elsewhere (<c>dotnet /opt/warden/Warden.Server.dll</c>) the defaults were
    /// lost and EF Core logged every SQL statement; the copy beside the binary then takes that file's place, at
    /// the same precedence (environment variables and the command line still override it).
    /// </summary>
    private static void AddSettingsBesideTheBinary(WebApplicationBuilder builder)
    {
        const string file = "appsettings.json";
        if (File.Exists(Path.Combine(builder.Environment.ContentRootPath, file)) || !File.Exists(Path.Combine(AppContext.BaseDirectory, file)))
        {
            return;
        }

        var sources = builder.Configuration.Sources;
        var atContentRoot = sources.OfType<JsonConfigurationSource>().FirstOrDefault(s => s.Path == file);
        var beside = new JsonConfigurationSource
        {
            Path = file,
            Optional = false,
            FileProvider = new PhysicalFileProvider(AppContext.BaseDirectory),
        };
        sources.Insert(atContentRoot is null ? 0 : sources.IndexOf(atContentRoot) + 1, beside);
    }

    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        app.UseWardenHttp();

        // UseAuthentication, without OpenIddict's per-request endpoint matching on the API and health paths. The key is
        // the one UseAuthentication sets: without it, WebApplication would add the framework's middleware in front.
        app.UseMiddleware<AuthenticationWithoutCallbacks>();
        ((IApplicationBuilder)app).Properties["__AuthenticationMiddlewareSet"] = true;
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseWardenPages();

        app.MapWardenRoutes();
        return app;
    }
}
