using System.Net;
using Warden.Server.Authentication;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Authentication.TwoFactor;

/// <summary>
/// Wrong codes per sign-in challenge (<c>Warden:Authentication:MaxChallengeAttempts</c>, 5 by default). The account
/// lockout is raised here so that the challenge's own limit is what the tests see.
/// </summary>
public sealed class ChallengeAttemptTests : IDisposable
{
    private readonly WardenFactory _factory = new WardenFactory().With("Warden:Authentication:MaxFailedAttempts", "20");

    [Fact]
    public async Task AChallengeDiesAfterFiveWrongCodesAndTheRightCodeNoLongerFinishesIt()
    {
        var client = _factory.CreateClient();
        var enrolled = await _factory.TotpUserAsync(client);
        var challenge = (await (await client.PostLoginAsync(enrolled.Email)).ReadJsonAsync()).GetProperty("challengeToken").GetString()!;

        for (var i = 0; i < 5; i++)
        {
            await (await client.PostSecondFactorAsync(challenge, "000000")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_code");
        }

        await (await client.PostSecondFactorAsync(challenge, await _factory.TotpNowAsync(enrolled))).AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");
        await (await client.PostSecondFactorAsync(challenge, enrolled.RecoveryCodes[0])).AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");

        // Signing in again gives a new challenge that the right code finishes.
        var again = (await (await client.PostLoginAsync(enrolled.Email)).ReadJsonAsync()).GetProperty("challengeToken").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await client.PostSecondFactorAsync(again, await _factory.TotpNowAsync(enrolled))).StatusCode);
    }

    [Fact]
    public async Task ParallelWrongCodesGetAtMostFiveCheckedOnOneChallenge()
    {
        var client = _factory.CreateClient();
        var enrolled = await _factory.TotpUserAsync(client);
        var challenge = (await (await client.PostLoginAsync(enrolled.Email)).ReadJsonAsync()).GetProperty("challengeToken").GetString()!;

        var right = await _factory.TotpNowAsync(enrolled);
        var wrong = Enumerable.Range(100000, 11).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Where(c => c != right).Take(10);
        var responses = await Task.WhenAll(wrong.Select(code => _factory.CreateClient().PostSecondFactorAsync(challenge, code)));

        var checkedCodes = 0;
        foreach (var response in responses)
        {
            var problem = await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
            checkedCodes += problem.GetProperty("code").GetString() == "invalid_code" ? 1 : 0;
        }

        Assert.True(checkedCodes <= 5, $"{checkedCodes} codes were checked against one challenge");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    public void TheLimitIsBetweenOneAndTen(int value)
    {
        var result = new AuthenticationOptionsValidator().Validate(null, new AuthenticationOptions { MaxChallengeAttempts = value });
        Assert.Contains("Warden:Authentication:MaxChallengeAttempts", result.FailureMessage, StringComparison.Ordinal);
        Assert.Equal(5, new AuthenticationOptions().MaxChallengeAttempts);
    }

    public void Dispose() => _factory.Dispose();
}
