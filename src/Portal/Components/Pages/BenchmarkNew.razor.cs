using Microsoft.AspNetCore.Components;
using Portal.Application.Benchmarks;
using Portal.Application.Deployments;
using Portal.Services.Benchmarks;
using Portal.Services.Wizard;

namespace Portal.Components.Pages;

/// <summary>The new-run form: the same validation as the API, shown next to the fields; starting a run opens its page.</summary>
public sealed partial class BenchmarkNew
{
    private readonly BenchmarkForm _form = new();
    private IReadOnlyList<DeploymentSummary> _deployments = [];
    private FieldErrors _errors = FieldErrors.None;
    private bool _attempted;
    private bool _starting;
    private string? _message;

    [Inject]
    public required BenchmarkCommands Commands { get; init; }

    [Inject]
    public required DeploymentQueries Deployments { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [SupplyParameterFromQuery(Name = "deployment")]
    public string? Deployment { get; set; }

    private IEnumerable<string> LevelsError => _errors.Under("load.levels").SelectMany(e => e.Value);

    protected override async Task OnInitializedAsync()
    {
        _deployments = await Deployments.ListAsync(CancellationToken.None);
        _form.Deployment = Deployment ?? _deployments.FirstOrDefault(d => d.State == Domain.Deployments.ObservedState.Ready)?.Name;
    }

    private async Task DeploymentChanged(string? name)
    {
        _form.Deployment = name;
        await ValidateAsync();
    }

    /// <summary>Field problems appear once the operator has tried to start (and then as they fix them).</summary>
    private async Task ValidateAsync()
    {
        if (!_attempted)
        {
            return;
        }

        var (command, readErrors) = _form.ToCommand();
        var (_, _, errors) = await Commands.ValidateAsync(command, CancellationToken.None);
        foreach (var (key, value) in readErrors)
        {
            errors[key] = value;
        }

        _errors = new FieldErrors(errors);
    }

    private async Task StartAsync()
    {
        _attempted = true;
        _message = null;
        await ValidateAsync();
        if (!_errors.IsEmpty)
        {
            return;
        }

        _starting = true;
        try
        {
            var (command, _) = _form.ToCommand();
            switch (await Commands.StartAsync(command, CancellationToken.None))
            {
                case BenchmarkResult.Accepted accepted:
                    Navigation.NavigateTo($"benchmarks/{accepted.Run.Id}");
                    break;
                case BenchmarkResult.Invalid invalid:
                    _errors = new FieldErrors(invalid.Errors);
                    break;
                case BenchmarkResult.Forbidden forbidden:
                    _message = forbidden.Message;
                    break;
                case var other:
                    _message = other.ToString();
                    break;
            }
        }
        finally
        {
            _starting = false;
        }
    }
}
