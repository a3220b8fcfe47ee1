using MudBlazor;

namespace Portal.Components.Layout;

/// <summary>The portal's MudBlazor theme: indigo primary, calm greys, system fonts (no web fonts offline).</summary>
public static class PortalTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#4f46e5",
            Secondary = "#0ea5e9",
            AppbarBackground = "#ffffff",
            AppbarText = "#1f2937",
            Background = "#f6f7fb",
            DrawerBackground = "#ffffff",
            DrawerText = "#374151",
            Success = "#15803d",
            Info = "#0369a1",
            Warning = "#b45309",
            Error = "#b91c1c",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#818cf8",
            Secondary = "#38bdf8",
            AppbarBackground = "#161b26",
            Background = "#0f131b",
            Surface = "#161b26",
            DrawerBackground = "#161b26",
            Success = "#4ade80",
            Info = "#38bdf8",
            Warning = "#fbbf24",
            Error = "#f87171",
            // The dark palette's state colours are light: dark text on them stays readable (filled chips, snackbars).
            SuccessContrastText = "#052e16",
            InfoContrastText = "#082f49",
            WarningContrastText = "#451a03",
            ErrorContrastText = "#450a0a",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography
            {
                FontFamily = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
            },
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "8px", DrawerWidthLeft = "232px" },
    };
}
