using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Warden.Server.Authorization;
using Warden.Server.Users;

namespace Warden.Server.Administration.Import;

/// <summary>
/// <c>POST /api/v1/admin/users/import?dryRun=&amp;invitations=</c>: the request body is the JSON lines file, read as it
/// arrives (up to <see cref="MaxBodyBytes"/>, declared on the route: memory stays at one batch whatever the size). Needs <c>admin:system</c> as well as
/// <c>admin:users</c>: an import writes password hashes and can grant any role the administrator holds. The answer
/// counts the lines and names every refused line by its number (the first <see cref="UserImport.MaxReportedErrors"/>).
/// </summary>
public static class ImportUsersEndpoint
{
    public const long MaxBodyBytes = 4L * 1024 * 1024 * 1024;

    public static async Task<Ok<UserImportResult>> HandleAsync(
        ClaimsPrincipal principal, UserImport import, HttpContext http, CancellationToken cancellationToken,
        bool dryRun = false, bool invitations = true)
    {
        var result = await import.RunAsync(http.Request.Body, new UserImportOptions(dryRun, invitations, principal.UserId(), "api"), null, cancellationToken);
        return TypedResults.Ok(result);
    }
}
