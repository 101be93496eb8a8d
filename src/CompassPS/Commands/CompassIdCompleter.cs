using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;
using System.Threading.Tasks;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// Tab completion of ids that shows names: the completion is the id, the list shows "name (id)". Uses the
    /// runspace default context (Connect-Compass) or the COMPASS_* environment variables; without either, or when
    /// the server is slow or fails, it offers nothing: a completer never prompts and never shows an error.
    /// </summary>
    public abstract class CompassIdCompleter<T> : IArgumentCompleter where T : CompassObject
    {
        /// <summary>How long Tab may wait for the server.</summary>
        private static readonly TimeSpan Budget = TimeSpan.FromSeconds(3);

        /// <summary>
        /// The User-Agent of a context built from the environment here (later cmdlets of the runspace reuse it). A
        /// completer has no $PSVersionTable at hand, so it names the edition from the runtime, not the version.
        /// </summary>
        private static readonly string UserAgent = string.Format(System.Globalization.CultureInfo.InvariantCulture, "CompassPS/{0} (PowerShell; {1})",
            typeof(CompassIdCompleter<>).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
            System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal) ? "Desktop" : "Core");

        /// <summary>At most this many candidates are fetched (the newest first).</summary>
        private const ulong MaxCandidates = 200;

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var word = (wordToComplete ?? "").Trim('\'', '"');
            IReadOnlyList<T> candidates;
            try
            {
                var context = ContextStore.Default ?? ContextStore.FromEnvironment(UserAgent);
                if (context is null) return Array.Empty<CompletionResult>();
                var client = new CompassClient(context.Transport);
                using var budget = new CancellationTokenSource(Budget);
                candidates = Task.Run(() => FetchAsync(client, budget.Token)).GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                // Tab completion must stay silent: no context, a bad one, a slow or failing server all mean "no suggestions".
                return Array.Empty<CompletionResult>();
            }
            var pattern = WildcardPattern.Get(WildcardPattern.Escape(word) + "*", WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant);
            return candidates
                .Where(c => pattern.IsMatch(IdOf(c)) || pattern.IsMatch(NameOf(c) ?? ""))
                .Select(c => new CompletionResult(IdOf(c), $"{NameOf(c) ?? "(no name)"} ({IdOf(c)})", CompletionResultType.ParameterValue, Describe(c)))
                .ToList();
        }

        private async Task<IReadOnlyList<T>> FetchAsync(CompassClient client, CancellationToken cancellationToken)
        {
            var items = new List<T>();
            var pages = List(client, MaxCandidates, cancellationToken);
            await foreach (var page in pages.WithCancellation(cancellationToken).ConfigureAwait(false)) items.AddRange(page.Items);
            return items;
        }

        protected abstract IAsyncEnumerable<ListPage<T>> List(CompassClient client, ulong first, CancellationToken cancellationToken);
        protected abstract string IdOf(T item);
        protected abstract string? NameOf(T item);
        /// <summary>The tooltip.</summary>
        protected abstract string Describe(T item);
    }

    /// <summary>Completes workflow and agent ids, showing their names.</summary>
    public sealed class WorkflowIdCompleter : CompassIdCompleter<Workflow>
    {
        protected override IAsyncEnumerable<ListPage<Workflow>> List(CompassClient client, ulong first, CancellationToken cancellationToken) =>
            client.ListWorkflowsAsync(new WorkflowFilter(), 0, first, cancellationToken);

        protected override string IdOf(Workflow item) => item.Id;
        protected override string? NameOf(Workflow item) => item.Name;
        protected override string Describe(Workflow item) => $"{item.Name} ({item.Type ?? "workflow"}, latest version {item.LatestVersion?.ToString() ?? "none"})";
    }

    /// <summary>Completes deployment ids, showing their names.</summary>
    public sealed class DeploymentIdCompleter : CompassIdCompleter<Deployment>
    {
        protected override IAsyncEnumerable<ListPage<Deployment>> List(CompassClient client, ulong first, CancellationToken cancellationToken) =>
            client.ListDeploymentsAsync(new DeploymentFilter(), 0, first, cancellationToken);

        protected override string IdOf(Deployment item) => item.Id;
        protected override string? NameOf(Deployment item) => item.Name;
        protected override string Describe(Deployment item) => $"{item.Name} ({item.Status}, live version {item.LiveVersion?.ToString() ?? "none"})";
    }
}
