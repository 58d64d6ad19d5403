namespace Warden.Tests.Infrastructure;

/// <summary>
/// The emails a test server wrote to its pickup directory (<c>&lt;data&gt;/mail</c>). Delivery is
/// asynchronous (an outbox handler sends after the request commits), so tests wait for a message with a
/// short bounded poll (<see cref="Eventually"/>) instead of reading once.
/// </summary>
public sealed class Mailbox(string directory)
{
    public string Directory { get; } = directory;

    /// <summary>Every message so far, oldest first.</summary>
    public IReadOnlyList<MailboxMessage> Messages
    {
        get
        {
            if (!System.IO.Directory.Exists(Directory))
            {
                return [];
            }

            return [.. new DirectoryInfo(Directory).GetFiles("*.eml")
                .OrderBy(f => f.LastWriteTimeUtc).ThenBy(f => f.Name, StringComparer.Ordinal)
                .Select(f => MailboxMessage.Parse(File.ReadAllText(f.FullName), f.FullName))];
        }
    }

    /// <summary>The messages to <paramref name="address"/> so far, oldest first.</summary>
    public IReadOnlyList<MailboxMessage> To(string address) =>
        [.. Messages.Where(m => string.Equals(m.To, address, StringComparison.OrdinalIgnoreCase))];

    /// <summary>Waits for the <paramref name="number"/>-th message (1 = first) to <paramref name="address"/> and returns it.</summary>
    public Task<MailboxMessage> WaitForAsync(string address, int number = 1, TimeSpan? timeout = null) =>
        WaitAsync(() => To(address) is { } found && found.Count >= number ? found[number - 1] : null,
            $"email #{number} to {address}", timeout);

    /// <summary>Waits for the first message that matches.</summary>
    public Task<MailboxMessage> WaitForAsync(Func<MailboxMessage, bool> match, TimeSpan? timeout = null) =>
        WaitAsync(() => Messages.FirstOrDefault(match), "a matching email", timeout);

    private Task<MailboxMessage> WaitAsync(Func<MailboxMessage?> find, string what, TimeSpan? timeout) =>
        Eventually.ValueAsync(() => Task.FromResult(find()), what, timeout,
            otherwise: () => $"The mailbox has {Messages.Count}: {string.Join("; ", Messages)}");
}
