using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Warden.Server.Users;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Authentication;

/// <summary>
/// The id in a registration's answer is a UUIDv7, whose first 48 bits are the millisecond it was made. A real
/// account's id is made before its password is hashed; were the decoy's made after, a slow hash would show in
/// the id which answers belong to taken addresses. The test hasher marks when hashing starts.
/// </summary>
public sealed class RegistrationIdTimingTests(RegistrationIdTimingTests.SlowHashFactory factory) : IClassFixture<RegistrationIdTimingTests.SlowHashFactory>
{
    [Fact]
    public async Task TheIdOfATakenAddressIsMadeBeforeThePasswordIsHashedLikeARealOne()
    {
        var client = factory.CreateClient();
        var email = AuthFlows.NewEmail("timing");
        var (freshId, freshHashStarted) = await RegisterAsync(client, email);
        var (takenId, takenHashStarted) = await RegisterAsync(client, email);

        Assert.True(MadeAt(freshId) <= freshHashStarted, "a real account's id is made before its password is hashed");
        Assert.True(MadeAt(takenId) <= takenHashStarted,
            $"the answer for a taken address carries an id made {(MadeAt(takenId) - takenHashStarted).TotalMilliseconds} ms after the hash started: it gives the address away");
    }

    private async Task<(Guid Id, DateTimeOffset HashStarted)> RegisterAsync(HttpClient client, string email)
    {
        var response = await client.PostAsJsonAsync("/api/v1/auth/register", new { email, password = AuthFlows.Password, fullName = "Timing Probe" });
        var id = (await response.ReadJsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        return (id, factory.Hasher.LastStarted);
    }

    private static DateTimeOffset MadeAt(Guid uuidV7)
    {
        var bytes = uuidV7.ToByteArray(bigEndian: true);
        long milliseconds = 0;
        for (var i = 0; i < 6; i++)
        {
            milliseconds = (milliseconds << 8) | bytes[i];
        }

        return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
    }

    /// <summary>A hash that takes 30 ms and notes the millisecond it started.</summary>
    public sealed class SlowHasher : IPasswordHasher<User>
    {
        private readonly PasswordHasher<User> _inner = new();
        private long _lastStarted;

        public DateTimeOffset LastStarted => DateTimeOffset.FromUnixTimeMilliseconds(Interlocked.Read(ref _lastStarted));

        public string HashPassword(User user, string password)
        {
            Interlocked.Exchange(ref _lastStarted, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            Thread.Sleep(30);
            return _inner.HashPassword(user, password);
        }

        public PasswordVerificationResult VerifyHashedPassword(User user, string hashedPassword, string providedPassword) =>
            _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
    }

    public sealed class SlowHashFactory : WardenFactory
    {
        public SlowHasher Hasher { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services =>
            {
                services.RemoveAll<IPasswordHasher<User>>();
                services.AddSingleton<IPasswordHasher<User>>(Hasher);
            });
        }
    }
}
