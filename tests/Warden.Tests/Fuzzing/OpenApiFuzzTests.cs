using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Warden.Tests.Fuzzing;

/// <summary>
/// Walks every operation of <c>/openapi/v1.json</c> and sends schema-derived boundary and hostile values
/// (<see cref="FuzzCases"/>) as nobody, with a forged token, as a user and as an administrator: every answer is
/// below 500, an error is a problem document without a stack trace, and a rejected request wrote nothing. Seeded,
/// so a failure repeats; capped at <see cref="Budget"/>; run once, on SQLite (the database is not its subject).
/// </summary>
[SqliteOnly]
public sealed partial class OpenApiFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 20261129;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(90);

    /// <summary>
    /// Tables a rejected request may still write, each for a reason: a refused sign-in or code is itself the
    /// evidence that lockout and audit depend on.
    /// </summary>
    private static readonly HashSet<string> EvidenceOfARefusal = new(StringComparer.OrdinalIgnoreCase)
    {
        "outbox_messages", // login.failed and friends: the audit log and webhooks hear of refusals
        "login_attempts",  // a wrong password or code counts towards the throttle and the lockout
    };

    [Fact]
    public async Task HostileInputToEveryOperationGetsAClearRefusalAndChangesNothing()
    {
        await using var factory = new SqlTracingFactory();
        var document = await (await factory.CreateClient().GetAsync("/openapi/v1.json")).ReadJsonAsync();
        var operations = FuzzOperation.Read(document);
        Assert.True(operations.Count > 50, $"The OpenAPI document lists only {operations.Count} operations.");

        var random = new Random(Seed);
        var cases = new FuzzCases(document, random);
        var identities = new Identities(factory);
        var pending = operations.Select(o => (Operation: o, Cases: cases.For(o).GetEnumerator())).ToList();
        var failures = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var sent = 0;
        var clock = Stopwatch.StartNew();

        // Round-robin over the operations, so a short budget still reaches every one of them.
        while (pending.Count > 0 && clock.Elapsed < Budget)
        {
            var callers = await identities.AllAsync();
            foreach (var (operation, enumerator) in pending.ToList())
            {
                if (!enumerator.MoveNext())
                {
                    pending.RemoveAll(p => p.Operation == operation);
                    continue;
                }

                foreach (var (identity, client) in callers)
                {
                    var request = enumerator.Current;
                    var caseId = (++sent).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    var problem = await SendAsync(factory, client, operation, request, caseId);
                    if (problem is not null)
                    {
                        failures.TryAdd($"{operation} [{identity}] {problem.Split(':')[0]}", $"{operation} as {identity}, {request.What} ({request.Url}): {problem}");
                    }
                }

                if (clock.Elapsed >= Budget)
                {
                    break;
                }
            }
        }

        output.WriteLine($"Sent {sent} requests to {operations.Count} operations in {clock.Elapsed.TotalSeconds:F0} s (seed {Seed}); " +
                         $"{pending.Count} operations still had cases when the budget ran out.");
        Assert.True(sent >= operations.Count * 4 * 10, $"Only {sent} requests were sent: the fuzzer did not get far.");
        Assert.True(failures.Count == 0, $"{failures.Count} kinds of failure:\n" + string.Join("\n", failures.Values));
    }

    private static async Task<string?> SendAsync(SqlTracingFactory factory, HttpClient client, FuzzOperation operation, FuzzRequest fuzz, string caseId)
    {
        using var request = new HttpRequestMessage(new HttpMethod(operation.Method), fuzz.Url);
        request.Headers.Add(SqlTracingFactory.Header, caseId);
        if (fuzz.Body is not null)
        {
            request.Content = new ByteArrayContent(fuzz.Body);
            if (fuzz.ContentType is not null)
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(fuzz.ContentType);
            }
        }

        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            return $"threw: {exception.GetType().Name} {exception.Message}";
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            var writes = factory.Trace.WrittenTables(caseId);
            factory.Trace.Forget(caseId);
            var status = (int)response.StatusCode;
            if (status >= 500)
            {
                return $"status {status}: {Excerpt(text)}";
            }

            if (StackTrace().IsMatch(text))
            {
                return $"stack trace in the body: {Excerpt(text)}";
            }

            if (status >= 400 && text.Length > 0 && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                return $"status {status} answered as {response.Content.Headers.ContentType?.MediaType}, not a problem: {Excerpt(text)}";
            }

            if (status >= 400 && writes.Where(t => !EvidenceOfARefusal.Contains(t)).ToList() is { Count: > 0 } changed)
            {
                return $"rejected with {status} but wrote {string.Join(", ", changed)}";
            }

            return null;
        }
    }

    private static string Excerpt(string text) => text.Length > 300 ? text[..300] + "…" : text;

    [GeneratedRegex(@"(?m)^\s*at [\w.<>`+]+\(|[A-Za-z.]+Exception\b:|\.cs:line \d+")]
    private static partial Regex StackTrace();

    /// <summary>The four callers; the user and the administrator sign in again (each round) when a fuzzed request ended their session.</summary>
    private sealed class Identities(SqlTracingFactory factory)
    {
        private readonly HttpClient _anonymous = factory.CreateClient();
        private readonly HttpClient _forged = factory.CreateClientFor("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.");
        private SignedInUser? _user;
        private SignedInUser? _admin;

        public async Task<IReadOnlyList<(string Name, HttpClient Client)>> AllAsync()
        {
            _user = await StillSignedInAsync(_user) ?? await factory.SignedInClientAsync();
            _admin = await StillSignedInAsync(_admin) ?? await factory.AdminClientAsync();
            return [("nobody", _anonymous), ("a forged token", _forged), ("a user", _user.Client), ("an administrator", _admin.Client)];
        }

        private static async Task<SignedInUser?> StillSignedInAsync(SignedInUser? user) =>
            user is not null && (await user.Client.GetAsync("/api/v1/users/me")).StatusCode == HttpStatusCode.OK ? user : null;
    }
}
