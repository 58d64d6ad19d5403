namespace Warden.Server.Users;

public enum UserStatus
{
    PendingVerification,
    Active,
    Suspended,
    Deleted,
}

public static class UserStatusNames
{
    public static string ToWire(this UserStatus status) => status switch
    {
        UserStatus.PendingVerification => "pending_verification",
        UserStatus.Active => "active",
        UserStatus.Suspended => "suspended",
        UserStatus.Deleted => "deleted",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static bool TryParse(string? value, out UserStatus status)
    {
        foreach (var candidate in Enum.GetValues<UserStatus>())
        {
            if (string.Equals(candidate.ToWire(), value, StringComparison.Ordinal))
            {
                status = candidate;
                return true;
            }
        }

        status = default;
        return false;
    }

    public static UserStatus Parse(string value) =>
        TryParse(value, out var status) ? status : throw new FormatException($"Unknown user status '{value}'.");
}
