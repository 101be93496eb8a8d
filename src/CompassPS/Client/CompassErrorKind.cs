namespace CompassPS.Client
{
    /// <summary>
    /// What went wrong, in the terms a user acts on. Each kind maps to one stable ErrorId
    /// (<c>CompassPS.&lt;Kind&gt;</c>) in the cmdlet layer; see docs/architecture.md.
    /// </summary>
    public enum CompassErrorKind
    {
        /// <summary>404: the object does not exist, or belongs to another project.</summary>
        NotFound,
        /// <summary>401: no key, or a key the server does not know.</summary>
        Unauthorized,
        /// <summary>403 with code ADMIN_KEY_REQUIRED: a member key on an admin-only write.</summary>
        AdminKeyRequired,
        /// <summary>Any other 403.</summary>
        Forbidden,
        /// <summary>409: the request conflicts with the object's state.</summary>
        Conflict,
        /// <summary>400 or 422: the server rejected the request's content.</summary>
        ValidationFailed,
        /// <summary>Another 4xx the API does not document.</summary>
        RequestRejected,
        /// <summary>429 after every retry.</summary>
        RateLimited,
        /// <summary>5xx after every retry.</summary>
        ServerError,
        /// <summary>A body that is not what the API sends: HTML, invalid or truncated JSON, wrong types, too large.</summary>
        InvalidResponse,
        /// <summary>The server could not be reached, or the connection broke, after every retry.</summary>
        ConnectionFailed,
        /// <summary>A request, wait or stream took longer than allowed.</summary>
        Timeout,
        /// <summary>No context: neither -Context, Connect-Compass, nor the environment variables.</summary>
        NotConnected,
        /// <summary>Plain http to a host other than loopback without -AllowUnencryptedAuthentication.</summary>
        InsecureTransport,
        /// <summary>The user's input cannot be turned into a request.</summary>
        InvalidInput,
    }
}
