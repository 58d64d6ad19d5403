using System.Reflection;

namespace Warden.Tests.Fixtures;

/// <summary>Places in the repository that fixtures need, found from the test assembly (never the working directory, which runners choose).</summary>
public static class TestPaths
{
    /// <summary>The folder holding Warden.slnx.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Release or Debug: the configuration this test assembly was built in, which the server build matches.</summary>
    public static string Configuration { get; } =
        typeof(TestPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration
        ?? throw new InvalidOperationException("The test assembly has no AssemblyConfiguration attribute.");

    /// <summary><c>tests/node_modules</c>, filled by <c>npm ci --prefix tests</c>.</summary>
    public static string NodeModules => Path.Combine(RepositoryRoot, "tests", "node_modules");

    /// <summary>Where browser tests leave screenshots to look at (ignored by git, like every TestResults folder).</summary>
    public static string Screenshots => Path.Combine(RepositoryRoot, "tests", "Warden.Tests", "TestResults", "screenshots");

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Warden.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Warden.slnx above {AppContext.BaseDirectory}; the tests run from their build output inside the repository.");
    }
}
