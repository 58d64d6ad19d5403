using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Warden.Server.Users;

namespace Warden.Server.Authentication.TwoFactor;

/// <summary>
/// A user's second factors. Identity's own TOTP provider is not used: it accepts a code again within its
/// window, and Warden must refuse a code that was accepted once (<see cref="LastTotpStep"/>, spent with a
/// conditional update).
/// </summary>
public sealed class UserTwoFactor
{
    public Guid UserId { get; set; }

    /// <summary>The confirmed authenticator secret, encrypted (SecretProtector).</summary>
    public string? TotpSecretProtected { get; set; }

    /// <summary>A secret handed out by setup but not yet confirmed with a code; it replaces the old one on confirm.</summary>
    public string? PendingTotpSecretProtected { get; set; }
    public DateTimeOffset? TotpConfirmedAt { get; set; }

    /// <summary>The last TOTP time step accepted; codes of this step or earlier are refused.</summary>
    public long? LastTotpStep { get; set; }
    public bool SmsEnabled { get; set; }
    public bool EmailEnabled { get; set; }

    /// <summary><c>totp</c>, <c>sms</c> or <c>email</c>.</summary>
    public string? PreferredMethod { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public User? User { get; set; }

    public bool TotpEnabled => TotpSecretProtected is not null;

    public bool AnyEnabled => TotpEnabled || SmsEnabled || EmailEnabled;

    public IReadOnlyList<string> EnabledMethods()
    {
        var methods = new List<string>(3);
        if (TotpEnabled)
        {
            methods.Add(SecondFactorMethods.Totp);
        }

        if (SmsEnabled)
        {
            methods.Add(SecondFactorMethods.Sms);
        }

        if (EmailEnabled)
        {
            methods.Add(SecondFactorMethods.Email);
        }

        return methods;
    }
}

public static class SecondFactorMethods
{
    public const string Totp = "totp";
    public const string Sms = "sms";
    public const string Email = "email";
    public const string RecoveryCode = "recovery_code";
    public const string Passkey = "passkey";
}

internal sealed class UserTwoFactorConfiguration : IEntityTypeConfiguration<UserTwoFactor>
{
    public void Configure(EntityTypeBuilder<UserTwoFactor> builder)
    {
        builder.ToTable("user_two_factor");
        builder.HasKey(t => t.UserId);
        builder.Property(t => t.TotpSecretProtected).HasMaxLength(1024);
        builder.Property(t => t.PendingTotpSecretProtected).HasMaxLength(1024);
        builder.Property(t => t.PreferredMethod).HasMaxLength(16);
        builder.Ignore(t => t.TotpEnabled);
        builder.Ignore(t => t.AnyEnabled);
        builder.HasOne(t => t.User).WithOne().HasForeignKey<UserTwoFactor>(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
