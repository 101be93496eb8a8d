using CompassPS.LocalServer.Api;

namespace CompassPS.LocalServer.Hosting;

/// <summary>
/// Injects the faults set by the --fault-* options into /v1 requests (never into /v1/openapi.json), from a seeded
/// random sequence so a test run is repeatable when its requests arrive in the same order.
/// Where each fault can happen (the module's idempotency tests rely on this):
/// <list type="bullet">
/// <item>latency: before every request is handled;</item>
/// <item>429 / 503 with Retry-After: instead of handling the request, so a refused POST /v1/runs/ created nothing;</item>
/// <item>connection reset: for POST /v1/runs/ AFTER the run was created (the answer is lost, the run exists; a retry with
/// the same Idempotency-Key gets it back); for every other request before it is handled.</item>
/// </list>
/// Streams cut after N events are done by the SSE endpoint itself.
/// </summary>
public sealed class FaultInjectionMiddleware(RequestDelegate next, ServerOptions options, ILogger<FaultInjectionMiddleware> logger)
{
    private readonly FaultOptions _faults = options.Faults;
    private readonly Random _random = new(options.Faults.Seed);
    private readonly object _randomGate = new();

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (!_faults.AnyRequestFault || !path.StartsWithSegments("/v1") || path.Equals("/v1/openapi.json", StringComparison.OrdinalIgnoreCase))
        {
            await next(context);
            return;
        }
        if (_faults.LatencyMs > 0) await Task.Delay(_faults.LatencyMs, context.RequestAborted);

        double roll;
        lock (_randomGate) roll = _random.NextDouble();
        if (roll < _faults.Rate429)
        {
            await Refuse(context, StatusCodes.Status429TooManyRequests, "RATE_LIMITED", "Too many requests (injected fault); retry after the Retry-After delay.");
            return;
        }
        if (roll < _faults.Rate429 + _faults.Rate503)
        {
            await Refuse(context, StatusCodes.Status503ServiceUnavailable, "SERVICE_UNAVAILABLE", "Service unavailable (injected fault); retry after the Retry-After delay.");
            return;
        }
        if (roll < _faults.Rate429 + _faults.Rate503 + _faults.ResetRate)
        {
            if (HttpMethods.IsPost(context.Request.Method) && IsRunCollection(path))
            {
                // Let the run be created, keep its answer from the client, then drop the connection.
                var original = context.Response.Body;
                context.Response.Body = new MemoryStream();
                try
                {
                    await next(context);
                }
                finally
                {
                    context.Response.Body = original;
                }
            }
            logger.LogInformation("Injected a connection reset on {Method} {Path}", context.Request.Method, path);
            context.Abort();
            return;
        }
        await next(context);
    }

    private static bool IsRunCollection(PathString path) =>
        path.Value is { } value && value.TrimEnd('/').Equals("/v1/runs", StringComparison.OrdinalIgnoreCase);

    private Task Refuse(HttpContext context, int status, string code, string detail)
    {
        context.Response.Headers.RetryAfter = _faults.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return ApiResults.Error(status, code, detail).ExecuteAsync(context);
    }
}
