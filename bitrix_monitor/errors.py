"""The three classes of error (see STYLE.md §10).

* :class:`UserFacingError` – something the user can act on (bad URL, wrong password, invalid mapping,
  portal unreachable). Front ends show its message, never a traceback. Headless mode prints it on one line.
* cancellation – :class:`asyncio.CancelledError`, ignored by the front ends.
* anything else is a bug: logged with its traceback and shown in a crash dialog / on stderr.
"""

from __future__ import annotations

from bitrix_monitor.messages import Message

# Exit statuses of the headless front end.
EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_CONFIG = 2
EXIT_BUG = 3


class UserFacingError(Exception):
    """An error whose message is meant for the user.

    The message must already be redacted: it never contains a webhook secret or a password.
    ``exit_status`` is what the headless front end exits with. ``message`` and ``hint`` may be given as
    :class:`~bitrix_monitor.messages.Message` codes: then each front end says them in its language
    (``msg`` and ``hint_msg``), and ``message``/``hint``/``str()`` are the English text.
    """

    exit_status = EXIT_CONFIG

    def __init__(self, message: str | Message, *, hint: str | Message | None = None) -> None:
        self.msg = Message.of(message)
        self.hint_msg = None if hint is None else Message.of(hint)
        self.message = str(self.msg)
        self.hint = None if self.hint_msg is None else str(self.hint_msg)
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(UserFacingError):
    """The configuration (file, flags, mapping) is wrong."""


class SecretStoreError(UserFacingError):
    """The OS keyring is missing or refused an operation."""
