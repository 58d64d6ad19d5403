using System.Globalization;

namespace Warden.Server.Pages.Admin;

/// <summary>
/// The user list's filters as the console's forms carry them (query string of the list, hidden fields of the bulk
/// form): the admin API's <c>search</c>, <c>status</c>, <c>role</c>, <c>twoFactor</c> and <c>sort</c>, and the
/// creation dates as days (<c>from</c> and <c>to</c>, both inclusive, UTC).
/// </summary>
public sealed record UserListQuery(string? Search, string? Status, string? Role, string? TwoFactor, string? From, string? To, string? Sort)
{
    public static readonly UserListQuery None = new(null, null, null, null, null, null, null);

    public bool Filtered => !string.IsNullOrWhiteSpace(Search) || !string.IsNullOrEmpty(Status) || !string.IsNullOrEmpty(Role)
                            || !string.IsNullOrEmpty(TwoFactor) || !string.IsNullOrEmpty(From) || !string.IsNullOrEmpty(To);

    public IEnumerable<KeyValuePair<string, string>> Fields()
    {
        foreach (var (name, value) in new[] { ("search", Search), ("status", Status), ("role", Role), ("twoFactor", TwoFactor), ("from", From), ("to", To), ("sort", Sort) })
        {
            if (!string.IsNullOrEmpty(value))
            {
                yield return new(name, value);
            }
        }
    }

    /// <summary>The list's address with these filters (and a cursor, to continue).</summary>
    public string Url(string? cursor = null)
    {
        var fields = Fields().ToList();
        if (cursor is not null)
        {
            fields.Add(new("cursor", cursor));
        }

        return AdminSections.Users.Path + (fields.Count == 0 ? "" : "?" + string.Join('&', fields.Select(f => f.Key + "=" + Uri.EscapeDataString(f.Value))));
    }

    /// <summary>The API's typed filters, or the fields that are not days / not yes-or-no.</summary>
    public (bool? TwoFactor, DateTimeOffset? CreatedFrom, DateTimeOffset? CreatedTo, Dictionary<string, string[]> Errors) Typed(Func<string, string> text)
    {
        var errors = new Dictionary<string, string[]>();
        bool? twoFactor = TwoFactor switch { null or "" => null, "on" => true, "off" => false, _ => Invalid(errors, "twoFactor", text) };
        var from = Day(From, "from", errors, text);
        var to = Day(To, "to", errors, text)?.AddDays(1);
        return (twoFactor, from, to, errors);
    }

    private static bool? Invalid(Dictionary<string, string[]> errors, string field, Func<string, string> text)
    {
        errors[field] = [text("Admin.Users.Invalid")];
        return null;
    }

    private static DateTimeOffset? Day(string? value, string field, Dictionary<string, string[]> errors, Func<string, string> text)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        }

        errors[field] = [text("Admin.Users.InvalidDay")];
        return null;
    }
}
