using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Warden.Server.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class OneHomePerConcept : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "preferred_second_factor",
                table: "user_settings");

            migrationBuilder.AddColumn<long>(
                name: "reauthenticated_at",
                table: "user_sessions",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "reauthenticated_at",
                table: "user_sessions");

            migrationBuilder.AddColumn<string>(
                name: "preferred_second_factor",
                table: "user_settings",
                type: "TEXT",
                maxLength: 16,
                nullable: true);
        }
    }
}
