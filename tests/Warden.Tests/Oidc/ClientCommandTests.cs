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

        var (added, output) = await factory.RunCommandAsync("clients", "add", "--client-id", "reports", "--type", "confidential",
            "--grant-type", "client_credentials", "--scope", "warden");
        var (refused, _) = await factory.RunCommandAsync("clients", "add", "--redirect-uri", "not an address");
        var (_, listed) = await factory.RunCommandAsync("clients", "list");

        Assert.Equal(0, added);
        var answer = JsonDocument.Parse(output).RootElement;
        var secret = answer.GetProperty("clientSecret").GetString()!;
        var tokens = await ClientCredentialsAsync(factory, secret);
        Assert.Equal(HttpStatusCode.OK, tokens.StatusCode);
        Assert.Equal(1, refused);
        Assert.Contains("\"clientId\": \"reports\"", listed, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);

        var (removed, _) = await factory.RunCommandAsync("clients", "remove", answer.GetProperty("client").GetProperty("id").GetString()!);
        Assert.Equal(0, removed);
        Assert.NotEqual(HttpStatusCode.OK, (await ClientCredentialsAsync(factory, secret)).StatusCode);
    }

    [Fact]
    public async Task TheCommandLineRegistersAServicesApiScopeWhoseTokensCarryItsAudienceAndRemovesItOnlyOnceNoClientHoldsIt()
    {
        using var factory = new WardenFactory();
        _ = factory.Services;

        var (added, output) = await factory.RunCommandAsync("scopes", "add", "courses", "--resource", "courses-api", "--display-name", "The Courses service");
        var (duplicate, duplicateError) = await factory.RunCommandErrorAsync("scopes", "add", "courses", "--resource", "courses-api");
        var (builtIn, _) = await factory.RunCommandErrorAsync("scopes", "add", "openid", "--resource", "courses-api");
        var (_, client) = await factory.RunCommandAsync("clients", "add", "--client-id", "reports", "--grant-type", "client_credentials", "--scope", "courses");
        var secret = JsonDocument.Parse(client).RootElement.GetProperty("clientSecret").GetString()!;
        var token = await ClientCredentialsAsync(factory, secret, "courses");
        var (held, heldError) = await factory.RunCommandErrorAsync("scopes", "remove", "courses");
        var (wardenRemoved, _) = await factory.RunCommandErrorAsync("scopes", "remove", "warden");
        var (_, listed) = await factory.RunCommandAsync("scopes", "list");

        Assert.Equal(0, added);
        Assert.Equal(["courses-api"], JsonDocument.Parse(output).RootElement.GetProperty("resources").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(1, duplicate);
        Assert.Contains("exists", duplicateError, StringComparison.Ordinal);
        Assert.Equal(1, builtIn);
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        var accessToken = JsonDocument.Parse(await token.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!;
        Assert.Equal("courses-api", OidcFlows.Payload(accessToken).GetProperty("aud").GetString());
        Assert.Equal(1, held);
        Assert.Contains("reports", heldError, StringComparison.Ordinal);
        Assert.Equal(1, wardenRemoved);
        Assert.Contains("\"name\": \"courses\"", listed, StringComparison.Ordinal);

        var clientId = JsonDocument.Parse(client).RootElement.GetProperty("client").GetProperty("id").GetString()!;
        Assert.Equal(0, (await factory.RunCommandAsync("clients", "remove", clientId)).ExitCode);
        Assert.Equal(0, (await factory.RunCommandAsync("scopes", "remove", "courses")).ExitCode);
        Assert.DoesNotContain("\"name\": \"courses\"", (await factory.RunCommandAsync("scopes", "list")).Output, StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> ClientCredentialsAsync(WardenFactory factory, string secret, string scope = "warden") =>
        factory.Browser().PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["scope"] = scope, ["client_id"] = "reports", ["client_secret"] = secret,
        }));
}
