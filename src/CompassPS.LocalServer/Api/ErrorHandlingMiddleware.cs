using Microsoft.AspNetCore.Diagnostics;

namespace CompassPS.LocalServer.Api;

/// <summary>
/// Turns the exceptions of request handling into the wire's error bodies: <see cref="ApiException"/> and
/// <see cref="RequestValidationException"/> as they say, a malformed request as 400, anything else as a 500 whose
/// body says nothing of the server's internals (the log has the details). Every answer carries an X-Request-Id,
/// which a client can quote in its own error reports.
/// </summary>
public sealed class ErrorHandlingMiddleware(RequestDelegate next, ILogger<ErrorHandlingMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        context.Response.Headers["X-Request-Id"] = "req_" + Guid.NewGuid().ToString("N");
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            var requestId = context.Response.Headers["X-Request-Id"];
            context.Response.Clear();
            context.Response.Headers["X-Request-Id"] = requestId;
            var result = ex switch
            {
                ApiException api => ApiResults.Error(api.Status, api.Code, api.Message, api.Extra),
                RequestValidationException validation => ApiResults.Validation(validation.Problems),
                BadHttpRequestException bad => ApiResults.Error(bad.StatusCode, "BAD_REQUEST", bad.Message),
                _ => null,
            };
            if (result is null)
            {
                logger.LogError(ex, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
                result = ApiResults.Error(StatusCodes.Status500InternalServerError, "INTERNAL_ERROR", "The local server failed to handle the request.");
            }
            await result.ExecuteAsync(context);
        }
    }

    /// <summary>Bodies for the statuses routing answers on its own (no such route, wrong method).</summary>
    public static Task WriteStatusCodeBody(StatusCodeContext statusContext)
    {
        var context = statusContext.HttpContext;
        var (code, detail) = context.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => ("NOT_FOUND", $"No route matches {context.Request.Method} {context.Request.Path}."),
            StatusCodes.Status405MethodNotAllowed => ("METHOD_NOT_ALLOWED", $"{context.Request.Method} is not allowed on {context.Request.Path}."),
            StatusCodes.Status415UnsupportedMediaType => ("UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json."),
            var other => ("HTTP_" + other, $"The request failed with status {other}."),
        };
        return ApiResults.Error(context.Response.StatusCode, code, detail).ExecuteAsync(context);
    }
}
