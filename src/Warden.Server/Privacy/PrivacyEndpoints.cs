using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication;
using Warden.Server.Authorization;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Privacy;

public sealed record DeleteAccountRequest(string? Password, string? Code);

/// <summary>The data-protection rights: a copy of everything held (export) and erasure.</summary>
public static class PrivacyEndpoints
{
    /// <summary>The caller's own data under <c>/api/v1/users</c>: take it away, or erase it.</summary>
    public static RouteGroupBuilder MapPrivacyEndpoints(this RouteGroupBuilder users)
    {
        users.MapGet("/me/export", ExportAsync)
            .WithName("ExportPersonalData").WithTags("Privacy").WithSummary("Everything held about the caller, as a JSON attachment.");
        users.MapDelete("/me", DeleteAsync)
            .WithName("DeleteAccount").WithTags("Privacy").WithSummary("Erase the caller's personal data and end every session.")
            .Accepts<DeleteAccountRequest>("application/json");
        return users;
    }

    /// <summary>
    /// Everything Warden holds about the caller, as one JSON attachment: one member per module that keeps
    /// personal data (<see cref="IPersonalData"/>). Secrets are never part of it (no password, token or code
    /// hashes), only the facts that they exist and when they were made.
    /// </summary>
    public static async Task<Results<Ok<Dictionary<string, object?>>, ProblemHttpResult>> ExportAsync(
        ClaimsPrincipal principal,
        HttpContext http,
        WardenDbContext db,
        IEnumerable<IPersonalData> modules,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var userId = principal.UserId();
        if (await ExportForAsync(userId, db, modules, time, cancellationToken) is not { } export)
        {
            return ApiProblems.NotFound();
        }

        AsAttachment(http, export);
        return TypedResults.Ok(export);
    }

    /// <summary>The API's export answers as a download that no cache keeps (this route and the administrators' one).</summary>
    public static void AsAttachment(HttpContext http, Dictionary<string, object?> export)
    {
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{FileName(export)}\"";
        http.Response.Headers.CacheControl = "no-store";
    }

    /// <summary>The export itself (the API and the account pages), recorded as taken; null when the account is gone.</summary>
    public static async Task<Dictionary<string, object?>?> ExportForAsync(
        Guid userId, WardenDbContext db, IEnumerable<IPersonalData> modules, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!await db.Users.AnyAsync(u => u.Id == userId && u.Status != UserStatus.Deleted, cancellationToken))
        {
            return null;
        }

        var now = time.GetUtcNow();
        var export = new Dictionary<string, object?>(StringComparer.Ordinal) { ["exportedAt"] = now };
        foreach (var module in modules)
        {
            export[module.Name] = await module.ExportAsync(userId, cancellationToken);
        }

        // Who took a copy of the data, and when, belongs in the audit log.
        db.AddEvent(EventTypes.PersonalDataExported, userId, new { userId }, now);
        await db.SaveChangesAsync(cancellationToken);
        return export;
    }

    public static string FileName(Dictionary<string, object?> export) =>
        $"warden-export-{((DateTimeOffset)export["exportedAt"]!).ToString("yyyyMMdd", CultureInfo.InvariantCulture)}.json";

    /// <summary>
    /// Erases the caller's personal data (<see cref="AccountErasure"/>): the password is required, and every
    /// session, this one included, ends in the same transaction. The last active holder of <c>admin:system</c>
    /// is refused (409 <c>last_administrator</c>): another administrator must exist first.
    /// </summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        [FromBody] DeleteAccountRequest request,
        ClaimsPrincipal principal,
        WardenDbContext db,
        Reauthentication reauthentication,
        AccountErasure erasure,
        CancellationToken cancellationToken)
    {
        return await EraseOwnAsync(principal.UserId(), null, request, db, reauthentication, erasure, cancellationToken);
    }

    /// <summary>The erasure, for the API and the account pages (<paramref name="stepUpSession"/>: see <see cref="Reauthentication"/>).</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> EraseOwnAsync(
        Guid userId,
        Guid? stepUpSession,
        DeleteAccountRequest request,
        WardenDbContext db,
        Reauthentication reauthentication,
        AccountErasure erasure,
        CancellationToken cancellationToken)
    {
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId && u.Status != UserStatus.Deleted, cancellationToken);
        if (user is null)
        {
            return ApiProblems.NotFound();
        }

        if (await reauthentication.CheckAsync(user, stepUpSession, request.Password, request.Code, cancellationToken) is { } refused)
        {
            return refused;
        }

        db.ChangeTracker.Clear();
        return await erasure.EraseAsync(userId, null, cancellationToken) switch
        {
            ErasureResult.Erased => TypedResults.NoContent(),
            ErasureResult.LastAdministrator => AccessGuards.LastSystemAdministrator(),
            _ => ApiProblems.NotFound(),
        };
    }
}
