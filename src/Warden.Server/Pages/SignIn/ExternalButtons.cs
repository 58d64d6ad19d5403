using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication.External;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Pages.Layout;

namespace Warden.Server.Pages.SignIn;

/// <summary>
/// The identity providers' buttons (read from the table each time: a provider disabled on any node disappears at once). On the
/// sign-in page, every enabled provider; on the re-authentication page, the enabled providers linked to the account.
/// </summary>
public static class ExternalButtons
{
    public static async Task<IReadOnlyList<ExternalButton>> ForSignInAsync(WardenDbContext db, string? returnUrl, CancellationToken cancellationToken) =>
        (await db.IdentityProviders.AsNoTracking().Where(p => p.Enabled).OrderBy(p => p.DisplayName).Select(p => new { p.Slug, p.DisplayName }).ToListAsync(cancellationToken))
        .Select(p => new ExternalButton("External.SignInWith", p.DisplayName, ExternalPaths.Start(p.Slug)) { Hidden = Carry(returnUrl) })
        .ToList();

    public static async Task<IReadOnlyList<ExternalButton>> ForReauthenticationAsync(WardenDbContext db, Guid userId, string back, CancellationToken cancellationToken)
    {
        var linked = await db.UserLogins.AsNoTracking().Where(l => l.UserId == userId).Select(l => l.LoginProvider).ToListAsync(cancellationToken);
        var providers = await db.IdentityProviders.AsNoTracking().Where(p => p.Enabled).OrderBy(p => p.DisplayName).ToListAsync(cancellationToken);
        return providers.Where(p => linked.Contains(p.Id.ToString("N")))
            .Select(p => new ExternalButton("External.ConfirmWith", p.DisplayName, ExternalPaths.Reauthenticate(p.Slug)) { Hidden = Carry(back) })
            .ToList();
    }

    private static Dictionary<string, string> Carry(string? returnUrl) =>
        string.IsNullOrEmpty(returnUrl) ? [] : new Dictionary<string, string> { ["returnUrl"] = returnUrl };
}
