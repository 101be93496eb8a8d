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
