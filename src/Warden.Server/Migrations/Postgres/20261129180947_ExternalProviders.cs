using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Warden.Server.Migrations.Postgres
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
                type: "character varying(40)",
                maxLength: 40,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "identity_providers",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    slug = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    display_name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    discovery_url = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    client_id = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    protected_client_secret = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    scopes = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    enabled = table.Column<bool>(type: "boolean", nullable: false),
                    trust_email_verification = table.Column<bool>(type: "boolean", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
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
