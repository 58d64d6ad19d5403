using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Administration;
using Warden.Server.Administration.Import;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Audit;

namespace Warden.Server;

internal static partial class WardenCommandLine
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
        root.Subcommands.Add(ImportUsersCommand());
        root.Subcommands.Add(ExportUsersCommand());
        root.Subcommands.Add(IpRulesCommand());
        root.Subcommands.Add(ClientsCommand());
        root.Subcommands.Add(ScopesCommand());
        root.Subcommands.Add(IdentityProvidersCommand());
        root.Subcommands.Add(BuildAudit());
        root.Subcommands.Add(HealthcheckCommand());
        return root;
    }

    /// <summary>
    /// <c>import-users FILE [--dry-run] [--no-invitations]</c>: the import of <c>POST /api/v1/admin/users/import</c>,
    /// run by the operator (as <c>create-admin</c>: no administrator's holder guard). Progress on stderr after each
    /// batch, every refused line by its number; exit 0 when every line was imported or skipped, 1 otherwise.
    /// </summary>
    private static Command ImportUsersCommand()
    {
        var file = new Argument<FileInfo>("file") { Description = "JSON lines: email, emailVerified, username, fullName, firstName, lastName, roles, passwordHash ('-' reads stdin)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Check every line against the database; write nothing." };
        var noInvitations = new Option<bool>("--no-invitations") { Description = "Send no invitation to users imported without a password hash." };
        var command = new Command("import-users", "Import users from a JSON lines file (idempotent by email).") { file, dryRun, noInvitations };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, cancellationToken) => await WithServicesAsync(result, async services =>
        {
            var path = result.GetRequiredValue(file);
            if (path.Name != "-" && !path.Exists)
            {
                await Console.Error.WriteLineAsync($"import-users: no file '{path.FullName}'.");
                return 1;
            }

            var initializer = services.GetRequiredService<DatabaseInitializer>();
            await initializer.MigrateAsync(cancellationToken);
            await initializer.SeedAsync(cancellationToken);
            await using var input = path.Name == "-" ? Console.OpenStandardInput() : path.OpenRead();
            var options = new UserImportOptions(result.GetValue(dryRun), !result.GetValue(noInvitations), null, "command_line");
            var imported = await services.GetRequiredService<UserImport>().RunAsync(input, options, progress =>
                Console.Error.Write($"\rimport-users: {progress.Lines:N0} lines read, {progress.Created:N0} {(progress.DryRun ? "to create" : "created")}, {progress.Skipped:N0} existing, {progress.Failed:N0} refused"),
                cancellationToken);
            await Console.Error.WriteLineAsync();
            foreach (var error in imported.Errors)
            {
                await Console.Error.WriteLineAsync($"line {error.Line}: {error.Error}");
            }

            if (imported.ErrorsTruncated)
            {
                await Console.Error.WriteLineAsync($"... and more: only the first {UserImport.MaxReportedErrors} refused lines are listed.");
            }

            Console.WriteLine($"{(imported.DryRun ? "Dry run: would create" : "Created")} {imported.Created} users ({imported.Invited} invited), skipped {imported.Skipped} existing, refused {imported.Failed} lines of {imported.Lines}.");
            return imported.Failed == 0 ? 0 : 1;
        }));
        return command;
    }

    /// <summary>
    /// <c>export-users [--output FILE] [--include-password-hashes]</c>: every account not erased, in the import format,
    /// to standard output or a file. The command line is the operator, who holds the database anyway; hashes only
    /// with the flag.
    /// </summary>
    private static Command ExportUsersCommand()
    {
        var output = new Option<FileInfo>("--output") { Description = "Write to this file (created, never overwritten) instead of standard output." };
        var hashes = new Option<bool>("--include-password-hashes") { Description = "Include password hashes (treat the file as a secret)." };
        var command = new Command("export-users", "Export users as JSON lines, the format import-users reads.") { output, hashes };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, cancellationToken) => await WithServicesAsync(result, async services =>
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
            var file = result.GetValue(output);
            await using var writer = file is null
                ? new StreamWriter(Console.OpenStandardOutput())
                : new StreamWriter(new FileStream(file.FullName, FileMode.CreateNew, FileAccess.Write));
            var written = await UserExport.WriteAsync(db, writer, result.GetValue(hashes), cancellationToken);
            await Console.Error.WriteLineAsync($"export-users: {written} users{(result.GetValue(hashes) ? ", with password hashes" : "")}.");
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// <c>ip-rules list</c> and <c>ip-rules lift &lt;id|address|range&gt;</c>: the break-glass way out of an IP rule or an
    /// automatic block, straight on the database, for an administrator the rules lock out. Running nodes apply the
    /// change within Warden:IpRules:RefreshInterval.
    /// </summary>
    private static Command IpRulesCommand()
    {
        var ipRules = new Command("ip-rules", "List or lift IP rules and automatic blocks (break-glass).");

        var list = new Command("list", "Print the allow and deny rules and the automatic blocks in force.") { TreatUnmatchedTokensAsErrors = false };
        list.SetAction(async (result, cancellationToken) => await WithServicesAsync(result, async services =>
        {
            await using var scope = services.CreateAsyncScope();
            var lines = await IpRuleLift.ListAsync(scope.ServiceProvider.GetRequiredService<WardenDbContext>(),
                services.GetRequiredService<IOptions<IpRulesOptions>>().Value, services.GetRequiredService<TimeProvider>().GetUtcNow(), cancellationToken);
            foreach (var line in lines)
            {
                Console.WriteLine(line);
            }

            return 0;
        }));
        ipRules.Subcommands.Add(list);

        var target = new Argument<string>("target") { Description = "A rule's or block's id, or the exact address or CIDR range to lift." };
        var lift = new Command("lift", "Remove stored rules and automatic blocks by id, address or range.") { target };
        lift.TreatUnmatchedTokensAsErrors = false;
        lift.SetAction(async (result, cancellationToken) => await WithServicesAsync(result, async services =>
        {
            var named = result.GetRequiredValue(target);
            if (!Guid.TryParse(named, out _) && !IpNetworks.TryParse(named, out _))
            {
                await Console.Error.WriteLineAsync($"ip-rules lift: '{named}' is neither an id nor an IP address or CIDR range.");
                return 1;
            }

            await using var scope = services.CreateAsyncScope();
            var lifted = await IpRuleLift.LiftAsync(scope.ServiceProvider.GetRequiredService<WardenDbContext>(), named,
                services.GetRequiredService<TimeProvider>().GetUtcNow(), cancellationToken);
            foreach (var line in lifted)
            {
                Console.WriteLine($"Lifted {line}.");
            }

            var options = services.GetRequiredService<IOptions<IpRulesOptions>>().Value;
            if (IpNetworks.TryParse(named, out var range)
                && options.Allow.Concat(options.Deny).Any(n => IpNetworks.TryParse(n, out var configured) && configured.Equals(range)))
            {
                Console.WriteLine($"{range} is also in the configuration (Warden:IpRules:Allow or Deny): change it there.");
            }

            if (lifted.Count == 0)
            {
                await Console.Error.WriteLineAsync($"ip-rules lift: no stored rule or block matches '{named}' (see ip-rules list).");
                return 1;
            }

            return 0;
        }));
        ipRules.Subcommands.Add(lift);
        return ipRules;
    }

    /// <summary><c>audit verify [--head &lt;sequence&gt;:&lt;hash&gt;]</c>: 0 when the chain is intact, 1 naming the first broken link.</summary>
    private static Command BuildAudit()
    {
        var head = new Option<string>("--head") { Description = "A published head, <sequence>:<hash>, the log must still reach." };
        var verify = new Command("verify", "Verify the audit log's hash chain; exit 0 when intact, 1 naming the first broken link.") { head };
        verify.TreatUnmatchedTokensAsErrors = false;
        verify.SetAction(async (result, cancellationToken) =>
        {
            AuditHeadView? expected = null;
            if (result.GetValue(head) is { } text && !AuditHeadView.TryParse(text, out expected))
            {
                await Console.Error.WriteLineAsync($"audit verify: --head must be <sequence>:<hash> with a 64-digit hexadecimal hash (got '{text}').");
                return 2;
            }

            return await WithServicesAsync(result, async services =>
            {
                await using var scope = services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
                var verification = await AuditVerifier.VerifyAsync(db, expected, cancellationToken);
                if (verification.Intact)
                {
                    Console.WriteLine($"Audit chain intact: {verification.Entries} entries, head {verification.Head}.");
                    return 0;
                }

                await Console.Error.WriteLineAsync($"audit verify: broken at entry {verification.FirstBrokenAt}: {verification.Reason}.");
                return 1;
            });
        });
        return new Command("audit", "Audit log tools.") { verify };
    }

    /// <summary>
    /// <c>healthcheck</c>: exit 0 when this configuration's server answers <c>/health/live</c>, 1 otherwise; the
    /// container image's HEALTHCHECK (no curl there). Reads the command line and the environment only.
    /// </summary>
    private static Command HealthcheckCommand()
    {
        var command = new Command("healthcheck", "Exit 0 when the local server answers /health/live (a container's HEALTHCHECK).")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (!TryReadSettings(result.UnmatchedTokens, out var settings, out var refused))
            {
                return Refuse(result, refused);
            }

            var configuration = new ConfigurationBuilder()
                .AddEnvironmentVariables("ASPNETCORE_")
                .AddEnvironmentVariables()
                .AddCommandLine(settings)
                .Build();
            return await HealthProbe.RunAsync(configuration, cancellationToken);
        });
        return command;
    }

    private static async Task<int> ServeAsync(ParseResult result, CancellationToken cancellationToken)
    {
        if (!TryReadSettings(result.UnmatchedTokens, out var settings, out var refused))
        {
            return Refuse(result, refused);
        }

        WebApplication app;
        try
        {
            app = WardenApplication.Build(WardenApplication.CreateBuilder(settings));
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
        if (!TryReadSettings(result.UnmatchedTokens, out var settings, out var refused))
        {
            return Refuse(result, refused);
        }

        try
        {
            var builder = WardenApplication.CreateBuilder(settings);
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

    /// <summary>
    /// What the commands do not know must be configuration, written <c>--Key=value</c> or <c>--Key value</c>; anything
    /// else is a mistake. Handed to configuration as it was, a typo (<c>create-clinet</c>) would start the server.
    /// </summary>
    internal static bool TryReadSettings(IReadOnlyList<string> tokens, out string[] settings, [NotNullWhen(false)] out string? refused)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            var isKey = token.Length > 2 && token.StartsWith("--", StringComparison.Ordinal) && token[2] != '=';
            if (isKey && (token.Contains('=', StringComparison.Ordinal) || ++i < tokens.Count))
            {
                continue;
            }

            settings = [];
            refused = token;
            return false;
        }

        settings = [.. tokens];
        refused = null;
        return true;
    }

    private static int Refuse(ParseResult result, string refused)
    {
        Console.Error.WriteLine($"Unknown command or argument '{refused}'. Settings are written --Key=value or --Key value.");
        Console.Error.WriteLine();
        result.RootCommandResult.Command.Parse(["--help"]).Invoke(new InvocationConfiguration { Output = Console.Error });
        return 2;
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
