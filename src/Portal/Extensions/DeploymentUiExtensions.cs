using Portal.Components.Deployments.Dialogs;
using Portal.Services.Deployments;
using Portal.Services.Wizard;

namespace Portal.Extensions;

/// <summary>The deploy wizard and deployment pages: their services (the commands themselves come from AddPortalApplication).</summary>
public static class DeploymentUiExtensions
{
    public static IServiceCollection AddDeploymentUi(this IServiceCollection services)
    {
        services.AddSingleton<DeploymentManifests>();
        services.AddScoped<DeploymentActions>();
        services.AddScoped<AutoscalingEditor>();
        services.AddScoped<DeploymentActionFlow>();
        services.AddScoped<DeployWizard>();
        services.AddScoped<WizardDraftStore>();
        services.AddScoped<Portal.Services.Benchmarks.DeployFromRun>();
        return services;
    }
}
