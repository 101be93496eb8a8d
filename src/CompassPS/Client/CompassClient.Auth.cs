using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace CompassPS.Client
{
    /// <summary>What the server says about the calling key (GET /v1/auth/whoami): its name, project and role.</summary>
    public sealed class KeyIdentity
    {
        public string? KeyName { get; set; }
        public string? ProjectId { get; set; }
        public string? ProjectName { get; set; }
        /// <summary>"admin" or "member"; null when the server did not say (it has no whoami route).</summary>
        public string? Role { get; set; }

        internal static KeyIdentity FromJson(JsonElement root)
        {
            JsonShape.RequireObject(root, "the key's identity");
            return new KeyIdentity
            {
                KeyName = JsonShape.String(root, "key_name"),
                ProjectId = JsonShape.String(root, "project_id"),
                ProjectName = JsonShape.String(root, "project_name"),
                Role = JsonShape.String(root, "role"),
            };
        }
    }

    public sealed partial class CompassClient
    {
        internal const string WhoAmIPath = "/v1/auth/whoami";

        /// <summary>
        /// One cheap read that proves the URL and key work (Connect-Compass's check). The CLI's whoami route is not in
        /// the public docs, so a server without it (404) is asked for one workflow instead: that proves the key as
        /// well, only without naming its role.
        /// </summary>
        public async Task<KeyIdentity> CheckKeyAsync(CancellationToken cancellationToken)
        {
            try
            {
                return await SendJsonAsync(new CompassRequest(HttpMethod.Get, WhoAmIPath, RequestSafety.Idempotent), KeyIdentity.FromJson, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (CompassApiException ex) when (ex.Kind == CompassErrorKind.NotFound)
            {
                await SendJsonAsync(new CompassRequest(HttpMethod.Get, "/v1/workflows/?limit=1", RequestSafety.Idempotent), _ => 0, cancellationToken)
                    .ConfigureAwait(false);
                return new KeyIdentity { ProjectId = Options.ProjectId };
            }
        }
    }
}
