using System.Text.Json;
using Microsoft.Playwright;

namespace Warden.Tests.Fixtures;

public sealed record AxeViolation(string Id, string Impact, string Help, string HelpUrl, IReadOnlyList<string> Targets)
{
    public override string ToString() => $"{Id} ({Impact}): {Help} at {string.Join(", ", Targets)} — {HelpUrl}";
}

/// <summary>
/// axe-core (from <c>tests/node_modules</c>, installed by <c>npm ci --prefix tests</c>) run inside a page:
/// the accessibility rules a person using a screen reader or a keyboard depends on.
/// </summary>
public static class Axe
{
    private static readonly Lazy<string> Source = new(() =>
    {
        var path = Path.Combine(TestPaths.NodeModules, "axe-core", "axe.min.js");
        return File.Exists(path)
            ? File.ReadAllText(path)
            : throw new InvalidOperationException($"{path} is missing; run 'npm ci --prefix tests' (./test.sh does).");
    });

    // Projected inside the page so that only plain data crosses to .NET.
    private const string RunScript = """
        async () => {
          const results = await axe.run(document, { resultTypes: ['violations'] });
          return results.violations.map(v => ({
            id: v.id,
            impact: v.impact ?? 'unknown',
            help: v.help,
            helpUrl: v.helpUrl,
            targets: v.nodes.map(n => n.target.join(' ')),
          }));
        }
        """;

    /// <summary>The violations on the page as it is now.</summary>
    public static async Task<IReadOnlyList<AxeViolation>> RunAsync(IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        // Evaluated through the DevTools protocol rather than added as a script tag, so that a page's
        // Content-Security-Policy, which should forbid inline scripts, cannot block the checker.
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
        {
            await page.EvaluateAsync(Source.Value);
        }

        var found = await page.EvaluateAsync<JsonElement>(RunScript);
        return [.. found.EnumerateArray().Select(v => new AxeViolation(
            v.GetProperty("id").GetString()!,
            v.GetProperty("impact").GetString()!,
            v.GetProperty("help").GetString()!,
            v.GetProperty("helpUrl").GetString()!,
            [.. v.GetProperty("targets").EnumerateArray().Select(t => t.GetString()!)]))];
    }

    /// <summary>Fails with every violation listed when the page has any.</summary>
    public static async Task AssertNoViolationsAsync(IPage page)
    {
        var violations = await RunAsync(page);
        Assert.True(violations.Count == 0,
            $"axe found {violations.Count} accessibility violation(s) on {page.Url}:\n  " + string.Join("\n  ", violations));
    }
}
