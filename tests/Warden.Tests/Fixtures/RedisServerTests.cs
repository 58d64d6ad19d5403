using Xunit.Abstractions;

namespace Warden.Tests.Fixtures;

[SqliteOnly]
public sealed class RedisServerTests(RedisServer redis, ITestOutputHelper output) : IClassFixture<RedisServer>
{
    [Fact]
    public async Task APrivateRedisAnswersPingOnItsLoopbackPort()
    {
        output.WriteLine($"redis-server on {redis.ConnectionString}: answered PING after {redis.StartTime.TotalMilliseconds:F0} ms");

        Assert.StartsWith("127.0.0.1:", redis.ConnectionString, StringComparison.Ordinal);
        Assert.Equal("PONG", await redis.SendAsync("PING"));
    }

    [Fact]
    public async Task TheServerStoresValuesButNeverWritesThemToDisk()
    {
        Assert.Equal("OK", await redis.SendAsync("SET", "fixture", "value"));

        Assert.Equal("value", await redis.SendAsync("GET", "fixture"));
        Assert.Equal("save\n", await redis.SendAsync("CONFIG", "GET", "save"));
        Assert.Equal("appendonly\nno", await redis.SendAsync("CONFIG", "GET", "appendonly"));
    }
}
