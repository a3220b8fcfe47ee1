using Portal.Extensions;
using Portal.Jobs;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddPortalDatabase(builder.Configuration);
builder.Services.AddPortalIdentity(builder.Configuration);
builder.Services.AddPortalJobs(builder.Configuration);
builder.Services.AddPortalHangfire(builder.Configuration);
builder.Services.AddPortalUi();
builder.Services.AddDeploymentUi();
builder.Services.AddPortalApi();
builder.Services.AddPortalOperations();
builder.Services.AddPortalGateway(builder.Configuration);
builder.Services.AddPortalDashboard(builder.Configuration);

var app = builder.Build();

await app.InitializePortalAsync();
app.UsePortalPipeline();
app.MapPortalEndpoints();
app.MapGateway();

app.Run();
