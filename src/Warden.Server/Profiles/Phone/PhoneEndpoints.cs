using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Authentication.TwoFactor;
using Warden.Server.Users;

namespace Warden.Server.Profiles.Phone;

public sealed record ChangePhoneRequest(string? PhoneNumber, string? Password, string? Code);

public sealed record VerifyPhoneRequest(string? Code);

/// <summary>
/// Setting the phone number (stored encrypted, unverified, and a code texted to it by an event handler) and
/// proving it with the code. The number serves as a second factor only once verified.
/// </summary>
public static class PhoneEndpoints
{
    private static readonly string[] PhoneFields = ["phoneNumber", "phoneVerified"];

    public static Task<Results<Ok<ProfileView>, ProblemHttpResult>> ChangeAsync(
        ChangePhoneRequest request,
        HttpContext http,
        WardenDbContext db,
        SecretProtector protector,
        Reauthentication reauthentication,
        ProfileReader reader,
        ProfileCache cache,
        IOptions<ProfileOptions> options,
        TimeProvider time,
        CancellationToken cancellationToken) =>
        ChangeForAsync(http.User.UserId(), null, request, http, db, protector, reauthentication, reader, cache, options, time, cancellationToken);

    /// <summary>The change, for the API and the account pages (<paramref name="stepUpSession"/>: see <see cref="Reauthentication"/>).</summary>
    public static async Task<Results<Ok<ProfileView>, ProblemHttpResult>> ChangeForAsync(
        Guid userId,
        Guid? stepUpSession,
        ChangePhoneRequest request,
        HttpContext http,
        WardenDbContext db,
        SecretProtector protector,
        Reauthentication reauthentication,
        ProfileReader reader,
        ProfileCache cache,
        IOptions<ProfileOptions> options,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var number = request.PhoneNumber?.Trim();
        if (number is not null && !PhoneNumbers.IsE164(number))
        {
            return ApiProblems.ValidationProblem("phoneNumber", "Must be an E.164 number such as +4915112345678, or null to remove the number.");
        }

        var user = await db.Users.SingleAsync(u => u.Id == userId, cancellationToken);

        // The phone can become a second factor (and receives codes), so setting, changing or removing it needs the
        // same proof as any other factor: a stolen access token must not point the account's codes elsewhere.
        if (await reauthentication.CheckAsync(user, stepUpSession, request.Password, request.Code, cancellationToken) is { } refused)
        {
            return refused;
        }

        var now = time.GetUtcNow();
        if (number is not null)
        {
            var since = now - TimeSpan.FromHours(1);
            var recent = await db.PhoneVerifications.CountAsync(v => v.UserId == userId && v.CreatedAt > since, cancellationToken);
            if (recent >= options.Value.PhoneCodesPerHour)
            {
                // Every request texts someone: a cap per user keeps the account from being an SMS cannon.
                http.Response.Headers.RetryAfter = "3600";
                return ApiProblems.Problem(StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited, "Too many verification codes requested. Try again later.");
            }
        }

        var profile = await ProfileRows.LoadForUpdateAsync(db, userId, now, cancellationToken);
        if (profile is null)
        {
            return ApiProblems.NotFound();
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        // Any code still pending for an older number stops working.
        await db.PhoneVerifications
            .Where(v => v.UserId == userId && v.ConsumedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(v => v.ConsumedAt, now), cancellationToken);

        var previous = profile.PhoneNumberProtected is { } stored ? protector.Unprotect(SecretKind.PhoneNumber, stored) : null;
        if (previous != number)
        {
            db.AddEvent(EventTypes.PhoneChanged, userId, new { userId, removed = number is null }, now);
        }

        var protectedNumber = number is null ? null : protector.Protect(SecretKind.PhoneNumber, number);
        profile.PhoneNumberProtected = protectedNumber;
        profile.PhoneVerified = false;
        profile.UpdatedAt = now;
        profile.Version++;
        db.AddEvent(EventTypes.ProfileUpdated, userId, new { userId, fields = PhoneFields }, now);
        if (protectedNumber is not null)
        {
            var verification = new PhoneVerification { UserId = userId, PhoneNumberProtected = protectedNumber, CreatedAt = now };
            db.PhoneVerifications.Add(verification);
            db.AddEvent(EventTypes.PhoneVerificationRequested, userId,
                new { userId, verificationId = verification.Id }, now);
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.Conflict, "The profile changed meanwhile; try again.");
        }

        await transaction.CommitAsync(cancellationToken);
        cache.Invalidate(userId);
        return TypedResults.Ok(reader.From(profile));
    }

    public static Task<Results<Ok<ProfileView>, ProblemHttpResult>> VerifyAsync(
        VerifyPhoneRequest request,
        ClaimsPrincipal principal,
        WardenDbContext db,
        OneTimeCodeHasher hasher,
        ProfileReader reader,
        ProfileCache cache,
        IOptions<TwoFactorOptions> twoFactor,
        TimeProvider time,
        CancellationToken cancellationToken) =>
        VerifyForAsync(principal.UserId(), request, db, hasher, reader, cache, twoFactor, time, cancellationToken);

    /// <summary>The proof of the number, for the API and the account pages.</summary>
    public static async Task<Results<Ok<ProfileView>, ProblemHttpResult>> VerifyForAsync(
        Guid userId,
        VerifyPhoneRequest request,
        WardenDbContext db,
        OneTimeCodeHasher hasher,
        ProfileReader reader,
        ProfileCache cache,
        IOptions<TwoFactorOptions> twoFactor,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (!OneTimeCodes.IsWellFormed(request.Code))
        {
            return ApiProblems.ValidationProblem("code", "Must be the 6-digit code sent by SMS.");
        }

        var now = time.GetUtcNow();
        var pending = await db.PhoneVerifications.AsNoTracking()
            .Where(v => v.UserId == userId && v.ConsumedAt == null && v.CodeHash != null && v.ExpiresAt > now)
            .OrderByDescending(v => v.CreatedAt)
            .FirstOrDefaultAsync(cancellationToken);
        if (pending is null)
        {
            return InvalidCode();
        }

        // The guess is counted before it is compared, with a conditional update, so parallel guesses cannot
        // exceed the limit; the last allowed guess spends the verification whatever its outcome.
        var max = twoFactor.Value.MaxCodeAttempts;
        var counted = await db.PhoneVerifications
            .Where(v => v.Id == pending.Id && v.ConsumedAt == null && v.Attempts < max)
            .ExecuteUpdateAsync(s => s.SetProperty(v => v.Attempts, v => v.Attempts + 1), cancellationToken);
        if (counted == 0)
        {
            return InvalidCode();
        }

        if (!hasher.Matches(pending.Id, request.Code, pending.CodeHash!))
        {
            await db.PhoneVerifications
                .Where(v => v.Id == pending.Id && v.ConsumedAt == null && v.Attempts >= max)
                .ExecuteUpdateAsync(s => s.SetProperty(v => v.ConsumedAt, now), cancellationToken);
            return InvalidCode();
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var spent = await db.PhoneVerifications
            .Where(v => v.Id == pending.Id && v.ConsumedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(v => v.ConsumedAt, now), cancellationToken);
        var profile = await db.Profiles.SingleOrDefaultAsync(p => p.UserId == userId, cancellationToken);
        if (spent == 0 || profile is null || profile.PhoneNumberProtected != pending.PhoneNumberProtected)
        {
            return InvalidCode(); // spent concurrently, or the number changed since the code was sent
        }

        profile.PhoneVerified = true;
        profile.UpdatedAt = now;
        profile.Version++;
        db.AddEvent(EventTypes.PhoneVerified, userId, new { userId }, now);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        cache.Invalidate(userId);
        return TypedResults.Ok(reader.From(profile));
    }

    private static ProblemHttpResult InvalidCode() =>
        ApiProblems.Problem(StatusCodes.Status400BadRequest, ProblemCodes.InvalidCode, "The code is wrong or has expired.");
}
