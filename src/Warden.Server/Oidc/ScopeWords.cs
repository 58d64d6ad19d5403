using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Server.Oidc;

/// <summary>One thing a client may do, in plain words: a resource key of the pages' strings, and its argument (an API's name).</summary>
public sealed record ScopeLine(string Scope, string Key, string? Argument = null);

/// <summary>What each scope lets a client do, as the consent, device and connected-apps pages say it.</summary>
public static class ScopeWords
{
    public static async Task<IReadOnlyList<ScopeLine>> DescribeAsync(IEnumerable<string> scopes, IOpenIddictScopeManager manager, CancellationToken cancellationToken)
    {
        var lines = new List<ScopeLine>();
        foreach (var scope in scopes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            lines.Add(scope switch
            {
                Scopes.OpenId or Scopes.Profile or Scopes.Email or Scopes.Phone or Scopes.Roles or Scopes.OfflineAccess
                    => new ScopeLine(scope, "Scope." + scope),
                // An API scope (Warden's own, or one an administrator registered): "use <its name> for you".
                _ => new ScopeLine(scope, "Scope.Api",
                    await manager.FindByNameAsync(scope, cancellationToken) is { } found ? await manager.GetDisplayNameAsync(found, cancellationToken) ?? scope : scope),
            });
        }

        // Knowing who the person is comes first; the rest as sorted.
        return [.. lines.OrderBy(l => l.Scope == Scopes.OpenId ? 0 : 1)];
    }
}
