"""The explorer: a Textual app. Widgets render; the engine and sessions compute."""
