namespace Warden.Tests.Infrastructure;

/// <summary>Tests that read what the server prints share the process-wide console, so they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "Console";

    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task<(T Result, string Output)> CaptureOutAsync<T>(Func<Task<T>> action)
    {
        await Gate.WaitAsync();
        var writer = new StringWriter();
        var original = Console.Out;
        Console.SetOut(TextWriter.Synchronized(writer));
        try
        {
            return (await action(), writer.ToString());
        }
        finally
        {
            Console.SetOut(original);
            Gate.Release();
        }
    }

    public static async Task<(T Result, string Error)> CaptureErrorAsync<T>(Func<Task<T>> action)
    {
        await Gate.WaitAsync();
        var writer = new StringWriter();
        var original = Console.Error;
        Console.SetError(TextWriter.Synchronized(writer));
        try
        {
            return (await action(), writer.ToString());
        }
        finally
        {
            Console.SetError(original);
            Gate.Release();
        }
    }
}
