using System.Text.Json;
using Warden.Tests.Fixtures;

namespace Warden.Tests.Deployment;

/// <summary>
/// The Kubernetes manifests and the compose file, linted with Debian's yamllint and parsed: what they set must be
/// what Warden reads (documented keys), images pinned, the pods locked down. No Kubernetes schema validator is
/// packaged in Debian (kubeconform and kubeval are not), so the structure is checked here by hand.
/// </summary>
[SqliteOnly]
public sealed class KubernetesManifestTests
{
    private const string Kubernetes = "deploy/kubernetes";

    [Fact]
    public void EveryDeploymentFilePassesYamllint()
    {
        var (exitCode, output) = DeployFiles.Run("yamllint", "--strict", "-c", "deploy/.yamllint", "deploy");
        Assert.True(exitCode == 0, $"yamllint --strict -c deploy/.yamllint deploy:\n{output}");
    }

    [Fact]
    public void KustomizationAppliesEveryManifestButTheExampleSecrets()
    {
        var kustomization = DeployFiles.Yaml($"{Kubernetes}/kustomization.yaml").Single();
        var resources = kustomization.GetProperty("resources").EnumerateArray().Select(r => r.GetString()!).ToHashSet();
        var files = Directory.GetFiles(DeployFiles.PathOf(Kubernetes), "*.yaml").Select(Path.GetFileName).ToHashSet();
        Assert.DoesNotContain("secret.example.yaml", resources);
        Assert.Equal(files.Except(["kustomization.yaml", "secret.example.yaml"]).Order(), resources.Order());
        foreach (var document in files.Where(f => f != "kustomization.yaml").SelectMany(f => DeployFiles.Yaml($"{Kubernetes}/{f}")))
        {
            Assert.True(document.TryGetProperty("apiVersion", out _) && document.TryGetProperty("kind", out _), document.ToString());
        }
    }

    [Fact]
    public void TheNodesRunLockedDownWithProbesAndResources()
    {
        var deployment = Manifest("deployment.yaml", "Deployment");
        Assert.Equal(2, deployment.GetProperty("spec").GetProperty("replicas").GetInt32());
        var pod = deployment.GetProperty("spec").GetProperty("template").GetProperty("spec");
        AssertLockedDown(pod);
        var container = pod.GetProperty("containers")[0];
        Assert.Equal("serve", container.GetProperty("args")[0].GetString());
        foreach (var probe in new[] { "startupProbe", "livenessProbe", "readinessProbe" })
        {
            Assert.True(container.TryGetProperty(probe, out _), probe);
        }

        var resources = container.GetProperty("resources");
        Assert.True(resources.GetProperty("requests").TryGetProperty("cpu", out _));
        Assert.True(resources.GetProperty("requests").TryGetProperty("memory", out _));
        Assert.True(resources.GetProperty("limits").TryGetProperty("memory", out _));

        var pdb = Manifest("poddisruptionbudget.yaml", "PodDisruptionBudget");
        var hpa = Manifest("horizontalpodautoscaler.yaml", "HorizontalPodAutoscaler");
        Assert.Equal("warden", hpa.GetProperty("spec").GetProperty("scaleTargetRef").GetProperty("name").GetString());
        Assert.True(hpa.GetProperty("spec").GetProperty("minReplicas").GetInt32() >= 2);
        var selector = deployment.GetProperty("spec").GetProperty("selector").GetProperty("matchLabels").ToString();
        Assert.Equal(selector, pdb.GetProperty("spec").GetProperty("selector").GetProperty("matchLabels").ToString());
        Assert.Equal(selector, Manifest("networkpolicy.yaml", "NetworkPolicy").GetProperty("spec").GetProperty("podSelector").GetProperty("matchLabels").ToString());
        Assert.Equal(selector, Manifest("service.yaml", "Service").GetProperty("spec").GetProperty("selector").ToString());
    }

    [Fact]
    public void TheJobMigratesAndTheNodesDoNot()
    {
        var job = Manifest("migration-job.yaml", "Job");
        var pod = job.GetProperty("spec").GetProperty("template").GetProperty("spec");
        AssertLockedDown(pod);
        Assert.Equal("migrate", pod.GetProperty("containers")[0].GetProperty("args")[0].GetString());
        Assert.Contains(Warden.Server.WardenCommandLine.Build().Subcommands, c => c.Name == "migrate");
        var settings = Manifest("configmap.yaml", "ConfigMap").GetProperty("data");
        Assert.Equal("false", settings.GetProperty("Warden__Database__MigrateOnStart").GetString());
        Assert.Equal("Postgres", settings.GetProperty("Warden__Database__Provider").GetString());
    }

    [Fact]
    public void EverySettingIsADocumentedKeyAndEverySecretReferencedIsInTheExample()
    {
        var documented = DeployFiles.DocumentedKeys();
        var names = new List<string>();
        names.AddRange(Manifest("configmap.yaml", "ConfigMap").GetProperty("data").EnumerateObject().Select(p => p.Name));
        var secrets = DeployFiles.Yaml($"{Kubernetes}/secret.example.yaml").Where(d => d.GetProperty("kind").GetString() == "Secret")
            .ToDictionary(d => d.GetProperty("metadata").GetProperty("name").GetString()!, d => d.GetProperty("stringData"));
        foreach (var file in new[] { "deployment.yaml", "migration-job.yaml" })
        {
            var pod = DeployFiles.Yaml($"{Kubernetes}/{file}").Single().GetProperty("spec").GetProperty("template").GetProperty("spec");
            foreach (var variable in pod.GetProperty("containers")[0].GetProperty("env").EnumerateArray())
            {
                names.Add(variable.GetProperty("name").GetString()!);
                var reference = variable.GetProperty("valueFrom").GetProperty("secretKeyRef");
                var secret = reference.GetProperty("name").GetString()!;
                Assert.True(secrets.ContainsKey(secret), $"{file} uses Secret {secret}, which secret.example.yaml lacks");
                Assert.True(secrets[secret].TryGetProperty(reference.GetProperty("key").GetString()!, out _));
            }

            foreach (var volume in pod.GetProperty("volumes").EnumerateArray().Where(v => v.TryGetProperty("secret", out _)))
            {
                Assert.True(secrets.ContainsKey(volume.GetProperty("secret").GetProperty("secretName").GetString()!));
            }
        }

        foreach (var name in names)
        {
            Assert.True(documented.Contains(DeployFiles.WithoutIndex(name)), $"{name} is not a key of docs/configuration.md");
        }

        // The example's values are placeholders, never something that could pass for a real secret.
        foreach (var value in secrets.Values.SelectMany(s => s.EnumerateObject()))
        {
            Assert.Contains("PLACEHOLDER", value.Value.GetString()!, StringComparison.Ordinal);
        }

        // The key-encryption key file the nodes read is the Secret's mount.
        var keyFile = Manifest("configmap.yaml", "ConfigMap").GetProperty("data").GetProperty("Warden__DataProtection__KeyFile").GetString()!;
        var mounts = Manifest("deployment.yaml", "Deployment").GetProperty("spec").GetProperty("template").GetProperty("spec")
            .GetProperty("containers")[0].GetProperty("volumeMounts").EnumerateArray();
        Assert.Contains(mounts, m => m.GetProperty("name").GetString() == "key-encryption-key"
            && keyFile.StartsWith(m.GetProperty("mountPath").GetString()! + "/", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryImageIsPinnedToAVersion()
    {
        var images = Directory.GetFiles(DeployFiles.PathOf(Kubernetes), "*.yaml").Append(DeployFiles.PathOf("deploy/compose.yaml"))
            .SelectMany(f => DeployFiles.Yaml(Path.GetRelativePath(TestPaths.RepositoryRoot, f)))
            .SelectMany(DeployFiles.Descendants)
            .Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("image", out var i) && i.ValueKind == JsonValueKind.String)
            .Select(e => e.GetProperty("image").GetString()!)
            .Where(i => i != "warden:local") // compose builds this one from the Dockerfile
            .ToList();
        Assert.NotEmpty(images);
        foreach (var image in images)
        {
            Assert.Matches(@"^[a-z0-9./-]+:v?\d+\.\d+(\.\d+)?[a-z0-9.-]*$", image); // PostgreSQL versions have two parts
        }
    }

    [Fact]
    public void ComposeRunsTwoNodesBehindTheTrustedProxyWithEveryBackingService()
    {
        var compose = DeployFiles.Yaml("deploy/compose.yaml").Single();
        var services = compose.GetProperty("services");
        foreach (var name in new[] { "postgres", "redis", "rabbitmq", "mailpit", "caddy", "migrate" })
        {
            Assert.True(services.TryGetProperty(name, out _), $"compose.yaml has no {name} service");
        }

        var nodes = services.EnumerateObject().Where(s => s.Value.TryGetProperty("command", out var c) && c[0].GetString() == "serve").ToList();
        Assert.Equal(2, nodes.Count);
        var documented = DeployFiles.DocumentedKeys();
        var proxy = services.GetProperty("caddy").GetProperty("networks").GetProperty("warden").GetProperty("ipv4_address").GetString();
        foreach (var node in nodes.Append(services.EnumerateObject().Single(s => s.Name == "migrate")))
        {
            var environment = node.Value.GetProperty("environment");
            foreach (var variable in environment.EnumerateObject())
            {
                Assert.True(documented.Contains(DeployFiles.WithoutIndex(variable.Name)), $"{variable.Name} is not a key of docs/configuration.md");
            }

            Assert.Equal(proxy, environment.GetProperty("Warden__Network__TrustedProxies__0").GetString());
            Assert.Equal("false", environment.GetProperty("Warden__Database__MigrateOnStart").GetString());
            Assert.True(node.Value.GetProperty("read_only").GetBoolean());
        }

        Assert.Equal("migrate", services.GetProperty("migrate").GetProperty("command")[0].GetString());
        var example = DeployFiles.Read("deploy/.env.example");
        foreach (var variable in System.Text.RegularExpressions.Regex.Matches(DeployFiles.Read("deploy/compose.yaml"), @"\$\{([A-Z_]+)\}").Select(m => m.Groups[1].Value).Distinct())
        {
            Assert.Contains($"\n{variable}=", "\n" + example, StringComparison.Ordinal);
        }
    }

    internal static JsonElement Manifest(string file, string kind) =>
        DeployFiles.Yaml($"{Kubernetes}/{file}").First(d => d.GetProperty("kind").GetString() == kind);

    private static void AssertLockedDown(JsonElement pod)
    {
        Assert.False(pod.GetProperty("automountServiceAccountToken").GetBoolean());
        Assert.True(pod.GetProperty("securityContext").GetProperty("runAsNonRoot").GetBoolean());
        Assert.NotEqual(0, pod.GetProperty("securityContext").GetProperty("runAsUser").GetInt32());
        var container = pod.GetProperty("containers")[0];
        var security = container.GetProperty("securityContext");
        Assert.True(security.GetProperty("readOnlyRootFilesystem").GetBoolean());
        Assert.False(security.GetProperty("allowPrivilegeEscalation").GetBoolean());
        Assert.Equal("ALL", security.GetProperty("capabilities").GetProperty("drop")[0].GetString());
        var tmp = container.GetProperty("volumeMounts").EnumerateArray().Single(m => m.GetProperty("mountPath").GetString() == "/tmp");
        var volume = pod.GetProperty("volumes").EnumerateArray().Single(v => v.GetProperty("name").GetString() == tmp.GetProperty("name").GetString());
        Assert.True(volume.TryGetProperty("emptyDir", out _), "/tmp is an emptyDir");
        Assert.Matches(@":\d+\.\d+\.\d+$", container.GetProperty("image").GetString()!);
    }
}
