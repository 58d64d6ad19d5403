using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Warden.Server.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class IpRules : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ip_blocks",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    network = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    reason = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    failures = table.Column<int>(type: "INTEGER", nullable: false),
                    identifiers = table.Column<int>(type: "INTEGER", nullable: false),
                    blocked_at = table.Column<long>(type: "INTEGER", nullable: false),
                    expires_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_ip_blocks", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "ip_rules",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    action = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    network = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    note = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false),
                    created_by = table.Column<Guid>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_ip_rules", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "ip_sign_in_failures",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    network = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    identifier_hash = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    failed_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_ip_sign_in_failures", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_ip_blocks_expires_at",
                table: "ip_blocks",
                column: "expires_at");

            migrationBuilder.CreateIndex(
                name: "ix_ip_blocks_network",
                table: "ip_blocks",
                column: "network",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_ip_rules_network_action",
                table: "ip_rules",
                columns: new[] { "network", "action" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_ip_sign_in_failures_failed_at",
                table: "ip_sign_in_failures",
                column: "failed_at");

            migrationBuilder.CreateIndex(
                name: "ix_ip_sign_in_failures_network_failed_at",
                table: "ip_sign_in_failures",
                columns: new[] { "network", "failed_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ip_blocks");

            migrationBuilder.DropTable(
                name: "ip_rules");

            migrationBuilder.DropTable(
                name: "ip_sign_in_failures");
        }
    }
}
