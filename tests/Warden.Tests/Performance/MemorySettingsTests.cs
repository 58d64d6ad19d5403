using System.Runtime.Versioning;
using System.Text.Json;
using Warden.Server.Infrastructure.Security;
using Warden.Tests.Fixtures;

namespace Warden.Tests.Performance;

/// <summary>
/// The memory settings chosen by measurement (issue 25, bench/RESULTS.md "Memory") are the ones the server runs with:
/// workstation GC in the runtimeconfig the build and the publish write, and the memory of a burst of hashes given back after it.
/// </summary>
[SqliteOnly]
public sealed class MemorySettingsTests
{
    [Fact]
    public void TheServerRunsWithWorkstationGarbageCollection()
    {
        var path = Path.Combine(TestPaths.RepositoryRoot, "src", "Warden.Server", "bin", TestPaths.Configuration, "net10.0", "Warden.Server.runtimeconfig.json");
        using var config = JsonDocument.Parse(File.ReadAllText(path));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.TryGetProperty("System.GC.Server", out var server), "the runtimeconfig names the GC mode");
        Assert.False(server.GetBoolean());
    }

    [Fact]
    [SupportedOSPlatform("linux")]
    public void OnLinuxTheMemoryOfABurstOfHashesIsGivenBackAfterIt()
    {
        Assert.True(HashMemory.Configure()); // glibc's malloc_trim found
        HashMemory.HashFinished(); // schedules the trim; must not throw
    }
}
