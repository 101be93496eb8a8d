using System.Runtime.CompilerServices;
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
    /// <summary>
    /// Builds the server from command-line options; throws <see cref="ArgumentException"/> for a bad option or a bad
    /// model script, seed or keys file. <paramref name="environment"/> reads the COMPASS_LOCAL_KEY_* variables
    /// (the process environment when not given).
    /// </summary>
    public static WebApplication Build(string[] args, Func<string, string?>? environment = null) =>
        Build(ServerOptions.Parse(args), environment ?? Environment.GetEnvironmentVariable);

    public static WebApplication Build(ServerOptions options, Func<string, string?> environment)
    {
        // Everything read from files is read and checked before anything is bound.
        var keys = KeyRing.Load(options, environment);
        var script = options.ModelScriptPath is { } scriptPath
            ? Engine.Providers.ModelScript.FromJson(ConfigFile.Load(scriptPath, "model script"), scriptPath)
            : null;
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
        // Kestrel's own errors once it serves; a failure to bind is reported by Program in one line, not as Kestrel's
        // critical entry with its stack trace.
        var serving = new StrongBox<bool>(false);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel", level => level >= LogLevel.Error && Volatile.Read(ref serving.Value));
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", level => level >= LogLevel.Warning && Volatile.Read(ref serving.Value));

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(keys);
        if (options.DataDirectory is { } dataDirectory)
            services.AddSingleton(sp => new SqlitePersistence(dataDirectory, sp.GetRequiredService<ILogger<SqlitePersistence>>()));
        services.AddSingleton(sp => new DataStore(sp.GetService<SqlitePersistence>()));
        services.AddSingleton(_ => new CredentialProtector(options.DataDirectory));
        services.AddSingleton<IEngineCatalog, EngineCatalog>();
        services.AddSingleton<IWorkflowEngine>(_ => new WorkflowEngine(new EngineOptions
        {
            DelayScale = options.DelayScale,
            Http = new HttpClient { Timeout = TimeSpan.FromSeconds(100) },
            ModelScript = script,
        }));
        services.AddSingleton<RunHost>();
        services.AddHostedService(sp => sp.GetRequiredService<RunHost>());
        services.AddHttpClient();

        var app = builder.Build();
        var store = app.Services.GetRequiredService<DataStore>();
        app.Services.GetRequiredService<RunHost>().FailInterruptedRuns();
        Seeder.SeedIfEmpty(store, app.Services.GetRequiredService<IWorkflowEngine>());
        if (options.SeedPath is { } seedPath)
        {
            try
            {
                Fixtures.Apply(seedPath, store, app.Services.GetRequiredService<IWorkflowEngine>(), app.Services.GetRequiredService<IEngineCatalog>(),
                    app.Services.GetRequiredService<CredentialProtector>());
            }
            catch (ArgumentException)
            {
                // Nothing was bound yet; release the store (and its SQLite writer) before refusing the start.
                app.DisposeAsync().AsTask().GetAwaiter().GetResult();
                throw;
            }
        }
        // The seeds, the fixtures and the runs failed above are committed before the server listens: a crash right
        // after start must not leave a store that has a client's objects but not the seeds they use.
        store.FlushAsync().GetAwaiter().GetResult();
        foreach (var warning in keys.Warnings) Console.Error.WriteLine($"compass-local: WARNING: {warning}");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            Volatile.Write(ref serving.Value, true);
            PrintBanner(app, options, keys, script);
        });

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

    private static void PrintBanner(WebApplication app, ServerOptions options, KeyRing keys, Engine.Providers.ModelScript? script)
    {
        var storage = options.DataDirectory is { } dir ? $"SQLite in {Path.GetFullPath(dir)}" : "in memory (nothing is kept after exit)";
        foreach (var url in app.Urls.Where(url => !ServerOptions.IsLoopbackUrl(url)))
            Console.Error.WriteLine($"compass-local: WARNING: {url} is not a loopback address: anyone who can reach it and holds a key can use this server.");
        var banner = new System.Text.StringBuilder();
        banner.Append("Compass local server at ").Append(string.Join(", ", app.Urls)).Append(" (").Append(storage).AppendLine(")");
        if (keys.IsDevelopment)
        {
            banner.Append($"""
                  Keys (send as 'Authorization: Bearer <key>'):
                    {DevelopmentKeys.ProjectKey}   member of project {DevelopmentKeys.DefaultProject.Id} (Default)
                    {DevelopmentKeys.AdminKey}     admin of project  {DevelopmentKeys.DefaultProject.Id} (Default)
                    {DevelopmentKeys.OtherKey}     member of project {DevelopmentKeys.SecondProject.Id} (Second)

                """);
        }
        else
        {
            // Own keys are secrets: the banner names them by id only.
            banner.AppendLine("  Keys (your own; shown by id, never by value):");
            foreach (var key in keys.Keys)
                banner.AppendLine($"    key id {key.Id,-24} {key.Role,-6} of project {key.ProjectId} ({key.ProjectName})");
        }
        if (script is not null) banner.AppendLine($"  Model script: {script.Rules.Count} rule(s) from {Path.GetFullPath(options.ModelScriptPath!)}");
        if (options.SeedPath is { } seed) banner.AppendLine($"  Seed file: {Path.GetFullPath(seed)}");
        banner.Append($"""
              Seeded in the default project:
                provider connection 'local'       {Seeder.LocalProviderId}
                workflow 'demo-research'          {Seeder.DemoResearchWorkflowId}  deployment {Seeder.DemoResearchDeploymentId}
                workflow 'demo-lookup'            {Seeder.DemoLookupWorkflowId}  deployment {Seeder.DemoLookupDeploymentId}

            """);
        Console.Out.Write(banner.ToString());
        Console.Out.Flush();
    }
}
