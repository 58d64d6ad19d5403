namespace Warden.Server.Infrastructure.Hosting;

/// <summary>
/// Files and folders only the account Warden runs as may read: what Warden writes holds personal data or keys
/// (the SQLite database, mails with sign-in links, SMS codes, the key-encryption key). On Unix, files are created 0600
/// and folders 0700 whatever the umask; an existing folder keeps the mode its owner gave it.
/// </summary>
public static class PrivateFiles
{
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public static DirectoryInfo CreateDirectory(string path) =>
        OperatingSystem.IsWindows() ? Directory.CreateDirectory(path) : Directory.CreateDirectory(path, DirectoryMode);

    /// <summary>Options for a new file (<see cref="System.IO.FileMode.CreateNew"/>): the file never exists with a wider mode.</summary>
    public static FileStreamOptions NewFile(bool useAsync = true)
    {
        var options = new FileStreamOptions
        {
            Mode = System.IO.FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            Options = useAsync ? FileOptions.Asynchronous : FileOptions.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }

        return options;
    }

    public static async Task WriteNewAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, NewFile());
        await file.WriteAsync(content, cancellationToken);
    }

    /// <summary>Creates an empty file unless one exists (a SQLite database opened later fills it and keeps its mode).</summary>
    public static void EnsureExists(string path)
    {
        if (File.Exists(path))
        {
            return;
        }

        try
        {
            using var _ = new FileStream(path, NewFile(useAsync: false));
        }
        catch (IOException) when (File.Exists(path))
        {
            // Created by another process meanwhile.
        }
    }
}
