using System.Text.RegularExpressions;

namespace Warden.Server.Profiles.Phone;

public static partial class PhoneNumbers
{
    /// <summary>E.164: a plus, a country code that does not start with 0, at most 15 digits in all.</summary>
    public static bool IsE164(string? value) => value is not null && E164().IsMatch(value);

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$", RegexOptions.CultureInvariant)]
    private static partial Regex E164();
}
