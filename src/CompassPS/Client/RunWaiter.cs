using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace CompassPS.Client
{
    /// <summary>
    /// Waits for many runs at once by polling lists, not runs: each poll pages through the newest runs (narrowed
    /// to a shared deployment or workflow when there is one) only as far back as the oldest run still awaited,
    /// so a poll costs the pages of one list whatever the number of runs. A run the list does not show is
    /// fetched by id. Runs may be added while waiting (Start-CompassRun -Wait adds them as they are created).
    /// </summary>
    public sealed class RunWaiter
    {
        private static readonly TimeSpan FirstInterval = TimeSpan.FromMilliseconds(250);
        private static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(2);

        private readonly CompassClient _client;
        private readonly ConcurrentDictionary<string, Run> _pending = new ConcurrentDictionary<string, Run>(StringComparer.OrdinalIgnoreCase);
        private readonly SemaphoreSlim _changed = new SemaphoreSlim(0);
        private int _finished;
        private int _added;
        private volatile bool _addingComplete;

        public RunWaiter(CompassClient client)
        {
            _client = client;
        }

        /// <summary>Runs added so far, and how many of them have ended.</summary>
        public int Added => Volatile.Read(ref _added);
        public int Finished => Volatile.Read(ref _finished);
        public IReadOnlyCollection<Run> Pending => _pending.Values.ToList();

        /// <summary>Called (from a background thread) with each run as it ends.</summary>
        public event Action<Run>? RunFinished;

        /// <summary>Called (from a background thread) for a run that cannot be waited for (e.g. not found); it is dropped.</summary>
        public event Action<string, CompassApiException>? RunLost;

        public void Add(Run run)
        {
            if (!_pending.TryAdd(run.Id, run)) return; // the same run twice is waited for once
            Interlocked.Increment(ref _added);
            _changed.Release();
        }

        /// <summary>No more runs will be added: WaitAsync returns once the pending ones have ended.</summary>
        public void CompleteAdding()
        {
            _addingComplete = true;
            _changed.Release();
        }

        public async Task WaitAsync(CancellationToken cancellationToken)
        {
            var interval = FirstInterval;
            while (true)
            {
                DrainChanges();
                // Runs that were already over when added need no request.
                foreach (var run in _pending.Values.Where(r => r.IsTerminal).ToList()) Finish(run);
                if (_pending.IsEmpty)
                {
                    if (_addingComplete) return;
                    await _changed.WaitAsync(cancellationToken).ConfigureAwait(false);
                    interval = FirstInterval;
                    continue;
                }
                await PollOnceAsync(cancellationToken).ConfigureAwait(false);
                if (_pending.IsEmpty) continue;
                // Sleep, but wake early when a run is added so new runs are picked up on the next poll.
                await _changed.WaitAsync(interval, cancellationToken).ConfigureAwait(false);
                interval = TimeSpan.FromMilliseconds(Math.Min(interval.TotalMilliseconds * 1.5, MaxInterval.TotalMilliseconds));
            }
        }

        /// <summary>
        /// One wake-up covers every change signalled so far: each added run releases the semaphore once, and without
        /// this a thousand runs piped in would make a thousand polls back to back instead of one poll per interval.
        /// </summary>
        private void DrainChanges()
        {
            while (_changed.Wait(0)) { }
        }

        private async Task PollOnceAsync(CancellationToken cancellationToken)
        {
            var waiting = _pending.Values.ToList();
            if (waiting.Count == 1 || waiting.Any(r => r.CreatedAt is null))
            {
                // One run, or runs whose age is unknown: by id is as cheap as a list, and learns their age.
                foreach (var run in waiting.Where(r => waiting.Count == 1 || r.CreatedAt is null))
                {
                    await RefreshByIdAsync(run.Id, cancellationToken).ConfigureAwait(false);
                }
                return;
            }

            var filter = new RunFilter();
            var deployments = waiting.Select(r => r.DeploymentId).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            var workflows = waiting.Select(r => r.WorkflowId).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            if (deployments.Count == 1 && deployments[0] != null) filter.DeploymentId = deployments[0];
            else if (workflows.Count == 1 && workflows[0] != null) filter.WorkflowId = workflows[0];
            var oldest = waiting.Min(r => r.CreatedAt!.Value);
            var unseen = new HashSet<string>(waiting.Select(r => r.Id), StringComparer.OrdinalIgnoreCase);

            // The largest pages the wire allows: a poll's cost is its number of requests.
            await foreach (var page in _client.ListRunsAsync(filter, CompassClientOptions.MaxPageSize, cancellationToken).ConfigureAwait(false))
            {
                var pastOldest = false;
                foreach (var run in page.Items)
                {
                    if (unseen.Remove(run.Id)) Update(run);
                    if (run.CreatedAt is DateTimeOffset created && created < oldest) pastOldest = true;
                }
                if (unseen.Count == 0 || pastOldest) break;
            }

            foreach (var id in unseen)
            {
                if (_pending.ContainsKey(id)) await RefreshByIdAsync(id, cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task RefreshByIdAsync(string id, CancellationToken cancellationToken)
        {
            try
            {
                Update(await _client.GetRunAsync(id, cancellationToken).ConfigureAwait(false));
            }
            catch (CompassApiException ex) when (ex.Kind == CompassErrorKind.NotFound || ex.Kind == CompassErrorKind.InvalidInput)
            {
                if (_pending.TryRemove(id, out _)) RunLost?.Invoke(id, ex);
            }
        }

        private void Update(Run run)
        {
            if (run.IsTerminal) Finish(run);
            else if (_pending.ContainsKey(run.Id)) _pending[run.Id] = run;
        }

        private void Finish(Run run)
        {
            if (!_pending.TryRemove(run.Id, out _)) return;
            Interlocked.Increment(ref _finished);
            RunFinished?.Invoke(run);
        }
    }
}
