namespace Portal.Jobs;
