using System.CommandLine;
using System.Text.RegularExpressions;
using Warden.Server;
using Warden.Tests.Fixtures;

namespace Warden.Tests.Deployment;

/// <summary>
/// No image can be built here (no Docker daemon), so the Dockerfile's shape is checked as text: what the
/// documentation promises about the image must be in it. <see cref="PublishedOutputTests"/> runs its output.
/// </summary>
[SqliteOnly]
public sealed partial class DockerfileTests
{
    /// <summary>The Dockerfile's instructions, line continuations joined, comments dropped.</summary>
    internal static IReadOnlyList<(string Instruction, string Arguments)> Instructions() =>
        [.. Regex.Replace(DeployFiles.Read("Dockerfile"), @"\\\r?\n", " ")
            .Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(' ', 2) is var parts ? (parts[0].ToUpperInvariant(), parts.Length > 1 ? parts[1].Trim() : "") : default)];

    /// <summary>The runtime stage's ENV, as name and value (both <c>ENV A=1 B=2</c> and <c>ENV A 1</c> forms).</summary>
    internal static IReadOnlyDictionary<string, string> ImageEnvironment()
    {
        var runtime = Instructions().SkipWhile(i => !(i.Instruction == "FROM" && i.Arguments.EndsWith("AS runtime", StringComparison.Ordinal)));
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (_, arguments) in runtime.Where(i => i.Instruction == "ENV"))
        {
            foreach (Match pair in EnvPair().Matches(arguments))
            {
                environment[pair.Groups[1].Value] = pair.Groups[2].Value;
            }
        }

        return environment;
    }

    [Fact]
    public void ItBuildsInOneStageAndRunsInAnotherFromPinnedImages()
    {
        var from = Instructions().Where(i => i.Instruction == "FROM").Select(i => i.Arguments).ToList();
        Assert.True(from.Count >= 2, "multi-stage: a build stage and a runtime stage");
        Assert.EndsWith("AS runtime", from[^1], StringComparison.Ordinal);
        foreach (var image in from.Select(f => f.Split(' ')[0]))
        {
            Assert.Matches(@"^[a-z0-9./-]+:\d+\.\d+\.\d+[a-z0-9.-]*$", image); // a version tag, never latest or a floating major
        }

        var publish = Instructions().Single(i => i.Instruction == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal)).Arguments;
        Assert.Contains("-p:PublishReadyToRun=true", publish, StringComparison.Ordinal);
        Assert.Contains("-c Release", publish, StringComparison.Ordinal);
        // ReadyToRun needs the runtime identifier (and its crossgen pack) at restore as well.
        var restore = Instructions().Single(i => i.Instruction == "RUN" && i.Arguments.Contains("dotnet restore", StringComparison.Ordinal)).Arguments;
        Assert.Contains("-p:PublishReadyToRun=true", restore, StringComparison.Ordinal);
        Assert.Contains("-r ", restore, StringComparison.Ordinal);
    }

    [Fact]
    public void ItRunsAsANonRootUserWithOnlyDataWritable()
    {
        var runtime = Instructions().SkipWhile(i => !(i.Instruction == "FROM" && i.Arguments.EndsWith("AS runtime", StringComparison.Ordinal))).ToList();
        var user = runtime.Last(i => i.Instruction == "USER").Arguments.Split(':')[0];
        Assert.DoesNotContain(user, new[] { "root", "0" });
        Assert.Equal("/app", runtime.Last(i => i.Instruction == "WORKDIR").Arguments);
        // The application files stay root's; only /data is handed to the user.
        Assert.Contains(runtime, i => i.Instruction == "COPY" && i.Arguments.Contains("--chown=root:root", StringComparison.Ordinal) && i.Arguments.EndsWith("./", StringComparison.Ordinal));
        Assert.Contains(runtime, i => i.Instruction == "COPY" && i.Arguments.Contains($"--chown={user}", StringComparison.Ordinal) && i.Arguments.EndsWith(" /data", StringComparison.Ordinal));
        Assert.Contains(runtime, i => i.Instruction == "VOLUME" && i.Arguments.Contains("\"/data\"", StringComparison.Ordinal));
        Assert.Equal("/data", ImageEnvironment()["Warden__DataDirectory"]);
    }

    [Fact]
    public void ItsHealthCheckIsTheBinarysOwnProbeOfTheLiveEndpoint()
    {
        var healthcheck = Instructions().Single(i => i.Instruction == "HEALTHCHECK").Arguments;
        Assert.Contains("CMD [\"/app/Warden.Server\", \"healthcheck\"]", healthcheck, StringComparison.Ordinal);
        Assert.Contains(WardenCommandLine.Build().Subcommands, c => c.Name == "healthcheck");
        var port = ImageEnvironment()["ASPNETCORE_HTTP_PORTS"];
        Assert.Contains(Instructions(), i => i.Instruction == "EXPOSE" && i.Arguments == port);
        Assert.Contains(Instructions(), i => i.Instruction == "ENTRYPOINT" && i.Arguments == "[\"/app/Warden.Server\"]");
    }

    [Fact]
    public void EveryVariableTheImageSetsIsDocumented()
    {
        var documented = DeployFiles.DocumentedKeys();
        var operations = DeployFiles.Read("docs/operations.md");
        foreach (var (name, value) in ImageEnvironment())
        {
            if (name.StartsWith("Warden__", StringComparison.Ordinal))
            {
                Assert.True(documented.Contains(DeployFiles.WithoutIndex(name)), $"{name} is not a key of docs/configuration.md");
            }

            // The image's defaults are listed where operators read about the image.
            Assert.Contains($"`{name}={value}`", operations, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TheBuildContextLeavesOutBuildOutputDataAndKeys()
    {
        var ignored = DeployFiles.Read(".dockerignore").Split('\n').Select(l => l.Trim()).ToHashSet();
        Assert.Superset(new HashSet<string> { "**/bin/", "**/obj/", "**/data/", "**/*.db", "**/*.key", ".git/", "tests/" }, ignored);
    }

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_]*)=(\S+)")]
    private static partial Regex EnvPair();
}
