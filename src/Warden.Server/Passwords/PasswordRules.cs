namespace Warden.Server.Passwords;

/// <summary>A password rule (one that is active, or one a password broke): a stable code clients switch on and a message for people, which may change.</summary>
public sealed record PasswordRule(string Code, string Message);

/// <summary>
/// The stable codes of the password policy. They are also the <c>IdentityError.Code</c> of each failure, so an
/// <c>IdentityResult</c> from <c>UserManager</c> maps to them one to one.
/// </summary>
public static class PasswordRules
{
    public const string TooShort = "password_too_short";
    public const string TooLong = "password_too_long";
    public const string RequiresUppercase = "password_requires_uppercase";
    public const string RequiresLowercase = "password_requires_lowercase";
    public const string RequiresDigit = "password_requires_digit";
    public const string RequiresSpecial = "password_requires_special";
    public const string ContainsUserName = "password_contains_username";
    public const string ContainsEmail = "password_contains_email";
    public const string Common = "password_common";
    public const string Reused = "password_reused";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        TooShort, TooLong, RequiresUppercase, RequiresLowercase, RequiresDigit, RequiresSpecial,
        ContainsUserName, ContainsEmail, Common, Reused,
    };

    public static string Message(string code, PasswordPolicyOptions options) => code switch
    {
        TooShort => $"Use at least {options.MinLength} characters.",
        TooLong => $"Use at most {options.MaxLength} characters.",
        RequiresUppercase => "Include an upper-case letter.",
        RequiresLowercase => "Include a lower-case letter.",
        RequiresDigit => "Include a digit.",
        RequiresSpecial => "Include a special character (anything other than a letter or a digit, such as ! or a space).",
        ContainsUserName => "Do not use your username in your password.",
        ContainsEmail => "Do not use the part of your email address before the @ in your password.",
        Common => "This password is too common (it is on a list of passwords attackers try first). Choose one that is harder to guess.",
        Reused => options.HistoryCount == 1
            ? "Choose a password different from your current one."
            : $"Choose a password you have not used recently (your last {options.HistoryCount} passwords cannot be reused).",
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, null),
    };

    public static PasswordRule Failure(string code, PasswordPolicyOptions options) => new(code, Message(code, options));
}
