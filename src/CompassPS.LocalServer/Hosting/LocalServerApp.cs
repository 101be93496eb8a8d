using CompassPS.LocalServer.Api;
using CompassPS.LocalServer.Auth;
using CompassPS.LocalServer.Engine;
using CompassPS.LocalServer.Store;

namespace CompassPS.LocalServer.Hosting;

/// <summary>
/// Builds the local Compass server. Program.cs runs it; test projects host it in-process on 127.0.0.1:0.
/// </summary>
public static class LocalServerApp
{
    /// <summary>Builds the server from command-line options; throws <see cref="ArgumentException"/> for a bad option.</summary>
    public static WebApplication Build(string[] args)
    {
        var options = ServerOptions.Parse(args);
        // The server parses its own options; ASP.NET Core's configuration sees none of them.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls(options.Urls);
        // A stream reader may pause for a long time (a script doing work per event); Kestrel must not drop it as slow.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MinResponseDataRate = null);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(console => console.SingleLine = false);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // The module's tooling waits for the standard "Now listening on:" line, which this category writes.
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Error);

        var services = builder.Services;
        services.AddSingleton(options);
        if (options.DataDirectory is { } dataDirectory)
            services.AddSingleton(sp => new SqlitePersistence(dataDirectory, sp.GetRequiredService<ILogger<SqlitePersistence>>()));
        services.AddSingleton(sp => new DataStore(sp.GetService<SqlitePersistence>()));
        services.AddSingleton(_ => new CredentialProtector(options.DataDirectory));
        services.AddSingleton<IEngineCatalog, EngineCatalog>();
        services.AddSingleton<IWorkflowEngine>(_ => new WorkflowEngine(new EngineOptions
        {
            DelayScale = options.DelayScale,
            Http = new HttpClient { Timeout = TimeSpan.FromSeconds(100) },
        }));
        services.AddSingleton<RunHost>();
        services.AddHostedService(sp => sp.GetRequiredService<RunHost>());
        services.AddHttpClient();

        var app = builder.Build();
        var store = app.Services.GetRequiredService<DataStore>();
        app.Services.GetRequiredService<RunHost>().FailInterruptedRuns();
        Seeder.SeedIfEmpty(store, app.Services.GetRequiredService<IWorkflowEngine>());
        // The seeds and the runs failed above are committed before the server listens: a crash right after start
        // must not leave a store that has a client's objects but not the seeds they use.
        store.FlushAsync().GetAwaiter().GetResult();
        app.Lifetime.ApplicationStarted.Register(() => PrintBanner(app, options));

        app.UseMiddleware<ErrorHandlingMiddleware>();
        app.UseStatusCodePages(ErrorHandlingMiddleware.WriteStatusCodeBody);
        app.UseMiddleware<FaultInjectionMiddleware>();
        app.UseMiddleware<ApiKeyMiddleware>();

        var v1 = app.MapGroup("/v1").WaitForCommitBeforeAnswering();
        RunsApi.Map(v1);
        WorkflowsApi.Map(v1);
        DeploymentsApi.Map(v1);
        ConversationsApi.Map(v1);
        ConnectionsApi.Map(v1);
        ApprovalsApi.Map(v1);
        ProjectsApi.Map(v1);
        OpenApiDocument.Map(app);
        return app;
    }

    private static void PrintBanner(WebApplication app, ServerOptions options)
    {
        var storage = options.DataDirectory is { } dir ? $"SQLite in {Path.GetFullPath(dir)}" : "in memory (nothing is kept after exit)";
        foreach (var url in app.Urls.Where(url => !IsLoopback(url)))
            Console.Error.WriteLine($"compass-local: WARNING: {url} is not a loopback address; the development keys are public.");
        Console.Out.Write($"""
            Compass local server at {string.Join(", ", app.Urls)} ({storage})
              Keys (send as 'Authorization: Bearer <key>'):
                {DevelopmentKeys.ProjectKey}   member of project {DevelopmentKeys.DefaultProject.Id} (Default)
                {DevelopmentKeys.AdminKey}     admin of project  {DevelopmentKeys.DefaultProject.Id} (Default)
                {DevelopmentKeys.OtherKey}     member of project {DevelopmentKeys.SecondProject.Id} (Second)
              Seeded in the default project:
                provider connection 'local'       {Seeder.LocalProviderId}
                workflow 'demo-research'          {Seeder.DemoResearchWorkflowId}  deployment {Seeder.DemoResearchDeploymentId}
                workflow 'demo-lookup'            {Seeder.DemoLookupWorkflowId}  deployment {Seeder.DemoLookupDeploymentId}

            """);
        Console.Out.Flush();
    }

    private static bool IsLoopback(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.IsLoopback || uri.Host == "localhost");
}
