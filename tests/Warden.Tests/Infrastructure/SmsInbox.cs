using System.Text.Json;
using System.Text.RegularExpressions;

namespace Warden.Tests.Infrastructure;

public sealed record SmsRecord(string To, string Body, DateTimeOffset SentAt, string File)
{
    /// <summary>Group 1 of <paramref name="pattern"/> in the body (default: the first run of 4 to 8 digits).</summary>
    public string Code(string pattern = @"\b(\d{4,8})\b")
    {
        var match = Regex.Match(Body, pattern);
        if (!match.Success)
        {
            throw new Xunit.Sdk.XunitException($"'{pattern}' does not match the SMS: {Body}");
        }

        return match.Groups.Count > 1 ? match.Groups[1].Value : match.Value;
    }
}

/// <summary>The text messages a test server wrote to <c>&lt;data&gt;/sms</c>; waits like <see cref="Mailbox"/>.</summary>
public sealed class SmsInbox(string directory)
{
    public string Directory { get; } = directory;

    public IReadOnlyList<SmsRecord> Messages
    {
        get
        {
            if (!System.IO.Directory.Exists(Directory))
            {
                return [];
            }

            return [.. new DirectoryInfo(Directory).GetFiles("*.json")
                .OrderBy(f => f.LastWriteTimeUtc).ThenBy(f => f.Name, StringComparer.Ordinal)
                .Select(f =>
                {
                    var json = JsonDocument.Parse(File.ReadAllText(f.FullName)).RootElement;
                    return new SmsRecord(
                        json.GetProperty("to").GetString()!, json.GetProperty("body").GetString()!,
                        json.GetProperty("sentAt").GetDateTimeOffset(), f.FullName);
                })];
        }
    }

    public IReadOnlyList<SmsRecord> To(string phoneNumber) => [.. Messages.Where(m => m.To == phoneNumber)];

    /// <summary>Waits for the <paramref name="number"/>-th message (1 = first) to <paramref name="phoneNumber"/>.</summary>
    public Task<SmsRecord> WaitForAsync(string phoneNumber, int number = 1, TimeSpan? timeout = null) =>
        Eventually.ValueAsync(() => Task.FromResult(To(phoneNumber) is { } found && found.Count >= number ? found[number - 1] : null),
            $"SMS #{number} to {phoneNumber}", timeout, otherwise: () => $"{Messages.Count} SMS in the inbox.");
}
