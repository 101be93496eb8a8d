using System.Collections.Generic;
using CompassPS.Client;

namespace CompassPS.Commands
{
    /// <summary>
    /// Base of the Get- cmdlets that list a collection (declare SupportsPaging = true on the derived [Cmdlet]):
    /// items are written page by page as each page arrives, -First/-Skip become limit/offset.
    /// </summary>
    public abstract class CompassListCmdlet<T> : CompassApiCmdlet where T : CompassObject
    {
        /// <summary>Writes every item of every page; the next page is fetched only when the pipeline has taken this one.</summary>
        protected void WritePages(IAsyncEnumerable<ListPage<T>> pages)
        {
            var totalWritten = false;
            foreach (var page in Enumerate(pages))
            {
                if (!totalWritten && PagingParameters.IncludeTotalCount)
                {
                    totalWritten = true;
                    var accuracy = page.Total.HasValue ? 1.0 : 0.0;
                    WriteObject(PagingParameters.NewTotalCount((ulong)(page.Total ?? page.Items.Count), accuracy));
                }
                foreach (var item in page.Items) WriteObject(item.ToPSObject());
            }
        }

        protected (ulong Skip, ulong? First) PageWindow => PagingExtensions.Window(PagingParameters);
    }
}
