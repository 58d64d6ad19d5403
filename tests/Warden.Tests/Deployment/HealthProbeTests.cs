using Microsoft.Extensions.Configuration;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Tests.Deployment;

/// <summary><c>warden healthcheck</c> asks the server its own settings describe, over loopback, whatever address it listens on.</summary>
public sealed class HealthProbeTests
{
    [Theory]
    [InlineData("urls", "http://+:8080", "http://127.0.0.1:8080/health/live")]
    [InlineData("urls", "http://*:9000;https://*:9443", "http://127.0.0.1:9000/health/live")]
    [InlineData("urls", "http://0.0.0.0:5000/", "http://127.0.0.1:5000/health/live")]
    [InlineData("urls", "http://[::]:5000", "http://[::1]:5000/health/live")]
    [InlineData("urls", "http://localhost:7000", "http://localhost:7000/health/live")]
    [InlineData("http_ports", "8080", "http://127.0.0.1:8080/health/live")]
    [InlineData("http_ports", "8081;8082", "http://127.0.0.1:8081/health/live")]
    [InlineData("nothing", "", "http://localhost:8080/health/live")]
    public void TheProbeAsksTheLiveEndpointOfTheConfiguredPort(string key, string value, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(key, value)]).Build();
        Assert.Equal(new Uri(expected), HealthProbe.LiveUri(configuration));
    }
}
