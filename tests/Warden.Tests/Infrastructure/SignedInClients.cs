using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;

namespace Warden.Tests.Infrastructure;

/// <summary>
/// Adds <c>Authorization: Bearer</c> to every request that does not carry its own. The token can be swapped
/// (<see cref="AccessToken"/>) when the test refreshes it; until one is set, requests go out anonymous.
/// </summary>
public sealed class BearerHandler(string? accessToken = null) : DelegatingHandler
{
    public string? AccessToken { get; set; } = accessToken;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (AccessToken is not null)
        {
            request.Headers.Authorization ??= new AuthenticationHeaderValue("Bearer", AccessToken);
        }

        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>A user signed in through the API, with a client that acts as them.</summary>
public sealed class SignedInUser(Guid id, string email, Tokens tokens, HttpClient client, BearerHandler bearer)
{
    public Guid Id { get; } = id;

    public string Email { get; } = email;

    public Tokens Tokens { get; private set; } = tokens;

    public string AccessToken => Tokens.AccessToken;

    public string RefreshToken => Tokens.RefreshToken;

    /// <summary>Sends as this user (the bearer token is added by a handler).</summary>
    public HttpClient Client { get; } = client;

    /// <summary>Takes a refreshed pair of tokens: the client sends the new access token from now on.</summary>
    public void Use(Tokens refreshed)
    {
        Tokens = refreshed;
        bearer.AccessToken = refreshed.AccessToken;
    }
}

public static class SignedInClients
{
    /// <summary>A client that sends <paramref name="accessToken"/> as its bearer token with every request.</summary>
    public static HttpClient CreateClientFor(this WardenFactory factory, string accessToken) =>
        factory.CreateClientWith(new BearerHandler(accessToken));

    /// <summary>A client that sends the access token of <paramref name="tokens"/> with every request.</summary>
    public static HttpClient CreateClientFor(this WardenFactory factory, Tokens tokens) => factory.CreateClientFor(tokens.AccessToken);

    /// <summary>A client like <c>CreateClient()</c> (redirects followed, cookies kept) whose requests pass through <paramref name="bearer"/>.</summary>
    public static HttpClient CreateClientWith(this WardenFactory factory, BearerHandler bearer) =>
        factory.CreateDefaultClient(factory.ClientOptions.BaseAddress, new RedirectHandler(), new CookieContainerHandler(), bearer);

    /// <summary>
    /// A new, verified user signed in through the API, with a client acting as them. <paramref name="configure"/>
    /// sets up the client (a user agent, an address header) before registration and sign-in.
    /// </summary>
    public static async Task<SignedInUser> SignedInClientAsync(this WardenFactory factory, string? username = null, Action<HttpClient>? configure = null)
    {
        var bearer = new BearerHandler();
        var client = factory.CreateClientWith(bearer);
        configure?.Invoke(client);
        var email = AuthFlows.NewEmail();
        await client.RegisterAsync(email, username: username);
        await factory.ActivateAsync(email);
        return await client.SignInAsync(bearer, email, AuthFlows.Password);
    }

    /// <summary>The seeded administrator (every default permission, admin:system included), signed in.</summary>
    public static async Task<SignedInUser> AdminClientAsync(this WardenFactory factory)
    {
        var bearer = new BearerHandler();
        return await factory.CreateClientWith(bearer).SignInAsync(bearer, WardenFactory.AdminEmail, WardenFactory.AdminPassword);
    }

    private static async Task<SignedInUser> SignInAsync(this HttpClient client, BearerHandler bearer, string email, string password)
    {
        var tokens = await client.LoginAsync(email, password);
        bearer.AccessToken = tokens.AccessToken;
        return new SignedInUser(tokens.User.GetProperty("id").GetGuid(), email, tokens, client, bearer);
    }

    /// <summary>Sends <paramref name="body"/> (if any) as JSON.</summary>
    public static async Task<HttpResponseMessage> SendAsync(this HttpClient client, HttpMethod method, string url, object? body = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await client.SendAsync(request);
    }
}
