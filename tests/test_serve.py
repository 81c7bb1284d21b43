"""`rnn-tui serve` for real: the server on a loopback port, the page in headless Chromium
(Debian's chromium and chromedriver, driven by Selenium; no browser download), a key
sent through the page, and the explorer's picture seen to change.

The terminal is drawn on a canvas, so the page's text says nothing; the test reads
the screenshots: the explorer is up when the picture holds many colours (the
surprisal, heatmap and bar colours) and stops changing; after → the picture differs
in many pixels (a new token, new bars, a new heatmap column, a new status line).
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
selenium = pytest.importorskip("selenium", reason="selenium is in the dev extra")
pytest.importorskip("textual_serve", reason="textual-serve is in the serve extra")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CHROMIUM and CHROMEDRIVER),
        reason="needs Debian's chromium and chromium-driver (apt-get install chromium "
        "chromium-driver)",
    ),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_http(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                assert answer.status == 200
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def picture(driver) -> np.ndarray:
    """The page as an (H, W, 3) array of pixels."""
    from PIL import Image

    with Image.open(io.BytesIO(driver.get_screenshot_as_png())) as image:
        return np.asarray(image.convert("RGB"))


def settled_picture(driver, seconds: float):
    """The screenshot once it holds the explorer (many colours) and two in a row agree."""
    deadline = time.monotonic() + seconds
    previous = None
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = picture(driver)
        colours = len(np.unique(now.reshape(-1, 3), axis=0))
        if colours > 40 and previous is not None and np.array_equal(now, previous):
            return now
        previous = now
    raise AssertionError("the explorer did not appear in the page")


def changed_pixels(before: np.ndarray, after: np.ndarray) -> int:
    difference = np.abs(before.astype(np.int16) - after.astype(np.int16)).max(axis=-1)
    return int((difference > 30).sum())


def test_the_explorer_runs_in_a_browser_and_answers_a_key(tmp_path: Path) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    port = free_port()
    env = {**os.environ, "RNN_TUI_STATE_DIR": str(tmp_path / "state")}
    server = subprocess.Popen(
        [sys.executable, "-m", "rnn_tui", "serve", "--port", str(port), "--prompt", "ROMEO:"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--window-size=1200,800",
    ):  # fmt: skip
        options.add_argument(argument)
    driver = None
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", 30)
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        driver.set_page_load_timeout(30)
        driver.get(f"http://127.0.0.1:{port}/")
        before = settled_picture(driver, 60)
        # xterm.js reads keys through a hidden textarea: focus it, then type as a user would.
        driver.execute_script("document.querySelector('.xterm-helper-textarea').focus()")
        ActionChains(driver).pause(0.5).send_keys(Keys.ARROW_RIGHT).perform()
        deadline = time.monotonic() + 30  # the key travels by websocket to the app and back
        while changed_pixels(before, picture(driver)) < 2000:
            assert time.monotonic() < deadline, "the page did not change after →"
            time.sleep(0.5)
        after = settled_picture(driver, 30)
        assert changed_pixels(before, after) > 2000
    finally:
        if driver is not None:
            driver.quit()
        server.terminate()
        output = server.communicate(timeout=10)[0].decode(errors="replace")
    assert f"http://127.0.0.1:{port}" in output  # loopback, as the default promises


def test_serve_refuses_a_bad_port_and_a_missing_file_in_one_line(cli, tmp_path: Path) -> None:
    result = cli("serve", "--port", "70000")
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "--port" in result.output
    missing = tmp_path / "nope.safetensors"
    result = cli("serve", str(missing))
    assert result.exit_code == 2 and "no such checkpoint file" in result.output


def test_serve_refuses_a_taken_port_and_a_host_it_cannot_listen_on_in_one_line(cli) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("serve", "--port", str(port))
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert result.output == f"error: --port {port}: cannot listen on 127.0.0.1:{port} " \
        "(Address already in use)\n"  # fmt: skip
    for host, reason in [("256.1.1.1", "not an address to listen on"),
                         ("192.0.2.1", "not an address of this machine")]:  # fmt: skip
        result = cli("serve", "--host", host, "--port", "8000")
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert result.output.startswith(f"error: --host {host}: {reason}"), result.output
