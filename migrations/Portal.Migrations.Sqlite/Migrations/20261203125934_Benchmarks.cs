using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.Sqlite.Migrations
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
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    DeploymentName = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    DeploymentId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Framework = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Model = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    ImageTag = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Replicas = table.Column<int>(type: "INTEGER", nullable: false),
                    GpusPerReplica = table.Column<int>(type: "INTEGER", nullable: false),
                    GpuType = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    SpecJson = table.Column<string>(type: "TEXT", nullable: false),
                    PlanJson = table.Column<string>(type: "TEXT", nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: true),
                    RequestedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    StartedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    FinishedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    CancelRequested = table.Column<bool>(type: "INTEGER", nullable: false),
                    JobId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    BestLevelMeetingSlo = table.Column<double>(type: "REAL", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BenchmarkRuns", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "BenchmarkSteps",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    RunId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Index = table.Column<int>(type: "INTEGER", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Level = table.Column<double>(type: "REAL", nullable: false),
                    Requests = table.Column<int>(type: "INTEGER", nullable: false),
                    Completed = table.Column<int>(type: "INTEGER", nullable: false),
                    Errors = table.Column<int>(type: "INTEGER", nullable: false),
                    ErrorKindsJson = table.Column<string>(type: "TEXT", nullable: false),
                    DurationSeconds = table.Column<double>(type: "REAL", nullable: false),
                    RequestsPerSecond = table.Column<double>(type: "REAL", nullable: false),
                    OutputTokensPerSecond = table.Column<double>(type: "REAL", nullable: false),
                    TotalTokensPerSecond = table.Column<double>(type: "REAL", nullable: false),
                    InputTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    OutputTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    GpuUtilization = table.Column<double>(type: "REAL", nullable: true),
                    KvCacheUsage = table.Column<double>(type: "REAL", nullable: true),
                    QueueDepth = table.Column<double>(type: "REAL", nullable: true),
                    MetricsNote = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    StartedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    FinishedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    E2e_Mean = table.Column<double>(type: "REAL", nullable: false),
                    E2e_P50 = table.Column<double>(type: "REAL", nullable: false),
                    E2e_P90 = table.Column<double>(type: "REAL", nullable: false),
                    E2e_P95 = table.Column<double>(type: "REAL", nullable: false),
                    E2e_P99 = table.Column<double>(type: "REAL", nullable: false),
                    E2e_Std = table.Column<double>(type: "REAL", nullable: false),
                    Itl_Mean = table.Column<double>(type: "REAL", nullable: false),
                    Itl_P50 = table.Column<double>(type: "REAL", nullable: false),
                    Itl_P90 = table.Column<double>(type: "REAL", nullable: false),
                    Itl_P95 = table.Column<double>(type: "REAL", nullable: false),
                    Itl_P99 = table.Column<double>(type: "REAL", nullable: false),
                    Itl_Std = table.Column<double>(type: "REAL", nullable: false),
                    Tpot_Mean = table.Column<double>(type: "REAL", nullable: false),
                    Tpot_P50 = table.Column<double>(type: "REAL", nullable: false),
                    Tpot_P90 = table.Column<double>(type: "REAL", nullable: false),
                    Tpot_P95 = table.Column<double>(type: "REAL", nullable: false),
                    Tpot_P99 = table.Column<double>(type: "REAL", nullable: false),
                    Tpot_Std = table.Column<double>(type: "REAL", nullable: false),
                    Ttft_Mean = table.Column<double>(type: "REAL", nullable: false),
                    Ttft_P50 = table.Column<double>(type: "REAL", nullable: false),
                    Ttft_P90 = table.Column<double>(type: "REAL", nullable: false),
                    Ttft_P95 = table.Column<double>(type: "REAL", nullable: false),
                    Ttft_P99 = table.Column<double>(type: "REAL", nullable: false),
                    Ttft_Std = table.Column<double>(type: "REAL", nullable: false)
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
                    StepId = table.Column<long>(type: "INTEGER", nullable: false),
                    SamplesJson = table.Column<string>(type: "TEXT", nullable: false)
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
