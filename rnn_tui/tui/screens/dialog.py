"""The look of the centred dialogs (help, model picker)."""


def dialog_css(screen: str, box_id: str) -> str:
    """DEFAULT_CSS for a dialog screen and its box: kept with the screen, so it is parsed
    when the dialog first opens rather than before an app's first frame."""
    return f"""
    {screen} {{
        align: center middle;
    }}
    #{box_id} {{
        width: 90%;
        max-width: 110;
        height: 90%;
        background: $panel;
        border: round $primary;
        padding: 0 1;
    }}
    """
