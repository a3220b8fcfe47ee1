using Portal.Services.Wizard;

namespace Portal.Tests.Deploying;

/// <summary>The wizard's step rules with plain drafts and errors, no browser.</summary>
public sealed class WizardStepMachineTests
{
    private static readonly FieldErrors NameMissing = new(new Dictionary<string, string[]> { ["name"] = ["Give the deployment a name."] });

    [Fact]
    public void Next_stays_on_a_step_with_problems_and_only_then_shows_them()
    {
        var draft = new WizardDraft { StepIndex = (int)WizardStep.Model };
        var steps = new WizardStepMachine(draft);
        Assert.True(steps.Visible(NameMissing).IsEmpty); // fields start clean

        Assert.False(steps.Next(NameMissing));

        Assert.Equal(WizardStep.Model, steps.Current);
        Assert.Equal("Give the deployment a name.", steps.Visible(NameMissing).Text("name"));
    }

    [Fact]
    public void Next_and_back_move_one_step_and_remember_the_furthest()
    {
        var draft = new WizardDraft();
        var steps = new WizardStepMachine(draft);

        Assert.True(steps.Next(FieldErrors.None));
        Assert.True(steps.Next(FieldErrors.None));
        Assert.True(steps.Back());

        Assert.Equal((WizardStep.Model, (int)WizardStep.Resources), (steps.Current, draft.FurthestStep));
        Assert.True(steps.Back());
        Assert.False(steps.Back()); // the first step has no before
    }

    [Fact]
    public void Jumping_forward_stops_at_the_first_step_with_problems_and_marks_it_attempted()
    {
        var steps = new WizardStepMachine(new WizardDraft { FurthestStep = (int)WizardStep.Review });

        var landed = steps.GoTo(WizardStep.Review, NameMissing);

        Assert.Equal(WizardStep.Model, landed);
        Assert.True(steps.IsAttempted(WizardStep.Model));
        Assert.False(steps.IsAttempted(WizardStep.Framework));
        Assert.Equal(WizardStep.Framework, steps.GoTo(WizardStep.Framework, NameMissing)); // back is always allowed
    }

    [Fact]
    public void A_restored_draft_never_opens_beyond_the_furthest_step_it_reached()
    {
        var draft = new WizardDraft { StepIndex = 5, FurthestStep = 2 };

        new WizardStepMachine(draft).Restore();

        Assert.Equal(2, draft.StepIndex);
    }

    [Fact]
    public void Deploying_shows_the_problems_of_every_step()
    {
        var steps = new WizardStepMachine(new WizardDraft { StepIndex = (int)WizardStep.Review });

        steps.AttemptAll();

        Assert.Equal("Give the deployment a name.", steps.Visible(NameMissing).Text("name"));
    }
}
