using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Warden.Server.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Passkeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "passkey_challenges",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    ceremony = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    challenge_hash = table.Column<byte[]>(type: "BLOB", maxLength: 32, nullable: false),
                    user_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    session_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    state = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false),
                    expires_at = table.Column<long>(type: "INTEGER", nullable: false),
                    consumed_at = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_passkey_challenges", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_passkey_challenges_challenge_hash",
                table: "passkey_challenges",
                column: "challenge_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_passkey_challenges_expires_at",
                table: "passkey_challenges",
                column: "expires_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "passkey_challenges");
        }
    }
}
