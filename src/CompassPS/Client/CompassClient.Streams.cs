using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net.Http;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace CompassPS.Client
{
    public sealed partial class CompassClient
    {
        /// <summary>
        /// The events of a run, from the one after <paramref name="afterSeq"/> to the run's terminal event, each once
        /// and in order. A dropped stream is reopened with Last-Event-ID (events already delivered are skipped by
        /// seq); after MaxRetries failed reconnects in a row the run is polled until it ends, and its stream is then
        /// replayed once for the events still missing. Keepalive comments never surface.
        /// </summary>
        public async IAsyncEnumerable<RunEvent> StreamRunEventsAsync(string runId, long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var path = "/v1/streams/" + PathSegment(runId, "run id");
            var last = afterSeq;
            var failures = 0;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Exception? failure = null;
                var endedCleanly = false;
                var progressed = false;
                EventConnection? connection = null;
                try
                {
                    connection = await OpenEventsAsync(path, runId, last, cancellationToken).ConfigureAwait(false);
                }
                catch (CompassApiException ex) when (IsStreamTransient(ex))
                {
                    failure = ex;
                }

                if (connection != null)
                {
                    using (connection)
                    {
                        while (true)
                        {
                            RunEvent? next = null;
                            try
                            {
                                if (!await connection.MoveNextAsync().ConfigureAwait(false))
                                {
                                    endedCleanly = true;
                                    break;
                                }
                                next = connection.Current;
                            }
                            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                            {
                                throw;
                            }
                            catch (Exception ex) when (ex is IOException || ex is HttpRequestException || ex is OperationCanceledException || ex is ObjectDisposedException)
                            {
                                failure = ex;
                                break;
                            }
                            if (next.Seq <= last) continue; // replayed after a reconnect: already delivered
                            if (next.Seq > last + 1 && _log.IsVerboseEnabled)
                            {
                                _log.Verbose($"Run {runId}: the stream skipped from event {last} to {next.Seq}.");
                            }
                            last = next.Seq;
                            failures = 0;
                            progressed = true;
                            yield return next;
                            if (next.IsTerminal) yield break;
                        }
                    }
                }

                if (endedCleanly && progressed)
                {
                    // Closed mid-run after delivering events (a proxy's or server's cut): resume at once. The run may
                    // have ended meanwhile; a finished run's stream replays the rest and closes, so nothing is lost.
                    if (_log.IsVerboseEnabled) _log.Verbose($"Run {runId}: the stream closed after event {last}; resuming from there.");
                    continue;
                }
                if (endedCleanly)
                {
                    // The server closed the stream without the run's final event and without anything new. If the
                    // run has ended, its final event is not coming: report the end from the run itself.
                    var run = await GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
                    if (run.IsTerminal)
                    {
                        _log.Warning($"Run {runId} ended ({run.Status}) but its stream closed after event {last} without the final event.");
                        yield return RunEvent.Synthesized(run, last + 1);
                        yield break;
                    }
                    failure = new IOException("The stream closed before the run ended.");
                }

                failures++;
                if (failures > Math.Max(0, Options.MaxRetries))
                {
                    if (_log.IsVerboseEnabled) _log.Verbose($"Run {runId}: streaming failed {failures} times in a row ({Describe(failure)}); polling the run until it ends.");
                    await foreach (var e in PollUntilEndAsync(path, runId, last, cancellationToken).ConfigureAwait(false))
                    {
                        yield return e;
                    }
                    yield break;
                }
                var delay = RetryPolicy.Delay(Options, failures, (failure as CompassApiException)?.RetryAfterSeconds);
                NotifyRetry($"The event stream of run {runId} (after event {last})", failure, failures, Options.MaxRetries, delay, isReconnect: true);
                if (_log.IsVerboseEnabled)
                {
                    _log.Verbose(string.Format(CultureInfo.InvariantCulture, "Run {0}: stream interrupted after event {1} ({2}); reconnecting in {3:0.##} s (attempt {4} of {5}).",
                        runId, last, Describe(failure), delay.TotalSeconds, failures, Options.MaxRetries));
                }
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }

        private static string Describe(Exception? failure) => failure is null ? "no reason" : failure.Message;

        /// <summary>Failures a reconnect may cure; NotFound, Unauthorized or a bad body end the watch at once.</summary>
        private static bool IsStreamTransient(CompassApiException ex) =>
            ex.Kind == CompassErrorKind.ConnectionFailed || ex.Kind == CompassErrorKind.Timeout
            || ex.Kind == CompassErrorKind.ServerError || ex.Kind == CompassErrorKind.RateLimited;

        private async IAsyncEnumerable<RunEvent> PollUntilEndAsync(string path, string runId, long last, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var interval = TimeSpan.FromMilliseconds(250);
            Run run;
            while (true)
            {
                run = await GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
                if (run.IsTerminal) break;
                await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
                interval = TimeSpan.FromMilliseconds(Math.Min(interval.TotalMilliseconds * 1.5, 5000));
            }

            // A finished run's stream replays and closes: one try to deliver the events still missing.
            var delivered = false;
            var replay = new List<RunEvent>();
            try
            {
                using var connection = await OpenEventsAsync(path, runId, last, cancellationToken).ConfigureAwait(false);
                while (await connection.MoveNextAsync().ConfigureAwait(false))
                {
                    var e = connection.Current;
                    if (e.Seq <= last) continue;
                    replay.Add(e);
                    if (e.IsTerminal) break;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (ex is CompassApiException || ex is IOException || ex is HttpRequestException || ex is OperationCanceledException)
            {
                if (_log.IsVerboseEnabled) _log.Verbose($"Run {runId}: the final replay failed ({ex.Message}).");
            }
            foreach (var e in replay)
            {
                last = e.Seq;
                delivered |= e.IsTerminal;
                yield return e;
            }
            if (!delivered)
            {
                _log.Warning($"Run {runId} ended ({run.Status}); its events after {last} could not be streamed.");
                yield return RunEvent.Synthesized(run, last + 1);
            }
        }

        private async Task<EventConnection> OpenEventsAsync(string path, string runId, long last, CancellationToken cancellationToken)
        {
            var request = new CompassRequest(HttpMethod.Get, path, RequestSafety.Idempotent)
            {
                AcceptEventStream = true,
                LastEventId = last > 0 ? last.ToString(CultureInfo.InvariantCulture) : null,
            };
            var (response, _) = await SendAsync(request, readBody: false, cancellationToken).ConfigureAwait(false);
            try
            {
                var mediaType = response.Content.Headers.ContentType?.MediaType;
                if (!string.Equals(mediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
                {
                    var body = await ReadBodyAsync(request, response, cancellationToken).ConfigureAwait(false);
                    throw InvalidResponse(request, response, body, $"expected an event stream (text/event-stream), got '{mediaType ?? "no content type"}'.");
                }
                var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                var idle = new IdleTimeoutStream(stream, TimeSpan.FromSeconds(Math.Max(1, Options.StreamIdleSec)));
                return new EventConnection(this, request, response, idle, runId, cancellationToken);
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }

        /// <summary>One open SSE response: its reader and the events decoded from it.</summary>
        private sealed class EventConnection : IDisposable
        {
            private readonly CompassClient _owner;
            private readonly CompassRequest _request;
            private readonly HttpResponseMessage _response;
            private readonly Stream _stream;
            private readonly string _runId;
            private readonly SseReader _reader;
            private readonly CancellationToken _cancellationToken;

            public EventConnection(CompassClient owner, CompassRequest request, HttpResponseMessage response, Stream stream, string runId, CancellationToken cancellationToken)
            {
                _owner = owner;
                _request = request;
                _response = response;
                _stream = stream;
                _runId = runId;
                _cancellationToken = cancellationToken;
                // The server decides how long a line or an event is: the reader holds at most MaxResponseBytes of it.
                _reader = new SseReader(stream, owner.Options.MaxResponseBytes);
            }

            public RunEvent Current { get; private set; } = null!;

            public async Task<bool> MoveNextAsync()
            {
                while (true)
                {
                    SseEvent? item;
                    try
                    {
                        item = await _reader.ReadAsync(_cancellationToken).ConfigureAwait(false);
                    }
                    catch (SseLimitException ex)
                    {
                        throw _owner.InvalidResponse(_request, _response, ex.Preview, ex.Message);
                    }
                    if (item is null) return false;
                    if (item.Data.Length == 0) continue; // an event with no data carries nothing to report
                    try
                    {
                        Current = RunEvent.Decode(item.Data, item.EventType, item.EventId, _runId);
                        return true;
                    }
                    catch (Exception ex) when (ex is JsonException || ex is JsonShapeException || ex is InvalidOperationException)
                    {
                        throw _owner.InvalidResponse(_request, _response, item.Data,
                            $"event {(_owner.Shown(item.EventId) ?? "(no id)")} ({_owner.Shown(item.EventType)}) is not a Compass event: {FirstLine(ex.Message)}");
                    }
                }
            }

            public void Dispose()
            {
                _stream.Dispose();
                _response.Dispose();
            }
        }
    }
}
