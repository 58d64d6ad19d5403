using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Warden.Server.Authorization;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Profiles;
using Warden.Server.Users;

namespace Warden.Server.Administration.Import;

/// <summary>How an import runs. <paramref name="ActorId"/> is the administrator (null from the command line).</summary>
public sealed record UserImportOptions(bool DryRun, bool SendInvitations, Guid? ActorId, string Source);

public sealed record ImportLineError(long Line, string Error);

/// <summary>What an import did (or, in a dry run, would do).</summary>
public sealed record UserImportResult(
    bool DryRun, long Lines, int Created, int Skipped, int Failed, int Invited, IReadOnlyList<ImportLineError> Errors, bool ErrorsTruncated);

/// <summary>
/// Imports users from JSON lines (<see cref="ImportLine"/>), streaming: a batch of lines at a time, so a million
/// lines take the memory of one batch. Idempotent by email: a line whose address has an account is skipped and
/// nothing of that account changes (hash, roles, status); running a file twice creates nothing the second time.
/// Each batch is one transaction of bulk inserts; if it fails (a registration took an address or username between
/// the check and the insert), the batch is retried a line per transaction, so a line is imported whole or not at
/// all. Roles pass the holder guard of the admin API: an administrator grants only roles whose permissions they
/// hold (the command line acts as the operator, like <c>create-admin</c>). Users without a hash get an
/// invitation (a <c>user.registered</c> event with <c>invited</c>, as an administrator-created account) unless
/// invitations are off; every committed batch writes one <c>users.imported</c> event listing the accounts made.
/// </summary>
public sealed class UserImport(IServiceScopeFactory scopes, TimeProvider time)
{
    public const int BatchSize = 1000;
    public const int MaxLineChars = 64 * 1024;
    public const int MaxReportedErrors = 1000;

    public async Task<UserImportResult> RunAsync(
        Stream input, UserImportOptions options, Action<UserImportResult>? progress, CancellationToken cancellationToken)
    {
        var tally = new Tally(options.DryRun);
        using var stream = new StreamReader(input, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024, leaveOpen: true);
        var reader = new LineReader(stream);
        var batch = new List<(long Line, ValidLine Data)>(BatchSize);
        long number = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } read)
        {
            number++;
            tally.Lines = number;
            if (read.TooLong)
            {
                tally.Fail(number, $"The line is longer than {MaxLineChars} characters.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(read.Text))
            {
                continue;
            }

            if (!ImportLine.TryRead(read.Text, out var line, out var error))
            {
                tally.Fail(number, error);
                continue;
            }

            batch.Add((number, line));
            if (batch.Count == BatchSize)
            {
                await ImportBatchAsync(batch, options, tally, cancellationToken);
                batch.Clear();
                progress?.Invoke(tally.Result());
            }
        }

        if (batch.Count > 0)
        {
            await ImportBatchAsync(batch, options, tally, cancellationToken);
        }

        var result = tally.Result();
        progress?.Invoke(result);
        return result;
    }

    private async Task ImportBatchAsync(List<(long Line, ValidLine Data)> batch, UserImportOptions options, Tally tally, CancellationToken cancellationToken)
    {
        var created = await TryImportAsync(batch, options, tally, cancellationToken);
        if (created is not null)
        {
            return;
        }

        // The batch lost a race with a registration: a line per transaction, each whole or not at all.
        foreach (var line in batch)
        {
            if (await TryImportAsync([line], options, tally, cancellationToken) is null)
            {
                tally.Fail(line.Line, "The email address or username was taken while importing.");
            }
        }
    }

    /// <summary>One transaction for <paramref name="lines"/>: null when the insert failed and nothing was written (nor tallied).</summary>
    private async Task<int?> TryImportAsync(IReadOnlyList<(long Line, ValidLine Data)> lines, UserImportOptions options, Tally tally, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        var outcome = new Tally(options.DryRun);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await AccessGuards.LockAsync(db, cancellationToken);
        var actor = options.ActorId is { } actorId ? await AccessSnapshot.LoadAsync(db, actorId, cancellationToken) : null;
        var roleNames = lines.SelectMany(l => l.Data.Roles).Distinct(StringComparer.Ordinal).ToList();
        var roles = (await db.Roles.AsNoTracking()
                .Where(r => roleNames.Contains(r.Name!))
                .Select(r => new { r.Id, Name = r.Name!, Permissions = r.Permissions.Select(p => p.Permission!.Name).ToList() })
                .ToListAsync(cancellationToken))
            .ToDictionary(r => r.Name, StringComparer.Ordinal);

        var emails = lines.Select(l => users.NormalizeEmail(l.Data.Email)!).Distinct(StringComparer.Ordinal).ToList();
        var names = lines.Where(l => l.Data.Username is not null).Select(l => users.NormalizeName(l.Data.Username)!).Distinct(StringComparer.Ordinal).ToList();
        var existingEmails = (await db.Users.AsNoTracking().Where(u => emails.Contains(u.NormalizedEmail!)).Select(u => u.NormalizedEmail!).ToListAsync(cancellationToken))
            .ToHashSet(StringComparer.Ordinal);
        var takenNames = (await db.Users.AsNoTracking().Where(u => names.Contains(u.NormalizedUserName!)).Select(u => u.NormalizedUserName!).ToListAsync(cancellationToken))
            .ToHashSet(StringComparer.Ordinal);

        var now = time.GetUtcNow();
        var newUsers = new List<User>();
        var newProfiles = new List<UserProfile>();
        var newRoles = new List<UserRole>();
        foreach (var (number, line) in lines)
        {
            var email = users.NormalizeEmail(line.Email)!;
            if (!existingEmails.Add(email))
            {
                outcome.Skipped++; // an account (or an earlier line) has this address: it stays as it is
                continue;
            }

            var userName = line.Username is null ? null : users.NormalizeName(line.Username)!;
            if (userName is not null && !takenNames.Add(userName))
            {
                outcome.Fail(number, $"The username '{line.Username}' is taken.");
                continue;
            }

            if (line.Roles.FirstOrDefault(r => !roles.ContainsKey(r)) is { } unknown)
            {
                outcome.Fail(number, $"roles: no role is named '{unknown}'.");
                continue;
            }

            if (actor is not null && AccessGuards.Lacking(actor, line.Roles.SelectMany(r => roles[r].Permissions)) is { Count: > 0 } lacking)
            {
                outcome.Fail(number, $"roles: you may only grant roles whose permissions you hold yourself (missing {string.Join(", ", lacking)}).");
                continue;
            }

            var invite = line.PasswordHash is null && options.SendInvitations;
            var user = new User
            {
                Email = line.Email,
                NormalizedEmail = email,
                UserName = line.Username,
                NormalizedUserName = userName,
                EmailConfirmed = line.EmailVerified,
                EmailVerifiedAt = line.EmailVerified ? now : null,
                // The invitation link proves the address, as for an account an administrator creates.
                Status = line.EmailVerified || invite ? UserStatus.Active : UserStatus.PendingVerification,
                PasswordHash = line.PasswordHash,
                PasswordChangedAt = line.PasswordHash is null ? null : now, // expiry counts from the import, not from the past
                LockoutEnabled = users.Options.Lockout.AllowedForNewUsers,
                CreatedAt = now,
                UpdatedAt = now,
            };
            newUsers.Add(user);
            newProfiles.Add(new UserProfile
            {
                UserId = user.Id,
                FullName = line.FullName ?? Notifications.AccountMailer.NameOf(null, line.FirstName, line.LastName),
                FirstName = line.FirstName,
                LastName = line.LastName,
                CreatedAt = now,
                UpdatedAt = now,
            });
            foreach (var role in line.Roles)
            {
                newRoles.Add(new UserRole { UserId = user.Id, RoleId = roles[role].Id, AssignedAt = now, AssignedBy = options.ActorId });
            }

            if (invite)
            {
                outcome.Invited++;
                db.AddEvent(EventTypes.UserRegistered, user.Id, new
                {
                    userId = user.Id,
                    email = user.Email,
                    username = user.UserName,
                    fullName = line.FullName,
                    firstName = line.FirstName,
                    lastName = line.LastName,
                    invited = true,
                    imported = true,
                    actorId = options.ActorId,
                }, now);
            }

            outcome.Created++;
        }

        if (!options.DryRun && newUsers.Count > 0)
        {
            db.AddEvent(EventTypes.UsersImported, null, new
            {
                actorId = options.ActorId,
                source = options.Source,
                created = newUsers.Count,
                invited = outcome.Invited,
                userIds = newUsers.Select(u => u.Id).ToList(),
            }, now);
            try
            {
                if (db.Provider == DatabaseProvider.Postgres)
                {
                    await BulkCopy.InsertAsync(db, newUsers, cancellationToken);
                    await BulkCopy.InsertAsync(db, newProfiles, cancellationToken);
                    await BulkCopy.InsertAsync(db, newRoles, cancellationToken);
                }
                else
                {
                    db.Users.AddRange(newUsers);
                    db.Profiles.AddRange(newProfiles);
                    db.UserRoles.AddRange(newRoles);
                }

                db.ChangeTracker.DetectChanges();
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is DbUpdateException or PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                await transaction.RollbackAsync(cancellationToken);
                return null;
            }

            await transaction.CommitAsync(cancellationToken);
            if (lines.Any(l => l.Data.Roles.Count > 0))
            {
                scope.ServiceProvider.GetRequiredService<PermissionService>().Invalidate();
            }
        }
        else
        {
            await transaction.RollbackAsync(cancellationToken);
        }

        tally.Add(outcome);
        return outcome.Created;
    }

    private readonly record struct ReadLine(string Text, bool TooLong);

    /// <summary>
    /// Lines of at most <see cref="MaxLineChars"/> characters, read asynchronously (a request body allows no
    /// synchronous reads); a longer line is read to its end and reported, never held.
    /// </summary>
    private sealed class LineReader(TextReader reader)
    {
        private readonly char[] _buffer = new char[16 * 1024];
        private readonly StringBuilder _line = new();
        private int _position;
        private int _length;

        public async Task<ReadLine?> ReadLineAsync(CancellationToken cancellationToken)
        {
            _line.Clear();
            var tooLong = false;
            var any = false;
            while (true)
            {
                if (_position == _length)
                {
                    _length = await reader.ReadAsync(_buffer.AsMemory(), cancellationToken);
                    _position = 0;
                    if (_length == 0)
                    {
                        return any ? new ReadLine(_line.ToString(), tooLong) : null;
                    }
                }

                any = true;
                var end = Array.IndexOf(_buffer, '\n', _position, _length - _position);
                var count = (end < 0 ? _length : end) - _position;
                if (!tooLong && _line.Length + count > MaxLineChars)
                {
                    tooLong = true;
                    _line.Clear();
                }

                if (!tooLong)
                {
                    _line.Append(_buffer, _position, count);
                }

                _position += count;
                if (end >= 0)
                {
                    _position++; // the newline
                    if (_line.Length > 0 && _line[^1] == '\r')
                    {
                        _line.Length--;
                    }

                    return new ReadLine(_line.ToString(), tooLong);
                }
            }
        }
    }

    private sealed class Tally(bool dryRun)
    {
        private readonly List<ImportLineError> _errors = [];
        private bool _truncated;

        public long Lines { get; set; }
        public int Created { get; set; }
        public int Skipped { get; set; }
        public int Failed { get; private set; }
        public int Invited { get; set; }

        public void Fail(long line, string error)
        {
            Failed++;
            if (_errors.Count < MaxReportedErrors)
            {
                _errors.Add(new ImportLineError(line, error));
            }
            else
            {
                _truncated = true;
            }
        }

        public void Add(Tally other)
        {
            Created += other.Created;
            Skipped += other.Skipped;
            Invited += other.Invited;
            foreach (var error in other._errors)
            {
                Fail(error.Line, error.Error);
            }
        }

        public UserImportResult Result() =>
            new(dryRun, Lines, Created, Skipped, Failed, Invited, [.. _errors.OrderBy(e => e.Line)], _truncated);
    }
}
