using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
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

        protected static CompassApiException TimeoutError(string what, int? timeoutSec) =>
            new CompassApiException(CompassErrorKind.Timeout, $"{what} did not end within {timeoutSec} s (-TimeoutSec); it was left as it is.");

        /// <summary>
        /// Runs <paramref name="waiter"/> to its end on the pipeline thread: each run is written as it ends, one
        /// throttled progress bar counts them, and at the deadline every run still going gets a Timeout error.
        /// </summary>
        protected void WaitForRuns(RunWaiter waiter, int? timeoutSec, Action<Run> onFinished)
        {
            const int activityId = 1;
            var lastProgress = DateTime.MinValue;
            void ShowProgress(bool force)
            {
                var now = DateTime.UtcNow;
                if (!force && now - lastProgress < ProgressInterval) return;
                lastProgress = now;
                var added = Math.Max(1, waiter.Added);
                var record = new ProgressRecord(activityId, "Waiting for Compass runs", $"{waiter.Finished} of {waiter.Added} runs finished")
                {
                    PercentComplete = Math.Min(100, waiter.Finished * 100 / added),
                };
                WriteProgress(record);
            }

            waiter.RunFinished += run => PostToPipeline(() =>
            {
                onFinished(run);
                ShowProgress(force: false);
            });
            waiter.RunLost += (id, error) => PostToPipeline(() => WriteError(CompassErrors.Record(error, id)));
            using var deadline = Deadline(timeoutSec);
            try
            {
                ShowProgress(force: true);
                Await(waiter.WaitAsync(deadline.Token));
            }
            catch (OperationCanceledException) when (TimedOut(deadline))
            {
                foreach (var run in waiter.Pending)
                {
                    WriteError(CompassErrors.Record(TimeoutError($"Run {run.Id}", timeoutSec), run));
                }
            }
            finally
            {
                WriteProgress(new ProgressRecord(activityId, "Waiting for Compass runs", "Done") { RecordType = ProgressRecordType.Completed });
            }
        }

        /// <summary>Streams a run's events until its terminal event, handing each to <paramref name="onEvent"/>.</summary>
        protected void FollowRun(string runId, int? timeoutSec, Action<RunEvent> onEvent)
        {
            using var deadline = Deadline(timeoutSec);
            try
            {
                foreach (var e in Enumerate(Client.StreamRunEventsAsync(runId, 0, deadline.Token)))
                {
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
