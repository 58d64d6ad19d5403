namespace Warden.Server.Pages;

/// <summary>
/// The account pages' texts: <c>Strings.resx</c> (English) beside this file, one <c>Strings.&lt;culture&gt;.resx</c>
/// per further language (German ships). Pages name texts by key and read them with <c>IStringLocalizer&lt;Strings&gt;</c>.
/// </summary>
public sealed class Strings
{
}
