using System;
using System.Net;

namespace CompassPS.Client
{
    /// <summary>
    /// The one exception the client core throws for anything a user can meet: an error answer, a broken
    /// connection, a bad body, a timeout. It never carries the API key: messages are built only from the
    /// server's answer, the request's method and path, and the client's own text.
    /// </summary>
    public sealed class CompassApiException : Exception
    {
        /// <summary>How many bytes of an unexpected body are kept for the error message.</summary>
        public const int BodyPreviewLength = 200;

        public CompassApiException(CompassErrorKind kind, string message, Exception? inner = null)
            : base(message, inner)
        {
            Kind = kind;
        }

        public CompassErrorKind Kind { get; }

        /// <summary>The HTTP status of the last answer, when there was one.</summary>
        public HttpStatusCode? StatusCode { get; set; }

        /// <summary>The Compass error code from the body (e.g. RUN_NOT_FOUND), when the server sent one.</summary>
        public string? CompassCode { get; set; }

        /// <summary>The server's own message (the body's detail or message).</summary>
        public string? ServerMessage { get; set; }

        /// <summary>The request id the server answered with (X-Request-Id), for support.</summary>
        public string? RequestId { get; set; }

        /// <summary>"GET /v1/runs/{id}": what was asked, without host, query or headers.</summary>
        public string? Request { get; set; }

        /// <summary>The first bytes of a body that could not be understood.</summary>
        public string? BodyPreview { get; set; }

        /// <summary>Seconds the server asked to wait (Retry-After), when it did.</summary>
        public double? RetryAfterSeconds { get; set; }

        /// <summary>The same failure, every field kept, with <paramref name="suffix"/> added to its message.</summary>
        internal CompassApiException WithMessageSuffix(string suffix) =>
            new CompassApiException(Kind, Message + suffix, InnerException)
            {
                StatusCode = StatusCode, CompassCode = CompassCode, ServerMessage = ServerMessage, RequestId = RequestId, Request = Request,
                BodyPreview = BodyPreview, RetryAfterSeconds = RetryAfterSeconds,
            };

        /// <summary>
        /// This failure told in words that fit what the caller was doing (this one as the inner exception); the
        /// server's answer (status, code, message, request id, request) stays on it for error records and support.
        /// </summary>
        internal CompassApiException Rephrased(CompassErrorKind kind, string message) =>
            new CompassApiException(kind, message, this)
            {
                StatusCode = StatusCode, CompassCode = CompassCode, ServerMessage = ServerMessage, RequestId = RequestId, Request = Request,
            };
    }
}
