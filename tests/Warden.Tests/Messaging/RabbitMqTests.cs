using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using RabbitMQ.Client;
using Warden.Server.Events;
using Warden.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Warden.Tests.Messaging;

/// <summary>
/// Against a real broker. The tests of this class run one after another (xunit runs a class's tests in
/// sequence), which matters for the outage test: it stops the broker for a few seconds. Each test uses an exchange
/// and queue of its own, so runs on SQLite and PostgreSQL, or by several people, do not see each other's events.
/// </summary>
public sealed class RabbitMqTests(ITestOutputHelper output)
{
    [Fact]
    public async Task EveryEventOfARegistrationToLogoutFlowReachesTheExchange()
    {
        var (exchange, queue) = Names();
        await using var consumer = await RabbitMqConsumer.StartAsync(exchange, queue);
        try
        {
            await using var factory = Factory(exchange);
            var client = factory.CreateClient();
            var email = AuthFlows.NewEmail("amqp");
            var userId = await client.RegisterAsync(email);
            var token = (await factory.Mailbox.WaitForAsync(email)).Token();
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/auth/verify-email", new { token, password = AuthFlows.Password })).StatusCode);
            var tokens = await client.LoginAsync(email);
            var refreshed = AuthFlows.ReadTokens(await (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = tokens.RefreshToken })).ReadJsonAsync());
            Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/api/v1/auth/logout", new { refreshToken = refreshed.RefreshToken })).StatusCode);
            await factory.WaitForEventsHandledAsync();

            var events = await factory.InDbAsync(db => db.OutboxMessages.AsNoTracking().ToListAsync());
            Assert.Superset(
                new HashSet<string> { EventTypes.UserRegistered, EventTypes.ProfileCreated, EventTypes.UserEmailVerified, EventTypes.LoginSucceeded, EventTypes.SessionRevoked, EventTypes.UserLoggedOut },
                events.Select(e => e.Type).ToHashSet());
            await Eventually.TrueAsync(
                () => Task.FromResult(events.All(e => consumer.Messages.Any(m => m.MessageId == e.Id.ToString()))),
                "every event to reach the consumer", TimeSpan.FromSeconds(10));

            foreach (var e in events)
            {
                var message = consumer.Messages.First(m => m.MessageId == e.Id.ToString());
                Assert.Equal(e.Type, message.RoutingKey);
                Assert.Equal(DeliveryModes.Persistent, message.DeliveryMode);
                Assert.Equal("application/json", message.ContentType);
                var envelope = JsonDocument.Parse(message.Body).RootElement;
                Assert.Equal(e.Id, envelope.GetProperty("id").GetGuid());
                Assert.Equal(e.Type, envelope.GetProperty("type").GetString());
                Assert.True(envelope.TryGetProperty("occurredAt", out _));
                Assert.Equal(JsonValueKind.Object, envelope.GetProperty("data").ValueKind);
            }

            var registered = consumer.Messages.Single(m => m.RoutingKey == EventTypes.UserRegistered);
            Assert.Equal(userId, JsonDocument.Parse(registered.Body).RootElement.GetProperty("subject").GetGuid());
            Assert.DoesNotContain(consumer.Messages, m => m.Body.Contains(AuthFlows.Password, StringComparison.Ordinal)
                                                         || m.Body.Contains(tokens.RefreshToken, StringComparison.Ordinal));
        }
        finally
        {
            await RabbitMqConsumer.DeleteAsync(exchange, queue);
        }
    }

    [Fact]
    public async Task EventsHeldBackDuringABrokerOutageArriveOnceTheBrokerIsBack()
    {
        var (exchange, queue) = Names();
        var received = new System.Collections.Concurrent.ConcurrentQueue<ReceivedMessage>();
        var consumer = await RabbitMqConsumer.StartAsync(exchange, queue, received);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var stopped = false;
        try
        {
            await using var factory = Factory(exchange);
            var client = factory.CreateClient();
            await client.RegisterAsync(AuthFlows.NewEmail("before"));
            await Eventually.TrueAsync(() => Task.FromResult(received.Any(m => m.RoutingKey == EventTypes.UserRegistered)),
                "the first registration to arrive"); // the publisher is connected

            await consumer.DisposeAsync();
            await RabbitMqBroker.ControlAsync("stop_app");
            stopped = true;
            output.WriteLine($"broker stopped after {watch.Elapsed.TotalSeconds:F1} s");

            var heldBackUser = await client.RegisterAsync(AuthFlows.NewEmail("during")); // the request does not notice
            var heldBack = await factory.InDbAsync(db => db.OutboxMessages.AsNoTracking()
                .SingleAsync(m => m.Subject == heldBackUser && m.Type == EventTypes.UserRegistered));
            await Eventually.TrueAsync(async () => (await factory.InDbAsync(db => db.OutboxMessages.AsNoTracking().SingleAsync(m => m.Id == heldBack.Id)))
                .LastError?.Contains("rabbitmq.publish", StringComparison.Ordinal) == true, "the publish to fail");

            // Only the broker's handler waits: the audit entry is there, the event is not lost, not poisoned.
            var state = await factory.InDbAsync(db => db.OutboxMessages.AsNoTracking().SingleAsync(m => m.Id == heldBack.Id));
            Assert.Null(state.ProcessedAt);
            Assert.False(state.Poisoned);
            Assert.True(await factory.InDbAsync(db => db.AuditLog.AnyAsync(e => e.EventId == heldBack.Id)));

            await RabbitMqBroker.ControlAsync("start_app");
            await RabbitMqBroker.ControlAsync("await_startup");
            stopped = false;
            output.WriteLine($"broker back after {watch.Elapsed.TotalSeconds:F1} s");

            factory.Time.Advance(TimeSpan.FromMinutes(2)); // past the outbox's backoff
            await factory.WaitForEventsHandledAsync(TimeSpan.FromSeconds(30));
            await using var again = await RabbitMqConsumer.StartAsync(exchange, queue, received);
            var held = await factory.InDbAsync(db => db.OutboxMessages.AsNoTracking().Where(m => m.Subject == heldBackUser).ToListAsync());
            Assert.Contains(held, m => m.Type == EventTypes.ProfileCreated);
            await Eventually.TrueAsync(
                () => Task.FromResult(held.All(m => received.Any(r => r.MessageId == m.Id.ToString()))),
                "the held-back events to arrive", TimeSpan.FromSeconds(10));
            output.WriteLine($"held-back events delivered after {watch.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            if (stopped)
            {
                await RabbitMqBroker.ControlAsync("start_app");
                await RabbitMqBroker.ControlAsync("await_startup");
            }

            await consumer.DisposeAsync();
            await RabbitMqConsumer.DeleteAsync(exchange, queue);
        }
    }

    private static (string Exchange, string Queue) Names()
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        return ($"warden.test.{id}", $"warden.test.{id}.all");
    }

    private static OutsideFactory Factory(string exchange)
    {
        var factory = new OutsideFactory();
        factory.With("Warden:RabbitMq:ConnectionString", RabbitMqBroker.Url)
            .With("Warden:RabbitMq:Exchange", exchange)
            .With("Warden:RabbitMq:ReconnectDelay", "00:00:00.200")
            .With("Warden:RabbitMq:Timeout", "00:00:05");
        return factory;
    }
}
