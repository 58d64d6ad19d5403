using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Warden.Server.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class BrowserSessionCookie : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<byte[]>(
                name: "cookie_hash",
                table: "user_sessions",
                type: "BLOB",
                maxLength: 32,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_user_sessions_cookie_hash",
                table: "user_sessions",
                column: "cookie_hash",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_user_sessions_cookie_hash",
                table: "user_sessions");

            migrationBuilder.DropColumn(
                name: "cookie_hash",
                table: "user_sessions");
        }
    }
}
