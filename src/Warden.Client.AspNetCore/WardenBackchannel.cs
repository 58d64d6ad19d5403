using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Warden.Client.AspNetCore;

/// <summary>
/// The one connection to Warden for introspection and tokens: a long-lived client over a pooled handler (or the
/// configured <see cref="WardenAuthenticationOptions.BackchannelHandler"/>), so sockets are reused and DNS changes
/// are picked up.
/// </summary>
internal sealed class WardenBackchannel(IOptions<WardenAuthenticationOptions> options) : IDisposable
{
    private readonly HttpMessageHandler _handler = options.Value.BackchannelHandler is { } configured
        ? new NonDisposingHandler(configured)
        : new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };

    private HttpClient? _client;

    public HttpClient Client => _client ??= new HttpClient(_handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>A handler for an <see cref="IHttpClientFactory"/> client: it shares the connection pool and never disposes it.</summary>
    public HttpMessageHandler CreateHandler() => new NonDisposingHandler(_handler);

    public static Uri Base(WardenAuthenticationOptions options) => new(options.Authority!.TrimEnd('/') + "/");

    public void Dispose()
    {
        _client?.Dispose();
        if (_handler is not NonDisposingHandler)
        {
            _handler.Dispose();
        }
    }
}

/// <summary>Passes requests on and leaves its inner handler alone when disposed (the inner one is shared).</summary>
internal sealed class NonDisposingHandler(HttpMessageHandler inner) : HttpMessageHandler
{
    private readonly HttpMessageInvoker _inner = new(inner, disposeHandler: false);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _inner.SendAsync(request, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose(); // does not dispose the shared handler (disposeHandler: false)
        }

        base.Dispose(disposing);
    }
}

/// <summary>Warden's endpoints as its discovery document names them (read through JwtBearer's configuration manager, so one fetch serves both).</summary>
internal sealed class WardenMetadata(IOptionsMonitor<JwtBearerOptions> jwt)
{
    public async Task<OpenIdConnectConfiguration> GetAsync(CancellationToken cancellationToken)
    {
        var manager = jwt.Get(JwtBearerDefaults.AuthenticationScheme).ConfigurationManager
            ?? throw new InvalidOperationException("JwtBearer has no configuration manager: is Warden:Authority set?");
        return await manager.GetConfigurationAsync(cancellationToken);
    }
}
