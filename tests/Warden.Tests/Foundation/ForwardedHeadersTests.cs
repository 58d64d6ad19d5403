using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Tests.Infrastructure;
using Warden.Tests.Fixtures;

namespace Warden.Tests.Foundation;

/// <summary>
/// X-Forwarded-For decides the client IP (rate limits, sessions, audit) only when the request comes from a
/// configured trusted proxy; from anyone else it is a lie told to dodge limits.
/// </summary>
[SqliteOnly]
public sealed class ForwardedHeadersTests
{
    private sealed class ProxiedFactory(string? trusted) : WardenFactory
    {
        protected override void Configure(IDictionary<string, string?> settings)
        {
            if (trusted is not null)
            {
                settings["Warden:Network:TrustedProxies:0"] = trusted;
            }
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            // The test server has no socket; every request seems to arrive from 10.1.2.3, the "proxy".
            builder.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new FromAddress()));
        }

        private sealed class FromAddress : IStartupFilter
        {
            public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
            {
                app.Use((context, nextMiddleware) =>
                {
                    context.Connection.RemoteIpAddress = IPAddress.Parse("10.1.2.3");
                    return nextMiddleware(context);
                });
                next(app);
            };
        }
    }

    [Theory]
    [InlineData("10.1.2.3", "203.0.113.7")]
    [InlineData("10.0.0.0/8", "203.0.113.7")]
    [InlineData(null, "10.1.2.3")]
    [InlineData("192.168.0.1", "10.1.2.3")]
    public async Task TheClientAddressComesFromForwardedHeadersOnlyThroughATrustedProxy(string? trusted, string expected)
    {
        using var factory = new ProxiedFactory(trusted);
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.7");
        var (_, tokens) = await factory.SignedInUserAsync(client);

        await factory.InDbAsync(async db =>
        {
            var userId = tokens.User.GetProperty("id").GetGuid();
            Assert.Equal(expected, await db.Sessions.Where(s => s.UserId == userId).Select(s => s.IpAddress).SingleAsync());
        });
    }
}
