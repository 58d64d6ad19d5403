namespace Warden.Server.Pages.Admin;

/// <summary>
/// What <c>AdminConfirmPage</c> asks: <see cref="Title"/> and <see cref="Submit"/> are resource keys, <see cref="Text"/>
/// says in words what will happen to whom; the form posts <see cref="Hidden"/> plus <c>confirm=yes</c> to
/// <see cref="Action"/>. <see cref="Typed"/>, when set, must be typed again (an erasure).
/// </summary>
public sealed record AdminConfirmModel(string Title, string Text, string Action, string Submit, string Cancel)
{
    /// <summary>Fields posted again (a name may repeat: the selected users of a bulk action).</summary>
    public IEnumerable<KeyValuePair<string, string>> Hidden { get; init; } = [];

    public string? Typed { get; init; }

    public bool TypedWrong { get; init; }
}
