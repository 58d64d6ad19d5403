using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Administration.Import;
using Warden.Server.Notifications;
using Warden.Server.Profiles;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using Warden.Tests.Profiles;

namespace Warden.Tests.Performance;

/// <summary>
/// The reads of one user's row beside the hot paths (HotPathStatementTests checks those) that once numbered every row of
/// a per-user table on SQLite (<see cref="SqlitePlans"/>): a mail's recipient, a profile, and each page of an export.
/// </summary>
[SqliteOnly]
public sealed class PerUserQueryPlanTests(SqlTracingFactory factory) : IClassFixture<SqlTracingFactory>
{
    [Fact]
    public async Task AMailsRecipientIsReadWithoutReadingEveryProfile()
    {
        var user = await factory.SignedInWithProfileAsync();
        var traceId = Guid.NewGuid().ToString("N");

        using (factory.Trace.Tracing(traceId))
        {
            await factory.InScopeAsync(services => services.GetRequiredService<AccountMailer>().SendAsync(
                user.Id, EmailTemplateNames.NewSignIn,
                new Dictionary<string, string> { ["ipAddress"] = "203.0.113.9", ["userAgent"] = "Phone/2.0", ["time"] = "now" },
                CancellationToken.None));
        }

        await SqlitePlans.AssertNoPerUserTableScanAsync(factory.Services, factory.Trace.Statements(traceId));
    }

    [Fact]
    public async Task AProfileIsReadWithoutReadingEveryProfile()
    {
        var user = await factory.SignedInWithProfileAsync();
        var traceId = Guid.NewGuid().ToString("N");

        using (factory.Trace.Tracing(traceId))
        {
            await factory.InScopeAsync(async services =>
            {
                services.GetRequiredService<ProfileCache>().Invalidate(user.Id);
                Assert.NotNull(await services.GetRequiredService<ProfileReader>().GetAsync(user.Id, CancellationToken.None));
            });
        }

        await SqlitePlans.AssertNoPerUserTableScanAsync(factory.Services, factory.Trace.Statements(traceId));
    }

    [Fact]
    public async Task AnExportWalksTheUsersAPageAtATimeWithoutReadingEveryProfileOrRoleForEachPage()
    {
        var user = await factory.SignedInWithProfileAsync();
        var traceId = Guid.NewGuid().ToString("N");

        string exported;
        using (factory.Trace.Tracing(traceId))
        {
            exported = await factory.InDbAsync(async db =>
            {
                using var writer = new StringWriter();
                await UserExport.WriteAsync(db, writer, includePasswordHashes: false, CancellationToken.None);
                return writer.ToString();
            });
        }

        Assert.Contains(user.Email, exported);
        await SqlitePlans.AssertNoPerUserTableScanAsync(factory.Services, factory.Trace.Statements(traceId), walked: "users");
    }
}
