using System.Collections.Generic;
using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>Turns SupportsPaging's -First/-Skip into the window the client core fetches.</summary>
    internal static class PagingExtensions
    {
        public static (ulong Skip, ulong? First) Window(PagingParameters paging)
        {
            // PowerShell's default for -First is ulong.MaxValue: "all".
            ulong? first = paging.First == ulong.MaxValue ? (ulong?)null : paging.First;
            return (paging.Skip, first);
        }
    }
}
