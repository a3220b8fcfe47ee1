using MudBlazor;
using Portal.Services.Deployments;

namespace Portal.Components.Deployments.Dialogs;

/// <summary>
/// Scale, stop, start and delete as a person does them: a dialog to confirm (typed name for delete),
/// then <see cref="DeploymentActions"/> (whose command checks the role again), then a snackbar saying what happened.
/// Shared by the list's row menu and the deployment page's header.
/// </summary>
public sealed class DeploymentActionFlow(IDialogService dialogs, ISnackbar snackbar, DeploymentActions actions)
{
    private static readonly DialogOptions Options = new() { MaxWidth = MaxWidth.Small, CloseOnEscapeKey = true, CloseButton = true };

    public async Task<bool> ScaleAsync(ActionTarget target, CancellationToken cancellationToken)
    {
        var parameters = new DialogParameters<ScaleDialog>
        {
            { d => d.Name, target.Name },
            { d => d.Current, target.Replicas },
            { d => d.GpusPerReplica, target.GpusPerReplica },
        };
        var dialog = await dialogs.ShowAsync<ScaleDialog>($"Scale {target.Name}", parameters, Options);
        if (await dialog.Result is not { Canceled: false, Data: int replicas })
        {
            return false;
        }

        return Report(await actions.ScaleAsync(target.Name, replicas, cancellationToken));
    }

    public async Task<bool> StopAsync(ActionTarget target, CancellationToken cancellationToken)
    {
        var parameters = new DialogParameters<ConfirmDialog>
        {
            { d => d.Title, $"Stop {target.Name}?" },
            { d => d.Message, "Its pods are removed and its GPUs freed; the model cache volumes are kept, so Start brings it back without downloading the weights again." },
            { d => d.ConfirmText, "Stop" },
            { d => d.Color, Color.Warning },
        };
        var dialog = await dialogs.ShowAsync<ConfirmDialog>($"Stop {target.Name}", parameters, Options);
        if (await dialog.Result is not { Canceled: false })
        {
            return false;
        }

        return Report(await actions.StopAsync(target.Name, cancellationToken));
    }

    public async Task<bool> StartAsync(ActionTarget target, CancellationToken cancellationToken) =>
        Report(await actions.StartAsync(target.Name, cancellationToken));

    public async Task<bool> DeleteAsync(ActionTarget target, CancellationToken cancellationToken)
    {
        var parameters = new DialogParameters<DeleteDialog> { { d => d.Name, target.Name } };
        var dialog = await dialogs.ShowAsync<DeleteDialog>($"Delete {target.Name}", parameters, Options);
        if (await dialog.Result is not { Canceled: false, Data: bool deleteCache })
        {
            return false;
        }

        return Report(await actions.DeleteAsync(target.Name, deleteCache, cancellationToken));
    }

    private bool Report(ActionOutcome outcome)
    {
        snackbar.Add(outcome.Message, outcome.Succeeded ? Severity.Info : Severity.Error);
        return outcome.Succeeded;
    }
}
