using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Warden.Tests.Fixtures;

namespace Warden.Tests.Documentation;

/// <summary>
/// Every relative link in README.md and docs/*.md leads to a file of the repository, and every
/// <c>#anchor</c> to a heading of that file (GitHub's slugs); and nothing in the repository points outside it.
/// </summary>
[SqliteOnly]
public sealed partial class LinkTests
{
    // Split so that this file does not name what it forbids.
    private static readonly string[] OutsideReferences = [string.Concat("..", "/shared"), string.Concat("..", "\\shared")];

    [Fact]
    public void EveryRelativeLinkOfTheDocumentationLeadsToAFileAndHeadingOfTheRepository()
    {
        var broken = RepositoryFiles.Documentation().SelectMany(BrokenLinks).ToList();

        Assert.True(broken.Count == 0, $"Broken links:\n  {string.Join("\n  ", broken)}");
    }

    [Fact]
    public void NoFileOfTheRepositoryRefersToFilesOutsideIt()
    {
        var offenders = new List<string>();
        foreach (var file in RepositoryFiles.TextFiles())
        {
            var lines = File.ReadAllLines(RepositoryFiles.PathOf(file));
            for (var i = 0; i < lines.Length; i++)
            {
                if (OutsideReferences.Any(reference => lines[i].Contains(reference, StringComparison.Ordinal)))
                {
                    offenders.Add($"{file}:{i + 1}: {lines[i].Trim()}");
                }
            }
        }

        Assert.True(offenders.Count == 0, $"Files referring outside the repository:\n  {string.Join("\n  ", offenders)}");
    }

    [Theory]
    [InlineData("Run it, test it", "run-it-test-it")]
    [InlineData("`POST /api/v1/auth/login`", "post-apiv1authlogin")]
    [InlineData("Sign-up, sign-in & sessions", "sign-up-sign-in--sessions")]
    [InlineData("Événements (events)", "événements-events")]
    [InlineData("GET /api/v1/users/{id}/profile", "get-apiv1usersidprofile")]
    public void HeadingsBecomeAnchorsByGitHubsRules(string heading, string anchor) => Assert.Equal(anchor, Slug(heading));

    [Fact]
    public void ABrokenLinkOrAnchorIsFound()
    {
        var markdown = "# Title\n\n[ok](#title) [missing anchor](#nowhere) [missing file](no-such-file.md)\n```\n[in code](ignored.md)\n```\n`[in a span](ignored.md)`\n";

        var links = Links(markdown).Select(link => link.Target).ToList();

        Assert.Equal(["#title", "#nowhere", "no-such-file.md"], links);
        Assert.Contains("title", Anchors(markdown));
        Assert.DoesNotContain("nowhere", Anchors(markdown));
    }

    private static IEnumerable<string> BrokenLinks(string file)
    {
        var text = File.ReadAllText(RepositoryFiles.PathOf(file));
        foreach (var (line, target) in Links(text))
        {
            if (Uri.TryCreate(target, UriKind.Absolute, out var absolute) && absolute.Scheme.Length > 1)
            {
                continue; // https:, mailto: ... are not checked here
            }

            var hash = target.IndexOf('#', StringComparison.Ordinal);
            var pathPart = Uri.UnescapeDataString(hash < 0 ? target : target[..hash]);
            var anchor = hash < 0 ? null : target[(hash + 1)..];
            var resolved = pathPart.Length == 0
                ? file
                : Path.GetRelativePath(RepositoryFiles.Root, Path.GetFullPath(Path.Combine(Path.GetDirectoryName(RepositoryFiles.PathOf(file))!, pathPart)))
                    .Replace(Path.DirectorySeparatorChar, '/');

            var full = RepositoryFiles.PathOf(resolved);
            if (resolved.StartsWith("..", StringComparison.Ordinal))
            {
                yield return $"{file}:{line}: {target} leaves the repository";
            }
            else if (!File.Exists(full) && !Directory.Exists(full))
            {
                yield return $"{file}:{line}: {target} ({resolved} does not exist)";
            }
            else if (anchor is not null && (!File.Exists(full) || !Anchors(File.ReadAllText(full)).Contains(anchor)))
            {
                yield return $"{file}:{line}: {target} (no heading #{anchor} in {resolved})";
            }
        }
    }

    /// <summary>Inline links and images, and reference definitions, outside fenced code and code spans.</summary>
    private static IEnumerable<(int Line, string Target)> Links(string markdown)
    {
        var inFence = false;
        var lines = markdown.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                continue;
            }

            if (inFence)
            {
                continue;
            }

            var prose = CodeSpan().Replace(line, string.Empty);
            foreach (Match match in InlineLink().Matches(prose))
            {
                yield return (i + 1, match.Groups["target"].Value);
            }

            if (ReferenceDefinition().Match(prose) is { Success: true } definition)
            {
                yield return (i + 1, definition.Groups["target"].Value);
            }
        }
    }

    private static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var inFence = false;
        foreach (var line in markdown.Split('\n'))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
            }
            else if (!inFence && Heading().Match(line) is { Success: true } heading)
            {
                var slug = Slug(heading.Groups["text"].Value);
                var count = seen.GetValueOrDefault(slug);
                seen[slug] = count + 1;
                anchors.Add(count == 0 ? slug : $"{slug}-{count}");
            }
        }

        return anchors;
    }

    /// <summary>GitHub's rule: lower case; letters, digits, spaces, hyphens and underscores kept, spaces become hyphens.</summary>
    private static string Slug(string heading)
    {
        var text = InlineLinkText().Replace(heading.Trim(), "${text}");
        var slug = new StringBuilder();
        foreach (var c in text.ToLower(CultureInfo.InvariantCulture))
        {
            var category = char.GetUnicodeCategory(c);
            if (char.IsLetterOrDigit(c) || c == '_' || c == '-' || category is UnicodeCategory.NonSpacingMark or UnicodeCategory.ConnectorPunctuation)
            {
                slug.Append(c);
            }
            else if (c == ' ')
            {
                slug.Append('-');
            }
        }

        return slug.ToString();
    }

    [GeneratedRegex(@"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\((?<target>[^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"\[(?<text>[^\]]*)\]\([^)]*\)")]
    private static partial Regex InlineLinkText();

    [GeneratedRegex(@"^\s{0,3}\[[^\]]+\]:\s+(?<target>\S+)")]
    private static partial Regex ReferenceDefinition();

    [GeneratedRegex(@"`+[^`]*`+")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"^#{1,6}\s+(?<text>.+?)\s*#*\s*$")]
    private static partial Regex Heading();
}
