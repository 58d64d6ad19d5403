namespace Warden.Server.Authentication.Sessions;

/// <summary>
/// Grants a module above issues on the strength of a Warden session (the OpenID Connect provider's
/// authorizations and their tokens). <see cref="SessionRevocation"/> ends them in the same transaction as the
/// sessions, <see cref="ExpiredDataCleanup"/> prunes them, and the bearer handler asks whether a token it was
/// shown is still one of theirs.
/// </summary>
public interface ISessionGrants
{
    /// <summary>Revokes the grants of these sessions, in the caller's unit of work (never committing it itself).</summary>
    Task RevokeAsync(IReadOnlyCollection<Guid> sessionIds, string reason, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deletes grants and tokens that can no longer be used; the number deleted.</summary>
    Task<int> PruneAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// False when <paramref name="tokenId"/> names one of these grants' tokens that is no longer valid (revoked,
    /// redeemed, or its grant ended); true for a valid one and for an id that is none of theirs.
    /// </summary>
    ValueTask<bool> IsTokenValidAsync(string tokenId, CancellationToken cancellationToken);
}
