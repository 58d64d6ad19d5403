using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Warden.Client.AspNetCore;

/// <summary>
/// The service's own access token for Warden's API (client credentials, <see cref="WardenAuthenticationOptions.ApiScopes"/>),
/// fetched once and reused until a minute before it expires; concurrent callers wait for one fetch.
/// </summary>
internal sealed class ClientCredentialsTokens(
    IOptions<WardenAuthenticationOptions> options, WardenBackchannel backchannel, WardenMetadata metadata, TimeProvider time) : IDisposable
{
    private static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(1);
    private readonly SemaphoreSlim _fetch = new(1, 1);
    private (string Token, DateTimeOffset RenewAt)? _current;

    public async Task<string> GetAsync(CancellationToken cancellationToken)
    {
        if (_current is { } held && held.RenewAt > time.GetUtcNow())
        {
            return held.Token;
        }

        await _fetch.WaitAsync(cancellationToken);
        try
        {
            if (_current is { } fetched && fetched.RenewAt > time.GetUtcNow())
            {
                return fetched.Token;
            }

            var settings = options.Value;
            if (!settings.HasClientCredentials)
            {
                throw new InvalidOperationException("Warden:ClientSecret (and Warden:ClientId or Warden:Audience) must be set to call Warden's API.");
            }

            var endpoint = (await metadata.GetAsync(cancellationToken)).TokenEndpoint;
            using var response = await backchannel.Client.PostAsync(endpoint, new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = settings.EffectiveClientId,
                ["client_secret"] = settings.ClientSecret!,
                ["scope"] = settings.ApiScopes,
            }), cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"Warden refused the client credentials of {settings.EffectiveClientId} ({(int)response.StatusCode}): {body}");
            }

            using var answer = JsonDocument.Parse(body);
            var token = answer.RootElement.GetProperty("access_token").GetString()!;
            var lifetime = TimeSpan.FromSeconds(answer.RootElement.TryGetProperty("expires_in", out var e) && e.TryGetInt32(out var s) ? s : 300);
            var renewAt = time.GetUtcNow() + (lifetime > 2 * RenewBefore ? lifetime - RenewBefore : lifetime / 2);
            _current = (token, renewAt);
            return token;
        }
        finally
        {
            _fetch.Release();
        }
    }

    /// <summary>Forgets the token (Warden refused it, e.g. after the client's secret was rotated).</summary>
    public void Forget() => _current = null;

    public void Dispose() => _fetch.Dispose();
}

/// <summary>Adds the service's client-credentials token to each request of <see cref="WardenApiClient"/>, and retries once with a new token after a 401.</summary>
internal sealed class ClientCredentialsHandler(ClientCredentialsTokens tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetAsync(cancellationToken));
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != System.Net.HttpStatusCode.Unauthorized || request.Content is StreamContent)
        {
            return response;
        }

        response.Dispose();
        tokens.Forget();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetAsync(cancellationToken));
        return await base.SendAsync(request, cancellationToken);
    }
}
