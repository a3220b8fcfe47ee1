using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Portal.Application.Deployments;
using Portal.Application.Security;

namespace Portal.Infrastructure.Persistence;

/// <summary>
/// Tells the other portal replicas what changed here, through PostgreSQL's LISTEN/NOTIFY on the channel
/// <see cref="ChannelName"/>: deployment changes (so their open pages and gateway routes follow within a fraction
/// of a second) and revoked API keys (so their key caches drop them). Local changes are coalesced for
/// <see cref="Coalesce"/> and sent as one notification; each replica ignores its own.
/// </summary>
public sealed partial class PostgreSqlReplicaChannel(
    PostgreSqlDataSource data,
    DeploymentChanges changes,
    ApiKeyService keys,
    IDbContextFactory<PortalDb> dbFactory,
    TimeProvider time,
    ILogger<PostgreSqlReplicaChannel> logger) : BackgroundService
{
    public const string ChannelName = "portal_changes";

    private static readonly TimeSpan Coalesce = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(1);

    /// <summary>NOTIFY payloads must stay under 8000 bytes.</summary>
    private const int MaxPayloadBytes = 7000;

    private readonly string _origin = Guid.NewGuid().ToString("N");
    private readonly Channel<Outgoing> _outbox = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once this replica listens (tests wait for it before making changes elsewhere).</summary>
    public Task Listening => _listening.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        changes.Changed += OnLocalChange;
        keys.Revoked += OnLocalRevoke;
        try
        {
            await Task.WhenAll(ListenAsync(stoppingToken), SendAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            changes.Changed -= OnLocalChange;
            keys.Revoked -= OnLocalRevoke;
        }
    }

    private void OnLocalChange(DeploymentChanged change)
    {
        if (!change.FromOtherReplica)
        {
            _outbox.Writer.TryWrite(new Outgoing(change.DeploymentId, change.Name, null));
        }
    }

    private void OnLocalRevoke(string hash) => _outbox.Writer.TryWrite(new Outgoing(null, null, hash));

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var reconnected = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await data.Source.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) => Receive(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {ChannelName}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                _listening.TrySetResult();
                if (reconnected)
                {
                    await ResynchroniseAsync(stoppingToken);
                }

                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogListenFailed(PortalDatabaseException.Reason(e));
                reconnected = true;
                await Task.Delay(ReconnectDelay, time, stoppingToken);
            }
        }
    }

    private async Task SendAsync(CancellationToken stoppingToken)
    {
        while (await _outbox.Reader.WaitToReadAsync(stoppingToken))
        {
            await Task.Delay(Coalesce, time, stoppingToken);
            var deployments = new Dictionary<Guid, string>();
            var revoked = new HashSet<string>(StringComparer.Ordinal);
            while (_outbox.Reader.TryRead(out var item))
            {
                if (item.DeploymentId is { } id)
                {
                    deployments[id] = item.Name ?? "";
                }

                if (item.RevokedKeyHash is { } hash)
                {
                    revoked.Add(hash);
                }
            }

            try
            {
                await using var connection = await data.Source.OpenConnectionAsync(stoppingToken);
                await using var batch = new NpgsqlBatch(connection);
                foreach (var payload in Payloads(deployments, revoked))
                {
                    batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_notify($1, $2)") { Parameters = { new() { Value = ChannelName }, new() { Value = payload } } });
                }

                await batch.ExecuteNonQueryAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The other replicas' safety nets (Live:PollInterval, the gateway's refresh, the key cache's 30 s) still hold.
                LogNotifyFailed(deployments.Count + revoked.Count, PortalDatabaseException.Reason(e));
            }
        }
    }

    private IEnumerable<string> Payloads(Dictionary<Guid, string> deployments, HashSet<string> revoked)
    {
        var message = new Message { Origin = _origin };
        var size = 64;
        foreach (var (id, name) in deployments)
        {
            message.Deployments.Add(new Change(id, name));
            size += 56 + Encoding.UTF8.GetByteCount(name);
            if (size > MaxPayloadBytes)
            {
                yield return JsonSerializer.Serialize(message);
                message = new Message { Origin = _origin };
                size = 64;
            }
        }

        message.RevokedKeys.AddRange(revoked);
        if (message.Deployments.Count > 0 || message.RevokedKeys.Count > 0)
        {
            yield return JsonSerializer.Serialize(message);
        }
    }

    private void Receive(string payload)
    {
        Message? message;
        try
        {
            message = JsonSerializer.Deserialize<Message>(payload);
        }
        catch (JsonException e)
        {
            LogBadPayload(e.Message);
            return;
        }

        if (message is null || message.Origin == _origin)
        {
            return;
        }

        foreach (var hash in message.RevokedKeys)
        {
            keys.ForgetCached(hash);
        }

        foreach (var change in message.Deployments)
        {
            changes.PublishFromOtherReplica(change.Id, change.Name);
        }
    }

    /// <summary>After a broken connection notifications may have been missed: tell this replica every deployment may have changed.</summary>
    private async Task ResynchroniseAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        foreach (var row in await db.Deployments.AsNoTracking().Select(d => new { d.Id, d.Name }).ToListAsync(cancellationToken))
        {
            changes.PublishFromOtherReplica(row.Id, row.Name);
        }
    }

    private sealed record Outgoing(Guid? DeploymentId, string? Name, string? RevokedKeyHash);

    private sealed class Message
    {
        [JsonPropertyName("o")]
        public string Origin { get; set; } = "";

        [JsonPropertyName("d")]
        public List<Change> Deployments { get; set; } = [];

        [JsonPropertyName("k")]
        public List<string> RevokedKeys { get; set; } = [];
    }

    private sealed record Change([property: JsonPropertyName("i")] Guid Id, [property: JsonPropertyName("n")] string Name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listening for other replicas' changes failed, reconnecting: {Reason}")]
    private partial void LogListenFailed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telling the other replicas about {Count} change(s) failed: {Reason}")]
    private partial void LogNotifyFailed(int count, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored a malformed change notification: {Reason}")]
    private partial void LogBadPayload(string reason);
}
