using System;
using System.Collections.Generic;
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
                WriteProgress(new ProgressRecord(RunWait.ActivityId, RunWait.Activity, "Done") { RecordType = ProgressRecordType.Completed });
                wait.Deadline.Dispose();
            }
        }

        /// <summary>One wait for many runs: the waiter, its background task, its deadline and its progress bar.</summary>
        protected sealed class RunWait
        {
            internal const int ActivityId = 1;
            internal const string Activity = "Waiting for Compass runs";

            private readonly CompassRunCmdlet _cmdlet;
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

            internal void Start() => Task = Waiter.WaitAsync(Deadline.Token);

            /// <summary>Pipeline thread only; at most one update per ProgressInterval unless forced.</summary>
            internal void ShowProgress(bool force)
            {
                var now = DateTime.UtcNow;
                if (!force && now - _lastProgress < ProgressInterval) return;
                _lastProgress = now;
                var added = Math.Max(1, Waiter.Added);
                _cmdlet.WriteProgress(new ProgressRecord(ActivityId, Activity, $"{Waiter.Finished} of {Waiter.Added} runs finished")
                {
                    PercentComplete = Math.Min(100, Waiter.Finished * 100 / added),
                });
            }
        }

        /// <summary>Streams a run's events until its terminal event, handing each to <paramref name="onEvent"/>.</summary>
        protected void FollowRun(string runId, int? timeoutSec, Action<RunEvent> onEvent)
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
