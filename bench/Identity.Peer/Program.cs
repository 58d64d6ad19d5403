using System.Globalization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

// The peer: ASP.NET Core Identity as its template sets it up for an API (AddIdentityApiEndpoints + MapIdentityApi,
// bearer tokens, EF Core stores on SQLite), nothing tuned. bench/run.sh measures it beside Warden:
//   Identity.Peer                         serve (ASPNETCORE_URLS, Peer__DataDirectory)
//   Identity.Peer seed --count N --password PW   bulk users bench-{i:D7}@bench.test with one shared hash
// Endpoints: POST /login (the figure's sign-in), GET /manage/info (the authenticated read), GET /health/live (the
// bare endpoint), GET /health/ready (the database answers).
var data = Environment.GetEnvironmentVariable("Peer__DataDirectory") ?? Path.Combine(Path.GetTempPath(), "identity-peer");
Directory.CreateDirectory(data);
var connection = $"Data Source={Path.Combine(data, "peer.db")};Default Timeout=30";

if (args.Length > 0 && args[0] == "seed")
{
    return await Seed.RunAsync(connection, args[1..]);
}

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddDbContext<PeerDb>(o => o.UseSqlite(connection));
builder.Services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(data, "keys")));
builder.Services.AddAuthorization();
builder.Services.AddIdentityApiEndpoints<IdentityUser>().AddEntityFrameworkStores<PeerDb>();

var app = builder.Build();
using (var scope = app.Services.CreateScope())
{
    await scope.ServiceProvider.GetRequiredService<PeerDb>().Database.EnsureCreatedAsync();
}

app.MapIdentityApi<IdentityUser>();
app.MapGet("/health/live", () => TypedResults.Ok(new { status = "live" }));
app.MapGet("/health/ready", async (PeerDb db, CancellationToken ct) =>
    await db.Database.CanConnectAsync(ct) ? Results.Ok(new { status = "ready" }) : Results.StatusCode(503));
await app.RunAsync();
return 0;

internal sealed class PeerDb(DbContextOptions<PeerDb> options) : IdentityDbContext<IdentityUser>(options);

internal static class Seed
{
    /// <summary>Users inserted through EF Core with one hash computed by the peer's own hasher and shared by all
    /// (verifying it costs what a per-user salt would), as Warden.Bench seeds Warden.</summary>
    public static async Task<int> RunAsync(string connection, string[] args)
    {
        string Arg(string name) => args[Array.IndexOf(args, "--" + name) + 1];
        var count = int.Parse(Arg("count"), CultureInfo.InvariantCulture);
        var password = Arg("password");
        var options = new DbContextOptionsBuilder<PeerDb>().UseSqlite(connection).Options;
        await using (var db = new PeerDb(options))
        {
            await db.Database.EnsureCreatedAsync();
        }

        var started = System.Diagnostics.Stopwatch.StartNew();
        var hash = new PasswordHasher<IdentityUser>().HashPassword(new IdentityUser(), password);
        for (var from = 0; from < count; from += 5000)
        {
            await using var db = new PeerDb(options);
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            for (var i = from; i < Math.Min(count, from + 5000); i++)
            {
                var email = $"bench-{i:D7}@bench.test";
                db.Users.Add(new IdentityUser
                {
                    UserName = email,
                    NormalizedUserName = email.ToUpperInvariant(),
                    Email = email,
                    NormalizedEmail = email.ToUpperInvariant(),
                    EmailConfirmed = true,
                    PasswordHash = hash,
                    SecurityStamp = Guid.NewGuid().ToString("N"),
                    LockoutEnabled = true,
                });
            }

            await db.SaveChangesAsync();
        }

        var seconds = started.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $$"""{"figure":"seed","requests":{{count}},"seconds":{{seconds:0.00}},"rps":{{count / seconds:0.0}},"note":"peer bench-0000000..bench-{{count - 1:D7}}"}"""));
        return 0;
    }
}
