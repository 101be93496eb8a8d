using System.Management.Automation;

namespace CompassPS.Commands
{
    /// <summary>
    /// Turns the objects CompassPS writes into flat records for Export-Csv, Export-Excel or a database table: the
    /// same properties in the same order (Id and Status first), each value text that reads back the same in any
    /// culture (times as ISO 8601 in UTC, inputs and outputs as compact JSON).
    /// </summary>
    /// <remarks>
    /// A cmdlet rather than a change to the objects: their times stay DateTimeOffset values that compare and compute,
    /// and Export-Csv writes a DateTimeOffset only through its culture-dependent ToString, which no member a module
    /// can add per type changes without a types.ps1xml (about 100 ms on every import) or a wrapper per time.
    /// </remarks>
    [Cmdlet(VerbsData.ConvertTo, "CompassExport")]
    [OutputType(typeof(PSCustomObject))]
    public sealed class ConvertToCompassExportCommand : CompassCmdletBase
    {
        private const string Name = "ConvertTo-CompassExport";

        /// <summary>
        /// What to convert: any object a CompassPS cmdlet wrote (runs, events, workflows, deployments, conversations,
        /// connections, approvals, replies, contexts). Any other object is a CompassPS.WrongObjectKind error and is
        /// not written.
        /// </summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, Position = 0)]
        public PSObject? InputObject { get; set; }

        protected override void ProcessRecordCore()
        {
            var item = InputObject!;
            if (!PipeBindRules.IsCompassObject(item))
            {
                var kind = item.BaseObject?.GetType().FullName ?? "null";
                WriteError(PipeBindRules.WrongKindRecord(
                    $"{Name} takes the objects CompassPS cmdlets write (runs, workflows, deployments, ...), not a {kind}: nothing was written for it.",
                    item, $"Pipe the output of a CompassPS cmdlet into {Name}; other objects go to Export-Csv as they are."));
                return;
            }
            var record = new PSObject();
            foreach (var property in item.Properties)
            {
                if (!property.IsGettable) continue;
                object? value;
                try { value = property.Value; }
                catch (GetValueException) { value = null; }
                record.Properties.Add(new PSNoteProperty(property.Name, ExportShape.Cell(value)));
            }
            WriteObject(record);
        }
    }
}
