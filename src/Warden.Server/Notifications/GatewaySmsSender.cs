using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace Warden.Server.Notifications;

/// <summary>
/// POSTs <c>{to, body}</c> as JSON to the configured gateway with a bearer key. Transient failures (network
/// errors, timeouts, 408, 429, 5xx) are retried a few times at once; what still fails goes back to the outbox,
/// which retries later. Every try carries the same Idempotency-Key, so a gateway that honours it sends once.
/// </summary>
internal sealed partial class GatewaySmsSender(
    IHttpClientFactory clients,
    IOptions<SmsOptions> options,
    TimeProvider time,
    ILogger<GatewaySmsSender> logger) : ISmsSender
{
    public const string HttpClientName = "warden-sms-gateway";

    public async Task SendAsync(SmsMessage message, CancellationToken cancellationToken)
    {
        var gateway = options.Value.Gateway;
        var client = clients.CreateClient(HttpClientName);
        var idempotencyKey = Guid.NewGuid().ToString("N");
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Url)
            {
                Content = JsonContent.Create(new { to = message.To, body = message.Body }),
            };
            if (!string.IsNullOrEmpty(gateway.ApiKey))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", gateway.ApiKey);
            }

            request.Headers.Add("Idempotency-Key", idempotencyKey);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(gateway.Timeout);
            string failure;
            try
            {
                using var response = await client.SendAsync(request, timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                failure = $"the gateway answered {(int)response.StatusCode}";
                if (!IsTransient(response.StatusCode))
                {
                    // The gateway refused this message (bad number, bad key): trying again now will not help.
                    throw new HttpRequestException($"SMS gateway refused the message: {failure}.", null, response.StatusCode);
                }
            }
            catch (HttpRequestException ex) when (ex.StatusCode is null)
            {
                failure = ex.Message;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failure = $"no answer within {gateway.Timeout}";
            }

            if (attempt >= gateway.MaxAttempts)
            {
                throw new HttpRequestException($"SMS gateway failed after {attempt} attempt(s): {failure}.");
            }

            // Never the number or the body: the body may hold a one-time code.
            LogRetrying(logger, attempt, failure);
            await Task.Delay(TimeSpan.FromMilliseconds(250 * attempt), time, cancellationToken);
        }
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    [LoggerMessage(Level = LogLevel.Warning, Message = "SMS gateway attempt {Attempt} failed ({Failure}); retrying")]
    private static partial void LogRetrying(ILogger logger, int attempt, string failure);
}
