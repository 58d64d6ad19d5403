using System.Text.Json;
using Warden.Server.Audit;

namespace Warden.Tests.Audit;

public sealed class AuditScrubberTests
{
    [Fact]
    public void ScrubbingRemovesNamesContactsAndEmailsWhereverTheySit()
    {
        var details = """
            {"email":"a@b.c","newEmail":"x@y.z","fullName":"Ada L","username":"ada","phoneNumber":"+44",
             "reason":"invalid_credentials","nested":{"contact":"a@b.c","lastName":"L","sessionId":"s1"},
             "list":["a@b.c","kept"],"count":3}
            """;
        var scrubbed = JsonDocument.Parse(AuditScrubber.ScrubDetails(details)).RootElement;

        Assert.Equal("invalid_credentials", scrubbed.GetProperty("reason").GetString());
        Assert.Equal(3, scrubbed.GetProperty("count").GetInt32());
        Assert.Equal("s1", scrubbed.GetProperty("nested").GetProperty("sessionId").GetString());
        Assert.Equal(JsonValueKind.Null, scrubbed.GetProperty("nested").GetProperty("contact").ValueKind);
        Assert.Equal("kept", scrubbed.GetProperty("list")[1].GetString());
        foreach (var gone in new[] { "email", "newEmail", "fullName", "username", "phoneNumber" })
        {
            Assert.False(scrubbed.TryGetProperty(gone, out _), gone);
        }

        Assert.DoesNotContain("@", scrubbed.GetRawText(), StringComparison.Ordinal);
        Assert.False(scrubbed.GetProperty("nested").TryGetProperty("lastName", out _));
    }

    [Fact]
    public void ScrubbingIsIdempotentAndSurvivesNonsense()
    {
        var once = AuditScrubber.ScrubDetails("""{"email":"a@b.c","reason":"x"}""");
        Assert.Equal(once, AuditScrubber.ScrubDetails(once));
        Assert.Equal("{}", AuditScrubber.ScrubDetails("not json"));
        Assert.Equal("{}", AuditScrubber.ScrubDetails("null"));
    }
}
