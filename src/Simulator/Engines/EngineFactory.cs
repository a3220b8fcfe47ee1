namespace Portal.Simulator.Engines;

internal static class EngineFactory
{
    public static SimulatedEngine Create(EngineContext context, EngineLaunch launch) => launch.Framework switch
    {
        Framework.Vllm => new VllmEngine(context, launch),
        Framework.Sglang => new SglangEngine(context, launch),
        Framework.Ollama => new OllamaEngine(context, launch),
        _ => new GenericContainer(context, launch),
    };
}
