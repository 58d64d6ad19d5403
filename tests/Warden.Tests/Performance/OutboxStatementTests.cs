using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Events;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Performance;

/// <summary>
/// How many SQL statements the outbox runs to deliver sign-ins' events to their handlers (the audit chain, the daily
/// counts, the webhook fan-out, the new-sign-in check): a count, not a time (issue 25). Under load the dispatcher takes
/// the events of a tenth of a second in one batch, and each handler takes the batch's events in one scope.
/// </summary>
public sealed class OutboxStatementTests
{
    // Claim, read the batch, mark it processed; the audit chain's erased-user check, its head (moved, read, linked) and
    // the entry with its completion; the daily count's upsert and completion; the webhook subscriptions and the
    // completion; the new-sign-in check (one statement) and its completion.
    private const int OneSignIn = 15;
    // After the first: the erased-user check, one UPDATE of the head and the entry with its completion; the count and
    // its completion; the webhooks' completion; the new-sign-in check and its completion.
    private const int EachFurtherSignIn = 9;

    [Fact]
    public async Task TheEventsOfTenSignInsAreDeliveredInOneBatchWithThePinnedNumberOfStatements()
    {
        await using var factory = new SqlTracingFactory();
        factory.With("Warden:Outbox:DispatcherEnabled", "false");
        var client = factory.CreateClient();
        var email = AuthFlows.NewEmail();
        await client.RegisterAsync(email);
        await factory.ActivateAsync(email);
        await client.LoginAsync(email); // the account's first sign-in: the new-sign-in check stops earlier for it
        await DrainAsync(factory);

        await client.LoginAsync(email);
        var one = await TracedDrainAsync(factory);

        for (var i = 0; i < 10; i++)
        {
            await client.LoginAsync(email);
        }

        var ten = await TracedDrainAsync(factory);

        HotPathStatementTests.AssertCount(OneSignIn, one);
        HotPathStatementTests.AssertCount(OneSignIn + 9 * EachFurtherSignIn, ten);
        if (!TestDatabase.IsPostgres)
        {
            // Every sign-in's checks are key lookups; only the webhook subscriptions (a short list an operator keeps) are read whole.
            await SqlitePlans.AssertNoPerUserTableScanAsync(factory.Services, ten, "webhook_subscriptions");
        }
    }

    private static async Task<IReadOnlyList<string>> TracedDrainAsync(SqlTracingFactory factory)
    {
        var traceId = Guid.NewGuid().ToString("N");
        using (factory.Trace.Tracing(traceId))
        {
            Assert.NotEqual(0, await factory.Services.GetRequiredService<OutboxProcessor>().ProcessBatchAsync(default));
        }

        Assert.Equal(0, await DrainAsync(factory)); // the one batch took them all
        return factory.Trace.Statements(traceId);
    }

    private static async Task<int> DrainAsync(SqlTracingFactory factory)
    {
        var processor = factory.Services.GetRequiredService<OutboxProcessor>();
        var total = 0;
        for (int claimed; (claimed = await processor.ProcessBatchAsync(default)) > 0;)
        {
            total += claimed;
        }

        return total;
    }
}
