using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// Tab completion of ids from the server: the newest items of a list (as many as arrive within a short time, up to
    /// a cap), matched on the id or the name, shown with the name. Uses the runspace default context or the environment
    /// variables; with none, or on any failure, it offers nothing — a completer must never make an error or a prompt appear.
    /// </summary>
    internal static class IdCompletion
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
        private const ulong MaxItems = 500;

        public static IEnumerable<CompletionResult> Complete<T>(
            string? wordToComplete,
            Func<CompassClient, ulong, CancellationToken, IAsyncEnumerable<ListPage<T>>> list,
            Func<T, string> idOf,
            Func<T, string?> nameOf)
        {
            IReadOnlyList<T> items;
            CompassContext? ownContext = null;
            try
            {
                var context = ContextStore.Default ?? (ownContext = FromEnvironment());
                if (context is null) return Array.Empty<CompletionResult>();
                using var timeout = new CancellationTokenSource(Timeout);
                var client = new CompassClient(context.Transport);
                var fetch = CollectAsync(list(client, MaxItems, timeout.Token), timeout.Token);
                if (!fetch.Wait(Timeout + TimeSpan.FromMilliseconds(500))) return Array.Empty<CompletionResult>();
                items = fetch.Result;
            }
            catch (Exception)
            {
                // Anything at all (no runspace, bad context, server down, timeout): offer nothing.
                return Array.Empty<CompletionResult>();
            }
            finally
            {
                ownContext?.ReleaseConnections();
            }

            var word = (wordToComplete ?? "").Trim('\'', '"');
            var pattern = WildcardPattern.Get(word + "*", WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant);
            return items
                .Where(item => pattern.IsMatch(idOf(item)) || pattern.IsMatch(nameOf(item) ?? ""))
                .Select(item =>
                {
                    var id = idOf(item);
                    var name = nameOf(item);
                    var shown = string.IsNullOrEmpty(name) ? id : $"{name} ({id})";
                    return new CompletionResult(Quote(id), shown, CompletionResultType.ParameterValue, shown);
                })
                .ToList();
        }

        /// <summary>
        /// A context for this completion only, from COMPASS_BASE_URL / COMPASS_API_KEY / COMPASS_PROJECT_ID (null when
        /// unset). Not the runspace's cached one: that one carries the cmdlets' User-Agent, which a completer cannot
        /// build, and a completion must not leave anything behind. No retries: the user is waiting at the prompt.
        /// </summary>
        private static CompassContext? FromEnvironment()
        {
            var baseUrl = CompassEnvironment.Get(CompassEnvironment.BaseUrl);
            var key = CompassEnvironment.Get(CompassEnvironment.ApiKey);
            if (baseUrl is null || key is null) return null;
            var version = typeof(IdCompletion).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
            return CompassContext.Create(baseUrl, ContextStore.ToSecureString(key), CompassEnvironment.Get(CompassEnvironment.ProjectId),
                maxRetries: 0, retryMaxDelaySec: null, timeoutSec: null, allowUnencrypted: false, skipCertificateCheck: false,
                source: "Environment", userAgent: $"CompassPS/{version} (tab completion)");
        }

        /// <summary>The items of every page that arrives before the timeout; a slow server still gets its first pages offered.</summary>
        private static async Task<IReadOnlyList<T>> CollectAsync<T>(IAsyncEnumerable<ListPage<T>> pages, CancellationToken cancellationToken)
        {
            var items = new List<T>();
            try
            {
                await foreach (var page in pages.WithCancellation(cancellationToken).ConfigureAwait(false)) items.AddRange(page.Items);
            }
            catch (OperationCanceledException) when (items.Count > 0)
            {
                // Out of time: offer what has arrived.
            }
            return items;
        }

        /// <summary>Ids are UUIDs in the contract, but a server may use others: quote any with characters the parser would split on.</summary>
        private static string Quote(string id) =>
            id.Length > 0 && id.All(ch => char.IsLetterOrDigit(ch) || ch == '-' || ch == '_' || ch == '.') ? id : "'" + id.Replace("'", "''") + "'";
    }
}
