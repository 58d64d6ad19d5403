using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Pages.Layout;

namespace Warden.Server.Pages.Home;

/// <summary>The signed-in landing page: who is signed in, and sign-out. Without a browser session it sends to sign-in.</summary>
public static class Overview
{
    public static async Task<IResult> ShowAsync(HttpContext http, AccountSession account, WardenDbContext db, IAntiforgery antiforgery, CancellationToken cancellationToken)
    {
        if (await account.CurrentAsync(http) is not { User: { } user })
        {
            return PageResults.SeeOther("/account/login?returnUrl=%2Faccount");
        }

        var name = await db.Profiles.Where(p => p.UserId == user.Id)
            .Select(p => p.FullName ?? ((p.FirstName ?? "") + " " + (p.LastName ?? "")).Trim())
            .FirstOrDefaultAsync(cancellationToken);
        return new RazorComponentResult<OverviewPage>(new Dictionary<string, object?>
        {
            [nameof(OverviewPage.Name)] = string.IsNullOrWhiteSpace(name) ? null : name,
            [nameof(OverviewPage.Email)] = user.Email,
            [nameof(OverviewPage.EmailVerified)] = user.EmailVerifiedAt is not null,
            [nameof(OverviewPage.LastSignIn)] = user.LastLoginAt?.UtcDateTime,
            [nameof(OverviewPage.Antiforgery)] = antiforgery.GetAndStoreTokens(http),
        });
    }
}
