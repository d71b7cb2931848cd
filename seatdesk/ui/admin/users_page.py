"""Users: create, edit role and department, disable/enable, reset the password."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit

from seatdesk.data import admin
from seatdesk.models.db import write_transaction
from seatdesk.models.enums import Role
from seatdesk.workflow import accounts

from seatdesk.ui.admin.base import AdminPage, button_row, fill_combo, make_table, select_key, set_combo_data
from seatdesk.ui.admin.record_model import Column


class UsersPage(AdminPage):
    def __init__(self, sessions, actor, tasks, parent=None):
        super().__init__(sessions, actor, tasks, parent)
        self.editing: int | None = None
        self.table, self.model = make_table(self, [
            Column(self.tr("User name"), lambda u: u.username),
            Column(self.tr("Name"), lambda u: u.display_name),
            Column(self.tr("Role"), lambda u: u.role_label),
            Column(self.tr("Department"), lambda u: u.department_name),
            Column(self.tr("Phone"), lambda u: u.phone),
            Column(self.tr("Status"), self._status),
        ], stretch=3)
        self.username, self.display_name = QLineEdit(self), QLineEdit(self)
        self.phone = QLineEdit(self)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("Initial or new password (at least 8 characters)"))
        self.role, self.department = QComboBox(self), QComboBox(self)
        for role in Role:
            self.role.addItem(role.label, role.value)
        form = QFormLayout()
        for label, widget in ((self.tr("User name"), self.username),
                              (self.tr("Name"), self.display_name), (self.tr("Role"), self.role),
                              (self.tr("Department"), self.department),
                              (self.tr("Phone"), self.phone),
                              (self.tr("Password"), self.password)):
            form.addRow(label, widget)
        buttons, (self.new_button, self.save_button, self.active_button, self.reset_button) = (
            button_row(self, (self.tr("New user"), self.new_user), (self.tr("Save"), self.save),
                       (self.tr("Disable"), self.toggle_active),
                       (self.tr("Reset password"), self.reset_password)))
        self.assemble_record_page(form, buttons)

    def _status(self, user) -> str:
        if not user.active:
            return self.tr("Disabled")
        if user.partner:
            return self.tr("Partner system (never signs in)")
        if user.locked:
            return self.tr("Locked")
        return self.tr("Must change password") if user.must_change_password else self.tr("Active")

    def load(self, select: int | None = None) -> None:
        def fetch(session):
            return admin.list_users(session, self.actor), admin.list_departments(session)

        def show(result):
            users, departments = result
            fill_combo(self.department, [(self.tr("(none)"), None)] + [
                (f"{d.name}（{d.kind_label}）", d.id) for d in departments])
            self.model.set_records(users)
            if select is not None:
                select_key(self.table, self.model, select)

        self.read("load", fetch, show)

    def edit(self, row: int) -> None:
        user = self.model.record(row)
        self.editing = user.id
        self.username.setText(user.username)
        self.username.setReadOnly(True)
        self.display_name.setText(user.display_name)
        self.phone.setText(user.phone)
        self.password.clear()
        set_combo_data(self.role, user.role)
        set_combo_data(self.department, user.department_id)
        self.active_button.setText(self.tr("Disable") if user.active else self.tr("Enable"))
        self._password_settable(not user.partner)  # a partner account has no password

    def _password_settable(self, settable: bool) -> None:
        """Off for a partner system's account: no password, and its role is fixed."""
        self.password.setEnabled(settable)
        self.reset_button.setEnabled(settable)
        self.role.setEnabled(settable)

    def new_user(self) -> None:
        self.editing = None
        self.table.clearSelection()
        for edit in (self.username, self.display_name, self.phone, self.password):
            edit.clear()
        self.username.setReadOnly(False)
        self._password_settable(True)
        self.username.setFocus()

    def save(self) -> None:
        values = dict(display_name=self.display_name.text(), role=self.role.currentData(),
                      department_id=self.department.currentData(), phone=self.phone.text())
        if self.editing is None:
            username, password = self.username.text(), self.password.text()

            def change(session):
                return admin.create_user(session, self.actor, username, password=password,
                                         **values)
        else:
            user_id = self.editing

            def change(session):
                return admin.update_user(session, self.actor, user_id, **values)

        self.write(change, lambda user: self._saved(user))

    def _saved(self, user) -> None:
        self.editing = user.id
        self.load(select=user.id)
        self.changed.emit("users")

    def _end_sessions(self, user_id: int) -> None:
        """After the change has committed (its seats have heard NOTIFY seatdesk_users),
        end the user's database sessions (PostgreSQL; nothing on SQLite)."""
        actor = self.actor

        def work():
            with write_transaction(self.sessions.kw["bind"]) as session:
                admin.require_admin(session, actor, "结束会话")
                return accounts.end_sessions(session, user_id)

        self.tasks.submit(f"users.end_sessions.{user_id}", work, lambda _n: None,
                          lambda *_: None)

    def toggle_active(self) -> None:
        if self.editing is None:
            return
        user = self.model.record(self.model.row_of(self.editing))
        user_id, active = user.id, not user.active
        def saved(user) -> None:
            self._saved(user)
            if not user.active:
                self._end_sessions(user.id)

        self.write(lambda s: admin.set_user_active(s, self.actor, user_id, active), saved,
                   self.tr("Account enabled") if active else self.tr("Account disabled"))

    def reset_password(self) -> None:
        if self.editing is None:
            return
        user_id, password = self.editing, self.password.text()
        self.write(lambda s: admin.reset_password(s, self.actor, user_id, password), self._saved,
                   self.tr("Password reset; the user must change it at the next login"))
