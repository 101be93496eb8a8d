using System.Management.Automation;
using CompassPS.Client;
using Xunit;

namespace CompassPS.Tests;

public sealed class JsonDecodingTests
{
    [Fact]
    public async Task A_run_maps_to_typed_properties_and_keeps_unknown_fields()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, TestData.RunJson("r1", "completed", extra: ""","cost_usd":0.25,"labels":["a","b"]""")));
        var run = await TestData.Client(server).GetRunAsync("r1", default);

        Assert.Equal("completed", run.Status);
        Assert.True(run.IsTerminal);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), run.CreatedAt);
        Assert.Equal("Q3", ((PSObject)run.InputData!).Properties["topic"].Value);
        var ps = run.ToPSObject();
        Assert.Equal(0.25, ps.Properties["CostUsd"].Value);
        Assert.Equal(new object[] { "a", "b" }, (object[])ps.Properties["Labels"].Value);
        Assert.Contains("CompassPS.Run", ps.TypeNames);
    }

    [Fact]
    public async Task An_unknown_field_never_hides_a_modelled_property_and_two_spellings_keep_the_first()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, TestData.RunJson("r1", "completed",
            extra: ""","parent_run_id":"p1","parentRunId":"p2","Status":"shadow","STEP_COUNT":9""")));
        var ps = (await TestData.Client(server).GetRunAsync("r1", default)).ToPSObject();

        Assert.Equal("completed", ps.Properties["Status"].Value);
        Assert.Equal("p1", ps.Properties["ParentRunId"].Value);
        // STEP_COUNT is not step_count: it is kept under its own wire name rather than replacing the modelled count.
        Assert.Equal(9L, Convert.ToInt64(ps.Properties["STEP_COUNT"].Value));
        Assert.NotEqual(9L, ((Run)ps.BaseObject).StepCount);
    }

    [Theory]
    [InlineData("""{"id":"r1","status":5}""", "status")]
    [InlineData("""{"id":"r1","status":"running","created_at":"yesterday"}""", "created_at")]
    [InlineData("""{"id":"r1","status":"running","total_tokens":"many"}""", "total_tokens")]
    [InlineData("""{"status":"running"}""", "id")]
    [InlineData("""[1,2]""", "run")]
    public async Task A_field_of_the_wrong_type_is_an_invalid_response_naming_it(string body, string field)
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Handle(c => ScriptedServer.Json(c, body));
        var ex = await Assert.ThrowsAsync<CompassApiException>(() => TestData.Client(server).GetRunAsync("r1", default));
        Assert.Equal(CompassErrorKind.InvalidResponse, ex.Kind);
        Assert.Contains(field, ex.Message);
        Assert.Equal(System.Net.HttpStatusCode.OK, ex.StatusCode);
    }

    [Fact]
    public void Unknown_statuses_are_not_terminal()
    {
        Assert.False(RunStatus.IsTerminal("queued"));
        Assert.False(RunStatus.IsTerminal("awaiting_approval"));
        Assert.True(RunStatus.IsTerminal("cancelled"));
    }
}
