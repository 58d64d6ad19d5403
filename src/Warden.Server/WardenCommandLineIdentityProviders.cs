using System.CommandLine;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Notifications;
using Warden.Server.Oidc.External;

namespace Warden.Server;

internal static partial class WardenCommandLine
{
    /// <summary>
    /// <c>identity-providers list|add|remove</c>: the providers of <c>/api/v1/admin/identity-providers</c> for external
    /// sign-in, run by the operator (the API's own use cases: the same checks, the outbound guard's included, and events).
    /// The client secret never appears on the command line, where other users and the shell's history would see it: it is
    /// read from a file (<c>--client-secret-file</c>, <c>-</c> for standard input) or from standard input, unechoed at a
    /// terminal, and is never printed.
    /// </summary>
    private static Command IdentityProvidersCommand()
    {
        var command = new Command("identity-providers", "Add, list and remove the identity providers people may sign in with.");

        var list = new Command("list", "Print the identity providers as JSON (never their secrets), each with the callback address to register at it.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        list.SetAction(async (result, cancellationToken) => await WithClientServicesAsync(result, async (services, db, _) =>
        {
            var answer = await IdentityProviderEndpoints.ListAsync(db, services.GetRequiredService<PublicLinks>(), cancellationToken);
            Console.WriteLine(JsonSerializer.Serialize(answer.Value, Indented));
            return 0;
        }));
        command.Subcommands.Add(list);

        var slug = new Option<string>("--slug") { Description = "The name in its addresses: lower-case letters, digits and '-'.", Required = true };
        var displayName = new Option<string>("--display-name") { Description = "The name on the sign-in button.", Required = true };
        var kind = new Option<string>("--kind") { Description = "google, github, microsoft, or oidc (with --discovery-url).", Required = true };
        var discovery = new Option<string>("--discovery-url") { Description = "An oidc provider's https://…/.well-known/openid-configuration." };
        var clientId = new Option<string>("--client-id") { Description = "The client id the provider issued.", Required = true };
        var secretFile = new Option<FileInfo>("--client-secret-file")
        {
            Description = "A file holding the client secret ('-' for standard input; without this option standard input is read).",
        };
        var scope = new Option<string[]>("--scope") { Description = "A scope to ask for; repeat for more (default: what a sign-in needs)." };
        var trust = new Option<bool>("--trust-email-verification") { Description = "Believe the provider's email_verified for accounts it creates." };
        var disabled = new Option<bool>("--disabled") { Description = "Add it turned off (no sign-in button yet)." };
        var add = new Command("add", "Add an identity provider; prints it (without its secret) with the callback address to register at the provider.")
        {
            slug, displayName, kind, discovery, clientId, secretFile, scope, trust, disabled,
        };
        add.TreatUnmatchedTokensAsErrors = false;
        add.SetAction(async (result, cancellationToken) =>
        {
            var secret = await ReadSecretAsync(result.GetValue(secretFile), cancellationToken);
            if (secret is null)
            {
                await Console.Error.WriteLineAsync($"identity-providers add: no file '{result.GetValue(secretFile)?.FullName}'.");
                return 1;
            }

            return await WithClientServicesAsync(result, async (services, db, _) =>
            {
                var request = new CreateIdentityProviderRequest(result.GetValue(slug), result.GetValue(displayName), result.GetValue(kind),
                    result.GetValue(discovery), result.GetValue(clientId), secret, Listed(result.GetValue(scope)), !result.GetValue(disabled),
                    result.GetValue(trust));
                var answer = await IdentityProviderEndpoints.CreateAsync(request, db, services.GetRequiredService<SecretProtector>(),
                    services.GetRequiredService<PublicLinks>(), services.GetRequiredService<IOptions<NetworkOptions>>(),
                    services.GetRequiredService<TimeProvider>(), cancellationToken);
                return await PrintAsync("identity-providers add", answer.Result);
            });
        });
        command.Subcommands.Add(add);

        var named = new Argument<string>("provider") { Description = "The provider's id or slug." };
        var remove = new Command("remove", "Remove an identity provider and the identities linked through it.") { named };
        remove.TreatUnmatchedTokensAsErrors = false;
        remove.SetAction(async (result, cancellationToken) => await WithClientServicesAsync(result, async (services, db, _) =>
        {
            var name = result.GetRequiredValue(named);
            var id = Guid.TryParse(name, out var given)
                ? given
                : await db.IdentityProviders.Where(p => p.Slug == name).Select(p => (Guid?)p.Id).SingleOrDefaultAsync(cancellationToken);
            if (id is not { } found)
            {
                await Console.Error.WriteLineAsync($"identity-providers remove: no identity provider '{name}'.");
                return 1;
            }

            return await PrintAsync("identity-providers remove",
                (await IdentityProviderEndpoints.DeleteAsync(found, db, services.GetRequiredService<TimeProvider>(), cancellationToken)).Result);
        }));
        command.Subcommands.Add(remove);
        return command;
    }

    /// <summary>
    /// The secret from the file, from standard input when piped, or typed at the terminal without echo; the line end
    /// a file or a pipe adds is not part of it. Null when the file does not exist.
    /// </summary>
    private static async Task<string?> ReadSecretAsync(FileInfo? file, CancellationToken cancellationToken)
    {
        string text;
        if (file is not null && file.Name != "-")
        {
            if (!file.Exists)
            {
                return null;
            }

            text = await File.ReadAllTextAsync(file.FullName, cancellationToken);
        }
        else if (file is not null || Console.IsInputRedirected)
        {
            text = await Console.In.ReadToEndAsync(cancellationToken);
        }
        else
        {
            await Console.Error.WriteAsync("Client secret (not shown): ");
            var typed = new System.Text.StringBuilder();
            for (var key = Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = Console.ReadKey(intercept: true))
            {
                if (key.Key == ConsoleKey.Backspace)
                {
                    typed.Length = Math.Max(0, typed.Length - 1);
                }
                else if (!char.IsControl(key.KeyChar))
                {
                    typed.Append(key.KeyChar);
                }
            }

            await Console.Error.WriteLineAsync();
            text = typed.ToString();
        }

        return text.TrimEnd('\r', '\n');
    }
}
