using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>What the run cmdlets share: waiting for many runs with one progress bar, following a run, deadlines.</summary>
    public abstract class CompassRunCmdlet : CompassApiCmdlet
    {
        private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

        /// <summary>The run shown live (-Follow, Send-CompassMessage) right now, so that a stop can say it goes on.</summary>
        private volatile string? _liveRunId;

        /// <summary>
        /// Ctrl+C while a run is shown live stops the watching, not the run: say so at once, on the host (the pipeline
        /// is stopping, so no stream can carry it), with the commands that follow or cancel it.
        /// </summary>
        protected override void StopProcessing()
        {
            base.StopProcessing();
            var runId = _liveRunId;
            if (runId is null) return;
            try
            {
                Host?.UI?.WriteWarningLine(
                    $"Stopped watching; run {runId} goes on on the server. Watch-CompassRun -Id {runId} follows it again, Stop-CompassRun -RunId {runId} cancels it.");
            }
            catch (Exception ex) when (ex is System.Management.Automation.Host.HostException || ex is NotImplementedException || ex is InvalidOperationException)
            {
                // A host without a UI: nothing to tell.
            }
        }

        /// <summary>A token cancelled by a stop or after <paramref name="timeoutSec"/> seconds (none when null or 0).</summary>
        protected CancellationTokenSource Deadline(int? timeoutSec)
        {
            var deadline = CancellationTokenSource.CreateLinkedTokenSource(StopToken);
            if (timeoutSec is int seconds && seconds > 0) deadline.CancelAfter(TimeSpan.FromSeconds(seconds));
            return deadline;
        }

        protected bool TimedOut(CancellationTokenSource deadline) => deadline.IsCancellationRequested && !StopToken.IsCancellationRequested;

        /// <summary>The ErrorId of a run that ended but did not complete (also Send-CompassMessage's for a failed turn).</summary>
        internal const string RunNotCompletedErrorId = CompassErrors.Prefix + "RunNotCompleted";

        /// <summary>
        /// Writes a run that has ended, and, when it ended failed or cancelled, one non-terminating error besides it
        /// (CompassPS.RunNotCompleted, the run as target, the run's own error message): a runbook with
        /// -ErrorAction Stop ends at the first run that failed, after that run was written.
        /// </summary>
        protected void WriteEndedRun(Run run)
        {
            WriteObject(run.ToPSObject());
            var error = RunNotCompleted(run);
            if (error != null) WriteError(error);
        }

        /// <summary>The error for a run that ended failed or cancelled; null for any other run.</summary>
        internal static ErrorRecord? RunNotCompleted(Run run)
        {
            var failed = string.Equals(run.Status, RunStatus.Failed, StringComparison.OrdinalIgnoreCase);
            var cancelled = string.Equals(run.Status, RunStatus.Cancelled, StringComparison.OrdinalIgnoreCase);
            if (!failed && !cancelled) return null;
            var why = ErrorText(run.Error);
            var message = failed
                ? $"Run {run.Id} failed" + (why is null ? "." : ": " + why)
                : $"Run {run.Id} was cancelled" + (why is null ? "." : ": " + why);
            var record = new ErrorRecord(new InvalidOperationException(message), RunNotCompletedErrorId,
                failed ? ErrorCategory.InvalidResult : ErrorCategory.OperationStopped, run.ToPSObject());
            record.ErrorDetails = new ErrorDetails(message)
            {
                RecommendedAction = $"Get-CompassRunTree -RunId {run.Id} shows the step that failed and its error.",
            };
            return record;
        }

        /// <summary>A run's error as one line: the text itself, or the message of an error object.</summary>
        private static string? ErrorText(object? error)
        {
            if (error is null) return null;
            if (error is PSObject ps)
            {
                if (ps.BaseObject is string text) return string.IsNullOrWhiteSpace(text) ? null : text;
                var message = ps.Properties["message"]?.Value ?? ps.Properties["Message"]?.Value;
                if (message != null) return message.ToString();
            }
            if (error is System.Collections.IDictionary map && map.Contains("message")) return map["message"]?.ToString();
            var plain = error.ToString();
            return string.IsNullOrWhiteSpace(plain) ? null : plain;
        }

        protected static CompassApiException TimeoutError(string what, int? timeoutSec) =>
            new CompassApiException(CompassErrorKind.Timeout, $"{what} did not end within {timeoutSec} s (-TimeoutSec); it was left as it is.");

        /// <summary>
        /// Runs <paramref name="waiter"/> to its end on the pipeline thread: each run is written as it ends, one
        /// throttled progress bar counts them, and at the deadline every run still going gets a Timeout error.
        /// </summary>
        protected void WaitForRuns(RunWaiter waiter, int? timeoutSec, Action<Run> onFinished) =>
            EndWaitForRuns(BeginWaitForRuns(waiter, timeoutSec, onFinished));

        /// <summary>
        /// Starts waiting in the background (pipeline thread): runs may still be added, and each finished run is
        /// written whenever the pipeline thread next runs posted work (between inputs, or in EndWaitForRuns).
        /// The deadline counts from here.
        /// </summary>
        protected RunWait BeginWaitForRuns(RunWaiter waiter, int? timeoutSec, Action<Run> onFinished)
        {
            var wait = new RunWait(this, waiter, timeoutSec);
            waiter.RunFinished += run => PostToPipeline(() =>
            {
                wait.Ended(run);
                onFinished(run);
                wait.ShowProgress(force: false);
            });
            waiter.RunLost += (id, error) => PostToPipeline(() => WriteError(CompassErrors.Record(error, id)));
            wait.ShowProgress(force: true);
            wait.Start();
            return wait;
        }

        /// <summary>No more runs: waits (pipeline thread) for the rest, or for the deadline.</summary>
        protected void EndWaitForRuns(RunWait wait)
        {
            wait.Waiter.CompleteAdding();
            try
            {
                Await(wait.Task!);
                // The last counts, whatever the throttle let through before.
                wait.ShowProgress(force: true);
            }
            catch (OperationCanceledException) when (TimedOut(wait.Deadline))
            {
                foreach (var run in wait.Waiter.Pending)
                {
                    WriteError(CompassErrors.Record(TimeoutError($"Run {run.Id}", wait.TimeoutSec), run));
                }
            }
            finally
            {
                wait.Done = true;
                WriteProgress(new ProgressRecord(RunWait.ActivityId, RunWait.Activity, "Done") { RecordType = ProgressRecordType.Completed });
                wait.Deadline.Dispose();
            }
        }

        /// <summary>One wait for many runs: the waiter, its background task, its deadline and its progress bar.</summary>
        protected sealed class RunWait
        {
            internal const int ActivityId = 1;
            internal const string Activity = "Waiting for Compass runs";

            private static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(1);

            private readonly CompassRunCmdlet _cmdlet;
            private readonly Stopwatch _elapsed = Stopwatch.StartNew();
            // Runs that have ended, by status: pipeline thread only (counted as each is written).
            private readonly SortedDictionary<string, int> _ended = new SortedDictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            private DateTime _lastProgress = DateTime.MinValue;

            internal RunWait(CompassRunCmdlet cmdlet, RunWaiter waiter, int? timeoutSec)
            {
                _cmdlet = cmdlet;
                Waiter = waiter;
                TimeoutSec = timeoutSec;
                Deadline = cmdlet.Deadline(timeoutSec);
            }

            internal RunWaiter Waiter { get; }
            internal int? TimeoutSec { get; }
            internal CancellationTokenSource Deadline { get; }
            internal Task? Task { get; private set; }

            /// <summary>Set once the wait is over: a tick still queued then must not bring the progress bar back.</summary>
            internal bool Done { get; set; }

            internal void Start()
            {
                Task = Waiter.WaitAsync(Deadline.Token);
                _ = TickAsync(Task, Deadline.Token);
            }

            /// <summary>Pipeline thread: counts a run that has ended by its status.</summary>
            internal void Ended(Run run)
            {
                var status = string.IsNullOrEmpty(run.Status) ? "unknown" : run.Status;
                _ended[status] = _ended.TryGetValue(status, out var n) ? n + 1 : 1;
            }

            /// <summary>
            /// Refreshes the progress every second while runs go on, so the elapsed time moves and the counts of runs
            /// still going (running, awaiting approval) follow the polls even when no run ends for a long time.
            /// </summary>
            private async Task TickAsync(Task wait, CancellationToken cancellationToken)
            {
                try
                {
                    while (!wait.IsCompleted)
                    {
                        await System.Threading.Tasks.Task.Delay(TickInterval, cancellationToken).ConfigureAwait(false);
                        if (!wait.IsCompleted) _cmdlet.PostToPipeline(() => ShowProgress(force: false));
                    }
                }
                catch (OperationCanceledException)
                {
                    // The wait was stopped or timed out: nothing more to show.
                }
            }

            /// <summary>Pipeline thread only; at most one update per ProgressInterval unless forced.</summary>
            internal void ShowProgress(bool force)
            {
                if (Done) return;
                var now = DateTime.UtcNow;
                if (!force && now - _lastProgress < ProgressInterval) return;
                _lastProgress = now;
                var added = Math.Max(1, Waiter.Added);
                var percent = Math.Min(100, Waiter.Finished * 100 / added);
                _cmdlet.WriteProgress(new ProgressRecord(ActivityId, Activity, Describe(percent)) { PercentComplete = percent });
            }

            /// <summary>"3 of 10 runs ended (2 completed, 1 failed); 7 going (5 running, 2 awaiting_approval); 30% in 0:42".</summary>
            private string Describe(int percent)
            {
                var text = $"{Waiter.Finished} of {Waiter.Added} runs ended";
                if (_ended.Count > 0) text += " (" + string.Join(", ", _ended.Select(e => $"{e.Value} {e.Key}")) + ")";
                var going = Waiter.Pending;
                if (going.Count > 0)
                {
                    var byStatus = going.GroupBy(r => string.IsNullOrEmpty(r.Status) ? "not yet seen" : r.Status, StringComparer.OrdinalIgnoreCase)
                        .OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
                        .Select(g => $"{g.Count()} {g.Key}");
                    text += $"; {going.Count} going (" + string.Join(", ", byStatus) + ")";
                }
                var elapsed = _elapsed.Elapsed;
                var clock = elapsed.TotalHours >= 1 ? elapsed.ToString(@"h\:mm\:ss") : elapsed.ToString(@"m\:ss");
                return $"{text}; {percent}% in {clock}";
            }
        }

        /// <summary>Streams a run's events until its terminal event, handing each to <paramref name="onEvent"/>.</summary>
        /// <param name="live">True when the run is shown live to a person (-Follow): a stop then says the run goes on.</param>
        protected void FollowRun(string runId, int? timeoutSec, Action<RunEvent> onEvent, bool live = false)
        {
            if (live) _liveRunId = runId;
            try
            {
                FollowRunCore(runId, timeoutSec, onEvent);
            }
            finally
            {
                if (live) _liveRunId = null;
            }
        }

        private void FollowRunCore(string runId, int? timeoutSec, Action<RunEvent> onEvent)
        {
            using var deadline = Deadline(timeoutSec);
            // Only node.* events carry the node's name; tool calls and answer pieces name the node by id. Naming them
            // the same way keeps a followed run readable (one name per node in the table and the live view).
            var nodeNames = new Dictionary<string, string>(StringComparer.Ordinal);
            try
            {
                foreach (var e in Enumerate(Client.StreamRunEventsAsync(runId, 0, deadline.Token)))
                {
                    if (e.NodeId != null)
                    {
                        if (e.NodeName != null) nodeNames[e.NodeId] = e.NodeName;
                        else if (nodeNames.TryGetValue(e.NodeId, out var name)) e.NodeName = name;
                    }
                    onEvent(e);
                }
            }
            catch (OperationCanceledException) when (TimedOut(deadline))
            {
                throw TimeoutError($"Run {runId}", timeoutSec);
            }
        }
    }
}
