namespace Portal.Simulator;

/// <summary>Writes a kubeconfig that points kubectl and KubernetesClient at the simulator (plain HTTP, no credentials).</summary>
internal static class Kubeconfig
{
    public static void Write(string path, Uri server)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var address = server.GetLeftPart(UriPartial.Authority);
        File.WriteAllText(path, $$"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: simulator
              cluster:
                server: {{address}}
            contexts:
            - name: simulator
              context:
                cluster: simulator
                namespace: default
                user: simulator
            current-context: simulator
            preferences: {}
            users:
            - name: simulator
              user:
                token: simulator

            """);
    }
}
