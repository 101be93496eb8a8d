using CompassPS.LocalServer.Store;

namespace CompassPS.LocalServer.Api;

/// <summary>
/// Every answer to a request that may change something (any method but GET and HEAD) waits until the changes the
/// handler saved are committed to disk: a 201, a run, a cancel, a deletion that was acknowledged survives a crash
/// straight after it (a kill -9 included). The handler's changes are queued before it returns; the filter then
/// waits for the batch holding them, which the writer shares among all the requests waiting at the same time
/// (group commit). In memory there is nothing to wait for.
/// </summary>
public static class DurableWrites
{
    public static RouteGroupBuilder WaitForCommitBeforeAnswering(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(async (invocation, next) =>
        {
            var result = await next(invocation);
            var http = invocation.HttpContext;
            if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)) return result;
            var store = http.RequestServices.GetRequiredService<DataStore>();
            if (!store.IsPersistent) return result;
            try
            {
                await store.FlushAsync();
            }
            catch (IOException)
            {
                // Never acknowledge what is not on disk; the log has the cause.
                throw new ApiException(StatusCodes.Status503ServiceUnavailable, "STORE_WRITE_FAILED",
                    "The local server could not write the change to its database; it may be lost when the server restarts.");
            }
            return result;
        });
        return group;
    }
}
