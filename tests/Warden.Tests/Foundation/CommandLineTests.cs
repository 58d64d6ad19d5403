using Microsoft.Data.Sqlite;
using Npgsql;
using Warden.Server;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Foundation;

/// <summary>The binary's own commands, run in-process exactly as an operator runs them.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "warden-tests", Guid.NewGuid().ToString("N"));
    private readonly string? _connectionString = TestDatabase.Create();

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
