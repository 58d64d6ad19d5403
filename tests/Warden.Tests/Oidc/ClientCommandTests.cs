using System.Net;
using System.Text.Json;
using Warden.Server;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Oidc;

/// <summary><c>warden clients</c>: the operator registers a client before any administrator exists, through the API's own checks.</summary>
[SqliteOnly]
[Collection(ConsoleCollection.Name)] // the commands write to the console
public sealed class ClientCommandTests
{
    [Fact]
    public async Task TheCommandLineRegistersAClientWhoseOnceShownSecretGetsTokensAndRefusesWhatTheApiRefuses()
    {
        using var factory = new WardenFactory();
        _ = factory.Services; // the database exists before the command runs on it

        var (added, output) = await RunAsync(factory, "clients", "add", "--client-id", "reports", "--type", "confidential",
            "--grant-type", "client_credentials", "--scope", "warden");
        var (refused, _) = await RunAsync(factory, "clients", "add", "--redirect-uri", "not an address");
        var (_, listed) = await RunAsync(factory, "clients", "list");

        Assert.Equal(0, added);
        var answer = JsonDocument.Parse(output).RootElement;
        var secret = answer.GetProperty("clientSecret").GetString()!;
        var tokens = await ClientCredentialsAsync(factory, secret);
        Assert.Equal(HttpStatusCode.OK, tokens.StatusCode);
        Assert.Equal(1, refused);
        Assert.Contains("\"clientId\": \"reports\"", listed, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);

        var (removed, _) = await RunAsync(factory, "clients", "remove", answer.GetProperty("client").GetProperty("id").GetString()!);
        Assert.Equal(0, removed);
        Assert.NotEqual(HttpStatusCode.OK, (await ClientCredentialsAsync(factory, secret)).StatusCode);
    }

    private static Task<HttpResponseMessage> ClientCredentialsAsync(WardenFactory factory, string secret) =>
        factory.Browser().PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["scope"] = "warden", ["client_id"] = "reports", ["client_secret"] = secret,
        }));

    private static Task<(int ExitCode, string Output)> RunAsync(WardenFactory factory, params string[] arguments) =>
        ConsoleCollection.CaptureOutAsync(() => Program.Main(
        [
            .. arguments,
            $"--Warden:DataDirectory={factory.DataDirectory}",
            $"--Warden:Database:Provider={TestDatabase.ProviderName}",
            $"--Warden:Database:ConnectionString={factory.ConnectionString}",
            "--Logging:LogLevel:Default=Warning",
        ]));
}
