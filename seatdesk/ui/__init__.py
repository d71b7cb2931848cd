"""Qt user interface: windows, dialogs, item models, operations and the wall display."""
