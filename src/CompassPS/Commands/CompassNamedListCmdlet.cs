using System;
using System.Collections.Generic;
using System.Management.Automation;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// A list cmdlet with a -Name that takes wildcards. The API filters names only exactly (or not at all), so a
    /// pattern is matched here, page by page as pages arrive, and -First/-Skip count matches rather than items.
    /// </summary>
    public abstract class CompassNamedListCmdlet<T> : CompassListCmdlet<T> where T : CompassObject
    {
        /// <summary>The pattern for a -Name value, or null when it has no wildcard (so the server can filter exactly).</summary>
        protected static WildcardPattern? PatternOf(string? name) =>
            name != null && WildcardPattern.ContainsWildcardCharacters(name)
                ? WildcardPattern.Get(name, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant)
                : null;

        /// <summary>
        /// Writes the items of <paramref name="pages"/> (fetched without a window) whose name matches, honouring
        /// -Skip and -First over the matches; stops fetching once -First is reached unless a total was asked for.
        /// </summary>
        protected void WriteMatches(IAsyncEnumerable<ListPage<T>> pages, WildcardPattern pattern, Func<T, string?> nameOf)
        {
            var (skip, first) = PageWindow;
            ulong matched = 0;
            ulong written = 0;
            foreach (var page in Enumerate(pages))
            {
                foreach (var item in page.Items)
                {
                    if (!pattern.IsMatch(nameOf(item) ?? "")) continue;
                    matched++;
                    if (matched <= skip) continue;
                    if (first is ulong limit && written >= limit)
                    {
                        if (PagingParameters.IncludeTotalCount) continue;
                        return;
                    }
                    WriteObject(item.ToPSObject());
                    written++;
                }
            }
            if (PagingParameters.IncludeTotalCount) WriteObject(PagingParameters.NewTotalCount(matched, 1.0));
        }
    }
}
