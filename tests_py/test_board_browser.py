"""The Session Board in a real browser: headless Chromium (Debian's `chromium`).

Chromium opens the HTML file from disk with every host unresolvable (so the page
proves it needs no network), runs the inlined Vega-Embed under a virtual-time
budget and dumps the DOM; the charts use Vega's SVG renderer, so each mark is
an element we count. A screenshot of the board is saved under build/.

When Chromium is missing, the test installs it with apt-get (as root, or with
passwordless sudo); it is skipped only when that install is impossible or fails.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import struct
import subprocess
import tempfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from session_analytics import board
from test_board import EXPECTED_DAILY, build_fixture_warehouse

BUILD_DIR = Path(__file__).resolve().parents[1] / "build"
SCREENSHOT = BUILD_DIR / "session_board_browser.png"
BROWSERS = ("chromium", "chromium-browser")
WINDOW = (1360, 1400)
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--hide-scrollbars",
    # Offline on purpose: any fetch would fail, so the board must be self-contained.
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--virtual-time-budget=15000",
    f"--window-size={WINDOW[0]},{WINDOW[1]}",
)
# HTML elements that never have an end tag: they must not enter the parser's stack.
VOID_ELEMENTS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


def _find_chromium() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def _install_chromium() -> str:
    if shutil.which("apt-get") is None:
        pytest.skip("chromium is not installed and there is no apt-get to install it with")
    if os.geteuid() == 0:
        prefix: list[str] = []
    elif shutil.which("sudo"):
        prefix = ["sudo", "-n"]
    else:
        pytest.skip("chromium is not installed; run `apt-get install -y chromium` as root")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        done = subprocess.run(
            prefix + command, capture_output=True, text=True, env=env, timeout=1200, check=False
        )
        if done.returncode != 0:
            pytest.skip(
                f"chromium is not installed and `{' '.join(prefix + command)}` failed "
                f"(exit {done.returncode}): {done.stderr.strip()[-400:]}"
            )
    path = _find_chromium()
    if path is None:
        pytest.skip("apt-get installed chromium but no chromium binary is on PATH")
    return path


@pytest.fixture(scope="module")
def chromium() -> str:
    # pytest-xdist may run the two tests in two workers, each with this
    # fixture: the lock lets one install while the other waits, instead of
    # failing on dpkg's lock and skipping.
    lock = Path(tempfile.gettempdir()) / "session-analytics-chromium-install.lock"
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        return _find_chromium() or _install_chromium()


@pytest.fixture(scope="module")
def board_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("board")
    warehouse = build_fixture_warehouse(folder / "warehouse.duckdb")
    html_path, _ = board.render_board(warehouse, folder / "out")
    return html_path


def _run_chromium(chromium: str, profile: Path, *action: str, page: Path) -> str:
    done = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *action, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


class MarkCounter(HTMLParser):
    """Counts SVG mark items per (chart container id, Vega mark name) in a dumped DOM."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None, list[str]]] = []
        self.counts: Counter[tuple[str, str]] = Counter()
        self.body: dict[str, str | None] = {}
        self.kpi_cards = 0

    def _chart_and_mark(self) -> tuple[str | None, str | None]:
        chart = next((id_ for _, id_, _ in self.stack if id_ in board.CHART_IDS), None)
        mark = None
        for tag, _, classes in self.stack:
            if tag == "g" and "role-mark" in classes:
                mark = next(c.removesuffix("_marks") for c in classes if c.endswith("_marks"))
        return chart, mark

    def _item(self, tag: str) -> None:
        chart, mark = self._chart_and_mark()
        if chart and mark and tag in {"path", "text"}:
            self.counts[(chart, mark)] += 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "body":
            self.body = attributes
        if tag == "section" and "kpi" in classes:
            self.kpi_cards += 1
        self._item(tag)
        if tag not in VOID_ELEMENTS:
            self.stack.append((tag, attributes.get("id"), classes))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._item(tag)

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break


def test_every_chart_renders_its_marks(chromium: str, board_html: Path, tmp_path: Path) -> None:
    dom = _run_chromium(chromium, tmp_path / "profile", "--dump-dom", page=board_html)
    counter = MarkCounter()
    counter.feed(dom)

    assert counter.body.get("data-rendered") == "true", "vegaEmbed finished without an error"
    days = len(EXPECTED_DAILY)
    zero_days = sum(1 for _, count, _ in EXPECTED_DAILY if count == 0)
    assert dict(counter.counts) == {
        # One bar per day of the window, zero days included, and a marker on each zero day.
        ("sessions_per_day", board.MARK_DAILY_BARS): days,
        ("sessions_per_day", board.MARK_ZERO_DAYS): zero_days,
        # One area, one line and one point per day.
        ("session_length_per_day", board.MARK_LENGTH_AREA): 1,
        ("session_length_per_day", board.MARK_LENGTH_LINE): 1,
        ("session_length_per_day", board.MARK_LENGTH_POINTS): days,
        # One bar and one caption per bucket.
        ("length_distribution", board.MARK_BUCKET_BARS): 2,
        ("length_distribution", board.MARK_BUCKET_CAPTIONS): 2,
    }
    assert (days, zero_days) == (7, 3)
    assert counter.kpi_cards == 6
    # The buckets' labels on the axis, in bucket order.
    assert (
        "X-axis for a discrete scale with 2 values: 0–4,096 s (0–68 min), "
        "4,096–8,192 s (68–136 min)"
    ) in dom
    assert "80.0% · 4" in dom and "20.0% · 1" in dom


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_screenshot_is_saved_under_build(chromium: str, board_html: Path, tmp_path: Path) -> None:
    BUILD_DIR.mkdir(exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    _run_chromium(chromium, tmp_path / "profile", f"--screenshot={SCREENSHOT}", page=board_html)
    assert _png_size(SCREENSHOT) == WINDOW
    assert SCREENSHOT.stat().st_size > 30_000, "a rendered board, not a blank page"
