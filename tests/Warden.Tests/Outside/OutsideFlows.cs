using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Infrastructure.Database;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Outside;

/// <summary>Steps shared by the audit, analytics, metrics, webhook and RabbitMQ tests.</summary>
public static class OutsideFlows
{
    public static async Task<string> AdminTokenAsync(this WardenFactory factory) =>
        (await factory.CreateClient().LoginAsync(WardenFactory.AdminEmail, WardenFactory.AdminPassword)).AccessToken;

    public static async Task<T> WithDbAsync<T>(this WardenFactory factory, Func<WardenDbContext, Task<T>> action)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<WardenDbContext>());
    }

    /// <summary>Waits until every committed event has been delivered to all its handlers.</summary>
    public static Task WaitForEventsHandledAsync(this WardenFactory factory, TimeSpan? timeout = null) =>
        EventuallyAsync(() => factory.WithDbAsync(db => db.OutboxMessages.AllAsync(m => m.ProcessedAt != null)),
            "every event to be handled", timeout);

    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"Timed out waiting for {what}.");
            }

            await Task.Delay(25);
        }
    }

    public static async Task<HttpResponseMessage> SendWithBearerAsync(this HttpClient client, HttpMethod method, string url, string accessToken, object? body = null)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        if (body is not null)
        {
            request.Content = System.Net.Http.Json.JsonContent.Create(body);
        }

        return await client.SendAsync(request);
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string url, string accessToken) =>
        await (await client.GetWithBearerAsync(url, accessToken)).ReadJsonAsync();
}
