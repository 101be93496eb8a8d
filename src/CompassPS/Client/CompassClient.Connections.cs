using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Runtime.InteropServices;
using System.Security;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace CompassPS.Client
{
    /// <summary>
    /// A connection to create or change. Null members are not sent (on a change: left as they are). Secrets travel
    /// only as SecureStrings and become text only inside the request body, whose copies are wiped once it is sent.
    /// </summary>
    public sealed class ConnectionChange
    {
        public string? Name { get; set; }
        public string? Kind { get; set; }
        public string? Type { get; set; }
        /// <summary>Plain settings: a hashtable, a PSCustomObject or JSON text; replaces the whole configuration.</summary>
        public object? Configuration { get; set; }
        /// <summary>Secrets by wire name (api_key, username, password, ...); replaces the whole set of credentials.</summary>
        public IDictionary<string, SecureString>? Credentials { get; set; }
        /// <summary>On a change: remove the stored credentials (sends "credentials": null).</summary>
        public bool ClearCredentials { get; set; }
        public string? DefaultModel { get; set; }
        public string? Status { get; set; }
    }

    public sealed partial class CompassClient
    {
        /// <summary>Every kind of connection.</summary>
        public const string ConnectionsCollection = "connections";
        /// <summary>The same objects narrowed to kind provider (a create there implies the kind).</summary>
        public const string ProvidersCollection = "providers";
        /// <summary>The same objects narrowed to kind gateway.</summary>
        public const string GatewaysCollection = "gateways";

        private static string ConnectionCollectionPath(string collection)
        {
            switch (collection)
            {
                case ConnectionsCollection:
                case ProvidersCollection:
                case GatewaysCollection:
                    return "/v1/" + collection + "/";
                default:
                    throw new ArgumentOutOfRangeException(nameof(collection), collection, "Not a connection collection.");
            }
        }

        private static string ConnectionPath(string collection, string id) => ConnectionCollectionPath(collection) + PathSegment(id, "connection id");

        public Task<Connection> GetConnectionAsync(string collection, string id, CancellationToken cancellationToken) =>
            SendJsonAsync(new CompassRequest(HttpMethod.Get, ConnectionPath(collection, id), RequestSafety.Idempotent), Connection.FromJson, cancellationToken);

        /// <summary>A collection of connections page by page, newest first, optionally narrowed by kind and type.</summary>
        public IAsyncEnumerable<ListPage<Connection>> ListConnectionsAsync(string collection, string? kind, string? type, ulong skip, ulong? first,
            CancellationToken cancellationToken)
        {
            var filters = new[]
            {
                new KeyValuePair<string, string?>("kind", kind),
                new KeyValuePair<string, string?>("type", type),
            };
            return ListAsync(ConnectionCollectionPath(collection), filters, skip, first, Connection.FromJson, cancellationToken);
        }

        /// <summary>POST to a connection collection (admin key). Not retried once the server may have acted on it.</summary>
        public Task<Connection> CreateConnectionAsync(string collection, ConnectionChange change, CancellationToken cancellationToken)
        {
            if (change is null) throw new ArgumentNullException(nameof(change));
            var request = new CompassRequest(HttpMethod.Post, ConnectionCollectionPath(collection), RequestSafety.Unsafe);
            return SendConnectionWriteAsync(request, change, Connection.FromJson, cancellationToken);
        }

        /// <summary>PATCH a connection (admin key): only what <paramref name="change"/> sets is sent.</summary>
        public Task<Connection> UpdateConnectionAsync(string collection, string id, ConnectionChange change, CancellationToken cancellationToken)
        {
            if (change is null) throw new ArgumentNullException(nameof(change));
            var request = new CompassRequest(new HttpMethod("PATCH"), ConnectionPath(collection, id), RequestSafety.Idempotent);
            return SendConnectionWriteAsync(request, change, Connection.FromJson, cancellationToken);
        }

        /// <summary>DELETE a connection (admin key).</summary>
        public Task DeleteConnectionAsync(string collection, string id, CancellationToken cancellationToken)
        {
            var request = new CompassRequest(HttpMethod.Delete, ConnectionPath(collection, id), RequestSafety.Idempotent);
            return SendConnectionWriteAsync<object?>(request, null, _ => null, cancellationToken);
        }

        /// <summary>POST …/{id}/health: the server checks the connection, records and answers its status (any key).</summary>
        public Task<ConnectionHealth> TestConnectionAsync(string collection, string id, CancellationToken cancellationToken)
        {
            // A check has no effect beyond recording a status, so repeating it is harmless.
            var request = new CompassRequest(HttpMethod.Post, ConnectionPath(collection, id) + "/health", RequestSafety.Idempotent);
            return SendJsonAsync(request, json => ConnectionHealth.FromJson(json, id.Trim()), cancellationToken);
        }

        /// <summary>
        /// Sends a connection write. The body, which may hold secrets in clear, is wiped once sent; a 403 that does not
        /// say why becomes AdminKeyRequired, since an admin-only write is the one reason the API gives for it here.
        /// </summary>
        private async Task<T> SendConnectionWriteAsync<T>(CompassRequest request, ConnectionChange? change, Func<JsonElement, T> map,
            CancellationToken cancellationToken)
        {
            request.JsonBody = change is null ? null : ConnectionBody(change);
            try
            {
                if (change is null)
                {
                    var (response, _) = await SendAsync(request, readBody: true, cancellationToken).ConfigureAwait(false);
                    response.Dispose();
                    return default!;
                }
                return await SendJsonAsync(request, map, cancellationToken).ConfigureAwait(false);
            }
            catch (CompassApiException ex) when (ex.Kind == CompassErrorKind.Forbidden && !string.Equals(ex.CompassCode, "PROJECT_FORBIDDEN", StringComparison.OrdinalIgnoreCase))
            {
                throw ex.Rephrased(CompassErrorKind.AdminKeyRequired,
                    ex.Message + " Creating, changing or deleting connections needs an admin-scoped API key.");
            }
            finally
            {
                if (request.JsonBody != null) Array.Clear(request.JsonBody, 0, request.JsonBody.Length);
            }
        }

        private static byte[] ConnectionBody(ConnectionChange change)
        {
            using var buffer = new MemoryStream();
            try
            {
                using (var writer = new Utf8JsonWriter(buffer))
                {
                    writer.WriteStartObject();
                    if (change.Name != null) writer.WriteString("name", change.Name);
                    if (change.Kind != null) writer.WriteString("kind", change.Kind);
                    if (change.Type != null) writer.WriteString("type", change.Type);
                    if (change.Configuration != null)
                    {
                        writer.WritePropertyName("configuration");
                        JsonValues.WriteInput(writer, change.Configuration, "-Configuration");
                    }
                    if (change.Credentials != null && change.Credentials.Count > 0)
                    {
                        writer.WriteStartObject("credentials");
                        foreach (var secret in change.Credentials) WriteSecret(writer, secret.Key, secret.Value);
                        writer.WriteEndObject();
                    }
                    else if (change.ClearCredentials)
                    {
                        writer.WriteNull("credentials");
                    }
                    if (change.DefaultModel != null) writer.WriteString("default_model", change.DefaultModel);
                    if (change.Status != null) writer.WriteString("status", change.Status);
                    writer.WriteEndObject();
                }
                return buffer.ToArray();
            }
            finally
            {
                // The stream's own buffer held the secrets too.
                var raw = buffer.GetBuffer();
                Array.Clear(raw, 0, raw.Length);
            }
        }

        /// <summary>Writes one secret without ever making a string of it; the clear copy is wiped at once.</summary>
        private static void WriteSecret(Utf8JsonWriter writer, string name, SecureString secret)
        {
            var chars = new char[secret.Length];
            var pointer = IntPtr.Zero;
            try
            {
                pointer = Marshal.SecureStringToGlobalAllocUnicode(secret);
                Marshal.Copy(pointer, chars, 0, chars.Length);
                writer.WriteString(name, chars);
                writer.Flush();
            }
            finally
            {
                if (pointer != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(pointer);
                Array.Clear(chars, 0, chars.Length);
            }
        }
    }
}
