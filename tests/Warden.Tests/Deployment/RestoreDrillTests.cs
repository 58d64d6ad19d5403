using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Npgsql;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Deployment;

/// <summary>
/// The restore drill of docs/operations.md (Backup and restore), run on the suite's provider with the commands the
/// guide gives: back up the database (sqlite3 .backup, or pg_dump -Fc) and the key-encryption key while the node
/// runs, wipe both, restore them, and the same person signs in with the same password while the tokens issued
/// before the backup still work (the signing keys came back, and the key that decrypts them). A restore with
/// another key file is refused, as the guide says.
/// </summary>
public sealed class RestoreDrillTests : IAsyncLifetime
{
    private readonly string _backups = Directory.CreateTempSubdirectory("warden-backup-").FullName;
    private WardenProcess? _node;

    private WardenProcess Node => _node!;

    private string KeyFile => Path.Combine(Node.DataDirectory, "keys", "data-protection.key");

    public async Task InitializeAsync() => _node = await WardenProcess.StartAsync();

    [Fact]
    public async Task BackedUpDatabaseAndKeyFileRestoreEveryAccountAndToken()
    {
        var client = Node.CreateClient();
        var email = AuthFlows.NewEmail("restore");
        await client.RegisterAsync(email);
        var token = (await Node.Mailbox.WaitForAsync(email)).Token();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/auth/verify-email", new { token, password = AuthFlows.Password })).StatusCode);
        var before = await client.LoginAsync(email);

        // The backup, taken while the node serves.
        BackUpDatabase();
        File.Copy(KeyFile, Path.Combine(_backups, "data-protection.key"));

        // Disaster: the node, its database and its data directory are gone.
        await Node.StopGracefullyAsync();
        WipeDatabase();
        Directory.Delete(Node.DataDirectory, recursive: true);
        Directory.CreateDirectory(Node.DataDirectory);

        // The database restored with some other key file: refused, nothing served.
        RestoreDatabase();
        Directory.CreateDirectory(Path.GetDirectoryName(KeyFile)!);
        await File.WriteAllTextAsync(KeyFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(Node.RestartAsync);
        Assert.Contains("exited with 2", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Warden:DataProtection:KeyFile", refused.Message, StringComparison.Ordinal);
        await Node.KillAsync();

        // The key file it was written with: everything is back.
        File.Copy(Path.Combine(_backups, "data-protection.key"), KeyFile, overwrite: true);
        await Node.RestartAsync();
        client = Node.CreateClient();
        using var me = new HttpRequestMessage(HttpMethod.Get, "/api/v1/users/me");
        me.Headers.Authorization = new AuthenticationHeaderValue("Bearer", before.AccessToken);
        var account = await (await client.SendAsync(me)).ReadJsonAsync();
        Assert.Equal(email, account.GetProperty("email").GetString());
        var refreshed = await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = before.RefreshToken });
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        await client.LoginAsync(email);
    }

    private void BackUpDatabase()
    {
        if (Node.ConnectionString is null)
        {
            var sqlite = DeployFiles.Run("sqlite3", Path.Combine(Node.DataDirectory, "warden.db"), $".backup {Path.Combine(_backups, "warden.db")}");
            Assert.True(sqlite.ExitCode == 0, sqlite.Output);
            return;
        }

        var dump = Postgres("pg_dump", "-Fc", "-f", Path.Combine(_backups, "warden.dump"));
        Assert.True(dump.ExitCode == 0, dump.Output);
    }

    private void WipeDatabase()
    {
        if (Node.ConnectionString is not null)
        {
            var database = new NpgsqlConnectionStringBuilder(Node.ConnectionString).Database!;
            Assert.Equal(0, Postgres("dropdb", "--force", database).ExitCode);
            Assert.Equal(0, Postgres("createdb", database).ExitCode);
        }
    }

    private void RestoreDatabase()
    {
        if (Node.ConnectionString is null)
        {
            File.Copy(Path.Combine(_backups, "warden.db"), Path.Combine(Node.DataDirectory, "warden.db"));
            return;
        }

        var restored = Postgres("pg_restore", "--clean", "--if-exists", Path.Combine(_backups, "warden.dump"));
        Assert.True(restored.ExitCode == 0, restored.Output);
    }

    /// <summary>A PostgreSQL client tool against the node's database; dropdb and createdb take the name last.</summary>
    private (int ExitCode, string Output) Postgres(string tool, params string[] arguments)
    {
        var connection = new NpgsqlConnectionStringBuilder(Node.ConnectionString);
        var start = new System.Diagnostics.ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-h", connection.Host!, "-p", connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", connection.Username! })
        {
            start.ArgumentList.Add(argument);
        }

        if (tool is "pg_dump" or "pg_restore")
        {
            start.ArgumentList.Add("-d");
            start.ArgumentList.Add(connection.Database!);
        }
        else
        {
            start.ArgumentList.Add("--maintenance-db=postgres");
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PGPASSWORD"] = connection.Password;
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error);
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        Directory.Delete(_backups, recursive: true);
    }
}
