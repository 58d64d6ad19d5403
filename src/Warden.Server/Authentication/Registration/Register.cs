using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Authorization;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Users;

namespace Warden.Server.Authentication.Registration;

public sealed record RegisterRequest(string? Email, string? Password, string? Username, string? FullName, string? FirstName, string? LastName);

public sealed record RegisteredUser(Guid Id, string Email, string Status);

/// <summary>
/// "User Registration": validate, create the account as pending verification with the <c>user</c> role, and
/// write <c>user.registered</c> in the same transaction (its handlers create the profile and send the
/// verification email). A taken email answers exactly like a fresh one; its owner is told by email instead.
/// Closed (<see cref="AuthenticationOptions.OpenRegistration"/> off), every request gets the same refusal before anything
/// is read or looked up, whatever its address: the answer tells nothing about accounts.
/// </summary>
public static class Register
{
    public const int MaxNameLength = 100;

    public static async Task<Results<Created<RegisteredUser>, ValidationProblem, ProblemHttpResult>> HandleAsync(
        RegisterRequest request,
        WardenDbContext db,
        UserManager<User> users,
        TimeProvider time,
        IOptions<AuthenticationOptions> options,
        CancellationToken cancellationToken)
    {
        if (!options.Value.OpenRegistration)
        {
            return Closed();
        }

        var email = request.Email?.Trim();
        var username = string.IsNullOrWhiteSpace(request.Username) ? null : request.Username.Trim();
        var candidate = new User { Email = email, UserName = username };
        var errors = await ValidateAsync(request, candidate, users);
        if (errors.Count > 0)
        {
            var onlyPassword = errors.Keys.All(k => k == "password");
            return ApiProblems.Validation(errors, onlyPassword ? ProblemCodes.PasswordPolicy : ProblemCodes.ValidationFailed);
        }

        // Usernames are public (they appear on profiles), so saying one is taken reveals nothing private.
        if (username is not null)
        {
            var normalizedName = users.NormalizeName(username);
            if (await db.Users.AnyAsync(u => u.NormalizedUserName == normalizedName, cancellationToken))
            {
                return UsernameTaken();
            }
        }

        var now = time.GetUtcNow();
        var normalizedEmail = users.NormalizeEmail(email);
        var existing = await db.Users.Where(u => u.NormalizedEmail == normalizedEmail).Select(u => (Guid?)u.Id).SingleOrDefaultAsync(cancellationToken);
        if (existing is null)
        {
            var created = await TryCreateAsync(request, candidate, db, users, now, cancellationToken);
            if (created.Outcome == CreateOutcome.Created)
            {
                return Accepted(candidate.Id, email!);
            }

            if (created.Outcome == CreateOutcome.UsernameTaken)
            {
                return UsernameTaken();
            }

            existing = created.ExistingId;
        }
        else
        {
            // The fresh path hashes the password; so does this one, so both take the same time.
            _ = await users.PasswordHasher.RunInSlotAsync(() => users.PasswordHasher.HashPassword(candidate, request.Password!), cancellationToken);
        }

        if (existing is { } ownerId)
        {
            await NotifyOwnerAsync(db, normalizedEmail!, ownerId, options.Value, now, cancellationToken);
        }

        // An id that is never stored: the caller cannot tell this answer from a real registration. It is the
        // candidate's, made (like a real account's) before the password was hashed: a UUIDv7 carries the
        // millisecond it was made, and one made after the hash would tell the two answers apart.
        return Accepted(candidate.Id, email!);
    }

    /// <summary>Tells the owner, unless the address had its notices for now (<see cref="RegistrationNotices"/>).</summary>
    internal static async Task NotifyOwnerAsync(
        WardenDbContext db, string normalizedEmail, Guid ownerId, AuthenticationOptions options, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            if (await RegistrationNotices.TryReserveAsync(db, normalizedEmail, ownerId, options, now, cancellationToken))
            {
                db.AddEvent(EventTypes.RegistrationAttempted, ownerId, new { userId = ownerId }, now);
            }

            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // A concurrent registration of the same address reserved the notice first: that one tells the owner.
            await transaction.RollbackAsync(cancellationToken);
            db.ChangeTracker.Clear();
        }
    }

    private enum CreateOutcome
    {
        Created,
        EmailTaken,
        UsernameTaken,
    }

    private static async Task<(CreateOutcome Outcome, Guid? ExistingId)> TryCreateAsync(
        RegisterRequest request, User user, WardenDbContext db, UserManager<User> users, DateTimeOffset now, CancellationToken cancellationToken)
    {
        user.Status = UserStatus.PendingVerification;
        user.CreatedAt = now;
        user.UpdatedAt = now;
        user.PasswordChangedAt = now;

        // Hashed before the transaction, never inside it: on SQLite a transaction holds the database's single
        // write lock from its BEGIN, so a hash inside it (tens of milliseconds, far longer when hashes queue)
        // made every other writer of the node wait behind it. The password rules already ran in ValidateAsync.
        // The hash slot is awaited, not blocked on, as at sign-in.
        user.PasswordHash = await users.PasswordHasher.RunInSlotAsync(() => users.PasswordHasher.HashPassword(user, request.Password!), cancellationToken);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            var result = await users.CreateAsync(user);
            if (!result.Succeeded)
            {
                await transaction.RollbackAsync(cancellationToken);
                return await RaceOutcomeAsync(db, users, user, cancellationToken);
            }

            var role = await db.Roles.Where(r => r.Name == DefaultRoles.User).Select(r => r.Id).SingleAsync(cancellationToken);
            db.UserRoles.Add(new UserRole { UserId = user.Id, RoleId = role, AssignedAt = now });
            db.AddEvent(EventTypes.UserRegistered, user.Id, new
            {
                userId = user.Id,
                email = user.Email,
                username = user.UserName,
                fullName = Clean(request.FullName),
                firstName = Clean(request.FirstName),
                lastName = Clean(request.LastName),
            }, now);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return (CreateOutcome.Created, null);
        }
        catch (DbUpdateException)
        {
            // A concurrent registration of the same address (or username) won the unique index.
            await transaction.RollbackAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return await RaceOutcomeAsync(db, users, user, cancellationToken);
        }
    }

    private static async Task<(CreateOutcome, Guid?)> RaceOutcomeAsync(WardenDbContext db, UserManager<User> users, User user, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        var normalizedEmail = users.NormalizeEmail(user.Email);
        var owner = await db.Users.Where(u => u.NormalizedEmail == normalizedEmail).Select(u => (Guid?)u.Id).SingleOrDefaultAsync(cancellationToken);
        if (owner is not null)
        {
            return (CreateOutcome.EmailTaken, owner);
        }

        if (user.UserName is not null)
        {
            return (CreateOutcome.UsernameTaken, null);
        }

        throw new InvalidOperationException("Registration failed for a reason validation did not catch.");
    }

    private static async Task<Dictionary<string, string[]>> ValidateAsync(RegisterRequest request, User candidate, UserManager<User> users)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Email))
        {
            errors["email"] = ["An email address is required."];
        }
        else if (!EmailAddress.IsValid(request.Email.Trim()))
        {
            errors["email"] = ["This is not a valid email address (in ASCII: an international domain in its xn-- form)."];
        }

        if (string.IsNullOrEmpty(request.Password))
        {
            errors["password"] = ["A password is required."];
        }
        else
        {
            var failures = new List<string>();
            foreach (var validator in users.PasswordValidators)
            {
                var result = await validator.ValidateAsync(users, candidate, request.Password);
                failures.AddRange(result.Errors.Select(e => e.Description));
            }

            if (failures.Count > 0)
            {
                errors["password"] = [.. failures];
            }
        }

        if (candidate.UserName is not null && !WardenUserValidator.UserNamePattern().IsMatch(candidate.UserName))
        {
            errors["username"] = ["A username has 3 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit."];
        }

        var fullName = Clean(request.FullName);
        var firstName = Clean(request.FirstName);
        var lastName = Clean(request.LastName);
        if (fullName is not null)
        {
            if (fullName.Length < 2 || fullName.Length > MaxNameLength * 2)
            {
                errors["fullName"] = [$"The full name must have 2 to {MaxNameLength * 2} characters."];
            }
        }
        else if (firstName is null || lastName is null)
        {
            errors["fullName"] = ["Give a full name, or a first and a last name."];
        }

        if (firstName is { Length: > MaxNameLength })
        {
            errors["firstName"] = [$"The first name must have at most {MaxNameLength} characters."];
        }

        if (lastName is { Length: > MaxNameLength })
        {
            errors["lastName"] = [$"The last name must have at most {MaxNameLength} characters."];
        }

        foreach (var (field, value) in new[] { ("fullName", fullName), ("firstName", firstName), ("lastName", lastName) })
        {
            if (value is not null && value.Any(char.IsControl))
            {
                errors[field] = ["Names may not contain control characters."];
            }
        }

        return errors;
    }

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static Created<RegisteredUser> Accepted(Guid id, string email) =>
        TypedResults.Created((string?)null, new RegisteredUser(id, email, UserStatus.PendingVerification.ToWire()));

    /// <summary>The answer to every registration while <see cref="AuthenticationOptions.OpenRegistration"/> is off.</summary>
    public static ProblemHttpResult Closed() =>
        ApiProblems.Problem(StatusCodes.Status403Forbidden, ProblemCodes.RegistrationClosed,
            "Registration is closed.", "New accounts are created by an administrator.");

    private static ProblemHttpResult UsernameTaken() =>
        ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.UsernameTaken, "This username is taken.");
}
