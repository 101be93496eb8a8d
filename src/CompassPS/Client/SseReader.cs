using System;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace CompassPS.Client
{
    /// <summary>One event of a text/event-stream, as <see cref="SseReader"/> dispatches it.</summary>
    internal sealed class SseEvent
    {
        public SseEvent(string eventType, string? eventId, byte[] data)
        {
            EventType = eventType;
            EventId = eventId;
            Data = data;
        }

        /// <summary>The <c>event:</c> field, "message" when the event had none.</summary>
        public string EventType { get; }
        /// <summary>The <c>id:</c> field given in this event's own lines, null when it had none.</summary>
        public string? EventId { get; }
        /// <summary>The event's <c>data:</c> lines, UTF-8, joined by LF.</summary>
        public byte[] Data { get; }
    }

    /// <summary>A stream that broke one of <see cref="SseReader"/>'s bounds; the caller reports it as InvalidResponse.</summary>
    internal sealed class SseLimitException : Exception
    {
        public SseLimitException(string message, byte[]? preview) : base(message) => Preview = preview;

        /// <summary>The first bytes of what was being held when the bound was passed, for the error's body preview.</summary>
        public byte[]? Preview { get; }
    }

    /// <summary>
    /// A reader of the server-sent events format (WHATWG HTML, "Server-sent events", the event stream
    /// interpretation): fields <c>data</c>, <c>event</c>, <c>id</c> and <c>retry</c>, comments, unknown fields ignored,
    /// CRLF, LF or CR line ends, a leading UTF-8 BOM, one optional space after the colon, data over several lines
    /// joined by LF, an event dispatched at a blank line only when it had data, and an unfinished event at the end of
    /// the stream discarded. An event's id is the <c>id:</c> given since the last dispatch (the persisting last id is
    /// <see cref="LastEventId"/>), as with the .NET SseParser the module used before. Works on bytes so that event data reaches the JSON decoder without a detour through
    /// strings.
    /// <para>
    /// Unlike a general-purpose parser it bounds everything it holds, because the server decides how long a line
    /// or an event is: an event's data (all its <c>data:</c> lines) and any one line (comments and unknown fields
    /// included, although their bytes are counted, not kept) may not pass <c>maxEventBytes</c>
    /// (MaxResponseBytes); the value of <c>event</c>, <c>id</c> and <c>retry</c> may not pass <c>maxFieldBytes</c>
    /// (64 KiB, or MaxResponseBytes if smaller). Passing a bound throws <see cref="SseLimitException"/> at once,
    /// without reading the rest of the line. What the reader holds is one 16 KiB read buffer, the pending event's
    /// data and at most one field value; at dispatch the data is copied once more into an array of its exact size.
    /// </para>
    /// </summary>
    internal sealed class SseReader
    {
        public const int DefaultMaxFieldBytes = 64 * 1024;
        private const int ReadBufferSize = 16 * 1024;
        // A pending event's buffer that grew beyond this is let go after its event rather than kept for the next.
        private const int KeptDataBuffer = 64 * 1024;
        // Every field name CompassPS acts on is at most 5 bytes; a longer name is an unknown field.
        private const int MaxKnownName = 5;

        private static readonly byte[] LineFeed = { (byte)'\n' };

        private enum LineState { Start, Name, ValueStart, Value, Comment }
        private enum Field { Unknown, Data, Event, Id, Retry }

        private readonly Stream _stream;
        private readonly long _maxEventBytes;
        private readonly int _maxFieldBytes;
        private readonly byte[] _buffer = new byte[ReadBufferSize];
        private int _position;
        private int _length;
        private bool _ended;

        // Byte order mark: up to three bytes matched so far at the very start of the stream.
        private bool _bomPending = true;
        private int _bomMatched;
        // A CR ended the last chunk: an LF at the start of the next one belongs to the same line end.
        private bool _skipLf;

        private LineState _state = LineState.Start;
        private long _lineBytes;
        private readonly byte[] _name = new byte[MaxKnownName];
        private int _nameLength;
        private bool _nameTooLong;
        private Field _field;

        private byte[] _data = new byte[4096];
        private long _dataLength;
        private bool _dataSeen;

        private byte[] _value = new byte[256];
        private int _valueLength;

        private string? _eventType;
        private string? _eventId;

        public SseReader(Stream stream, long maxEventBytes, int maxFieldBytes = DefaultMaxFieldBytes)
        {
            _stream = stream ?? throw new ArgumentNullException(nameof(stream));
            _maxEventBytes = Math.Max(1, maxEventBytes);
            _maxFieldBytes = (int)Math.Max(1, Math.Min(maxFieldBytes, _maxEventBytes));
        }

        /// <summary>The last <c>id:</c> received (it persists across events, as the standard says), or null.</summary>
        public string? LastEventId { get; private set; }

        /// <summary>The last valid <c>retry:</c> value in milliseconds, or null. CompassPS's own backoff decides reconnects.</summary>
        public long? RetryMilliseconds { get; private set; }

        /// <summary>The next event, or null at the end of the stream (an unfinished last event is discarded).</summary>
        public async ValueTask<SseEvent?> ReadAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                if (_position == _length)
                {
                    if (_ended) return null;
                    _position = 0;
                    _length = await _stream.ReadAsync(_buffer, 0, _buffer.Length, cancellationToken).ConfigureAwait(false);
                    if (_length <= 0)
                    {
                        _length = 0;
                        _ended = true;
                        return null;
                    }
                }
                if (_bomPending && !SkipByteOrderMark()) continue;
                if (_skipLf)
                {
                    _skipLf = false;
                    if (_buffer[_position] == (byte)'\n')
                    {
                        _position++;
                        continue;
                    }
                }
                var dispatched = ProcessBuffer();
                if (dispatched != null) return dispatched;
            }
        }

        /// <summary>Consumes a leading BOM; false while the buffer ends before it is known whether there is one.</summary>
        private bool SkipByteOrderMark()
        {
            while (_position < _length)
            {
                var expected = _bomMatched == 0 ? (byte)0xEF : _bomMatched == 1 ? (byte)0xBB : (byte)0xBF;
                if (_buffer[_position] != expected)
                {
                    _bomPending = false;
                    if (_bomMatched > 0)
                    {
                        // Bytes that began like a BOM but were not one start a line whose name no field has: an
                        // unknown field, ignored like any other.
                        _state = LineState.Name;
                        _nameTooLong = true;
                        _lineBytes = _bomMatched;
                    }
                    return true;
                }
                _position++;
                if (++_bomMatched == 3)
                {
                    _bomPending = false;
                    return true;
                }
            }
            return false;
        }

        private SseEvent? ProcessBuffer()
        {
            var buffer = _buffer;
            while (_position < _length)
            {
                var end = _position;
                while (end < _length && buffer[end] != (byte)'\n' && buffer[end] != (byte)'\r') end++;
                ConsumeSegment(_position, end);
                if (end == _length)
                {
                    _position = _length;
                    return null;
                }
                _position = end + 1;
                if (buffer[end] == (byte)'\r')
                {
                    if (_position < _length)
                    {
                        if (buffer[_position] == (byte)'\n') _position++;
                    }
                    else
                    {
                        _skipLf = true;
                    }
                }
                var dispatched = EndLine();
                if (dispatched != null) return dispatched;
            }
            return null;
        }

        /// <summary>Bytes of the current line (no line end among them), handled by where in the line they fall.</summary>
        private void ConsumeSegment(int start, int end)
        {
            if (end == start) return;
            _lineBytes += end - start;
            if (_lineBytes > _maxEventBytes)
            {
                var what = _state == LineState.Comment ? "a comment line" : _field == Field.Data && _state >= LineState.ValueStart ? "a data line" : "a line";
                throw new SseLimitException(string.Format(CultureInfo.InvariantCulture,
                    "the event stream sent {0} longer than {1} bytes (MaxResponseBytes) without a line end.", what, _maxEventBytes), PendingPreview());
            }
            var i = start;
            while (i < end)
            {
                switch (_state)
                {
                    case LineState.Start:
                        if (_buffer[i] == (byte)':')
                        {
                            _state = LineState.Comment;
                            i++;
                        }
                        else
                        {
                            _state = LineState.Name;
                            _nameLength = 0;
                            _nameTooLong = false;
                        }
                        break;
                    case LineState.Name:
                        var colon = Array.IndexOf(_buffer, (byte)':', i, end - i);
                        var nameEnd = colon < 0 ? end : colon;
                        var count = nameEnd - i;
                        if (!_nameTooLong)
                        {
                            if (_nameLength + count > MaxKnownName) _nameTooLong = true;
                            else
                            {
                                Buffer.BlockCopy(_buffer, i, _name, _nameLength, count);
                                _nameLength += count;
                            }
                        }
                        i = nameEnd;
                        if (colon >= 0)
                        {
                            i++;
                            _field = Classify();
                            _state = LineState.ValueStart;
                        }
                        break;
                    case LineState.ValueStart:
                        if (_buffer[i] == (byte)' ') i++;
                        BeginValue();
                        _state = LineState.Value;
                        break;
                    case LineState.Value:
                        AppendValue(i, end - i);
                        i = end;
                        break;
                    default: // a comment: counted above, never kept
                        i = end;
                        break;
                }
            }
        }

        private Field Classify()
        {
            if (_nameTooLong) return Field.Unknown;
            switch (_nameLength)
            {
                case 2:
                    return _name[0] == (byte)'i' && _name[1] == (byte)'d' ? Field.Id : Field.Unknown;
                case 4:
                    return _name[0] == (byte)'d' && _name[1] == (byte)'a' && _name[2] == (byte)'t' && _name[3] == (byte)'a' ? Field.Data : Field.Unknown;
                case 5:
                    if (_name[0] == (byte)'e' && _name[1] == (byte)'v' && _name[2] == (byte)'e' && _name[3] == (byte)'n' && _name[4] == (byte)'t') return Field.Event;
                    if (_name[0] == (byte)'r' && _name[1] == (byte)'e' && _name[2] == (byte)'t' && _name[3] == (byte)'r' && _name[4] == (byte)'y') return Field.Retry;
                    return Field.Unknown;
                default:
                    return Field.Unknown;
            }
        }

        private void BeginValue()
        {
            _valueLength = 0;
            if (_field != Field.Data) return;
            // Lines of one event's data are joined by LF: the standard appends one after each line and drops the last.
            if (_dataSeen) AppendData(LineFeed, 0, 1);
            _dataSeen = true;
        }

        private void AppendValue(int offset, int count)
        {
            switch (_field)
            {
                case Field.Data:
                    AppendData(_buffer, offset, count);
                    break;
                case Field.Event:
                case Field.Id:
                case Field.Retry:
                    if (_valueLength + count > _maxFieldBytes)
                    {
                        throw new SseLimitException(string.Format(CultureInfo.InvariantCulture,
                            "the event stream sent an '{0}' field longer than {1} bytes.", _field.ToString().ToLowerInvariant(), _maxFieldBytes), PendingPreview());
                    }
                    if (_valueLength + count > _value.Length)
                    {
                        Array.Resize(ref _value, Math.Min(_maxFieldBytes, Math.Max(_value.Length * 2, _valueLength + count)));
                    }
                    Buffer.BlockCopy(_buffer, offset, _value, _valueLength, count);
                    _valueLength += count;
                    break;
            }
        }

        private void AppendData(byte[] source, int offset, int count)
        {
            var needed = _dataLength + count;
            if (needed > _maxEventBytes)
            {
                throw new SseLimitException(string.Format(CultureInfo.InvariantCulture,
                    "the event stream sent an event whose data is longer than {0} bytes (MaxResponseBytes).", _maxEventBytes), PendingPreview());
            }
            if (needed > _data.Length)
            {
                // Doubling, capped at the bound: the buffer never holds more than the bound, even while it grows.
                var size = Math.Min(_maxEventBytes, Math.Max((long)_data.Length * 2, needed));
                var grown = new byte[size];
                Buffer.BlockCopy(_data, 0, grown, 0, (int)_dataLength);
                _data = grown;
            }
            Buffer.BlockCopy(source, offset, _data, (int)_dataLength, count);
            _dataLength = needed;
        }

        private SseEvent? EndLine()
        {
            SseEvent? dispatched = null;
            switch (_state)
            {
                case LineState.Start:
                    dispatched = Dispatch();
                    break;
                case LineState.Name:
                    // A line without a colon is a field with an empty value.
                    _field = Classify();
                    BeginValue();
                    EndField();
                    break;
                case LineState.ValueStart:
                    BeginValue();
                    EndField();
                    break;
                case LineState.Value:
                    EndField();
                    break;
            }
            _state = LineState.Start;
            _lineBytes = 0;
            _nameLength = 0;
            _nameTooLong = false;
            _field = Field.Unknown;
            return dispatched;
        }

        private void EndField()
        {
            switch (_field)
            {
                case Field.Event:
                    _eventType = EventTypeText();
                    break;
                case Field.Id:
                    // An id holding NUL is ignored, as the standard says.
                    if (Array.IndexOf(_value, (byte)0, 0, _valueLength) < 0)
                    {
                        _eventId = Encoding.UTF8.GetString(_value, 0, _valueLength);
                        LastEventId = _eventId;
                    }
                    break;
                case Field.Retry:
                    long retry = 0;
                    var digits = _valueLength > 0;
                    for (var i = 0; i < _valueLength && digits; i++)
                    {
                        var b = _value[i];
                        if (b < (byte)'0' || b > (byte)'9' || retry > long.MaxValue / 10 - 9) digits = false;
                        else retry = retry * 10 + (b - '0');
                    }
                    if (digits) RetryMilliseconds = retry;
                    break;
            }
            _valueLength = 0;
            if (_value.Length > 4096) _value = new byte[256];
        }

        // Event types decoded so far, with their bytes: a stream repeats a handful of types, so most events reuse one
        // of these strings. At most 16 are kept, none longer than 64 bytes, so a server cannot grow the cache.
        private readonly byte[][] _typeBytes = new byte[16][];
        private readonly string[] _typeTexts = new string[16];
        private int _typeCount;

        private string EventTypeText()
        {
            for (var t = 0; t < _typeCount; t++)
            {
                var known = _typeBytes[t];
                if (known.Length != _valueLength) continue;
                var same = true;
                for (var i = 0; i < _valueLength && same; i++) same = _value[i] == known[i];
                if (same) return _typeTexts[t];
            }
            var text = Encoding.UTF8.GetString(_value, 0, _valueLength);
            if (_typeCount < _typeBytes.Length && _valueLength <= 64)
            {
                var bytes = new byte[_valueLength];
                Buffer.BlockCopy(_value, 0, bytes, 0, _valueLength);
                _typeBytes[_typeCount] = bytes;
                _typeTexts[_typeCount] = text;
                _typeCount++;
            }
            return text;
        }

        private SseEvent? Dispatch()
        {
            // A blank line after no data dispatches nothing and, as in the .NET parser the module used before, keeps
            // the event type and id given so far for the next event (the standard would reset the type; a Compass
            // event names its type in its data, so only the seq fallback of the id could tell).
            if (!_dataSeen) return null;
            var data = new byte[_dataLength];
            Buffer.BlockCopy(_data, 0, data, 0, (int)_dataLength);
            var dispatched = new SseEvent(string.IsNullOrEmpty(_eventType) ? "message" : _eventType!, _eventId, data);
            _dataSeen = false;
            _dataLength = 0;
            if (_data.Length > KeptDataBuffer) _data = new byte[4096];
            _eventType = null;
            _eventId = null;
            return dispatched;
        }

        /// <summary>The first bytes of the event being built, for the error message (masked there like any body).</summary>
        private byte[]? PendingPreview()
        {
            if (_dataLength == 0) return null;
            var length = (int)Math.Min(_dataLength, 1024);
            var preview = new byte[length];
            Buffer.BlockCopy(_data, 0, preview, 0, length);
            return preview;
        }
    }
}
