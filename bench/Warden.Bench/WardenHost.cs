using Microsoft.AspNetCore.Builder;
using Warden.Server;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Bench;

/// <summary>
/// Warden's own composition, built but never started: the bench takes its DbContext (with Identity's store
/// settings) and its password hasher from here, configured as the server under test is.
/// </summary>
public static class WardenHost
{
    public static WebApplication Build(string provider, string connection, int memoryKiB, int iterations) =>
        WardenApplication.CreateBuilder([
            $"--Warden:Database:Provider={(provider == "postgres" ? "Postgres" : "Sqlite")}",
            $"--Warden:Database:ConnectionString={connection}",
            $"--Warden:PasswordHashing:Argon2MemoryKiB={memoryKiB}",
            $"--Warden:PasswordHashing:Argon2Iterations={iterations}",
            "--Logging:LogLevel:Default=Warning",
        ]).Build();
}
