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

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            idle.CancelAfter(_idle);
            // Some platforms ignore the token once a socket read is pending; closing the stream always ends the read.
            using (idle.Token.Register(() => _inner.Dispose()))
            {
                try
                {
                    return await _inner.ReadAsync(buffer, offset, count, idle.Token).ConfigureAwait(false);
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
