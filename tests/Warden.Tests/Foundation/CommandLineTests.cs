using Microsoft.Data.Sqlite;
using Npgsql;
using Warden.Server;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Foundation;

/// <summary>The binary's own commands, run in-process exactly as an operator runs them.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class CommandLineTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "warden-tests", Guid.NewGuid().ToString("N"));
    private readonly string? _connectionString = TestDatabase.CreateEmpty(); // migrate creates the schema

    private string[] Settings =>
    [
        $"--Warden:DataDirectory={_dataDirectory}",
        $"--Warden:Database:Provider={TestDatabase.ProviderName}",
        $"--Warden:Database:ConnectionString={_connectionString}",
        "--Warden:Bootstrap:AdminEmail=boot@warden.test",
        "--Warden:Bootstrap:AdminPassword=Startup-Secret-8642!", // must pass the policy: not "boot..." for boot@
        "--Logging:LogLevel:Default=Warning",
    ];

    [Fact]
    public async Task MigrateCreatesTheSchemaAndCreateAdminAddsAnAdministrator()
    {
        Assert.Equal(0, await Program.Main(["migrate", .. Settings]));
        Assert.Equal(0, await Program.Main(["create-admin", "--email", "ops@warden.test", "--password", "Ops-Password-1234!", .. Settings]));

        Assert.Equal(1L, await ScalarAsync("SELECT COUNT(*) FROM users WHERE normalized_email = 'OPS@WARDEN.TEST'"));
        Assert.Equal(1L, await ScalarAsync(
            "SELECT COUNT(*) FROM user_roles ur JOIN roles r ON r.id = ur.role_id JOIN users u ON u.id = ur.user_id " +
            "WHERE u.normalized_email = 'OPS@WARDEN.TEST' AND r.name = 'admin'"));
    }

    [Fact]
    public async Task CreateAdminRefusesATakenEmail()
    {
        Assert.Equal(0, await Program.Main(["migrate", .. Settings]));
        Assert.Equal(1, await Program.Main(["create-admin", "--email", "boot@warden.test", "--password", "Another-Password-1234!", .. Settings]));
    }

    [Fact]
    public async Task InvalidConfigurationExitsWithCode2()
    {
        Assert.Equal(2, await Program.Main(["migrate", .. Settings, "--Warden:PublicBaseUrl=nonsense"]));
    }

    [Fact]
    public async Task ABootstrapAdministratorThatCannotBeCreatedStopsTheStartWithCode2()
    {
        // A password the policy refuses: a server nobody can administer must not start.
        Assert.Equal(2, await Program.Main(["migrate", .. Settings, "--Warden:Bootstrap:AdminPassword=short"]));
        Assert.Equal(2, await Program.Main(["migrate", .. Settings, "--Warden:Bootstrap:AdminPassword="]));
    }

    [Fact]
    public async Task StartedFromAnotherFolderTheServerStillReadsItsAppsettings()
    {
        // appsettings.json sets EF Core's log level to Warning; without it every SQL statement is logged.
        var elsewhere = Directory.CreateDirectory(Path.Combine(_dataDirectory, "elsewhere")).FullName;
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            WorkingDirectory = elsewhere,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Fixtures.WardenProcess.ServerDll);
        foreach (var argument in (string[])["migrate", .. Settings.Where(s => !s.StartsWith("--Logging", StringComparison.Ordinal))])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, await errors + await output);
        Assert.Contains("Database is up to date.", await output, StringComparison.Ordinal);
        Assert.DoesNotContain("Executed DbCommand", await output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("create-clinet")]
    [InlineData("migrate", "now")]
    [InlineData("serve", "--urls")]
    [InlineData("/Warden:Database:Provider=Sqlite")]
    [InlineData("Warden:Database:Provider=Sqlite")]
    public async Task AnythingButACommandAndConfigurationSettingsIsRefusedWithTheHelp(params string[] mistake)
    {
        // Before, a typo became configuration and the server started: an operator's `create-clinet` ran a server.
        var (exitCode, error) = await ConsoleCollection.CaptureErrorAsync(() =>
            Program.Main([.. mistake.Take(mistake.Length - 1), .. Settings, "--urls=http://127.0.0.1:0", mistake[^1]])
                .WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Equal(2, exitCode);
        Assert.Contains($"'{mistake[^1]}'", error, StringComparison.Ordinal);
        Assert.Contains("create-admin", error, StringComparison.Ordinal); // the help, listing the commands
        Assert.False(File.Exists(Path.Combine(_dataDirectory, "warden.db")), "nothing ran");
    }

    [Fact]
    public async Task SettingsAreAcceptedAsKeyEqualsValueAndAsKeyThenValue()
    {
        Assert.Equal(0, await Program.Main(["migrate", .. Settings, "--Warden:Audit:Retention", "400.00:00:00"]));
        Assert.Equal(2, await Program.Main(["migrate", .. Settings, "--Warden:PublicBaseUrl", "nonsense"]));
    }

    [Fact]
    public async Task AuditVerifyExitsWith0WhenIntactAnd1NamingTheFirstBrokenLink()
    {
        Assert.Equal(0, await Program.Main(["migrate", .. Settings]));
        var genesis = "0:" + new string('0', 64);
        Assert.Equal(0, await Program.Main(["audit", "verify", .. Settings]));
        Assert.Equal(0, await Program.Main(["audit", "verify", "--head", genesis, .. Settings]));

        // A published head the log no longer reaches: its newest entries were deleted.
        var (exitCode, error) = await ConsoleCollection.CaptureErrorAsync(() =>
            Program.Main(["audit", "verify", "--head", "3:" + new string('a', 64), .. Settings]));
        Assert.Equal(1, exitCode);
        Assert.Contains("broken at entry 1", error, StringComparison.Ordinal);

        // A head row that names entries the log does not hold.
        await ScalarAsync("UPDATE audit_head SET sequence = 2");
        Assert.Equal(1, await Program.Main(["audit", "verify", .. Settings]));
        Assert.Equal(2, await Program.Main(["audit", "verify", "--head", "not-a-head", .. Settings]));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Unix file modes
    public async Task TheDataDirectoryAndTheDatabaseFileAreTheOwnersOnly()
    {
        Assert.Equal(0, await Program.Main(["migrate", .. Settings]));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dataDirectory));
        if (!TestDatabase.IsPostgres)
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dataDirectory, "warden.db")));
        }
    }

    private async Task<long> ScalarAsync(string sql)
    {
        if (_connectionString is null)
        {
            await using var sqlite = new SqliteConnection($"Data Source={Path.Combine(_dataDirectory, "warden.db")}");
            await sqlite.OpenAsync();
            await using var command = sqlite.CreateCommand();
            command.CommandText = sql;
            return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }

        await using var postgres = new NpgsqlConnection(_connectionString);
        await postgres.OpenAsync();
        await using var pgCommand = postgres.CreateCommand();
        pgCommand.CommandText = sql;
        return Convert.ToInt64(await pgCommand.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        TestDatabase.Drop(_connectionString);
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
