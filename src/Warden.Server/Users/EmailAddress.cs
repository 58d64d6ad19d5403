using System.Net.Mail;

namespace Warden.Server.Users;

public static class EmailAddress
{
    public const int MaxLength = 254;

    /// <summary>A plain addr-spec with a dotted domain; display names and comments are refused.</summary>
    public static bool IsValid(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > MaxLength || value.Trim() != value)
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
