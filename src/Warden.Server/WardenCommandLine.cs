using System.CommandLine;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Administration;

namespace Warden.Server;

internal static class WardenCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Warden: self-hosted user management.") { TreatUnmatchedTokensAsErrors = false };
        root.SetAction((result, cancellationToken) => ServeAsync(result, cancellationToken));

        var serve = new Command("serve", "Run the server (the default).") { TreatUnmatchedTokensAsErrors = false };
        serve.SetAction((result, cancellationToken) => ServeAsync(result, cancellationToken));
        root.Subcommands.Add(serve);

        var migrate = new Command("migrate", "Apply pending database migrations and seed the defaults, then exit.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        migrate.SetAction(async (result, cancellationToken) => await WithServicesAsync(result, async services =>
        {
            var initializer = services.GetRequiredService<DatabaseInitializer>();
            await initializer.MigrateAsync(cancellationToken);
            await initializer.SeedAsync(cancellationToken);
            Console.WriteLine("Database is up to date.");
            return 0;
        }));
        root.Subcommands.Add(migrate);

        var email = new Option<string>("--email") { Description = "The administrator's email address.", Required = true };
        var password = new Option<string>("--password") { Description = "The administrator's password.", Required = true };
        var createAdmin = new Command("create-admin", "Create an active administrator account.") { email, password };
        createAdmin.TreatUnmatchedTokensAsErrors = false;
        createAdmin.SetAction(async (result, cancellationToken) => await WithServicesAsync(result, async services =>
        {
            var initializer = services.GetRequiredService<DatabaseInitializer>();
            await initializer.MigrateAsync(cancellationToken);
            await initializer.SeedAsync(cancellationToken);
            await using var scope = services.CreateAsyncScope();
            var created = await BootstrapAdministrator.CreateAsync(
                scope.ServiceProvider, result.GetRequiredValue(email), result.GetRequiredValue(password),
                services.GetRequiredService<TimeProvider>().GetUtcNow(), cancellationToken);
            if (!created.Succeeded)
            {
                foreach (var error in created.Errors)
                {
                    await Console.Error.WriteLineAsync($"create-admin: {error.Description}");
                }

                return 1;
            }

            Console.WriteLine($"Created administrator {result.GetRequiredValue(email)}.");
            return 0;
        }));
        root.Subcommands.Add(createAdmin);
        return root;
    }

    private static async Task<int> ServeAsync(ParseResult result, CancellationToken cancellationToken)
    {
        WebApplication app;
        try
        {
            app = WardenApplication.Build(WardenApplication.CreateBuilder([.. result.UnmatchedTokens]));
        }
        catch (OptionsValidationException ex)
        {
            return ConfigurationError(ex.Failures);
        }
        catch (InvalidOperationException ex) when (IsUnreadableValue(ex))
        {
            return ConfigurationError([ex.Message]);
        }

        try
        {
            await app.RunAsync(cancellationToken);
            return 0;
        }
        catch (OptionsValidationException ex)
        {
            return ConfigurationError(ex.Failures);
        }
        catch (InvalidOperationException ex) when (IsUnreadableValue(ex))
        {
            return ConfigurationError([ex.Message]);
        }
    }

    private static async Task<int> WithServicesAsync(ParseResult result, Func<IServiceProvider, Task<int>> action)
    {
        try
        {
            var builder = WardenApplication.CreateBuilder([.. result.UnmatchedTokens]);
            await using var app = builder.Build();
            ValidateOptions(app.Services);
            return await action(app.Services);
        }
        catch (OptionsValidationException ex)
        {
            return ConfigurationError(ex.Failures);
        }
        catch (InvalidOperationException ex) when (IsUnreadableValue(ex))
        {
            return ConfigurationError([ex.Message]);
        }
    }

    /// <summary>The hosted start-up validates options; commands that do not start the host do it here.</summary>
    private static void ValidateOptions(IServiceProvider services)
    {
        _ = services.GetRequiredService<IOptions<WardenOptions>>().Value;
        _ = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
    }

    /// <summary>
    /// The configuration binder's own refusal of a value it cannot convert (<c>Security=Ssl</c> for an enum, text for
    /// a number): its message names the key, so it is a configuration error like any other, not a crash.
    /// </summary>
    private static bool IsUnreadableValue(InvalidOperationException ex) =>
        ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal);

    private static int ConfigurationError(IEnumerable<string> failures)
    {
        Console.Error.WriteLine("Warden cannot start: the configuration is invalid.");
        foreach (var failure in failures)
        {
            Console.Error.WriteLine($"  - {failure}");
        }

        return 2;
    }
}
