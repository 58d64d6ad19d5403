using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Authorization;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Observability;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Users;

namespace Warden.Server.Authentication.Migration;

/// <summary>
/// Just-in-time migration: a sign-in by email for an address Warden has no account for asks the upstream once
/// (<c>POST {email, password}</c>, bearer secret) whether the password is right. If it is, the account is created here
/// with the password hashed by Warden (Argon2id) and the profile the upstream answered, and from then on the address
/// is a local account: the upstream is never asked about it again — nor about any address Warden already has, whatever
/// the password (the caller asks only when no account was found). Whatever goes wrong upstream (down, slow, a
/// refused address, an answer that is not the contract) is a wrong password to the person, a warning in the log and
/// a count in <c>warden.upstream_migrations</c>; never a 500.
/// </summary>
public sealed partial class UpstreamMigration(
    IHttpClientFactory clients, IOptions<UpstreamOptions> options, WardenDbContext db, UserManager<User> users, WardenMetrics metrics,
    TimeProvider time, ILogger<UpstreamMigration> logger)
{
    public const string HttpClientName = "upstream-migration";

    public bool Enabled => options.Value.Enabled;

    /// <summary>The account created from the upstream's answer, or null (not valid there, or the upstream failed).</summary>
    public async Task<User?> TryMigrateAsync(string email, string password, CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!o.Enabled)
        {
            return null;
        }

        Answer? answer;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(o.Timeout);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, o.Url) { Content = JsonContent.Create(new { email, password }) };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", o.Secret);
                using var response = await clients.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
                if (!response.IsSuccessStatusCode)
                {
                    LogUpstreamFailed(logger, $"status {(int)response.StatusCode}");
                    metrics.UpstreamMigration("failed");
                    return null;
                }

                answer = await response.Content.ReadFromJsonAsync<Answer>(JsonSerializerOptions.Web, timeout.Token);
            }
            catch (Exception e) when (e is HttpRequestException or JsonException or NotSupportedException or OutboundTargetRefusedException
                                          || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                LogUpstreamFailed(logger, e.GetType().Name);
                metrics.UpstreamMigration("failed");
                return null;
            }
        }

        if (answer?.Valid != true)
        {
            metrics.UpstreamMigration("invalid");
            return null;
        }

        // The upstream vouches for the address that was typed; an answer about another address is not the contract.
        if (answer.Profile?.Email is { } answered && users.NormalizeEmail(answered) != users.NormalizeEmail(email))
        {
            LogUpstreamFailed(logger, "the answer names another address");
            metrics.UpstreamMigration("failed");
            return null;
        }

        var user = await CreateAsync(email, password, answer.Profile, cancellationToken);
        metrics.UpstreamMigration(user is null ? "failed" : "migrated");
        return user;
    }

    private async Task<User?> CreateAsync(string email, string password, Profile? profile, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var verified = profile?.EmailVerified == true;
        var userName = Clean(profile?.Username, 64);
        if (userName is not null && await db.Users.AnyAsync(u => u.NormalizedUserName == users.NormalizeName(userName), cancellationToken))
        {
            userName = null; // taken here: the account comes without it (the person may choose another)
        }

        var user = new User
        {
            Email = email,
            UserName = userName,
            EmailConfirmed = verified,
            EmailVerifiedAt = verified ? now : null,
            Status = verified ? UserStatus.Active : UserStatus.PendingVerification,
            PasswordChangedAt = now,
            CreatedAt = now,
            UpdatedAt = now,
        };
        // Hashed outside the transaction (SQLite holds its one write lock from BEGIN), as at registration.
        user.PasswordHash = await users.PasswordHasher.RunInSlotAsync(() => users.PasswordHasher.HashPassword(user, password), cancellationToken);

        var allowed = options.Value.AllowedRoles.Intersect(profile?.Roles ?? [], StringComparer.Ordinal).Append(DefaultRoles.User).Distinct().ToList();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            var created = await users.CreateAsync(user);
            if (!created.Succeeded)
            {
                await transaction.RollbackAsync(cancellationToken);
                LogNotCreated(logger, string.Join(", ", created.Errors.Select(e => e.Code)));
                return null;
            }

            var roles = await db.Roles.Where(r => allowed.Contains(r.Name!)).Select(r => new { r.Id, r.Name }).ToListAsync(cancellationToken);
            db.UserRoles.AddRange(roles.Select(r => new UserRole { UserId = user.Id, RoleId = r.Id, AssignedAt = now }));
            // user.registered makes the profile (and, for an unverified address, sends the verification link).
            db.AddEvent(EventTypes.UserRegistered, user.Id, new
            {
                userId = user.Id,
                email = user.Email,
                username = user.UserName,
                fullName = Clean(profile?.FullName, 200),
                firstName = Clean(profile?.FirstName, 100),
                lastName = Clean(profile?.LastName, 100),
                migrated = true,
            }, now);
            db.AddEvent(EventTypes.UserMigrated, user.Id, new { userId = user.Id, emailVerified = verified, roles = roles.Select(r => r.Name).ToList() }, now);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return user;
        }
        catch (DbUpdateException)
        {
            // The same address signed up (or migrated) at the same moment: that account stands, this attempt fails.
            await transaction.RollbackAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return null;
        }
    }

    private static string? Clean(string? value, int max) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Trim() is { Length: var length } trimmed && length <= max && !trimmed.Any(char.IsControl) ? trimmed : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "The migration upstream could not be used ({Reason}); the sign-in fails as with a wrong password")]
    private static partial void LogUpstreamFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An account vouched for by the migration upstream could not be created ({Errors})")]
    private static partial void LogNotCreated(ILogger logger, string errors);

    private sealed record Answer(bool? Valid, Profile? Profile);

    private sealed record Profile(string? Email, bool? EmailVerified, string? Username, string? FullName, string? FirstName, string? LastName, string[]? Roles);
}
