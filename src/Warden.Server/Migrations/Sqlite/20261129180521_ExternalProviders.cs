using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Warden.Server.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ExternalProviders : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "external_provider",
                table: "user_sessions",
                type: "TEXT",
                maxLength: 40,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "identity_providers",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    slug = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    display_name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    discovery_url = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    client_id = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    protected_client_secret = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    scopes = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    trust_email_verification = table.Column<bool>(type: "INTEGER", nullable: false),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false),
                    updated_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_identity_providers", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_identity_providers_slug",
                table: "identity_providers",
                column: "slug",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "identity_providers");

            migrationBuilder.DropColumn(
                name: "external_provider",
                table: "user_sessions");
        }
    }
}
