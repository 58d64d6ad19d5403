using System.Diagnostics;
using Microsoft.Playwright;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Warden.Tests.Oidc;

/// <summary>
/// An independent relying party (npm openid-client 6, <c>tests/oidc-rp/rp.mjs</c>) against Warden on a real port, the user
/// signing in through Warden's own sign-in page in Chromium: discovery, code + PKCE, id token validation (nonce,
/// at_hash), userinfo, refresh rotation, reuse revoking the grant, client credentials, introspection, revocation and
/// end-session back to the registered address.
/// </summary>
[SqliteOnly]
[Collection(BrowserCollection.Name)]
public sealed class RelyingPartyTests(Chromium chromium, ITestOutputHelper output)
{
    [Fact]
    public async Task OpenIdClientSignsInThroughWardensPageAndRunsEveryFlow()
    {
        await using var warden = new KestrelWardenFactory();
        var issuer = warden.Start().ToString().TrimEnd('/');
        var (email, _) = await warden.SignedInUserAsync();
        var clientId = await warden.RegisterClientAsync();
        await using var browser = await chromium.NewSessionAsync(warden.BaseAddress);
        // The relying party's addresses name no real host: the browser being sent there, seen as the request it
        // starts, is what counts (Chromium then fails to resolve the name, which the navigations below tolerate).
        string? reached = null;
        browser.Page.Request += (_, request) =>
        {
            if (request.IsNavigationRequest && request.Url.StartsWith("https://rp.test/", StringComparison.Ordinal))
            {
                reached = request.Url;
            }
        };

        using var rp = Process.Start(new ProcessStartInfo("node", [Path.Combine(TestPaths.RepositoryRoot, "tests", "oidc-rp", "rp.mjs"),
            issuer, clientId, OidcFlows.Secret, OidcFlows.RedirectUri, OidcFlows.PostLogoutUri])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            var signedIn = false;
            while (await ReadLineAsync(rp) is { } line)
            {
                output.WriteLine(line);
                if (line.StartsWith("AUTHORIZE ", StringComparison.Ordinal))
                {
                    reached = null;
                    await GoAsync(browser.Page, line["AUTHORIZE ".Length..]);
                    if (!signedIn)
                    {
                        await browser.Page.WaitForAddressAsync("**/account/login?**");
                        await browser.Page.FillAsync("#login", email);
                        await browser.Page.FillAsync("#password", AuthFlows.Password);
                        await browser.Page.ClickAsync("button.primary");
                        signedIn = true;
                    }

                    await WaitForRelyingPartyAsync(browser.Page, () => reached);
                    Assert.StartsWith(OidcFlows.RedirectUri + "?", reached, StringComparison.Ordinal);
                    await rp.StandardInput.WriteLineAsync(reached);
                    await rp.StandardInput.FlushAsync();
                }
                else if (line.StartsWith("ENDSESSION ", StringComparison.Ordinal))
                {
                    reached = null;
                    await GoAsync(browser.Page, line["ENDSESSION ".Length..]);
                    await WaitForRelyingPartyAsync(browser.Page, () => reached);
                    Assert.StartsWith(OidcFlows.PostLogoutUri + "?state=bye", reached, StringComparison.Ordinal);
                }
                else
                {
                    Assert.StartsWith("OK ", line, StringComparison.Ordinal);
                    Assert.Contains(email, line, StringComparison.Ordinal);
                    break;
                }
            }

            Assert.True(rp.WaitForExit(10_000), "the relying party did not finish");
            Assert.True(rp.ExitCode == 0, await rp.StandardError.ReadToEndAsync());
        }
        finally
        {
            if (!rp.HasExited)
            {
                rp.Kill();
            }
        }
    }

    /// <summary>A navigation that may end at the relying party's unresolvable host.</summary>
    private static async Task GoAsync(IPage page, string url)
    {
        try
        {
            await page.GotoAsync(url);
        }
        catch (PlaywrightException e) when (e.Message.Contains("ERR_NAME_NOT_RESOLVED", StringComparison.Ordinal))
        {
        }
    }

    /// <summary>Until the browser was sent to the relying party (the route above answers in its place).</summary>
    private static async Task WaitForRelyingPartyAsync(IPage page, Func<string?> reached)
    {
        for (var i = 0; i < 300 && reached() is null; i++)
        {
            await Task.Delay(100);
        }

        Assert.True(reached() is not null, $"the browser stayed on {page.Url}: {await page.InnerTextAsync("body")}");
    }

    private static async Task<string?> ReadLineAsync(Process process)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await process.StandardOutput.ReadLineAsync(timeout.Token);
    }
}
