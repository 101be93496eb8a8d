using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace CompassPS.Client
{
    /// <summary>
    /// The Compass API over one <see cref="CompassTransport"/>. This file holds the request pipeline shared by
    /// every area (retries, timeouts, error decoding, JSON, paging); each area adds its calls in a partial file
    /// <c>CompassClient.&lt;Area&gt;.cs</c>. Knows nothing of PowerShell. Cheap to create: one per cmdlet invocation,
    /// so that each invocation has its own log.
    /// </summary>
    public sealed partial class CompassClient
    {
        // A run tree nests two JSON levels per step; sub-workflows nest all the way down, past the parser's default 64.
        private static readonly JsonDocumentOptions DocumentOptions = new JsonDocumentOptions { MaxDepth = 512 };

        private static readonly MediaTypeHeaderValue JsonContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        private static readonly MediaTypeWithQualityHeaderValue EventStreamAccept = new MediaTypeWithQualityHeaderValue("text/event-stream");

        private readonly CompassTransport _transport;
        private readonly ICompassLog _log;

        public CompassClient(CompassTransport transport, ICompassLog? log = null)
        {
            _transport = transport ?? throw new ArgumentNullException(nameof(transport));
            // Lines quote what the server sent (reason phrases, ids, links): each is masked on its way out.
            _log = log is null || log is NullCompassLog ? NullCompassLog.Instance : new MaskingLog(log, transport.Options.ApiKey);
        }

        public CompassClientOptions Options => _transport.Options;

        // ---- JSON calls ---------------------------------------------------------------------------------

        internal async Task<T> SendJsonAsync<T>(CompassRequest request, Func<JsonElement, T> map, CancellationToken cancellationToken)
        {
            var (response, body) = await SendAsync(request, readBody: true, cancellationToken).ConfigureAwait(false);
            using (response)
            {
                return Decode(request, response, body!, root => map(root));
            }
        }

        /// <summary>
        /// Pages of a collection, fetched one at a time as the caller asks for the next: limit and offset come
        /// from <paramref name="skip"/> and <paramref name="first"/> so nothing beyond what is wanted is fetched.
        /// When the server names a next page (<c>next</c> / <c>next_cursor</c>: a cursor, or a link on the same
        /// server) that is followed instead of the offset. A server that never ends the list stops it with one
        /// InvalidResponse: a page with the previous page's items again, a cursor given before, or (when set) more
        /// than MaxPages pages.
        /// </summary>
        internal async IAsyncEnumerable<ListPage<T>> ListAsync<T>(
            string collectionPath,
            IEnumerable<KeyValuePair<string, string?>> filters,
            ulong skip,
            ulong? first,
            Func<JsonElement, T> map,
            [EnumeratorCancellation] CancellationToken cancellationToken,
            int? pageSize = null)
        {
            var filterList = filters.Where(f => !string.IsNullOrEmpty(f.Value)).ToList();
            var limitPerPage = (ulong)Math.Max(1, Math.Min(pageSize ?? Options.PageSize, CompassClientOptions.MaxPageSize));
            var offset = skip;
            var remaining = first;
            string? cursor = null;
            // Hashes, not the cursors: a server choosing long cursors must not grow what a listing holds page by page.
            var cursorsSeen = new HashSet<ulong>();
            IReadOnlyList<string>? previousKeys = null;
            var pages = 0;
            while (remaining is null || remaining > 0)
            {
                var limit = remaining is ulong r ? Math.Min(r, limitPerPage) : limitPerPage;
                var query = new List<KeyValuePair<string, string?>>(filterList)
                {
                    new KeyValuePair<string, string?>("limit", limit.ToString(CultureInfo.InvariantCulture)),
                };
                string pathAndQuery;
                if (cursor is null)
                {
                    query.Add(new KeyValuePair<string, string?>("offset", offset.ToString(CultureInfo.InvariantCulture)));
                    pathAndQuery = collectionPath + QueryString(query);
                }
                else
                {
                    pathAndQuery = NextPagePath(collectionPath, query, cursor);
                }
                var request = new CompassRequest(HttpMethod.Get, pathAndQuery, RequestSafety.Idempotent);
                var page = await SendJsonAsync(request, root => ResponseDecoding.DecodeList(root, map), cancellationToken).ConfigureAwait(false);
                pages++;

                // A page with exactly the items of the one before is a server ignoring the offset or cursor: asking
                // again would bring the same page for ever (a live list shifting by a whole page between two
                // requests looks the same, and is as good a reason to stop and say so).
                if (previousKeys != null && page.ItemKeys.Count > 0 && page.ItemKeys.SequenceEqual(previousKeys, StringComparer.Ordinal))
                {
                    throw InvalidResponse(request, null, null, string.Format(CultureInfo.InvariantCulture,
                        "page {0} holds the same {1} item(s) as page {2} (first id '{3}'): the server does not move on to the next page, so the listing stops here.",
                        pages, page.ItemKeys.Count, pages - 1, Shown(page.ItemKeys[0])));
                }
                previousKeys = page.ItemKeys;

                // A server that ignores limit (or sends a bare array) has given everything it will give: take what
                // is wanted and stop, rather than asking again for an offset it would ignore.
                var unpaged = page.IsBareArray || (ulong)page.Items.Count > limit;
                IReadOnlyList<T> items = page.Items;
                if (remaining is ulong want && (ulong)items.Count > want) items = items.Take((int)want).ToList();
                if (items.Count > 0 || page.Total.HasValue)
                {
                    yield return new ListPage<T>(items, page.Total, page.HasMore, page.IsBareArray) { Next = page.Next, ItemKeys = page.ItemKeys };
                }
                offset += (ulong)page.Items.Count;
                if (remaining.HasValue) remaining -= (ulong)items.Count;
                var exhausted = unpaged
                    || page.Items.Count == 0
                    || page.HasMore == false
                    || (page.Next is null && page.Total is long total && (long)offset >= total)
                    || (page.HasMore is null && page.Total is null && (ulong)page.Items.Count < limit);
                if (exhausted || remaining == 0) yield break;
                if (page.Next != null)
                {
                    if (page.Next.Length > MaxCursorLength)
                    {
                        throw InvalidResponse(request, null, null, string.Format(CultureInfo.InvariantCulture,
                            "page {0} names a next page {1} characters long, more than the {2} CompassPS sends.", pages, page.Next.Length, MaxCursorLength));
                    }
                    if (!cursorsSeen.Add(Fnv1a(page.Next)))
                    {
                        throw InvalidResponse(request, null, null, string.Format(CultureInfo.InvariantCulture,
                            "page {0} names as its next page '{1}', which was followed before: the server's cursor does not move, so the listing stops here.",
                            pages, Shown(page.Next)));
                    }
                    cursor = page.Next;
                }
                if (Options.MaxPages > 0 && pages >= Options.MaxPages)
                {
                    throw InvalidResponse(request, null, null, string.Format(CultureInfo.InvariantCulture,
                        "the server still has more after {0} pages, the most one listing fetches (COMPASS_MAX_PAGES); narrow the listing with filters or -First.",
                        pages));
                }
            }
        }

        /// <summary>The longest next cursor or link followed (it becomes part of a URL).</summary>
        internal const int MaxCursorLength = 16 * 1024;

        private static ulong Fnv1a(string text)
        {
            var hash = 14695981039346656037UL;
            foreach (var ch in text)
            {
                hash = (hash ^ ch) * 1099511628211UL;
            }
            return hash;
        }

        /// <summary>
        /// The request for a page the server named: a link on this server (absolute, or a path, or a query on the
        /// collection) is requested as it is; anything else is an opaque cursor, sent as <c>cursor</c> with the
        /// filters and the limit. A link to another server is refused: following it would send the key there.
        /// </summary>
        private string NextPagePath(string collectionPath, List<KeyValuePair<string, string?>> query, string next)
        {
            var basePath = Options.BaseUrl.AbsolutePath.TrimEnd('/');
            if (next.StartsWith("?", StringComparison.Ordinal)) return collectionPath + next;
            if (next.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || next.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            {
                if (!Uri.TryCreate(next, UriKind.Absolute, out var link)
                    || Uri.Compare(link, Options.BaseUrl, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0
                    || !link.AbsolutePath.StartsWith(basePath + "/", StringComparison.Ordinal))
                {
                    throw new CompassApiException(CompassErrorKind.InvalidResponse,
                        $"GET {collectionPath}: the server names its next page at '{Shown(next)}', which is not on {Options.BaseUrl.GetLeftPart(UriPartial.Authority)}{basePath}; " +
                        "CompassPS never follows it there, because that would send the API key on.") { Request = "GET " + collectionPath };
                }
                return link.PathAndQuery.Substring(basePath.Length);
            }
            if (next.StartsWith("/", StringComparison.Ordinal))
            {
                return basePath.Length > 0 && next.StartsWith(basePath + "/", StringComparison.Ordinal) ? next.Substring(basePath.Length) : next;
            }
            query.Add(new KeyValuePair<string, string?>("cursor", next));
            return collectionPath + QueryString(query);
        }

        internal static string QueryString(IEnumerable<KeyValuePair<string, string?>> parameters)
        {
            var builder = new StringBuilder();
            foreach (var p in parameters)
            {
                if (p.Value is null) continue;
                builder.Append(builder.Length == 0 ? '?' : '&').Append(Uri.EscapeDataString(p.Key)).Append('=').Append(Uri.EscapeDataString(p.Value));
            }
            return builder.ToString();
        }

        /// <summary>An id placed in a path: escaped, and never empty (an empty id would turn an item path into a list).</summary>
        internal static string PathSegment(string id, string what)
        {
            if (string.IsNullOrWhiteSpace(id)) throw new CompassApiException(CompassErrorKind.InvalidInput, $"The {what} must not be empty.");
            return Uri.EscapeDataString(id.Trim());
        }

        private T Decode<T>(CompassRequest request, HttpResponseMessage response, byte[] body, Func<JsonElement, T> map)
        {
            if (body.Length == 0)
            {
                throw InvalidResponse(request, response, body, "The answer had an empty body where JSON was expected.");
            }
            try
            {
                using var document = JsonDocument.Parse(body, DocumentOptions);
                return map(document.RootElement);
            }
            catch (JsonException ex)
            {
                throw InvalidResponse(request, response, body, "The answer is not valid JSON (" + FirstLine(ex.Message) + ").");
            }
            catch (JsonShapeException ex)
            {
                throw InvalidResponse(request, response, body, "The answer does not have the expected shape: " + ex.Message);
            }
            catch (InvalidOperationException ex)
            {
                throw InvalidResponse(request, response, body, "The answer does not have the expected shape: " + ex.Message);
            }
        }

        private static string FirstLine(string text)
        {
            var newline = text.IndexOf('\n');
            return (newline < 0 ? text : text.Substring(0, newline)).Trim();
        }

        /// <summary>An unexpected answer; the body's first bytes are quoted with the API key masked (proxies echo headers).</summary>
        private CompassApiException InvalidResponse(CompassRequest request, HttpResponseMessage? response, byte[]? body, string reason)
        {
            var status = response is null ? "" : $" (HTTP {(int)response.StatusCode})";
            var preview = body is null ? null : ResponseDecoding.Preview(body, Options.ApiKey);
            var message = ResponseDecoding.Redact($"{request.Describe()}{status}: {reason}", Options.ApiKey)
                + (preview is null ? "" : " The body starts: " + preview);
            return new CompassApiException(CompassErrorKind.InvalidResponse, message)
            {
                StatusCode = response?.StatusCode,
                Request = ResponseDecoding.Redact(request.Describe(), Options.ApiKey),
                RequestId = response is null ? null : RequestIdOf(response),
                BodyPreview = preview,
            };
        }

        // ---- The request pipeline ----------------------------------------------------------------------

        /// <summary>
        /// Sends a request with retries and returns a 2xx answer. With <paramref name="readBody"/> the body is read
        /// (bounded, inside the attempt's deadline, so a body cut mid-way is retried like any other failure);
        /// without it the caller owns the still-open response (streams). Anything else becomes a CompassApiException.
        /// </summary>
        internal async Task<(HttpResponseMessage Response, byte[]? Body)> SendAsync(CompassRequest request, bool readBody, CancellationToken cancellationToken)
        {
            var options = Options;
            var maxRetries = Math.Max(0, options.MaxRetries);
            // All attempts of this call together, waits included, end by this point (TotalTimeoutSec; 0 = no limit).
            var callStarted = Stopwatch.GetTimestamp();
            var total = options.TotalTimeoutSec > 0 ? TimeSpan.FromSeconds(options.TotalTimeoutSec) : (TimeSpan?)null;
            for (var attempt = 0; ; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var perAttempt = TimeSpan.FromSeconds(Math.Max(1, options.TimeoutSec));
                var left = total - Elapsed(callStarted);
                // The attempt gets what is left of the call's time when that is less than its own limit: the total
                // limit then fires as this attempt's timeout and the error names it.
                var cutByTotal = left.HasValue && left.Value < perAttempt;
                var attemptLimit = cutByTotal ? (left!.Value > TimeSpan.Zero ? left.Value : TimeSpan.Zero) : perAttempt;
                HttpResponseMessage? response = null;
                byte[]? body = null;
                FailureStage stage;
                CompassApiException failure;
                double? retryAfter = null;
                var started = Stopwatch.GetTimestamp();
                using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    if (attemptLimit > TimeSpan.Zero) deadline.CancelAfter(attemptLimit);
                    else deadline.Cancel();
                    try
                    {
                        using var message = BuildMessage(request);
                        LogRequest(message, attempt);
                        response = await _transport.Http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
                        if (!IsSuccess(response))
                        {
                            body = await ReadErrorBodyAsync(response, deadline.Token).ConfigureAwait(false);
                        }
                        else if (readBody)
                        {
                            body = await ReadBodyAsync(request, response, deadline.Token).ConfigureAwait(false);
                        }
                        LogResponse(response, body, started);
                        if (IsSuccess(response))
                        {
                            return (response, body);
                        }
                        failure = ErrorFromResponse(request, response, body ?? Array.Empty<byte>());
                        stage = RetryPolicy.StageOf(response.StatusCode);
                        retryAfter = RetryPolicy.ParseRetryAfter(response);
                        failure.RetryAfterSeconds = retryAfter;
                        response.Dispose();
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        response?.Dispose();
                        throw;
                    }
                    catch (OperationCanceledException ex) when (cutByTotal)
                    {
                        response?.Dispose();
                        // The call's own time is up: no retry could help, whatever the request.
                        failure = new CompassApiException(CompassErrorKind.Timeout, string.Format(CultureInfo.InvariantCulture,
                            "{0}: no complete answer within the {1} s that all attempts of one call may take together (TotalTimeoutSec); {2} attempt(s) made.",
                            request.Describe(), options.TotalTimeoutSec, attempt + 1), ex) { Request = request.Describe() };
                        stage = FailureStage.Permanent;
                    }
                    catch (OperationCanceledException ex)
                    {
                        response?.Dispose();
                        failure = new CompassApiException(CompassErrorKind.Timeout,
                            $"{request.Describe()}: no complete answer within {options.TimeoutSec} s (TimeoutSec, the limit of one attempt).", ex) { Request = request.Describe() };
                        stage = FailureStage.Ambiguous;
                    }
                    catch (CompassApiException ex)
                    {
                        response?.Dispose();
                        failure = ex;
                        stage = ex.Kind == CompassErrorKind.ConnectionFailed ? FailureStage.Ambiguous : FailureStage.Permanent;
                    }
                    catch (Exception ex) when (ex is HttpRequestException || ex is IOException || ex is ObjectDisposedException)
                    {
                        response?.Dispose();
                        stage = RetryPolicy.StageOf(ex);
                        failure = new CompassApiException(CompassErrorKind.ConnectionFailed,
                            $"{request.Describe()}: could not reach {options.BaseUrl.GetLeftPart(UriPartial.Authority)}: {Innermost(ex)}", ex) { Request = request.Describe() };
                    }
                }

                if (attempt >= maxRetries || !RetryPolicy.MayRetry(request.Safety, stage))
                {
                    if (attempt > 0 && RetryPolicy.MayRetry(request.Safety, stage))
                    {
                        failure = failure.WithMessageSuffix($" (gave up after {attempt + 1} attempts)");
                    }
                    throw Scrubbed(failure);
                }
                var delay = RetryPolicy.Delay(options, attempt + 1, retryAfter);
                if (total.HasValue && Elapsed(callStarted) + delay >= total.Value)
                {
                    // The next attempt could not start within the call's time: say so rather than wait for nothing.
                    throw Scrubbed(failure.WithMessageSuffix(string.Format(CultureInfo.InvariantCulture,
                        " (gave up after {0} attempt(s): the next retry would pass the {1} s that all attempts of one call may take together, TotalTimeoutSec)",
                        attempt + 1, options.TotalTimeoutSec)));
                }
                NotifyRetry(request.Describe(), failure, attempt + 1, maxRetries, delay, isReconnect: false);
                if (_log.IsVerboseEnabled)
                {
                    var why = failure.StatusCode is HttpStatusCode s ? $"HTTP {(int)s}" : failure.Kind.ToString();
                    var waitReason = retryAfter.HasValue ? " (Retry-After)" : "";
                    _log.Verbose(string.Format(CultureInfo.InvariantCulture, "{0}: {1}; retry {2} of {3} in {4:0.##} s{5}.",
                        request.Describe(), why, attempt + 1, maxRetries, delay.TotalSeconds, waitReason));
                }
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }

        private static TimeSpan Elapsed(long started) =>
            TimeSpan.FromSeconds((Stopwatch.GetTimestamp() - started) / (double)Stopwatch.Frequency);

        /// <summary>Hands a retry to a log that wants notices (<see cref="ICompassRetryLog"/>).</summary>
        internal void NotifyRetry(string operation, Exception? failure, int attempt, int maxAttempts, TimeSpan delay, bool isReconnect)
        {
            if (!(_log is ICompassRetryLog retries)) return;
            string reason;
            if (failure is CompassApiException api && api.StatusCode is HttpStatusCode status)
            {
                reason = "HTTP " + (int)status + (string.IsNullOrEmpty(api.ServerMessage) ? "" : ": " + api.ServerMessage!.TrimEnd('.', ' '));
            }
            else
            {
                // The core's messages start with the request ("GET /v1/runs/x: could not reach ..."): the notice names it already.
                var message = failure?.Message ?? "no answer";
                var prefix = operation + ": ";
                reason = message.StartsWith(prefix, StringComparison.Ordinal) ? message.Substring(prefix.Length) : message;
            }
            // _log is a MaskingLog: the key a server echoes into its message is masked there, as in every line.
            retries.Retrying(new RetryNotice(operation, reason, attempt, maxAttempts, delay, isReconnect));
        }

        private static bool IsSuccess(HttpResponseMessage response) => (int)response.StatusCode >= 200 && (int)response.StatusCode < 300;

        private HttpRequestMessage BuildMessage(CompassRequest request)
        {
            var message = new HttpRequestMessage(request.Method, _transport.BuildUri(request.PathAndQuery));
            message.Headers.Authorization = _transport.AuthorizationHeader;
            if (!string.IsNullOrEmpty(Options.ProjectId)) message.Headers.TryAddWithoutValidation("X-Compass-Project-Id", Options.ProjectId);
            if (request.IdempotencyKey != null) message.Headers.TryAddWithoutValidation("Idempotency-Key", request.IdempotencyKey);
            if (request.AcceptEventStream)
            {
                message.Headers.Accept.Clear();
                message.Headers.Accept.Add(EventStreamAccept);
                message.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
            }
            if (request.LastEventId != null) message.Headers.TryAddWithoutValidation("Last-Event-ID", request.LastEventId);
            if (request.JsonBody != null)
            {
                var content = new ByteArrayContent(request.JsonBody);
                content.Headers.ContentType = JsonContentType;
                message.Content = content;
            }
            return message;
        }

        private async Task<byte[]> ReadBodyAsync(CompassRequest request, HttpResponseMessage response, CancellationToken cancellationToken)
        {
            var max = Options.MaxResponseBytes;
            var declared = response.Content.Headers.ContentLength;
            if (declared > max)
            {
                throw InvalidResponse(request, response, null, $"The body is {declared} bytes, more than the {max} bytes CompassPS reads.");
            }
            using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            using (cancellationToken.Register(() => stream.Dispose()))
            {
                if (declared is long length && length > 0)
                {
                    // The usual answer declares its length: read it straight into an array of that size.
                    var exact = new byte[length];
                    var filled = 0;
                    while (filled < exact.Length)
                    {
                        var read = await ReadChunkAsync(stream, exact, filled, cancellationToken).ConfigureAwait(false);
                        if (read == 0) break;
                        filled += read;
                    }
                    if (filled < exact.Length) Array.Resize(ref exact, filled);
                    return exact;
                }
                return await ReadUndeclaredBodyAsync(request, response, stream, max, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>The most of an error answer's body that is read: enough for any Compass error, and for a preview.</summary>
        internal const int MaxErrorBodyBytes = 1024 * 1024;

        /// <summary>
        /// The body of an error answer, cut at <see cref="MaxErrorBodyBytes"/> (or MaxResponseBytes if smaller) rather
        /// than refused: its status still decides what happens (a 503 page of any size is retried), and a cut body
        /// that is not a Compass error is reported with its first bytes like any other.
        /// </summary>
        private async Task<byte[]> ReadErrorBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
        {
            var max = (int)Math.Max(0, Math.Min(Options.MaxResponseBytes, MaxErrorBodyBytes));
            var declared = response.Content.Headers.ContentLength;
            using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            using (cancellationToken.Register(() => stream.Dispose()))
            {
                var buffer = new byte[declared is long length && length >= 0 && length < max ? (int)length : Math.Min(max, 16 * 1024)];
                var filled = 0;
                while (filled < max)
                {
                    if (filled == buffer.Length) Array.Resize(ref buffer, Math.Min(max, buffer.Length * 2));
                    var read = await ReadChunkAsync(stream, buffer, filled, cancellationToken).ConfigureAwait(false);
                    if (read == 0) break;
                    filled += read;
                }
                if (filled < buffer.Length) Array.Resize(ref buffer, filled);
                return buffer;
            }
        }

        /// <summary>A body without Content-Length (chunked), read in chunks up to the size limit.</summary>
        private async Task<byte[]> ReadUndeclaredBodyAsync(CompassRequest request, HttpResponseMessage response, Stream stream, long max, CancellationToken cancellationToken)
        {
            using var buffer = new MemoryStream(4096);
            var chunk = new byte[16 * 1024];
            while (true)
            {
                var read = await ReadChunkAsync(stream, chunk, 0, cancellationToken).ConfigureAwait(false);
                if (read == 0) break;
                if (buffer.Length + read > max)
                {
                    throw InvalidResponse(request, response, buffer.ToArray(), $"The body is larger than the {max} bytes CompassPS reads.");
                }
                buffer.Write(chunk, 0, read);
            }
            return buffer.ToArray();
        }

        /// <summary>One read; a stream disposed by the cancellation callback reports the cancellation, not the disposal.</summary>
        private static async Task<int> ReadChunkAsync(Stream stream, byte[] into, int offset, CancellationToken cancellationToken)
        {
            try
            {
                return await stream.ReadAsync(into, offset, into.Length - offset, cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectDisposedException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
        }

        private CompassApiException ErrorFromResponse(CompassRequest request, HttpResponseMessage response, byte[] body)
        {
            var status = response.StatusCode;
            if ((int)status >= 300 && (int)status < 400)
            {
                var location = Shown(response.Headers.Location?.OriginalString) ?? "(no location)";
                return new CompassApiException(CompassErrorKind.InvalidResponse,
                    $"{request.Describe()} (HTTP {(int)status}): the server redirects to {location}. CompassPS never follows a redirect, " +
                    "because that would send the API key on; check -BaseUrl (scheme, host and path).")
                {
                    StatusCode = status, Request = request.Describe(), RequestId = RequestIdOf(response),
                };
            }
            var error = ResponseDecoding.DecodeError(body);
            if (error is null)
            {
                // Not a Compass error body: typically an HTML page from a proxy or gateway in front of the server.
                return InvalidResponse(request, response, body, $"the server answered {(int)status} {Shown(response.ReasonPhrase)} with a body that is not a Compass error.");
            }
            var kind = ResponseDecoding.KindOf(status, error.Code);
            // The server's own words, with the key masked should it repeat what it was sent.
            error.Message = ResponseDecoding.Redact(error.Message, Options.ApiKey);
            error.Code = Shown(error.Code);
            var serverText = (error.Message ?? Shown(response.ReasonPhrase) ?? status.ToString()).TrimEnd('.', ' ');
            var code = error.Code is null ? "" : $" [{error.Code}]";
            return new CompassApiException(kind, $"{request.Describe()}: {serverText} (HTTP {(int)status}{code}).")
            {
                StatusCode = status,
                CompassCode = error.Code,
                ServerMessage = error.Message,
                RequestId = RequestIdOf(response),
                Request = request.Describe(),
            };
        }

        private static readonly string[] RequestIdHeaders = { "X-Request-Id", "Request-Id", "X-Correlation-Id" };

        /// <summary>The server's request id, as it may be shown (see <see cref="Shown"/>).</summary>
        internal string? RequestIdOf(HttpResponseMessage response)
        {
            foreach (var name in RequestIdHeaders)
            {
                if (response.Headers.TryGetValues(name, out var values)) return Shown(values.FirstOrDefault());
            }
            return null;
        }

        /// <summary>Server-sent text a cmdlet quotes in a message of its own, with the key masked in any of its encodings.</summary>
        internal string? MaskSecret(string? text) => ResponseDecoding.Redact(text, Options.ApiKey);

        /// <summary>Longest header value or reason phrase quoted in a message, property or log line.</summary>
        internal const int ShownValueLength = 200;

        /// <summary>
        /// A value the server chose (a header, the reason phrase) as it may reach a message, a property or a log line:
        /// the key masked in any of its encodings (a proxy may echo it anywhere), control characters replaced, and
        /// cut to <see cref="ShownValueLength"/> characters.
        /// </summary>
        internal string? Shown(string? value)
        {
            if (string.IsNullOrEmpty(value)) return value;
            var masked = ResponseDecoding.Redact(value, Options.ApiKey)!;
            var builder = new StringBuilder(Math.Min(masked.Length, ShownValueLength) + 1);
            for (var i = 0; i < masked.Length && builder.Length < ShownValueLength; i++) builder.Append(char.IsControl(masked[i]) ? ' ' : masked[i]);
            if (masked.Length > ShownValueLength) builder.Append('…');
            return builder.ToString();
        }

        /// <summary>
        /// The last guard before a failure leaves the client: the key masked in every text it carries, whatever built
        /// it (a runtime's exception message can quote what the server sent too).
        /// </summary>
        private CompassApiException Scrubbed(CompassApiException failure)
        {
            var key = Options.ApiKey;
            var message = ResponseDecoding.Redact(failure.Message, key)!;
            var serverMessage = ResponseDecoding.Redact(failure.ServerMessage, key);
            var requestId = ResponseDecoding.Redact(failure.RequestId, key);
            var bodyPreview = ResponseDecoding.Redact(failure.BodyPreview, key);
            var code = ResponseDecoding.Redact(failure.CompassCode, key);
            var requestText = ResponseDecoding.Redact(failure.Request, key);
            if (message == failure.Message && serverMessage == failure.ServerMessage && requestId == failure.RequestId
                && bodyPreview == failure.BodyPreview && code == failure.CompassCode && requestText == failure.Request)
            {
                return failure;
            }
            return new CompassApiException(failure.Kind, message, failure.InnerException is CompassApiException ? failure.InnerException : null)
            {
                StatusCode = failure.StatusCode, CompassCode = code, ServerMessage = serverMessage,
                RequestId = requestId, Request = requestText, BodyPreview = bodyPreview, RetryAfterSeconds = failure.RetryAfterSeconds,
            };
        }

        private static string Innermost(Exception ex)
        {
            var e = ex;
            while (e.InnerException != null) e = e.InnerException;
            return e.Message;
        }

        private void LogRequest(HttpRequestMessage message, int attempt)
        {
            if (!_log.IsDebugEnabled) return;
            var builder = new StringBuilder();
            builder.Append("HTTP ").Append(message.Method.Method).Append(' ').Append(message.RequestUri);
            if (attempt > 0) builder.Append(" (attempt ").Append(attempt + 1).Append(')');
            // Every header is listed, the Authorization value masked: the key never reaches a log.
            builder.Append(" | Authorization: Bearer ********");
            foreach (var header in message.Headers)
            {
                if (string.Equals(header.Key, "Authorization", StringComparison.OrdinalIgnoreCase)) continue;
                if (string.Equals(header.Key, "User-Agent", StringComparison.OrdinalIgnoreCase)) continue;
                builder.Append(" | ").Append(header.Key).Append(": ").Append(string.Join(", ", header.Value));
            }
            if (message.Content != null) builder.Append(" | body ").Append(message.Content.Headers.ContentLength ?? 0).Append(" bytes");
            _log.Debug(builder.ToString());
        }

        private void LogResponse(HttpResponseMessage response, byte[]? body, long started)
        {
            if (!_log.IsDebugEnabled) return;
            var requestId = RequestIdOf(response);
            _log.Debug(string.Format(CultureInfo.InvariantCulture, "HTTP {0} {1} in {2} ms{3}{4}",
                (int)response.StatusCode, Shown(response.ReasonPhrase), (Stopwatch.GetTimestamp() - started) * 1000 / Stopwatch.Frequency,
                body is null ? " (streaming)" : $", {body.Length} bytes",
                requestId is null ? "" : ", request id " + requestId));
        }
    }
}
