using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Users;

/// <summary>
/// Replaces Identity's validator: the user name is optional and restricted to characters that cannot be
/// mistaken for an email address, so the login identifier is never ambiguous.
/// </summary>
internal sealed partial class WardenUserValidator(WardenDbContext db) : IUserValidator<User>
{
    public async Task<IdentityResult> ValidateAsync(UserManager<User> manager, User user)
    {
        var errors = new List<IdentityError>();
        if (string.IsNullOrWhiteSpace(user.Email) || !EmailAddress.IsValid(user.Email))
        {
            errors.Add(new IdentityError { Code = "InvalidEmail", Description = "A valid email address is required." });
        }
        else
        {
            var normalized = manager.NormalizeEmail(user.Email);
            if (await db.Users.AnyAsync(u => u.NormalizedEmail == normalized && u.Id != user.Id))
            {
                errors.Add(new IdentityError { Code = "DuplicateEmail", Description = "The email address is taken." });
            }
        }

        if (user.UserName is not null)
        {
            if (!UserNamePattern().IsMatch(user.UserName))
            {
                errors.Add(new IdentityError
                {
                    Code = "InvalidUserName",
                    Description = "A username has 3 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit.",
                });
            }
            else
            {
                var normalized = manager.NormalizeName(user.UserName);
                if (await db.Users.AnyAsync(u => u.NormalizedUserName == normalized && u.Id != user.Id))
                {
                    errors.Add(new IdentityError { Code = "DuplicateUserName", Description = "The username is taken." });
                }
            }
        }

        return errors.Count == 0 ? IdentityResult.Success : IdentityResult.Failed([.. errors]);
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{2,31}$", RegexOptions.CultureInvariant)]
    public static partial Regex UserNamePattern();
}
