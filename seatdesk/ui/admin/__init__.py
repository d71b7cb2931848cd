"""Administration screens (管理员): users, departments, responsibility matrix, filing
conditions and time limits, the working calendar and common phrases.

The services in ``seatdesk.data.admin`` / ``seatdesk.data.admin_rules`` enforce the
administrator role; these pages only present them.
"""

from seatdesk.ui.admin.admin_panel import AdminPanel

__all__ = ["AdminPanel"]
