using System.Text.Json;
using AngleSharp.Dom;
using Bunit;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Portal.Application.Deployments;
using Portal.Application.Security;
using Portal.Components.Deployments.Wizard;
using Portal.Domain.Deployments;
using Portal.Services.Wizard;

namespace Portal.Tests.Deploying;

/// <summary>The wizard refuses to move on while a step has problems, and says what is wrong next to the field.</summary>
[Collection(DeploymentUiCollection.Name)]
public sealed class WizardStepValidationTests(SimulatorFixture simulator) : DeploymentUiTestContext(simulator), IClassFixture<SimulatorFixture>
{
    [Fact]
    public void Next_without_a_framework_says_one_is_required_and_stays_on_the_step()
    {
        SignInAsOperator();
        var wizard = RenderWithPopovers<DeployWizardView>();
        wizard.WaitForElement("#framework-vllm");

        wizard.Find("#wizard-next").Click();

        wizard.WaitForAssertion(() => Assert.Equal("Framework is required.", wizard.Find("#error-framework").TextContent.Trim()));
        Assert.Equal("Framework", wizard.Find("#wizard-step-title").TextContent);
        Assert.Contains("One field needs attention", wizard.Find("#step-errors").TextContent);
    }

    [Fact]
    public void An_ollama_tag_for_vllm_is_refused_next_to_the_model_field_until_corrected()
    {
        SignInAsOperator();
        var wizard = RenderWithPopovers<DeployWizardView>();
        wizard.WaitForElement("#framework-vllm").Click();
        wizard.Find("#wizard-next").Click();
        wizard.WaitForElement("#model-id");

        wizard.Find("#model-id").Change("qwen2.5:7b");
        wizard.Find("#wizard-next").Click();

        wizard.WaitForAssertion(() => Assert.Contains(
            "Model must be a Hugging Face repo id 'org/name'", HelperTextOf(wizard.Find("#model-id"))));
        Assert.Equal("Model", wizard.Find("#wizard-step-title").TextContent);
        // The name followed the model; it is valid, so only the model is marked.
        Assert.Equal("qwen2-5-7b", wizard.Find("#deployment-name").GetAttribute("value"));
        Assert.DoesNotContain("must", HelperTextOf(wizard.Find("#deployment-name")));

        wizard.Find("#model-id").Change("Qwen/Qwen2.5-7B-Instruct");
        wizard.WaitForAssertion(() => Assert.DoesNotContain("Hugging Face repo id 'org/name'", HelperTextOf(wizard.Find("#model-id"))));
        wizard.Find("#wizard-next").Click();
        wizard.WaitForAssertion(() => Assert.Equal("Resources", wizard.Find("#wizard-step-title").TextContent));
    }

    [Fact]
    public void Picking_a_catalog_model_uses_the_id_form_of_the_framework()
    {
        SignInAsOperator();
        var wizard = RenderWithPopovers<DeployWizardView>();
        wizard.WaitForElement("#framework-ollama").Click();
        wizard.Find("#wizard-next").Click();
        wizard.WaitForElement("#catalog-table");

        wizard.Find("#catalog-search").Input("llama3.1 8b");
        wizard.WaitForAssertion(() => Assert.Single(wizard.FindAll("#catalog-table tbody tr[data-model]")));
        wizard.Find("#catalog-table tbody tr[data-model] button").Click();

        wizard.WaitForAssertion(() => Assert.Equal("llama3.1:8b", wizard.Find("#model-id").GetAttribute("value")));
        Assert.Equal("llama3-1-8b", wizard.Find("#deployment-name").GetAttribute("value"));
    }

    [Fact]
    public void Tensor_parallel_that_does_not_divide_the_gpus_is_marked_on_the_advanced_step()
    {
        SignInAsOperator();
        var wizard = RenderWithPopovers<DeployWizardView>();
        StartAt(wizard, "vllm", "Qwen/Qwen2.5-7B-Instruct");
        wizard.Find("#gpus-per-replica").Change("4");
        GoNextTo(wizard, "Scaling & access");
        GoNextTo(wizard, "Advanced");

        wizard.Find("#tensor-parallel").Change("3");
        wizard.Find("#wizard-next").Click();

        wizard.WaitForAssertion(() => Assert.Equal(
            "Tensor parallel (3) must divide the GPUs per replica (4).", HelperTextOf(wizard.Find("#tensor-parallel"))));
        Assert.Equal("Advanced", wizard.Find("#wizard-step-title").TextContent);
    }

    [Fact]
    public void Bad_autoscaling_input_is_marked_next_to_each_field_and_the_wizard_stays_on_the_step()
    {
        SignInAsOperator();
        var wizard = RenderWithPopovers<DeployWizardView>();
        StartAt(wizard, "vllm", "Qwen/Qwen2.5-7B-Instruct");
        GoNextTo(wizard, "Scaling & access");

        // HPA with a minimum of 0, a maximum below it, a target of 0.
        wizard.FindAll("input[name='autoscaling-mode']")[1].Click(); // HPA
        wizard.WaitForElement("#autoscaling-min").Change("0");
        wizard.Find("#autoscaling-max").Change("0");
        wizard.Find("#autoscaling-target").Change("0");
        wizard.Find("#wizard-next").Click();

        wizard.WaitForAssertion(() => Assert.Contains("choose KEDA to scale to zero", HelperTextOf(wizard.Find("#autoscaling-min"))));
        Assert.Contains("Maximum replicas must be at least 1", HelperTextOf(wizard.Find("#autoscaling-max")));
        Assert.Equal("Target must be a positive number.", HelperTextOf(wizard.Find("#autoscaling-target")));
        Assert.Equal("Scaling & access", wizard.Find("#wizard-step-title").TextContent);

        // KEDA allows 0; a minimum above the maximum is still refused next to the minimum.
        wizard.FindAll("input[name='autoscaling-mode']")[2].Click(); // KEDA
        wizard.WaitForElement("#autoscaling-min").Change("3");
        wizard.Find("#autoscaling-max").Change("2");
        wizard.Find("#autoscaling-target").Change("5");
        wizard.Find("#wizard-next").Click();
        wizard.WaitForAssertion(() => Assert.Contains("cannot be more than the maximum (2)", HelperTextOf(wizard.Find("#autoscaling-min"))));
        Assert.Equal("Scaling & access", wizard.Find("#wizard-step-title").TextContent);
    }

    [Fact]
    public void Each_extra_argument_is_checked_on_its_own_row()
    {
        SignInAsOperator();
        var wizard = RenderWithPopovers<DeployWizardView>();
        StartAt(wizard, "vllm", "Qwen/Qwen2.5-7B-Instruct");
        GoNextTo(wizard, "Scaling & access");
        GoNextTo(wizard, "Advanced");

        foreach (var arg in new[] { "--enable-prefix-caching", "--served=x; rm -rf /", "--port=9000" })
        {
            var index = wizard.FindAll("[id^=extra-arg-]").Count;
            wizard.Find("#add-extra-arg").Click();
            wizard.WaitForElement($"#extra-arg-{index}").Change(arg);
        }

        wizard.Find("#wizard-next").Click();

        wizard.WaitForAssertion(() => Assert.Contains("must not contain shell syntax", HelperTextOf(wizard.Find("#extra-arg-1"))));
        Assert.Equal("--port is set by the portal; remove it from the extra arguments.", HelperTextOf(wizard.Find("#extra-arg-2")));
        Assert.Equal("", HelperTextOf(wizard.Find("#extra-arg-0")));
        Assert.Contains("2 fields need attention", wizard.Find("#step-errors").TextContent);
    }

    [Fact]
    public void A_variable_set_twice_and_a_reserved_variable_are_marked_on_their_rows()
    {
        SignInAsOperator();
        var wizard = RenderWithPopovers<DeployWizardView>();
        StartAt(wizard, "vllm", "Qwen/Qwen2.5-7B-Instruct");
        GoNextTo(wizard, "Scaling & access");
        GoNextTo(wizard, "Advanced");

        foreach (var (name, value) in new[] { ("VLLM_LOGGING_LEVEL", "DEBUG"), ("VLLM_LOGGING_LEVEL", "INFO"), ("HF_TOKEN", "hf_secret") })
        {
            var index = wizard.FindAll("[id^=env-name-]").Count;
            wizard.Find("#add-env").Click();
            wizard.WaitForElement($"#env-name-{index}").Change(name);
            wizard.Find($"#env-value-{index}").Change(value);
        }

        wizard.Find("#wizard-next").Click();

        wizard.WaitForAssertion(() => Assert.Equal("VLLM_LOGGING_LEVEL is set twice; remove one of the rows.", HelperTextOf(wizard.Find("#env-name-1"))));
        Assert.Equal("Put the token in a Secret and name it in huggingFaceTokenSecret instead.", HelperTextOf(wizard.Find("#env-name-2")));
        Assert.Equal("", HelperTextOf(wizard.Find("#env-name-0")));
    }

    [Fact]
    public void The_draft_is_saved_without_the_token_and_restored_at_the_step_it_was_left()
    {
        SignInAsOperator();
        var wizard = RenderWithPopovers<DeployWizardView>();
        StartAt(wizard, "vllm", "meta-llama/Llama-3.1-8B-Instruct");
        GoNextTo(wizard, "Scaling & access");
        wizard.FindAll("input[name='token-source']")[1].Click(); // Paste a token
        wizard.WaitForElement("#hf-token").Change("hf_do-not-store-me");

        var saved = JSInterop.Invocations["localStorage.setItem"].Last().Arguments[1] as string;
        Assert.NotNull(saved);
        Assert.DoesNotContain("hf_do-not-store-me", saved);
        var draft = JsonSerializer.Deserialize<WizardDraft>(saved, PortalJson.Options)!;
        Assert.Equal(("vllm", "meta-llama/Llama-3.1-8B-Instruct", (int)WizardStep.Scaling, TokenSource.New),
            (draft.Framework, draft.Model, draft.StepIndex, draft.TokenSource));

        // A reload: a new wizard reads the same draft back from local storage.
        JSInterop.Setup<string?>("localStorage.getItem", WizardDraftStore.Key).SetResult(saved);
        var reloaded = Render<DeployWizardView>();
        reloaded.WaitForAssertion(() => Assert.Equal("Scaling & access", reloaded.Find("#wizard-step-title").TextContent));
        Assert.NotNull(reloaded.Find("#draft-restored"));
        Assert.Equal("", reloaded.Find("#hf-token").GetAttribute("value") ?? "");
        reloaded.Find("#wizard-next").Click();
        reloaded.WaitForAssertion(() => Assert.Contains("Paste the Hugging Face token", HelperTextOf(reloaded.Find("#hf-token"))));
    }

    [Fact]
    public async Task Deploy_stores_the_token_as_a_secret_and_creates_the_deployment_through_the_commands()
    {
        SignInAsOperator();
        var wizardService = Services.GetRequiredService<DeployWizard>();
        var draft = new WizardDraft();
        draft.ChangeFramework("vllm");
        draft.ChangeModel("meta-llama/Llama-3.2-1B-Instruct");
        draft.TokenSource = TokenSource.New;
        draft.TokenValue = "hf_test-token";

        var outcome = await wizardService.DeployAsync(draft, Ct);

        Assert.True(outcome.Succeeded, outcome.Message);
        Assert.Equal("llama-3-2-1b-instruct", outcome.DeploymentName);
        var stored = await Services.GetRequiredService<DeploymentQueries>().FindAsync("llama-3-2-1b-instruct", Ct);
        Assert.Equal("llama-3-2-1b-instruct-hf-token", stored!.Spec.HuggingFaceTokenSecret);
        var operations = await Services.GetRequiredService<DeploymentQueries>().OperationsAsync("llama-3-2-1b-instruct", 10, Ct);
        Assert.Equal("operator@portal.test", Assert.Single(operations).RequestedBy);
        Assert.NotNull(operations[0].JobId);

        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Simulator.KubeconfigPath));
        var secret = await client.CoreV1.ReadNamespacedSecretAsync("llama-3-2-1b-instruct-hf-token", "default", cancellationToken: Ct);
        Assert.Equal("hf_test-token", System.Text.Encoding.UTF8.GetString(secret.Data["token"]));

        // The same name again is refused on the name field, before anything is written.
        var again = await wizardService.DeployAsync(draft, Ct);
        Assert.False(again.Succeeded);
        Assert.Contains("already exists", again.Errors.Text("name"));
    }

    [Fact]
    public async Task A_viewer_cannot_deploy_even_by_calling_the_service()
    {
        SignIn("viewer@portal.test", PortalRoles.Viewer);
        var draft = new WizardDraft();
        draft.ChangeFramework("ollama");
        draft.ChangeModel("qwen2.5:0.5b");

        var outcome = await Services.GetRequiredService<DeployWizard>().DeployAsync(draft, Ct);

        Assert.False(outcome.Succeeded);
        Assert.Contains("not create them", outcome.Message);
        Assert.Null(await Services.GetRequiredService<DeploymentQueries>().FindAsync("qwen2-5-0-5b", Ct));
    }

    /// <summary>The helper or error line MudBlazor shows under an input.</summary>
    internal static string HelperTextOf(IElement input) =>
        input.Closest(".mud-input-control")?.QuerySelector(".mud-input-helper-text")?.TextContent.Trim() ?? "";

    /// <summary>Framework and model chosen, on the Resources step.</summary>
    private static void StartAt(IRenderedComponent<DeployWizardView> wizard, string framework, string model)
    {
        wizard.WaitForElement($"#framework-{framework}").Click();
        wizard.Find("#wizard-next").Click();
        wizard.WaitForElement("#model-id").Change(model);
        GoNextTo(wizard, "Resources");
    }

    private static void GoNextTo(IRenderedComponent<DeployWizardView> wizard, string title)
    {
        wizard.Find("#wizard-next").Click();
        wizard.WaitForAssertion(() => Assert.Equal(title, wizard.Find("#wizard-step-title").TextContent));
    }
}
