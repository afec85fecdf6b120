"""The words the window shows for the core's codes: record and queue states, job kinds, Bitrix24 field
names, who did something, record kinds. The core keeps its codes (``deal.create``, ``OPPORTUNITY``,
``in_sync``); only here do they become words, in the window's language.

Each table marks its English text with ``QT_TRANSLATE_NOOP`` (so ``pyside6-lupdate`` collects it) and
is translated when shown, so a language switch needs no restart. A code with no entry is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QCoreApplication

from bitrix_monitor import localefmt
from bitrix_monitor.messages import (
    CONTEXT,
    FIELD_NAMES,
    JOB_KINDS,
    MATCHES,
    WITH_HINT,
    Message,
    fill,
    say,
)
from bitrix_monitor.messages import (
    QT_TRANSLATE_NOOP as QT_TRANSLATE_NOOP,
)
from bitrix_monitor.queue.model import JobError

STATES: dict[str, str] = {
    # reconciliation states of a shop record
    "in_sync": QT_TRANSLATE_NOOP("State", "in sync"),
    "missing": QT_TRANSLATE_NOOP("State", "missing"),
    "unlinked": QT_TRANSLATE_NOOP("State", "unlinked"),
    "stale_link": QT_TRANSLATE_NOOP("State", "stale link"),
    "outdated": QT_TRANSLATE_NOOP("State", "outdated"),
    "duplicated": QT_TRANSLATE_NOOP("State", "duplicated"),
    "invalid": QT_TRANSLATE_NOOP("State", "invalid"),
    "shared_link": QT_TRANSLATE_NOOP("State", "shared link"),
    "changed_in_crm": QT_TRANSLATE_NOOP("State", "changed in CRM"),
    "conflict": QT_TRANSLATE_NOOP("State", "conflict"),
    "needs_stage_mapping": QT_TRANSLATE_NOOP("State", "needs a stage mapping"),
    "orphans": QT_TRANSLATE_NOOP("State", "orphans"),
    "problems": QT_TRANSLATE_NOOP("State", "needs attention"),
    # job states
    "queued": QT_TRANSLATE_NOOP("State", "queued"),
    "running": QT_TRANSLATE_NOOP("State", "running"),
    "in_doubt": QT_TRANSLATE_NOOP("State", "in doubt"),
    "failed": QT_TRANSLATE_NOOP("State", "failed"),
    "dead": QT_TRANSLATE_NOOP("State", "dead"),
    "done": QT_TRANSLATE_NOOP("State", "done"),
    "cancelled": QT_TRANSLATE_NOOP("State", "dropped"),  # "cancelled" clashes with the dialogs' Cancel
    # states of a team queue's runners
    "working": QT_TRANSLATE_NOOP("State", "working"),
    "stopped": QT_TRANSLATE_NOOP("State", "stopped"),
    "silent": QT_TRANSLATE_NOOP("State", "silent"),
}

# What each state means, for tooltips.
STATE_HELP: dict[str, str] = {
    "in_sync": QT_TRANSLATE_NOOP("StateHelp", "Linked, and the portal record matches the shop."),
    "missing": QT_TRANSLATE_NOOP("StateHelp", "No record in Bitrix24 yet: a creation job makes one."),
    "unlinked": QT_TRANSLATE_NOOP(
        "StateHelp", "Bitrix24 has a record made for it, but the shop does not store its id yet."
    ),
    "stale_link": QT_TRANSLATE_NOOP(
        "StateHelp", "The shop stores an id that Bitrix24 no longer has (deleted or merged)."
    ),
    "outdated": QT_TRANSLATE_NOOP("StateHelp", "Linked, but some field values differ."),
    "duplicated": QT_TRANSLATE_NOOP("StateHelp", "More than one Bitrix24 record for this shop record."),
    "invalid": QT_TRANSLATE_NOOP("StateHelp", "The shop row cannot be synced as it is stored."),
    "shared_link": QT_TRANSLATE_NOOP(
        "StateHelp", "Another shop record stores the same Bitrix24 id: nothing is written until resolved."
    ),
    "changed_in_crm": QT_TRANSLATE_NOOP(
        "StateHelp", "Changed in Bitrix24; not written to the shop yet (see the note)."
    ),
    "conflict": QT_TRANSLATE_NOOP(
        "StateHelp", "Changed in the shop and in Bitrix24: choose which value stays."
    ),
    "needs_stage_mapping": QT_TRANSLATE_NOOP(
        "StateHelp", "Moved in Bitrix24 to a stage the shop has no status for: map it in the settings."
    ),
    "orphans": QT_TRANSLATE_NOOP("StateHelp", "Bitrix24 records made by this app that match no shop row."),
    "problems": QT_TRANSLATE_NOOP("StateHelp", "Every record that is not in sync."),
    "queued": QT_TRANSLATE_NOOP("StateHelp", "Waiting for the runner."),
    "running": QT_TRANSLATE_NOOP("StateHelp", "Being sent to Bitrix24 now."),
    "in_doubt": QT_TRANSLATE_NOOP(
        "StateHelp", "Sent, but the answer was lost: settle it as done or retry it."
    ),
    "failed": QT_TRANSLATE_NOOP("StateHelp", "Failed; it is retried later by itself."),
    "dead": QT_TRANSLATE_NOOP("StateHelp", "Failed every attempt: retry it after fixing the cause."),
    "done": QT_TRANSLATE_NOOP("StateHelp", "Finished."),
    "cancelled": QT_TRANSLATE_NOOP("StateHelp", "Dropped: it will not run; Retry brings it back."),
}

# Job kinds and Bitrix24 field names are words in the core's messages too ("queued 5 jobs: Create deal"),
# so their tables live in the core, beside the messages; the window reads the same.
KINDS = JOB_KINDS
FIELDS = FIELD_NAMES

ACTORS: dict[str, str] = {
    "staff": QT_TRANSLATE_NOOP("Actor", "staff"),
    "sync": QT_TRANSLATE_NOOP("Actor", "sync"),
    "watch": QT_TRANSLATE_NOOP("Actor", "change watch"),
    "pull": QT_TRANSLATE_NOOP("Actor", "changes from Bitrix24"),
    "queue": QT_TRANSLATE_NOOP("Actor", "queue"),
    "cli": QT_TRANSLATE_NOOP("Actor", "command line"),
    "move-queue": QT_TRANSLATE_NOOP("Actor", "moving a desk's queue file"),
}

# A shop record kind, and its Bitrix24 counterpart, as a word (capitalised: it starts a heading).
RECORD_KINDS: dict[str, str] = {
    "order": QT_TRANSLATE_NOOP("RecordKind", "Order"),
    "user": QT_TRANSLATE_NOOP("RecordKind", "User"),
    "company": QT_TRANSLATE_NOOP("RecordKind", "Company"),
    "deal": QT_TRANSLATE_NOOP("RecordKind", "Deal"),
    "contact": QT_TRANSLATE_NOOP("RecordKind", "Contact"),
}


# Words already looked up in the current language: a table of 100,000 records asks for a few dozen words
# 200,000 times. Emptied by :func:`bitrix_monitor.gui.i18n.set_language` when the language changes.
_looked_up: dict[tuple[str, str], str] = {}  # also the core's messages, by ("Message", their codes)


_language = ["en"]  # the window's language, for numbers, money and times (bitrix_monitor.localefmt)


def forget_words(language: str | None = None) -> None:
    """Forget the words looked up (the language changed to ``language``)."""
    _looked_up.clear()
    if language is not None:
        _language[0] = language


def window_language() -> str:
    return _language[0]


def _word(context: str, table: dict[str, str], code: str) -> str:
    word = _looked_up.get((context, code))
    if word is None:
        text = table.get(code)
        word = QCoreApplication.translate(context, text) if text is not None else code.replace("_", " ")
        _looked_up[(context, code)] = word
    return word


# The stages a reconcile and a queue run report (``Progress.stage``, codes of the core), as the status bar
# names them.
PROGRESS_STAGES: dict[str, str] = {
    "reading shop": QT_TRANSLATE_NOOP("Progress", "Reading the shop"),
    "reading portal deals": QT_TRANSLATE_NOOP("Progress", "Reading deals in Bitrix24"),
    "reading portal contacts": QT_TRANSLATE_NOOP("Progress", "Reading contacts in Bitrix24"),
    "reading portal companies": QT_TRANSLATE_NOOP("Progress", "Reading companies in Bitrix24"),
    "reading changes": QT_TRANSLATE_NOOP("Progress", "Reading what changed"),
    "checking deletions": QT_TRANSLATE_NOOP("Progress", "Checking for records deleted in Bitrix24"),
    "comparing": QT_TRANSLATE_NOOP("Progress", "Comparing"),
    "done": QT_TRANSLATE_NOOP("Progress", "Done"),
    "processing queue": QT_TRANSLATE_NOOP("Progress", "Running the queue"),
}
_COUNTED_KIND = re.compile(r"(\d+) × (\S+)")


def progress_text(stage: str, detail: str = "") -> str:
    """``reading portal deals``, ``processing queue`` with ``5 × deal.create`` → "Reading deals in
    Bitrix24…", "Running the queue… Create deal: 5" (the count as the language writes it)."""
    text = _word("Progress", PROGRESS_STAGES, stage)
    counted = _COUNTED_KIND.fullmatch(detail)
    if counted:
        detail = f"{kind_label(counted[2])}: {localefmt.integer(int(counted[1]), window_language())}"
    return f"{text}… {detail}".strip()


def state_label(state: str) -> str:
    return _word("State", STATES, state)


def state_help(state: str) -> str:
    text = STATE_HELP.get(state)
    return QCoreApplication.translate("StateHelp", text) if text is not None else ""


def kind_label(kind: str) -> str:
    """``deal.create`` → "Create deal"."""
    return _word("JobKind", KINDS, kind)


def field_label(name: str) -> str:
    """``OPPORTUNITY`` → "Amount"; a field with no words here (a portal's own ``UF_CRM_*``) keeps its name."""
    text = FIELDS.get(name)
    return QCoreApplication.translate("Field", text) if text is not None else name


def actor_label(actor: str) -> str:
    return _word("Actor", ACTORS, actor)


def who_label(actor: str, desk: str = "") -> str:
    """Who did something, as the team knows them: a person at a desk ("staff@desk-anna") is the desk,
    "desk-anna"; another role there names it too ("srv-night (sync)"); a runner ("termsrv:4242", a lease
    owner) is its desk, ``desk``, the name the team's list of runners gives it, shown as it is ("anna@termsrv"
    is a desk's name, not someone at one), else its host; a plain code ("staff", "sync") is its word."""
    if desk:
        return desk
    word = _looked_up.get(("Who", actor))
    if word is None:
        role, at, place = actor.partition("@")
        host, colon, pid = actor.rpartition(":")
        if at and place:
            word = place if role == "staff" else f"{place} ({actor_label(role)})"
        elif colon and host and pid.isdigit():
            word = host
        else:
            word = actor_label(actor)
        _looked_up[("Who", actor)] = word
    return word


def match_label(how: str) -> str:
    """What matched a portal record to a shop record ("origin id", "e-mail", …), as a word."""
    return _word("Match", MATCHES, how)


def record_kind_label(kind: str) -> str:
    return _word("RecordKind", RECORD_KINDS, kind)


EVENTS: dict[str, str] = {
    "enqueued": QT_TRANSLATE_NOOP("JobEvent", "queued"),
    "folded": QT_TRANSLATE_NOOP("JobEvent", "joined with a newer job"),
    "claimed": QT_TRANSLATE_NOOP("JobEvent", "picked up"),
    "sending": QT_TRANSLATE_NOOP("JobEvent", "sending"),
    "sent": QT_TRANSLATE_NOOP("JobEvent", "sent"),
    "adopted": QT_TRANSLATE_NOOP("JobEvent", "existing record adopted"),
    "completed": QT_TRANSLATE_NOOP("JobEvent", "done"),
    "requeued": QT_TRANSLATE_NOOP("JobEvent", "changed again: runs once more"),
    "failed": QT_TRANSLATE_NOOP("JobEvent", "failed"),
    "in_doubt": QT_TRANSLATE_NOOP("JobEvent", "in doubt"),
    "settled": QT_TRANSLATE_NOOP("JobEvent", "settled by a person"),
    "dead": QT_TRANSLATE_NOOP("JobEvent", "gave up"),
    "cancelled": QT_TRANSLATE_NOOP("JobEvent", "cancelled"),
    "retried": QT_TRANSLATE_NOOP("JobEvent", "retried"),
    "lease_expired": QT_TRANSLATE_NOOP("JobEvent", "runner stopped: picked up again"),
    "resolved": QT_TRANSLATE_NOOP("JobEvent", "closed: the record is in sync"),
    "superseded": QT_TRANSLATE_NOOP("JobEvent", "superseded by a newer change"),
}


def event_label(event: str) -> str:
    return _word("JobEvent", EVENTS, event)


# A job event in the team queue's audit trail, as a sentence naming who ({who}: see :func:`who_label`).
TEAM_EVENTS: dict[str, str] = {
    "enqueued": QT_TRANSLATE_NOOP("TeamEvent", "Queued by {who}"),
    "folded": QT_TRANSLATE_NOOP("TeamEvent", "Queued again by {who}"),
    "completed": QT_TRANSLATE_NOOP("TeamEvent", "Done by {who}"),
    "failed": QT_TRANSLATE_NOOP("TeamEvent", "Failed on {who}"),
    "dead": QT_TRANSLATE_NOOP("TeamEvent", "Given up on {who}"),
    "in_doubt": QT_TRANSLATE_NOOP("TeamEvent", "In doubt on {who}"),
    "retried": QT_TRANSLATE_NOOP("TeamEvent", "Retried by {who}"),
    "cancelled": QT_TRANSLATE_NOOP("TeamEvent", "Cancelled by {who}"),
    "settled": QT_TRANSLATE_NOOP("TeamEvent", "Settled by {who}"),
    "resolved": QT_TRANSLATE_NOOP("TeamEvent", "Closed by {who}: the record is in sync"),
    "moved": QT_TRANSLATE_NOOP("TeamEvent", "Moved into the team queue by {who}"),
    "lease_expired": QT_TRANSLATE_NOOP("TeamEvent", "{who} went silent: its job was taken back"),
    "superseded": QT_TRANSLATE_NOOP("TeamEvent", "Superseded by a newer change from the CRM, seen by {who}"),
}


def team_event_text(event: str, actor: str, kind: str, key: str, job_id: int, desk: str = "") -> str:
    """``retried`` by ``staff@desk-anna`` → "Retried by desk-anna: Update deal for record 42 (job 17)";
    ``completed`` by runner ``termsrv:4242`` of desk ``anna@termsrv`` → "Done by anna@termsrv: …"."""
    text = TEAM_EVENTS.get(event)
    who = who_label(actor, desk)
    sentence = (
        QCoreApplication.translate("TeamEvent", text).format(who=who)
        if text is not None
        else f"{event_label(event)}: {who}"
    )
    job = QCoreApplication.translate("TeamEvent", "{kind} for record {key} (job {id})").format(
        kind=kind_label(kind), key=key, id=job_id
    )
    return f"{sentence}: {job}"


# -- the core's messages (bitrix_monitor.messages): codes said in the window's language -------------------


def qt_translate(context: str, source: str, n: int | None) -> str:
    """The window's translation function (Qt's catalogue) in the shape :func:`messages.say` takes."""
    return QCoreApplication.translate(context, source, None, -1 if n is None else n)


def message_text(msg: Message, hint: Message | None = None) -> str:
    """A core message (and its hint) in the window's language; looked up once per language."""
    key = (
        "Message",
        repr(
            (msg.code, sorted(msg.params.items()), hint and hint.code, hint and sorted(hint.params.items()))
        ),
    )
    text = _looked_up.get(key)
    if text is None:
        lang = window_language()
        text = say(msg, qt_translate, lang)
        if hint is not None:
            text = fill(
                qt_translate(CONTEXT, WITH_HINT, None),
                {"message": text, "hint": say(hint, qt_translate, lang)},
                lang,
            )
        _looked_up[key] = text
    return text


def error_text(error: BaseException | JobError | Message | None, fallback: str = "") -> str:
    """A job's or an exception's error in the window's language: its codes when it has them, else its
    text (errors stored before codes keep the words they were stored with)."""
    if isinstance(error, Message):
        return message_text(error)
    msg = getattr(error, "msg", None)
    hint = getattr(error, "hint_msg", getattr(error, "hint", None))
    if isinstance(msg, Message):
        return message_text(msg, hint if isinstance(hint, Message) else None)
    if isinstance(error, JobError):
        return error.message
    return fallback if error is None else str(error) or fallback


def said(value: Message | str) -> str:
    """A value the core gives as a message or (made before codes, or outside the app) as text."""
    return message_text(value) if isinstance(value, Message) else value


_NUMBERS = re.compile(r"\d+")


def error_groups(rows: Iterable[Any]) -> dict[str, str]:
    """Error signature → what "all with this error" says in the window's language: the error of one of
    its jobs, numbers shown as ``#`` (the group is the code, whatever the ids)."""
    out: dict[str, str] = {}
    for row in rows:
        if row.error_signature and row.error_signature not in out:
            out[row.error_signature] = _NUMBERS.sub("#", error_text(row.error, row.last_error))
    return out
