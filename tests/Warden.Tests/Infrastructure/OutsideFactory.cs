using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Warden.Tests.Infrastructure;

/// <summary>
/// A server whose requests come from a client address (the in-memory transport has none): the default
/// <see cref="DefaultClientIp"/>, or the one a test names in <see cref="ClientIpHeader"/>. Background loops poll
/// often, so retries become visible soon after a test moves the clock.
/// </summary>
public class OutsideFactory : WardenFactory
{
    public const string ClientIpHeader = "X-Test-Client-Ip";
    public const string DefaultClientIp = "203.0.113.7";

    protected override void Configure(IDictionary<string, string?> settings)
    {
        settings["Warden:Outbox:PollInterval"] = "00:00:00.200";
        settings["Warden:Webhooks:PollInterval"] = "00:00:00.100";
        settings["Warden:Webhooks:RequireHttps"] = "false";
        settings["Warden:Network:AllowPrivateTargets"] = "true"; // the test receiver listens on 127.0.0.1
        settings["Warden:Metrics:GaugeRefreshInterval"] = "00:00:00";
        settings["Warden:Passwords:MaxAge"] = "0"; // tests here move the clock by months; expiry is tested elsewhere
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, ClientAddressFilter>());
    }

    private sealed class ClientAddressFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, following) =>
            {
                var named = context.Request.Headers[ClientIpHeader].ToString();
                context.Connection.RemoteIpAddress = IPAddress.Parse(named.Length > 0 ? named : DefaultClientIp);
                return following(context);
            });
            next(app);
        };
    }
}
