namespace Portal.Services.Wizard;

/// <summary>
/// Where the operator is in the wizard and which steps they tried to leave: a plain state machine over the draft's
/// step indexes and the current field errors, so the rules are tested without a browser. Forward moves stop at the
/// first step with problems; fields show their errors only once their step was attempted.
/// </summary>
public sealed class WizardStepMachine(WizardDraft draft)
{
    private readonly HashSet<WizardStep> _attempted = [];

    public WizardStep Current => (WizardStep)Math.Clamp(draft.StepIndex, 0, WizardSteps.All.Count - 1);

    public bool IsAttempted(WizardStep step) => _attempted.Contains(step);

    /// <summary>Errors of the steps the operator tried to leave (or deploy): fields start clean.</summary>
    public FieldErrors Visible(FieldErrors errors) => new(errors.All
        .Where(e => _attempted.Contains(WizardSteps.StepOf(e.Key)))
        .ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal));

    /// <summary>A restored draft reopens at its step, but never beyond the furthest step it reached.</summary>
    public void Restore() => draft.StepIndex = Math.Clamp(draft.StepIndex, 0, Math.Min(draft.FurthestStep, WizardSteps.All.Count - 1));

    /// <summary>Leaves the current step when it has no problems; true when it moved.</summary>
    public bool Next(FieldErrors errors)
    {
        _attempted.Add(Current);
        if (!errors.For(Current).IsEmpty || Current == WizardStep.Review)
        {
            return false;
        }

        MoveTo(Current + 1);
        return true;
    }

    public bool Back()
    {
        if (Current == WizardStep.Framework)
        {
            return false;
        }

        MoveTo(Current - 1);
        return true;
    }

    /// <summary>Back to any step; forward only over steps without problems, stopping at the first that has some.</summary>
    public WizardStep GoTo(WizardStep target, FieldErrors errors)
    {
        if (target > Current)
        {
            for (var step = Current; step < target; step++)
            {
                if (!errors.For(step).IsEmpty)
                {
                    _attempted.Add(step);
                    target = step;
                    break;
                }
            }
        }

        MoveTo(target);
        return target;
    }

    /// <summary>Deploying shows every step's problems.</summary>
    public void AttemptAll() => _attempted.UnionWith(WizardSteps.All);

    public void Clear() => _attempted.Clear();

    private void MoveTo(WizardStep step)
    {
        draft.StepIndex = (int)step;
        draft.FurthestStep = Math.Max(draft.FurthestStep, (int)step);
    }
}
