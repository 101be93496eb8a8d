using System.Text.Json.Nodes;
using CompassPS.LocalServer.Auth;

namespace CompassPS.LocalServer.Api;

/// <summary>Who am I and which projects can I reach: lets a client check a key before it does real work.</summary>
public static class ProjectsApi
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/auth/whoami", (HttpContext context) =>
        {
            var caller = ApiKeyMiddleware.GetCaller(context);
            return ApiResults.Json(new JsonObject
            {
                ["key_name"] = caller.KeyName,
                ["project_id"] = caller.ProjectId,
                // Lets Connect-Compass say which project it reached in words, without a second request.
                ["project_name"] = DevelopmentKeys.Projects.FirstOrDefault(p => p.Id == caller.ProjectId)?.Name,
                ["role"] = caller.IsAdmin ? "admin" : "member",
            });
        }).WithSummary("The calling key's project and role");
        v1.MapGet("/projects", (HttpContext context) =>
        {
            var caller = ApiKeyMiddleware.GetCaller(context);
            var reachable = DevelopmentKeys.Projects.Where(p => p.Id == caller.ProjectId).ToList();
            return Paging.From(context.Request).Answer(reachable, p => new JsonObject { ["id"] = p.Id, ["name"] = p.Name });
        }).WithSummary("The projects the calling key can reach");
    }
}
