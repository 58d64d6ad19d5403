using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Warden.Server.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AdminSearchIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {

        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {

        }
    }
}
