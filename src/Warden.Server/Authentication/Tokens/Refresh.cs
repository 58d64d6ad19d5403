using System.Data.Common;
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
/// <para>
/// The successor is stored in the same transaction as the spend (on PostgreSQL in the same statement), before the user's
/// facts are looked at: one commit per refresh instead of two (on SQLite, one fsync). When the facts then refuse the
/// refresh, the successor, never handed out, is deleted; the old token stays spent either way, as before.
/// </para>
/// </summary>
public static class Refresh
{
    private static readonly ConditionalWeakTable<IModel, SpendStatements> Statements = new();

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
        var next = OpaqueToken.Create();
        var nextHash = OpaqueToken.Hash(next);
        var spent = await SpendAsync(db, hash, nextHash, now, cancellationToken);
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
            await db.RefreshTokens.Where(t => t.TokenHash == nextHash).ExecuteDeleteAsync(cancellationToken);
            return Invalid();
        }

        var tokens = await issuer.IssueAsync(
            spent.UserId, facts, spent.SessionId, next, spent.Amr.Split(' ', StringSplitOptions.RemoveEmptyEntries),
            spent.AuthenticatedAt ?? now, cancellationToken);
        metrics.TokensIssued("refresh");
        return TypedResults.Ok(tokens);
    }

    /// <summary>What the spending statement returns of the token's session.</summary>
    private sealed record SpentToken(Guid SessionId, Guid UserId, string Amr, DateTimeOffset? AuthenticatedAt);

    /// <summary>
    /// The spend alone, the successor's insert (which copies the spent token's session and expiry), and both as one
    /// PostgreSQL statement (a data-modifying <c>WITH</c>, which SQLite lacks).
    /// </summary>
    private sealed record SpendStatements(string Spend, string Issue, string SpendAndIssue);

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
    /// Spends the token if it is unspent, unexpired and its session active, stores its successor (<paramref name="nextHash"/>,
    /// same session, same expiry) and returns the session's facts, in one transaction: <c>UPDATE ... RETURNING</c>,
    /// which SQLite and PostgreSQL both have (EF Core's <c>ExecuteUpdate</c> returns only a count), then the insert,
    /// only when a row was spent. Names and stored values come from the model, so the statements follow its mapping.
    /// </summary>
    private static Task<SpentToken?> SpendAsync(WardenDbContext db, byte[] hash, byte[] nextHash, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.Model.FindEntityType(typeof(RefreshToken))!.FindProperty(nameof(RefreshToken.ExpiresAt))!.GetTypeMapping().Converter?.ProviderClrType == typeof(long)
            ? SpendAsync<long>(db, hash, nextHash, now, cancellationToken)
            : SpendAsync<DateTimeOffset>(db, hash, nextHash, now, cancellationToken);

    private static async Task<SpentToken?> SpendAsync<TStamp>(WardenDbContext db, byte[] hash, byte[] nextHash, DateTimeOffset now, CancellationToken cancellationToken)
        where TStamp : struct
    {
        var tokens = db.Model.FindEntityType(typeof(RefreshToken))!;
        var sessions = db.Model.FindEntityType(typeof(UserSession))!;
        var statements = Statements.GetValue(db.Model, model => BuildStatements(model, db.GetService<ISqlGenerationHelper>()));
        var stamp = Stored(tokens, nameof(RefreshToken.SpentAt), now);
        var active = Stored(sessions, nameof(UserSession.State), SessionState.Active);
        List<StoredRow<TStamp>> rows;
        if (db.Provider == DatabaseProvider.Postgres)
        {
            rows = await db.Database
                .SqlQueryRaw<StoredRow<TStamp>>(statements.SpendAndIssue, stamp, hash, active, NewId(db, tokens), nextHash)
                .ToListAsync(cancellationToken);
        }
        else
        {
            // One write transaction (BEGIN IMMEDIATE) for both statements: one commit, and the write lock only between them.
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            rows = await db.Database.SqlQueryRaw<StoredRow<TStamp>>(statements.Spend, stamp, hash, active).ToListAsync(cancellationToken);
            if (rows.Count == 1)
            {
                await db.Database.ExecuteSqlRawAsync(statements.Issue, [stamp, hash, NewId(db, tokens), nextHash], cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        if (rows.SingleOrDefault() is not { } row)
        {
            return null;
        }

        var converter = tokens.FindProperty(nameof(RefreshToken.ExpiresAt))!.GetTypeMapping().Converter;
        DateTimeOffset Time(TStamp stored) => (DateTimeOffset)(converter?.ConvertFromProvider(stored) ?? stored);
        return new SpentToken(row.SessionId, row.UserId, row.Amr, row.AuthenticatedAt is { } at ? Time(at) : null);
    }

    private static object Stored(IEntityType entity, string property, object value) =>
        entity.FindProperty(property)!.GetTypeMapping().Converter?.ConvertToProvider(value) ?? value;

    /// <summary>The successor's id as a parameter of the key's own mapping, so it is stored as EF Core stores keys.</summary>
    private static DbParameter NewId(WardenDbContext db, IEntityType tokens)
    {
        using var command = db.Database.GetDbConnection().CreateCommand();
        return tokens.FindProperty(nameof(RefreshToken.Id))!.GetRelationalTypeMapping()
            .CreateParameter(command, "next_id", Guid.CreateVersion7(), nullable: false);
    }

    private static SpendStatements BuildStatements(IModel model, ISqlGenerationHelper sql)
    {
        var tokens = model.FindEntityType(typeof(RefreshToken))!;
        var sessions = model.FindEntityType(typeof(UserSession))!;

        string Table(IEntityType entity) => sql.DelimitIdentifier(entity.GetTableName()!);
        string Column(IEntityType entity, string property) =>
            sql.DelimitIdentifier(entity.FindProperty(property)!.GetColumnName(StoreObjectIdentifier.Table(entity.GetTableName()!))!);
        var (t, s) = (Table(tokens), Table(sessions));
        string Of(string property) => $"(SELECT s.{Column(sessions, property)} FROM {s} AS s WHERE s.{Column(sessions, nameof(UserSession.Id))} = {t}.{Column(tokens, nameof(RefreshToken.SessionId))})";
        var spend = $$"""
            UPDATE {{t}} SET {{Column(tokens, nameof(RefreshToken.SpentAt))}} = {0}
            WHERE {{Column(tokens, nameof(RefreshToken.TokenHash))}} = {1} AND {{Column(tokens, nameof(RefreshToken.SpentAt))}} IS NULL AND {{Column(tokens, nameof(RefreshToken.ExpiresAt))}} > {0}
              AND EXISTS (SELECT 1 FROM {{s}} AS s WHERE s.{{Column(sessions, nameof(UserSession.Id))}} = {{t}}.{{Column(tokens, nameof(RefreshToken.SessionId))}}
                AND s.{{Column(sessions, nameof(UserSession.State))}} = {2} AND s.{{Column(sessions, nameof(UserSession.RevokedAt))}} IS NULL AND s.{{Column(sessions, nameof(UserSession.ExpiresAt))}} > {0})
            RETURNING {{Column(tokens, nameof(RefreshToken.SessionId))}} AS "SessionId", {{Of(nameof(UserSession.UserId))}} AS "UserId", {{Of(nameof(UserSession.Amr))}} AS "Amr",
              {{Of(nameof(UserSession.AuthenticatedAt))}} AS "AuthenticatedAt", {{Column(tokens, nameof(RefreshToken.ExpiresAt))}} AS "ExpiresAt"
            """;
        var columns = string.Join(", ", new[] { nameof(RefreshToken.Id), nameof(RefreshToken.SessionId), nameof(RefreshToken.TokenHash), nameof(RefreshToken.CreatedAt), nameof(RefreshToken.ExpiresAt) }
            .Select(property => Column(tokens, property)));
        // The spent token, read back inside the spending transaction: its session and expiry become the successor's.
        var issue = $$"""
            INSERT INTO {{t}} ({{columns}})
            SELECT {2}, {{Column(tokens, nameof(RefreshToken.SessionId))}}, {3}, {0}, {{Column(tokens, nameof(RefreshToken.ExpiresAt))}} FROM {{t}}
            WHERE {{Column(tokens, nameof(RefreshToken.TokenHash))}} = {1} AND {{Column(tokens, nameof(RefreshToken.SpentAt))}} = {0}
            """;
        var spendAndIssue = $$"""
            WITH spent AS (
            {{spend}}
            ), issued AS (
            INSERT INTO {{t}} ({{columns}}) SELECT {3}, spent."SessionId", {4}, {0}, spent."ExpiresAt" FROM spent
            )
            SELECT * FROM spent
            """;
        return new SpendStatements(spend, issue, spendAndIssue);
    }

    private static ProblemHttpResult Invalid() =>
        ApiProblems.Problem(StatusCodes.Status401Unauthorized, ProblemCodes.TokenInvalid, "The refresh token is invalid, expired or already used.");
}
