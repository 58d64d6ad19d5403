using System.Collections.Frozen;

namespace Warden.Server.Passwords;

/// <summary>
/// The common-password blocklist shipped in the server assembly: the 30,000 most frequent passwords of
/// zxcvbn 4.4.2 (MIT; source and licence in THIRD-PARTY.md). Loaded once, matched case-insensitively.
/// </summary>
public sealed class CommonPasswords
{
    internal const string ResourceName = "Warden.Server.Passwords.common-passwords.txt";

    private static readonly Lazy<CommonPasswords> SharedInstance = new(Load);

    private readonly FrozenSet<string> _passwords;

    private CommonPasswords(FrozenSet<string> passwords) => _passwords = passwords;

    /// <summary>The list is the same for every server, so one copy per process is enough.</summary>
    public static CommonPasswords Shared => SharedInstance.Value;

    public int Count => _passwords.Count;

    /// <summary>
    /// True when the password is on the list as typed, or once symbols (or digits and symbols) are trimmed from its ends.
    /// </summary>
    /// <remarks>
    /// The list holds what people actually type (<c>password1</c>, <c>qwerty123</c>) and almost nothing that
    /// would meet the composition rules, so an exact match alone would let <c>Password1!</c> through: exactly
    /// the "capitalise, append a digit and a symbol" mangling that cracking tools apply first. The rule stays
    /// explainable as "a common password with digits or symbols stuck to either end is still common": the
    /// candidate is checked as typed, with symbols trimmed from both ends, and with digits and symbols trimmed
    /// from both ends. Nothing inside the password is altered (no leetspeak undoing), so a user can always see
    /// why a password was refused. The list has no entry shorter than 4 characters, so a short core such as
    /// the "Ab" of "Ab12345678!" cannot match by accident.
    /// </remarks>
    public bool Contains(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var lookup = _passwords.GetAlternateLookup<ReadOnlySpan<char>>();
        var typed = password.AsSpan();
        var withoutSymbols = Trim(typed, static c => !char.IsLetterOrDigit(c));
        var withoutDigitsOrSymbols = Trim(typed, static c => !char.IsLetter(c));
        return lookup.Contains(typed)
            || (withoutSymbols.Length > 0 && lookup.Contains(withoutSymbols))
            || (withoutDigitsOrSymbols.Length > 0 && lookup.Contains(withoutDigitsOrSymbols));
    }

    private static ReadOnlySpan<char> Trim(ReadOnlySpan<char> value, Func<char, bool> trimmed)
    {
        var start = 0;
        var end = value.Length;
        while (start < end && trimmed(value[start]))
        {
            start++;
        }

        while (end > start && trimmed(value[end - 1]))
        {
            end--;
        }

        return value[start..end];
    }

    private static CommonPasswords Load()
    {
        using var stream = typeof(CommonPasswords).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing from the server assembly.");
        using var reader = new StreamReader(stream);
        var passwords = new List<string>(30_000);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                passwords.Add(line);
            }
        }

        return new CommonPasswords(passwords.ToFrozenSet(StringComparer.OrdinalIgnoreCase));
    }
}
