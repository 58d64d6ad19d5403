namespace Warden.Tests.Documentation;

/// <summary>The repository the tests were built from, found by walking up from the test assembly to <c>Warden.slnx</c>.</summary>
public static class RepositoryFiles
{
    private static readonly string[] SkippedDirectories = ["bin", "obj", "node_modules", ".git", "TestResults"];

    public static string Root { get; } = FindRoot();

    public static string PathOf(string relativePath) => Path.Combine(Root, relativePath.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>README.md and every Markdown file under docs/, as repository-relative paths with forward slashes.</summary>
    public static IReadOnlyList<string> Documentation()
    {
        var files = new List<string> { "README.md" };
        var docs = PathOf("docs");
        if (Directory.Exists(docs))
        {
            files.AddRange(Directory.EnumerateFiles(docs, "*.md", SearchOption.AllDirectories).Select(Relative).Order(StringComparer.Ordinal));
        }

        return files;
    }

    /// <summary>Every text file of the repository (files with a NUL byte are taken for binary), build output and .git left out.</summary>
    public static IEnumerable<string> TextFiles() => Walk(Root).Where(IsText).Select(Relative);

    private static IEnumerable<string> Walk(string directory)
    {
        foreach (var file in Directory.EnumerateFiles(directory))
        {
            yield return file;
        }

        foreach (var child in Directory.EnumerateDirectories(directory))
        {
            var name = Path.GetFileName(child);
            if (SkippedDirectories.Contains(name, StringComparer.Ordinal))
            {
                continue;
            }

            foreach (var file in Walk(child))
            {
                yield return file;
            }
        }
    }

    private static bool IsText(string path)
    {
        using var stream = File.OpenRead(path);
        var buffer = new byte[8192];
        var read = stream.Read(buffer, 0, buffer.Length);
        return Array.IndexOf(buffer, (byte)0, 0, read) < 0;
    }

    private static string Relative(string path) => Path.GetRelativePath(Root, path).Replace(Path.DirectorySeparatorChar, '/');

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Warden.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Warden.slnx above {AppContext.BaseDirectory}.");
    }
}
