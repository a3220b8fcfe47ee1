using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Portal.Migrations.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class Benchmarks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "BenchmarkRuns",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    DeploymentName = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                    DeploymentId = table.Column<Guid>(type: "uuid", nullable: false),
                    Framework = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Model = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    ImageTag = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Replicas = table.Column<int>(type: "integer", nullable: false),
                    GpusPerReplica = table.Column<int>(type: "integer", nullable: false),
                    GpuType = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    SpecJson = table.Column<string>(type: "text", nullable: false),
                    PlanJson = table.Column<string>(type: "text", nullable: false),
                    State = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Reason = table.Column<string>(type: "character varying(4096)", maxLength: 4096, nullable: true),
                    RequestedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    StartedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    FinishedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    CancelRequested = table.Column<bool>(type: "boolean", nullable: false),
                    JobId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    BestLevelMeetingSlo = table.Column<double>(type: "double precision", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BenchmarkRuns", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "BenchmarkSteps",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    RunId = table.Column<Guid>(type: "uuid", nullable: false),
                    Index = table.Column<int>(type: "integer", nullable: false),
                    Kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Level = table.Column<double>(type: "double precision", nullable: false),
                    Requests = table.Column<int>(type: "integer", nullable: false),
                    Completed = table.Column<int>(type: "integer", nullable: false),
                    Errors = table.Column<int>(type: "integer", nullable: false),
                    ErrorKindsJson = table.Column<string>(type: "text", nullable: false),
                    DurationSeconds = table.Column<double>(type: "double precision", nullable: false),
                    RequestsPerSecond = table.Column<double>(type: "double precision", nullable: false),
                    OutputTokensPerSecond = table.Column<double>(type: "double precision", nullable: false),
                    TotalTokensPerSecond = table.Column<double>(type: "double precision", nullable: false),
                    InputTokens = table.Column<long>(type: "bigint", nullable: false),
                    OutputTokens = table.Column<long>(type: "bigint", nullable: false),
                    GpuUtilization = table.Column<double>(type: "double precision", nullable: true),
                    KvCacheUsage = table.Column<double>(type: "double precision", nullable: true),
                    QueueDepth = table.Column<double>(type: "double precision", nullable: true),
                    MetricsNote = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true),
                    StartedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    FinishedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    E2e_Mean = table.Column<double>(type: "double precision", nullable: false),
                    E2e_P50 = table.Column<double>(type: "double precision", nullable: false),
                    E2e_P90 = table.Column<double>(type: "double precision", nullable: false),
                    E2e_P95 = table.Column<double>(type: "double precision", nullable: false),
                    E2e_P99 = table.Column<double>(type: "double precision", nullable: false),
                    E2e_Std = table.Column<double>(type: "double precision", nullable: false),
                    Itl_Mean = table.Column<double>(type: "double precision", nullable: false),
                    Itl_P50 = table.Column<double>(type: "double precision", nullable: false),
                    Itl_P90 = table.Column<double>(type: "double precision", nullable: false),
                    Itl_P95 = table.Column<double>(type: "double precision", nullable: false),
                    Itl_P99 = table.Column<double>(type: "double precision", nullable: false),
                    Itl_Std = table.Column<double>(type: "double precision", nullable: false),
                    Tpot_Mean = table.Column<double>(type: "double precision", nullable: false),
                    Tpot_P50 = table.Column<double>(type: "double precision", nullable: false),
                    Tpot_P90 = table.Column<double>(type: "double precision", nullable: false),
                    Tpot_P95 = table.Column<double>(type: "double precision", nullable: false),
                    Tpot_P99 = table.Column<double>(type: "double precision", nullable: false),
                    Tpot_Std = table.Column<double>(type: "double precision", nullable: false),
                    Ttft_Mean = table.Column<double>(type: "double precision", nullable: false),
                    Ttft_P50 = table.Column<double>(type: "double precision", nullable: false),
                    Ttft_P90 = table.Column<double>(type: "double precision", nullable: false),
                    Ttft_P95 = table.Column<double>(type: "double precision", nullable: false),
                    Ttft_P99 = table.Column<double>(type: "double precision", nullable: false),
                    Ttft_Std = table.Column<double>(type: "double precision", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BenchmarkSteps", x => x.Id);
                    table.ForeignKey(
                        name: "FK_BenchmarkSteps_BenchmarkRuns_RunId",
                        column: x => x.RunId,
                        principalTable: "BenchmarkRuns",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "BenchmarkSamples",
                columns: table => new
                {
                    StepId = table.Column<long>(type: "bigint", nullable: false),
                    SamplesJson = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BenchmarkSamples", x => x.StepId);
                    table.ForeignKey(
                        name: "FK_BenchmarkSamples_BenchmarkSteps_StepId",
                        column: x => x.StepId,
                        principalTable: "BenchmarkSteps",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_BenchmarkRuns_CreatedAt",
                table: "BenchmarkRuns",
                column: "CreatedAt");

            migrationBuilder.CreateIndex(
                name: "IX_BenchmarkRuns_DeploymentName",
                table: "BenchmarkRuns",
                column: "DeploymentName");

            migrationBuilder.CreateIndex(
                name: "IX_BenchmarkSteps_RunId_Index",
                table: "BenchmarkSteps",
                columns: new[] { "RunId", "Index" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "BenchmarkSamples");

            migrationBuilder.DropTable(
                name: "BenchmarkSteps");

            migrationBuilder.DropTable(
                name: "BenchmarkRuns");
        }
    }
}
