using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Audit;
using Warden.Server.Events;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Audit;

/// <summary>Retention pruning cuts the oldest stretch of the chain and leaves a checkpoint verification starts from.</summary>
public sealed class AuditChainRetentionTests
{
    [Fact]
    public async Task TheChainStillVerifiesAfterRetentionPruningFromItsCheckpoint()
    {
        using var factory = new OutsideFactory();
        var now = factory.Time.GetUtcNow();
        factory.Time.Set(now.AddDays(-400)); // before the server starts: its first entries are old
        await factory.CreateClient().RegisterAsync(AuthFlows.NewEmail("old"));
        await factory.WaitForEventsHandledAsync();
        var oldHead = await factory.InDbAsync(db => db.AuditHead.AsNoTracking().Select(h => new AuditHeadView(h.Sequence, h.Hash)).SingleAsync());
        Assert.True(oldHead.Sequence >= 2);

        factory.Time.Set(now);
        await AddEventAsync(factory);
        var retention = factory.Services.GetRequiredService<AuditRetention>();
        Assert.True(await retention.RunOnceAsync(CancellationToken.None) >= oldHead.Sequence);

        var kept = await factory.InDbAsync(db => db.AuditLog.AsNoTracking().Where(e => e.Sequence != null).OrderBy(e => e.Sequence).ToListAsync());
        Assert.Equal(oldHead.Sequence + 1, kept[0].Sequence); // nothing old is left, nothing recent went
        var checkpoint = Assert.Single(kept, e => e.Action == AuditCheckpoint.Action);
        Assert.Equal(new AuditCheckpoint.Pruned(oldHead.Sequence, oldHead.Hash, (int)oldHead.Sequence), AuditCheckpoint.Read(checkpoint.Details));
        var verification = await VerifyAsync(factory, oldHead);
        Assert.True(verification.Intact, verification.Reason);
        Assert.Equal(2, verification.Entries);

        // Without its checkpoint the oldest kept entry links to nothing that can be checked.
        await factory.InDbAsync(db => db.AuditLog.Where(e => e.Id == checkpoint.Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.Details, "{}")));
        var broken = await VerifyAsync(factory, null);
        Assert.False(broken.Intact);
        Assert.Equal(oldHead.Sequence, broken.FirstBrokenAt);
        await factory.InDbAsync(db => db.AuditLog.Where(e => e.Id == checkpoint.Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.Details, checkpoint.Details)));

        // A second pruning takes the first checkpoint with it and writes its own.
        factory.Time.Advance(TimeSpan.FromDays(400));
        await AddEventAsync(factory);
        Assert.True(await retention.RunOnceAsync(CancellationToken.None) >= 2);
        verification = await VerifyAsync(factory, null);
        Assert.True(verification.Intact, verification.Reason);
        Assert.Equal(2, verification.Entries);
    }

    private static async Task AddEventAsync(WardenFactory factory)
    {
        await factory.InDbAsync(async db =>
        {
            db.AddEvent(EventTypes.UserUnlocked, null, new { reason = "test" }, factory.Time.GetUtcNow());
            await db.SaveChangesAsync();
        });
        await factory.WaitForEventsHandledAsync();
    }

    private static Task<AuditVerification> VerifyAsync(WardenFactory factory, AuditHeadView? head) =>
        factory.InDbAsync(db => AuditVerifier.VerifyAsync(db, head, CancellationToken.None));
}
