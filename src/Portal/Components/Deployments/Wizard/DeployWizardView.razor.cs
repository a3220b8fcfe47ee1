using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Domain.Capacity;
using Portal.Services.Wizard;

namespace Portal.Components.Deployments.Wizard;

/// <summary>
/// Holds the draft, validates a step before moving on (the same validation as the API, shown next to
/// the fields), keeps the draft in local storage, and deploys through <see cref="DeployWizard"/>.
/// </summary>
public sealed partial class DeployWizardView : IAsyncDisposable
{
    private readonly CancellationTokenSource _disposed = new();
    private WizardDraft? _draft;
    private WizardStepMachine? _steps;
    private WizardContext? _context;
    private FieldErrors _errors = FieldErrors.None;
    private ElementReference _heading;
    private bool _ready;
    private bool _restored;
    private bool _deploying;
    private bool _focusHeading;
    private string? _message;

    [Inject]
    public required DeployWizard Wizard { get; init; }

    [Inject]
    public required WizardDraftStore Store { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    private WizardStep Current => _steps?.Current ?? WizardStep.Framework;

    /// <summary>Errors of the steps the operator tried to leave (or deploy): fields start clean.</summary>
    private FieldErrors VisibleErrors => _steps?.Visible(_errors) ?? FieldErrors.None;

    private bool CapacityBlocks => _draft is not null && _context is not null
        && DeployWizard.CheckCapacity(_draft, _context) is { Severity: CapacitySeverity.Impossible } && !_draft.AcknowledgedCapacity;

    private bool CanDeploy => !_deploying && _errors.IsEmpty && !CapacityBlocks;

    private string StepIntro => Current switch
    {
        WizardStep.Framework => "Pick the engine that serves the model. You can change it later in this wizard; what still applies is kept.",
        WizardStep.Model => "Choose from the catalog or type any id; the field shows the form this framework needs.",
        WizardStep.Resources => "What one replica gets. The estimate shows whether the model fits the GPUs.",
        WizardStep.Scaling => "How many replicas, how the model is reached, where weights are cached, and the token for gated models.",
        WizardStep.Advanced => "Optional. Typed options of the engine, extra arguments and environment variables.",
        WizardStep.Review => "Check the summary and the manifests. Deploy returns at once; the page that follows shows the progress live.",
        _ => "",
    };

    protected override async Task OnInitializedAsync()
    {
        // The cluster is read once the circuit is live; the prerendered page shows a progress bar.
        if (RendererInfo.IsInteractive)
        {
            _context = await Wizard.LoadContextAsync(_disposed.Token);
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender && RendererInfo.IsInteractive)
        {
            var saved = await Store.LoadAsync(_disposed.Token);
            _restored = saved is not null && (saved.Framework is not null || saved.Model.Length > 0);
            _draft = saved ?? new WizardDraft();
            _steps = new WizardStepMachine(_draft);
            _steps.Restore();
            _context ??= await Wizard.LoadContextAsync(_disposed.Token);
            await RevalidateAsync();
            _ready = true;
            StateHasChanged();
        }
        else if (_focusHeading)
        {
            _focusHeading = false;
            await _heading.FocusAsync();
        }
    }

    private async Task OnChangedAsync()
    {
        _message = null;
        await RevalidateAsync();
        await SaveAsync();
    }

    private async Task NextAsync()
    {
        await RevalidateAsync();
        if (_steps!.Next(_errors))
        {
            await MovedAsync();
        }
    }

    private async Task BackAsync()
    {
        if (_steps!.Back())
        {
            await MovedAsync();
        }
    }

    /// <summary>Back to any step; forward only over steps without problems (stopping at the first that has some).</summary>
    private async Task GoToAsync(WizardStep target)
    {
        if (target > Current)
        {
            await RevalidateAsync();
        }

        _steps!.GoTo(target, _errors);
        await MovedAsync();
    }

    private async Task MovedAsync()
    {
        _message = null;
        _focusHeading = true;
        await SaveAsync();
    }

    private async Task DeployAsync()
    {
        if (_draft is null || _deploying)
        {
            return;
        }

        await RevalidateAsync();
        _steps!.AttemptAll();

        if (!CanDeploy)
        {
            return;
        }

        _deploying = true;
        try
        {
            var outcome = await Wizard.DeployAsync(_draft, _disposed.Token);
            if (outcome.Succeeded)
            {
                await Store.ClearAsync(_disposed.Token);
                Snackbar.Add($"Deploying {outcome.DeploymentName}: the job has started.", Severity.Info);
                Navigation.NavigateTo($"deployments/{Uri.EscapeDataString(outcome.DeploymentName!)}");
                return;
            }

            if (!outcome.Errors.IsEmpty)
            {
                _errors = outcome.Errors;
            }

            _message = outcome.Message;
        }
        finally
        {
            _deploying = false;
        }
    }

    private async Task StartOverAsync()
    {
        await Store.ClearAsync(_disposed.Token);
        _draft = new WizardDraft();
        _steps = new WizardStepMachine(_draft);
        _restored = false;
        _message = null;
        await RevalidateAsync();
    }

    private async Task RevalidateAsync()
    {
        if (_draft is not null && _context is not null)
        {
            _errors = await Wizard.ValidateAsync(_draft, _context, _disposed.Token);
        }
    }

    private Task SaveAsync() => _draft is null ? Task.CompletedTask : Store.SaveAsync(_draft, _disposed.Token);

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        _disposed.Dispose();
    }
}
