using Bunit;
using MudBlazor;
using MudBlazor.Services;
using Portal.Components.Controls;
using Portal.Domain.Deployments;

namespace Portal.Tests.Components;

public sealed class StateChipTests : BunitContext
{
    public StateChipTests()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
    }

    [Theory]
    [InlineData(ObservedState.Ready, "mud-chip-color-success")]
    [InlineData(ObservedState.Failed, "mud-chip-color-error")]
    [InlineData(ObservedState.Degraded, "mud-chip-color-warning")]
    [InlineData(ObservedState.Deploying, "mud-chip-color-info")]
    public void Each_state_has_its_own_colour_and_its_name_as_text(ObservedState state, string colourClass)
    {
        var chip = Render<StateChip>(p => p.Add(c => c.State, state));

        var element = chip.Find(".mud-chip");
        Assert.Contains(colourClass, element.ClassList);
        Assert.Equal(state.ToString(), element.TextContent.Trim());
        Assert.Equal(state.ToString().ToLowerInvariant(), element.GetAttribute("data-state"));
    }

    [Fact]
    public void Stopped_is_neutral_not_an_alarm()
    {
        var chip = Render<StateChip>(p => p.Add(c => c.State, ObservedState.Stopped));

        Assert.Equal(Color.Default, StateChip.ColorOf(ObservedState.Stopped));
        Assert.DoesNotContain("mud-chip-color-error", chip.Find(".mud-chip").ClassList);
    }
}
