using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Warden.Server.Passwords;
using Warden.Server.Users;

namespace Warden.Tests.Passwords;

public sealed class PasswordExpiryTests
{
    private static readonly DateTimeOffset ChangedAt = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static PasswordExpiry Expiry(TimeSpan? maxAge, int reminderDays = 7) =>
        new(Options.Create(new PasswordPolicyOptions { MaxAge = maxAge, ExpiryReminderDays = reminderDays }));

    private static User UserChangedAt(DateTimeOffset? changedAt) => new() { PasswordChangedAt = changedAt };

    [Fact]
    public void APasswordExpiresNinetyDaysAfterItWasSetByDefault()
    {
        var expiry = new PasswordExpiry(Options.Create(new PasswordPolicyOptions()));
        var user = UserChangedAt(ChangedAt);

        Assert.False(expiry.IsExpired(user, ChangedAt.AddDays(90).AddTicks(-1)));
        Assert.True(expiry.IsExpired(user, ChangedAt.AddDays(90)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    public void NoPasswordExpiresWhenExpiryIsOff(int? days)
    {
        var expiry = Expiry(days is null ? null : TimeSpan.FromDays(days.Value));
        Assert.False(expiry.IsExpired(UserChangedAt(ChangedAt), ChangedAt.AddYears(10)));
        Assert.Null(expiry.ExpiresAt(UserChangedAt(ChangedAt)));
    }

    [Fact]
    public void AUserWithoutARecordedPasswordChangeIsNotExpired() =>
        Assert.False(Expiry(TimeSpan.FromDays(90)).IsExpired(UserChangedAt(null), ChangedAt.AddYears(10)));

    [Fact]
    public void TheReminderIsDueOnlyInTheLastDaysBeforeExpiry()
    {
        var expiry = Expiry(TimeSpan.FromDays(90), reminderDays: 7);
        var user = UserChangedAt(ChangedAt);

        Assert.False(expiry.IsReminderDue(user, ChangedAt.AddDays(83).AddTicks(-1)));
        Assert.True(expiry.IsReminderDue(user, ChangedAt.AddDays(83)));
        Assert.True(expiry.IsReminderDue(user, ChangedAt.AddDays(90).AddTicks(-1)));
        Assert.False(expiry.IsReminderDue(user, ChangedAt.AddDays(90)));
    }

    [Theory]
    [InlineData("90", 90.0)]
    [InlineData("30.00:00:00", 30.0)]
    [InlineData("0", 0.0)]
    [InlineData("", null)]
    public void MaxAgeIsReadAsDaysOrATimeSpanAndZeroOrEmptyTurnsItOff(string value, double? days)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Warden:Passwords:MaxAge"] = value })
            .Build();
        var options = new PasswordPolicyOptions();
        configuration.GetSection(PasswordPolicyOptions.Section).Bind(options);

        Assert.Equal(days, options.MaxAge?.TotalDays);
        Assert.Equal(days > 0, options.ExpiryEnabled);
    }
}
