using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cluster.Coordinator.Api;
using Cluster.Coordinator.Runtime;
using Cluster.Shared.Actors;

namespace Cluster.Coordinator.Tests.Api;

/// <summary>The status page and its history as <see cref="JobApi"/> serves them (no job behind it: nothing here sends a command).</summary>
public sealed partial class StatusPageApiTests : IAsyncLifetime
{
    private readonly StatusBoard board = new();
    private readonly HttpClient http = new();
    private JobApi api = null!;

    public async Task InitializeAsync() => api = await JobApi.StartAsync("127.0.0.1", 0, board, ActorRefs.Nobody, TimeSpan.FromSeconds(1));

    public async Task DisposeAsync()
    {
        http.Dispose();
        await api.DisposeAsync();
    }

    [Fact]
    public async Task The_page_and_every_file_it_names_are_served_by_the_coordinator_itself()
    {
        using HttpResponseMessage page = await http.GetAsync(api.Url + "/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single());
        string html = await page.Content.ReadAsStringAsync();

        var references = ReferenceAttribute().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["data:,", "/assets/status.css", "/assets/status.js"], references);
        foreach (string path in references.Where(r => r.StartsWith('/')))
        {
            using HttpResponseMessage file = await http.GetAsync(api.Url + path);
            Assert.True(file.StatusCode == HttpStatusCode.OK, $"{path}: {file.StatusCode}");
        }

        using HttpResponseMessage script = await http.GetAsync(api.Url + "/assets/status.js");
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        using HttpResponseMessage missing = await http.GetAsync(api.Url + "/assets/nothing.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Theory]
    [InlineData("POST", "/")]
    [InlineData("PUT", "/")]
    [InlineData("DELETE", "/assets/status.js")]
    [InlineData("POST", "/assets/status.css")]
    [InlineData("POST", "/status/history")]
    [InlineData("POST", "/status")]
    public async Task The_page_its_files_and_the_status_are_read_only(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), api.Url + path) { Content = new StringContent("{}") };
        using HttpResponseMessage response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task The_history_gives_the_samples_after_the_one_asked_for()
    {
        using (JsonDocument empty = JsonDocument.Parse(await http.GetStringAsync(api.Url + "/status/history")))
        {
            Assert.Equal(StatusHistory.DefaultCapacity, empty.RootElement.GetProperty("capacity").GetInt32());
            Assert.Equal(0, empty.RootElement.GetProperty("last_seq").GetInt64());
            Assert.Equal(0, empty.RootElement.GetProperty("samples").GetArrayLength());
        }

        board.Publish(Status(1, double.NaN));
        board.Publish(Status(2, 1.5));
        using JsonDocument page = JsonDocument.Parse(await http.GetStringAsync(api.Url + "/status/history?after=1"));
        Assert.Equal(2, page.RootElement.GetProperty("last_seq").GetInt64());
        JsonElement sample = Assert.Single(page.RootElement.GetProperty("samples").EnumerateArray());
        Assert.Equal(2, sample.GetProperty("step").GetInt64());
        Assert.Equal(1.5, sample.GetProperty("loss").GetDouble());
        Assert.Equal(0.5, sample.GetProperty("data_stall").GetDouble());
        Assert.Equal(2, page.RootElement.GetProperty("checkpoints")[0].GetProperty("step").GetInt64());

        // A non-finite loss is written as the status writes it, which the page reads as NaN.
        using JsonDocument all = JsonDocument.Parse(await http.GetStringAsync(api.Url + "/status/history"));
        Assert.Equal("NaN", all.RootElement.GetProperty("samples")[0].GetProperty("loss").GetString());

        using HttpResponseMessage bad = await http.GetAsync(api.Url + "/status/history?after=-1");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    private static JobStatus Status(long step, double loss) => new()
    {
        Job = "tiny",
        Phase = "training",
        Step = step,
        Loss = loss,
        DataStall = 0.5,
        CheckpointStep = 2,
        CheckpointDirectory = "/ckpt/step-2",
    };

    [GeneratedRegex("(?:src|href)=\"([^\"]*)\"")]
    private static partial Regex ReferenceAttribute();
}
