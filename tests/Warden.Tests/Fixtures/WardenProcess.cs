using System.Diagnostics;
using System.Globalization;
using System.Net;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Fixtures;

/// <summary>
/// The built server (<c>src/Warden.Server/bin/&lt;Configuration&gt;/net10.0/Warden.Server.dll</c>) run as a child
/// process on a free loopback port: a second (or third) node next to an in-memory <see cref="WardenFactory"/>
/// or another process, sharing its database. Unlike a factory it shares nothing with the test process — no
/// static state, no clock, no service provider — which is what a real deployment of several nodes looks like.
/// Start it with <see cref="StartAsync"/> or <see cref="StartOnStorageOfAsync(WardenProcess, IReadOnlyDictionary{string, string?}?)"/>;
/// disposing kills it and removes the storage it owns.
/// </summary>
public sealed class WardenProcess : IAsyncDisposable
{
    // Generous: on two cores shared with the rest of the suite a node has been seen to need over 20 s to be ready.
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);

    private readonly ProcessOutput _output = new();
    private readonly bool _ownsStorage;
    private Process? _process;
    private IReadOnlyDictionary<string, string?>? _settings;

    private WardenProcess(string dataDirectory, string? connectionString, Uri? publicBaseUrl, bool ownsStorage)
    {
        DataDirectory = dataDirectory;
        ConnectionString = connectionString;
        _ownsStorage = ownsStorage;
        Port = FreePort.Next();
        BaseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}/"));
        PublicBaseUrl = publicBaseUrl ?? BaseAddress;
    }

    /// <summary>The server's build output; the test build and the server build share a configuration.</summary>
    public static string ServerDll => Path.Combine(
        TestPaths.RepositoryRoot, "src", "Warden.Server", "bin", TestPaths.Configuration, "net10.0", "Warden.Server.dll");

    public int Port { get; }

    /// <summary>Where the node listens, ending in a slash.</summary>
    public Uri BaseAddress { get; }

    /// <summary>
    /// The address people reach the deployment at, and so the issuer of its tokens: its own address for a first
    /// node, the first node's for the others (nodes behind one load balancer share it, or they refuse each other's tokens).
    /// </summary>
    public Uri PublicBaseUrl { get; }

    public string DataDirectory { get; }

    /// <summary>The PostgreSQL database (null for SQLite, whose file is in <see cref="DataDirectory"/>).</summary>
    public string? ConnectionString { get; }

    /// <summary>The emails this node (or any node on the same data directory) wrote.</summary>
    public Mailbox Mailbox => new(Path.Combine(DataDirectory, "mail"));

    /// <summary>From process start to the first 200 from <c>/health/ready</c> (reported, never asserted).</summary>
    public TimeSpan StartTime { get; private set; }

    /// <summary>What the server printed so far, both streams.</summary>
    public string Output => _output.ToString();

    /// <summary>A node on a database and data directory of its own (of the suite's provider), removed when disposed.</summary>
    public static Task<WardenProcess> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("warden-node-").FullName;
        return new WardenProcess(dataDirectory, TestDatabase.Create(), publicBaseUrl: null, ownsStorage: true).RunAsync(settings);
    }

    /// <summary>
    /// Another node of <paramref name="other"/>'s deployment: its database, data directory and public address,
    /// which it leaves in place.
    /// </summary>
    public static Task<WardenProcess> StartOnStorageOfAsync(WardenProcess other, IReadOnlyDictionary<string, string?>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(other);
        return StartOnStorageAsync(other.DataDirectory, other.ConnectionString, other.PublicBaseUrl, settings);
    }

    /// <summary>
    /// Another node on an existing data directory and database, for example a <see cref="KestrelWardenFactory"/>'s
    /// (pass its <see cref="KestrelWardenFactory.BaseAddress"/> as <paramref name="publicBaseUrl"/> so their tokens agree).
    /// </summary>
    public static Task<WardenProcess> StartOnStorageAsync(
        string dataDirectory, string? connectionString, Uri publicBaseUrl, IReadOnlyDictionary<string, string?>? settings = null) =>
        new WardenProcess(dataDirectory, connectionString, publicBaseUrl, ownsStorage: false).RunAsync(settings);

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The process id while the node runs.</summary>
    public int? ProcessId => _process is { HasExited: false } running ? running.Id : null;

    /// <summary>Ends the node with SIGKILL (a crash: nothing is finished, nothing is flushed), keeping its storage.</summary>
    public async Task KillAsync()
    {
        if (_process is not null)
        {
            await ProcessOutput.StopAsync(_process);
            _process.Dispose();
            _process = null;
        }
    }

    /// <summary>Asks the node to shut down with SIGTERM, as an orchestrator does before a rolling restart, and waits for it to exit.</summary>
    public async Task StopGracefullyAsync()
    {
        if (_process is { HasExited: false } running)
        {
            if (SendSignal(running.Id, 15) != 0)
            {
                throw new InvalidOperationException($"kill -TERM {running.Id} failed.");
            }

            await running.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        await KillAsync();
    }

    /// <summary>Starts the node again on the same port, storage and settings, after <see cref="KillAsync"/> or <see cref="StopGracefullyAsync"/>.</summary>
    public Task RestartAsync() =>
        _process is null ? StartAndWaitUntilReadyAsync(_settings) : throw new InvalidOperationException("The node is running.");

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private async Task<WardenProcess> RunAsync(IReadOnlyDictionary<string, string?>? extra)
    {
        _settings = extra;
        try
        {
            await StartAndWaitUntilReadyAsync(extra);
            return this;
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    private async Task StartAndWaitUntilReadyAsync(IReadOnlyDictionary<string, string?>? extra)
    {
        if (!File.Exists(ServerDll))
        {
            throw new InvalidOperationException(
                $"{ServerDll} does not exist; build the solution in {TestPaths.Configuration} first (./test.sh does).");
        }

        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["urls"] = BaseAddress.ToString().TrimEnd('/'),
            ["Warden:DataDirectory"] = DataDirectory,
            ["Warden:PublicBaseUrl"] = PublicBaseUrl.ToString().TrimEnd('/'),
            ["Warden:Database:Provider"] = TestDatabase.ProviderName,
            ["Warden:Database:ConnectionString"] = ConnectionString,
            ["Warden:Bootstrap:AdminEmail"] = WardenFactory.AdminEmail,
            ["Warden:Bootstrap:AdminPassword"] = WardenFactory.AdminPassword,
            // The same allowances as WardenFactory's test servers: one client address for every request, cheap hashing.
            ["Warden:RateLimits:AuthPerIpPerMinute"] = "100000",
            ["Warden:RateLimits:LoginPerIdentifierPerMinute"] = "1000",
            ["Warden:PasswordHashing:Argon2MemoryKiB"] = "64",
            ["Warden:PasswordHashing:Argon2Iterations"] = "1",
            ["Warden:PasswordHashing:Pbkdf2Iterations"] = "1000",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        // `dotnet` itself: the host running these tests when it says so, else the one on PATH.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            // The server reads appsettings.json from its content root, which is the working directory.
            WorkingDirectory = Path.GetDirectoryName(ServerDll)!,
        };
        start.ArgumentList.Add(ServerDll);
        foreach (var (key, value) in settings.Where(s => s.Value is not null))
        {
            // Anything Warden's command line does not know is configuration, as for any ASP.NET Core application.
            start.ArgumentList.Add($"--{key}={value}");
        }

        // Configuration this process inherited must not reach the node: only what is written above counts.
        foreach (var name in start.Environment.Keys.Where(IsConfiguration).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Testing";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";

        var started = Stopwatch.StartNew();
        _process = _output.Start(start);
        await WaitUntilReadyAsync(_process, BaseAddress, _output);
        StartTime = started.Elapsed;
    }

    /// <summary>
    /// Asks <c>/health/ready</c> every 100 ms until it answers 200 (refusals and timed-out requests are asked again),
    /// failing with the server's output when the process exits first or <see cref="ReadyTimeout"/> passes.
    /// </summary>
    public static async Task WaitUntilReadyAsync(Process process, Uri baseAddress, ProcessOutput output)
    {
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(output);
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + ReadyTimeout;
        var last = "no answer yet";
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Warden exited with {process.ExitCode} before it was ready on {baseAddress}:\n{output}");
            }

            try
            {
                using var response = await http.GetAsync("health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                last = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (TaskCanceledException)
            {
                last = "a request to /health/ready timed out";
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"Warden on {baseAddress} was not ready within {ReadyTimeout} (last: {last}):\n{output}");
            }

            await Task.Delay(100);
        }
    }

    private static bool IsConfiguration(string name) =>
        name.StartsWith("Warden__", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("DOTNET_URLS", StringComparison.OrdinalIgnoreCase)
        || name.Equals("HTTP_PORTS", StringComparison.OrdinalIgnoreCase)
        || name.Equals("HTTPS_PORTS", StringComparison.OrdinalIgnoreCase);

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await ProcessOutput.StopAsync(_process);
            _process.Dispose();
            _process = null;
        }

        if (_ownsStorage)
        {
            TestDatabase.Drop(ConnectionString);
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open by the OS; the temp directory is cleaned eventually.
            }
        }
    }
}
