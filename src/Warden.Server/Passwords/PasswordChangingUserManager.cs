using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Identity;
using Warden.Server.Users;

namespace Warden.Server.Passwords;

/// <summary>
/// Identity's <c>UserManager</c>, plus what Identity does not do when a password is replaced: remember the
/// previous hash (password history) and stamp <c>User.PasswordChangedAt</c> (password expiry). Both happen
/// here, for every path that sets a password, so no endpoint can forget them.
/// </summary>
/// <remarks>
/// The public password methods are overridden rather than the protected <c>UpdatePasswordHash</c>, because
/// Identity's own methods call a private overload of it that a subclass never sees. Rehashing on sign-in
/// (same password, new hash format) goes through neither, so it correctly touches neither history nor date.
/// </remarks>
public sealed class PasswordChangingUserManager(
    IUserStore<User> store,
    IOptions<IdentityOptions> optionsAccessor,
    IPasswordHasher<User> passwordHasher,
    IEnumerable<IUserValidator<User>> userValidators,
    IEnumerable<IPasswordValidator<User>> passwordValidators,
    ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors,
    IServiceProvider services,
    ILogger<UserManager<User>> logger,
    PasswordHistory history,
    TimeProvider time)
    : UserManager<User>(store, optionsAccessor, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger)
{
    public override Task<IdentityResult> CreateAsync(User user, string password)
    {
        ArgumentNullException.ThrowIfNull(user);
        user.PasswordChangedAt = time.GetUtcNow();
        return base.CreateAsync(user, password);
    }

    public override Task<IdentityResult> ChangePasswordAsync(User user, string currentPassword, string newPassword) =>
        ReplacePasswordAsync(user, passwordSet: true, () => base.ChangePasswordAsync(user, currentPassword, newPassword));

    public override Task<IdentityResult> ResetPasswordAsync(User user, string token, string newPassword) =>
        ReplacePasswordAsync(user, passwordSet: true, () => base.ResetPasswordAsync(user, token, newPassword));

    public override Task<IdentityResult> AddPasswordAsync(User user, string password) =>
        ReplacePasswordAsync(user, passwordSet: true, () => base.AddPasswordAsync(user, password));

    /// <summary>
    /// Replaces the password of a user who proved control of the account some other way than the current
    /// password: a spent single-use <c>AccountToken</c> (reset, invitation) or an expired-password challenge.
    /// Identity's <c>ResetPasswordAsync</c> would need one of its token providers; Warden's tokens are
    /// spent by the caller (in the caller's transaction) before this runs. Policy, history, security stamp
    /// and <c>PasswordChangedAt</c> exactly as for every other path; the user is saved.
    /// </summary>
    public Task<IdentityResult> SetPasswordAsync(User user, string newPassword) =>
        ReplacePasswordAsync(user, passwordSet: true, async () =>
        {
            var result = await UpdatePasswordHash(user, newPassword, validatePassword: true);
            return result.Succeeded ? await UpdateUserAsync(user) : result;
        });

    public override Task<IdentityResult> RemovePasswordAsync(User user) =>
        ReplacePasswordAsync(user, passwordSet: false, () => base.RemovePasswordAsync(user));

    private async Task<IdentityResult> ReplacePasswordAsync(User user, bool passwordSet, Func<Task<IdentityResult>> replace)
    {
        ArgumentNullException.ThrowIfNull(user);
        var previousChangedAt = user.PasswordChangedAt;
        var staged = history.Stage(user);
        user.PasswordChangedAt = passwordSet ? time.GetUtcNow() : null;

        IdentityResult result;
        try
        {
            result = await replace();
        }
        catch
        {
            Undo();
            throw;
        }

        if (!result.Succeeded)
        {
            // A wrong current password, a spent token or a failed rule: nothing changed, so nothing is recorded.
            Undo();
            return result;
        }

        await history.TrimAsync(user.Id, CancellationToken);
        return result;

        void Undo()
        {
            history.Unstage(staged);
            user.PasswordChangedAt = previousChangedAt;
        }
    }
}
