namespace CompassPS.LocalServer.Engine;

public sealed class EngineOptions
{
    /// <summary>Multiplies every simulated delay (node work, the local model's thinking and streaming); 0 = no delays.</summary>
    public double DelayScale { get; init; } = 1.0;

    /// <summary>The client for HTTP integrations and OpenAI-compatible providers; one is created when not given.</summary>
    public HttpClient Http { get; init; } = null!;

    /// <summary>Scripted answers of the built-in local model (--model-script); null answers from the prompt only.</summary>
    public Providers.ModelScript? ModelScript { get; init; }
}
