using System.Globalization;
using Microsoft.AspNetCore.Localization;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Pages;

/// <summary>
/// The language of a page: the signed-in person's profile locale when Warden has it, else the browser's
/// <c>Accept-Language</c>, else English. Only cultures with a <c>Strings.*.resx</c> are offered.
/// </summary>
public static class PageCulture
{
    public static readonly CultureInfo[] Supported = [new("en"), new("de")];

    public static RequestLocalizationOptions Options()
    {
        var options = new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture("en"),
            SupportedCultures = Supported,
            SupportedUICultures = Supported,
            FallBackToParentCultures = true,
            FallBackToParentUICultures = true,
        };
        options.RequestCultureProviders = [new ProfileLocaleProvider(), new AcceptLanguageHeaderRequestCultureProvider()];
        return options;
    }

    private sealed class ProfileLocaleProvider : RequestCultureProvider
    {
        public override async Task<ProviderCultureResult?> DetermineProviderCultureResult(HttpContext httpContext)
        {
            if (!httpContext.Request.Cookies.ContainsKey(AccountSession.CookieName(httpContext)))
            {
                return null;
            }

            var session = await httpContext.RequestServices.GetRequiredService<AccountSession>().CurrentAsync(httpContext);
            if (session is null)
            {
                return null;
            }

            var db = httpContext.RequestServices.GetRequiredService<WardenDbContext>();
            var locale = await db.Profiles.Where(p => p.UserId == session.UserId).Select(p => p.Locale).FirstOrDefaultAsync(httpContext.RequestAborted);
            return string.IsNullOrWhiteSpace(locale) ? null : new ProviderCultureResult(locale);
        }
    }
}
