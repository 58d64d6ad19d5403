using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Warden.Tests.Fixtures;

/// <summary>
/// A private <c>redis-server</c> (Debian's package) on a free loopback port, for tests of several nodes sharing
/// caches and rate limits. Nothing is written to disk, so each start is empty. Use it as a class or collection
/// fixture; a missing <c>redis-server</c> fails the tests that need it rather than skipping them.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly ProcessOutput _output = new();
    private Process? _process;
    private string? _directory;

    public int Port { get; private set; }

    /// <summary>What StackExchange.Redis takes: <c>127.0.0.1:PORT</c>.</summary>
    public string ConnectionString => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    /// <summary>How long the server took to answer its first PING (reported, never asserted).</summary>
    public TimeSpan StartTime { get; private set; }

    /// <summary>What the server printed so far.</summary>
    public string Output => _output.ToString();

    public async Task InitializeAsync()
    {
        var started = Stopwatch.StartNew();
        Port = FreePort.Next();
        // Its own working directory: even with persistence off, redis-server may write a dump on SHUTDOWN or crash.
        _directory = Directory.CreateTempSubdirectory("warden-redis-").FullName;
        await RunAsync();
        StartTime = started.Elapsed;
    }

    /// <summary>Kills the server (as a crash or a network cut would look to its clients); <see cref="RestartAsync"/> brings it back.</summary>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await ProcessOutput.StopAsync(_process);
            _process.Dispose();
            _process = null;
        }
    }

    /// <summary>Starts the server again on the same port, empty.</summary>
    public Task RestartAsync() => _process is null ? RunAsync() : throw new InvalidOperationException("redis-server is running.");

    private async Task RunAsync()
    {
        var directory = _directory ?? throw new InvalidOperationException("InitializeAsync first.");
        var start = new ProcessStartInfo("redis-server") { WorkingDirectory = directory };
        foreach (var argument in new[]
                 {
                     "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                     "--dir", directory, "--daemonize", "no", "--loglevel", "warning",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            _process = _output.Start(start);
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"redis-server is not installed ({e.Message}); install the Debian package 'redis-server' (./test.sh does). " +
                "The tests that need Redis must not be skipped.", e);
        }

        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException(
                    $"redis-server exited with {_process.ExitCode} before answering on port {Port}:\n{Output}");
            }

            try
            {
                if (await SendAsync("PING") == "PONG")
                {
                    break;
                }
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"redis-server did not answer PING on port {Port} within {StartTimeout}:\n{Output}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Sends one command in RESP and returns the reply as text (an array's elements one per line, a missing value
    /// as null); an error reply throws. Enough to check the server without a client library.
    /// </summary>
    public async Task<string?> SendAsync(params string[] command)
    {
        ArgumentNullException.ThrowIfNull(command);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port);
        var stream = client.GetStream();
        var request = new StringBuilder().Append(CultureInfo.InvariantCulture, $"*{command.Length}\r\n");
        foreach (var part in command)
        {
            request.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(part)}\r\n{part}\r\n");
        }

        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return await ReadReplyAsync(reader, timeout.Token);
    }

    // Bulk strings are read by line: replies to test commands hold no line breaks of their own.
    private static async Task<string?> ReadReplyAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        var line = await reader.ReadLineAsync(cancellationToken)
            ?? throw new IOException("redis-server closed the connection without a reply.");
        var rest = line[1..];
        switch (line[0])
        {
            case '+' or ':':
                return rest;
            case '-':
                throw new InvalidOperationException($"redis-server answered with an error: {rest}");
            case '$':
                return rest == "-1" ? null : await reader.ReadLineAsync(cancellationToken);
            case '*':
                var items = new List<string?>();
                for (var i = 0; i < int.Parse(rest, CultureInfo.InvariantCulture); i++)
                {
                    items.Add(await ReadReplyAsync(reader, cancellationToken));
                }

                return string.Join('\n', items);
            default:
                throw new IOException($"Not a RESP reply: {line}");
        }
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        if (_directory is not null)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // Left to the OS's temp cleaning.
            }
        }
    }
}
