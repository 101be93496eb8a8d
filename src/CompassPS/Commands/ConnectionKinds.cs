namespace CompassPS.Commands
{
    /// <summary>The kinds of connection of the wire contract.</summary>
    internal static class ConnectionKinds
    {
        public const string Provider = "provider";
        public const string Integration = "integration";
        public const string Gateway = "gateway";
    }
}
