using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Passwords;
using Warden.Server.Users;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Passwords;

/// <summary>Password history through Identity's own methods, on the configured database.</summary>
public sealed class PasswordHistoryTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    // The databases keep timestamps to the millisecond (SQLite) or microsecond (PostgreSQL).
    private static readonly TimeSpan Stored = TimeSpan.FromMilliseconds(1);

    private static readonly string[] Passwords = [.. Enumerable.Range(1, 6).Select(i => $"Orchard-Lantern-0{i}")];

    [Fact]
    public async Task ChangingToAnyOfTheLastFivePasswordsFailsAndTheSixthOldestIsAccepted()
    {
        var id = await CreateUserAsync("history-five@example.com", Passwords[0]);
        for (var i = 1; i < Passwords.Length; i++)
        {
            Assert.True((await ChangeAsync(id, Passwords[i - 1], Passwords[i])).Succeeded);
        }

        // Passwords[5] is the current one; with it, Passwords[1..5] are the last five.
        for (var i = 1; i < Passwords.Length; i++)
        {
            var reused = await ChangeAsync(id, Passwords[5], Passwords[i]);
            Assert.Equal([PasswordRules.Reused], reused.Errors.Select(e => e.Code));
        }

        Assert.True((await ChangeAsync(id, Passwords[5], Passwords[0])).Succeeded);
    }

    [Fact]
    public async Task OnlyThePasswordsTheRuleNeedsAreKept()
    {
        var id = await CreateUserAsync("history-trim@example.com", Passwords[0]);
        for (var i = 1; i < Passwords.Length; i++)
        {
            await ChangeAsync(id, Passwords[i - 1], Passwords[i]);
        }

        // Five remembered: the current hash in users, the four before it here. Nothing older is kept.
        await factory.InScopeAsync(async services =>
        {
            var db = services.GetRequiredService<WardenDbContext>();
            var kept = await db.PasswordHistory.Where(h => h.UserId == id).ToListAsync();
            Assert.Equal(4, kept.Count);
            var hasher = services.GetRequiredService<IPasswordHasher<User>>();
            var user = await db.Users.SingleAsync(u => u.Id == id);
            Assert.All(kept, h => Assert.DoesNotContain("Orchard", h.PasswordHash, StringComparison.Ordinal));
            Assert.Equal(
                Passwords[1..5],
                Passwords.Where(p => kept.Any(h => hasher.VerifyHashedPassword(user, h.PasswordHash, p) != PasswordVerificationResult.Failed)));
        });
    }

    [Fact]
    public async Task AFailedChangeRecordsNothingAndKeepsTheChangeDate()
    {
        var id = await CreateUserAsync("history-failed@example.com", Passwords[0]);
        var createdAt = factory.Time.GetUtcNow();
        factory.Time.Advance(TimeSpan.FromDays(1));

        var wrongCurrent = await ChangeAsync(id, "Not-The-Password-1", Passwords[1]);
        var weakNew = await ChangeAsync(id, Passwords[0], "weak");

        Assert.False(wrongCurrent.Succeeded);
        Assert.False(weakNew.Succeeded);
        await factory.InDbAsync(async db =>
        {
            Assert.False(await db.PasswordHistory.AnyAsync(h => h.UserId == id));
            Assert.Equal(createdAt, (await db.Users.SingleAsync(u => u.Id == id)).PasswordChangedAt!.Value, Stored);
        });
    }

    [Fact]
    public async Task ASuccessfulChangeStampsTheChangeDate()
    {
        var id = await CreateUserAsync("history-date@example.com", Passwords[0]);
        factory.Time.Advance(TimeSpan.FromDays(3));

        Assert.True((await ChangeAsync(id, Passwords[0], Passwords[1])).Succeeded);

        await factory.InDbAsync(async db =>
        {
            var user = await db.Users.SingleAsync(u => u.Id == id);
            Assert.Equal(factory.Time.GetUtcNow(), user.PasswordChangedAt!.Value, Stored);
        });
    }

    [Fact]
    public async Task APasswordRemovedAndAddedBackStillHonoursTheHistory()
    {
        var id = await CreateUserAsync("history-remove@example.com", Passwords[0]);
        await factory.InScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<User>>();
            var user = await users.FindByIdAsync(id.ToString());

            Assert.True((await users.RemovePasswordAsync(user!)).Succeeded);
            var readded = await users.AddPasswordAsync(user!, Passwords[0]);

            Assert.Equal([PasswordRules.Reused], readded.Errors.Select(e => e.Code));
            Assert.True((await users.AddPasswordAsync(user!, Passwords[1])).Succeeded);
        });
    }

    private async Task<Guid> CreateUserAsync(string email, string password)
    {
        return await factory.InScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<User>>();
            var user = new User { Email = email, CreatedAt = factory.Time.GetUtcNow(), UpdatedAt = factory.Time.GetUtcNow() };
            var result = await users.CreateAsync(user, password);
            Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Code)));
            return user.Id;
        });
    }

    private async Task<IdentityResult> ChangeAsync(Guid id, string current, string next)
    {
        return await factory.InScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<User>>();
            var user = await users.FindByIdAsync(id.ToString());
            return await users.ChangePasswordAsync(user!, current, next);
        });
    }
}

public sealed class PasswordHistoryOffTests : IDisposable
{
    private readonly WardenFactory _factory = new WardenFactory().With("Warden:Passwords:HistoryCount", "0");

    [Fact]
    public async Task WithHistoryOffEvenTheCurrentPasswordMayBeChosenAgainAndNothingIsStored()
    {
        await _factory.InScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<User>>();
            var user = new User { Email = "history-off@example.com" };
            Assert.True((await users.CreateAsync(user, "Orchard-Lantern-01")).Succeeded);

            Assert.True((await users.ChangePasswordAsync(user, "Orchard-Lantern-01", "Orchard-Lantern-01")).Succeeded);
            Assert.False(await services.GetRequiredService<WardenDbContext>().PasswordHistory.AnyAsync());
        });
    }

    public void Dispose() => _factory.Dispose();
}
