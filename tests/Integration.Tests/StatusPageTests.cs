using System.Diagnostics;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Cluster.Integration.Tests;

/// <summary>
/// The status page of a running job in Debian's chromium (installed by the setup script; Playwright downloads no
/// browser): the step it shows advances, the four charts draw, every request goes to the coordinator on loopback, and
/// a screenshot is kept as the test's artefact (<c>artifacts/status-page.png</c> beside the test assembly).
/// </summary>
[Collection(ClusterProcesses.Name)]
public sealed class StatusPageTests(ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";

    // Chromium's own connections (updates, sync, field trials) would be refused by a closed network, many at a time.
    private static readonly string[] ChromiumArguments =
        ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    private static readonly string[] Charts = ["chart-loss", "chart-lr", "chart-throughput", "chart-stall"];

    [Fact]
    public async Task The_status_page_shows_the_step_advance_and_draws_the_charts_from_the_coordinator_alone()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing; scripts/setup.sh installs Debian's chromium");
        using var job = new TinyJob(utterances: 400, checkpointEvery: 5);
        using Process train = job.StartTrain();
        using var http = new HttpClient();
        await JobRun.WaitForStatusAsync(http, job, train, "step 1", s => s.GetProperty("step").GetInt64() >= 1);
        string api = job.ApiUrl();

        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ChromiumArguments,
        });
        IPage page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 1000 } });
        var requests = new List<string>();
        var errors = new List<string>();
        page.Request += (_, request) =>
        {
            lock (requests) requests.Add(request.Url);
        };
        page.PageError += (_, error) =>
        {
            lock (errors) errors.Add(error);
        };
        page.Console += (_, message) =>
        {
            if (message.Type == "error") lock (errors) errors.Add(message.Text);
        };

        await page.GotoAsync(api + "/");
        var wait = new PageWaitForFunctionOptions { Timeout = (float)JobRun.Limit.TotalMilliseconds, PollingInterval = 200 };
        await page.WaitForFunctionAsync("() => /^[0-9]+$/.test(document.getElementById('step').textContent)", null, wait);
        long first = long.Parse(await page.Locator("#step").TextContentAsync() ?? "", System.Globalization.CultureInfo.InvariantCulture);
        await page.WaitForFunctionAsync("first => Number(document.getElementById('step').textContent) > first", first, wait);
        long advanced = long.Parse(await page.Locator("#step").TextContentAsync() ?? "", System.Globalization.CultureInfo.InvariantCulture);
        output.WriteLine($"the page showed step {first}, then {advanced}");

        // Enough steps for lines worth looking at, and a checkpoint in its table.
        await page.WaitForFunctionAsync(
            "ids => ids.every(id => Number(document.getElementById(id).dataset.points) >= 30) && document.querySelectorAll('#checkpoints tbody tr').length > 0",
            Charts, wait);
        int[] inked = await page.EvaluateAsync<int[]>("""
            ids => ids.map(id => {
              const canvas = document.getElementById(id);
              const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
              let inked = 0;
              for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) inked++;
              return inked;
            })
            """, Charts);
        output.WriteLine("inked pixels per chart: " + string.Join(", ", Charts.Zip(inked, (c, n) => $"{c} {n}")));
        Assert.All(inked, n => Assert.True(n > 1000, $"a chart drew only {n} pixels"));
        Assert.Equal("training", await page.Locator("#phase").TextContentAsync());
        Assert.Equal(4, await page.Locator("#nodes tbody tr").CountAsync());

        string artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(artifacts);
        string screenshot = Path.Combine(artifacts, "status-page.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        output.WriteLine($"screenshot: {screenshot}");
        Console.WriteLine($"status page screenshot: {screenshot}");
        // Closed before the job stops: the page would report the coordinator gone.
        await page.CloseAsync();

        using (var stop = await http.PostAsync(api + "/stop", new StringContent("""{"checkpoint": false}""")))
            Assert.True(stop.IsSuccessStatusCode, await stop.Content.ReadAsStringAsync());
        JobRun.WaitForExit(train, job);
        Assert.True(train.ExitCode == 0, job.Transcript());

        lock (requests)
        {
            output.WriteLine($"{requests.Count} requests, e.g. {string.Join(", ", requests.Distinct().Take(6))}");
            var away = requests.Where(u => new Uri(u) is { Scheme: "http" or "https" or "ws" or "wss" } uri && !uri.IsLoopback).ToList();
            Assert.True(away.Count == 0, "requests off loopback: " + string.Join(", ", away.Distinct()));
            Assert.Contains(requests, u => u.EndsWith("/assets/status.js", StringComparison.Ordinal));
            Assert.Contains(requests, u => u.Contains("/status/history?after=", StringComparison.Ordinal));
        }

        lock (errors) Assert.True(errors.Count == 0, "the page reported errors: " + string.Join("; ", errors));
    }
}
