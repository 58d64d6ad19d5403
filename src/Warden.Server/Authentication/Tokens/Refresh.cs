using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Observability;
using Warden.Server.Users;

namespace Warden.Server.Authentication.Tokens;

public sealed record RefreshRequest(string? RefreshToken);

/// <summary>
/// Trades a refresh token for a new pair. The token is spent with one conditional update, so of two concurrent
/// refreshes exactly one wins; a spent token presented again means someone holds a copy, and the whole session ends
/// (reuse detection, RFC 9700 §4.14.2).
/// <para>
/// The same statement checks the session (active, not revoked, not expired: a revocation also spends the session's
/// tokens in its transaction, so this is read from the database, on every node, never from a cache) and returns what
/// the new token needs of it. Only when it spends nothing is the token read again, to tell reuse from an unknown,
/// expired or revoked token. The user's status, address and verification come from the account view's cached facts
/// (<see cref="AccountViewCache"/>), which every write of the user row forgets synchronously on the writing node
/// (and over the backplane on the others): a suspension or a deletion, which also ends the sessions, refuses the
/// next refresh on every node through the spend itself; a status changed without ending sessions is refused at once
/// on the node that changed it.
/// </para>
/// </summary>
public static class Refresh
{
    private static readonly ConditionalWeakTable<IModel, string> Statements = new();

    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult, ValidationProblem>> HandleAsync(
        RefreshRequest request,
        WardenDbContext db,
        SessionIssuer issuer,
        SessionRevocation revocation,
        SessionActivity activity,
        AccountViewCache accounts,
        TimeProvider time,
        IOptions<AuthenticationOptions> options,
        WardenMetrics metrics,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.RefreshToken))
        {
            return ApiProblems.Validation("refreshToken", "A refresh token is required.");
        }

        if (!OpaqueToken.LooksValid(request.RefreshToken))
        {
            return Invalid();
        }

        var hash = OpaqueToken.Hash(request.RefreshToken);
        var now = time.GetUtcNow();
        var spent = await SpendAsync(db, hash, now, cancellationToken);
        if (spent is null)
        {
            var token = await db.RefreshTokens.AsNoTracking().Include(t => t.Session).SingleOrDefaultAsync(t => t.TokenHash == hash, cancellationToken);
            var withinGrace = token?.SpentAt is { } spentAt && now - spentAt <= options.Value.RefreshReuseGracePeriod
                              && options.Value.RefreshReuseGracePeriod > TimeSpan.Zero;
            if (token is { SpentAt: not null, Session: { RevokedAt: null } session } && !withinGrace)
            {
                await revocation.RevokeAsync(session.UserId, session.Id, RevocationReasons.RefreshTokenReuse, cancellationToken);
            }

            return Invalid();
        }

        // Activity first (at most once a minute per session, and it forgets the facts it changes), then the facts.
        await activity.TouchAsync(spent.SessionId, spent.UserId, cancellationToken);
        var facts = await accounts.GetFactsAsync(db, spent.UserId, cancellationToken);
        if (facts is null || facts.Status != UserStatus.Active)
        {
            return Invalid();
        }

        var tokens = await issuer.IssueAsync(
            spent.UserId, facts, spent.SessionId, spent.ExpiresAt, spent.Amr.Split(' ', StringSplitOptions.RemoveEmptyEntries),
            spent.AuthenticatedAt ?? now, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        metrics.TokensIssued("refresh");
        return TypedResults.Ok(tokens);
    }

    /// <summary>What the spending statement returns of the token's session.</summary>
    private sealed record SpentToken(Guid SessionId, Guid UserId, string Amr, DateTimeOffset? AuthenticatedAt, DateTimeOffset ExpiresAt);

    /// <summary>
    /// The statement's row as stored: a raw query's result type gets none of the model's conversions, and SQLite stores
    /// the times as numbers (<see cref="TStamp"/> is <c>long</c> there, <c>DateTimeOffset</c> on PostgreSQL).
    /// </summary>
    private sealed class StoredRow<TStamp>
        where TStamp : struct
    {
        public Guid SessionId { get; init; }
        public Guid UserId { get; init; }
        public string Amr { get; init; } = "";
        public TStamp? AuthenticatedAt { get; init; }
        public TStamp ExpiresAt { get; init; }
    }

    /// <summary>
    /// One statement: spends the token if it is unspent, unexpired and its session active, and returns the session's
    /// facts (<c>UPDATE ... RETURNING</c>, which SQLite and PostgreSQL both have; EF Core's <c>ExecuteUpdate</c> returns
    /// only a count). Names and stored values come from the model, so the statement follows its mapping.
    /// </summary>
    private static Task<SpentToken?> SpendAsync(WardenDbContext db, byte[] hash, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.Model.FindEntityType(typeof(RefreshToken))!.FindProperty(nameof(RefreshToken.ExpiresAt))!.GetTypeMapping().Converter?.ProviderClrType == typeof(long)
            ? SpendAsync<long>(db, hash, now, cancellationToken)
            : SpendAsync<DateTimeOffset>(db, hash, now, cancellationToken);

    private static async Task<SpentToken?> SpendAsync<TStamp>(WardenDbContext db, byte[] hash, DateTimeOffset now, CancellationToken cancellationToken)
        where TStamp : struct
    {
        var tokens = db.Model.FindEntityType(typeof(RefreshToken))!;
        var sessions = db.Model.FindEntityType(typeof(UserSession))!;
        var statement = Statements.GetValue(db.Model, model => SpendStatement(model, db.GetService<ISqlGenerationHelper>()));
        var rows = await db.Database
            .SqlQueryRaw<StoredRow<TStamp>>(
                statement,
                Stored(tokens, nameof(RefreshToken.SpentAt), now),
                hash,
                Stored(sessions, nameof(UserSession.State), SessionState.Active))
            .ToListAsync(cancellationToken);
        if (rows.SingleOrDefault() is not { } row)
        {
            return null;
        }

        var converter = tokens.FindProperty(nameof(RefreshToken.ExpiresAt))!.GetTypeMapping().Converter;
        DateTimeOffset Time(TStamp stored) => (DateTimeOffset)(converter?.ConvertFromProvider(stored) ?? stored);
        return new SpentToken(row.SessionId, row.UserId, row.Amr, row.AuthenticatedAt is { } at ? Time(at) : null, Time(row.ExpiresAt));
    }

    private static object Stored(IEntityType entity, string property, object value) =>
        entity.FindProperty(property)!.GetTypeMapping().Converter?.ConvertToProvider(value) ?? value;

    private static string SpendStatement(IModel model, ISqlGenerationHelper sql)
    {
        var tokens = model.FindEntityType(typeof(RefreshToken))!;
        var sessions = model.FindEntityType(typeof(UserSession))!;

        string Table(IEntityType entity) => sql.DelimitIdentifier(entity.GetTableName()!);
        string Column(IEntityType entity, string property) =>
            sql.DelimitIdentifier(entity.FindProperty(property)!.GetColumnName(StoreObjectIdentifier.Table(entity.GetTableName()!))!);
        var (t, s) = (Table(tokens), Table(sessions));
        string Of(string property) => $"(SELECT s.{Column(sessions, property)} FROM {s} AS s WHERE s.{Column(sessions, nameof(UserSession.Id))} = {t}.{Column(tokens, nameof(RefreshToken.SessionId))})";
        return $$"""
            UPDATE {{t}} SET {{Column(tokens, nameof(RefreshToken.SpentAt))}} = {0}
            WHERE {{Column(tokens, nameof(RefreshToken.TokenHash))}} = {1} AND {{Column(tokens, nameof(RefreshToken.SpentAt))}} IS NULL AND {{Column(tokens, nameof(RefreshToken.ExpiresAt))}} > {0}
              AND EXISTS (SELECT 1 FROM {{s}} AS s WHERE s.{{Column(sessions, nameof(UserSession.Id))}} = {{t}}.{{Column(tokens, nameof(RefreshToken.SessionId))}}
                AND s.{{Column(sessions, nameof(UserSession.State))}} = {2} AND s.{{Column(sessions, nameof(UserSession.RevokedAt))}} IS NULL AND s.{{Column(sessions, nameof(UserSession.ExpiresAt))}} > {0})
            RETURNING {{Column(tokens, nameof(RefreshToken.SessionId))}} AS "SessionId", {{Of(nameof(UserSession.UserId))}} AS "UserId", {{Of(nameof(UserSession.Amr))}} AS "Amr",
              {{Of(nameof(UserSession.AuthenticatedAt))}} AS "AuthenticatedAt", {{Column(tokens, nameof(RefreshToken.ExpiresAt))}} AS "ExpiresAt"
            """;
    }

    private static ProblemHttpResult Invalid() =>
        ApiProblems.Problem(StatusCodes.Status401Unauthorized, ProblemCodes.TokenInvalid, "The refresh token is invalid, expired or already used.");
}
