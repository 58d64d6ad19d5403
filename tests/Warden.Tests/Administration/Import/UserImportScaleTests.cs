using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Administration.Import;
using Microsoft.EntityFrameworkCore;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Warden.Tests.Administration.Import;

/// <summary>
/// 100,000 users with mixed hash kinds (a few precomputed hashes reused: computing 100,000 bcrypt hashes would take
/// hours), through the admin endpoint, on PostgreSQL.
/// </summary>
[PostgresOnly]
public sealed class UserImportScaleTests(WardenFactory factory, ITestOutputHelper output) : IClassFixture<WardenFactory>
{
    private const int Count = 100_000;
    private static readonly long[] BadLines = [25_001, 50_001, 75_001];

    [Fact]
    public async Task AHundredThousandUsersImportSignInWithEveryKindAndASecondRunChangesNothing()
    {
        var hashes = ImportedHashes.Of(AuthFlows.Password).ToList();
        hashes.Add(new("django-argon2-p8", ImportedHashes.DjangoArgon2));
        var run = Guid.NewGuid().ToString("N")[..8];
        string EmailOf(int i) => $"bulk{i}-{run}@example.test";
        var lines = new List<string>(Count);
        var samples = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 1; i <= Count; i++)
        {
            if (BadLines.Contains(i))
            {
                lines.Add($"{{\"email\":\"{EmailOf(i)}\",\"passwordHash\":\"$2b$31$notabcrypthash\"}}");
                continue;
            }

            var (kind, hash) = hashes[i % hashes.Count];
            var withHash = i % 1000 != 0; // every thousandth has none: an invitation
            samples.TryAdd(kind, i);
            lines.Add(UserImportTests.Line(EmailOf(i), withHash ? hash : null));
        }

        // Straight to the import (the endpoint's own tests cover HTTP): no client timeout on a busy machine.
        var admin = await factory.AdminClientAsync();
        var import = factory.Services.GetRequiredService<UserImport>();
        var options = new UserImportOptions(DryRun: false, SendInvitations: true, admin.Id, "api");
        var watch = Stopwatch.StartNew();
        var first = await import.RunAsync(Body(lines), options, null, CancellationToken.None);
        output.WriteLine($"first run: {watch.Elapsed}");

        Assert.Equal(Count - BadLines.Length, first.Created);
        Assert.Equal(Count / 1000, first.Invited);
        Assert.Equal(BadLines, first.Errors.Select(e => e.Line));

        var client = factory.CreateClient();
        foreach (var (kind, line) in samples)
        {
            var email = EmailOf(line);
            var password = kind == "django-argon2-p8" ? ImportedHashes.DjangoArgon2Password : AuthFlows.Password;
            Assert.True((await client.PostLoginAsync(email, password)).StatusCode == HttpStatusCode.OK, $"{kind} (line {line}) does not sign in");
            var normalized = email.ToUpperInvariant();
            var stored = await factory.InDbAsync(db => db.Users.Where(u => u.NormalizedEmail == normalized).Select(u => u.PasswordHash).SingleAsync());
            Assert.StartsWith("$argon2id$v=19$m=64,t=1,p=1$", stored, StringComparison.Ordinal);
        }

        var users = await factory.InDbAsync(db => db.Users.CountAsync());
        watch.Restart();
        var second = await import.RunAsync(Body(lines), options, null, CancellationToken.None);
        output.WriteLine($"second run: {watch.Elapsed}");

        Assert.Equal((0, Count - BadLines.Length, BadLines.Length), (second.Created, second.Skipped, second.Failed));
        Assert.Equal(users, await factory.InDbAsync(db => db.Users.CountAsync()));
    }

    private static MemoryStream Body(List<string> lines) => new(Encoding.UTF8.GetBytes(string.Join('\n', lines)));
}
