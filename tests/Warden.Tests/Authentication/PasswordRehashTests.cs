using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
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
}
