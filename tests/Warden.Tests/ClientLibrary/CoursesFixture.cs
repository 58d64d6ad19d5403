using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using Warden.Client.AspNetCore;
using Warden.Tests.Administration;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using Warden.Tests.Oidc;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Tests.ClientLibrary;

/// <summary>
/// Warden (in memory) and the sample Courses service beside it, built only on Warden.Client.AspNetCore: the service's
/// JwtBearer, introspection and API client reach Warden through the test server's handler, and it shares Warden's
/// test clock. Warden knows the service as the API scope <c>courses</c> (audience <c>courses-api</c>) and the
/// confidential client <c>courses-api</c>; a first-party app (<see cref="AppClientId"/>) gets users' tokens for it.
/// </summary>
public class CoursesFixture : IAsyncLifetime
{
    public const string Audience = "courses-api";
    public const string Scope = "courses";
    public const string ServiceSecret = "courses-secret-0123456789-abcdef";
    public static readonly TimeSpan RevocationWindow = TimeSpan.FromSeconds(5);

    public WardenFactory Warden { get; private set; } = null!;

    public WebApplication Sample { get; private set; } = null!;

    public HttpClient SampleClient { get; private set; } = null!;

    /// <summary>Warden's administrator, signed in afresh (tests move Warden's clock past a token's lifetime).</summary>
    public Task<SignedInUser> AdminAsync() => Warden.AdminClientAsync();

    public string AppClientId { get; private set; } = "";

    /// <summary>The Warden to run (the key rotation test moves its clock by an hour).</summary>
    protected virtual WardenFactory CreateWarden() => new WardenFactory()
        .With("Warden:Tokens:KeyRotationInterval", "01:00:00")
        .With("Warden:Tokens:KeyRefreshInterval", "00:05:00");

    /// <summary>More settings of the sample service.</summary>
    protected virtual IDictionary<string, string?> SampleSettings() => new Dictionary<string, string?>();

    public async Task InitializeAsync()
    {
        Warden = CreateWarden();
        await Warden.InScopeAsync(async services =>
        {
            await services.GetRequiredService<IOpenIddictScopeManager>().CreateAsync(new OpenIddictScopeDescriptor
            {
                Name = Scope, DisplayName = "The Courses service", Resources = { Audience },
            });
            await services.GetRequiredService<IOpenIddictApplicationManager>().CreateAsync(new OpenIddictApplicationDescriptor
            {
                ClientId = Audience,
                ClientSecret = ServiceSecret,
                ClientType = ClientTypes.Confidential,
                Permissions =
                {
                    Permissions.Endpoints.Token, Permissions.Endpoints.Introspection, Permissions.GrantTypes.ClientCredentials,
                    Permissions.Prefixes.Scope + "authz:check",
                },
            });
        });
        AppClientId = await Warden.RegisterClientAsync(scopes: [Scope]);

        var admin = await AdminAsync();
        await (await admin.Client.PostAsJsonAsync("/api/v1/permissions", new { name = "courses:write", description = "Write courses" })).ReadJsonAsync(System.Net.HttpStatusCode.Created);
        await (await admin.Client.PostAsJsonAsync("/api/v1/roles", new { name = "teacher", description = "Teaches", permissions = new[] { "courses:write" } })).ReadJsonAsync(System.Net.HttpStatusCode.Created);

        var handler = Warden.Server.CreateHandler();
        var settings = new Dictionary<string, string?>
        {
            ["Warden:Authority"] = WardenFactory.PublicBaseUrl,
            ["Warden:Audience"] = Audience,
            ["Warden:ClientSecret"] = ServiceSecret,
            ["Warden:RevocationCheckInterval"] = RevocationWindow.ToString(),
        };
        foreach (var (key, value) in SampleSettings())
        {
            settings[key] = value;
        }

        Sample = Courses.Api.Program.Build([], builder =>
        {
            builder.WebHost.UseTestServer();
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Services.PostConfigure<WardenAuthenticationOptions>(o => o.BackchannelHandler = handler);
            builder.Services.AddSingleton<TimeProvider>(Warden.Time);
        }, contentRoot: Path.Combine(TestPaths.RepositoryRoot, "samples", "Courses.Api"));
        await Sample.StartAsync();
        SampleClient = Sample.GetTestClient();
    }

    /// <summary>A new user signed in at Warden holding <paramref name="roles"/>, and their access token for the Courses service (authorization code + PKCE).</summary>
    public async Task<(Guid Id, string Token)> UserTokenAsync(params string[] roles)
    {
        var browser = Warden.Browser();
        var email = await Warden.SignedInBrowserAsync(browser);
        var id = await Warden.InDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync());
        if (roles.Length > 0)
        {
            var admin = await AdminAsync();
            foreach (var role in roles)
            {
                await admin.AssignRoleAsync(id, role);
            }
        }

        var pkce = OidcFlows.Pkce.Create();
        var code = await browser.CodeAsync(OidcFlows.AuthorizeUrl(AppClientId, pkce, scope: "openid email roles " + Scope));
        var token = (await (await browser.RedeemAsync(AppClientId, code, pkce)).JsonAsync()).GetProperty("access_token").GetString()!;
        return (id, token);
    }

    /// <summary>Sends to the Courses service with <paramref name="token"/> as the bearer token (none when null).</summary>
    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return SampleClient.SendAsync(request);
    }

    public virtual async Task DisposeAsync()
    {
        SampleClient?.Dispose();
        if (Sample is not null)
        {
            await Sample.StopAsync();
            await Sample.DisposeAsync();
        }

        Warden?.Dispose();
    }
}
