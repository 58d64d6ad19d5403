using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication;
using Warden.Server.Authentication.TwoFactor;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Pages.Layout;

namespace Warden.Server.Pages.Home;

/// <summary>
/// The signed-in landing page: who is signed in, a security checklist (email confirmed, a second factor, enough
/// recovery codes left, when the password was last changed), the account's pages and sign-out. Without a browser
/// session it sends to sign-in.
/// </summary>
public static class Overview
{
    public static async Task<IResult> ShowAsync(
        HttpContext http, AccountSession account, WardenDbContext db, AccountViewCache accountViews, IAntiforgery antiforgery, CancellationToken cancellationToken)
    {
        if (await account.CurrentAsync(http) is not { User: { } user })
        {
            return PageResults.SeeOther("/account/login?returnUrl=%2Faccount");
        }

        var name = await accountViews.ProfileNameAsync(db, user.Id, cancellationToken);
        var twoFactor = await TwoFactorManagement.StatusOfAsync(db, user.Id, cancellationToken);
        return new RazorComponentResult<OverviewPage>(new Dictionary<string, object?>
        {
            [nameof(OverviewPage.TwoFactorMethods)] = twoFactor.Methods,
            [nameof(OverviewPage.RecoveryCodesRemaining)] = twoFactor.RecoveryCodesRemaining,
            [nameof(OverviewPage.PasswordChanged)] = user.PasswordHash is null ? null : user.PasswordChangedAt?.UtcDateTime,
            [nameof(OverviewPage.Name)] = name,
            [nameof(OverviewPage.Email)] = user.Email,
            [nameof(OverviewPage.EmailVerified)] = user.EmailVerifiedAt is not null,
            [nameof(OverviewPage.LastSignIn)] = user.LastLoginAt?.UtcDateTime,
            [nameof(OverviewPage.Antiforgery)] = antiforgery.GetAndStoreTokens(http),
        });
    }
}
