using Microsoft.EntityFrameworkCore;
using Warden.Server.Profiles;

namespace Warden.Server.Administration;

/// <summary>
/// PostgreSQL only: trigram (pg_trgm) GIN indexes that serve the administrators' substring search
/// (<see cref="ListUsers"/>: <c>ILIKE '%term%'</c>) without scanning the table. A trigram index serves ILIKE as well
/// as LIKE (trigrams are case-folded), which is why there is no lower() expression index. pg_trgm is a trusted
/// extension: the database owner may create it without superuser rights. SQLite has nothing of the kind, so its
/// model does not get these.
/// <para>
/// Email and username share ONE index, <see cref="UsersIndex"/>, on the expression
/// <c>COALESCE(email, '') || E'\x1F' || COALESCE(user_name, '')</c> (migration AdminSearchIndex, raw SQL: EF Core
/// cannot model an expression index), exactly as EF Core writes <see cref="ListUsers"/>' match: the planner uses an
/// expression index only for the same expression (<c>UserSearchPlanTests</c> reads the plan). The unit separator
/// (U+001F) keeps a term from matching across the two values: <see cref="ListUsers"/> refuses every term holding a
/// control character, so no pattern contains it. Two indexes made every search walk the posting lists of the
/// trigrams all addresses share twice, and usernames often are the address's local part. Both indexes are built with <c>fastupdate = off</c>: with it on, new rows wait in a pending list of up to
/// 4 MB that every search reads linearly; registrations are rare enough to update the index at once.
/// </para>
/// </summary>
public static class UserSearchIndexes
{
    /// <summary>The trigram index on email and username together, created by migration AdminSearchIndex.</summary>
    public const string UsersIndex = "ix_users_email_user_name_trgm";

    public static void ConfigurePostgres(ModelBuilder builder)
    {
        builder.HasPostgresExtension("pg_trgm");
        builder.Entity<UserProfile>().HasIndex(p => p.FullName, "ix_user_profiles_full_name_trgm").HasMethod("gin").HasOperators("gin_trgm_ops")
            .HasStorageParameter("fastupdate", false);
    }
}
