using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Events;
using Warden.Server.Users;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Authentication;

public sealed class RegistrationTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Fact]
    public async Task RegisterCreatesAPendingAccountWithTheUserRoleAndAnEvent()
    {
        var email = AuthFlows.NewEmail();
        var response = await factory.CreateClient().PostAsJsonAsync("/api/v1/auth/register",
            new { email, password = AuthFlows.Password, firstName = "Ada", lastName = "Lovelace" });
        var body = await response.ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal("pending_verification", body.GetProperty("status").GetString());
        var id = body.GetProperty("id").GetGuid();

        await factory.InDbAsync(async db =>
        {
            var user = await db.Users.SingleAsync(u => u.Id == id);
            Assert.Equal(UserStatus.PendingVerification, user.Status);
            Assert.Equal(["user"], await db.UserRoles.Where(r => r.UserId == id).Select(r => r.Role!.Name).ToListAsync());
            Assert.NotEqual(AuthFlows.Password, user.PasswordHash);
            var registered = await db.OutboxMessages.SingleAsync(m => m.Type == EventTypes.UserRegistered && m.Subject == id);
            Assert.DoesNotContain(AuthFlows.Password, registered.Data, StringComparison.Ordinal);
            Assert.DoesNotContain(user.PasswordHash!, registered.Data, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task RegisterWithATakenEmailAnswersExactlyLikeAFreshOne()
    {
        var client = factory.CreateClient();
        var email = AuthFlows.NewEmail();
        var first = await client.PostAsJsonAsync("/api/v1/auth/register", new { email, password = AuthFlows.Password, fullName = "First Owner" });
        var second = await client.PostAsJsonAsync("/api/v1/auth/register", new { email = email.ToUpperInvariant(), password = "Other-Pass-2024!", fullName = "Someone Else" });

        Assert.Equal(first.StatusCode, second.StatusCode);
        var a = await first.ReadJsonAsync(HttpStatusCode.Created);
        var b = await second.ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal(a.EnumerateObject().Select(p => p.Name), b.EnumerateObject().Select(p => p.Name));
        Assert.Equal(a.GetProperty("status").GetString(), b.GetProperty("status").GetString());
        Assert.Equal(first.Headers.Select(h => h.Key).Order(), second.Headers.Select(h => h.Key).Order());

        await factory.InDbAsync(async db =>
        {
            var normalizedOwner = email.ToUpperInvariant();
            var owner = await db.Users.SingleAsync(u => u.NormalizedEmail == normalizedOwner);
            Assert.Equal(a.GetProperty("id").GetGuid(), owner.Id);
            Assert.False(await db.Users.AnyAsync(u => u.Id == b.GetProperty("id").GetGuid()));
            Assert.True(await db.OutboxMessages.AnyAsync(m => m.Type == EventTypes.RegistrationAttempted && m.Subject == owner.Id));
        });
    }

    [Fact]
    public async Task RegisterReportsEveryFailedRuleAtOnce()
    {
        var response = await factory.CreateClient().PostAsJsonAsync("/api/v1/auth/register",
            new { email = "not-an-email", password = "short", username = "x", fullName = "A" });
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "email", "password", "username", "fullName" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {errors}");
        }

        Assert.True(errors.GetProperty("password").GetArrayLength() >= 2, "every failed password rule is listed");
    }

    [Fact]
    public async Task RegisterWithOnlyAWeakPasswordAnswersPasswordPolicy()
    {
        var response = await factory.CreateClient().PostAsJsonAsync("/api/v1/auth/register",
            new { email = AuthFlows.NewEmail(), password = "alllowercase", fullName = "Weak Password" });
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "password_policy");
    }

    [Fact]
    public async Task RegisterWithATakenUsernameIsAConflict()
    {
        var client = factory.CreateClient();
        var username = "taken" + Guid.NewGuid().ToString("N")[..8];
        await client.RegisterAsync(AuthFlows.NewEmail(), username: username);
        var response = await client.PostAsJsonAsync("/api/v1/auth/register",
            new { email = AuthFlows.NewEmail(), password = AuthFlows.Password, username = username.ToUpperInvariant(), fullName = "Second Person" });
        await response.AssertProblemAsync(HttpStatusCode.Conflict, "username_taken");
    }

    [Fact]
    public async Task TwentyConcurrentRegistrationsOfOneEmailCreateExactlyOneAccount()
    {
        var email = AuthFlows.NewEmail("race");
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            factory.CreateClient().PostAsJsonAsync("/api/v1/auth/register", new { email, password = AuthFlows.Password, fullName = $"Racer {i}" })));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        await factory.InDbAsync(async db =>
        {
            var normalized = email.ToUpperInvariant();
            Assert.Equal(1, await db.Users.CountAsync(u => u.NormalizedEmail == normalized));
            var id = await db.Users.Where(u => u.NormalizedEmail == normalized).Select(u => u.Id).SingleAsync();
            Assert.Equal(1, await db.OutboxMessages.CountAsync(m => m.Type == EventTypes.UserRegistered && m.Subject == id));
        });
    }

    [Theory]
    [InlineData("{\"email\":\"a@example.com\",\"password\":\"Sturdy-Pass-2024!\",\"fullName\":\"Bad\\u0000Name\"}")]
    [InlineData("{\"email\":\"a@example.com\\r\\nBcc: victim@example.com\",\"password\":\"Sturdy-Pass-2024!\",\"fullName\":\"Header Injection\"}")]
    [InlineData("{\"email\":\"<script>@example.com\",\"password\":\"Sturdy-Pass-2024!\",\"fullName\":\"Script\"}")]
    public async Task RegisterRefusesHostileInput(string json)
    {
        var response = await factory.CreateClient().PostAsync("/api/v1/auth/register", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
    }
}
