using System.Web;
using CompassPS.Client;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace CompassPS.Tests;

public sealed class PagingTests
{
    /// <summary>A collection of <paramref name="total"/> runs answering limit/offset with the wire envelope.</summary>
    private static Task Envelope(HttpContext c, int total, string itemsName = "items", bool withTotal = true)
    {
        var limit = int.Parse(c.Request.Query["limit"].ToString());
        var offset = int.Parse(c.Request.Query["offset"].ToString());
        var items = Enumerable.Range(offset, Math.Max(0, Math.Min(limit, total - offset))).Select(i => TestData.RunJson("r" + i));
        var totalPart = withTotal ? $",\"total\":{total}" : "";
        return ScriptedServer.Json(c, $"{{\"{itemsName}\":[{string.Join(",", items)}]{totalPart},\"limit\":{limit},\"offset\":{offset}}}");
    }

    private static async Task<List<Run>> All(CompassClient client, ulong skip, ulong? first)
    {
        var runs = new List<Run>();
        await foreach (var page in client.ListRunsAsync(new RunFilter(), skip, first, default)) runs.AddRange(page.Items);
        return runs;
    }

    [Fact]
    public async Task First_3_asks_for_exactly_3()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => Envelope(c, 250));
        var runs = await All(TestData.Client(server, o => o.PageSize = 2), 0, 3);

        Assert.Equal(new[] { "r0", "r1", "r2" }, runs.Select(r => r.Id));
        var queries = server.Requests.Select(r => r.Query).ToList();
        Assert.Equal(new[] { "?limit=2&offset=0", "?limit=1&offset=2" }, queries);
    }

    [Fact]
    public async Task Every_page_is_fetched_until_the_total()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => Envelope(c, 7));
        var runs = await All(TestData.Client(server, o => o.PageSize = 3), 0, null);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => "r" + i), runs.Select(r => r.Id));
        Assert.Equal(3, server.Count);
    }

    [Fact]
    public async Task Skip_becomes_the_offset()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => Envelope(c, 10));
        var runs = await All(TestData.Client(server, o => o.PageSize = 50), 8, null);
        Assert.Equal(new[] { "r8", "r9" }, runs.Select(r => r.Id));
        Assert.Equal("?limit=50&offset=8", Assert.Single(server.Requests).Query);
    }

    [Theory]
    [InlineData("data")]
    [InlineData("results")]
    public async Task Other_envelope_names_and_no_total_page_until_a_short_page(string itemsName)
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => Envelope(c, 5, itemsName, withTotal: false));
        var runs = await All(TestData.Client(server, o => o.PageSize = 2), 0, null);
        Assert.Equal(5, runs.Count);
        Assert.Equal(3, server.Count);
    }

    [Fact]
    public async Task A_bare_array_is_one_page()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, "[" + string.Join(",", Enumerable.Range(0, 4).Select(i => TestData.RunJson("r" + i))) + "]"));
        var runs = await All(TestData.Client(server, o => o.PageSize = 2), 0, 3);
        Assert.Equal(3, runs.Count);
        Assert.Equal(1, server.Count);
    }

    [Fact]
    public async Task Filters_are_sent_and_empty_ones_left_out()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => Envelope(c, 0));
        var filter = new RunFilter { WorkflowId = "wf 1", Status = "completed" };
        await foreach (var _ in TestData.Client(server).ListRunsAsync(filter, 0, null, default)) { }
        var query = HttpUtility.ParseQueryString(Assert.Single(server.Requests).Query);
        Assert.Equal("wf 1", query["workflow_id"]);
        Assert.Equal("completed", query["status"]);
        Assert.Null(query["deployment_id"]);
        Assert.Equal("/v1/runs/", server.Requests.First().Path);
    }

    [Fact]
    public async Task The_next_page_is_not_fetched_until_asked_for()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => Envelope(c, 100));
        var client = TestData.Client(server, o => o.PageSize = 10);
        await using var pages = client.ListRunsAsync(new RunFilter(), 0, null, default).GetAsyncEnumerator();
        Assert.True(await pages.MoveNextAsync());
        await Task.Delay(100);
        Assert.Equal(1, server.Count);
    }

    [Fact]
    public async Task An_item_of_the_wrong_shape_names_its_index()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, "{\"items\":[" + TestData.RunJson("r0") + ",{\"id\":1,\"status\":[]}],\"total\":2}"));
        var ex = await Assert.ThrowsAsync<CompassApiException>(() => All(TestData.Client(server), 0, null));
        Assert.Equal(CompassErrorKind.InvalidResponse, ex.Kind);
        Assert.Contains("Item 1", ex.Message);
    }
}

/// <summary>
/// Pagers without end (issue 15): a server answering every offset with the same page, a cursor that does not move,
/// a total of 10^12; and cursors and next links, which are followed.
/// </summary>
public sealed class EndlessPagerTests
{
    private static string Page(IEnumerable<int> ids, string tail) =>
        "{\"items\":[" + string.Join(",", ids.Select(i => TestData.RunJson("r" + i))) + "]" + tail + "}";

    private static async Task<(List<Run> Runs, CompassApiException? Error)> Drain(CompassClient client, ulong? first = null)
    {
        var runs = new List<Run>();
        try
        {
            await foreach (var page in client.ListRunsAsync(new RunFilter(), 0, first, default)) runs.AddRange(page.Items);
            return (runs, null);
        }
        catch (CompassApiException ex)
        {
            return (runs, ex);
        }
    }

    [Theory]
    [InlineData(",\"has_more\":true")]
    [InlineData(",\"total\":1000000000000")]
    public async Task The_same_page_for_every_offset_is_one_invalid_response_after_its_items_once(string tail)
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, Page(Enumerable.Range(0, 3), tail)));
        var (runs, error) = await Drain(TestData.Client(server, o => o.PageSize = 3));

        Assert.Equal(new[] { "r0", "r1", "r2" }, runs.Select(r => r.Id));
        Assert.NotNull(error);
        Assert.Equal(CompassErrorKind.InvalidResponse, error!.Kind);
        Assert.Contains("same 3 item(s) as page 1", error.Message);
        Assert.Equal(2, server.Count);
    }

    [Fact]
    public async Task A_cursor_that_does_not_move_is_one_invalid_response()
    {
        await using var server = await ScriptedServer.StartAsync();
        // New items on every page, but always the same next cursor.
        server.Handle((c, n) => ScriptedServer.Json(c, Page(new[] { 2 * n, 2 * n + 1 }, ",\"next\":\"same-cursor\"")));
        var (runs, error) = await Drain(TestData.Client(server, o => o.PageSize = 2));

        Assert.Equal(4, runs.Count);
        Assert.Equal(CompassErrorKind.InvalidResponse, error!.Kind);
        Assert.Contains("'same-cursor', which was followed before", error.Message);
        Assert.Equal(2, server.Count);
        Assert.Contains("cursor=same-cursor", server.Requests.Last().Query);
    }

    [Fact]
    public async Task Cursors_going_round_in_a_circle_are_one_invalid_response()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle((c, n) => ScriptedServer.Json(c, Page(new[] { n }, n % 2 == 0 ? ",\"next\":\"A\"" : ",\"next\":\"B\"")));
        var (runs, error) = await Drain(TestData.Client(server, o => o.PageSize = 1));
        Assert.Equal(CompassErrorKind.InvalidResponse, error!.Kind);
        Assert.Equal(3, server.Count);
        Assert.Equal(3, runs.Count);
    }

    [Fact]
    public async Task Next_cursors_are_followed_with_the_filters_and_limit()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c =>
        {
            var cursor = c.Request.Query["cursor"].ToString();
            return cursor switch
            {
                "" => ScriptedServer.Json(c, Page(new[] { 0, 1 }, ",\"next_cursor\":\"c1\"")),
                "c1" => ScriptedServer.Json(c, Page(new[] { 2, 3 }, ",\"next\":\"c2\",\"has_more\":true")),
                _ => ScriptedServer.Json(c, Page(new[] { 4 }, ",\"next\":null,\"has_more\":false")),
            };
        });
        var runs = new List<Run>();
        await foreach (var page in TestData.Client(server, o => o.PageSize = 2).ListRunsAsync(new RunFilter { Status = "completed" }, 0, null, default)) runs.AddRange(page.Items);

        Assert.Equal(Enumerable.Range(0, 5).Select(i => "r" + i), runs.Select(r => r.Id));
        Assert.Equal(new[] { "?status=completed&limit=2&offset=0", "?status=completed&limit=2&cursor=c1", "?status=completed&limit=2&cursor=c2" },
            server.Requests.Select(r => r.Query));
    }

    [Fact]
    public async Task A_next_link_on_the_same_server_is_followed_and_one_elsewhere_refused()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle((c, n) => n switch
        {
            0 => ScriptedServer.Json(c, Page(new[] { 0 }, ",\"next\":\"/v1/runs/?page=2\"")),
            1 => ScriptedServer.Json(c, Page(new[] { 1 }, $",\"next\":\"{server.BaseUrl.ToString().TrimEnd('/')}/v1/runs/?page=3\"")),
            _ => ScriptedServer.Json(c, Page(new[] { 2 }, ",\"next\":\"https://elsewhere.invalid/v1/runs/?page=4\"")),
        });
        var (runs, error) = await Drain(TestData.Client(server, o => o.PageSize = 1));

        Assert.Equal(new[] { "r0", "r1", "r2" }, runs.Select(r => r.Id));
        Assert.Equal(new[] { "?limit=1&offset=0", "?page=2", "?page=3" }, server.Requests.Select(r => r.Query));
        Assert.Equal(CompassErrorKind.InvalidResponse, error!.Kind);
        Assert.Contains("never follows it there", error.Message);
    }

    [Fact]
    public async Task The_page_cap_ends_an_endless_list_with_one_invalid_response_and_first_still_wins()
    {
        await using var server = await ScriptedServer.StartAsync();
        // Every page new, always more: a list without end.
        server.Handle((c, n) => ScriptedServer.Json(c, Page(new[] { n }, ",\"has_more\":true")));
        var (runs, error) = await Drain(TestData.Client(server, o => { o.PageSize = 1; o.MaxPages = 5; }));
        Assert.Equal(5, runs.Count);
        Assert.Equal(CompassErrorKind.InvalidResponse, error!.Kind);
        Assert.Contains("COMPASS_MAX_PAGES", error.Message);

        await using var second = await ScriptedServer.StartAsync();
        second.Handle((c, n) => ScriptedServer.Json(c, Page(new[] { n }, ",\"has_more\":true")));
        var (some, none) = await Drain(TestData.Client(second, o => { o.PageSize = 1; o.MaxPages = 5; }), first: 5);
        Assert.Equal(5, some.Count);
        Assert.Null(none);
    }
}
