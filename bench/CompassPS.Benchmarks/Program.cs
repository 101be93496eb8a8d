using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace CompassPS.Benchmarks;

/// <summary>
/// Runs the micro-benchmarks in process (no generated project to build: the suite must fit in minutes on two
/// cores) and writes their figures as a scenario result for the benchmark runner:
/// <c>CompassPS.Benchmarks --result path.json [--quick]</c>.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var resultPath = ArgumentAfter(args, "--result");
        var quick = args.Contains("--quick");
        var artifacts = Path.Combine(Path.GetTempPath(), "compassps-benchmarkdotnet");
        var job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(quick ? 1 : 3)
            .WithIterationCount(quick ? 3 : 8)
            .WithId("short");
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddLogger(ConsoleLogger.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .WithArtifactsPath(artifacts)
            .WithOptions(ConfigOptions.DisableLogFile);

        var summaries = BenchmarkRunner.Run([typeof(RunDecoding), typeof(PageDecoding), typeof(EventStreamDecoding)], config);
        if (summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)))
        {
            Console.Error.WriteLine("A benchmark failed; see the log above.");
            return 1;
        }
        if (resultPath is not null) File.WriteAllText(resultPath, JsonSerializer.Serialize(Result(summaries), new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    private static string? ArgumentAfter(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    /// <summary>The scenario result: every benchmark's mean and allocation, and each CompassPS figure against its floor.</summary>
    private static Dictionary<string, object?> Result(Summary[] summaries)
    {
        var candidates = new List<Dictionary<string, object?>>();
        var checks = new List<Dictionary<string, object?>>();
        foreach (var summary in summaries)
        {
            var group = summary.BenchmarksCases[0].Descriptor.Type.Name;
            BenchmarkReport? floor = null, compass = null;
            foreach (var report in summary.Reports)
            {
                var descriptor = report.BenchmarkCase.Descriptor;
                var meanUs = report.ResultStatistics!.Mean / 1000;
                var allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? 0;
                candidates.Add(new()
                {
                    ["name"] = $"{group}: {descriptor.WorkloadMethodDisplayInfo.Trim('\'')}",
                    ["unit"] = "us",
                    ["median"] = Math.Round(report.ResultStatistics.Median / 1000, 3),
                    ["rounds"] = report.ResultStatistics.OriginalValues.Select(v => Math.Round(v / 1000, 3)).ToArray(),
                    ["note"] = string.Create(CultureInfo.InvariantCulture, $"mean {meanUs:N2} us, {allocated:N0} B allocated per call"),
                });
                if (descriptor.Baseline) floor = report;
                else if (descriptor.WorkloadMethod.Name == "CompassPS") compass = report;
            }
            if (floor is null || compass is null) continue;
            var ratio = compass.ResultStatistics!.Median / floor.ResultStatistics!.Median;
            checks.Add(new()
            {
                ["name"] = group switch
                {
                    "RunDecoding" => "Decoding one run",
                    "PageDecoding" => "Decoding a page of 200 runs",
                    "EventStreamDecoding" => "Decoding 1,000 stream events",
                    _ => group,
                },
                ["compassps"] = string.Create(CultureInfo.InvariantCulture, $"{compass.ResultStatistics.Median / 1000:N2} us"),
                ["alternative"] = string.Create(CultureInfo.InvariantCulture, $"{floor.ResultStatistics.Median / 1000:N2} us"),
                ["value"] = Math.Round(ratio, 4),
                ["display"] = string.Create(CultureInfo.InvariantCulture, $"{ratio:N2}x the floor"),
                ["target"] = "none (published)",
                ["met"] = null,
            });
        }
        return new()
        {
            ["id"] = "micro",
            ["title"] = "7. Client core micro-benchmarks (BenchmarkDotNet)",
            ["description"] = "BenchmarkDotNet 0.15.8, in-process toolchain, one launch, short warm-up and iteration counts so the suite fits its time; medians per call. The floor is what .NET alone costs for the same bytes (JsonDocument.Parse, or SseParser with string data).",
            ["candidates"] = candidates,
            ["checks"] = checks,
        };
    }
}
