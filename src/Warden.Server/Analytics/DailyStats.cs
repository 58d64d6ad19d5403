using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Warden.Server.Analytics;

/// <summary>
/// One UTC day's counts (<c>daily_stats</c>), incremented as events are handled, so the login chart reads at most
/// 365 rows however large the audit log grows.
/// </summary>
public sealed class DailyStats
{
    public DateOnly Date { get; set; }
    public long Logins { get; set; }
    public long FailedLogins { get; set; }
    public long Registrations { get; set; }
}

internal sealed class DailyStatsConfiguration : IEntityTypeConfiguration<DailyStats>
{
    public void Configure(EntityTypeBuilder<DailyStats> builder)
    {
        builder.ToTable("daily_stats");
        builder.HasKey(s => s.Date);
    }
}
