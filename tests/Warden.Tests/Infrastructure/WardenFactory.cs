using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Warden.Server;

namespace Warden.Tests.Infrastructure;

/// <summary>
/// A whole Warden server in memory, on its own database and data directory, with a clock the test controls.
/// Subclass or pass settings to change configuration; each instance is independent.
/// </summary>
public class WardenFactory : WebApplicationFactory<Program>
{
    public const string AdminEmail = "root@warden.test";
    // Must pass the password policy, which refuses a password containing the email's local part ("root").
    public const string AdminPassword = "Bootstrap-Secret-8642!";
    public const string PublicBaseUrl = "https://warden.test";

    private readonly string? _connectionString;
    private readonly bool _ownsStorage;
    private readonly Dictionary<string, string?> _settings = new(StringComparer.OrdinalIgnoreCase);

    public WardenFactory()
        : this(migrated: true)
    {
    }

    private WardenFactory(bool migrated)
    {
        _connectionString = migrated ? TestDatabase.Create() : TestDatabase.CreateEmpty();
        _ownsStorage = true;
        DataDirectory = Path.Combine(Path.GetTempPath(), "warden-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
        if (migrated && !TestDatabase.IsPostgres)
        {
            TestDatabase.CopySqliteTemplate(DataDirectory);
        }
    }

    /// <summary>A server on an empty database (no schema yet), for the tests of migrating.</summary>
    public static WardenFactory OnEmptyDatabase() => new(migrated: false);

    /// <summary>
    /// Another node on an existing data directory and database (for example another factory's
    /// <see cref="DataDirectory"/> and <see cref="ConnectionString"/>). It leaves them in place when disposed:
    /// their owner removes them.
    /// </summary>
    public static WardenFactory OnExistingStorage(string dataDirectory, string? connectionString) => new(dataDirectory, connectionString);

    // Not public: xunit class fixtures need a single public constructor.
    protected WardenFactory(string dataDirectory, string? connectionString)
    {
        _connectionString = connectionString;
        DataDirectory = dataDirectory;
    }

    public string DataDirectory { get; }

    public ManualTimeProvider Time { get; } = new();

    public string? ConnectionString => _connectionString;

    /// <summary>The emails this server wrote (the default pickup delivery, <c>&lt;data&gt;/mail</c>).</summary>
    public Mailbox Mailbox => new(Path.Combine(DataDirectory, "mail"));

    /// <summary>The text messages this server wrote (the default file delivery, <c>&lt;data&gt;/sms</c>).</summary>
    public SmsInbox Sms => new(Path.Combine(DataDirectory, "sms"));

    /// <summary>Sets a configuration value (for example <c>Warden:Network:MaxRequestBodyBytes</c>) before the server starts.</summary>
    public WardenFactory With(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    protected virtual void Configure(IDictionary<string, string?> settings)
    {
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Warden:DataDirectory"] = DataDirectory,
            ["Warden:PublicBaseUrl"] = PublicBaseUrl,
            ["Warden:Database:Provider"] = TestDatabase.ProviderName,
            ["Warden:Database:ConnectionString"] = _connectionString,
            ["Warden:Bootstrap:AdminEmail"] = AdminEmail,
            ["Warden:Bootstrap:AdminPassword"] = AdminPassword,
            ["Logging:LogLevel:Default"] = "Warning",

            // Every request of a test server comes from one address; tests about limits lower these again.
            ["Warden:RateLimits:AuthPerIpPerMinute"] = "100000",
            ["Warden:RateLimits:LoginPerIdentifierPerMinute"] = "1000",
            // Cheap hashing keeps the suite fast; the hasher's own tests use the real costs.
            ["Warden:PasswordHashing:Argon2MemoryKiB"] = "64",
            ["Warden:PasswordHashing:Argon2Iterations"] = "1",
            ["Warden:PasswordHashing:Pbkdf2Iterations"] = "1000",
        };
        Configure(settings);
        foreach (var (key, value) in _settings)
        {
            settings[key] = value;
        }

        builder.UseEnvironment("Testing");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Time);
        });
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _ownsStorage)
        {
            TestDatabase.Drop(_connectionString);
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open by the OS; the temp directory is cleaned eventually.
            }
        }
    }
}
