"""The one-folder bundle runs on its own: version, headless sandbox, and the window."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

pytestmark = pytest.mark.bundle

APP_ID = "io.github.dynascope.Dynascope"

DEMO_TABLES = {"Users", "Orders", "Products", "UserSessions", "AppData"}
QT_PLUGINS = ["platforms/libqxcb.so", "platforms/libqoffscreen.so",
              "imageformats/libqsvg.so", "iconengines/libqsvgicon.so"]
STARTUP_SECONDS = 60


def _client(url: str, service: str = "dynamodb"):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="anything", aws_secret_access_key="anything",
                        config=Config(retries={"mode": "standard", "total_max_attempts": 2}))


class Output:
    """A child's merged stdout/stderr, read line by line on a thread into a queue."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc, self.lines = proc, []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, pattern: str, seconds: float) -> re.Match[str]:
        """The first new line matching `pattern`, within `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no line matching {pattern!r} in {seconds} s:\n{self}"
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            assert line is not None, f"exited ({self.proc.poll()}) before {pattern!r}:\n{self}"
            self.lines.append(line)
            if match := re.search(pattern, line):
                return match

    def rest(self) -> str:
        """Everything, once the child has exited and the pipe is drained."""
        self._thread.join(timeout=30)
        while (line := self._queue.get_nowait()) is not None:
            self.lines.append(line)
        return str(self)

    def __str__(self) -> str:
        return "".join(self.lines)


@contextlib.contextmanager
def running(argv: list[str], env: dict[str, str], cwd: Path) -> Iterator[Output]:
    # A child inherits an ignored SIGINT (as from a shell's background job) and would then
    # never see Ctrl-C: start it the way a terminal does.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    proc = subprocess.Popen(argv, env=env, cwd=cwd, text=True, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        yield Output(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _mapped_files(pid: int) -> set[str]:
    with open(f"/proc/{pid}/maps", encoding="utf-8") as maps:
        return {line.split(maxsplit=5)[5].strip() for line in maps if len(line.split()) == 6}


def _listening_ports(pid: int) -> set[int]:
    """TCP ports the process listens on: /proc/<pid>/net/tcp rows whose socket it holds."""
    sockets = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            if (target := os.readlink(fd)).startswith("socket:["):
                sockets.add(target[8:-1])
    ports = set()
    with open(f"/proc/{pid}/net/tcp", encoding="ascii") as table:
        for row in list(table)[1:]:
            fields = row.split()
            if fields[3] == "0A" and fields[9] in sockets:  # 0A = LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def test_bundle_carries_python_qt_plugins_and_resources(bundle_dir: Path) -> None:
    internal = bundle_dir / "_internal"
    assert list(internal.glob("libpython3*.so*")), "no libpython in the bundle"
    for plugin in QT_PLUGINS:
        assert (internal / "PySide6" / "Qt" / "plugins" / plugin).is_file(), plugin
    # ui/resources.py looks next to the ui package: <_MEIPASS>/resources.
    assert (internal / "resources" / "icons" / "dynascope.svg").is_file()
    assert (internal / "resources" / "themes" / "light.qss").is_file()
    share = bundle_dir / "share"
    assert (share / "applications" / f"{APP_ID}.desktop").is_file()
    assert (share / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    assert (share / "icons" / "hicolor" / "256x256" / "apps" / f"{APP_ID}.png").is_file()


Env = Callable[..., dict[str, str]]


def test_version(bundle_dir: Path, tmp_path: Path, clean_env: Env) -> None:
    result = subprocess.run([str(bundle_dir / "dynascope"), "--version"], cwd=tmp_path,
                            env=clean_env(), capture_output=True, text=True,
                            timeout=STARTUP_SECONDS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"dynascope {version('dynascope')}"


def test_headless_sandbox_serves_the_demo_tables(bundle_dir: Path, tmp_path: Path,
                                                 clean_env: Env) -> None:
    with running([str(bundle_dir / "dynascope"), "sandbox"], clean_env(), tmp_path) as out:
        url = out.wait_for(r"^(http://127\.0\.0\.1:\d+)$", STARTUP_SECONDS).group(1)
        out.wait_for(r"^Press Ctrl-C to stop", 10)

        # The bundle's own Python runs it, not one of this machine's.
        python = [f for f in _mapped_files(out.proc.pid) if "libpython3" in f]
        assert python and all(f.startswith(str(bundle_dir)) for f in python), python

        ddb = _client(url)
        assert set(ddb.list_tables()["TableNames"]) == DEMO_TABLES
        # A little of everything the app asks moto for, so that trimming moto and
        # botocore in the spec cannot quietly break a feature.
        products = ddb.describe_table(TableName="Products")["Table"]
        assert {g["IndexName"] for g in products["GlobalSecondaryIndexes"]} == {
            "category-index", "price-index"}
        ttl = ddb.describe_time_to_live(TableName="UserSessions")["TimeToLiveDescription"]
        assert ttl["TimeToLiveStatus"] == "ENABLED"
        ddb.describe_continuous_backups(TableName="Users")
        ddb.list_tags_of_resource(ResourceArn=products["TableArn"])
        assert ddb.scan(TableName="Users", Limit=5)["Items"]
        page = ddb.query(TableName="AppData", KeyConditionExpression="PK = :pk",
                         ExpressionAttributeValues={":pk": {"S": "USER#0000"}})
        assert page["Count"] >= 0
        assert ddb.execute_statement(Statement='SELECT * FROM "Products"', Limit=3)["Items"]

        arn = ddb.describe_table(TableName="UserSessions")["Table"]["LatestStreamArn"]
        streams = _client(url, "dynamodbstreams")
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")
        records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
        assert {r["eventName"] for r in records} >= {"INSERT", "MODIFY", "REMOVE"}

        out.proc.send_signal(signal.SIGINT)
        assert out.proc.wait(timeout=30) == 0, out.rest()
        text = out.rest()
    assert "Sandbox stopped." in text
    assert "Traceback" not in text, text


@contextlib.contextmanager
def _xvfb() -> Iterator[str]:
    """A private X server; yields its DISPLAY. Xvfb picks a free display number itself."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0",
                               "1280x800x24", "-nolisten", "tcp"], pass_fds=(write_end,),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    try:
        with os.fdopen(read_end) as pipe:
            number = pipe.readline().strip()  # written once the server accepts clients
        assert number.isdigit(), f"Xvfb did not start (exit {server.poll()})"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(params=["offscreen", "xcb"])
def qt_platform(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """Extra environment for the window: Qt's offscreen platform, or X11 on Xvfb."""
    if request.param == "offscreen":
        yield {"QT_QPA_PLATFORM": "offscreen"}
        return
    missing = [tool for tool in ("Xvfb", "xwininfo", "xprop") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"the X11 check needs {', '.join(missing)} (Debian: xvfb x11-utils)")
    with _xvfb() as display:
        yield {"QT_QPA_PLATFORM": "xcb", "DISPLAY": display}


def _wait_until(check, seconds: float, what: str, proc: subprocess.Popen[str], out: Output):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"exited ({proc.returncode}) while waiting for {what}:\n{out}"
        if value := check():
            return value
        # Wait on the process itself: returns at once if it exits, else after a beat.
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.1)
    raise AssertionError(f"no {what} within {seconds} s:\n{out}")


def test_window_opens_on_the_sandbox(bundle_dir: Path, tmp_path: Path, clean_env: Env,
                                     qt_platform: dict[str, str]) -> None:
    env = clean_env(**qt_platform)
    with running([str(bundle_dir / "dynascope"), "--sandbox"], env, tmp_path) as out:
        proc = out.proc

        def tables() -> set[str] | None:
            # The window's embedded sandbox listens first and loads its tables after.
            for port in _listening_ports(proc.pid):
                with contextlib.suppress(Exception):
                    names = set(_client(f"http://127.0.0.1:{port}").list_tables()["TableNames"])
                    if names == DEMO_TABLES:
                        return names
            return None

        _wait_until(tables, STARTUP_SECONDS, "sandbox with the demo tables", proc, out)

        if qt_platform["QT_QPA_PLATFORM"] == "xcb":
            x_env = {"PATH": "/usr/bin:/bin", "DISPLAY": qt_platform["DISPLAY"]}

            def window() -> str | None:
                tree = subprocess.run(["xwininfo", "-root", "-tree"], env=x_env,
                                      capture_output=True, text=True).stdout
                found = re.search(r'^\s*(0x[0-9a-f]+) "Dynascope": \("dynascope" "Dynascope"\)',
                                  tree, re.MULTILINE)
                return found.group(1) if found else None

            wid = _wait_until(window, STARTUP_SECONDS, "Dynascope window", proc, out)
            # The window icon is the SVG from the bundled resources, drawn by the svg plugin.
            icon = subprocess.run(["xprop", "-id", wid, "-len", "8", "_NET_WM_ICON"],
                                  env=x_env, capture_output=True, text=True).stdout
            assert "not found" not in icon and "Icon (16 x 16)" in icon, icon

        assert proc.poll() is None, f"exited ({proc.returncode}):\n{out}"
        proc.terminate()
        proc.wait(timeout=30)
        text = out.rest()
    assert "Traceback" not in text, text
