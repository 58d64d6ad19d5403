using System.Collections.Concurrent;
using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Warden.Tests.Messaging;

public sealed record ReceivedMessage(string RoutingKey, string? MessageId, string? ContentType, DeliveryModes DeliveryMode, string Body);

/// <summary>
/// The real RabbitMQ broker the tests publish to (<c>WARDEN_TEST_RABBITMQ</c>, which <c>./test.sh</c> starts and
/// exports; default <c>amqp://guest:guest@127.0.0.1:5672/</c>). A broker that cannot be reached fails the test
/// with a message saying so: these tests never skip.
/// </summary>
public static class RabbitMqBroker
{
    public static string Url => Environment.GetEnvironmentVariable("WARDEN_TEST_RABBITMQ") is { Length: > 0 } url
        ? url
        : "amqp://guest:guest@127.0.0.1:5672/";

    public static async Task<IConnection> ConnectAsync()
    {
        try
        {
            return await new ConnectionFactory { Uri = new Uri(Url), RequestedConnectionTimeout = TimeSpan.FromSeconds(5) }.CreateConnectionAsync();
        }
        catch (Exception ex)
        {
            throw new Xunit.Sdk.XunitException(
                $"RabbitMQ is not reachable at {new Uri(Url).Host}:{new Uri(Url).Port} ({ex.GetType().Name}: {ex.Message}). " +
                "The RabbitMQ tests need a running rabbitmq-server: ./test.sh installs and starts one " +
                "(apt-get install rabbitmq-server; rabbitmq-server -detached; rabbitmqctl await_startup).");
        }
    }

    /// <summary>Runs <c>rabbitmqctl</c> (stop_app, start_app, await_startup), bounded in time.</summary>
    public static async Task ControlAsync(string command, TimeSpan? timeout = null)
    {
        using var process = Process.Start(new ProcessStartInfo("rabbitmqctl", command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new Xunit.Sdk.XunitException("rabbitmqctl could not be started.");
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        var output = process.StandardOutput.ReadToEndAsync(limit.Token);
        var error = process.StandardError.ReadToEndAsync(limit.Token);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"rabbitmqctl {command} did not finish within {timeout ?? TimeSpan.FromSeconds(60)}.");
        }

        if (process.ExitCode != 0)
        {
            throw new Xunit.Sdk.XunitException($"rabbitmqctl {command} failed ({process.ExitCode}): {await output} {await error}");
        }
    }
}

/// <summary>A durable queue bound to an exchange with <c>#</c>, consumed into <see cref="Messages"/>.</summary>
public sealed class RabbitMqConsumer : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;

    private RabbitMqConsumer(IConnection connection, IChannel channel, ConcurrentQueue<ReceivedMessage> messages)
    {
        _connection = connection;
        _channel = channel;
        Messages = messages;
    }

    public ConcurrentQueue<ReceivedMessage> Messages { get; }

    public static async Task<RabbitMqConsumer> StartAsync(string exchange, string queue, ConcurrentQueue<ReceivedMessage>? into = null)
    {
        var connection = await RabbitMqBroker.ConnectAsync();
        var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: true, autoDelete: false);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(queue, exchange, "#");
        var messages = into ?? new ConcurrentQueue<ReceivedMessage>();
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            messages.Enqueue(new ReceivedMessage(
                delivery.RoutingKey, delivery.BasicProperties.MessageId, delivery.BasicProperties.ContentType,
                delivery.BasicProperties.DeliveryMode, System.Text.Encoding.UTF8.GetString(delivery.Body.Span)));
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
        };
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
        return new RabbitMqConsumer(connection, channel, messages);
    }

    /// <summary>Removes a test's queue and exchange from the shared broker.</summary>
    public static async Task DeleteAsync(string exchange, string queue)
    {
        await using var connection = await RabbitMqBroker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeleteAsync(queue);
        await channel.ExchangeDeleteAsync(exchange);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _channel.DisposeAsync();
            await _connection.DisposeAsync();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The broker went away under it (the outage test); nothing left to close.
        }
    }
}
