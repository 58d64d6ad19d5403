using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Authentication.TwoFactor;

public sealed record TwoFactorMethodsRequest(bool? Sms, bool? Email, string? Preferred, string? Password, string? Code);

public sealed record TwoFactorStatus(IReadOnlyList<string> Methods, string? Preferred, int RecoveryCodesRemaining, IReadOnlyList<string>? RecoveryCodes = null);

/// <summary>Which factors are on, which is preferred, new recovery codes, and turning it all off.</summary>
public static class TwoFactorManagement
{
    public static async Task<Ok<TwoFactorStatus>> GetAsync(ClaimsPrincipal principal, WardenDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await StatusAsync(db, principal.UserId(), null, cancellationToken));

    /// <summary>Which factors are on (the API's <c>GET /users/2fa</c> and the security page).</summary>
    public static Task<TwoFactorStatus> StatusOfAsync(WardenDbContext db, Guid userId, CancellationToken cancellationToken) =>
        StatusAsync(db, userId, null, cancellationToken);

    public static Task<Results<Ok<TwoFactorStatus>, ProblemHttpResult, ValidationProblem>> SetMethodsAsync(
        TwoFactorMethodsRequest request, ClaimsPrincipal principal, WardenDbContext db, TwoFactorAccount account,
        Reauthentication reauthentication, IOptions<TwoFactorOptions> options, CancellationToken cancellationToken) =>
        SetMethodsForAsync(principal.UserId(), null, request, db, account, reauthentication, options, cancellationToken);

    /// <summary>SMS or email codes on or off, for the API and the account pages (<paramref name="stepUpSession"/>: see <see cref="Reauthentication"/>).</summary>
    public static async Task<Results<Ok<TwoFactorStatus>, ProblemHttpResult, ValidationProblem>> SetMethodsForAsync(
        Guid userId, Guid? stepUpSession, TwoFactorMethodsRequest request, WardenDbContext db, TwoFactorAccount account,
        Reauthentication reauthentication, IOptions<TwoFactorOptions> options, CancellationToken cancellationToken)
    {
        if (request.Preferred is not null && request.Preferred is not (SecondFactorMethods.Totp or SecondFactorMethods.Sms or SecondFactorMethods.Email))
        {
            return ApiProblems.Validation("preferred", "The preferred method is totp, sms or email.");
        }

        var user = await db.Users.SingleAsync(u => u.Id == userId, cancellationToken);
        var row = await account.GetOrAddAsync(user.Id, cancellationToken);
        if (request.Sms == true && !row.SmsEnabled)
        {
            var phoneVerified = await db.Profiles.AnyAsync(p => p.UserId == user.Id && p.PhoneVerified && p.PhoneNumberProtected != null, cancellationToken);
            if (!phoneVerified)
            {
                return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.MethodUnavailable, "Verify a phone number before turning on SMS codes.");
            }
        }

        if (request.Email == true && !row.EmailEnabled && !options.Value.AllowEmailCodes)
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.MethodUnavailable, "Email codes are not offered by this server.");
        }

        // Turning a factor on or off is a sensitive change either way: a stolen session must neither remove the
        // owner's factor nor add one of its own. Choosing among the enabled ones is not. Checked after every
        // other rule, so a refused request never spends the code that came with it.
        // The row stays untouched until the proof holds: a refused proof must change nothing.
        var sms = request.Sms ?? row.SmsEnabled;
        var email = request.Email ?? row.EmailEnabled;
        var changesFactors = sms != row.SmsEnabled || email != row.EmailEnabled;
        if (request.Preferred is { } preferred
            && !(preferred == SecondFactorMethods.Totp ? row.TotpEnabled : preferred == SecondFactorMethods.Sms ? sms : email))
        {
            return ApiProblems.Validation("preferred", "The preferred method must be one that is turned on.");
        }

        if (changesFactors && await reauthentication.CheckAsync(user, stepUpSession, request.Password, request.Code, cancellationToken) is { } refused)
        {
            return refused;
        }

        row.SmsEnabled = sms;
        row.EmailEnabled = email;
        row.PreferredMethod = request.Preferred ?? row.PreferredMethod;

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var wasEnabled = user.TwoFactorEnabled;
        await account.SyncAsync(user, row, null, cancellationToken);

        // Switching 2FA on through SMS or email also needs a way back in when the phone is lost.
        IReadOnlyList<string>? codes = !wasEnabled && user.TwoFactorEnabled ? await account.ReplaceRecoveryCodesAsync(user.Id, cancellationToken) : null;
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(await StatusAsync(db, user.Id, codes, cancellationToken));
    }

    public static Task<Results<Ok<RecoveryCodesResponse>, ProblemHttpResult>> RegenerateRecoveryCodesAsync(
        CodeRequest request, ClaimsPrincipal principal, WardenDbContext db, TwoFactorAccount account, Reauthentication reauthentication,
        TimeProvider time, CancellationToken cancellationToken) =>
        RegenerateAsync(principal.UserId(), null, request, db, account, reauthentication, time, cancellationToken);

    /// <summary>New recovery codes, for the API and the account pages (<paramref name="stepUpSession"/>: see <see cref="Reauthentication"/>).</summary>
    public static async Task<Results<Ok<RecoveryCodesResponse>, ProblemHttpResult>> RegenerateAsync(
        Guid userId, Guid? stepUpSession, CodeRequest request, WardenDbContext db, TwoFactorAccount account, Reauthentication reauthentication,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var user = await db.Users.SingleAsync(u => u.Id == userId, cancellationToken);
        if (!user.TwoFactorEnabled)
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.TwoFactorNotEnabled, "Two-factor authentication is off.");
        }

        if (await reauthentication.CheckAsync(user, stepUpSession, request.Password, request.Code, cancellationToken) is { } refused)
        {
            return refused;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var codes = await account.ReplaceRecoveryCodesAsync(user.Id, cancellationToken);
        db.AddEvent(EventTypes.TwoFactorRecoveryCodesRegenerated, user.Id, new { userId = user.Id }, time.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(new RecoveryCodesResponse(codes));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DisableAsync(
        HttpContext http, ClaimsPrincipal principal, WardenDbContext db, TwoFactorAccount account, Reauthentication reauthentication,
        CancellationToken cancellationToken)
    {
        // DELETE with a body: read by hand so a missing body is "re-authentication required", not a binding error.
        CodeRequest? request = null;
        if (http.Request.HasJsonContentType())
        {
            try
            {
                request = await http.Request.ReadFromJsonAsync<CodeRequest>(cancellationToken);
            }
            catch (System.Text.Json.JsonException)
            {
                return ApiProblems.Problem(StatusCodes.Status400BadRequest, ProblemCodes.MalformedRequest, "The request body is not valid JSON.");
            }
        }

        return await TurnOffAsync(principal.UserId(), null, request, db, account, reauthentication, cancellationToken);
    }

    /// <summary>Every second factor off, for the API and the account pages (<paramref name="stepUpSession"/>: see <see cref="Reauthentication"/>).</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> TurnOffAsync(
        Guid userId, Guid? stepUpSession, CodeRequest? request, WardenDbContext db, TwoFactorAccount account, Reauthentication reauthentication,
        CancellationToken cancellationToken)
    {
        var user = await db.Users.SingleAsync(u => u.Id == userId, cancellationToken);
        if (await reauthentication.CheckAsync(user, stepUpSession, request?.Password, request?.Code, cancellationToken) is { } refused)
        {
            return refused;
        }

        db.ChangeTracker.Clear();
        await account.DisableAllAsync(user.Id, null, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<TwoFactorStatus> StatusAsync(WardenDbContext db, Guid userId, IReadOnlyList<string>? codes, CancellationToken cancellationToken)
    {
        var row = await db.TwoFactor.AsNoTracking().SingleOrDefaultAsync(t => t.UserId == userId, cancellationToken);
        var remaining = await db.RecoveryCodes.CountAsync(c => c.UserId == userId && c.UsedAt == null, cancellationToken);
        return new TwoFactorStatus(row?.EnabledMethods() ?? [], row?.PreferredMethod, remaining, codes);
    }
}
