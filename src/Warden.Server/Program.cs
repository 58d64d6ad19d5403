using System.CommandLine;

namespace Warden.Server;

/// <summary>
/// One binary, three commands: <c>serve</c> (the default), <c>migrate</c> and <c>create-admin</c>.
/// Anything the command line does not recognise is handed to configuration, so
/// <c>--Warden:Database:Provider=Postgres</c> works as it does for any ASP.NET Core application.
/// </summary>
public sealed class Program
{
    public static async Task<int> Main(string[] args) => await WardenCommandLine.Build().Parse(args).InvokeAsync(
        new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
