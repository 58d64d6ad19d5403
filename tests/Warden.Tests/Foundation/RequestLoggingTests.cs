using System.Collections.Concurrent;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Warden.Tests.Infrastructure;
using Warden.Tests.Fixtures;

namespace Warden.Tests.Foundation;

/// <summary>
/// The gateway's request log (Warden:RequestLogging), off by default: when on, it shows what was asked and how it
/// went, and never a credential, a token, a cookie or a code, wherever in the request it travelled.
/// </summary>
[SqliteOnly]
public sealed class RequestLoggingTests
{
    private const string Secret = "Sup3r-Secret-Value-4711";

    [Fact]
    public async Task TheRequestIsLoggedAndItsSecretsAreNot()
    {
        await using var factory = new CapturingFactory();
        factory.With("Warden:RequestLogging:Enabled", "true").With("Warden:RequestLogging:RequestBodies", "true");
        var client = factory.CreateClient();

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/auth/login?token={Secret}&code={Secret}&lang=en")
        {
            Content = JsonContent.Create(new
            {
                email = "logged@example.com",
                password = Secret,
                code = Secret,
                nested = new { refreshToken = Secret, recoveryCode = Secret, newPassword = Secret },
            }),
        };
        request.Headers.Authorization = new("Bearer", Secret);
        request.Headers.Add("Cookie", $"warden_session={Secret}");
        request.Headers.Add("X-Api-Key", Secret);
        await client.SendAsync(request);

        await Eventually.TrueAsync(() => factory.Log.Text.Contains("/api/v1/auth/login", StringComparison.Ordinal), "the request line in the log");
        var log = factory.Log.Text;
        Assert.Contains("POST", log, StringComparison.Ordinal);
        Assert.Contains("lang=en", log, StringComparison.Ordinal);
        Assert.Contains("logged@example.com", log, StringComparison.Ordinal); // the body is there, redacted
        Assert.DoesNotContain(Secret, log, StringComparison.Ordinal);
        Assert.DoesNotContain(Uri.EscapeDataString(Secret), log, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"password":"S3cret","email":"a@b.c"}""", """{"password":"[Redacted]","email":"a@b.c"}""")]
    [InlineData("""{"code": 123456, "rememberMe": true}""", """{"code": "[Redacted]", "rememberMe": true}""")]
    [InlineData("""{"recoveryCodes":["aaaa-bbbb","cccc-dddd"]}""", """{"recoveryCodes":"[Redacted]"}""")]
    [InlineData("""{"items":[{"client_secret":"x\"y"}],"name":"n"}""", """{"items":[{"client_secret":"[Redacted]"}],"name":"n"}""")]
    [InlineData("""{"credential":{"id":"abc","signature":"sig"}}""", """{"credential":{"id":"abc","signature":"[Redacted]"}}""")]
    [InlineData("{\"email\":\"a@b.c\",\"newPassword\":\"cut-off-in-the-mid", "{\"email\":\"a@b.c\",\"newPassword\":\"[Redacted]\"")]
    public void JsonBodiesAreRedactedByFieldName(string body, string logged) =>
        Assert.Equal(logged, Warden.Server.Infrastructure.Http.RedactingHttpLoggingInterceptor.RedactJson(body));

    [Fact]
    public async Task NothingIsLoggedByDefault()
    {
        await using var factory = new CapturingFactory();
        await factory.CreateClient().GetAsync("/health/live?token=" + Secret);
        Assert.DoesNotContain("/health/live", factory.Log.Text, StringComparison.Ordinal);
    }

    private sealed class CapturingFactory : WardenFactory
    {
        public CapturedLog Log { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(Log));
        }
    }

    /// <summary>Every message and scope value written, as text, the way a log shipper would keep it.</summary>
    internal sealed class CapturedLog : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public string Text => string.Join('\n', _lines);

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturedLog log, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
                log._lines.Enqueue($"{category}: {formatter(state, exception)} {values} {exception}");
            }
        }
    }
}
