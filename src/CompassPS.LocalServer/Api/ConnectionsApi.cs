using System.Text.Json.Nodes;
using CompassPS.LocalServer.Auth;
using CompassPS.LocalServer.Store;

namespace CompassPS.LocalServer.Api;

/// <summary>
/// Connections to external services: /v1/connections/ holds every kind; /v1/providers/ and /v1/gateways/ are the
/// same objects narrowed to one kind (a POST there implies it). Any key reads; only an admin key writes.
/// Credentials go in, are encrypted at rest, and never come out.
/// </summary>
public static class ConnectionsApi
{
    private static readonly string[] Kinds = ["provider", "integration", "gateway"];
    private static readonly string[] Statuses = ["connected", "error", "inactive"];

    public static void Map(RouteGroupBuilder v1)
    {
        MapCollection(v1, "connections", kind: null);
        MapCollection(v1, "providers", kind: "provider");
        MapCollection(v1, "gateways", kind: "gateway");
    }

    private static void MapCollection(RouteGroupBuilder v1, string collection, string? kind)
    {
        var noun = kind ?? "connection";
        v1.MapGet($"/{collection}", (HttpContext c, DataStore s) => List(c, s, kind)).WithSummary($"List {collection} (filters: kind, type)");
        v1.MapPost($"/{collection}", (HttpContext c, DataStore s, CredentialProtector p) => CreateAsync(c, s, p, kind, collection))
            .WithSummary($"Create a {noun} (admin key)");
        v1.MapGet($"/{collection}/{{connection_id}}", (HttpContext c, string connection_id, DataStore s) => Get(c, connection_id, s, kind))
            .WithSummary($"Read a {noun}");
        v1.MapPatch($"/{collection}/{{connection_id}}", (HttpContext c, string connection_id, DataStore s, CredentialProtector p) => UpdateAsync(c, connection_id, s, p, kind))
            .WithSummary($"Update a {noun} (admin key)");
        v1.MapDelete($"/{collection}/{{connection_id}}", (HttpContext c, string connection_id, DataStore s) => Delete(c, connection_id, s, kind))
            .WithSummary($"Delete a {noun} (admin key)");
        v1.MapPost($"/{collection}/{{connection_id}}/health", (HttpContext c, string connection_id, DataStore s, IHttpClientFactory h) => HealthAsync(c, connection_id, s, h, kind))
            .WithSummary($"Check a {noun} and record its status");
    }

    private static IResult List(HttpContext context, DataStore store, string? kind)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        var paging = Paging.From(context.Request);
        var kindFilter = kind ?? context.Request.Query["kind"].ToString();
        var typeFilter = context.Request.Query["type"].ToString();
        lock (store.Gate)
        {
            var matches = store.Connections.Values
                .Where(c => c.ProjectId == caller.ProjectId)
                .Where(c => kindFilter.Length == 0 || c.Kind == kindFilter)
                .Where(c => typeFilter.Length == 0 || string.Equals(c.Type, typeFilter, StringComparison.OrdinalIgnoreCase))
                .OrderByDescending(c => c.Sequence)
                .ToList();
            return paging.Answer(matches, Wire.Connection);
        }
    }

    private static async Task<IResult> CreateAsync(HttpContext context, DataStore store, CredentialProtector protector, string? kind, string collection)
    {
        var caller = RequireAdmin(context);
        var body = await RequestBody.ReadAsync(context);
        var name = body.String("name", required: true);
        var givenKind = body.String("kind", required: kind is null, allowed: Kinds);
        if (kind is not null && givenKind is not null && givenKind != kind)
            body.Add("kind", $"/v1/{collection}/ holds kind '{kind}' only", "value_error");
        var type = body.String("type", required: true);
        var configuration = body.Object("configuration") ?? [];
        var credentials = body.Object("credentials");
        var defaultModel = body.String("default_model");
        var status = body.String("status", allowed: Statuses);
        body.ThrowIfProblems();
        var now = DateTimeOffset.UtcNow;
        var connection = new ConnectionEntity
        {
            Id = DataStore.NewId(), ProjectId = caller.ProjectId, Name = name!.Trim(), Kind = kind ?? givenKind!, Type = type!.Trim(),
            Configuration = configuration, EncryptedCredentials = credentials is { Count: > 0 } ? protector.Protect(credentials) : null,
            Status = status ?? "connected", DefaultModel = defaultModel ?? ConfiguredString(configuration, "default_model"),
            CreatedAt = now, UpdatedAt = now, Sequence = store.NextSequence(),
        };
        lock (store.Gate)
        {
            store.Connections[connection.Id] = connection;
            store.Save(connection);
            context.Response.Headers.Location = $"/v1/{collection}/{connection.Id}";
            return ApiResults.Json(Wire.Connection(connection), StatusCodes.Status201Created);
        }
    }

    private static IResult Get(HttpContext context, string connectionId, DataStore store, string? kind)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        lock (store.Gate) return ApiResults.Json(Wire.Connection(Find(store, caller.ProjectId, connectionId, kind)));
    }

    private static async Task<IResult> UpdateAsync(HttpContext context, string connectionId, DataStore store, CredentialProtector protector, string? kind)
    {
        var caller = RequireAdmin(context);
        var body = await RequestBody.ReadAsync(context);
        var name = body.Has("name") ? body.String("name", required: true) : null;
        var givenKind = body.String("kind", allowed: Kinds);
        var type = body.Has("type") ? body.String("type", required: true) : null;
        var configuration = body.Object("configuration");
        var credentials = body.Object("credentials");
        var clearCredentials = body.Fields.TryGetPropertyValue("credentials", out var credentialsNode) && credentialsNode is null;
        var defaultModel = body.String("default_model");
        var status = body.String("status", allowed: Statuses);
        body.ThrowIfProblems();
        lock (store.Gate)
        {
            var connection = Find(store, caller.ProjectId, connectionId, kind);
            if (givenKind is not null && givenKind != connection.Kind)
                throw new RequestValidationException([new FieldProblem(["body", "kind"], "The kind of a connection cannot change", "value_error")]);
            if (name is not null) connection.Name = name.Trim();
            if (type is not null) connection.Type = type.Trim();
            if (configuration is not null) connection.Configuration = configuration;
            if (credentials is not null) connection.EncryptedCredentials = credentials.Count > 0 ? protector.Protect(credentials) : null;
            if (clearCredentials) connection.EncryptedCredentials = null;
            if (defaultModel is not null) connection.DefaultModel = defaultModel;
            if (status is not null) connection.Status = status;
            connection.UpdatedAt = DateTimeOffset.UtcNow;
            store.Save(connection);
            return ApiResults.Json(Wire.Connection(connection));
        }
    }

    private static IResult Delete(HttpContext context, string connectionId, DataStore store, string? kind)
    {
        var caller = RequireAdmin(context);
        lock (store.Gate)
        {
            var connection = Find(store, caller.ProjectId, connectionId, kind);
            store.Connections.Remove(connection.Id);
            store.Delete("connection", connection.Id);
            return Results.NoContent();
        }
    }

    /// <summary>
    /// Checks what can be checked offline: the built-in provider is always up; a connection with a base_url (or url)
    /// is up when that URL answers below 500 (for a provider, its /models); others keep their status.
    /// </summary>
    private static async Task<IResult> HealthAsync(HttpContext context, string connectionId, DataStore store, IHttpClientFactory httpFactory, string? kind)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        string type, connectionKind, status;
        string? url;
        lock (store.Gate)
        {
            var connection = Find(store, caller.ProjectId, connectionId, kind);
            type = connection.Type;
            connectionKind = connection.Kind;
            status = connection.Status;
            url = ConfiguredString(connection.Configuration, "base_url") ?? ConfiguredString(connection.Configuration, "url");
        }

        string detail;
        if (type == "local")
        {
            status = "connected";
            detail = "The built-in deterministic provider is always available.";
        }
        else if (url is not null && Uri.TryCreate(url, UriKind.Absolute, out var baseUri) && baseUri.Scheme is "http" or "https")
        {
            var target = connectionKind == "provider" ? new Uri(baseUri.ToString().TrimEnd('/') + "/models") : baseUri;
            try
            {
                using var http = httpFactory.CreateClient();
                http.Timeout = TimeSpan.FromSeconds(5);
                using var response = await http.GetAsync(target, context.RequestAborted);
                var code = (int)response.StatusCode;
                status = code < 500 ? "connected" : "error";
                detail = $"{target} answered {code}.";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                status = "error";
                detail = $"{target} could not be reached: {ex.Message}";
            }
        }
        else
        {
            detail = $"The local server cannot check a '{type}' connection without a base_url; its status is unchanged.";
        }

        var checkedAt = DateTimeOffset.UtcNow;
        lock (store.Gate)
        {
            if (store.Connections.TryGetValue(connectionId, out var connection))
            {
                connection.Status = status;
                connection.UpdatedAt = checkedAt;
                store.Save(connection);
            }
        }
        return ApiResults.Json(new JsonObject { ["status"] = status, ["detail"] = detail, ["checked_at"] = ApiResults.Timestamp(checkedAt) });
    }

    private static string? ConfiguredString(JsonObject configuration, string name) =>
        configuration[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static ConnectionEntity Find(DataStore store, string projectId, string id, string? kind) =>
        store.Connections.TryGetValue(id, out var connection) && connection.ProjectId == projectId && (kind is null || connection.Kind == kind)
            ? connection
            : throw Lookups.NotFound("CONNECTION_NOT_FOUND", kind is null ? "Connection" : char.ToUpperInvariant(kind[0]) + kind[1..], id);

    private static Caller RequireAdmin(HttpContext context)
    {
        var caller = ApiKeyMiddleware.GetCaller(context);
        if (!caller.IsAdmin)
            throw new ApiException(StatusCodes.Status403Forbidden, "ADMIN_KEY_REQUIRED",
                "Creating, changing or deleting connections needs an admin-scoped API key; this key is a project member key.");
        return caller;
    }
}
