"""What several runners on one queue rely on, on both backends where it applies, and what only the team's
queue in PostgreSQL has: its own schema and migrations, waking runners, riding out lost connections, the
list of runners, choosing it by configuration, and the shared request budget."""

from __future__ import annotations

import inspect
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bitrix_monitor import wiring
from bitrix_monitor.config import AppConfig, QueueConfig, from_dict
from bitrix_monitor.errors import ConfigError, UserFacingError
from bitrix_monitor.messages import error_line
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.queue import JobQueue, JobStore, RetryPolicy, TeamQueue, open_queue
from bitrix_monitor.queue import team as team_module
from bitrix_monitor.queue.model import PullField
from bitrix_monitor.secrets import ENV_QUEUE, ENV_QUEUE_PASSWORD, SERVICE, queue_password_key
from tests.conftest import POSTGRES_ADMIN_URL, tcp_keepalive_of
from tests.fakes import MemoryKeyring
from tests.queue.conftest import FakeClock

pytestmark = pytest.mark.timeout(120)

_CLAIMER = """
import json, sys
from bitrix_monitor.queue import open_queue
q = open_queue(sys.argv[1])
done = []
while claimed := q.claim(sys.argv[2], limit=7):
    done += q.complete_many(sys.argv[2], [(j.id, None) for j in claimed])
q.close()
print(json.dumps(done))
"""


def test_runner_processes_claiming_at_once_complete_each_job_exactly_once(queue_location: str) -> None:
    with open_queue(queue_location) as queue:
        ids = set(queue.enqueue_many([("deal.update", str(i), None) for i in range(400)]).job_ids)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _CLAIMER, queue_location, f"runner-{n}"], stdout=subprocess.PIPE, text=True
        )
        for n in range(4)
    ]
    results = [json.loads(p.communicate(timeout=90)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    everything = [i for done in results for i in done]
    assert sorted(everything) == sorted(ids)  # none twice, none missing
    with open_queue(queue_location) as queue:
        assert queue.counts().done == 400
        # who did what: each job was claimed and completed by the same runner, once
        for job_id in list(ids)[:40]:
            events = queue.events(job_id)
            owners = {e.actor for e in events if e.type in ("claimed", "completed")}
            assert len(owners) == 1
            assert [e.type for e in events].count("completed") == 1


_KILLED = """
import os, signal, sys
from datetime import datetime, UTC
from bitrix_monitor.queue import open_queue
q = open_queue(sys.argv[1])
now = datetime.fromtimestamp(float(sys.argv[2]), UTC)
claimed = q.claim("doomed", limit=5, lease_seconds=30, now=now)
q.mark_sending("doomed", [claimed[0].id], now=now)
print(len(claimed), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_runners_jobs_are_claimed_again_when_its_lease_runs_out(
    queue: JobQueue, queue_location: str, clock: FakeClock
) -> None:
    ids = list(queue.enqueue_many([("deal.update", str(i), None) for i in range(5)]).job_ids)
    proc = subprocess.run(
        [sys.executable, "-c", _KILLED, queue_location, str(clock.t)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.stdout.strip() == "5"
    assert queue.counts().running == 5
    clock.advance(20)
    assert queue.reclaim_expired() == 0  # still under lease: another runner keeps its hands off
    assert queue.claim("survivor") == []
    clock.advance(11)
    assert queue.reclaim_expired() == 5
    again = queue.claim("survivor")
    assert sorted(j.id for j in again) == ids[1:]  # the one it was sending waits in doubt for a lookup
    assert queue.get(ids[0]).state == "in_doubt"  # type: ignore[union-attr]
    expired = [e for e in queue.events(ids[1]) if e.type == "lease_expired"]
    assert expired[0].detail["owner"] == "doomed"


# --- PostgreSQL only -------------------------------------------------------------------------------------


@pytest.fixture
def team(postgres_url: str, clock: FakeClock, policy: RetryPolicy) -> Iterator[TeamQueue]:
    q = TeamQueue.connect(postgres_url, policy=policy, clock=clock)
    yield q
    q.close()


def _admin(url: str) -> sa.Engine:
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def test_the_app_creates_its_schema_and_a_second_open_leaves_it_as_it_is(
    team: TeamQueue, postgres_url: str
) -> None:
    job = team.enqueue("deal.create", "o1")
    with TeamQueue.connect(postgres_url) as again:
        assert again.get(job.id) == job
    engine = _admin(postgres_url)
    with engine.connect() as conn:
        assert (
            conn.exec_driver_sql("SELECT version FROM schema_version").scalar() == team_module.SCHEMA_VERSION
        )
        indexes = {
            r[0] for r in conn.exec_driver_sql("SELECT indexname FROM pg_indexes WHERE tablename = 'jobs'")
        }
    engine.dispose()
    assert {"ux_jobs_one_active", "ix_jobs_due_any", "ix_jobs_lease"} <= indexes


def test_a_queue_from_an_older_release_is_migrated_with_its_jobs(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url, poolclass=sa.pool.NullPool)
    assert team_module.prepare(engine, "test", upto=1) == 0
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO jobs (kind, entity_type, entity_key, family, state, next_run_at, created_at, "
            "updated_at, created_by) VALUES ('deal.create', 'deal', 'o7', 'sync', 'queued', 1, 1, 1, 'old')"
        )
    engine.dispose()
    with TeamQueue.connect(postgres_url) as queue:
        (job,) = queue.list_jobs()
        assert (job.kind, job.entity_key, job.created_by) == ("deal.create", "o7", "old")
        assert queue.take_slot("portal.example", 0.5, 10.0, at=100.0) == (100.0, 100.0)  # version 2's table


def test_a_queue_from_a_newer_version_or_another_programs_table_is_refused(postgres_url: str) -> None:
    TeamQueue.connect(postgres_url).close()
    engine = _admin(postgres_url)
    with engine.connect() as conn:
        conn.exec_driver_sql("UPDATE schema_version SET version = 99")
    with pytest.raises(UserFacingError, match="newer version") as newer:
        TeamQueue.connect(postgres_url)
    assert "создала более новая версия Bitrix Monitor (схема очереди 99;" in error_line(newer.value, "ru")
    with engine.connect() as conn:
        conn.exec_driver_sql("DROP TABLE schema_version")
    with pytest.raises(UserFacingError, match="not ours") as foreign:
        TeamQueue.connect(postgres_url)
    assert error_line(foreign.value, "ru").endswith(
        "есть чужая таблица jobs (выделите общей очереди отдельную базу данных (или схему))"
    )
    engine.dispose()


def test_desks_opening_a_new_queue_at_once_set_it_up_once(postgres_url: str) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def open_it() -> None:
        try:
            barrier.wait()
            TeamQueue.connect(postgres_url).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_an_unreachable_queue_says_where_without_the_password() -> None:
    with pytest.raises(UserFacingError) as info:
        TeamQueue.connect("postgresql://bm@127.0.0.1:1/teamq", password="s3cret-pw")
    assert "127.0.0.1:1/teamq" in str(info.value)
    assert "s3cret-pw" not in str(info.value)


def test_new_jobs_wake_a_waiting_runner(team: TeamQueue, postgres_url: str) -> None:
    assert team.wait_for_jobs(0.05) is False  # nothing queued: the timeout is the polling
    with TeamQueue.connect(postgres_url) as desk:
        desk.enqueue("deal.create", "o1")
    assert team.wait_for_jobs(60) is True  # the notification came (long before the timeout)
    assert team.wait_for_jobs(0.05) is False  # and was used up


def test_the_queue_rides_out_lost_connections(team: TeamQueue, postgres_url: str) -> None:
    team.wait_for_jobs(0.05)  # the listener connects
    team.enqueue("deal.create", "o1")
    assert team.wait_for_jobs(60) is True
    engine = _admin(postgres_url)
    with engine.connect() as conn:  # what a database restart does to every client
        killed = conn.exec_driver_sql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).scalar()
    engine.dispose()
    assert killed
    (job,) = team.claim("runner")
    assert team.complete("runner", job.id, {"id": 5}).state == "done"
    team.enqueue("deal.create", "o2")
    # The listener was cut too: the first wait notices and polls, the next listens again.
    team.wait_for_jobs(0.05)
    team.wait_for_jobs(0.05)
    team.enqueue("deal.create", "o3")
    assert team.wait_for_jobs(60) is True


# Store calls that reach the database only through other store calls (or not at all).
_DELEGATING = {
    "close", "now", "wait_for_jobs", "enqueue", "complete", "fail", "mark_in_doubt", "operating_budget",
}  # fmt: skip


def test_every_store_call_is_made_again_after_a_lost_connection() -> None:
    """A call added to the job store and left out of the team queue's list would fail at the first
    database restart: every call of the port is wrapped (or only calls wrapped ones)."""
    unwrapped = [
        name
        for name, member in vars(JobStore).items()
        if callable(member) and not name.startswith("_") and name not in _DELEGATING
        if not hasattr(inspect.getattr_static(TeamQueue, name), "__wrapped__")
    ]
    assert unwrapped == []


def test_pull_state_and_remembered_values_ride_out_lost_connections(
    team: TeamQueue, postgres_url: str
) -> None:
    """Every store call is made again on a new connection, not only the jobs': a run reading its pull cursor
    or what it remembered just as the database restarts carries on."""

    def cut() -> None:
        engine = _admin(postgres_url)
        with engine.connect() as conn:
            conn.exec_driver_sql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        engine.dispose()

    team.counts()  # a pooled connection to lose
    calls = [
        lambda: team.set_pull_cursor("stagehistory.deal", 7),
        lambda: team.pull_cursor("stagehistory.deal"),
        lambda: team.save_pull_fields("deal", "STAGE_ID", []),
        lambda: team.pull_fields("deal", "STAGE_ID"),
        lambda: team.remember("legacy_titles", {"found": {}}),
        lambda: team.recall("legacy_titles"),
    ]
    for call in calls:
        cut()
        call()
    cut()
    assert (team.pull_cursor("stagehistory.deal"), team.recall("legacy_titles")) == (7, {"found": {}})


def test_no_transaction_is_left_open_between_calls(team: TeamQueue, postgres_url: str) -> None:
    team.enqueue_many([("deal.update", str(i), None) for i in range(20)])
    claimed = team.claim("runner")
    team.mark_sending("runner", [j.id for j in claimed])
    # ... here the runner would call the portal ...
    engine = _admin(postgres_url)
    with engine.connect() as conn:
        open_tx = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state LIKE 'idle in transaction%%'"
        ).scalar()
    engine.dispose()
    assert open_tx == 0


def test_a_runner_is_listed_by_its_desks_name_and_leases_by_host_and_process(team: TeamQueue) -> None:
    """Two desks on one terminal server are two names in the list of runners; the lease owner is still
    this host and process, so their claims can never be taken for each other's."""
    with team.runner_lock("bitrix-monitor window", desk="anna@termsrv"):
        (me,) = team.runners()
        job = team.enqueue("deal.create", "1", created_by="staff@anna@termsrv")
        [claimed] = team.claim(me.owner)
    assert (me.host, me.owner) == ("anna@termsrv", f"{socket.gethostname()}:{os.getpid()}")
    assert claimed.id == job.id and team.get(job.id).lease_owner == me.owner  # type: ignore[union-attr]
    assert [e.actor for e in team.events(job.id) if e.type == "enqueued"] == ["staff@anna@termsrv"]


def test_lease_owners_are_named_by_their_desks_from_the_list_of_runners(team: TeamQueue) -> None:
    """Who ran a job is told by its desk: the list of runners maps a lease owner to the name it is listed by
    (its desk's, taken as it is, or the host for a runner of a version before desks had names); an owner it
    does not list is left out, for the window to name by its host."""
    team.heartbeat("termsrv:5151", "bitrix-monitor window", desk="anna@termsrv")
    team.heartbeat("termsrv:6262", "bitrix-monitor --sync --watch 60", desk="cli@desk")
    team.heartbeat("oldsrv:7", "bitrix-monitor window")  # a runner of an older version: its host
    team.heartbeat("termsrv:5151", last_error="portal unreachable")  # a later heartbeat keeps its name
    names = team.runner_desks(["termsrv:5151", "termsrv:6262", "oldsrv:7", "gone:9", "termsrv:5151"])
    assert names == {"termsrv:5151": "anna@termsrv", "termsrv:6262": "cli@desk", "oldsrv:7": "oldsrv"}
    assert team.runner_desks([]) == {}


def test_the_file_queue_names_no_desks(file_queue: JobQueue) -> None:
    """This desk's own queue file has one runner, this desk: there is no list of runners to name others."""
    assert file_queue.runner_desks([f"{socket.gethostname()}:{os.getpid()}"]) == {}


def test_runners_are_listed_with_host_version_and_heartbeat(team: TeamQueue, clock: FakeClock) -> None:
    with team.runner_lock("bitrix-monitor --sync --watch 60"):
        with team.runner_lock("bitrix-monitor run"):  # no lock: a run within the watch
            (me,) = team.runners()
        assert (me.host, me.pid, me.stopped_at) == (socket.gethostname(), os.getpid(), None)
        assert me.description == "bitrix-monitor --sync --watch 60"
        (me,) = team.runners()
        assert me.stopped_at is None  # the inner run ended, the watch goes on
        clock.advance(30)
        team.heartbeat(me.owner, last_error="PortalUnavailable: 503")
        clock.advance(200)
        assert team.runners()[0].silent(clock.now)  # not heard of for 200 s
    (me,) = team.runners()
    assert (me.heartbeat_at, me.last_error, me.version) == (
        clock.later(-200),
        "PortalUnavailable: 503",
        team_module.__version__,
    )
    assert me.stopped_at == clock.now
    assert not me.silent(clock.now)  # it said goodbye


KEPT_ALIVE = (1, 20, 5, 4, 40_000)  # on, first probe after 20 s idle, then every 5 s, 4 of them; 40 s unacked


def test_the_team_queues_connections_find_a_silent_server_out_within_about_40_seconds(
    postgres_url: str,
) -> None:
    """The queue's connections and its listener keep TCP keepalives: a desk whose network went away fails its
    call (and makes it again on a new connection) in about 40 s, instead of when the system gives up."""
    with TeamQueue.connect(postgres_url) as queue:
        with queue._writer.connect() as conn:
            fd = conn.connection.driver_connection.fileno()  # type: ignore[union-attr]
            assert tcp_keepalive_of(fd) == KEPT_ALIVE
        assert tcp_keepalive_of(queue._listen().fileno()) == KEPT_ALIVE


def test_keepalive_settings_in_the_queue_url_are_kept(postgres_url: str) -> None:
    """The URL's own settings win over the app's, for the queue's connections and its listener alike."""
    with TeamQueue.connect(f"{postgres_url}?keepalives_idle=90&tcp_user_timeout=120000") as queue:
        with queue._writer.connect() as conn:
            fd = conn.connection.driver_connection.fileno()  # type: ignore[union-attr]
            assert tcp_keepalive_of(fd) == (1, 90, 5, 4, 120_000)
            assert conn.exec_driver_sql("SELECT current_setting('application_name')").scalar() == (
                "bitrix-monitor"
            )
        assert tcp_keepalive_of(queue._listen().fileno()) == (1, 90, 5, 4, 120_000)


def test_a_runs_start_names_its_runner_again_when_a_new_process_has_an_old_runners_pid(
    team: TeamQueue,
) -> None:
    """A runner's name is written again when a run starts: a process that took over a stopped runner's pid
    on the same host, under another desk, is listed by its own desk; the beats in between keep the name."""
    with team.runner_lock("bitrix-monitor window", desk="anna@termsrv"):
        (anna,) = team.runners()
    with team.runner_lock("bitrix-monitor --sync", desk="boris@termsrv"):
        team.heartbeat(anna.owner, desk="carol@termsrv")  # a beat names nobody
        team.heartbeat(anna.owner, last_error="PortalUnavailable: 503")
        (boris,) = team.runners()
    assert boris.owner == anna.owner
    assert (boris.host, boris.description) == ("boris@termsrv", "bitrix-monitor --sync")
    assert team.runner_desks([anna.owner]) == {anna.owner: "boris@termsrv"}


def test_runners_unheard_of_for_a_month_are_struck_off_the_list_when_a_runner_starts(
    team: TeamQueue, clock: FakeClock
) -> None:
    """A runner neither beating nor stopping for RUNNERS_FORGOTTEN_AFTER is struck off when another starts
    (not on every heartbeat); a runner heard of since, by a heartbeat or by its stop, stays, and one struck
    off that beats again is listed again."""
    day = 86400.0
    month = team_module.RUNNERS_FORGOTTEN_AFTER
    assert month == 30 * day
    for owner in ("stopped:1", "killed:2", "stopping:3", "recent:4", "alive:5"):
        team.heartbeat(owner, "bitrix-monitor window", desk=owner.partition(":")[0])
    team._stopped("stopped:1")
    clock.advance(5 * day)
    team._stopped("stopping:3")  # its last word, five days after its last beat
    clock.advance(5 * day)
    team.heartbeat("recent:4")
    clock.advance(month - 10 * day + 1)  # a month and a second after the first beats
    team.heartbeat("alive:5")
    assert len(team.runners()) == 5  # a heartbeat strikes nobody off
    with team.runner_lock("bitrix-monitor window", desk="me@here"):
        listed = {r.owner: r.host for r in team.runners()}
    me = f"{socket.gethostname()}:{os.getpid()}"
    assert listed == {"stopping:3": "stopping", "recent:4": "recent", "alive:5": "alive", me: "me@here"}
    team.heartbeat("killed:2")  # not dead after all
    assert "killed:2" in {r.owner for r in team.runners()}


# --- choosing the queue ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("postgresql://bm:pw@db.example/bm", "password"),
        ("mysql://bm@db.example/bm", "PostgreSQL"),
        ("postgresql://bm@db.example", "names no database"),
    ],
)
def test_a_queue_url_that_cannot_be_used_is_refused(url: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        wiring.queue_location(AppConfig(queue=QueueConfig(url=url)))
    with pytest.raises(ConfigError, match=problem):
        wiring.queue_location(AppConfig(), url)


def test_a_password_in_the_config_files_queue_url_is_refused() -> None:
    with pytest.raises(ConfigError, match="keyring or BITRIX_MONITOR_QUEUE_PASSWORD"):
        from_dict({"queue": {"url": "postgresql://bm:secret@db/bm"}})


def test_the_flag_wins_over_the_environment_which_wins_over_the_config(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cfg = AppConfig(queue=QueueConfig(url="postgresql://bm@config/bm"))
    assert wiring.queue_location(cfg) == "postgresql://bm@config/bm"
    monkeypatch.setenv(ENV_QUEUE, "postgresql://bm@env/bm")
    assert wiring.queue_location(cfg) == "postgresql://bm@env/bm"
    assert wiring.queue_location(cfg, "postgresql://bm@flag/bm") == "postgresql://bm@flag/bm"
    assert wiring.queue_location(cfg, "") == ""  # the demo: its own file, whatever is configured
    assert wiring.queue_location(AppConfig(), None) == "postgresql://bm@env/bm"


def test_the_desk_file_is_the_default(data_dirs: DataDirs) -> None:
    with wiring.open_configured_queue(AppConfig(), data_dirs) as queue:
        assert queue.exclusive
        assert Path(queue.location) == data_dirs.queue_file


def test_the_team_queue_password_comes_from_the_keyring_or_the_environment(
    postgres_url: str, data_dirs: DataDirs, fake_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = sa.make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    cfg = AppConfig(queue=QueueConfig(url=url))
    fake_keyring.set_password(SERVICE, queue_password_key(url), "from-keyring")
    with wiring.open_configured_queue(cfg, data_dirs) as queue:  # the server trusts us: any password works
        assert isinstance(queue, TeamQueue)
        assert not queue.exclusive
        assert queue._writer.url.password == "from-keyring"
        assert "from-keyring" not in queue.location
    monkeypatch.setenv(ENV_QUEUE_PASSWORD, "from-env")
    with wiring.open_configured_queue(cfg, data_dirs) as queue:
        assert queue._writer.url.password == "from-env"


# --- the shared request budget -----------------------------------------------------------------------------


def test_four_runners_sharing_the_budget_stay_within_the_plan(team: TeamQueue) -> None:
    """Standard plan: burst 50, 2 requests a second. Four runners reserve slots at once; the slots the
    database hands out, taken together, never exceed the burst plus the drain in any stretch of time."""
    budgets = [team.budget("https://portal.example", 50, 2) for _ in range(4)]
    slots: list[list[float]] = [[] for _ in range(4)]
    barrier = threading.Barrier(4)

    def runner(n: int) -> None:
        barrier.wait()
        for _ in range(60):
            slot, _now = team.take_slot(budgets[n].portal, budgets[n].interval, budgets[n].tolerance)
            slots[n].append(slot)

    threads = [threading.Thread(target=runner, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = sorted(s for mine in slots for s in mine)
    assert len(everything) == 240
    assert all(len(mine) == 60 for mine in slots)  # each runner got its share
    burst = 48  # the plan's 50 less the client's margin of 2
    for i in range(len(everything)):
        for j in range(i + burst, len(everything)):
            # j - i + 1 requests within [slot i, slot j]: at most the burst plus what drained meanwhile
            assert everything[j] - everything[i] >= (j - i + 1 - burst) * 0.5 - 1e-6
    # and the budget is not wasted: after the burst, one request every half second
    assert everything[-1] - everything[0] == pytest.approx((240 - burst) * 0.5, abs=1.0)


def test_a_refusal_makes_every_runner_wait_for_the_bucket_to_drain(team: TeamQueue) -> None:
    budget = team.budget("https://portal.example", 50, 2)
    assert budget.reserve() == 0.0
    budget.refused()
    wait = team.budget("https://portal.example", 50, 2).reserve()  # another runner
    assert 0.3 < wait <= 0.5 + 1e-6  # the bucket is full: one interval until the next request


def test_the_queue_sets_itself_up_and_works_with_the_readme_grants_only(postgres_url: str) -> None:
    role = "bm_test_queue_" + uuid.uuid4().hex[:8]
    admin = _admin(postgres_url)
    database = sa.make_url(postgres_url).database
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
    try:
        with admin.connect() as conn:  # the README's grants, word for word but the names
            conn.exec_driver_sql(f"CREATE SCHEMA bitrix_monitor AUTHORIZATION {role}")
            conn.exec_driver_sql(f"ALTER ROLE {role} SET search_path = bitrix_monitor")
            conn.exec_driver_sql(f"GRANT CONNECT ON DATABASE {database} TO {role}")
        url = sa.make_url(postgres_url).set(username=role).render_as_string(hide_password=False)
        with TeamQueue.connect(url) as queue:
            queue.wait_for_jobs(0.01)
            job = queue.enqueue("deal.create", "o1", created_by="desk-a")
            assert queue.wait_for_jobs(60) is True
            (claimed,) = queue.claim("runner")
            assert queue.complete("runner", claimed.id, {"id": 3}).state == "done"
            assert queue.budget("https://portal.example", 50, 2).reserve() == 0.0
            with queue.runner_lock("desk"):
                assert len(queue.runners()) == 1
            assert [e.type for e in queue.events(job.id)] == ["enqueued", "claimed", "completed"]
        with admin.connect() as conn:
            tables = {
                r[0]
                for r in conn.exec_driver_sql(
                    "SELECT tablename FROM pg_tables WHERE tableowner = %s", (role,)
                )
            }
            assert "jobs" in tables
            assert (
                conn.exec_driver_sql(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'jobs'"
                ).scalar()
                == 0
            )
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS bitrix_monitor CASCADE")
            conn.exec_driver_sql(f"REVOKE ALL ON DATABASE {database} FROM {role}")
            conn.exec_driver_sql(f"DROP ROLE {role}")
        admin.dispose()


def test_a_desk_whose_clock_is_off_keeps_the_database_servers_time(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Leases and due times are compared between machines: an hour-fast desk must not expire the leases
    of everyone else."""
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3600.0)
    with TeamQueue.connect(postgres_url) as queue:
        job = queue.enqueue("deal.create", "o1")
    assert abs(job.created_at.timestamp() - real()) < 60


def test_calls_wait_for_the_database_to_come_back(team: TeamQueue, postgres_url: str) -> None:
    """The database goes away (every connection cut, new ones refused) and comes back a moment later: the
    calls made meanwhile wait for it and then do their work once."""
    (first,) = team.enqueue_many([("deal.create", "o1", None)]).job_ids
    database = sa.make_url(postgres_url).database
    engine = _admin(POSTGRES_ADMIN_URL)  # from outside: a database cannot lock itself out
    allow = f"ALTER DATABASE {database} ALLOW_CONNECTIONS true"
    with engine.connect() as conn:
        conn.exec_driver_sql(f"ALTER DATABASE {database} ALLOW_CONNECTIONS false")
        conn.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (database,)
        )
        back = threading.Timer(1.5, conn.exec_driver_sql, (allow,))
        back.start()
        try:
            claimed = team.claim("runner")  # made while the database is away
            job = team.enqueue("deal.create", "o2")
        finally:
            back.join()
            conn.exec_driver_sql(allow)
    engine.dispose()
    assert [j.id for j in claimed] == [first]
    assert team.complete("runner", first, {"id": 1}).state == "done"
    assert [j.entity_key for j in team.list_jobs(limit=None)] == ["o2", "o1"]
    assert [e.type for e in team.events(job.id)] == ["enqueued"]


def test_a_change_marked_queued_while_another_desk_cancels_its_job_is_not_left_held(
    team: TeamQueue, postgres_url: str
) -> None:
    """A pull folded a change into a record's pull job; another desk cancels the job before the pull marks
    the change queued, and commits only once the mark is under way. The mark waits for the cancel (it reads
    the record's pull jobs ``FOR SHARE``) and then sees the job cancelled: the change is stored released,
    not held with no job left to write or release it."""
    job = team.enqueue("deal.pull", "1", payload={"TITLE": {"value": "New", "at": None, "why": ""}})
    other_desk = sa.create_engine(postgres_url, poolclass=sa.pool.NullPool)
    watch = _admin(postgres_url)
    try:
        with other_desk.connect() as conn:
            conn.exec_driver_sql("UPDATE jobs SET state = 'cancelled' WHERE id = %s", (job.id,))
            mark = threading.Thread(
                target=team.save_pull_fields,
                args=("order", "TITLE", [PullField("1", "Old", "New", "queued", None, "why")]),
            )
            mark.start()
            deadline = time.monotonic() + 10
            with watch.connect() as w:
                while not w.exec_driver_sql(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                ).scalar():
                    assert time.monotonic() < deadline, "the mark did not wait for the cancel"
                    time.sleep(0.02)
            conn.commit()
        mark.join(10)
        assert not mark.is_alive()
    finally:
        other_desk.dispose()
        watch.dispose()
    assert team.pull_fields("order", "TITLE")["1"] == PullField("1", agreed="New")


def test_measuring_the_servers_clock_inside_a_call_never_waits_for_the_queues_pool(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The queue reads the clock inside its transactions. A measurement due then is made on a connection of
    its own: with the queue's every pooled connection held by such calls, one waiting for another would
    stall for the pool's timeout (30 s)."""
    q = TeamQueue.connect(postgres_url, pool_size=1)
    try:
        pool = q._writer.pool
        assert isinstance(pool, sa.pool.QueuePool) and q._server is not None
        pool._timeout = 0.2  # a checkout that has to wait fails at once, rather than after 30 s
        pool._max_overflow = 0
        checkouts: list[object] = []
        measured: list[object] = []
        sa.event.listen(q._writer, "checkout", lambda *args: checkouts.append(args[0]))
        sa.event.listen(q._server.engine, "connect", lambda *args: measured.append(args[0]))
        monkeypatch.setattr(team_module, "CLOCK_REMEASURED_AFTER", 0.0)  # measured at every read
        with q._write() as conn:  # the pool's only connection, held
            conn.exec_driver_sql("SELECT 1")
            q.now()
            q.now()
        assert len(checkouts) == 1  # the call's own
        assert len(measured) == 2  # each read measured, on a connection of the clock's own
        job = q.enqueue("deal.create", "o1")  # the pool still serves its calls, the clock's engine apart
        assert abs(job.created_at.timestamp() - time.time()) < 60
    finally:
        q.close()


def test_a_desks_clock_stepped_after_it_connected_still_stamps_in_the_servers_time(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The queue keeps the database server's time. A desk's clock stepped by a minute after it connected (a
    laptop waking, a time sync's correction) is measured again when next read, and one drifting slowly after
    a while: jobs, leases and a pass's start keep comparing with other desks' in one time."""
    q = TeamQueue.connect(postgres_url)
    try:
        server = _admin(postgres_url)
        try:

            def server_now() -> float:
                with server.connect() as conn:
                    return float(
                        conn.exec_driver_sql("SELECT EXTRACT(EPOCH FROM clock_timestamp())").scalar_one()
                    )

            assert abs(q.now().timestamp() - server_now()) < 2.0
            real = time.time
            monkeypatch.setattr(time, "time", lambda: real() + 60.0)  # this desk's clock, stepped
            assert abs(q.now().timestamp() - server_now()) < 2.0  # the step seen: measured again at once
            # A slow drift (no step) is measured again after CLOCK_REMEASURED_AFTER.
            monkeypatch.setattr(time, "time", lambda: real() + 60.5)
            assert q.now().timestamp() - server_now() > 0.3  # read within the interval: not measured yet
            monkeypatch.setattr(team_module, "CLOCK_REMEASURED_AFTER", 0.0)
            assert abs(q.now().timestamp() - server_now()) < 0.3
        finally:
            server.dispose()
    finally:
        q.close()
