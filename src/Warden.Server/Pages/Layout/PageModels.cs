using Microsoft.AspNetCore.Http.HttpResults;

namespace Warden.Server.Pages.Layout;

/// <summary>
/// One input of a form. <see cref="Label"/> and <see cref="Hint"/> are resource keys (Strings.resx); the value is the
/// person's own input, echoed back after an error (never a password).
/// </summary>
public sealed record FormField(string Name, string Label, string Type = "text", string? Value = null, string? Autocomplete = null, bool Required = true, string? Hint = null);

/// <summary>A submit button besides the main one, posting the same form elsewhere (e.g. "send the code again").</summary>
public sealed record ExtraButton(string Label, string Action);

/// <summary>
/// A button under a form that posts (with the antiforgery token) to an external provider's start: <see cref="Label"/> is a
/// resource key formatted with the provider's <see cref="Name"/> ("Sign in with {0}").
/// </summary>
public sealed record ExternalButton(string Label, string Name, string Action)
{
    public IReadOnlyDictionary<string, string> Hidden { get; init; } = new Dictionary<string, string>();
}

/// <summary>A link under a page: its address and a resource key.</summary>
public sealed record PageLink(string Href, string Label);

/// <summary>What went wrong with a post: one message for the form, and messages per field (the API's own words).</summary>
public sealed record PageErrors(string? Summary, IReadOnlyDictionary<string, string[]> Fields)
{
    public static readonly PageErrors None = new(null, new Dictionary<string, string[]>());

    public bool Any => Summary is not null || Fields.Count > 0;

    /// <summary>The problem code of the answer this came from (<c>token_invalid</c>, ...), for the page to choose what follows.</summary>
    public string? Code { get; init; }

    /// <summary>
    /// The answer of a use case the API shares, as a page shows it: a validation problem's messages beside their fields
    /// (<paramref name="fieldNames"/> maps an API member to the form's input where they differ), any other problem's
    /// title above the form.
    /// </summary>
    public static PageErrors From(object result, IReadOnlyDictionary<string, string>? fieldNames = null) => result switch
    {
        ValidationProblem validation => FromDetails(validation.ProblemDetails, fieldNames),
        // Some use cases answer their field errors inside a plain problem (the password policy's refusal does).
        ProblemHttpResult { ProblemDetails: HttpValidationProblemDetails { Errors.Count: > 0 } details } => FromDetails(details, fieldNames),
        ProblemHttpResult problem => new PageErrors(problem.ProblemDetails.Title, new Dictionary<string, string[]>()) { Code = CodeOf(problem.ProblemDetails.Extensions) },
        _ => throw new ArgumentException($"Not a problem: {result.GetType().Name}.", nameof(result)),
    };

    private static PageErrors FromDetails(HttpValidationProblemDetails details, IReadOnlyDictionary<string, string>? fieldNames) =>
        new(null, details.Errors.ToDictionary(e => fieldNames?.GetValueOrDefault(e.Key) ?? e.Key, e => e.Value)) { Code = CodeOf(details.Extensions) };

    private static string? CodeOf(IDictionary<string, object?> extensions) => extensions.TryGetValue("code", out var code) ? code?.ToString() : null;
}

/// <summary>Everything a form page shows; the one component <c>FormPage</c> renders every form of the account pages.</summary>
public sealed record FormModel(string Title, string Action, string Submit, IReadOnlyList<FormField> Fields)
{
    public string? Intro { get; init; }
    public string? Notice { get; init; }
    public IReadOnlyDictionary<string, string> Hidden { get; init; } = new Dictionary<string, string>();
    public PageErrors Errors { get; init; } = PageErrors.None;
    public IReadOnlyList<PageLink> Links { get; init; } = [];
    public IReadOnlyList<ExtraButton> ExtraButtons { get; init; } = [];
    public bool RememberMe { get; init; }

    /// <summary>Buttons for the enabled identity providers (the sign-in page's "Sign in with ...").</summary>
    public IReadOnlyList<ExternalButton> External { get; init; } = [];

    /// <summary>A passkey button under the form (the sign-in page's "Sign in with a passkey").</summary>
    public PasskeyButtonModel? Passkey { get; init; }
}

/// <summary>
/// A passkey ceremony on a page: <see cref="OptionsUrl"/> answers the WebAuthn options as JSON, <see cref="Action"/>
/// receives the credential; <see cref="Create"/> adds a passkey (with a name), otherwise one is used.
/// </summary>
public sealed record PasskeyButtonModel(string Label, string OptionsUrl, string Action, bool Create)
{
    public IReadOnlyDictionary<string, string> Hidden { get; init; } = new Dictionary<string, string>();
}

/// <summary>A page that only says something (check your email, done, not found) with links onwards.</summary>
public sealed record MessageModel(string Title, string Text)
{
    public IReadOnlyList<PageLink> Links { get; init; } = [];

    /// <summary>Words that come as they are (the API's message of a refusal), shown under the text.</summary>
    public string? Detail { get; init; }
}
