using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace CompassPS.Commands
{
    /// <summary>
    /// What an id parameter was given: an id as text, or a CompassPS object, which then binds by what it is
    /// (<see cref="PipeBindRules"/>), never by whichever id-like property it happens to carry.
    /// </summary>
    /// <remarks>
    /// Why a type of its own instead of string: PowerShell binds a piped object to a string parameter by any
    /// property whose name matches (a deployment's Id as a run id, a run's WorkflowId as the workflow to delete).
    /// A parameter of this type matches no property without conversion, so PowerShell converts the piped object
    /// itself (through the constructors below) and the cmdlet decides from its kind. Plain objects (CSV rows,
    /// PSCustomObjects) have no constructor here, so they still bind by property name, their value converted
    /// through the string constructor.
    /// </remarks>
    public abstract class CompassPipeBind
    {
        protected CompassPipeBind(string id) { Id = id; }
        protected CompassPipeBind(Guid id) { Id = id.ToString(); }
        protected CompassPipeBind(CompassObject item) { Item = item; }
        protected CompassPipeBind(MessageReply item) { Item = item; }
        protected CompassPipeBind(CompassContext item) { Item = item; }

        /// <summary>The id given as text, or null when an object was given.</summary>
        public string? Id { get; }

        /// <summary>The object given, or null when an id was given as text.</summary>
        public object? Item { get; }

        public override string ToString() => Id ?? PipeBindRules.Describe(Item!);
    }

    /// <summary>A run, or a run id. See <see cref="CompassPipeBind"/>.</summary>
    public sealed class RunPipeBind : CompassPipeBind
    {
        public RunPipeBind(string id) : base(id) { }
        public RunPipeBind(Guid id) : base(id) { }
        public RunPipeBind(CompassObject item) : base(item) { }
        public RunPipeBind(MessageReply item) : base(item) { }
        public RunPipeBind(CompassContext item) : base(item) { }
    }

    /// <summary>A workflow, or a workflow id. See <see cref="CompassPipeBind"/>.</summary>
    public sealed class WorkflowPipeBind : CompassPipeBind
    {
        public WorkflowPipeBind(string id) : base(id) { }
        public WorkflowPipeBind(Guid id) : base(id) { }
        public WorkflowPipeBind(CompassObject item) : base(item) { }
        public WorkflowPipeBind(MessageReply item) : base(item) { }
        public WorkflowPipeBind(CompassContext item) : base(item) { }
    }

    /// <summary>A deployment, or a deployment id. See <see cref="CompassPipeBind"/>.</summary>
    public sealed class DeploymentPipeBind : CompassPipeBind
    {
        public DeploymentPipeBind(string id) : base(id) { }
        public DeploymentPipeBind(Guid id) : base(id) { }
        public DeploymentPipeBind(CompassObject item) : base(item) { }
        public DeploymentPipeBind(MessageReply item) : base(item) { }
        public DeploymentPipeBind(CompassContext item) : base(item) { }
    }

    /// <summary>A conversation, or a conversation id. See <see cref="CompassPipeBind"/>.</summary>
    public sealed class ConversationPipeBind : CompassPipeBind
    {
        public ConversationPipeBind(string id) : base(id) { }
        public ConversationPipeBind(Guid id) : base(id) { }
        public ConversationPipeBind(CompassObject item) : base(item) { }
        public ConversationPipeBind(MessageReply item) : base(item) { }
        public ConversationPipeBind(CompassContext item) : base(item) { }
    }

    /// <summary>An approval, or an approval id. See <see cref="CompassPipeBind"/>.</summary>
    public sealed class ApprovalPipeBind : CompassPipeBind
    {
        public ApprovalPipeBind(string id) : base(id) { }
        public ApprovalPipeBind(Guid id) : base(id) { }
        public ApprovalPipeBind(CompassObject item) : base(item) { }
        public ApprovalPipeBind(MessageReply item) : base(item) { }
        public ApprovalPipeBind(CompassContext item) : base(item) { }
    }

    /// <summary>A connection (provider, gateway, ...), or a connection id. See <see cref="CompassPipeBind"/>.</summary>
    public sealed class ConnectionPipeBind : CompassPipeBind
    {
        public ConnectionPipeBind(string id) : base(id) { }
        public ConnectionPipeBind(Guid id) : base(id) { }
        public ConnectionPipeBind(CompassObject item) : base(item) { }
        public ConnectionPipeBind(MessageReply item) : base(item) { }
        public ConnectionPipeBind(CompassContext item) : base(item) { }
    }

    /// <summary>
    /// Any CompassPS object, for a parameter that takes some kinds by what they are (a workflow or deployment, a
    /// connection to copy), and refuses the others with CompassPS.WrongObjectKind. No constructor takes
    /// text or a plain object, so CSV rows pass it by and bind their WorkflowId / DeploymentId columns by name.
    /// </summary>
    public sealed class CompassObjectPipeBind : CompassPipeBind
    {
        public CompassObjectPipeBind(CompassObject item) : base(item) { }
        public CompassObjectPipeBind(MessageReply item) : base(item) { }
        public CompassObjectPipeBind(CompassContext item) : base(item) { }
    }

    /// <summary>
    /// Keeps a null property value from binding: PowerShell binds a property of the parameter's name before it
    /// converts the piped object itself, and null needs no conversion, so an object whose WorkflowId is null (a run
    /// summary) would bind that null and be refused as an empty id instead of being told apart by its kind. A null
    /// becomes a value no pipe-bind type takes: the object is then bound as a whole, and a plain object with a null
    /// column is PowerShell's own "cannot be bound" error.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class PipeBindNullAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData) =>
            inputData is null || (inputData is PSObject ps && ps.BaseObject is null) ? Unbindable.Value : inputData;

        /// <summary>Not convertible to any pipe-bind type.</summary>
        private sealed class Unbindable
        {
            public static readonly Unbindable Value = new Unbindable();
            public override string ToString() => "(null)";
        }
    }

    /// <summary>
    /// ValidateNotNullOrEmpty for pipe-bind parameters: an empty or blank id is refused at binding, as it was when
    /// these parameters were strings (PowerShell's own check sees an object, never its text).
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ValidatePipeBindAttribute : ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            var items = arguments is System.Collections.IEnumerable many && !(arguments is string)
                ? many.Cast<object?>().ToList()
                : new List<object?> { arguments };
            if (items.Count == 0) throw new ValidationMetadataException("The argument is an empty collection. Supply at least one id or object.");
            foreach (var item in items)
            {
                var value = item is PSObject ps ? ps.BaseObject : item;
                if (value is null || (value is CompassPipeBind bind && bind.Item is null && string.IsNullOrWhiteSpace(bind.Id)))
                {
                    throw new ValidationMetadataException("The argument is null, empty or blank. Supply a non-empty id, or an object.");
                }
            }
        }
    }

    /// <summary>The rules several cmdlets share.</summary>
    internal static class PipeBinds
    {
        /// <summary>Reading a run: a run, or an object of the run (approval, step, execution, event, reply).</summary>
        public static PipeBindRules Runs(string command) =>
            PipeBindRules.For<Run>(command, r => r.Id)
                .Relate<Approval>(a => a.RunId)
                .Relate<RunStep>(s => s.RunId)
                .Relate<RunExecution>(x => x.RunId)
                .Relate<RunEvent>(e => e.RunId)
                .Relate<MessageReply>(m => m.RunId);

        /// <summary>Reading a workflow: a workflow, or what names one (deployment, run, version, validation).</summary>
        public static PipeBindRules Workflows(string command) =>
            PipeBindRules.For<Workflow>(command, w => w.Id)
                .Relate<Deployment>(d => d.WorkflowId)
                .Relate<Run>(r => r.WorkflowId)
                .Relate<WorkflowVersion>(v => v.WorkflowId)
                .Relate<WorkflowValidation>(v => v.WorkflowId);

        /// <summary>Reading or testing a connection: a connection, or a connection test result.</summary>
        public static PipeBindRules Connections(string command) =>
            PipeBindRules.For<Connection>(command, c => c.Id).Relate<ConnectionHealth>(h => h.ConnectionId);
    }

    /// <summary>
    /// Which objects a cmdlet's id parameter takes: its own kind (by Id), the kinds it documents a relation to (by
    /// the related id), and nothing else: any other CompassPS object is one CompassPS.WrongObjectKind error naming
    /// both kinds, and no request is made with its id.
    /// </summary>
    internal sealed class PipeBindRules
    {
        public const string WrongKindErrorId = "CompassPS.WrongObjectKind";

        private readonly string _command;
        private readonly Type _own;
        private readonly Func<object, string?> _ownId;
        private readonly List<Relation> _relations = new List<Relation>();
        private readonly List<string> _mentions = new List<string>();

        private PipeBindRules(string command, Type own, Func<object, string?> ownId)
        {
            _command = command;
            _own = own;
            _ownId = ownId;
        }

        public static PipeBindRules For<T>(string command, Func<T, string?> id) => new PipeBindRules(command, typeof(T), o => id((T)o));

        /// <summary>A documented relation: an object of kind <typeparamref name="T"/> stands for the object <paramref name="id"/> names.</summary>
        public PipeBindRules Relate<T>(Func<T, string?> id)
        {
            _relations.Add(new Relation(typeof(T), o => id((T)o)));
            return this;
        }

        /// <summary>A relation the cmdlet handles itself before resolving (e.g. "workflows (their runs)"), named in the error.</summary>
        public PipeBindRules Mention(string what)
        {
            _mentions.Add(what);
            return this;
        }

        /// <summary>
        /// The id <paramref name="bind"/> stands for, or null with <paramref name="error"/> set (an object of another
        /// kind, or a related object that names none).
        /// </summary>
        public string? Resolve(CompassPipeBind bind, out ErrorRecord? error)
        {
            error = null;
            if (bind.Id != null) return bind.Id.Trim();
            var item = bind.Item!;
            var type = item.GetType();
            if (_own.IsAssignableFrom(type)) return Named(_ownId(item), item, out error);
            foreach (var relation in _relations)
            {
                if (relation.Type.IsAssignableFrom(type)) return Named(relation.Id(item), item, out error);
            }
            error = WrongKind(item);
            return null;
        }

        /// <summary>The error for an object this command does not take.</summary>
        public ErrorRecord WrongKind(object item)
        {
            var also = new List<string>(_mentions);
            if (_relations.Count > 0) also.Add(string.Join(", ", _relations.Select(r => Plural(r.Type))) + $" (the {Noun(_own)} each names)");
            var accepted = also.Count == 0 ? "" : " It also takes " + string.Join("; ", also) + ".";
            var message = $"{_command} takes a {Noun(_own)} ({TypeName(_own)}) or a {Noun(_own)} id, not {Article(item.GetType())} " +
                          $"({TypeName(item.GetType())}{IdOf(item)}): nothing was done with it.{accepted}";
            return WrongKindRecord(message, item,
                $"Pipe {Plural(_own)} or {Noun(_own)} ids into {_command}; see Get-Help {_command} -Parameter * for what binds.");
        }

        /// <summary>True for the objects this module writes (which bind by kind, never by property name).</summary>
        public static bool IsCompassObject(object? value)
        {
            var item = value is PSObject ps ? ps.BaseObject : value;
            return item is CompassObject || item is MessageReply || item is CompassContext;
        }

        public static ErrorRecord WrongKindRecord(string message, object item, string recommendedAction) =>
            new ErrorRecord(new PSArgumentException(message), WrongKindErrorId, ErrorCategory.InvalidArgument, item)
            {
                ErrorDetails = new ErrorDetails(message) { RecommendedAction = recommendedAction },
            };

        private string? Named(string? id, object item, out ErrorRecord? error)
        {
            error = null;
            if (!string.IsNullOrWhiteSpace(id)) return id!.Trim();
            var message = $"The {Noun(item.GetType())} names no {Noun(_own)}, so {_command} has nothing to act on.";
            error = new ErrorRecord(new PSArgumentException(message), CompassErrors.ErrorId(Client.CompassErrorKind.InvalidInput), ErrorCategory.InvalidArgument, item);
            return null;
        }

        /// <summary>"deployment 33333333-..." style text for -WhatIf and error targets.</summary>
        public static string Describe(object item) => Noun(item.GetType()) + IdOf(item);

        private static string IdOf(object item)
        {
            string? id = item switch
            {
                Run r => r.Id,
                Workflow w => w.Id,
                Deployment d => d.Id,
                Conversation c => c.Id,
                Approval a => a.Id,
                Connection c => c.Id,
                RunStep s => s.Id,
                RunExecution x => x.Id,
                RunEvent e => e.RunId,
                WorkflowVersion v => v.WorkflowId,
                MessageReply m => m.RunId,
                _ => null,
            };
            return string.IsNullOrEmpty(id) ? "" : " " + id;
        }

        private static readonly Dictionary<Type, string> Nouns = new Dictionary<Type, string>
        {
            [typeof(Run)] = "run",
            [typeof(Workflow)] = "workflow",
            [typeof(Deployment)] = "deployment",
            [typeof(Conversation)] = "conversation",
            [typeof(Approval)] = "approval",
            [typeof(Connection)] = "connection",
            [typeof(ConnectionHealth)] = "connection test",
            [typeof(RunEvent)] = "run event",
            [typeof(RunExecution)] = "run execution",
            [typeof(RunStep)] = "run step",
            [typeof(RunSummary)] = "run summary",
            [typeof(WorkflowVersion)] = "workflow version",
            [typeof(WorkflowValidation)] = "workflow validation",
            [typeof(ValidationIssue)] = "validation issue",
            [typeof(MessageReply)] = "message reply",
            [typeof(CompassContext)] = "context",
        };

        private static string Noun(Type type) => Nouns.TryGetValue(type, out var noun) ? noun : type.Name;

        private static string Plural(Type type) => Noun(type) + "s";

        private static string Article(Type type)
        {
            var noun = Noun(type);
            return ("aeiou".IndexOf(char.ToLowerInvariant(noun[0])) >= 0 ? "an " : "a ") + noun;
        }

        public static string TypeName(Type type) => type == typeof(CompassContext) ? "CompassPS.Context" : "CompassPS." + type.Name;

        private sealed class Relation
        {
            public Relation(Type type, Func<object, string?> id)
            {
                Type = type;
                Id = id;
            }

            public Type Type { get; }
            public Func<object, string?> Id { get; }
        }
    }
}
