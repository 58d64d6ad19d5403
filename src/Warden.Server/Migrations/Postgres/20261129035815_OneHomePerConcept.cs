using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Warden.Server.Migrations.Postgres
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

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "reauthenticated_at",
                table: "user_sessions",
                type: "timestamp with time zone",
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
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);
        }
    }
}
