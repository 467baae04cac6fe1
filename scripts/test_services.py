#!/usr/bin/env python3
"""Run a command against throwaway, real PostgreSQL and Redis servers.

    python scripts/test_services.py -- pytest -x
    python scripts/test_services.py --no-redis -- python bench.py

A PostgreSQL cluster is made with initdb in a fresh temporary directory and a Redis server is
started beside it, both listening on free loopback ports only. The command runs with
DATABASE_URL, CELERY_BROKER_URL, REDIS_URL, CACHE_URL and AUDITPORTAL_TESTING=1 set, and whatever way it
ends (success, failure, Ctrl-C, SIGTERM, SIGHUP), both servers are stopped, every process the
command left behind in its process group is ended and the directory is removed. The exit
status is the command's own (128 + signal number if a signal ended it).

Only the standard library is used, so any Python 3.11 can run this file.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

TMP_PREFIX = "auditportal-services-"
DB_NAME = "auditportal"
DB_USER = "auditportal"
DB_PASSWORD = "auditportal"


class ServiceError(RuntimeError):
    pass


def log(message: str) -> None:
    print(f"[test-services] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find_pg_bindir() -> Path:
    """The bin directory holding initdb, pg_ctl and psql of one and the same PostgreSQL."""
    candidates: list[Path] = []
    if on_path := shutil.which("initdb"):
        candidates.append(Path(on_path).resolve().parent)
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: _version_key(p.parent.name))[::-1]
    for bindir in candidates:
        if all((bindir / tool).exists() for tool in ("initdb", "pg_ctl", "psql")):
            return bindir
    raise ServiceError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found in PATH or /usr/lib/postgresql/*/bin. "
        "Install them with: apt-get install postgresql (or run `make system-deps` as root)."
    )


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def owner_alive(pid: int) -> bool:
    """Whether the test_services.py run with this pid is still alive (not a zombie, not a reused pid)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state not in ("Z", "X") and b"test_services" in cmdline


class Services:
    """The PostgreSQL cluster and Redis server of one run, and their temporary directory."""

    def __init__(self, *, postgres: bool, redis: bool) -> None:
        self.want_postgres = postgres
        self.want_redis = redis
        self.root = Path(tempfile.mkdtemp(prefix=TMP_PREFIX))
        # initdb refuses to run as root, so as root the cluster belongs to the postgres user,
        # which must be able to reach its data directory inside our temp dir.
        self.root.chmod(0o755)
        (self.root / "owner.pid").write_text(str(os.getpid()))
        self.run_as: list[str] = []
        self.pg_owner: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            try:
                self.pg_owner = pwd.getpwnam("postgres")
            except KeyError:
                raise ServiceError("running as root, but there is no 'postgres' user to own the cluster") from None
            self.run_as = ["runuser", "-u", "postgres", "--"]
        self.pg_bindir: Path | None = None
        self.pg_port: int | None = None
        self.pg_data = self.root / "pg" / "data"
        self.pg_sockets = self.root / "pg" / "run"
        self.pg_log = self.root / "pg" / "postgres.log"
        self.redis_port: int | None = None
        self.redis_proc: subprocess.Popen[bytes] | None = None
        self.redis_log = self.root / "redis" / "redis.log"

    # PostgreSQL -------------------------------------------------------------------------------

    def _pg(self, tool: str, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        assert self.pg_bindir is not None
        return subprocess.run(
            [*self.run_as, str(self.pg_bindir / tool), *args],
            check=check,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            cwd=self.root,
        )

    def start_postgres(self) -> None:
        self.pg_bindir = find_pg_bindir()
        for directory in (self.pg_data.parent, self.pg_data, self.pg_sockets):
            directory.mkdir(mode=0o700, exist_ok=True)
            if self.pg_owner is not None:
                os.chown(directory, self.pg_owner.pw_uid, self.pg_owner.pw_gid)
        result = self._pg(
            "initdb",
            "-D",
            str(self.pg_data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
            check=False,
        )
        if result.returncode != 0:
            raise ServiceError(f"initdb failed:\n{result.stdout}\n{result.stderr}")
        # A throwaway cluster: durability is traded for speed.
        with (self.pg_data / "postgresql.auto.conf").open("a") as conf:
            conf.write(
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.pg_sockets}'\n"
                "fsync = off\n"
                "full_page_writes = off\n"
                "synchronous_commit = off\n"
                "max_connections = 200\n"
                "log_min_messages = warning\n"
            )
        # A free port can be taken by someone else between our check and the server's bind.
        last_error = ""
        for _attempt in range(5):
            self.pg_port = free_port()
            result = self._pg(
                "pg_ctl",
                "start",
                "-D",
                str(self.pg_data),
                "-l",
                str(self.pg_log),
                "-w",
                "-t",
                "60",
                "-o",
                f"-p {self.pg_port}",
                check=False,
            )
            if result.returncode == 0:
                break
            last_error = f"{result.stdout}\n{result.stderr}\n{self._tail(self.pg_log)}"
        else:
            raise ServiceError(f"PostgreSQL did not start:\n{last_error}")
        statements = [
            f"CREATE ROLE {DB_USER} LOGIN CREATEDB PASSWORD '{DB_PASSWORD}'",
            f"CREATE DATABASE {DB_NAME} OWNER {DB_USER}",
        ]
        for sql in statements:
            result = self._pg(
                "psql",
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                str(self.pg_sockets),
                "-p",
                str(self.pg_port),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-c",
                sql,
                check=False,
            )
            if result.returncode != 0:
                raise ServiceError(f"psql {sql!r} failed:\n{result.stdout}\n{result.stderr}")

    def stop_postgres(self) -> None:
        if self.pg_bindir is None or not (self.pg_data / "postmaster.pid").exists():
            return
        result = self._pg("pg_ctl", "stop", "-D", str(self.pg_data), "-m", "immediate", "-w", "-t", "30", check=False)
        if result.returncode != 0:
            log(f"pg_ctl stop failed: {result.stderr.strip()}")

    # Redis ------------------------------------------------------------------------------------

    def start_redis(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            raise ServiceError("redis-server not found. Install it with: apt-get install redis-server")
        self.redis_log.parent.mkdir()
        for _attempt in range(5):
            self.redis_port = free_port()
            with self.redis_log.open("ab") as out:
                # Its own process group, so that a Ctrl-C at the terminal cannot stop Redis
                # before the command under test has finished its teardown.
                self.redis_proc = subprocess.Popen(
                    [
                        server,
                        "--port",
                        str(self.redis_port),
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--daemonize",
                        "no",
                        "--dir",
                        str(self.redis_log.parent),
                    ],
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    process_group=0,
                )
            (self.root / "redis.pid").write_text(str(self.redis_proc.pid))
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and self.redis_proc.poll() is None:
                if self._redis_pong():
                    return
                time.sleep(0.05)
            self.stop_redis()
        raise ServiceError(f"Redis did not start:\n{self._tail(self.redis_log)}")

    def _redis_pong(self) -> bool:
        assert self.redis_port is not None
        try:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def stop_redis(self) -> None:
        proc, self.redis_proc = self.redis_proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    # The whole --------------------------------------------------------------------------------

    def start(self) -> None:
        if self.want_postgres:
            self.start_postgres()
        if self.want_redis:
            self.start_redis()

    def stop(self) -> None:
        for step in (self.stop_redis, self.stop_postgres):
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - cleanup must go on to the next step
                log(f"cleanup: {exc}")
        shutil.rmtree(self.root, ignore_errors=True)

    def environ(self) -> dict[str, str]:
        env = dict(os.environ)
        env["AUDITPORTAL_TESTING"] = "1"
        env["TEST_SERVICES_DIR"] = str(self.root)
        if self.pg_port is not None:
            env["DATABASE_URL"] = f"postgres://{DB_USER}:{DB_PASSWORD}@127.0.0.1:{self.pg_port}/{DB_NAME}"
        if self.redis_port is not None:
            env["REDIS_URL"] = f"redis://127.0.0.1:{self.redis_port}/0"
            env["CELERY_BROKER_URL"] = env["REDIS_URL"]
            # The shared cache (and cached sessions) as in production: a database of its own.
            env["CACHE_URL"] = f"redis://127.0.0.1:{self.redis_port}/1"
        return env

    @staticmethod
    def _tail(path: Path, lines: int = 30) -> str:
        try:
            return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def remove_stale_runs() -> None:
    """Stop the servers of earlier runs whose owner died without cleaning up (e.g. SIGKILL)."""
    for root in Path(tempfile.gettempdir()).glob(f"{TMP_PREFIX}*"):
        try:
            owner = int((root / "owner.pid").read_text())
        except (OSError, ValueError):
            continue
        if owner_alive(owner):
            continue
        log(f"removing the leftovers of a dead run in {root}")
        try:
            redis_pid = int((root / "redis.pid").read_text())
            cmdline = Path(f"/proc/{redis_pid}/cmdline").read_bytes()
            if b"redis-server" in cmdline:
                os.kill(redis_pid, signal.SIGKILL)
        except (OSError, ValueError):
            pass
        if (root / "pg" / "data" / "postmaster.pid").exists():
            with contextlib.suppress(ServiceError, OSError, subprocess.SubprocessError):
                run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
                pg_ctl = find_pg_bindir() / "pg_ctl"
                cmd = [*run_as, str(pg_ctl), "stop", "-D", str(root / "pg" / "data"), "-m", "immediate", "-w"]
                subprocess.run(cmd, capture_output=True, timeout=30)
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def terminal_foreground(pgid: int) -> Iterator[None]:
    """Give the terminal to the command's process group, so that Ctrl-C reaches it (once) and it can
    read the terminal (pdb); our own process group gets the terminal back afterwards."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        yield
        return
    try:
        ours = os.getpgrp()
        if os.tcgetpgrp(fd) != ours:  # we are not the foreground job: leave the terminal alone
            yield
            return
        previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
        try:
            os.tcsetpgrp(fd, pgid)
            yield
        finally:
            with contextlib.suppress(OSError):
                os.tcsetpgrp(fd, ours)
            signal.signal(signal.SIGTTOU, previous)
    finally:
        os.close(fd)


def end_process_group(pgid: int, grace: float = 10) -> None:
    """End whatever the command left running in its process group (a Celery worker, a browser)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


def run(command: list[str], services: Services) -> int:
    # The command gets a process group of its own: we forward signals to all of it, and end
    # whatever it leaves behind.
    proc = subprocess.Popen(command, env=services.environ(), process_group=0)
    received: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        # The first signal, whichever it is, becomes a SIGINT: pytest then stops as on Ctrl-C and
        # runs its teardown (the Celery worker, the test database). A second one kills outright.
        received.append(signum)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT if len(received) == 1 else signal.SIGKILL)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, forward)
    try:
        with terminal_foreground(proc.pid):
            returncode = proc.wait()
    finally:
        end_process_group(proc.pid)
    if received:
        return 128 + received[0]
    return 128 - returncode if returncode < 0 else returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-postgres", action="store_true", help="do not start PostgreSQL")
    parser.add_argument("--no-redis", action="store_true", help="do not start Redis")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command to run, after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given: python scripts/test_services.py -- pytest")

    remove_stale_runs()
    services: Services | None = None

    # Until the command runs, a signal stops us through the usual exception path, cleanup included.
    def interrupted(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupted)
    try:
        started = time.monotonic()
        services = Services(postgres=not args.no_postgres, redis=not args.no_redis)
        services.start()
        running = [
            f"{name} on 127.0.0.1:{port}"
            for name, port in (("PostgreSQL", services.pg_port), ("Redis", services.redis_port))
            if port
        ]
        log(
            f"{', '.join(running) or 'no services'} (ready in {time.monotonic() - started:.1f}s, files in {services.root})"
        )
        return run(command, services)
    except ServiceError as exc:
        log(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # let nothing interrupt the cleanup itself
        if services is not None:
            services.stop()


if __name__ == "__main__":
    sys.exit(main())
