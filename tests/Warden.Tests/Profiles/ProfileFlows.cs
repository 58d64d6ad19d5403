using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Profiles;

/// <summary>
/// A Warden whose test clients can choose the address they appear to come from (<see cref="ClientIpHeader"/>;
/// TestServer has no remote address), so that IP addresses are recorded as behind a real socket.
/// </summary>
public sealed class ProfilesFactory : WardenFactory
{
    public const string ClientIpHeader = "X-Test-Remote-Address";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddTransient<IStartupFilter, FixedRemoteAddress>());
    }

    private sealed class FixedRemoteAddress : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (IPAddress.TryParse(context.Request.Headers[ClientIpHeader].ToString(), out var address))
                {
                    context.Connection.RemoteIpAddress = address;
                    context.Request.Headers.Remove(ClientIpHeader);
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }
}

public static class ProfileFlows
{
    /// <summary>A signed-in, verified user whose default profile (made by the registration handler) exists.</summary>
    public static async Task<SignedInUser> SignedInWithProfileAsync(
        this WardenFactory factory, string? userAgent = null, string? ipAddress = null, string? username = null)
    {
        var user = await factory.SignedInClientAsync(username, client =>
        {
            if (userAgent is not null)
            {
                client.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
            }

            if (ipAddress is not null)
            {
                client.DefaultRequestHeaders.Add(ProfilesFactory.ClientIpHeader, ipAddress);
            }
        });
        await factory.WaitForProfileAsync(user.Id);
        return user;
    }

    public static Task<HttpResponseMessage> SendJsonAsync(this HttpClient client, HttpMethod method, string url, string json, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(method, url) { Content = new StringContent(json, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> SendJsonAsync(this HttpClient client, HttpMethod method, string url, object body, string contentType = "application/json") =>
        client.SendJsonAsync(method, url, JsonSerializer.Serialize(body, JsonSerializerOptions.Web), contentType);

    public static Task<HttpResponseMessage> PatchProfileAsync(this HttpClient client, string json, string url = "/api/v1/users/profile") =>
        client.SendJsonAsync(HttpMethod.Patch, url, json, "application/merge-patch+json");

    public static Task<HttpResponseMessage> PutProfileAsync(this HttpClient client, string json) =>
        client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/profile", json);

    public static async Task<JsonElement> GetProfileAsync(this HttpClient client, string url = "/api/v1/users/profile") =>
        await (await client.GetAsync(url)).ReadJsonAsync();

    /// <summary>The errors object of a 400 validation problem.</summary>
    public static async Task<JsonElement> AssertValidationAsync(this HttpResponseMessage response, params string[] fields)
    {
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var errors = problem.GetProperty("errors");
        foreach (var field in fields)
        {
            Assert.True(errors.TryGetProperty(field, out _), $"No error for '{field}': {errors}");
        }

        return errors;
    }
}
