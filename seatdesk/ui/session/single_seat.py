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

The socket lives in the temporary directory (``TMPDIR``), or in ``/tmp`` when that path
would be longer than a Unix socket's address allows (108 bytes): Qt then cannot listen,
and a seat refused every sign-in as "already open elsewhere" — a deep ``TMPDIR`` (the test
suite's ``/tmp/pytest-of-root/pytest-163/popen-gw0/…``) looped on the login dialog. A lock
that cannot be made for any other reason is logged and the user signs in without it:
only an answering workspace refuses a sign-in.
"""

from __future__ import annotations

import getpass
import hashlib
import logging

from PySide6.QtCore import QDir, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

CONNECT_MS = 500
RAISE = b"raise\n"
#: the longest socket path used (a Unix socket's ``sun_path`` holds 107 bytes and a NUL)
MAX_PATH = 100
log = logging.getLogger(__name__)


def seat_name(database: str, username: str) -> str:
    """The socket's full path: in the temporary directory, or in ``/tmp`` when that would
    be too long for a socket address."""
    digest = hashlib.sha256(f"{database}\0{username}".encode()).hexdigest()[:20]
    name = f"seatdesk-{getpass.getuser()}-{digest}"
    path = f"{QDir.tempPath()}/{name}"
    return path if len(path.encode()) <= MAX_PATH else f"/tmp/{name}"


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
        if not self.server.listen(self.name):  # not another workspace: no lock to be had
            log.warning("no single-workspace lock at %s: %s", self.name,
                        self.server.errorString())
            self.release()
        return True

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
