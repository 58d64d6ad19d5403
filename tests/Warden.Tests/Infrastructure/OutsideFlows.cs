using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Warden.Tests.Infrastructure;

/// <summary>Steps shared by the audit, analytics, metrics, webhook and RabbitMQ tests.</summary>
public static class OutsideFlows
{
    /// <summary>Waits until every committed event has been delivered to all its handlers.</summary>
    public static Task WaitForEventsHandledAsync(this WardenFactory factory, TimeSpan? timeout = null) =>
        factory.EventuallyInDbAsync(db => db.OutboxMessages.AllAsync(m => m.ProcessedAt != null), "every event to be handled", timeout);

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string url) =>
        await (await client.GetAsync(url)).ReadJsonAsync();
}
