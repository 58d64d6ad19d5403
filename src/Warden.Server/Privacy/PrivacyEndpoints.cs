using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Profiles.Settings;
using Warden.Server.Users;
using Warden.Server.Profiles;

namespace Warden.Server.Privacy;

public sealed record DeleteAccountRequest(string? Password, string? Code);

/// <summary>The data-protection rights: a copy of everything held (export) and erasure.</summary>
public static class PrivacyEndpoints
{
    /// <summary>
    /// Everything Warden holds about the caller, as one JSON attachment. Secrets are never part of it (no
    /// password or token hashes, no code hashes), only the facts that they exist and when they were made.
    /// </summary>
    public static async Task<Results<Ok<PersonalDataExport>, ProblemHttpResult>> ExportAsync(
        ClaimsPrincipal principal,
        HttpContext http,
        WardenDbContext db,
        ProfileReader profiles,
        SecretProtector protector,
        IEnumerable<IPersonalDataSection> sections,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var userId = principal.UserId();
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId && u.Status != UserStatus.Deleted, cancellationToken);
        var profile = await profiles.GetAsync(userId, cancellationToken);
        if (user is null || profile is null)
        {
            return ApiProblems.NotFound();
        }

        var now = time.GetUtcNow();
        var settings = await db.UserSettings.AsNoTracking().SingleOrDefaultAsync(s => s.UserId == userId, cancellationToken) ?? new UserSettings { UserId = userId };
        settings.PreferredSecondFactor = await Profiles.Settings.SettingsEndpoints.PreferredSecondFactorAsync(db, userId, cancellationToken);
        var roles = await db.UserRoles.AsNoTracking().Where(r => r.UserId == userId)
            .Select(r => new ExportedRole(r.Role!.Name!, r.AssignedAt, r.AssignedBy))
            .ToListAsync(cancellationToken);
        var sessions = await db.Sessions.AsNoTracking().Where(s => s.UserId == userId).OrderBy(s => s.CreatedAt)
            .Select(s => new ExportedSession(s.Id, s.Client, s.State.ToString(), s.IpAddress, s.UserAgent, s.Amr, s.RememberMe,
                s.CreatedAt, s.LastUsedAt, s.ExpiresAt, s.RevokedAt, s.RevokedReason))
            .ToListAsync(cancellationToken);
        var tokens = await db.AccountTokens.AsNoTracking().Where(t => t.UserId == userId).OrderBy(t => t.CreatedAt)
            .Select(t => new ExportedToken(t.Purpose.ToString(), t.Data, t.CreatedAt, t.ExpiresAt, t.ConsumedAt))
            .ToListAsync(cancellationToken);
        var phoneRows = await db.PhoneVerifications.AsNoTracking().Where(v => v.UserId == userId).OrderBy(v => v.CreatedAt).ToListAsync(cancellationToken);
        var passwordChanges = await db.PasswordHistory.AsNoTracking().Where(h => h.UserId == userId).Select(h => h.CreatedAt).ToListAsync(cancellationToken);
        var logins = await db.UserLogins.AsNoTracking().Where(l => l.UserId == userId)
            .Select(l => new ExportedLogin(l.LoginProvider, l.ProviderDisplayName)).ToListAsync(cancellationToken);
        var claims = await db.UserClaims.AsNoTracking().Where(c => c.UserId == userId)
            .Select(c => new ExportedClaim(c.ClaimType, c.ClaimValue)).ToListAsync(cancellationToken);

        var extra = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var section in sections)
        {
            extra[section.Name] = await section.ExportAsync(userId, cancellationToken);
        }

        var export = new PersonalDataExport(
            now,
            new ExportedAccount(user.Id, user.Email!, user.UserName, user.Status.ToWire(), user.EmailConfirmed, user.EmailVerifiedAt,
                user.TwoFactorEnabled, await TwoFactorMethods.LoadAsync(db, userId, cancellationToken), user.CreatedAt, user.UpdatedAt, user.LastLoginAt, user.LoginCount,
                user.PasswordChangedAt, user.LockoutEnd),
            profile,
            SettingsView.From(settings),
            roles,
            sessions,
            phoneRows.Select(v => new ExportedPhoneVerification(protector.Unprotect(v.PhoneNumberProtected), v.CreatedAt, v.ExpiresAt, v.Attempts, v.ConsumedAt)).ToList(),
            tokens,
            passwordChanges,
            logins,
            claims,
            extra);

        http.Response.Headers.ContentDisposition = $"attachment; filename=\"warden-export-{now.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}.json\"";
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(export);
    }

    /// <summary>
    /// Erases the caller's personal data (<see cref="AccountErasure"/>): the password is required, and every
    /// session, this one included, ends in the same transaction.
    /// </summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        [FromBody] DeleteAccountRequest request,
        ClaimsPrincipal principal,
        WardenDbContext db,
        Reauthentication reauthentication,
        AccountErasure erasure,
        CancellationToken cancellationToken)
    {
        var userId = principal.UserId();
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId && u.Status != UserStatus.Deleted, cancellationToken);
        if (user is null)
        {
            return ApiProblems.NotFound();
        }

        if (await reauthentication.CheckAsync(user, request.Password, request.Code, cancellationToken) is { } refused)
        {
            return refused;
        }

        db.ChangeTracker.Clear();
        return await erasure.EraseAsync(userId, null, cancellationToken) ? TypedResults.NoContent() : ApiProblems.NotFound();
    }
}

public sealed record PersonalDataExport(
    DateTimeOffset ExportedAt,
    ExportedAccount Account,
    ProfileView Profile,
    SettingsView Settings,
    IReadOnlyList<ExportedRole> Roles,
    IReadOnlyList<ExportedSession> Sessions,
    IReadOnlyList<ExportedPhoneVerification> PhoneVerifications,
    IReadOnlyList<ExportedToken> AccountTokens,
    IReadOnlyList<DateTimeOffset> PasswordChanges,
    IReadOnlyList<ExportedLogin> ExternalLogins,
    IReadOnlyList<ExportedClaim> Claims,
    IReadOnlyDictionary<string, object?> Sections);

public sealed record ExportedAccount(
    Guid Id, string Email, string? Username, string Status, bool EmailVerified, DateTimeOffset? EmailVerifiedAt,
    bool TwoFactorEnabled, IReadOnlyList<string> TwoFactorMethods, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    DateTimeOffset? LastLoginAt, int LoginCount, DateTimeOffset? PasswordChangedAt, DateTimeOffset? LockoutEnd);

public sealed record ExportedRole(string Name, DateTimeOffset AssignedAt, Guid? AssignedBy);

public sealed record ExportedSession(
    Guid Id, string Client, string State, string? IpAddress, string? UserAgent, string Amr, bool RememberMe,
    DateTimeOffset CreatedAt, DateTimeOffset LastUsedAt, DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt, string? RevokedReason);

public sealed record ExportedPhoneVerification(string PhoneNumber, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, int Attempts, DateTimeOffset? ConsumedAt);

public sealed record ExportedToken(string Purpose, string? Data, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? ConsumedAt);

public sealed record ExportedLogin(string Provider, string? DisplayName);

public sealed record ExportedClaim(string? Type, string? Value);
