namespace CompassPS.Bench.Tools;

/// <summary>
/// The limit for reads: one GET after another on a pooled HttpClient, reading each body and nothing more
/// (no decoding, no objects). What any client, however thin, has to pay per request.
/// </summary>
public static class RawHttpLoop
{
    /// <summary>GETs every relative path in turn; returns the bytes read so the work cannot be skipped.</summary>
    public static long GetAll(HttpClient client, IReadOnlyList<string> paths)
    {
        long bytes = 0;
        foreach (var path in paths)
        {
            using var response = client.GetAsync(path, HttpCompletionOption.ResponseContentRead).GetAwaiter().GetResult();
            response.EnsureSuccessStatusCode();
            bytes += response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult().Length;
        }
        return bytes;
    }
}
