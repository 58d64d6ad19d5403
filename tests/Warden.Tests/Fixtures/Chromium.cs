using System.Diagnostics;
using Microsoft.Playwright;

namespace Warden.Tests.Fixtures;

/// <summary>
/// Browser tests join this collection: they share one Chromium for the whole run (starting it is the slow part)
/// and each opens its own <see cref="BrowserSession"/>, a fresh context with no cookies or storage from others.
/// </summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<Chromium>
{
    public const string Name = "Browser";
}

/// <summary>
/// Debian's Chromium driven by Playwright, headless. Playwright's own browser download is not used (nothing can be
/// downloaded here): the Debian binary is launched by path. A missing browser fails every test that needs it
/// instead of skipping them, so a broken machine never passes for a green suite.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    /// <summary>The real binary; <c>/usr/bin/chromium</c> is a shell wrapper that Playwright cannot drive.</summary>
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("WARDEN_TEST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/lib/chromium/chromium";

    // What a throw-away test browser has no use for: each of these starts network traffic or background work.
    private static readonly string[] Arguments =
        ["--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium has not been started.");

    /// <summary>How long starting Playwright's driver and Chromium took (reported, never asserted).</summary>
    public TimeSpan LaunchTime { get; private set; }

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"Chromium is not installed at {ExecutablePath}; install the Debian package 'chromium' (./test.sh does). " +
                "The browser tests must not be skipped.");
        }

        var started = Stopwatch.StartNew();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = Arguments,
            Timeout = 60_000,
        });
        LaunchTime = started.Elapsed;
    }

    /// <summary>A fresh context and page; relative URLs resolve against <paramref name="baseAddress"/>.</summary>
    public async Task<BrowserSession> NewSessionAsync(Uri? baseAddress = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress?.ToString(),
            Locale = "en-US",
            TimezoneId = "UTC",
        });
        try
        {
            var page = await context.NewPageAsync();
            return new BrowserSession(context, page);
        }
        catch
        {
            await context.CloseAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>One test's browser context and its first page; disposing closes the context and everything in it.</summary>
public sealed class BrowserSession(IBrowserContext context, IPage page) : IAsyncDisposable
{
    public IBrowserContext Context { get; } = context;

    public IPage Page { get; } = page;

    /// <summary>
    /// Saves a PNG of the page under <see cref="TestPaths.Screenshots"/> (for a person to look at) and returns its bytes.
    /// The viewport by default: a full-page capture of a long page (the OpenAPI document) takes Chromium tens of seconds.
    /// </summary>
    public async Task<byte[]> ScreenshotAsync(string name, bool fullPage = false)
    {
        Directory.CreateDirectory(TestPaths.Screenshots);
        return await Page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Path.Combine(TestPaths.Screenshots, name + ".png"),
            FullPage = fullPage,
        });
    }

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
