using System;
using System.Collections.Generic;

namespace CompassPS.Commands
{
    /// <summary>
    /// The ids a write cmdlet takes from the pipeline, written as each arrives or held until the input has ended.
    /// A write that can change which items a list holds (a removal, a change of a field lists are filtered by) must be
    /// held: fed by that list while it is still being paged (Get-CompassWorkflow | Remove-CompassWorkflow), it would
    /// shrink the list under its offsets, and the items beyond the first page would be skipped without a word. Lists
    /// are ordered by creation, newest first, so any other change moves nothing and is written at once (its output streams).
    /// </summary>
    internal sealed class PipelineWrites
    {
        private readonly List<string> _held = new List<string>();
        private readonly bool _holdUntilInputEnds;
        private readonly Action<string> _write;

        /// <param name="holdUntilInputEnds">True when the write can change which items a list holds.</param>
        /// <param name="write">Writes one id behind its own ShouldProcess, a failure being that id's own ErrorRecord.</param>
        public PipelineWrites(bool holdUntilInputEnds, Action<string> write)
        {
            _holdUntilInputEnds = holdUntilInputEnds;
            _write = write;
        }

        /// <summary>From ProcessRecord: writes the ids now, or holds them.</summary>
        public void Add(IEnumerable<string> ids)
        {
            if (_holdUntilInputEnds)
            {
                _held.AddRange(ids);
                return;
            }
            foreach (var id in ids) _write(id);
        }

        /// <summary>From EndProcessing: writes the held ids in the order they arrived.</summary>
        public void Complete()
        {
            foreach (var id in _held) _write(id);
            _held.Clear();
        }
    }
}
