using Warden.Server;
using Warden.Tests.Fixtures;

namespace Warden.Tests.Infrastructure;

/// <summary>
/// Warden's command line run in this process against a test server's storage, as an operator on that node runs it:
/// the exit code and what it printed. Callers sit in <see cref="ConsoleCollection"/> (the console is the process's).
/// </summary>
public static class CommandLineRuns
{
    public static Task<(int ExitCode, string Output)> RunCommandAsync(this WardenFactory factory, params string[] arguments) =>
        ConsoleCollection.CaptureOutAsync(() => Program.Main(OnStorageOf(factory, arguments)));

    /// <summary>The same, reading what it wrote to standard error.</summary>
    public static Task<(int ExitCode, string Error)> RunCommandErrorAsync(this WardenFactory factory, params string[] arguments) =>
        ConsoleCollection.CaptureErrorAsync(() => Program.Main(OnStorageOf(factory, arguments)));

    private static string[] OnStorageOf(WardenFactory factory, string[] arguments) =>
    [
        .. arguments,
        $"--Warden:DataDirectory={factory.DataDirectory}",
        $"--Warden:Database:Provider={TestDatabase.ProviderName}",
        $"--Warden:Database:ConnectionString={factory.ConnectionString}",
        "--Logging:LogLevel:Default=Warning",
    ];
}
