using System.Text.RegularExpressions;
using Warden.Tests.Infrastructure;
using Warden.Tests.Fixtures;

namespace Warden.Tests.Documentation;

/// <summary>
/// docs/api.md documents exactly the endpoints the server serves: each one is a heading
/// <c>### METHOD /path</c>, compared with the OpenAPI document of a running test server.
/// </summary>
[SqliteOnly]
public sealed partial class ApiReferenceTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    private const string Reference = "docs/api.md";

    // The OpenAPI document describes every endpoint but itself.
    private static readonly string[] ServedOutsideTheDocument = ["GET /openapi/v1.json"];

    private static readonly string[] HttpMethods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

    [Fact]
    public async Task EveryServedEndpointIsDocumentedAndEveryDocumentedEndpointIsServed()
    {
        var served = await ServedEndpointsAsync();
        var documented = DocumentedEndpoints();

        var notServed = documented.Keys.Except(served.Keys).Select(key => documented[key]).Order(StringComparer.Ordinal).ToList();
        var notDocumented = served.Keys.Except(documented.Keys).Select(key => served[key]).Order(StringComparer.Ordinal).ToList();

        Assert.True(notServed.Count == 0 && notDocumented.Count == 0,
            $"{Reference} and /openapi/v1.json disagree.\n" +
            $"Documented but not served:\n  {string.Join("\n  ", notServed)}\n" +
            $"Served but not documented (add a heading '### METHOD /path'):\n  {string.Join("\n  ", notDocumented)}");
    }

    [Fact]
    public void TheReferenceDocumentsEachEndpointOnce()
    {
        var headings = EndpointHeadings().ToList();
        var repeated = headings.GroupBy(Normalize).Where(group => group.Count() > 1).Select(group => group.First()).ToList();

        Assert.True(headings.Count > 0, $"{Reference} has no heading of the form '### METHOD /path'.");
        Assert.True(repeated.Count == 0, $"Documented more than once in {Reference}: {string.Join(", ", repeated)}");
    }

    [Theory]
    [InlineData("GET /api/v1/roles/{id:guid}", "GET /api/v1/roles/{}")]
    [InlineData("get /api/v1/roles/{roleId}/", "GET /api/v1/roles/{}")]
    [InlineData("DELETE /api/v1/admin/users/{id:guid}/roles/{role}", "DELETE /api/v1/admin/users/{}/roles/{}")]
    [InlineData("GET /avatars/{**key}", "GET /avatars/{}")]
    public void RouteParametersAreComparedByPositionNotByNameOrConstraint(string endpoint, string normalized) =>
        Assert.Equal(normalized, Normalize(endpoint));

    private async Task<Dictionary<string, string>> ServedEndpointsAsync()
    {
        var document = await (await factory.CreateClient().GetAsync("/openapi/v1.json")).ReadJsonAsync();
        var endpoints = new List<string>(ServedOutsideTheDocument);
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            endpoints.AddRange(path.Value.EnumerateObject()
                .Where(operation => HttpMethods.Contains(operation.Name, StringComparer.OrdinalIgnoreCase))
                .Select(operation => $"{operation.Name.ToUpperInvariant()} {path.Name}"));
        }

        return endpoints.ToDictionary(Normalize, endpoint => endpoint);
    }

    private static Dictionary<string, string> DocumentedEndpoints() =>
        EndpointHeadings().DistinctBy(Normalize).ToDictionary(Normalize, heading => heading);

    private static IEnumerable<string> EndpointHeadings()
    {
        var inFence = false;
        foreach (var line in File.ReadLines(RepositoryFiles.PathOf(Reference)))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
            }
            else if (!inFence && EndpointHeading().Match(line) is { Success: true } match)
            {
                yield return $"{match.Groups["method"].Value} {match.Groups["path"].Value}";
            }
        }
    }

    private static string Normalize(string endpoint)
    {
        var (method, path) = (endpoint[..endpoint.IndexOf(' ', StringComparison.Ordinal)], endpoint[(endpoint.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
        path = RouteParameter().Replace(path, "{}");
        if (path.Length > 1)
        {
            path = path.TrimEnd('/');
        }

        return $"{method.ToUpperInvariant()} {path}";
    }

    [GeneratedRegex(@"^### (?<method>GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (?<path>/\S*)\s*$")]
    private static partial Regex EndpointHeading();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex RouteParameter();
}
