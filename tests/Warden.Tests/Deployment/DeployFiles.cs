using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Warden.Tests.Fixtures;

namespace Warden.Tests.Deployment;

/// <summary>The deployment files (Dockerfile, compose, Kubernetes, Grafana, Prometheus) and the documentation they must agree with.</summary>
public static partial class DeployFiles
{
    public static string PathOf(string relative) => Path.Combine(TestPaths.RepositoryRoot, relative);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    /// <summary>
    /// Every configuration key docs/configuration.md documents, in the environment spelling
    /// (<c>Warden__Redis__Configuration</c>); lists (<c>__0..n</c>) without their index, and the shorthand
    /// "<c>`Warden__Bootstrap__AdminEmail` / `AdminPassword`</c>" as both keys.
    /// </summary>
    public static IReadOnlySet<string> DocumentedKeys()
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match match in DocumentedKey().Matches(Read("docs/configuration.md")))
        {
            var key = match.Groups["key"].Value;
            keys.Add(key);
            if (match.Groups["sibling"].Success)
            {
                keys.Add(key[..(key.LastIndexOf("__", StringComparison.Ordinal) + 2)] + match.Groups["sibling"].Value);
            }
        }

        return keys;
    }

    /// <summary>An environment variable's configuration key as documented: list indexes dropped.</summary>
    public static string WithoutIndex(string name) => TrailingIndex().Replace(name, "");

    /// <summary>Every document of a YAML file as JSON, parsed by Debian's python3-yaml (test.sh installs it).</summary>
    public static IReadOnlyList<JsonElement> Yaml(string relative)
    {
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("import json, sys, yaml; json.dump([d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None], sys.stdout)");
        start.ArgumentList.Add(PathOf(relative));
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{relative} is not valid YAML (python3 -c 'import yaml'):\n{error}");
        return [.. JsonDocument.Parse(output).RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    /// <summary>Runs a command to its end: exit code and both streams.</summary>
    public static (int ExitCode, string Output) Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestPaths.RepositoryRoot };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr);
    }

    /// <summary>Every string value anywhere inside <paramref name="element"/>, depth first.</summary>
    public static IEnumerable<JsonElement> Descendants(JsonElement element)
    {
        yield return element;
        var children = element.ValueKind switch
        {
            JsonValueKind.Object => element.EnumerateObject().Select(p => p.Value),
            JsonValueKind.Array => element.EnumerateArray(),
            _ => [],
        };
        foreach (var child in children)
        {
            foreach (var descendant in Descendants(child))
            {
                yield return descendant;
            }
        }
    }

    [GeneratedRegex(@"`(?<key>Warden(?:__[A-Za-z][A-Za-z0-9]*)+)(?:__0\.\.n)?`(?:\s*/\s*`(?<sibling>[A-Za-z][A-Za-z0-9]*)`)?")]
    private static partial Regex DocumentedKey();

    [GeneratedRegex(@"__\d+$")]
    private static partial Regex TrailingIndex();
}
