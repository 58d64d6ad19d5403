using Microsoft.EntityFrameworkCore;
using Warden.Server.Profiles;
using Warden.Server.Users;

namespace Warden.Server.Administration;

/// <summary>
/// PostgreSQL only: trigram (pg_trgm) GIN indexes that serve the administrators' substring search
/// (<see cref="ListUsers"/>: <c>ILIKE '%term%'</c>) without scanning the table. A trigram index on the plain
/// column serves ILIKE as well as LIKE (trigrams are case-folded), which is why there is no lower() expression
/// index. pg_trgm is a trusted extension: the database owner may create it without superuser rights.
/// SQLite has nothing of the kind, so its model does not get these.
/// </summary>
public static class UserSearchIndexes
{
    public static void ConfigurePostgres(ModelBuilder builder)
    {
        builder.HasPostgresExtension("pg_trgm");
        builder.Entity<User>().HasIndex(u => u.Email, "ix_users_email_trgm").HasMethod("gin").HasOperators("gin_trgm_ops");
        builder.Entity<User>().HasIndex(u => u.UserName, "ix_users_user_name_trgm").HasMethod("gin").HasOperators("gin_trgm_ops");
        builder.Entity<UserProfile>().HasIndex(p => p.FullName, "ix_user_profiles_full_name_trgm").HasMethod("gin").HasOperators("gin_trgm_ops");
    }
}
