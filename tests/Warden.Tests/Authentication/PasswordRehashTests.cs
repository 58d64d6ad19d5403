using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Users;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Authentication;

public sealed class PasswordRehashTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Fact]
    public async Task AnImportedAspNetIdentityHashIsUpgradedToArgon2idAtSignIn()
    {
        var client = factory.CreateClient();
        var email = AuthFlows.NewEmail("imported");
        await client.RegisterAsync(email);
        await factory.ActivateAsync(email);

        // As if imported from an ASP.NET Core Identity application: a V3 (PBKDF2) hash.
        var legacy = new PasswordHasher<User>().HashPassword(new User(), AuthFlows.Password);
        await factory.InDbAsync(async db =>
        {
            var normalized = email.ToUpperInvariant();
            await db.Users.Where(u => u.NormalizedEmail == normalized).ExecuteUpdateAsync(s => s.SetProperty(u => u.PasswordHash, legacy));
        });

        Assert.Equal(HttpStatusCode.OK, (await client.PostLoginAsync(email)).StatusCode);

        await factory.InDbAsync(async db =>
        {
            var normalized = email.ToUpperInvariant();
            var hash = await db.Users.Where(u => u.NormalizedEmail == normalized).Select(u => u.PasswordHash).SingleAsync();
            Assert.StartsWith("$argon2id$", hash, StringComparison.Ordinal);
        });

        Assert.Equal(HttpStatusCode.OK, (await client.PostLoginAsync(email)).StatusCode);
    }

    /// <summary>
    /// Whatever is stored — a hash at the current parameters, an imported one (ASP.NET Identity V2 or V3, an older
    /// Argon2id, bcrypt) or no account at all — refusing a password costs one
    /// hash at the current parameters, so the time of the answer does not tell which accounts exist or were imported.
    /// Counted, not timed.
    /// </summary>
    [Fact]
    public async Task EveryRefusedPasswordCostsOneHashAtTheCurrentParametersWhateverIsStored()
    {
        var client = factory.CreateClient();
        var hasher = factory.Services.GetRequiredService<WardenPasswordHasher>();
        using var older = new WardenPasswordHasher(Options.Create(new PasswordHashingOptions { Argon2MemoryKiB = 32, Argon2Iterations = 1 }),
            NullLogger<WardenPasswordHasher>.Instance);
        var stored = new Dictionary<string, string?>
        {
            ["current"] = null,
            ["identity-v2"] = new PasswordHasher<User>(Options.Create(new PasswordHasherOptions { CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV2 }))
                .HashPassword(new User(), AuthFlows.Password),
            ["identity-v3"] = new PasswordHasher<User>().HashPassword(new User(), AuthFlows.Password),
            ["older-argon2id"] = older.HashPassword(AuthFlows.Password),
            ["bcrypt"] = "$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
        };

        var emails = new Dictionary<string, string>();
        foreach (var (kind, hash) in stored)
        {
            var email = AuthFlows.NewEmail(kind);
            await client.RegisterAsync(email);
            await factory.ActivateAsync(email);
            if (hash is not null)
            {
                var normalized = email.ToUpperInvariant();
                await factory.InDbAsync(db => db.Users.Where(u => u.NormalizedEmail == normalized).ExecuteUpdateAsync(s => s.SetProperty(u => u.PasswordHash, hash)));
            }

            emails[kind] = email;
        }

        // The dummy hash is made at the first unknown sign-in of a process; made before counting.
        await (await client.PostLoginAsync(AuthFlows.NewEmail("warm-up"), "Wrong-Pass-2024!")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        emails["unknown"] = AuthFlows.NewEmail("nobody");
        foreach (var (kind, email) in emails)
        {
            var before = hasher.Computations;
            await (await client.PostLoginAsync(email, "Wrong-Pass-2024!")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
            var after = hasher.Computations;
            Assert.True(after.AtCurrentCost - before.AtCurrentCost == 1, $"{kind}: {after.AtCurrentCost - before.AtCurrentCost} hashes at the current parameters");
        }

        // And the right password on an imported hash: its own check, then one at the current parameters (the upgrade).
        foreach (var kind in new[] { "identity-v2", "identity-v3", "older-argon2id" })
        {
            var before = hasher.Computations;
            Assert.Equal(HttpStatusCode.OK, (await client.PostLoginAsync(emails[kind])).StatusCode);
            Assert.Equal(1, hasher.Computations.AtCurrentCost - before.AtCurrentCost);
        }
    }
}
