using Bunit;
using MudBlazor.Services;
using Portal.Components.Deployments.Wizard;
using Portal.Domain.Capacity;
using Portal.Domain.Deployments;
using Portal.Services.Wizard;

namespace Portal.Tests.Deploying;

/// <summary>The memory bar shows fit in green and no-fit in red with the explanation and a suggested GPU count.</summary>
public sealed class MemoryBarTests : BunitContext
{
    private static readonly WizardContext H100Cluster = new(
        ClusterLimits.Default with { KnownGpuTypes = ["NVIDIA-H100-80GB-HBM3"] },
        new ClusterCapacity([new NodeGpus("node-1", "NVIDIA-H100-80GB-HBM3", 81559, 8, 0), new NodeGpus("node-2", "NVIDIA-H100-80GB-HBM3", 81559, 8, 0)], true),
        ["default"]);

    public MemoryBarTests()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
    }

    [Fact]
    public void A_7B_model_on_one_H100_fits_and_says_so_without_a_warning()
    {
        var fit = DeployWizard.EstimateMemory(Draft("vllm", "Qwen/Qwen2.5-7B-Instruct", gpus: 1), H100Cluster)!;

        var bar = Render<MemoryBar>(p => p.Add(b => b.Fit, fit));

        Assert.Equal("true", bar.Find("#memory-estimate").GetAttribute("data-fits"));
        Assert.Equal("Fits", bar.Find("#memory-verdict").TextContent.Trim());
        Assert.Empty(bar.FindAll("#memory-warning"));
        Assert.Contains("fits.", bar.Find("#memory-explanation").TextContent);
        Assert.Contains("NVIDIA H100 80GB HBM3", bar.Markup);
    }

    [Fact]
    public void A_72B_model_on_one_H100_is_red_explains_why_and_offers_the_gpu_count_that_fits()
    {
        var fit = DeployWizard.EstimateMemory(Draft("vllm", "Qwen/Qwen2.5-72B-Instruct", gpus: 1), H100Cluster)!;
        int? chosen = null;

        var bar = Render<MemoryBar>(p => p.Add(b => b.Fit, fit).Add(b => b.OnUseGpus, (int n) => chosen = n));

        Assert.Equal("false", bar.Find("#memory-estimate").GetAttribute("data-fits"));
        Assert.Equal("Does not fit", bar.Find("#memory-verdict").TextContent.Trim());
        var warning = bar.Find("#memory-warning").TextContent;
        Assert.Contains("Qwen2.5 72B Instruct needs", warning);
        Assert.Contains("4 GPUs per replica would fit", warning);
        Assert.Contains("does not fit.", bar.Find("#memory-explanation").TextContent);
        Assert.Contains("mud-alert-outlined-error", bar.Find("#memory-warning").ClassName);

        bar.Find("#use-suggested-gpus").Click();
        Assert.Equal(4, chosen);
    }

    [Fact]
    public void The_segments_and_the_available_marker_are_drawn_to_the_same_scale()
    {
        var fit = DeployWizard.EstimateMemory(Draft("vllm", "Qwen/Qwen2.5-72B-Instruct", gpus: 1), H100Cluster)!;

        var bar = Render<MemoryBar>(p => p.Add(b => b.Fit, fit));

        // Required exceeds available: the segments fill the track (100 %) and the marker sits short of the end.
        var widths = bar.FindAll(".segment").Select(s => Percent(s.GetAttribute("style")!)).ToList();
        Assert.InRange(widths.Sum(), 99.9, 100.1);
        var marker = Percent(bar.Find(".available").GetAttribute("style")!);
        Assert.InRange(marker, 10, 99);
        Assert.Equal(100.0 * fit.Estimate.AvailableBytes / fit.Estimate.RequiredBytes, marker, 0);
    }

    [Fact]
    public void Ollama_estimates_its_default_4_bit_quantization()
    {
        var vllm = DeployWizard.EstimateMemory(Draft("vllm", "Qwen/Qwen2.5-72B-Instruct", gpus: 1), H100Cluster)!;
        var ollama = DeployWizard.EstimateMemory(Draft("ollama", "qwen2.5:72b", gpus: 1), H100Cluster)!;

        Assert.False(vllm.Estimate.Fits);
        Assert.True(ollama.Estimate.Fits);
        Assert.Contains("Q4_K_M", ollama.Estimate.Explanation);
    }

    private static WizardDraft Draft(string framework, string model, int gpus)
    {
        var draft = new WizardDraft();
        draft.ChangeFramework(framework);
        draft.ChangeModel(model);
        draft.GpusPerReplica = gpus;
        return draft;
    }

    private static double Percent(string style) =>
        double.Parse(System.Text.RegularExpressions.Regex.Match(style, @"([0-9.]+)%").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
}
