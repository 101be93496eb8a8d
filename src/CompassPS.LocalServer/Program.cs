using System.Reflection;
using CompassPS.LocalServer.Hosting;

ServerOptions options;
WebApplication app;
try
{
    options = ServerOptions.Parse(args);
    if (options.ShowHelp)
    {
        Console.Out.Write(ServerOptions.Usage);
        return 0;
    }
    if (options.ShowVersion)
    {
        var version = typeof(ServerOptions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        Console.Out.WriteLine($"compass-local {version.Split('+')[0]}");
        return 0;
    }
    app = LocalServerApp.Build(options, Environment.GetEnvironmentVariable);
}
catch (ArgumentException ex)
{
    // Bad options, or a model script, seed or keys file that cannot be used: one line, nothing bound.
    Console.Error.WriteLine($"compass-local: {ex.Message}");
    return 2;
}

if (options.StopWhenStdinCloses)
{
    // The parent (Start-CompassLocalServer) holds our standard input: its end, by Stop-CompassLocalServer or by the
    // parent's own exit, is a request to stop the way Ctrl+C stops.
    _ = Task.Run(async () =>
    {
        var input = Console.OpenStandardInput();
        var buffer = new byte[256];
        try
        {
            while (await input.ReadAsync(buffer) > 0) { }
        }
        catch (IOException) { }
        app.Lifetime.StopApplication();
    });
}

try
{
    try
    {
        await app.StartAsync();
    }
    catch (Exception ex) when (ex is IOException or InvalidOperationException or System.Net.Sockets.SocketException)
    {
        // A port in use, an address this machine does not have, 'localhost' with port 0: one line, as for a bad option.
        Console.Error.WriteLine($"compass-local: cannot listen on {options.Urls}: {ex.Message}");
        return 3;
    }
    await app.WaitForShutdownAsync();
    return 0;
}
finally
{
    await app.DisposeAsync();
}
