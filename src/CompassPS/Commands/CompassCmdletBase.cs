using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// What every CompassPS cmdlet shares: cancellation (StopProcessing cancels every HTTP call and stream read at
    /// once), the threading rule (background work never writes to the pipeline: it posts actions that run on the
    /// pipeline thread while it waits, see <see cref="Await{T}"/>), and the conversion of CompassApiException into
    /// one ErrorRecord.
    /// </summary>
    public abstract class CompassCmdletBase : PSCmdlet, IDisposable
    {
        /// <summary>How long a stopped command waits for its background work to notice before returning.</summary>
        private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(2);

        /// <summary>How long a wait may block on the task alone before it turns to running posted work too.</summary>
        private const int DirectWaitMs = 50;

        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        // Work posted by background threads for the pipeline thread. A queue and a counting signal rather than a
        // BlockingCollection: most invocations (one request, nothing posted) never touch them, and these two types
        // come precompiled with the runtime, where a BlockingCollection costs a first call its JIT time.
        private readonly ConcurrentQueue<Action> _pipelineWork = new ConcurrentQueue<Action>();
        private readonly SemaphoreSlim _pipelineWorkPosted = new SemaphoreSlim(0);
        private CmdletLog? _log;
        private int _retriesShown;

        /// <summary>The progress record that shows a command's retries after the first (which is a warning).</summary>
        private const int RetryActivityId = 7;
        private const string RetryActivity = "Retrying Compass requests";

        /// <summary>Cancelled by StopProcessing (Ctrl+C, Select-Object -First, Stop-Job).</summary>
        protected CancellationToken StopToken => _stop.Token;

        /// <summary>Thread-safe log whose messages are written as Verbose/Debug/Warning on the pipeline thread.</summary>
        internal ICompassLog Log => _log ??= new CmdletLog(this);

        protected sealed override void BeginProcessing() => Guarded(BeginProcessingCore, null);
        protected sealed override void ProcessRecord() => Guarded(ProcessRecordCore, null);
        protected sealed override void EndProcessing()
        {
            try
            {
                Guarded(EndProcessingCore, null);
            }
            finally
            {
                if (_retriesShown > 1)
                {
                    WriteProgress(new ProgressRecord(RetryActivityId, RetryActivity, "Done") { RecordType = ProgressRecordType.Completed });
                }
            }
        }

        /// <summary>
        /// A retry or reconnect, made visible without -Verbose: the first of this command is a warning at once (what
        /// failed, which attempt, when the next is), later ones update one progress record instead of adding lines.
        /// Pipeline thread only.
        /// </summary>
        private void ShowRetry(RetryNotice notice)
        {
            _retriesShown++;
            if (_retriesShown == 1)
            {
                // -Debug turns a cmdlet's warnings into prompts ("Continue with this operation?"), which fail in a host
                // without a UI: a runbook run with -Debug would end at its first retry. The debug stream, shown then
                // anyway, carries the notice instead.
                if (WarningWouldPrompt()) WriteDebug("Retrying: " + notice);
                else WriteWarning(notice.ToString());
                return;
            }
            WriteProgress(new ProgressRecord(RetryActivityId, RetryActivity, $"{notice} ({_retriesShown} retries so far)")
            {
                SecondsRemaining = (int)Math.Ceiling(notice.Delay.TotalSeconds),
            });
        }

        protected virtual void BeginProcessingCore() { }
        protected virtual void ProcessRecordCore() { }
        protected virtual void EndProcessingCore() { }

        protected override void StopProcessing() => _stop.Cancel();

        /// <summary>
        /// Called by PowerShell when the pipeline ends, also when it ends early (-ErrorAction Stop on an error this
        /// command wrote, a throw further down): work still running in the background (a wait's polling, dispatches)
        /// is cancelled then, as by a stop, instead of going on with nobody to write to.
        /// </summary>
        public void Dispose()
        {
            try { _stop.Cancel(); }
            catch (ObjectDisposedException) { }
        }

        /// <summary>
        /// Runs <paramref name="body"/>; a CompassApiException becomes one non-terminating error (so a pipeline of
        /// ids goes on with the next), except the kinds no later input can cure, which stop the command.
        /// </summary>
        protected void Guarded(Action body, object? target)
        {
            try
            {
                body();
                DrainPipelineWork();
            }
            catch (CompassApiException ex)
            {
                DrainPipelineWork();
                var record = CompassErrors.Record(ex, target);
                if (ex.Kind == CompassErrorKind.NotConnected || ex.Kind == CompassErrorKind.InsecureTransport) ThrowTerminatingError(record);
                WriteError(record);
            }
        }

        /// <summary>
        /// The ids that <paramref name="values"/> stand for under <paramref name="rules"/>: each value that stands for
        /// none (an object of another kind) is one non-terminating error, and no request is made for it.
        /// </summary>
        internal IEnumerable<string> Resolve(IEnumerable<CompassPipeBind> values, PipeBindRules rules)
        {
            foreach (var value in values)
            {
                var id = rules.Resolve(value, out var error);
                if (id is null) WriteError(error!);
                else yield return id;
            }
        }

        /// <summary>Posts work to run on the pipeline thread (WriteObject and friends). Callable from any thread.</summary>
        protected void PostToPipeline(Action action)
        {
            // Work posted after the command has ended is never run: nobody is left to write to.
            _pipelineWork.Enqueue(action);
            _pipelineWorkPosted.Release();
        }

        /// <summary>Runs whatever background work has posted, without waiting. Pipeline thread only.</summary>
        protected void DrainPipelineWork()
        {
            // The signal's count may run ahead of the queue after a drain; the blocking wait in Pump tolerates that.
            while (_pipelineWork.TryDequeue(out var action)) action();
        }

        /// <summary>
        /// Waits for <paramref name="task"/> on the pipeline thread, running posted work meanwhile, and returns its
        /// result or throws its exception. When the command is stopped it waits briefly for the task to wind down
        /// (so no request is left running) and throws PipelineStoppedException.
        /// </summary>
        protected T Await<T>(Task<T> task)
        {
            Pump(task);
            return task.GetAwaiter().GetResult();
        }

        protected void Await(Task task)
        {
            Pump(task);
            task.GetAwaiter().GetResult();
        }

        private void Pump(Task task)
        {
            try
            {
                if (!task.IsCompleted && _pipelineWork.IsEmpty)
                {
                    // The usual wait is one request with nothing to write meanwhile: waiting on the task itself wakes
                    // this thread with one hand-off instead of going through the work queue. Work posted meanwhile
                    // (a verbose line, a finished run) waits at most this long.
                    try { task.Wait(DirectWaitMs, StopToken); }
                    catch (AggregateException) { /* faulted: reported below, as by the queue path */ }
                }
                if (!task.IsCompleted)
                {
                    task.ContinueWith(_ => PostToPipeline(() => { }), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }
                while (!task.IsCompleted)
                {
                    _pipelineWorkPosted.Wait(StopToken);
                    if (_pipelineWork.TryDequeue(out var action)) action();
                }
                DrainPipelineWork();
                if (task.IsCanceled && StopToken.IsCancellationRequested) throw new OperationCanceledException(StopToken);
                if (task.IsFaulted && task.Exception!.InnerException is OperationCanceledException && StopToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(StopToken);
                }
            }
            catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
            {
                try { task.Wait(StopGrace); }
                catch (AggregateException) { }
                throw new PipelineStoppedException();
            }
        }

        /// <summary>
        /// An async sequence consumed on the pipeline thread, one item at a time: the next item (e.g. the next page)
        /// is only requested when the pipeline asks for it.
        /// </summary>
        protected IEnumerable<T> Enumerate<T>(IAsyncEnumerable<T> source)
        {
            var enumerator = source.GetAsyncEnumerator(StopToken);
            try
            {
                while (true)
                {
                    // A step that has already completed (the next event of a busy stream) is read without a Task.
                    var step = enumerator.MoveNextAsync();
                    if (!(step.IsCompletedSuccessfully ? step.Result : Await(step.AsTask()))) break;
                    yield return enumerator.Current;
                }
            }
            finally
            {
                try
                {
                    var dispose = enumerator.DisposeAsync().AsTask();
                    if (!dispose.Wait(StopGrace)) { /* still winding down after a stop; its token is cancelled */ }
                }
                catch (Exception ex) when (ex is AggregateException || ex is InvalidOperationException || ex is NotSupportedException)
                {
                    // Disposing an iterator that a stop interrupted mid-step: nothing more to release.
                }
            }
        }

        /// <summary>True when -Debug (without -WarningAction) makes WriteWarning ask the user to continue.</summary>
        private bool WarningWouldPrompt() =>
            MyInvocation.BoundParameters.TryGetValue("Debug", out var debug)
            && (debug is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(debug))
            && !MyInvocation.BoundParameters.ContainsKey("WarningAction");

        /// <summary>True when a stream (Verbose, Debug) is shown, so the core can skip building its messages.</summary>
        private bool IsStreamEnabled(string parameter, string preferenceVariable)
        {
            if (MyInvocation.BoundParameters.TryGetValue(parameter, out var bound))
            {
                return bound is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(bound);
            }
            var preference = GetVariableValue(preferenceVariable);
            if (preference is ActionPreference p) return p != ActionPreference.SilentlyContinue && p != ActionPreference.Ignore;
            if (preference != null && Enum.TryParse(preference.ToString(), true, out ActionPreference parsed))
            {
                return parsed != ActionPreference.SilentlyContinue && parsed != ActionPreference.Ignore;
            }
            return false;
        }

        /// <summary>"CompassPS/0.1.0 (PowerShell 7.6.9; Core)".</summary>
        protected string UserAgent()
        {
            var version = typeof(CompassCmdletBase).Assembly.GetName().Version;
            var psVersion = "unknown";
            var edition = "Desktop";
            if (GetVariableValue("PSVersionTable") is Hashtable table)
            {
                psVersion = table["PSVersion"]?.ToString() ?? psVersion;
                edition = table["PSEdition"]?.ToString() ?? edition;
            }
            return $"CompassPS/{version?.ToString(3) ?? "0.0.0"} (PowerShell {psVersion}; {edition})";
        }

        private sealed class CmdletLog : ICompassLog, ICompassRetryLog
        {
            private readonly CompassCmdletBase _cmdlet;

            public CmdletLog(CompassCmdletBase cmdlet)
            {
                _cmdlet = cmdlet;
                IsVerboseEnabled = cmdlet.IsStreamEnabled("Verbose", "VerbosePreference");
                IsDebugEnabled = cmdlet.IsStreamEnabled("Debug", "DebugPreference");
            }

            public bool IsVerboseEnabled { get; }
            public bool IsDebugEnabled { get; }

            public void Verbose(string message)
            {
                if (IsVerboseEnabled) _cmdlet.PostToPipeline(() => _cmdlet.WriteVerbose(message));
            }

            public void Debug(string message)
            {
                if (IsDebugEnabled) _cmdlet.PostToPipeline(() => _cmdlet.WriteDebug(message));
            }

            public void Warning(string message) => _cmdlet.PostToPipeline(() => _cmdlet.WriteWarning(message));

            public void Retrying(RetryNotice notice) => _cmdlet.PostToPipeline(() => _cmdlet.ShowRetry(notice));
        }
    }
}
