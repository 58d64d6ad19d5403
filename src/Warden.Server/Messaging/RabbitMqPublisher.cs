using System.Diagnostics;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Warden.Server.Messaging;

/// <summary>
/// One connection and one confirming channel per node, opened on first use and reopened after a failure. A
/// publish returns only when the broker has confirmed the message (persistent, to a durable exchange), so an
/// event whose handler completed is safely with the broker.
/// </summary>
public sealed partial class RabbitMqPublisher(IOptions<RabbitMqOptions> options, ILogger<RabbitMqPublisher> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;
    private IChannel? _channel;
    private long _failedAt = long.MinValue;

    /// <summary>Whether this node holds an open channel to the broker now (it opens on the first event).</summary>
    public bool Connected => _channel is { IsOpen: true };

    /// <summary>Whether this node's last attempt to connect failed and the broker counts as down (the reconnect delay).</summary>
    public bool Unreachable => _failedAt != long.MinValue && Stopwatch.GetElapsedTime(_failedAt) < options.Value.ReconnectDelay;

    public async Task PublishAsync(string routingKey, string messageId, DateTimeOffset occurredAt, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(settings.Timeout);
            var channel = await ChannelAsync(settings, timeout.Token);
            var properties = new BasicProperties
            {
                Persistent = true,
                ContentType = "application/json",
                ContentEncoding = "utf-8",
                MessageId = messageId,
                Type = routingKey,
                AppId = "warden",
                Timestamp = new AmqpTimestamp(occurredAt.ToUnixTimeSeconds()),
            };
            try
            {
                // With confirmation tracking this completes when the broker confirms, and throws on a nack.
                await channel.BasicPublishAsync(settings.Exchange, routingKey, mandatory: false, properties, body, timeout.Token);
            }
            catch
            {
                await ResetAsync();
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<IChannel> ChannelAsync(RabbitMqOptions settings, CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true } open)
        {
            return open;
        }

        await ResetAsync();
        if (_failedAt != long.MinValue && Stopwatch.GetElapsedTime(_failedAt) < settings.ReconnectDelay)
        {
            throw new BrokerUnavailableException("RabbitMQ was unreachable moments ago; the event will be retried.");
        }

        try
        {
            var factory = new ConnectionFactory
            {
                Uri = new Uri(settings.ConnectionString!),
                ClientProvidedName = "warden",
                RequestedConnectionTimeout = settings.Timeout,
                // Reconnection is this class's job, between events; automatic recovery would hide failures from the outbox.
                AutomaticRecoveryEnabled = false,
            };
            _connection = await factory.CreateConnectionAsync(cancellationToken);
            _channel = await _connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                cancellationToken);
            await _channel.ExchangeDeclareAsync(settings.Exchange, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken);
            _failedAt = long.MinValue;
            LogConnected(logger, settings.Exchange);
            return _channel;
        }
        catch (Exception ex)
        {
            _failedAt = Stopwatch.GetTimestamp();
            await ResetAsync();
            LogUnavailable(logger, ex.GetType().Name);
            throw;
        }
    }

    private async Task ResetAsync()
    {
        var channel = _channel;
        var connection = _connection;
        _channel = null;
        _connection = null;
        try
        {
            if (channel is not null)
            {
                await channel.DisposeAsync();
            }

            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Closing a connection the broker already dropped may fail; it is gone either way.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await ResetAsync();
        _gate.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to RabbitMQ; publishing events to exchange {Exchange}")]
    private static partial void LogConnected(ILogger logger, string exchange);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ is unreachable ({Error}); events wait in the outbox")]
    private static partial void LogUnavailable(ILogger logger, string error);
}

public sealed class BrokerUnavailableException(string message) : Exception(message);
