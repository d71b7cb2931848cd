"""One workspace per user and database on this computer.

A second ``seatdesk gui`` signing in as a user who already has a workspace open here is
refused with a notice, and the open window is brought to the front — on a shared seat that
is nearly always someone who did not see the window behind another one. Two windows of one
user would also share the user's drafts and the offline outbox on this computer and
overwrite each other's work.

The first workspace listens on a local socket (``QLocalServer``, a Unix socket readable by
this OS user only) named after the OS user, the database and the seatdesk user; a second
one finds it by connecting, asks it to come forward and gives up. A socket left behind by
a killed process answers nothing and is replaced.
"""

from __future__ import annotations

import getpass
import hashlib

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

CONNECT_MS = 500
RAISE = b"raise\n"


def seat_name(database: str, username: str) -> str:
    digest = hashlib.sha256(f"{database}\0{username}".encode()).hexdigest()[:20]
    return f"seatdesk-{getpass.getuser()}-{digest}"


class SeatLock(QObject):
    """``acquire()`` → True when this is the only workspace of the user here; the holder
    emits ``raise_requested`` when another one tried."""

    raise_requested = Signal()

    def __init__(self, database: str, username: str, parent: QObject | None = None):
        super().__init__(parent)
        self.name = seat_name(database, username)
        self.server: QLocalServer | None = None

    def acquire(self) -> bool:
        if self._ask_other_to_come_forward():
            return False
        QLocalServer.removeServer(self.name)  # left behind by a process that was killed
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._knocked)
        return self.server.listen(self.name)

    def release(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None

    def _ask_other_to_come_forward(self) -> bool:
        socket = QLocalSocket(self)
        socket.connectToServer(self.name)
        try:
            if not socket.waitForConnected(CONNECT_MS):
                return False
            socket.write(RAISE)
            socket.waitForBytesWritten(CONNECT_MS)
            socket.disconnectFromServer()
            return True
        finally:
            socket.deleteLater()

    def _knocked(self) -> None:
        while self.server is not None and self.server.hasPendingConnections():
            connection = self.server.nextPendingConnection()
            connection.readyRead.connect(lambda c=connection: self._read(c))
            connection.disconnected.connect(connection.deleteLater)
            if connection.bytesAvailable():
                self._read(connection)

    def _read(self, connection: QLocalSocket) -> None:
        if bytes(connection.readAll()).startswith(RAISE.strip()):
            self.raise_requested.emit()
