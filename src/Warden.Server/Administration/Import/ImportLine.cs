using System.Text.Json;
using System.Text.Json.Serialization;
using Warden.Server.Authorization;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Users;

namespace Warden.Server.Administration.Import;

/// <summary>
/// One line of a user import or export (JSON lines): the account, its names and roles, and optionally a password
/// hash in one of the formats <see cref="ImportedPasswordHashes"/> accepts.
/// </summary>
public sealed record ImportLine(
    string? Email,
    bool? EmailVerified,
    string? Username,
    string? FullName,
    string? FirstName,
    string? LastName,
    List<string>? Roles,
    string? PasswordHash)
{
    public const int MaxRoles = 20;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // A misspelt field ("pasword_hash") must not import an account without its password.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The line checked on its own (the database is asked later, a batch at a time).</summary>
    internal static bool TryRead(string text, out ValidLine line, out string error)
    {
        line = default!;
        ImportLine? read;
        try
        {
            read = JsonSerializer.Deserialize<ImportLine>(text, Json);
        }
        catch (JsonException ex)
        {
            error = $"Not a JSON object of the import format: {ex.Message}";
            return false;
        }

        if (read is null)
        {
            error = "Not a JSON object of the import format.";
            return false;
        }

        var email = read.Email?.Trim();
        if (!EmailAddress.IsValid(email))
        {
            error = "A valid email address is required.";
            return false;
        }

        var username = string.IsNullOrWhiteSpace(read.Username) ? null : read.Username.Trim();
        if (username is not null && !WardenUserValidator.UserNamePattern().IsMatch(username))
        {
            error = "A username has 3 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit.";
            return false;
        }

        foreach (var (field, value, max) in new[] { ("fullName", read.FullName, CreateUser.MaxNameLength * 2), ("firstName", read.FirstName, CreateUser.MaxNameLength), ("lastName", read.LastName, CreateUser.MaxNameLength) })
        {
            if (value is not null && (value.Length > max || value.Any(char.IsControl)))
            {
                error = $"{field}: at most {max} characters, without control characters.";
                return false;
            }
        }

        if (read.Roles is { } roles && (roles.Count > MaxRoles || roles.Any(r => string.IsNullOrWhiteSpace(r) || r.Length > 256)))
        {
            error = $"roles: at most {MaxRoles} role names.";
            return false;
        }

        string? stored = null;
        if (read.PasswordHash is not null && !ImportedPasswordHashes.TryAccept(read.PasswordHash, out stored, out _, out error))
        {
            error = $"passwordHash: {error}";
            return false;
        }

        error = "";
        line = new ValidLine(
            email!, read.EmailVerified ?? false, username, Clean(read.FullName), Clean(read.FirstName), Clean(read.LastName),
            [.. (read.Roles is { Count: > 0 } given ? given : [DefaultRoles.User]).Select(r => r.Trim()).Distinct(StringComparer.Ordinal)],
            stored);
        return true;
    }

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>A line that passed <see cref="ImportLine.TryRead"/>: trimmed, defaults applied, the hash in its stored form.</summary>
internal sealed record ValidLine(
    string Email, bool EmailVerified, string? Username, string? FullName, string? FirstName, string? LastName,
    IReadOnlyList<string> Roles, string? PasswordHash);
