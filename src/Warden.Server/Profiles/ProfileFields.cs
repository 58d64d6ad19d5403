using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Warden.Server.Profiles;

/// <summary>
/// The writable fields of a profile, how each is validated, and how a whole document (PUT) or a JSON merge
/// patch (PATCH, RFC 7396) is applied to a profile. Every failure of every field is reported at once.
/// </summary>
public static partial class ProfileFields
{
    public const int MaxFullNameLength = 200;
    public const int MaxNameLength = 100;
    public const int MaxBioLength = 1000;
    public const int MaxUrlLength = 2048;
    public const int MaxPreferencesBytes = 16 * 1024;

    public const string FullName = "fullName";
    public const string FirstName = "firstName";
    public const string LastName = "lastName";
    public const string Bio = "bio";
    public const string AvatarUrl = "avatarUrl";
    public const string Timezone = "timezone";
    public const string Locale = "locale";
    public const string Preferences = "preferences";

    public static readonly IReadOnlySet<string> Writable = new HashSet<string>(StringComparer.Ordinal)
    {
        FullName, FirstName, LastName, Bio, AvatarUrl, Timezone, Locale, Preferences,
    };

    /// <summary>Set elsewhere (phone through /users/phone) or by the server; a PUT may echo them back and they are ignored.</summary>
    public static readonly IReadOnlySet<string> ReadOnly = new HashSet<string>(StringComparer.Ordinal)
    {
        "userId", "phoneNumber", "phoneVerified", "updatedAt",
    };

    private static readonly IReadOnlySet<string> PutFields = new HashSet<string>(Writable.Concat(ReadOnly), StringComparer.Ordinal);

    /// <summary>
    /// Applies <paramref name="body"/> to <paramref name="profile"/>. With <paramref name="patch"/> it is a merge
    /// patch (absent = unchanged, null = removed); otherwise a whole profile (absent = removed). Returns the names
    /// of the fields whose value changed; <paramref name="fields"/> holds the errors (and nothing is applied then).
    /// </summary>
    public static IReadOnlyList<string> Apply(UserProfile profile, JsonFields fields, bool patch, Func<string, bool> isOwnAvatarUrl)
    {
        if (patch)
        {
            fields.RejectUnknown(Writable);
            foreach (var name in ReadOnly.Where(fields.Has))
            {
                fields.Errors[name] = [name == "phoneNumber" ? "Read-only: change it with PUT /api/v1/users/phone." : "Read-only."];
            }
        }
        else
        {
            fields.RejectUnknown(PutFields);
        }

        bool Touches(string name) => !patch || fields.Has(name);

        var fullName = Name(fields, FullName, MaxFullNameLength);
        var firstName = Name(fields, FirstName, MaxNameLength);
        var lastName = Name(fields, LastName, MaxNameLength);
        var bio = BioText(fields);
        var avatarUrl = Avatar(fields, profile.AvatarUrl, isOwnAvatarUrl);
        var timezone = TimeZoneId(fields);
        var locale = LocaleName(fields);
        var preferences = PreferencesJson(fields, profile.Preferences, patch);
        if (fields.HasErrors)
        {
            return [];
        }

        var changed = new List<string>();
        void Set(string name, string? current, string? value, Action<string?> assign)
        {
            if (Touches(name) && !string.Equals(current, value, StringComparison.Ordinal))
            {
                assign(value);
                changed.Add(name);
            }
        }

        Set(FullName, profile.FullName, fullName, v => profile.FullName = v);
        Set(FirstName, profile.FirstName, firstName, v => profile.FirstName = v);
        Set(LastName, profile.LastName, lastName, v => profile.LastName = v);
        Set(Bio, profile.Bio, bio, v => profile.Bio = v);
        Set(AvatarUrl, profile.AvatarUrl, avatarUrl, v => profile.AvatarUrl = v);
        Set(Timezone, profile.Timezone, timezone, v => profile.Timezone = v);
        Set(Locale, profile.Locale, locale, v => profile.Locale = v);
        if (Touches(Preferences) && !SameJson(profile.Preferences, preferences!))
        {
            profile.Preferences = preferences!;
            changed.Add(Preferences);
        }

        return changed;
    }

    private static string? Name(JsonFields fields, string name, int maxLength)
    {
        var value = fields.Text(name);
        if (value is null)
        {
            return null;
        }

        if (TextRules.Length(value) > maxLength)
        {
            fields.Fail(name, $"At most {maxLength} characters.");
        }

        if (TextRules.HasForbiddenControl(value, multiLine: false))
        {
            fields.Fail(name, "Control characters are not allowed.");
        }

        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    private static string? BioText(JsonFields fields)
    {
        var value = fields.Text(Bio);
        if (value is null)
        {
            return null;
        }

        if (TextRules.Length(value) > MaxBioLength)
        {
            fields.Fail(Bio, $"At most {MaxBioLength} characters.");
        }

        if (TextRules.HasForbiddenControl(value, multiLine: true))
        {
            fields.Fail(Bio, "Control characters other than line breaks and tabs are not allowed.");
        }

        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    private static string? Avatar(JsonFields fields, string? current, Func<string, bool> isOwnAvatarUrl)
    {
        var value = fields.Text(AvatarUrl);
        if (value is null)
        {
            return null;
        }

        if (value.Length > MaxUrlLength
            || !Uri.TryCreate(value, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || uri.UserInfo.Length > 0
            || value.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            fields.Fail(AvatarUrl, $"Must be an absolute http or https URL of at most {MaxUrlLength} characters, without credentials.");
            return null;
        }

        // Warden's own avatar URLs are set by uploading; pointing at another user's file would let this user
        // delete it later (a replaced avatar's file is deleted). Echoing back one's current URL is fine.
        if (isOwnAvatarUrl(value) && !string.Equals(value, current, StringComparison.Ordinal))
        {
            fields.Fail(AvatarUrl, "Upload an avatar with POST /api/v1/users/profile/avatar instead.");
            return null;
        }

        return value;
    }

    private static string? TimeZoneId(JsonFields fields)
    {
        var value = fields.Text(Timezone);
        if (value is null)
        {
            return null;
        }

        if (!IsIanaTimeZone(value))
        {
            fields.Fail(Timezone, "Must be an IANA time zone such as Europe/Berlin.");
            return null;
        }

        return value;
    }

    /// <summary>
    /// An IANA zone known to this machine's tz database. The shape is checked first so that nothing that looks
    /// like a path reaches the lookup, and zones found only through a Windows id (HasIanaId false) are refused.
    /// </summary>
    public static bool IsIanaTimeZone(string value) =>
        value.Length <= 64
        && TimeZonePattern().IsMatch(value)
        && !value.Split('/').Any(part => part is "." or "..")
        && TimeZoneInfo.TryFindSystemTimeZoneById(value, out var zone)
        && zone.HasIanaId;

    private static string? LocaleName(JsonFields fields)
    {
        var value = fields.Text(Locale);
        if (value is null)
        {
            return null;
        }

        var canonical = CanonicalLocale(value);
        if (canonical is null)
        {
            fields.Fail(Locale, "Must be a BCP 47 language tag such as en-US.");
        }

        return canonical;
    }

    /// <summary>The tag in canonical case (de-de → de-DE) when it is a well-formed BCP 47 tag of a locale ICU knows; else null.</summary>
    public static string? CanonicalLocale(string value)
    {
        if (value.Length > 35 || !LocalePattern().IsMatch(value))
        {
            return null;
        }

        try
        {
            var culture = CultureInfo.GetCultureInfo(value, predefinedOnly: true);
            return culture.Name.Length == 0 ? null : culture.Name;
        }
        catch (CultureNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The preferences after this request: replaced (PUT), merged (PATCH, RFC 7396), or "{}" when removed.</summary>
    private static string? PreferencesJson(JsonFields fields, string current, bool patch)
    {
        if (!fields.TryGet(Preferences, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return "{}";
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            fields.Fail(Preferences, "Must be a JSON object.");
            return null;
        }

        if (!AllStringsWellFormed(value))
        {
            fields.Fail(Preferences, "Must hold valid Unicode text only.");
            return null;
        }

        string result;
        if (patch)
        {
            using var target = JsonDocument.Parse(current);
            result = JsonMergePatch.Apply(target.RootElement, value);
        }
        else
        {
            result = JsonMergePatch.Compact(value);
        }

        if (Encoding.UTF8.GetByteCount(result) > MaxPreferencesBytes)
        {
            fields.Fail(Preferences, $"At most {MaxPreferencesBytes / 1024} KiB of JSON.");
            return null;
        }

        return result;
    }

    private static bool AllStringsWellFormed(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => JsonFields.TryGetString(element) is not null,
        JsonValueKind.Object => element.EnumerateObject().All(p => TextRules.IsWellFormed(p.Name) && AllStringsWellFormed(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().All(AllStringsWellFormed),
        _ => true,
    };

    private static bool SameJson(string a, string b)
    {
        using var left = JsonDocument.Parse(a);
        using var right = JsonDocument.Parse(b);
        return JsonElement.DeepEquals(left.RootElement, right.RootElement);
    }

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex TimeZonePattern();

    // language[-script][-region][-variant...]: the subset of BCP 47 that names a locale.
    [GeneratedRegex(@"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?(-([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*$", RegexOptions.CultureInvariant)]
    private static partial Regex LocalePattern();
}
