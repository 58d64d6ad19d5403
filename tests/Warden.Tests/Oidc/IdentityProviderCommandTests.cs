using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server;
using Warden.Server.Infrastructure.Security;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Oidc;

/// <summary>
/// <c>warden identity-providers</c>: the operator adds, lists and removes providers through the admin API's own use cases,
/// the client secret taken from a file or standard input and never printed.
/// </summary>
[SqliteOnly]
[Collection(ConsoleCollection.Name)] // the commands read and write the console
public sealed class IdentityProviderCommandTests
{
    [Fact]
    public async Task TheCommandLineAddsProvidersWithTheSecretFromAFileOrStandardInputNeverPrintedAndRefusesWhatTheApiRefuses()
    {
        using var factory = new WardenFactory();
        _ = factory.Services; // the database exists before the command runs on it
        const string fileSecret = "secret-from-a-file-0123456789";
        const string pipedSecret = "secret-from-standard-input-42";
        var secretFile = Path.Combine(factory.DataDirectory, "github.secret");
        await File.WriteAllTextAsync(secretFile, fileSecret + "\n");

        var (fromFile, fileOutput) = await factory.RunCommandAsync("identity-providers", "add", "--slug", "gh", "--display-name", "GitHub", "--kind", "github",
            "--client-id", "gh-client", "--client-secret-file", secretFile, "--trust-email-verification");
        var original = Console.In;
        Console.SetIn(new StringReader(pipedSecret + "\n"));
        (int ExitCode, string Output) fromInput;
        try
        {
            fromInput = await factory.RunCommandAsync("identity-providers", "add", "--slug", "corp", "--display-name", "Corp", "--kind", "google",
                "--client-id", "corp-client", "--client-secret-file", "-");
        }
        finally
        {
            Console.SetIn(original);
        }

        var (inside, insideError) = await factory.RunCommandErrorAsync("identity-providers", "add", "--slug", "inside", "--display-name", "Inside", "--kind", "oidc",
            "--discovery-url", "https://127.0.0.1/.well-known/openid-configuration", "--client-id", "inside", "--client-secret-file", secretFile);
        var (_, listed) = await factory.RunCommandAsync("identity-providers", "list");

        Assert.Equal(0, fromFile);
        var added = JsonDocument.Parse(fileOutput).RootElement;
        Assert.EndsWith("/account/login/external/gh/callback", added.GetProperty("redirectUri").GetString(), StringComparison.Ordinal);
        Assert.True(added.GetProperty("trustEmailVerification").GetBoolean());
        Assert.Equal(0, fromInput.ExitCode);
        Assert.Equal(1, inside);
        Assert.Contains("discoveryUrl", insideError, StringComparison.Ordinal);
        Assert.Contains("\"slug\": \"gh\"", listed, StringComparison.Ordinal);
        Assert.Contains("\"slug\": \"corp\"", listed, StringComparison.Ordinal);
        foreach (var printed in new[] { fileOutput, fromInput.Output, insideError, listed })
        {
            Assert.DoesNotContain("secret-from", printed, StringComparison.Ordinal);
        }

        await factory.InScopeAsync(async services =>
        {
            var db = services.GetRequiredService<Warden.Server.Infrastructure.Database.WardenDbContext>();
            var secrets = services.GetRequiredService<SecretProtector>();
            var stored = await db.IdentityProviders.ToDictionaryAsync(p => p.Slug, p => p.ProtectedClientSecret);
            Assert.Equal(fileSecret, secrets.Unprotect(SecretKind.IdentityProviderSecret, stored["gh"]));
            Assert.Equal(pipedSecret, secrets.Unprotect(SecretKind.IdentityProviderSecret, stored["corp"]));
            Assert.False(stored.ContainsKey("inside"));
        });

        Assert.Equal(0, (await factory.RunCommandAsync("identity-providers", "remove", "gh")).ExitCode);
        Assert.Equal(1, (await factory.RunCommandErrorAsync("identity-providers", "remove", "gh")).ExitCode);
        Assert.DoesNotContain("\"slug\": \"gh\"", (await factory.RunCommandAsync("identity-providers", "list")).Output, StringComparison.Ordinal);
    }
}
