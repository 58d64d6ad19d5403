using System.CommandLine;
using Warden.Server.Infrastructure.Security;

namespace Warden.Server;

/// <summary>
/// One binary, three commands: <c>serve</c> (the default), <c>migrate</c> and <c>create-admin</c>.
/// Settings follow as <c>--Key=value</c> or <c>--Key value</c> (<c>--Warden:Database:Provider=Postgres</c>), as for
/// any ASP.NET Core application; anything else is refused with the help and exit code 2.
/// </summary>
public sealed class Program
{
    public static async Task<int> Main(string[] args)
    {
        // Gives back the memory a burst of password hashes leaves behind, a few seconds after it (HashMemory).
        HashMemory.Configure();
        return await WardenCommandLine.Build().Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }
}
