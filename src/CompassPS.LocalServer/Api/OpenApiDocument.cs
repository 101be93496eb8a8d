using Microsoft.AspNetCore.Http.Metadata;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing.Patterns;

namespace CompassPS.LocalServer.Api;

/// <summary>
/// GET /v1/openapi.json, generated from the routes the server really has, so the document cannot drift from them.
/// Collection paths are written in their canonical form, with the trailing slash.
/// </summary>
public static class OpenApiDocument
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/v1/openapi.json", (EndpointDataSource endpoints) => ApiResults.Json(Build(endpoints)))
            .WithSummary("This document");

    public static JsonObject Build(EndpointDataSource endpointSource)
    {
        var paths = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var endpoint in endpointSource.Endpoints.OfType<RouteEndpoint>())
        {
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
            var template = endpoint.RoutePattern.RawText;
            if (methods is null || template is null || !template.StartsWith("/v1/", StringComparison.Ordinal)) continue;
            var path = CanonicalPath(endpoint.RoutePattern);
            if (!paths.TryGetValue(path, out var item)) paths[path] = item = [];
            foreach (var method in methods)
            {
                var operation = new JsonObject
                {
                    ["summary"] = endpoint.Metadata.GetMetadata<IEndpointSummaryMetadata>()?.Summary ?? "",
                    ["operationId"] = method.ToLowerInvariant() + "_" + path.Trim('/').Replace('/', '_').Replace("{", "").Replace("}", ""),
                    ["parameters"] = new JsonArray(endpoint.RoutePattern.Parameters.Select(p => (JsonNode)new JsonObject
                    {
                        ["name"] = p.Name, ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" },
                    }).ToArray()),
                    ["responses"] = new JsonObject
                    {
                        ["default"] = new JsonObject { ["description"] = "JSON; errors are {\"detail\", \"code\"}" },
                    },
                };
                if (path == "/v1/openapi.json") operation["security"] = new JsonArray();
                item[method.ToLowerInvariant()] = operation;
            }
        }
        var pathsNode = new JsonObject();
        foreach (var (path, item) in paths) pathsNode[path] = item;
        return new JsonObject
        {
            ["openapi"] = "3.0.3",
            ["info"] = new JsonObject
            {
                ["title"] = "Compass local server",
                ["version"] = typeof(OpenApiDocument).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
                ["description"] = "A local stand-in for the Compass HTTP API (see docs/local-server.md).",
            },
            ["components"] = new JsonObject
            {
                ["securitySchemes"] = new JsonObject { ["bearer"] = new JsonObject { ["type"] = "http", ["scheme"] = "bearer" } },
            },
            ["security"] = new JsonArray(new JsonObject { ["bearer"] = new JsonArray() }),
            ["paths"] = pathsNode,
        };
    }

    /// <summary>"/v1/runs" becomes "/v1/runs/" (a collection); item routes and actions stay as they are.</summary>
    private static string CanonicalPath(RoutePattern pattern)
    {
        var text = "/" + pattern.RawText!.Trim('/');
        var last = pattern.PathSegments[^1];
        var isCollection = pattern.PathSegments.Count == 2 && last.IsSimple && last.Parts[0].IsLiteral && !text.EndsWith(".json", StringComparison.Ordinal);
        return isCollection ? text + "/" : text;
    }
}
