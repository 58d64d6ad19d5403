using Warden.Tests.Fixtures;

namespace Warden.Tests.Pages.Admin;

/// <summary>
/// Every console test shares one server (<see cref="AdminConsoleServer"/>): one start-up for the page tests without a
/// browser and the Chromium ones alike, instead of one per class or per browser test.
/// </summary>
[CollectionDefinition(Name)]
public sealed class AdminConsoleCollection : ICollectionFixture<AdminConsoleServer>
{
    public const string Name = "AdminConsole";
}

/// <summary>
/// Warden on a real port (so a browser reaches it; the page clients use it as well), and a Chromium started only when a
/// browser test of the collection first asks (<see cref="ChromiumAsync"/>): the PostgreSQL pass, which runs no browser
/// test, starts none.
/// </summary>
public sealed class AdminConsoleServer : KestrelWardenFactory, IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Chromium? _chromium;

    // The webhook pages' subscriptions point at a closed local port: refused at once, never sent anywhere.
    public AdminConsoleServer() => With("Warden:Network:AllowPrivateTargets", "true");

    public async Task<Chromium> ChromiumAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_chromium is null)
            {
                var chromium = new Chromium();
                await chromium.InitializeAsync();
                _chromium = chromium;
            }

            return _chromium;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Started at once: a client made before the start (CreateClient) would not know the port.</summary>
    Task IAsyncLifetime.InitializeAsync()
    {
        Start();
        return Task.CompletedTask;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_chromium is not null)
        {
            await _chromium.DisposeAsync();
        }

        _gate.Dispose();
    }
}
