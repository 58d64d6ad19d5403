using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Warden.Server.Users;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Pages;

/// <summary>
/// Passkeys in Chromium with its virtual authenticator (CDP WebAuthn domain: ctap2, internal, resident keys, user
/// verification): added from the security page after re-authentication, used on the sign-in page, its sign count
/// rising; a copy of the key with a lower count is refused; once removed it no longer signs in. The server is reached at
/// http://localhost:PORT: WebAuthn needs a domain (an IP address cannot be a relying party) and a secure context.
/// </summary>
[SqliteOnly]
[Collection(BrowserCollection.Name)]
public sealed class PasskeyBrowserTests(Chromium chromium)
{
    [Fact]
    public async Task APasskeyIsAddedUsedRefusedWhenClonedAndGoneWhenRemoved()
    {
        await using var warden = new KestrelWardenFactory();
        var origin = string.Create(CultureInfo.InvariantCulture, $"http://localhost:{warden.Port}");
        warden.With("Warden:PublicBaseUrl", origin);
        warden.Start();
        await using var browser = await chromium.NewSessionAsync(new Uri(origin + "/"));
        var page = browser.Page;
        var cdp = await browser.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("WebAuthn.enable");
        var added = await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2", ["transport"] = "internal", ["hasResidentKey"] = true, ["hasUserVerification"] = true,
                ["isUserVerified"] = true, ["automaticPresenceSimulation"] = true,
            },
        });
        var authenticatorId = added!.Value.GetProperty("authenticatorId").GetString()!;
        var email = AuthFlows.NewEmail("passkey");
        var userId = await warden.CreateClient().RegisterAsync(email);
        await warden.ActivateAsync(email);

        // Added from the security page: the first try asks for re-authentication, then it goes through.
        await page.GotoAsync("account/login");
        await PasswordSignInAsync(page, email);
        await page.GotoAsync("account/security");
        Assert.False(await page.IsVisibleAsync("#passkey-create-nojs"), "with script, the no-script note is hidden");
        await page.FillAsync("#passkey-name", "Test laptop");
        await page.ClickAsync("text=Add a passkey");
        await page.WaitForAddressAsync("**/account/reauthenticate?returnUrl=%2Faccount%2Fsecurity");
        await page.FillAsync("#password", AuthFlows.Password);
        await page.ClickAsync("button.primary");
        await page.WaitForAddressAsync("**/account/security");
        await page.FillAsync("#passkey-name", "Test laptop");
        await page.ClickAsync("text=Add a passkey");
        await page.WaitForAddressAsync("**/account/security?done=passkey-added");
        Assert.Contains("Test laptop", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        var credential = (await CredentialsAsync(cdp, authenticatorId)).Single();
        var registered = credential.GetProperty("signCount").GetUInt32();
        Assert.Equal(registered, await StoredSignCountAsync(warden, userId));

        // Used alone on the sign-in page: signed in, and the count rose on both sides.
        await SignOutAsync(page);
        await page.ClickAsync("text=Sign in with a passkey");
        await page.WaitForAddressAsync("**/account");
        Assert.Contains(email, await page.InnerTextAsync("main"), StringComparison.Ordinal);
        var counted = (await CredentialsAsync(cdp, authenticatorId)).Single().GetProperty("signCount").GetUInt32();
        Assert.True(counted > registered, "the authenticator counted the signature");
        Assert.Equal(counted, await StoredSignCountAsync(warden, userId));

        // A clone of the key that has signed less than the stored count is refused.
        await ReplaceCredentialAsync(cdp, authenticatorId, credential, signCount: 0);
        await SignOutAsync(page);
        await page.ClickAsync("text=Sign in with a passkey");
        await page.WaitForSelectorAsync("[role=alert]");
        Assert.Contains("The passkey could not be verified", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        Assert.Equal(counted, await StoredSignCountAsync(warden, userId));

        // Removed (after re-authenticating on this new session), it no longer signs in, whatever its count.
        await ReplaceCredentialAsync(cdp, authenticatorId, credential, signCount: counted + 100);
        await page.GotoAsync("account/login");
        await PasswordSignInAsync(page, email);
        await page.GotoAsync("account/security");
        await page.ClickAsync("button[aria-label='Remove the passkey Test laptop']");
        await page.WaitForAddressAsync("**/account/reauthenticate?returnUrl=%2Faccount%2Fsecurity");
        await page.FillAsync("#password", AuthFlows.Password);
        await page.ClickAsync("button.primary");
        await page.WaitForAddressAsync("**/account/security");
        await page.ClickAsync("button[aria-label='Remove the passkey Test laptop']");
        await page.WaitForAddressAsync("**/account/security?done=passkey-removed");
        Assert.Contains("No passkeys yet.", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await SignOutAsync(page);
        await page.ClickAsync("text=Sign in with a passkey");
        await page.WaitForSelectorAsync("[role=alert]");
        Assert.Contains("The passkey could not be verified", await page.InnerTextAsync("main"), StringComparison.Ordinal);
    }

    private static async Task PasswordSignInAsync(IPage page, string email)
    {
        await page.FillAsync("#login", email);
        await page.FillAsync("#password", AuthFlows.Password);
        await page.ClickAsync("button.primary");
        await page.WaitForAddressAsync("**/account");
    }

    private static async Task SignOutAsync(IPage page)
    {
        await page.GotoAsync("account");
        await page.ClickAsync("text=Sign out");
        await page.WaitForAddressAsync("**/account/login");
    }

    private static async Task<List<JsonElement>> CredentialsAsync(ICDPSession cdp, string authenticatorId)
    {
        var answer = await cdp.SendAsync("WebAuthn.getCredentials", new Dictionary<string, object> { ["authenticatorId"] = authenticatorId });
        return [.. answer!.Value.GetProperty("credentials").EnumerateArray().Select(c => c.Clone())];
    }

    /// <summary>The same key (id, private key, user) with another sign count: what a cloned authenticator presents.</summary>
    private static async Task ReplaceCredentialAsync(ICDPSession cdp, string authenticatorId, JsonElement credential, uint signCount)
    {
        var id = credential.GetProperty("credentialId").GetString()!;
        await cdp.SendAsync("WebAuthn.removeCredential", new Dictionary<string, object> { ["authenticatorId"] = authenticatorId, ["credentialId"] = id });
        await cdp.SendAsync("WebAuthn.addCredential", new Dictionary<string, object>
        {
            ["authenticatorId"] = authenticatorId,
            ["credential"] = new Dictionary<string, object>
            {
                ["credentialId"] = id,
                ["isResidentCredential"] = true,
                ["rpId"] = credential.GetProperty("rpId").GetString()!,
                ["privateKey"] = credential.GetProperty("privateKey").GetString()!,
                ["userHandle"] = credential.GetProperty("userHandle").GetString()!,
                ["signCount"] = signCount,
            },
        });
    }

    private static Task<uint> StoredSignCountAsync(WardenFactory warden, Guid userId) => warden.InScopeAsync(async services =>
    {
        var users = services.GetRequiredService<UserManager<User>>();
        return (await users.GetPasskeysAsync((await users.FindByIdAsync(userId.ToString()))!)).Single().SignCount;
    });
}
