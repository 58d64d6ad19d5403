using System.Text.Json;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Courses.Api;

/// <summary>Where Warden's events arrive (section <c>RabbitMq</c>); without a connection string nothing is consumed.</summary>
public sealed class UserDeletedOptions
{
    public const string Section = "RabbitMq";

    /// <summary>The broker Warden publishes to, e.g. <c>amqp://guest:guest@localhost:5672/</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Warden's exchange (<c>Warden:RabbitMq:Exchange</c>, default <c>warden.events</c>).</summary>
    public string Exchange { get; set; } = "warden.events";

    /// <summary>This service's durable queue: events wait there while the service is down.</summary>
    public string Queue { get; set; } = "courses-api.user-deleted";
}

/// <summary>
/// Erases this service's data about a user when Warden reports <c>user.deleted</c> (docs/events.md: the routing key
/// is the event type, the body the JSON envelope whose <c>subject</c> is the user id). The message is acknowledged
/// after the erasure, so a crash in between redelivers it; erasing twice is harmless, which is how the duplicate
/// deliveries RabbitMQ allows are handled. A message that is not a well-formed <c>user.deleted</c> is dropped.
/// </summary>
public sealed partial class UserDeletedConsumer(IOptions<UserDeletedOptions> options, CourseStore store, ILogger<UserDeletedConsumer> logger)
    : BackgroundService
{
    public const string EventType = "user.deleted";

    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the queue is bound and consumed (tests wait for it).</summary>
    public Task Ready => _ready.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ConsumeAsync(settings, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogBrokerLost(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }

    private async Task ConsumeAsync(UserDeletedOptions settings, CancellationToken stoppingToken)
    {
        var factory = new ConnectionFactory { Uri = new Uri(settings.ConnectionString!) };
        await using var connection = await factory.CreateConnectionAsync(stoppingToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        await channel.ExchangeDeclareAsync(settings.Exchange, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: stoppingToken);
        await channel.QueueDeclareAsync(settings.Queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: stoppingToken);
        await channel.QueueBindAsync(settings.Queue, settings.Exchange, EventType, cancellationToken: stoppingToken);

        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionShutdownAsync += (_, _) =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };

        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            if (UserOf(delivery.Body.Span) is { } userId)
            {
                LogErased(logger, store.EraseUser(userId));
            }

            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, stoppingToken);
        };
        await channel.BasicConsumeAsync(settings.Queue, autoAck: false, consumer, stoppingToken);
        _ready.TrySetResult();
        await closed.Task.WaitAsync(stoppingToken);
    }

    /// <summary>The user of a <c>user.deleted</c> envelope, or null for anything else.</summary>
    public static Guid? UserOf(ReadOnlySpan<byte> body)
    {
        try
        {
            using var envelope = JsonDocument.Parse(body.ToArray());
            var root = envelope.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == EventType
                && root.TryGetProperty("subject", out var subject) && subject.ValueKind == JsonValueKind.String
                && Guid.TryParse(subject.GetString(), out var id)
                ? id
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "user.deleted: erased {Count} records of the user.")]
    private static partial void LogErased(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The connection to RabbitMQ failed; retrying in 5 seconds.")]
    private static partial void LogBrokerLost(ILogger logger, Exception exception);
}
