using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Http;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Oidc;

/// <summary>API scopes through /api/v1/admin/scopes: a service's audience registered without code, and the tokens that carry it.</summary>
[SqliteOnly]
public sealed class ApiScopeAdministrationTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Fact]
    public async Task AClientGrantedARegisteredApiScopeGetsTokensWhoseAudienceIsTheScopesResources()
    {
        var admin = (await factory.AdminClientAsync()).Client;
        var name = "lessons-" + Guid.NewGuid().ToString("N")[..6];
        var created = await (await admin.PostAsJsonAsync("/api/v1/admin/scopes", new
        {
            name, displayName = "Lessons", resources = new[] { "lessons-api", "https://lessons.example.com" },
        })).ReadJsonAsync(HttpStatusCode.Created);
        var client = await (await admin.PostAsJsonAsync("/api/v1/admin/clients", new
        {
            grantTypes = new[] { "client_credentials" }, scopes = new[] { name },
        })).ReadJsonAsync(HttpStatusCode.Created);
        var rp = factory.Browser();

        var serviceToken = await (await rp.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["scope"] = name,
            ["client_id"] = client.GetProperty("client").GetProperty("clientId").GetString()!, ["client_secret"] = client.GetProperty("clientSecret").GetString()!,
        }))).JsonAsync();
        var appId = await factory.RegisterClientAsync(scopes: [name]);
        await factory.SignedInBrowserAsync(rp);
        var pkce = OidcFlows.Pkce.Create();
        var userToken = await (await rp.RedeemAsync(appId, await rp.CodeAsync(OidcFlows.AuthorizeUrl(appId, pkce, scope: "openid " + name)), pkce)).JsonAsync();
        var listed = await (await admin.GetAsync("/api/v1/admin/scopes")).ReadJsonAsync();

        Assert.Equal(["https://lessons.example.com", "lessons-api"], Audiences(serviceToken));
        Assert.Equal(["https://lessons.example.com", "lessons-api"], Audiences(userToken));
        Assert.False(created.GetProperty("builtIn").GetBoolean());
        var scopes = listed.EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!, s => s);
        Assert.Equal("Lessons", scopes[name].GetProperty("displayName").GetString());
        Assert.True(scopes["warden"].GetProperty("builtIn").GetBoolean());
        Assert.True(scopes["authz:check"].GetProperty("builtIn").GetBoolean());
    }

    [Fact]
    public async Task AnInvalidNameABuiltInNameOrABadResourceIsRefusedAndNothingIsStored()
    {
        var admin = (await factory.AdminClientAsync()).Client;
        (string Name, string[] Resources, string Field)[] cases =
        [
            ("two words", ["a-api"], "name"), ("quote\"d", ["a-api"], "name"), ("", ["a-api"], "name"),
            ("openid", ["a-api"], "name"), ("offline_access", ["a-api"], "name"), ("warden", ["a-api"], "name"), ("authz:check", ["a-api"], "name"),
            ("ok-scope", ["has space"], "resources"), ("ok-scope", ["/relative/path"], "resources"),
            ("ok-scope", ["https://api.example.com/#frag"], "resources"), ("ok-scope", [], "resources"),
        ];

        foreach (var (name, resources, field) in cases)
        {
            var response = await admin.PostAsJsonAsync("/api/v1/admin/scopes", new { name, resources });

            var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{name} {string.Join(' ', resources)}: {problem}");
        }

        Assert.False(await factory.InDbAsync(db => db.OidcScopes.AnyAsync(s => s.Name == "ok-scope" || s.Name == "two words")));
    }

    [Fact]
    public async Task ASecondScopeOfTheSameNameIsAConflict()
    {
        var admin = (await factory.AdminClientAsync()).Client;
        var name = "twice-" + Guid.NewGuid().ToString("N")[..6];

        var first = await admin.PostAsJsonAsync("/api/v1/admin/scopes", new { name, resources = new[] { "twice-api" } });
        var second = await admin.PostAsJsonAsync("/api/v1/admin/scopes", new { name, resources = new[] { "other-api" } });

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        await second.AssertProblemAsync(HttpStatusCode.Conflict, ProblemCodes.Conflict);
    }

    [Fact]
    public async Task AScopeIsDeletedOnlyWhenNoClientHoldsItAndABuiltInScopeNever()
    {
        var admin = (await factory.AdminClientAsync()).Client;
        var name = "held-" + Guid.NewGuid().ToString("N")[..6];
        var scope = await (await admin.PostAsJsonAsync("/api/v1/admin/scopes", new { name, resources = new[] { "held-api" } })).ReadJsonAsync(HttpStatusCode.Created);
        var id = scope.GetProperty("id").GetGuid();
        var client = await (await admin.PostAsJsonAsync("/api/v1/admin/clients", new
        {
            clientId = name + "-svc", grantTypes = new[] { "client_credentials" }, scopes = new[] { name },
        })).ReadJsonAsync(HttpStatusCode.Created);
        var wardenScope = await factory.InDbAsync(db => db.OidcScopes.Where(s => s.Name == "warden").Select(s => s.Id).SingleAsync());

        var builtIn = await admin.DeleteAsync($"/api/v1/admin/scopes/{wardenScope}");
        var held = await admin.DeleteAsync($"/api/v1/admin/scopes/{id}");
        var clientRemoved = await admin.DeleteAsync($"/api/v1/admin/clients/{client.GetProperty("client").GetProperty("id").GetGuid()}");
        var released = await admin.DeleteAsync($"/api/v1/admin/scopes/{id}");
        var again = await admin.DeleteAsync($"/api/v1/admin/scopes/{id}");

        await builtIn.AssertProblemAsync(HttpStatusCode.Conflict, ProblemCodes.Conflict);
        var refusal = await held.AssertProblemAsync(HttpStatusCode.Conflict, ProblemCodes.Conflict);
        Assert.Contains(name + "-svc", refusal.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, clientRemoved.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, released.StatusCode);
        await again.AssertProblemAsync(HttpStatusCode.NotFound, ProblemCodes.NotFound);
        Assert.True(await factory.InDbAsync(db => db.OidcScopes.AnyAsync(s => s.Name == "warden")));
        Assert.False(await factory.InDbAsync(db => db.OidcScopes.AnyAsync(s => s.Id == id)));
        Assert.True(await factory.InDbAsync(db => db.OutboxMessages.AnyAsync(m => m.Type == EventTypes.OidcScopeDeleted && m.Data.Contains(id.ToString()))));
    }

    [Fact]
    public async Task OnlyAnAdministratorWithAdminSystemMayListOrCreateScopes()
    {
        var user = await factory.SignedInClientAsync();

        Assert.Equal(HttpStatusCode.Forbidden, (await user.Client.GetAsync("/api/v1/admin/scopes")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await user.Client.PostAsJsonAsync("/api/v1/admin/scopes", new { name = "sneaky", resources = new[] { "sneaky-api" } })).StatusCode);
        Assert.False(await factory.InDbAsync(db => db.OidcScopes.AnyAsync(s => s.Name == "sneaky")));
    }

    private static string[] Audiences(JsonElement tokens)
    {
        var aud = OidcFlows.Payload(tokens.GetProperty("access_token").GetString()!).GetProperty("aud");
        var values = aud.ValueKind == JsonValueKind.Array ? aud.EnumerateArray().Select(a => a.GetString()!).ToArray() : new[] { aud.GetString()! };
        return [.. values.Order(StringComparer.Ordinal)];
    }
}
