using System.CommandLine;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Oidc;

namespace Warden.Server;

internal static partial class WardenCommandLine
{
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>
    /// <c>clients list|add|rotate-secret|remove</c>: the OpenID Connect clients of <c>/api/v1/admin/clients</c>, run
    /// by the operator before any administrator exists (the same cores, checks and events as the API). A secret is
    /// printed once, as the API shows it once.
    /// </summary>
    private static Command ClientsCommand()
    {
        var clients = new Command("clients", "Register and manage OpenID Connect clients.");

        var list = new Command("list", "Print the registered clients as JSON (never their secrets).") { TreatUnmatchedTokensAsErrors = false };
        list.SetAction(async (result, cancellationToken) => await WithClientServicesAsync(result, async (services, db, applications) =>
        {
            var answer = await ClientEndpoints.ListAsync(db, applications, cancellationToken);
            Console.WriteLine(JsonSerializer.Serialize(answer.Value, Indented));
            return 0;
        }));
        clients.Subcommands.Add(list);

        var clientId = new Option<string>("--client-id") { Description = "The client id (letters, digits, '-', '_', '.'); generated when left out." };
        var displayName = new Option<string>("--display-name") { Description = "The name shown to people." };
        var type = new Option<string>("--type") { Description = "confidential (default: has a secret) or public (a browser or mobile app)." };
        var redirect = new Option<string[]>("--redirect-uri") { Description = "An exact redirect URI; repeat for more.", AllowMultipleArgumentsPerToken = false };
        var postLogout = new Option<string[]>("--post-logout-redirect-uri") { Description = "An exact address RP-initiated logout may return to; repeat for more." };
        var grant = new Option<string[]>("--grant-type") { Description = "authorization_code, refresh_token, client_credentials or urn:ietf:params:oauth:grant-type:device_code; repeat for more (default: the first two)." };
        var scope = new Option<string[]>("--scope") { Description = "A scope the client may ask for; repeat for more (default: openid profile email)." };
        var thirdParty = new Option<bool>("--third-party") { Description = "A third-party application: its users are asked for consent (default: first-party, no consent page)." };
        var add = new Command("add", "Register a client; prints it with its secret, shown this once.")
        {
            clientId, displayName, type, redirect, postLogout, grant, scope, thirdParty,
        };
        add.TreatUnmatchedTokensAsErrors = false;
        add.SetAction(async (result, cancellationToken) => await WithClientServicesAsync(result, async (services, db, applications) =>
        {
            var request = new CreateClientRequest(result.GetValue(clientId), result.GetValue(displayName), result.GetValue(type),
                Listed(result.GetValue(redirect)), Listed(result.GetValue(postLogout)), Listed(result.GetValue(grant)), Listed(result.GetValue(scope)),
                FirstParty: !result.GetValue(thirdParty), AccessTokenLifetimeSeconds: null, RefreshTokenLifetimeSeconds: null);
            var answer = await ClientEndpoints.CreateAsync(request, db, applications, services.GetRequiredService<IOpenIddictScopeManager>(),
                services.GetRequiredService<TimeProvider>(), cancellationToken);
            return await PrintAsync("clients add", answer.Result);
        }));
        clients.Subcommands.Add(add);

        var id = new Argument<Guid>("id") { Description = "The client's id (the \"id\" of clients list, not its client id)." };
        var rotate = new Command("rotate-secret", "Replace a confidential client's secret (the old one stops working); prints the new one once.") { id };
        rotate.TreatUnmatchedTokensAsErrors = false;
        rotate.SetAction(async (result, cancellationToken) => await WithClientServicesAsync(result, async (services, db, applications) =>
            await PrintAsync("clients rotate-secret", (await ClientEndpoints.RotateSecretAsync(
                result.GetRequiredValue(id), db, applications, services.GetRequiredService<TimeProvider>(), cancellationToken)).Result)));
        clients.Subcommands.Add(rotate);

        var remove = new Command("remove", "Remove a client with its grants and tokens.") { id };
        remove.TreatUnmatchedTokensAsErrors = false;
        remove.SetAction(async (result, cancellationToken) => await WithClientServicesAsync(result, async (services, db, applications) =>
            await PrintAsync("clients remove", (await ClientEndpoints.DeleteAsync(
                result.GetRequiredValue(id), db, applications, services.GetRequiredService<TimeProvider>(), cancellationToken)).Result)));
        clients.Subcommands.Add(remove);
        return clients;
    }

    /// <summary>
    /// <c>scopes list|add NAME --resource AUD|remove NAME</c>: the API scopes of <c>/api/v1/admin/scopes</c>, so the
    /// operator registers a service's audience before any administrator exists (the same checks and events as the API).
    /// </summary>
    private static Command ScopesCommand()
    {
        var command = new Command("scopes", "Register and manage API scopes: the audiences of services that accept Warden's tokens.");

        var list = new Command("list", "Print the API scopes with their resources (audiences) as JSON.") { TreatUnmatchedTokensAsErrors = false };
        list.SetAction(async (result, cancellationToken) => await WithClientServicesAsync(result, async (services, db, _) =>
        {
            var answer = await ApiScopeEndpoints.ListAsync(db, services.GetRequiredService<IOpenIddictScopeManager>(), cancellationToken);
            Console.WriteLine(JsonSerializer.Serialize(answer.Value, Indented));
            return 0;
        }));
        command.Subcommands.Add(list);

        var name = new Argument<string>("name") { Description = "The scope clients ask for, such as courses." };
        var resource = new Option<string[]>("--resource")
        {
            Description = "An audience its tokens carry (the service's Warden:Audience: a simple name or an absolute URI); repeat for more.",
            Required = true,
        };
        var displayName = new Option<string>("--display-name") { Description = "The name shown to people (on the consent page)." };
        var add = new Command("add", "Register an API scope; clients granted it get tokens whose aud is its resources.") { name, resource, displayName };
        add.TreatUnmatchedTokensAsErrors = false;
        add.SetAction(async (result, cancellationToken) => await WithClientServicesAsync(result, async (services, db, _) =>
            await PrintAsync("scopes add", (await ApiScopeEndpoints.CreateAsync(
                new CreateApiScopeRequest(result.GetRequiredValue(name), result.GetValue(displayName), result.GetValue(resource)),
                db, services.GetRequiredService<IOpenIddictScopeManager>(), services.GetRequiredService<TimeProvider>(), cancellationToken)).Result)));
        command.Subcommands.Add(add);

        var remove = new Command("remove", "Remove an API scope (refused while a client is granted it, and for the built-in scopes).") { name };
        remove.TreatUnmatchedTokensAsErrors = false;
        remove.SetAction(async (result, cancellationToken) => await WithClientServicesAsync(result, async (services, db, applications) =>
        {
            var scopeName = result.GetRequiredValue(name);
            if (await db.OidcScopes.Where(s => s.Name == scopeName).Select(s => (Guid?)s.Id).SingleOrDefaultAsync(cancellationToken) is not { } id)
            {
                await Console.Error.WriteLineAsync($"scopes remove: no API scope '{scopeName}'.");
                return 1;
            }

            return await PrintAsync("scopes remove", (await ApiScopeEndpoints.DeleteAsync(id, db, services.GetRequiredService<IOpenIddictScopeManager>(),
                applications, services.GetRequiredService<TimeProvider>(), cancellationToken)).Result);
        }));
        command.Subcommands.Add(remove);
        return command;
    }

    private static string[]? Listed(string[]? values) => values is { Length: > 0 } ? values : null;

    private static Task<int> WithClientServicesAsync(
        ParseResult result, Func<IServiceProvider, WardenDbContext, IOpenIddictApplicationManager, Task<int>> action) =>
        WithServicesAsync(result, async services =>
        {
            await using var scope = services.CreateAsyncScope();
            return await action(scope.ServiceProvider, scope.ServiceProvider.GetRequiredService<WardenDbContext>(),
                scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>());
        });

    /// <summary>The API's answer as the command's: the body on stdout and 0, or the problem on stderr and 1.</summary>
    private static async Task<int> PrintAsync(string command, IResult answer)
    {
        switch (answer)
        {
            case IValueHttpResult { Value: { } value } and (IStatusCodeHttpResult { StatusCode: StatusCodes.Status200OK or StatusCodes.Status201Created }):
                Console.WriteLine(JsonSerializer.Serialize(value, Indented));
                return 0;
            case NoContent:
                Console.WriteLine("Removed.");
                return 0;
            case ValidationProblem invalid:
                foreach (var (field, messages) in invalid.ProblemDetails.Errors)
                {
                    await Console.Error.WriteLineAsync($"{command}: {field}: {string.Join(' ', messages)}");
                }

                return 1;
            case ProblemHttpResult problem:
                await Console.Error.WriteLineAsync($"{command}: {problem.ProblemDetails.Detail ?? problem.ProblemDetails.Title}");
                return 1;
            default:
                throw new InvalidOperationException($"Unexpected answer {answer.GetType().Name}.");
        }
    }
}
