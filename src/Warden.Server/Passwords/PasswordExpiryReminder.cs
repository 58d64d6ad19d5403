using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Warden.Server.Users;

namespace Warden.Server.Passwords;

/// <summary>
/// That a user was reminded that one particular password expires: the key is the user and the
/// <c>PasswordChangedAt</c> of that password, so each password earns one reminder, on every node, and a new
/// password earns a new one. Rows of passwords that were replaced are deleted by the reminder service.
/// </summary>
public sealed class PasswordExpiryReminder
{
    public Guid UserId { get; set; }
    public DateTimeOffset PasswordChangedAt { get; set; }
    public DateTimeOffset RemindedAt { get; set; }
}

internal sealed class PasswordExpiryReminderConfiguration : IEntityTypeConfiguration<PasswordExpiryReminder>
{
    public void Configure(EntityTypeBuilder<PasswordExpiryReminder> builder)
    {
        builder.ToTable("password_expiry_reminders");
        // The primary key is also the claim: of two nodes reminding the same password, one insert wins.
        builder.HasKey(r => new { r.UserId, r.PasswordChangedAt });
        builder.HasOne<User>().WithMany().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
