namespace Portal.Api;

/// <summary>The paths programs call (the REST API and the OpenAI-compatible gateway): they get status codes and JSON, never pages or redirects.</summary>
public static class ProgramPaths
{
    public static bool Contains(PathString path) => path.StartsWithSegments("/api") || path.StartsWithSegments("/v1");
}
