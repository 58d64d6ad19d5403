using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Administration.Import;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Users;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Administration.Import;

public sealed class UserImportTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    private static readonly Dictionary<string, string> Hashes = ImportedHashes.Of(AuthFlows.Password);

    [Fact]
    public async Task EveryAcceptedHashKindSignsInAndIsRehashedToWardensArgon2id()
    {
        var admin = await factory.AdminClientAsync();
        var emails = Hashes.Keys.Append("django-argon2-p8").ToDictionary(k => k, k => AuthFlows.NewEmail(k));
        var lines = Hashes.Select(h => Line(emails[h.Key], h.Value))
            .Append(Line(emails["django-argon2-p8"], ImportedHashes.DjangoArgon2)).ToList();

        var result = await ImportAsync(admin.Client, lines);
        Assert.Equal(lines.Count, result.GetProperty("created").GetInt32());
        Assert.Equal(0, result.GetProperty("failed").GetInt32());

        var client = factory.CreateClient();
        foreach (var (kind, email) in emails)
        {
            var password = kind == "django-argon2-p8" ? ImportedHashes.DjangoArgon2Password : AuthFlows.Password;
            Assert.True((await client.PostLoginAsync(email, password)).StatusCode == HttpStatusCode.OK, $"{kind} does not sign in");
            var stored = await StoredHashAsync(email);
            Assert.True(stored!.StartsWith("$argon2id$v=19$m=64,t=1,p=1$", StringComparison.Ordinal), $"{kind} was not rehashed: {stored}");
            Assert.Equal(HttpStatusCode.OK, (await client.PostLoginAsync(email, password)).StatusCode);
        }
    }

    [Fact]
    public async Task BadLinesAreReportedByTheirNumbersAndTheOthersAreImportedWhole()
    {
        var admin = await factory.AdminClientAsync();
        var taken = AuthFlows.NewEmail("username-owner");
        var username = "imp" + Guid.NewGuid().ToString("N")[..10];
        var good = AuthFlows.NewEmail("good");
        var lines = new List<string>
        {
            Line(taken, Hashes["bcrypt-2b"], username: username),                                             // 1
            "{not json",                                                                                      // 2
            Line("not-an-address", Hashes["bcrypt-2b"]),                                                      // 3
            Line(AuthFlows.NewEmail(), "$2b$15$" + Hashes["bcrypt-2b"][7..]),                                 // 4: bcrypt cost 15
            Line(AuthFlows.NewEmail(), Hashes["pbkdf2-phc"].Replace("i=1000", "i=2000000", StringComparison.Ordinal)), // 5: 2,000,000 iterations
            Line(AuthFlows.NewEmail(), "md5:5f4dcc3b5aa765d61d8327deb882cf99"),                              // 6
            Line(AuthFlows.NewEmail(), null, roles: ["no-such-role"]),                                        // 7
            JsonSerializer.Serialize(new { email = AuthFlows.NewEmail(), pasword_hash = Hashes["bcrypt-2b"] }), // 8: misspelt field
            Line(AuthFlows.NewEmail(), Hashes["bcrypt-2b"], username: username),                              // 9: username taken by line 1
            "",                                                                                               // 10: blank, ignored
            Line(good, Hashes["identity-v3"]),                                                                // 11
        };

        var result = await ImportAsync(admin.Client, lines);

        var errors = result.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("line").GetInt64()).ToList();
        Assert.Equal([2L, 3, 4, 5, 6, 7, 8, 9], errors);
        Assert.Equal(2, result.GetProperty("created").GetInt32());
        Assert.Equal(11, result.GetProperty("lines").GetInt64());
        Assert.Contains("bcrypt cost above 14", ErrorOf(result, 4), StringComparison.Ordinal);
        Assert.Contains("1,000,000", ErrorOf(result, 5), StringComparison.Ordinal);
        Assert.Contains("no-such-role", ErrorOf(result, 7), StringComparison.Ordinal);
        Assert.Contains("taken", ErrorOf(result, 9), StringComparison.Ordinal);

        // A refused line left nothing behind: no account, no profile, no role.
        var refused = AuthFlows.NewEmail();
        await ImportAsync(admin.Client, [Line(refused, null, roles: ["user", "no-such-role"])]);
        Assert.Null(await StoredUserAsync(refused));
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().PostLoginAsync(good)).StatusCode);
    }

    [Fact]
    public async Task ASecondRunChangesNothingAndAnExistingAccountKeepsItsHashRolesAndStatus()
    {
        var admin = await factory.AdminClientAsync();
        var existing = await factory.SignedInClientAsync();
        var before = await factory.InDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Id == existing.Id));
        var fresh = AuthFlows.NewEmail("fresh");
        var lines = new List<string>
        {
            Line(existing.Email, Hashes["bcrypt-2b"], roles: ["admin"]),
            Line(fresh, Hashes["pbkdf2-django"]),
        };

        var first = await ImportAsync(admin.Client, lines);
        Assert.Equal((1, 1), (first.GetProperty("created").GetInt32(), first.GetProperty("skipped").GetInt32()));
        var users = await factory.InDbAsync(db => db.Users.CountAsync());
        var events = await factory.InDbAsync(db => db.OutboxMessages.CountAsync(m => m.Type == EventTypes.UsersImported || m.Data.Contains("\"imported\":true")));

        var second = await ImportAsync(admin.Client, lines);

        Assert.Equal((0, 2, 0), (second.GetProperty("created").GetInt32(), second.GetProperty("skipped").GetInt32(), second.GetProperty("failed").GetInt32()));
        Assert.Equal(users, await factory.InDbAsync(db => db.Users.CountAsync()));
        Assert.Equal(events, await factory.InDbAsync(db => db.OutboxMessages.CountAsync(m => m.Type == EventTypes.UsersImported || m.Data.Contains("\"imported\":true"))));
        var after = await factory.InDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Id == existing.Id));
        Assert.Equal((before.PasswordHash, before.Status, before.SecurityStamp), (after.PasswordHash, after.Status, after.SecurityStamp));
        Assert.False(await factory.InDbAsync(db => db.UserRoles.AnyAsync(ur => ur.UserId == existing.Id && ur.Role!.Name == "admin")));
    }

    [Fact]
    public async Task ADryRunChecksEveryLineAndWritesNothing()
    {
        var admin = await factory.AdminClientAsync();
        var email = AuthFlows.NewEmail("dry");
        var users = await factory.InDbAsync(db => db.Users.CountAsync());

        var result = await ImportAsync(admin.Client, [Line(email, Hashes["argon2id"]), Line("bad", null)], "?dryRun=true");

        Assert.True(result.GetProperty("dryRun").GetBoolean());
        Assert.Equal((1, 1), (result.GetProperty("created").GetInt32(), result.GetProperty("failed").GetInt32()));
        Assert.Equal(users, await factory.InDbAsync(db => db.Users.CountAsync()));
    }

    [Fact]
    public async Task UsersWithoutAHashAreInvitedUnlessInvitationsAreOff()
    {
        var admin = await factory.AdminClientAsync();
        var invited = AuthFlows.NewEmail("invited");
        var quiet = AuthFlows.NewEmail("quiet");

        var first = await ImportAsync(admin.Client, [Line(invited, null)]);
        var second = await ImportAsync(admin.Client, [Line(quiet, null)], "?invitations=false");

        Assert.Equal(1, first.GetProperty("invited").GetInt32());
        Assert.Equal(0, second.GetProperty("invited").GetInt32());
        var invitedId = (await StoredUserAsync(invited))!.Id;
        var quietId = (await StoredUserAsync(quiet))!.Id;
        Assert.True(await factory.InDbAsync(db => db.OutboxMessages.AnyAsync(m => m.Type == EventTypes.UserRegistered && m.Subject == invitedId && m.Data.Contains("\"invited\":true"))));
        Assert.False(await factory.InDbAsync(db => db.OutboxMessages.AnyAsync(m => m.Subject == quietId)));
    }

    /// <summary>
    /// A wrong password against every imported kind costs exactly one hash at Warden's current parameters, as an
    /// unknown account does (the equalising hash), on top of the kind's own check. Counted, not timed.
    /// </summary>
    [Fact]
    public async Task AFailedSignInOnEveryImportedKindCostsWhatAnUnknownAccountCosts()
    {
        var admin = await factory.AdminClientAsync();
        var emails = Hashes.Keys.Append("django-argon2-p8").ToDictionary(k => k, k => AuthFlows.NewEmail(k));
        await ImportAsync(admin.Client, [.. Hashes.Select(h => Line(emails[h.Key], h.Value)), Line(emails["django-argon2-p8"], ImportedHashes.DjangoArgon2)]);
        var hasher = factory.Services.GetRequiredService<WardenPasswordHasher>();
        var client = factory.CreateClient();
        await (await client.PostLoginAsync(AuthFlows.NewEmail("warm-up"), "Wrong-Pass-2024!")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        emails["unknown"] = AuthFlows.NewEmail("nobody");

        foreach (var (kind, email) in emails)
        {
            var before = hasher.Computations;
            await (await client.PostLoginAsync(email, "Wrong-Pass-2024!")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
            var after = hasher.Computations;
            Assert.True(after.AtCurrentCost - before.AtCurrentCost == 1, $"{kind}: {after.AtCurrentCost - before.AtCurrentCost} hashes at the current parameters");
            Assert.True(after.AtOtherCost - before.AtOtherCost == (kind == "unknown" ? 0 : 1), $"{kind}: {after.AtOtherCost - before.AtOtherCost} hashes of its own kind");
        }
    }

    [Fact]
    public async Task ImportNeedsAdminSystemAndImportedRolesPassTheHolderGuard()
    {
        var root = await factory.AdminClientAsync();
        await root.CreateRoleAsync("user-admins", "admin:users");
        await root.CreateRoleAsync("importers", "admin:users", "admin:system");
        var userAdmin = await factory.SignedInWithRoleAsync(root, "user-admins");
        var importer = await factory.SignedInWithRoleAsync(root, "importers");

        var refused = await userAdmin.Client.PostAsync("/api/v1/admin/users/import", Body([Line(AuthFlows.NewEmail(), null)]));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        var email = AuthFlows.NewEmail("escalating");
        var result = await ImportAsync(importer.Client, [Line(email, Hashes["bcrypt-2b"], roles: ["admin"]), Line(AuthFlows.NewEmail(), Hashes["bcrypt-2b"], roles: ["importers"])]);

        Assert.Equal([1L], result.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("line").GetInt64()));
        Assert.Contains("permissions you hold", ErrorOf(result, 1), StringComparison.Ordinal);
        Assert.Null(await StoredUserAsync(email));
    }

    private static readonly JsonSerializerOptions LineJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    [Fact]
    public async Task AnExportReadsBackAsAnImportAndCarriesHashesOnlyWhenAskedFor()
    {
        var admin = await factory.AdminClientAsync();
        var email = AuthFlows.NewEmail("exported");
        await ImportAsync(admin.Client, [Line(email, Hashes["bcrypt-2b"], roles: ["user", "admin"])]);

        var without = await ExportAsync(includePasswordHashes: false);
        var with = await ExportAsync(includePasswordHashes: true);

        var line = JsonDocument.Parse(without.Single(l => l.Contains(email, StringComparison.Ordinal))).RootElement;
        Assert.False(line.TryGetProperty("passwordHash", out _));
        Assert.Equal(["admin", "user"], line.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("Ada", line.GetProperty("firstName").GetString());
        Assert.True(line.GetProperty("emailVerified").GetBoolean());
        Assert.Equal(Hashes["bcrypt-2b"], JsonDocument.Parse(with.Single(l => l.Contains(email, StringComparison.Ordinal))).RootElement.GetProperty("passwordHash").GetString());
        Assert.Equal(await factory.InDbAsync(db => db.Users.CountAsync(u => u.Status != UserStatus.Deleted)), with.Count);

        var again = await ImportAsync(admin.Client, with);
        Assert.Equal((0, with.Count, 0), (again.GetProperty("created").GetInt32(), again.GetProperty("skipped").GetInt32(), again.GetProperty("failed").GetInt32()));
    }

    private Task<List<string>> ExportAsync(bool includePasswordHashes) => factory.InDbAsync(async db =>
    {
        using var writer = new StringWriter();
        await UserExport.WriteAsync(db, writer, includePasswordHashes, CancellationToken.None);
        return writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    });

    internal static string Line(string email, string? hash, string? username = null, string[]? roles = null) =>
        JsonSerializer.Serialize(new { email, emailVerified = true, username, firstName = "Ada", lastName = "Imported", roles, passwordHash = hash }, LineJson);

    internal static StringContent Body(IEnumerable<string> lines) =>
        new(string.Join('\n', lines) + "\n", Encoding.UTF8, "application/x-ndjson");

    internal static async Task<JsonElement> ImportAsync(HttpClient admin, IEnumerable<string> lines, string query = "") =>
        await (await admin.PostAsync("/api/v1/admin/users/import" + query, Body(lines))).ReadJsonAsync();

    private static string ErrorOf(JsonElement result, long line) =>
        result.GetProperty("errors").EnumerateArray().Single(e => e.GetProperty("line").GetInt64() == line).GetProperty("error").GetString()!;

    private Task<string?> StoredHashAsync(string email)
    {
        var normalized = email.ToUpperInvariant();
        return factory.InDbAsync(db => db.Users.Where(u => u.NormalizedEmail == normalized).Select(u => u.PasswordHash).SingleAsync());
    }

    private Task<User?> StoredUserAsync(string email)
    {
        var normalized = email.ToUpperInvariant();
        return factory.InDbAsync(db => db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.NormalizedEmail == normalized));
    }
}
