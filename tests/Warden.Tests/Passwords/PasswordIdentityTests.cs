using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Passwords;
using Warden.Server.Users;
using Warden.Tests.Infrastructure;
using Warden.Server.Administration;

namespace Warden.Tests.Passwords;

/// <summary>The policy as Identity enforces it, and as endpoints will report it.</summary>
public sealed class PasswordIdentityTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    private static readonly string[] EveryRuleLoveBreaks =
    [
        PasswordRules.TooShort, PasswordRules.RequiresUppercase, PasswordRules.RequiresDigit, PasswordRules.RequiresSpecial,
        PasswordRules.ContainsUserName, PasswordRules.ContainsEmail, PasswordRules.Common,
    ];

    [Fact]
    public async Task CreateAsyncReportsEveryFailedRuleAndNothingTwiceAndCreatesNoUser()
    {
        await factory.InScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<User>>();

            var result = await users.CreateAsync(new User { Email = "love@example.com", UserName = "love" }, "love");

            Assert.Equal(EveryRuleLoveBreaks, result.Errors.Select(e => e.Code));
            Assert.Null(await users.FindByEmailAsync("love@example.com"));
        });
    }

    [Fact]
    public async Task CreateAsyncAcceptsAPasswordThatMeetsThePolicyAndStampsItsDate()
    {
        await factory.InScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<User>>();
            var user = new User { Email = "meets-policy@example.com", UserName = "meets-policy" };

            var result = await users.CreateAsync(user, "Tangerine-Vortex-42");

            Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Code)));
            Assert.Equal(factory.Time.GetUtcNow(), user.PasswordChangedAt);
            Assert.True(await users.CheckPasswordAsync(user, "Tangerine-Vortex-42"));
        });
    }

    [Fact]
    public async Task IdentityUsesOnlyWardensPasswordValidator()
    {
        var users = await factory.InScopeAsync(services => Task.FromResult(services.GetRequiredService<UserManager<User>>()));

        Assert.IsType<PasswordChangingUserManager>(users);
        Assert.IsType<PasswordPolicyValidator>(Assert.Single(users.PasswordValidators));
        Assert.Equal(0, users.Options.Password.RequiredLength);
    }

    [Fact]
    public async Task FailedRulesBecomeAPasswordPolicyProblemKeyedByTheField()
    {
        var result = IdentityResult.Failed(
            new IdentityError { Code = PasswordRules.TooShort, Description = "Use at least 8 characters." },
            new IdentityError { Code = PasswordRules.Common, Description = "Too common." },
            new IdentityError { Code = "DuplicateEmail", Description = "The email address is taken." });

        Assert.True(PasswordPolicy.IsPolicyFailure(result));
        var errors = PasswordPolicy.ToProblemErrors(result, "newPassword");
        Assert.Equal(["Use at least 8 characters.", "Too common."], Assert.Single(errors, e => e.Key == "newPassword").Value);

        var problem = PasswordPolicy.Problem(result, "password");
        var context = new DefaultHttpContext { RequestServices = factory.Services };
        context.Response.Body = new MemoryStream();
        await problem.ExecuteAsync(context);
        context.Response.Body.Position = 0;
        var body = System.Text.Json.JsonDocument.Parse(context.Response.Body).RootElement;

        Assert.Equal(400, context.Response.StatusCode);
        Assert.Equal("password_policy", body.GetProperty("code").GetString());
        Assert.Equal(2, body.GetProperty("errors").GetProperty("password").GetArrayLength());
        Assert.Equal(
            [PasswordRules.TooShort, PasswordRules.Common],
            body.GetProperty("failedRules").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task AWrongCurrentPasswordIsNotAPolicyFailure()
    {
        await factory.InScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<User>>();
            var user = new User { Email = "wrong-current@example.com" };
            Assert.True((await users.CreateAsync(user, "Tangerine-Vortex-42")).Succeeded);

            var result = await users.ChangePasswordAsync(user, "Not-The-Password-1", "weak");

            Assert.False(PasswordPolicy.IsPolicyFailure(result));
            Assert.Empty(PasswordPolicy.ToProblemErrors(result, "newPassword"));
        });
    }

    [Fact]
    public async Task TheBootstrapAdministratorOfTheTestsIsCreatedWithItsPassword()
    {
        await factory.InScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<User>>();

            var admin = await users.FindByEmailAsync(WardenFactory.AdminEmail);

            Assert.NotNull(admin);
            Assert.True(await users.CheckPasswordAsync(admin, WardenFactory.AdminPassword));
        });
    }

    [Fact]
    public void TheFormerTestAdminPasswordContainsTheAdminsEmailLocalPart()
    {
        // Why WardenFactory.AdminPassword changed: "Root-Password-1234!" contains "root" of root@warden.test.
        var policy = factory.Services.GetRequiredService<PasswordPolicy>();
        Assert.Equal([PasswordRules.ContainsEmail], policy.Evaluate("Root-Password-1234!", null, WardenFactory.AdminEmail).Select(f => f.Code));
    }

    [Fact]
    public void GeneratedAdminPasswordsMeetThePolicy()
    {
        var policy = factory.Services.GetRequiredService<PasswordPolicy>();
        for (var i = 0; i < 500; i++)
        {
            var password = BootstrapAdministrator.GeneratePassword();
            Assert.Empty(policy.Evaluate(password, null, BootstrapAdministrator.GeneratedAdminEmail));
        }
    }
}
