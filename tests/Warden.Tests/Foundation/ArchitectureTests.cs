using System.Text.RegularExpressions;
using Warden.Tests.Fixtures;

namespace Warden.Tests.Foundation;

/// <summary>
/// Feature folders import only downward. Each file of src/Warden.Server belongs to the module named by its
/// first folder; it may name (by a <c>using</c>, a fully qualified <c>Warden.Server.X.</c> name, or a name
/// relative to <c>Warden.Server</c> such as <c>Authentication.Login.Login</c>) only its own module and those
/// below it. The composition root (files at the top: Program, WardenApplication, the route table, the
/// command line) and the generated migrations sit above everything.
/// </summary>
[SqliteOnly]
public sealed partial class ArchitectureTests
{
    /// <summary>Bottom-up: a module may reference those before it, never those after it.</summary>
    public static readonly string[] Layers =
    [
        "Infrastructure",
        "Events",
        "Notifications",
        "Users",
        "Passwords",
        "Authorization",
        "Authentication",
        "Profiles",
        "Privacy",
        "Administration",
        "Audit",
        "Analytics",
        "Webhooks",
        "Messaging",
        "Pages",
        "Oidc",
    ];

    /// <summary>Above every module: they compose the application or are generated from the whole model.</summary>
    private static readonly string[] Top = ["", "Migrations"];

    /// <summary>
    /// The EF model is the one file below the modules that names their entity types: one DbContext serves every
    /// module (one transaction for a change and its event), so it must know every table. It may name entity
    /// types only; the test below keeps anything else out of it.
    /// </summary>
    private const string Model = "Infrastructure/Database/WardenDbContext.cs";

    [Fact]
    public void No_module_references_a_module_above_it()
    {
        var violations = new List<string>();
        foreach (var (path, module) in SourceFiles())
        {
            if (Top.Contains(module) || path == Model)
            {
                continue;
            }

            var rank = Rank(module, path);
            foreach (var (line, referenced) in References(path))
            {
                if (!Top.Contains(referenced) && Rank(referenced, path) > rank)
                {
                    violations.Add($"{path}:{line}: {module} -> {referenced}");
                }
                else if (Top.Contains(referenced) && referenced.Length > 0)
                {
                    violations.Add($"{path}:{line}: {module} -> {referenced} (the top of the application)");
                }
            }
        }

        Assert.True(violations.Count == 0, "References against the module order:\n" + string.Join('\n', violations));
    }

    [Fact]
    public void The_model_only_lists_entity_types_and_configures_the_tables()
    {
        // Every module type the model names must be a DbSet's entity type (or an Identity generic argument).
        var text = File.ReadAllText(Path.Combine(SourceRoot(), Model));
        Assert.DoesNotMatch(new Regex(@"\bnew\s+[A-Z]\w*\s*\("), text);
        Assert.DoesNotMatch(new Regex(@"\bawait\b|\bAsync\("), text);
    }

    [Fact]
    public void Every_folder_of_the_server_is_a_known_module()
    {
        var unknown = SourceFiles().Select(f => f.Module).Distinct()
            .Where(m => !Top.Contains(m) && !Layers.Contains(m)).ToList();
        Assert.Empty(unknown);
    }

    [Fact]
    public void The_check_finds_a_reference_upward()
    {
        // Guards the guard: a made-up file in Users that uses Authentication must be reported.
        var references = ReferencesIn("using Warden.Server.Authentication.Sessions;\nvar x = Warden.Server.Profiles.ProfileCache.X;\nvar y = Administration.Foo.Bar();");
        Assert.Equal(["Authentication", "Profiles", "Administration"], references.Select(r => r.Module));
    }

    [Fact]
    public void The_policy_engine_stands_on_the_base_class_library_alone()
    {
        // Warden.Policies is shared with other services: it references System.* only (no ASP.NET Core, EF Core,
        // Microsoft.Extensions, Warden.Server), and its project file references no package or project.
        var engine = typeof(Warden.Policies.PolicyEvaluator).Assembly;
        var references = engine.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.NotEmpty(references);
        Assert.All(references, name => Assert.True(
            name.StartsWith("System.", StringComparison.Ordinal) || name is "System" or "netstandard" or "mscorlib",
            $"Warden.Policies references {name}"));

        var project = File.ReadAllText(Path.Combine(SourceRoot(), "..", "Warden.Policies", "Warden.Policies.csproj"));
        Assert.DoesNotContain("<PackageReference", project, StringComparison.Ordinal);
        Assert.DoesNotContain("<ProjectReference", project, StringComparison.Ordinal);
        Assert.DoesNotContain("<FrameworkReference", project, StringComparison.Ordinal);
    }

    [Fact]
    public void The_server_uses_the_policy_engine_rather_than_a_copy()
    {
        Assert.Contains(typeof(Warden.Policies.PolicyEvaluator).Assembly.GetName().Name,
            typeof(Warden.Server.Authorization.Policies.AccessPolicy).Assembly.GetReferencedAssemblies().Select(a => a.Name));
        var copies = SourceFiles().Where(f => Regex.IsMatch(File.ReadAllText(Path.Combine(SourceRoot(), f.Path)), @"\b(class|record)\s+(PolicyEvaluator|PolicySet|PolicyRule)\b"));
        Assert.Empty(copies);
    }

    [Fact]
    public void Browser_tests_wait_for_addresses_without_playwrights_racing_wait()
    {
        // Playwright's WaitForURLAsync can miss the navigation or load it waits for (see PageAddress): one flaky
        // failure in a full run is a submission refused, so every browser test goes through PageAddress.
        var tests = Path.Combine(TestPaths.RepositoryRoot, "tests", "Warden.Tests");
        var users = Directory.EnumerateFiles(tests, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f).Contains("." + nameof(Microsoft.Playwright.IPage.WaitForURLAsync) + "(", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(tests, f));
        Assert.Empty(users);
    }

    private static int Rank(string module, string path) =>
        Array.IndexOf(Layers, module) is var i and >= 0 ? i : throw new InvalidOperationException($"{path}: unknown module {module}");

    private static IEnumerable<(string Path, string Module)> SourceFiles()
    {
        var root = SourceRoot();
        return Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("bin/", StringComparison.Ordinal) && !f.StartsWith("obj/", StringComparison.Ordinal))
            .Select(f => (f, f.Contains('/', StringComparison.Ordinal) ? f[..f.IndexOf('/', StringComparison.Ordinal)] : ""));
    }

    private static List<(int Line, string Module)> References(string path) =>
        ReferencesIn(File.ReadAllText(Path.Combine(SourceRoot(), path)));

    private static List<(int Line, string Module)> ReferencesIn(string text)
    {
        var found = new List<(int, string)>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = StripComment(lines[i]);
            foreach (Match m in QualifiedName().Matches(line))
            {
                found.Add((i + 1, m.Groups["module"].Value));
            }

            foreach (Match m in RelativeName().Matches(line))
            {
                if (Layers.Contains(m.Groups["module"].Value) && !line.TrimStart().StartsWith("namespace ", StringComparison.Ordinal))
                {
                    found.Add((i + 1, m.Groups["module"].Value));
                }
            }
        }

        return found;
    }

    private static string StripComment(string line)
    {
        var trimmed = line.TrimStart();
        if (trimmed.StartsWith("//", StringComparison.Ordinal) || trimmed.StartsWith('*'))
        {
            // Documentation may mention any module; a <see cref> is still a reference, so it stays.
            var cref = CrefName().Match(trimmed);
            return cref.Success ? cref.Groups["name"].Value : "";
        }

        return line;
    }

    internal static string SourceRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Warden.slnx")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("Warden.slnx not found above the test assembly"), "src", "Warden.Server");
    }

    [GeneratedRegex(@"\bWarden\.Server\.(?<module>[A-Z]\w*)\b(?!\s*;?\s*$)|\bWarden\.Server\.(?<module>[A-Z]\w*)\s*;")]
    private static partial Regex QualifiedName();

    // A name relative to Warden.Server, such as Authentication.TwoFactor.X inside any Warden.Server namespace.
    [GeneratedRegex(@"(?<![\w.""])(?<module>[A-Z]\w*)\.[A-Z]\w*")]
    private static partial Regex RelativeName();

    [GeneratedRegex(@"cref=""(?<name>[^""]+)""")]
    private static partial Regex CrefName();
}
