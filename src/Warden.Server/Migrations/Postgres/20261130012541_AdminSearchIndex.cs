using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Warden.Server.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AdminSearchIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_users_email_trgm",
                table: "users");

            migrationBuilder.DropIndex(
                name: "ix_users_user_name_trgm",
                table: "users");

            // One trigram index on email and username together (Administration/UserSearchIndexes.cs). The expression
            // is the one EF Core writes for ListUsers' match, which the planner requires (UserSearchPlanTests). The
            // unit separator between the two cannot be matched across: the search refuses terms with control
            // characters.
            migrationBuilder.Sql("""
                CREATE INDEX ix_users_email_user_name_trgm ON users
                USING gin ((COALESCE(email, '') || E'\x1F' || COALESCE(user_name, '')) gin_trgm_ops)
                WITH (fastupdate = off)
                """);

            // The model says fastupdate = false for the profile name's index; altered in place rather than rebuilt (as
            // EF Core would), and its pending list merged now instead of at the next vacuum.
            migrationBuilder.Sql("ALTER INDEX ix_user_profiles_full_name_trgm SET (fastupdate = off)");
            migrationBuilder.Sql("SELECT gin_clean_pending_list('ix_user_profiles_full_name_trgm'::regclass)");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("ALTER INDEX ix_user_profiles_full_name_trgm RESET (fastupdate)");
            migrationBuilder.Sql("DROP INDEX ix_users_email_user_name_trgm");

            migrationBuilder.CreateIndex(
                name: "ix_users_email_trgm",
                table: "users",
                column: "email")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });

            migrationBuilder.CreateIndex(
                name: "ix_users_user_name_trgm",
                table: "users",
                column: "user_name")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });
        }
    }
}
