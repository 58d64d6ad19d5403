using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.Versioning;
using System.Text.Json;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Deployment;

/// <summary>
/// The publish output run the way the image runs it (no Docker here): the Dockerfile's environment, its working
/// directory, the apphost as entry point, as an unprivileged user (<c>nobody</c> through <c>setpriv</c> when the
/// suite runs as root), with the application folder read-only and only a data and a temporary folder writable.
/// ReadyToRun is left out here (a minute of compiling on two cores); <see cref="DockerfileTests"/> checks the image asks for it.
/// </summary>
[SqliteOnly]
[SupportedOSPlatform("linux")]
public sealed class PublishedOutputTests : IAsyncLifetime
{
    private const int Nobody = 65534;
    private readonly string _root = Directory.CreateTempSubdirectory("warden-image-").FullName;
    private readonly ProcessOutput _output = new();
    private Process? _server;

    private string App => Path.Combine(_root, "app");

    private string Data => Path.Combine(_root, "data");

    private string Tmp => Path.Combine(_root, "tmp");

    private static bool IsRoot => Environment.UserName == "root";

    // `dotnet` itself: the host running these tests when it says so, else the one on PATH (as WardenProcess).
    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host
        ? host
        : Path.Combine(Environment.GetEnvironmentVariable("PATH")!.Split(':').FirstOrDefault(d => File.Exists(Path.Combine(d, "dotnet"))) ?? "/usr/share/dotnet", "dotnet");

    public Task InitializeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ThePublishOutputServesSignsInAndProbesItselfAsTheImageWould()
    {
        var published = DeployFiles.Run(Dotnet, "publish", "src/Warden.Server/Warden.Server.csproj", "-c", TestPaths.Configuration,
            "--no-build", "-nologo", "-v", "quiet", "-o", App);
        Assert.True(published.ExitCode == 0, published.Output);
        Assert.True(File.Exists(Path.Combine(App, "Warden.Server")), "the apphost the image's ENTRYPOINT names");
        Directory.CreateDirectory(Data);
        Directory.CreateDirectory(Tmp);
        LockDown();

        var port = FreePort.Next();
        var environment = ImageEnvironment(port);
        var started = DateTime.UtcNow;
        _server = _output.Start(Command(environment, "serve"));
        var address = new Uri($"http://127.0.0.1:{port}/");
        await WardenProcess.WaitUntilReadyAsync(_server, address, _output);
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("health/live")).StatusCode);
        var login = await http.PostAsJsonAsync("api/v1/auth/login", new { email = WardenFactory.AdminEmail, password = WardenFactory.AdminPassword });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.False(string.IsNullOrEmpty((await login.ReadJsonAsync()).GetProperty("accessToken").GetString()));

        // The image's HEALTHCHECK: the binary probes the server its environment describes.
        Assert.Equal(0, await RunToEndAsync(Command(environment, "healthcheck")));

        // JSON logs, each request's lines carrying the trace id that leads to its spans.
        await Eventually.TrueAsync(() => LogLines().Any(HasTraceId), "a request's log line carries its TraceId", otherwise: () => _output.ToString());

        // Only the data folder was written: the database and the generated key-encryption key are there.
        Assert.True(File.Exists(Path.Combine(Data, "warden.db")));
        Assert.True(File.Exists(Path.Combine(Data, "keys", "data-protection.key")));
        if (IsRoot)
        {
            Assert.Empty(WrittenByNobodyElsewhere(started));
        }

        await ProcessOutput.StopAsync(_server);
        Assert.Equal(1, await RunToEndAsync(Command(environment, "healthcheck"))); // and the probe fails once it is gone

        // Started again on its existing database, as a restarted container, it loads no assembly of what this
        // deployment does not use: PostgreSQL's provider, the message broker's client, Redis (bench/RESULTS.md,
        // "What ships, measured": EF Core's migrations scan and the Redis checks loaded them all on SQLite).
        _server.Dispose();
        _server = _output.Start(Command(environment, "serve"));
        await WardenProcess.WaitUntilReadyAsync(_server, address, _output);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("api/v1/auth/login",
            new { email = WardenFactory.AdminEmail, password = WardenFactory.AdminPassword })).StatusCode);
        Assert.Empty(MappedAssemblies(_server.Id).Intersect(["Npgsql.dll", "RabbitMQ.Client.dll", "StackExchange.Redis.dll"]));
    }

    /// <summary>The file names of the assemblies the process has mapped (the runtime maps each one it loads).</summary>
    private static HashSet<string> MappedAssemblies(int pid) =>
        [.. File.ReadLines($"/proc/{pid}/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 6 && f[5].EndsWith(".dll", StringComparison.Ordinal)).Select(f => Path.GetFileName(f[5]))];

    /// <summary>The Dockerfile's ENV with /data and /tmp moved to this test's folders, and the settings a deployment adds.</summary>
    private Dictionary<string, string> ImageEnvironment(int port)
    {
        var environment = DockerfileTests.ImageEnvironment().ToDictionary(
            e => e.Key, e => e.Value == "/data" ? Data : e.Value == "/tmp" ? Tmp : e.Value, StringComparer.Ordinal);
        environment["ASPNETCORE_HTTP_PORTS"] = port.ToString(CultureInfo.InvariantCulture);
        environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        // The runtime's folder (the image has it at /usr/share/dotnet), through any /usr/bin/dotnet link.
        environment["DOTNET_ROOT"] = Path.GetDirectoryName(new FileInfo(Dotnet).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(Dotnet))!;
        environment["HOME"] = "/nonexistent"; // nothing may need a home folder: the image's user has none writable
        environment["Warden__Bootstrap__AdminEmail"] = WardenFactory.AdminEmail;
        environment["Warden__Bootstrap__AdminPassword"] = WardenFactory.AdminPassword;
        environment["Warden__PublicBaseUrl"] = $"http://127.0.0.1:{port}";
        // Request lines, so a log line inside a request is there to carry the trace id.
        environment["Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information";
        return environment;
    }

    private ProcessStartInfo Command(Dictionary<string, string> environment, string verb)
    {
        var apphost = Path.Combine(App, "Warden.Server");
        var start = IsRoot ? new ProcessStartInfo("setpriv") : new ProcessStartInfo(apphost);
        if (IsRoot)
        {
            foreach (var argument in new[] { $"--reuid={Nobody}", $"--regid={Nobody}", "--clear-groups", "--", apphost })
            {
                start.ArgumentList.Add(argument);
            }
        }

        start.ArgumentList.Add(verb);
        start.WorkingDirectory = App;
        start.Environment.Clear();
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return start;
    }

    /// <summary>
    /// The root filesystem made read-only for the server: the application folder nobody may write (as root the server
    /// runs as nobody, whom the folders' owner and mode shut out), the data and temporary folders its own.
    /// </summary>
    private void LockDown()
    {
        foreach (var directory in Directory.EnumerateDirectories(App, "*", SearchOption.AllDirectories).Append(App).Append(_root))
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead
                | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        foreach (var file in Directory.EnumerateFiles(App, "*", SearchOption.AllDirectories))
        {
            var mode = File.GetUnixFileMode(file) & ~(UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite);
            File.SetUnixFileMode(file, mode | UnixFileMode.OtherRead | UnixFileMode.GroupRead | UnixFileMode.UserRead);
        }

        foreach (var writable in new[] { Data, Tmp })
        {
            File.SetUnixFileMode(writable, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            if (IsRoot)
            {
                Assert.Equal(0, DeployFiles.Run("chown", $"{Nobody}:{Nobody}", writable).ExitCode);
            }
        }
    }

    /// <summary>Files the server's user created in the shared temporary folders instead of its own (there is no other place it could write).</summary>
    private static List<string> WrittenByNobodyElsewhere(DateTime since)
    {
        var found = DeployFiles.Run("find", "/tmp", "/var/tmp", "/dev/shm", "-xdev", "-maxdepth", "2", "-user", Nobody.ToString(CultureInfo.InvariantCulture),
            "-newermt", since.AddSeconds(-1).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC");
        return [.. found.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("find:", StringComparison.Ordinal) && !p.StartsWith(_rootPrefix, StringComparison.Ordinal))];
    }

    private static readonly string _rootPrefix = Path.Combine(Path.GetTempPath(), "warden-image-");

    private IEnumerable<JsonElement> LogLines()
    {
        foreach (var line in _output.ToString().Split('\n'))
        {
            JsonElement parsed;
            try
            {
                parsed = JsonDocument.Parse(line).RootElement.Clone();
            }
            catch (JsonException)
            {
                continue;
            }

            yield return parsed;
        }
    }

    private static bool HasTraceId(JsonElement line) =>
        line.TryGetProperty("Scopes", out var scopes) && scopes.EnumerateArray().Any(s =>
            s.ValueKind == JsonValueKind.Object && s.TryGetProperty("TraceId", out var id) && id.GetString() is { Length: 32 });

    private static async Task<int> RunToEndAsync(ProcessStartInfo start)
    {
        var output = new ProcessOutput();
        using var process = output.Start(start);
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return process.ExitCode;
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await ProcessOutput.StopAsync(_server);
            _server.Dispose();
        }

        Directory.Delete(_root, recursive: true);
    }
}
