using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Oidc;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using Warden.Tests.Pages;
using Xunit.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Tests.Oidc;

/// <summary>
/// The device authorization grant (RFC 8628): a command-line tool on npm openid-client asks for a code, the person
/// types it on <c>/account/device</c> in Chromium after signing in, allows the tool, and the tool's polling gets
/// tokens for that person (userinfo, refresh). The code entry is rate-limited per account.
/// </summary>
[SqliteOnly]
[Collection(BrowserCollection.Name)]
public sealed class DeviceFlowTests(Chromium chromium, KestrelWardenFactory warden, ITestOutputHelper output) : IClassFixture<KestrelWardenFactory>
{
    [Fact]
    public async Task ACommandLineToolSignsInWithTheDeviceGrantThroughTheDevicePage()
    {
        var issuer = warden.Start().ToString().TrimEnd('/');
        var (email, _) = await warden.SignedInUserAsync();
        var clientId = await RegisterDeviceClientAsync(warden);
        await using var browser = await chromium.NewSessionAsync(warden.BaseAddress);

        using var tool = Process.Start(new ProcessStartInfo("node", [Path.Combine(TestPaths.RepositoryRoot, "tests", "oidc-rp", "device.mjs"), issuer, clientId])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            var device = (await ReadLineAsync(tool))!;
            output.WriteLine(device);
            Assert.StartsWith("DEVICE ", device, StringComparison.Ordinal);
            var (verificationUri, userCode) = (device.Split(' ')[1], device.Split(' ')[2]);
            Assert.Equal(issuer + "/account/device", verificationUri);

            await browser.Page.GotoAsync(verificationUri);
            await browser.Page.WaitForAddressAsync("**/account/login?**");
            await browser.Page.FillAsync("#login", email);
            await browser.Page.FillAsync("#password", AuthFlows.Password);
            await browser.Page.ClickAsync("button.primary");
            await browser.Page.WaitForAddressAsync("**/account/device");
            await PageChecks.CheckAsync(browser, "device", output);
            await browser.Page.FillAsync("#user_code", userCode);
            await browser.Page.ClickAsync("button.primary");
            Assert.Contains("Device tool", await browser.Page.InnerTextAsync("main"), StringComparison.Ordinal);
            Assert.Contains(userCode, await browser.Page.InnerTextAsync("main"), StringComparison.Ordinal);
            await PageChecks.CheckAsync(browser, "device-approve", output);
            await browser.Page.ClickAsync("button[value=allow]");
            await browser.Page.WaitForAddressAsync("**/account/device?done=approved");

            var done = (await ReadLineAsync(tool))!;
            output.WriteLine(done);
            Assert.StartsWith("OK ", done, StringComparison.Ordinal);
            Assert.Contains($"\"email\":\"{email}\"", done, StringComparison.Ordinal);
            Assert.True(tool.WaitForExit(10_000), "the tool did not finish");
            Assert.True(tool.ExitCode == 0, await tool.StandardError.ReadToEndAsync());
        }
        finally
        {
            if (!tool.HasExited)
            {
                tool.Kill();
            }
        }
    }

    [Fact]
    public async Task WrongCodesAreRefusedBesideTheFieldAndLimitedPerAccount()
    {
        warden.Start();
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true }) { BaseAddress = warden.BaseAddress };
        var (email, _) = await warden.SignedInUserAsync();
        await browser.SignInThroughPageAsync(email);
        var token = await browser.FormTokenAsync("/account/device?user_code=1234");

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await browser.PostFormAsync("/account/device", token, ("user_code", "0000-0000-000" + i)));
        }

        Assert.All(answers.Take(5), a => Assert.Equal(HttpStatusCode.UnprocessableEntity, a.StatusCode));
        Assert.Contains("That code is not valid or has expired", await answers[0].Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.TooManyRequests, answers[5].StatusCode);
    }

    [Fact]
    public async Task DenyingOnThePageAnswersTheDeviceAccessDenied()
    {
        warden.Start();
        var clientId = await RegisterDeviceClientAsync(warden);
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true }) { BaseAddress = warden.BaseAddress };
        var device = await (await browser.PostAsync("/connect/device", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = clientId, ["scope"] = "openid email",
        }))).JsonAsync();
        var (email, _) = await warden.SignedInUserAsync();
        await browser.SignInThroughPageAsync(email);
        var token = await browser.FormTokenAsync("/account/device");
        var userCode = device.GetProperty("user_code").GetString()!;

        var approval = await browser.PostFormAsync("/account/device", token, ("user_code", userCode));
        var denied = await browser.PostFormAsync("/account/device", token, ("user_code", userCode), ("decision", "deny"));
        var poll = await browser.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.DeviceCode, ["device_code"] = device.GetProperty("device_code").GetString()!, ["client_id"] = clientId,
        }));

        Assert.Equal(HttpStatusCode.OK, approval.StatusCode);
        Assert.EndsWith("/account/device?done=denied", denied.Headers.Location?.ToString(), StringComparison.Ordinal);
        Assert.Equal("access_denied", (await poll.JsonAsync(HttpStatusCode.BadRequest)).GetProperty("error").GetString());
    }

    /// <summary>A public client with the device grant, registered through the admin API's core.</summary>
    private static Task<string> RegisterDeviceClientAsync(WardenFactory warden) => warden.InScopeAsync(async services =>
    {
        var clientId = "device-tool-" + Guid.NewGuid().ToString("N")[..8];
        var answer = await ClientEndpoints.CreateAsync(
            new CreateClientRequest(clientId, "Device tool", ClientTypes.Public, null, null, [GrantTypes.DeviceCode, GrantTypes.RefreshToken],
                [Scopes.OpenId, Scopes.Email, Scopes.OfflineAccess], true, null, null),
            services.GetRequiredService<WardenDbContext>(), services.GetRequiredService<IOpenIddictApplicationManager>(),
            services.GetRequiredService<IOpenIddictScopeManager>(), services.GetRequiredService<TimeProvider>(), CancellationToken.None);
        Assert.IsType<Microsoft.AspNetCore.Http.HttpResults.Created<ClientWithSecret>>(answer.Result);
        return clientId;
    });

    private static async Task<string?> ReadLineAsync(Process process)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await process.StandardOutput.ReadLineAsync(timeout.Token);
    }
}
