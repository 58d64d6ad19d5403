using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Audit;
using Warden.Server.Events;
using Warden.Server.Privacy;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Audit;

/// <summary>
/// The audit log's hash chain: every kind of tampering is named at the first broken link, and the legitimate
/// deletions (erasure of personal data, retention pruning) leave it verifying. Tampering tests put the log back
/// as it was, since the tests of this class share one database.
/// </summary>
public sealed class AuditChainTests(OutsideFactory factory) : IClassFixture<OutsideFactory>
{
    [Fact]
    public async Task AChangedPublicFieldIsNamedByItsSequenceNumber()
    {
        var entry = await RegisteredEntryAsync();
        await TamperAsync(
            db => db.AuditLog.Where(e => e.Id == entry.Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.Outcome, AuditOutcomes.Failure)),
            db => db.AuditLog.Where(e => e.Id == entry.Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.Outcome, entry.Outcome)),
            broken => AssertBrokenAt(broken, entry.Sequence!.Value, "altered"));
    }

    [Fact]
    public async Task AChangedEmailInThePersonalPartIsDetected()
    {
        var entry = await RegisteredEntryAsync();
        Assert.Contains("@", entry.PersonalDetails, StringComparison.Ordinal);
        Assert.DoesNotContain("@", entry.Details, StringComparison.Ordinal); // the public part holds no address
        var forged = entry.PersonalDetails!.Replace("@", "+forged@", StringComparison.Ordinal);
        await TamperAsync(
            db => db.AuditLog.Where(e => e.Id == entry.Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.PersonalDetails, forged)),
            db => db.AuditLog.Where(e => e.Id == entry.Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.PersonalDetails, entry.PersonalDetails)),
            broken => AssertBrokenAt(broken, entry.Sequence!.Value, "personal part"));
    }

    [Fact]
    public async Task ADeletedEntryLeavesAGapThatIsNamed()
    {
        var entry = await RegisteredEntryAsync();
        await TamperAsync(
            db => db.AuditLog.Where(e => e.Id == entry.Id).ExecuteDeleteAsync(),
            async db =>
            {
                db.AuditLog.Add(entry);
                await db.SaveChangesAsync();
            },
            broken => AssertBrokenAt(broken, entry.Sequence!.Value, "missing"));
    }

    [Fact]
    public async Task ATruncatedTailIsDetectedByTheHeadRowAndOnceTheHeadRowIsRewrittenOnlyByThePublishedHead()
    {
        await RegisteredEntryAsync();
        var published = await HeadAsync();
        var newest = await factory.InDbAsync(db => db.AuditLog.AsNoTracking().SingleAsync(e => e.Sequence == published.Sequence));
        var before = await factory.InDbAsync(db => db.AuditLog.AsNoTracking().SingleAsync(e => e.Sequence == published.Sequence - 1));

        // Deleting the newest entry alone: the head row still names it.
        await factory.InDbAsync(db => db.AuditLog.Where(e => e.Id == newest.Id).ExecuteDeleteAsync());
        try
        {
            AssertBrokenAt(await VerifyAsync(), published.Sequence, "newest entries were deleted");

            // Rewriting the head row too hides it from a check of the database alone, not from the published head.
            await factory.InDbAsync(db => db.AuditHead.ExecuteUpdateAsync(s => s.SetProperty(h => h.Sequence, before.Sequence!.Value).SetProperty(h => h.Hash, before.Hash!)));
            Assert.True((await VerifyAsync()).Intact);
            AssertBrokenAt(await VerifyAsync(published), published.Sequence, "published head");
        }
        finally
        {
            await factory.InDbAsync(async db =>
            {
                db.AuditLog.Add(newest);
                await db.SaveChangesAsync();
                await db.AuditHead.ExecuteUpdateAsync(s => s.SetProperty(h => h.Sequence, published.Sequence).SetProperty(h => h.Hash, published.Hash));
            });
        }

        var intact = await VerifyAsync(published);
        Assert.True(intact.Intact, intact.Reason);
    }

    [Fact]
    public async Task APublishedHeadThatDiffersFromTheEntryAtItsSequenceIsNamed()
    {
        await RegisteredEntryAsync();
        var head = await HeadAsync();
        AssertBrokenAt(await VerifyAsync(head with { Hash = new string('a', 64) }), head.Sequence, "differs from the published head");
    }

    [Fact]
    public async Task TheChainStillVerifiesAfterAUsersPersonalDataIsErased()
    {
        var entry = await RegisteredEntryAsync();
        await factory.InScopeAsync(async services =>
            Assert.Equal(ErasureResult.Erased, await services.GetRequiredService<AccountErasure>().EraseAsync(entry.SubjectId!.Value, null, CancellationToken.None)));
        await factory.WaitForEventsHandledAsync();

        var erased = await factory.InDbAsync(db => db.AuditLog.AsNoTracking().Where(e => e.SubjectId == entry.SubjectId).ToListAsync());
        Assert.Contains(erased, e => e.Action == EventTypes.UserDeleted);
        Assert.All(erased, e =>
        {
            Assert.NotNull(e.Sequence);
            Assert.Null(e.PersonalDetails);
            Assert.Null(e.PersonalSalt);
            Assert.Null(e.IpAddress);
            Assert.Null(e.UserAgent);
            Assert.DoesNotContain("@", e.Details, StringComparison.Ordinal);
        });
        var verification = await VerifyAsync();
        Assert.True(verification.Intact, verification.Reason);
    }

    [Fact]
    public async Task ConcurrentAppendsFromTwoScopesKeepTheChainLinear()
    {
        await factory.WaitForEventsHandledAsync();
        var start = (await HeadAsync()).Sequence;
        const int perWriter = 15;

        async Task WriteAsync(string writer)
        {
            for (var i = 0; i < perWriter; i++)
            {
                await factory.InDbAsync(async db =>
                {
                    await using var transaction = await db.Database.BeginTransactionAsync();
                    await AuditChain.AppendAsync(db, new AuditEntry { OccurredAt = factory.Time.GetUtcNow(), Action = $"test.{writer}", Outcome = AuditOutcomes.Success }, default);
                    await db.SaveChangesAsync();
                    await transaction.CommitAsync();
                });
            }
        }

        await Task.WhenAll(Task.Run(() => WriteAsync("a")), Task.Run(() => WriteAsync("b")));

        var written = await factory.InDbAsync(db => db.AuditLog.Where(e => e.Sequence > start).OrderBy(e => e.Sequence).Select(e => e.Sequence!.Value).ToListAsync());
        Assert.Equal(Enumerable.Range(1, 2 * perWriter).Select(i => start + i), written);
        var verification = await VerifyAsync();
        Assert.True(verification.Intact, verification.Reason);
    }

    [Fact]
    public async Task EntriesAppendedInOneTransactionFromTheHeadItLeftFollowEachOtherAndAHeadFromAnEndedTransactionIsReadAgain()
    {
        await factory.WaitForEventsHandledAsync();
        var start = (await HeadAsync()).Sequence;

        // What the dispatcher does with a batch of events: one transaction, each append given the head the last one left.
        var left = await factory.InDbAsync(async db =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            AuditChain.Head? head = null;
            for (var i = 0; i < 5; i++)
            {
                head = await AuditChain.AppendAsync(db, NewEntry("test.together"), head, default);
                await db.SaveChangesAsync();
            }

            await transaction.CommitAsync();
            return head;
        });

        // Another append moves the head meanwhile; a writer still holding the ended transaction's head must not link to it.
        await factory.InDbAsync(async db =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            await AuditChain.AppendAsync(db, NewEntry("test.between"), default);
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
        });
        await factory.InDbAsync(async db =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            await AuditChain.AppendAsync(db, NewEntry("test.stale"), left, default);
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
        });

        var written = await factory.InDbAsync(db => db.AuditLog.Where(e => e.Sequence > start).OrderBy(e => e.Sequence).Select(e => e.Sequence!.Value).ToListAsync());
        Assert.Equal(Enumerable.Range(1, 7).Select(i => start + i), written);
        var verification = await VerifyAsync();
        Assert.True(verification.Intact, verification.Reason);
    }

    private AuditEntry NewEntry(string action) => new() { OccurredAt = factory.Time.GetUtcNow(), Action = action, Outcome = AuditOutcomes.Success };

    [Fact]
    public async Task VerificationWhileEntriesAreAppendedFindsTheChainIntact()
    {
        await factory.WaitForEventsHandledAsync();
        using var stop = new CancellationTokenSource();
        var appending = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await factory.InDbAsync(async db =>
                {
                    await using var transaction = await db.Database.BeginTransactionAsync();
                    await AuditChain.AppendAsync(db, new AuditEntry { OccurredAt = factory.Time.GetUtcNow(), Action = "test.meanwhile", Outcome = AuditOutcomes.Success }, default);
                    await db.SaveChangesAsync();
                    await transaction.CommitAsync();
                });
            }
        });

        try
        {
            for (var i = 0; i < 25; i++)
            {
                var verification = await VerifyAsync();
                Assert.True(verification.Intact, verification.Reason);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await appending;
        }
    }

    [Fact]
    public async Task AHeadRowSetBackOverEntriesThatStillExistIsNamed()
    {
        await RegisteredEntryAsync();
        var head = await HeadAsync();
        var before = await factory.InDbAsync(db => db.AuditLog.AsNoTracking().SingleAsync(e => e.Sequence == head.Sequence - 1));
        await TamperAsync(
            db => db.AuditHead.ExecuteUpdateAsync(s => s.SetProperty(h => h.Sequence, before.Sequence!.Value).SetProperty(h => h.Hash, before.Hash!)),
            db => db.AuditHead.ExecuteUpdateAsync(s => s.SetProperty(h => h.Sequence, head.Sequence).SetProperty(h => h.Hash, head.Hash)),
            broken => AssertBrokenAt(broken, head.Sequence, "set back"));
    }

    [Fact]
    public async Task TheVerifyEndpointAnswersAdministratorsOnly()
    {
        await RegisteredEntryAsync();
        var head = await HeadAsync();
        var admin = await factory.AdminClientAsync();
        var answer = await admin.Client.GetJsonAsync($"/api/v1/admin/audit/verify?head={head}");
        Assert.True(answer.GetProperty("intact").GetBoolean());
        Assert.True(answer.GetProperty("entries").GetInt64() >= 1);
        Assert.True(answer.GetProperty("head").GetProperty("sequence").GetInt64() >= head.Sequence);
        Assert.Equal(64, answer.GetProperty("head").GetProperty("hash").GetString()!.Length);

        var wrong = await admin.Client.GetJsonAsync($"/api/v1/admin/audit/verify?head={head.Sequence}:{new string('b', 64)}");
        Assert.False(wrong.GetProperty("intact").GetBoolean());
        Assert.Equal(head.Sequence, wrong.GetProperty("firstBrokenAt").GetInt64());
        Assert.False(string.IsNullOrEmpty(wrong.GetProperty("reason").GetString()));

        await (await admin.Client.GetAsync("/api/v1/admin/audit/verify?head=12:nothex")).AssertProblemAsync(HttpStatusCode.BadRequest);
        var user = await factory.SignedInClientAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await user.Client.GetAsync("/api/v1/admin/audit/verify")).StatusCode);
    }

    /// <summary>A new user's <c>user.registered</c> entry, with its personal part (address, device, email).</summary>
    private async Task<AuditEntry> RegisteredEntryAsync()
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.UserAgent.ParseAdd("ChainTest/1.0");
        var email = AuthFlows.NewEmail("chain");
        var userId = await client.RegisterAsync(email);
        await factory.WaitForEventsHandledAsync();
        return await factory.InDbAsync(db => db.AuditLog.AsNoTracking().SingleAsync(e => e.SubjectId == userId && e.Action == EventTypes.UserRegistered));
    }

    private async Task TamperAsync(Func<Warden.Server.Infrastructure.Database.WardenDbContext, Task> tamper,
        Func<Warden.Server.Infrastructure.Database.WardenDbContext, Task> restore, Action<AuditVerification> assert)
    {
        Assert.True((await VerifyAsync()).Intact, "intact before tampering");
        await factory.InDbAsync(tamper);
        try
        {
            assert(await VerifyAsync());
        }
        finally
        {
            await factory.InDbAsync(restore);
        }

        var restored = await VerifyAsync();
        Assert.True(restored.Intact, restored.Reason);
    }

    private static void AssertBrokenAt(AuditVerification verification, long sequence, string reason)
    {
        Assert.False(verification.Intact);
        Assert.Equal(sequence, verification.FirstBrokenAt);
        Assert.Contains(reason, verification.Reason, StringComparison.Ordinal);
    }

    private Task<AuditHeadView> HeadAsync() =>
        factory.InDbAsync(db => db.AuditHead.AsNoTracking().Select(h => new AuditHeadView(h.Sequence, h.Hash)).SingleAsync());

    private Task<AuditVerification> VerifyAsync(AuditHeadView? expected = null) =>
        factory.InDbAsync(db => AuditVerifier.VerifyAsync(db, expected, CancellationToken.None));
}
