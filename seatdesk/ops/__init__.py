"""Operating a centre from the command line: set-up, readiness, configuration export,
backup and restore (Qt-free; ``seatdesk setup|check|export|backup|restore``)."""
