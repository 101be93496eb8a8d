using CompassPS.LocalServer.Hosting;

WebApplication app;
try
{
    app = LocalServerApp.Build(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"compass-local: {ex.Message}");
    return 2;
}
await app.RunAsync();
return 0;
