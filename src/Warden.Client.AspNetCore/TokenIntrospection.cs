using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Warden.Client.AspNetCore;

/// <summary>
/// Revocation awareness: asks Warden's introspection endpoint (RFC 7662, with the service's client credentials)
/// whether a token is still active, and keeps the answer for <see cref="WardenAuthenticationOptions.RevocationCheckInterval"/>.
/// Warden answers "inactive" for a token whose session was signed out, revoked by an administrator, ended by a
/// password change or a suspension, or whose grant was revoked, so such a token stops working here within the
/// interval. An inactive answer is kept until the token would have expired anyway.
/// <para>
/// When Warden cannot be reached the token is refused (fail closed): a service that prefers availability sets the
/// interval to zero and accepts tokens until they expire. Answers are kept by the token's SHA-256, never the token.
/// </para>
/// </summary>
internal sealed partial class TokenIntrospection(
    IOptions<WardenAuthenticationOptions> options,
    WardenBackchannel backchannel,
    WardenMetadata metadata,
    TimeProvider time,
    ILogger<TokenIntrospection> logger)
{
    private const int MaxEntries = 100_000;
    private readonly ConcurrentDictionary<string, (bool Active, DateTimeOffset Until)> _answers = new(StringComparer.Ordinal);

    public async Task<bool> IsActiveAsync(string token, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.RevocationCheckInterval <= TimeSpan.Zero || !settings.HasClientCredentials)
        {
            return true;
        }

        var key = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        var now = time.GetUtcNow();
        if (_answers.TryGetValue(key, out var known) && known.Until > now)
        {
            return known.Active;
        }

        var (answered, expires) = await IntrospectAsync(token, settings, cancellationToken);
        if (answered is not { } active)
        {
            return false; // not kept: the next request asks again
        }

        if (_answers.Count >= MaxEntries)
        {
            foreach (var stale in _answers.Where(a => a.Value.Until <= now).Select(a => a.Key).ToList())
            {
                _answers.TryRemove(stale, out _);
            }
        }

        var until = active ? now + settings.RevocationCheckInterval : expires ?? now + settings.RevocationCheckInterval;
        _answers[key] = (active, until);
        return active;
    }

    private async Task<(bool? Active, DateTimeOffset? Expires)> IntrospectAsync(string token, WardenAuthenticationOptions settings, CancellationToken cancellationToken)
    {
        try
        {
            var endpoint = (await metadata.GetAsync(cancellationToken)).IntrospectionEndpoint;
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["token"] = token, ["token_type_hint"] = "access_token",
                    ["client_id"] = settings.EffectiveClientId, ["client_secret"] = settings.ClientSecret!,
                }),
            };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await backchannel.Client.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                LogRefused(logger, (int)response.StatusCode);
                return (null, null);
            }

            using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            var active = answer.RootElement.TryGetProperty("active", out var a) && a.ValueKind == JsonValueKind.True;
            DateTimeOffset? expires = answer.RootElement.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var seconds)
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : null;
            return (active, expires);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException or InvalidOperationException)
        {
            LogUnreachable(logger, e);
            return (null, null);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Warden's introspection endpoint answered {Status}: is the service's client allowed to introspect? The token is refused.")]
    private static partial void LogRefused(ILogger logger, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Warden's introspection endpoint could not be reached; the token is refused.")]
    private static partial void LogUnreachable(ILogger logger, Exception exception);
}
