using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace CompassPS.Client
{
    /// <summary>
    /// A read-only view of a response stream that fails a read when nothing at all (not even a keepalive comment)
    /// arrives for the idle limit: a half-open connection then counts as a dropped stream and is resumed,
    /// instead of hanging for ever.
    /// </summary>
    internal sealed class IdleTimeoutStream : Stream
    {
        private readonly Stream _inner;
        private readonly TimeSpan _idle;

        public IdleTimeoutStream(Stream inner, TimeSpan idle)
        {
            _inner = inner;
            _idle = idle;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            // Most reads of a busy stream find data already buffered and complete at once: they need no idle timer,
            // whose setup would otherwise cost more than the read. Only a read that has to wait arms one.
            var read = _inner.ReadAsync(buffer, offset, count, cancellationToken);
            return read.IsCompleted ? read : WaitWithIdleLimitAsync(read, cancellationToken);
        }

        private async Task<int> WaitWithIdleLimitAsync(Task<int> read, CancellationToken cancellationToken)
        {
            using var idle = new CancellationTokenSource();
            idle.CancelAfter(_idle);
            // The pending read cannot take a new token, and some platforms ignore one once a socket read is pending;
            // closing the stream always ends the read.
            using (idle.Token.Register(() => _inner.Dispose()))
            {
                try
                {
                    return await read.ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && idle.IsCancellationRequested
                                           && (ex is OperationCanceledException || ex is ObjectDisposedException || ex is IOException))
                {
                    throw new IOException($"The stream sent nothing for {_idle.TotalSeconds:0.#} s.", ex);
                }
                catch (Exception ex) when (cancellationToken.IsCancellationRequested && !(ex is OperationCanceledException))
                {
                    throw new OperationCanceledException(cancellationToken);
                }
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
