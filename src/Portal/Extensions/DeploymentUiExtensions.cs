using Portal.Components.Deployments.Dialogs;
using Portal.Jobs.Cluster;
using Portal.Services.Deployments;
using Portal.Services.Wizard;

namespace Portal.Extensions;

/// <summary>The deploy wizard and deployment pages: their services (the commands themselves come from AddPortalJobs).</summary>
public static class DeploymentUiExtensions
{
    public static IServiceCollection AddDeploymentUi(this IServiceCollection services)
    {
        services.AddSingleton<DeploymentInspector>();
        services.AddSingleton<DeploymentManifests>();
        services.AddScoped<DeploymentActions>();
        services.AddScoped<DeploymentActionFlow>();
        services.AddScoped<DeployWizard>();
        services.AddScoped<WizardDraftStore>();
        return services;
    }
}
