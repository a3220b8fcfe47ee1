using Portal.Application;
using Portal.Extensions;
using Portal.Infrastructure.Kubernetes;
using Portal.Infrastructure.Persistence;
using Portal.Jobs;

var builder = WebApplication.CreateBuilder(args);

// The layers, inside out: the application, then the infrastructure behind its ports, then the web.
builder.Services.AddPortalApplication(builder.Configuration);
builder.Services.AddPortalPersistence(builder.Configuration);
builder.Services.AddPortalKubernetes(builder.Configuration);
builder.Services.AddPortalJobs(builder.Configuration);
builder.Services.AddPortalScaleOut(builder.Configuration);
builder.Services.AddPortalIdentity(builder.Configuration);
builder.Services.AddPortalUi();
builder.Services.AddDeploymentUi();
builder.Services.AddPortalApi();
builder.Services.AddPortalOperations();
builder.Services.AddPortalTelemetry();
builder.Services.AddPortalGateway(builder.Configuration);
builder.Services.AddPortalDashboard(builder.Configuration);

var app = builder.Build();

return await app.RunPortalAsync();
