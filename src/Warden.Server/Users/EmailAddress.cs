using System.Net.Mail;
using System.Text;

namespace Warden.Server.Users;

public static class EmailAddress
{
    public const int MaxLength = 254;

    /// <summary>
    /// A plain addr-spec with a dotted domain, in ASCII; display names and comments are refused.
    /// </summary>
    /// <remarks>
    /// ASCII only, because lookups fold case: outside ASCII, letters fold onto ASCII ones ('ſ' upper-cases to
    /// 'S', the Kelvin sign to 'K'), so "ſue@example.com" would hold the place of sue@example.com, whose owner
    /// could then neither register nor recover, while mail to the look-alike reaches someone else or nobody. An
    /// internationalized domain is given in its ASCII (xn--) form.
    /// </remarks>
    public static bool IsValid(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > MaxLength || value.Trim() != value || !Ascii.IsValid(value))
        {
            return false;
        }

        if (value.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) || value.Contains('<', StringComparison.Ordinal))
        {
            return false;
        }

        if (!MailAddress.TryCreate(value, out var parsed) || parsed.Address != value)
        {
            return false;
        }

        var at = value.LastIndexOf('@');
        var domain = value[(at + 1)..];
        return at is > 0 and <= 64 && domain.Contains('.', StringComparison.Ordinal) && !domain.StartsWith('.') && !domain.EndsWith('.');
    }
}
