"""seatdesk: the seat-operator workstation of a 数字城管 supervision and command centre."""

__version__ = "0.2.0"
