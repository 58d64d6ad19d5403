using Microsoft.AspNetCore.Identity;

namespace Warden.Server.Users;

/// <summary>
/// The one folding rule for emails and usernames: ASCII letters upper-cased, nothing else touched. Identity's
/// default (<c>ToUpperInvariant</c>) folds non-ASCII letters onto ASCII ones ('ſ' → 'S', 'K' (Kelvin) → 'K'), so a
/// look-alike identifier would find, or block, someone else's account. Stored addresses and usernames are ASCII
/// (<see cref="EmailAddress"/>, <see cref="WardenUserValidator"/>), so for them this is exactly what was stored;
/// a non-ASCII identifier typed at sign-in or reset now finds nothing instead of a stranger's account.
/// </summary>
internal sealed class AsciiLookupNormalizer : ILookupNormalizer
{
    public string? NormalizeName(string? name) => Fold(name);

    public string? NormalizeEmail(string? email) => Fold(email);

    private static string? Fold(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var chars = value.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsAsciiLetterLower(chars[i]))
            {
                chars[i] = (char)(chars[i] - ('a' - 'A'));
            }
        }

        return new string(chars);
    }
}
