using CompassPS.LocalServer.Api;

namespace CompassPS.LocalServer.Auth;

/// <summary>
/// Resolves the bearer key of every /v1 request into a <see cref="Caller"/>. The optional X-Compass-Project-Id
/// header may name the key's own project (accepted) and nothing else (403 PROJECT_FORBIDDEN), so a header can
/// never widen what a key reaches.
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, KeyRing keys)
{
    public const string ProjectHeader = "X-Compass-Project-Id";
    private const string CallerItem = "compass.caller";

    public static Caller GetCaller(HttpContext context) =>
        context.Items[CallerItem] as Caller ?? throw new InvalidOperationException("The request was not authenticated.");

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (!path.StartsWithSegments("/v1") || path.Equals("/v1/openapi.json", StringComparison.OrdinalIgnoreCase))
        {
            await next(context);
            return;
        }

        var header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (string.IsNullOrWhiteSpace(header))
        {
            await Unauthorized(context, "Missing API key: send it as 'Authorization: Bearer <key>'.", "AUTH_MISSING");
            return;
        }
        var caller = header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? keys.Find(header[scheme.Length..].Trim()) : null;
        if (caller is null)
        {
            // The message never repeats the key that was sent.
            await Unauthorized(context, "Invalid API key.", "AUTH_INVALID");
            return;
        }

        var requestedProject = context.Request.Headers[ProjectHeader].ToString();
        if (requestedProject.Length > 0 && !string.Equals(requestedProject.Trim(), caller.ProjectId, StringComparison.OrdinalIgnoreCase))
        {
            await ApiResults.Error(StatusCodes.Status403Forbidden, "PROJECT_FORBIDDEN",
                $"This API key cannot reach project '{requestedProject.Trim()}' named by {ProjectHeader}.").ExecuteAsync(context);
            return;
        }

        context.Items[CallerItem] = caller;
        await next(context);
    }

    private static Task Unauthorized(HttpContext context, string detail, string code)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return ApiResults.Error(StatusCodes.Status401Unauthorized, code, detail).ExecuteAsync(context);
    }
}
