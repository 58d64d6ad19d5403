using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Users;

namespace Warden.Server.Authentication.TwoFactor;

public sealed record TotpSetupRequest(string? Password, string? Code);

public sealed record TotpSetupResponse(string Secret, string OtpauthUri, string QrCodePng);

public sealed record CodeRequest(string? Code, string? Password);

public sealed record RecoveryCodesResponse(IReadOnlyList<string> RecoveryCodes);

/// <summary>Authenticator apps: a fresh secret to scan, then a code from the app to prove it was scanned.</summary>
public static class TotpEnrollment
{
    public static Task<Results<Ok<TotpSetupResponse>, ProblemHttpResult>> SetupAsync(
        TotpSetupRequest? request, ClaimsPrincipal principal, WardenDbContext db, TwoFactorAccount account, Reauthentication reauthentication,
        SecretProtector secrets, IOptions<TwoFactorOptions> options, CancellationToken cancellationToken) =>
        BeginAsync(principal.UserId(), null, request, db, account, reauthentication, secrets, options, cancellationToken);

    /// <summary>
    /// A new pending secret, for the API and the account pages; <paramref name="stepUpSession"/> (the pages) lets a
    /// re-authentication given on that session within the window stand for the proof (<see cref="Reauthentication"/>).
    /// </summary>
    public static async Task<Results<Ok<TotpSetupResponse>, ProblemHttpResult>> BeginAsync(
        Guid userId, Guid? stepUpSession, TotpSetupRequest? request, WardenDbContext db, TwoFactorAccount account, Reauthentication reauthentication,
        SecretProtector secrets, IOptions<TwoFactorOptions> options, CancellationToken cancellationToken)
    {
        var user = await db.Users.SingleAsync(u => u.Id == userId, cancellationToken);
        var row = await account.GetOrAddAsync(user.Id, cancellationToken);
        // Adding or replacing an authenticator is what an attacker with a stolen session would do first.
        if (await reauthentication.CheckAsync(user, stepUpSession, request?.Password, request?.Code, cancellationToken) is { } refused)
        {
            return refused;
        }

        var secret = Base32.Encode(TotpSecret.Generate());
        row.PendingTotpSecretProtected = secrets.Protect(SecretKind.TotpSecret, secret);
        await db.SaveChangesAsync(cancellationToken);

        var uri = OtpAuthUri.Build(options.Value.Issuer, user.Email!, Base32.Decode(secret));
        return TypedResults.Ok(new TotpSetupResponse(secret, uri, QrCodeImage.PngDataUri(uri)));
    }

    public static Task<Results<Ok<RecoveryCodesResponse>, ProblemHttpResult, ValidationProblem>> ConfirmAsync(
        CodeRequest request, ClaimsPrincipal principal, WardenDbContext db, TwoFactorAccount account, SecretProtector secrets,
        TimeProvider time, CancellationToken cancellationToken) =>
        ConfirmForAsync(principal.UserId(), request, db, account, secrets, time, cancellationToken);

    public static async Task<Results<Ok<RecoveryCodesResponse>, ProblemHttpResult, ValidationProblem>> ConfirmForAsync(
        Guid userId, CodeRequest request, WardenDbContext db, TwoFactorAccount account, SecretProtector secrets,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (!OneTimeCodes.IsWellFormed(request.Code?.Trim()))
        {
            return ApiProblems.Validation("code", "Enter the 6-digit code from your authenticator app.");
        }

        var user = await db.Users.SingleAsync(u => u.Id == userId, cancellationToken);
        var row = await db.TwoFactor.SingleOrDefaultAsync(t => t.UserId == user.Id, cancellationToken);
        if (row?.PendingTotpSecretProtected is null)
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.NoPendingSetup, "Start the authenticator setup first.");
        }

        var secret = Base32.Decode(secrets.Unprotect(SecretKind.TotpSecret, row.PendingTotpSecretProtected));
        var step = Totp.Verify(secret, request.Code!.Trim(), time.GetUtcNow(), lastAcceptedStep: null);
        if (step is null)
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, ProblemCodes.InvalidCode, "The code is wrong or expired.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        row.TotpSecretProtected = row.PendingTotpSecretProtected;
        row.PendingTotpSecretProtected = null;
        row.TotpConfirmedAt = time.GetUtcNow();
        row.LastTotpStep = step; // the confirming code may not be used again to sign in
        row.PreferredMethod ??= SecondFactorMethods.Totp;
        await account.SyncAsync(user, row, null, cancellationToken);
        var codes = await account.ReplaceRecoveryCodesAsync(user.Id, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(new RecoveryCodesResponse(codes));
    }
}
