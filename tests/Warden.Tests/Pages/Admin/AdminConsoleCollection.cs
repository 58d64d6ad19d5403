using Warden.Tests.Infrastructure;

namespace Warden.Tests.Pages.Admin;

/// <summary>The console's in-process page tests share one server (one start-up instead of one per class).</summary>
[CollectionDefinition(Name)]
public sealed class AdminConsoleCollection : ICollectionFixture<WardenFactory>
{
    public const string Name = "AdminConsole";
}
