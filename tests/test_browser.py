"""Notebook 03's threshold explorer in a real browser: JupyterLab on a free localhost port runs
the notebook (smoke values, notebook 01's artifacts), Playwright drives Debian's chromium to move
the slider, and the readout and the figure next to it change. Screenshots go to build/browser/."""

import ast
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from papermill.inspection import inspect_notebook

from simtools import run

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = run.REPO / "build" / "browser"
NOTEBOOK = "03_calibration_and_projection"
# Generous limits, not speed goals: CI's 2 cores may be shared with other work.
STEP_SECONDS = 300  # JupyterLab loads, a kernel starts, the explorer redraws
RUN_ALL_SECONDS = 1200  # the whole notebook runs before the explorer shows


def require_browser() -> None:
    """Skip (fail in CI) with what to install when Playwright or chromium is missing."""
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package (pip install -r requirements.txt)")
    if not CHROMIUM.is_file():
        missing.append(
            f"{CHROMIUM} (apt-get install chromium; Playwright's own download is not used)"
        )
    if missing:
        message = "the browser test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message + "; .ci/run must install it")
        pytest.skip(message)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def default_parameter(stem: str, name: str):
    """The value ``stem``'s parameters cell gives ``name``."""
    notebook = run.resolve_notebook(stem)
    return ast.literal_eval(inspect_notebook(str(notebook))[name]["default"])


@pytest.fixture
def lab(tmp_path, executed_smoke):
    """JupyterLab serving a folder with notebook 03 (smoke values injected) and notebook 01's
    artifacts where 03 looks for them; yields its base URL and token."""
    require_browser()
    first = executed_smoke("01_metric_learning")
    assert first.error is None, f"notebook 01 failed: {first.error}"
    root = tmp_path / "lab"
    artifacts = run.profile_parameters("smoke", run.resolve_notebook("01")).get(
        "artifact_dir", default_parameter("01_metric_learning", "artifact_dir")
    )
    shutil.copytree(first.output.parent / artifacts, root / artifacts)
    assert (
        run.profile_parameters("smoke", run.resolve_notebook(NOTEBOOK)).get(
            "artifact_dir", default_parameter(NOTEBOOK, "artifact_dir")
        )
        == artifacts
    ), "notebooks 01 and 03 disagree on artifact_dir"
    run.prepare("smoke", root, [NOTEBOOK])
    settings = tmp_path / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    environment = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # inline figures
    environment.update(
        TF_CPP_MIN_LOG_LEVEL="3",
        JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),
        JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "jupyter-runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "lab-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "lab-workspaces"),
    )
    port, token = free_port(), secrets.token_hex(16)
    command = [
        *(sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1"),
        *(f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}"),
        f"--ServerApp.root_dir={root}",
        "--allow-root",  # CI runs as root; the server listens on 127.0.0.1 only, behind a token
    ]
    log = (tmp_path / "jupyterlab.log").open("w")
    server = subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STEP_SECONDS
        while True:
            assert server.poll() is None, (tmp_path / "jupyterlab.log").read_text()[-3000:]
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline, f"JupyterLab did not answer in {STEP_SECONDS} s"
                time.sleep(1)
        yield url, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_moving_the_slider_changes_the_scores_and_the_figure(lab):
    from playwright.sync_api import expect, sync_playwright

    url, token = lab
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.set_default_timeout(STEP_SECONDS * 1000)
            expect.set_options(timeout=STEP_SECONDS * 1000)
            page.goto(f"{url}/lab/tree/{NOTEBOOK}.ipynb?token={token}")
            page.locator(".jp-NotebookPanel .jp-Notebook").wait_for()
            expect(page.locator(".jp-Notebook-ExecutionIndicator")).to_have_attribute(
                "data-status", "idle"
            )
            page.locator(".jp-Notebook .jp-Cell").first.click()  # the notebook has the focus
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()

            slider = page.locator(".widget-slider")
            explorer = page.locator(".widget-vbox", has=slider)
            explorer.wait_for(timeout=RUN_ALL_SECONDS * 1000)
            explorer.scroll_into_view_if_needed()
            scores = explorer.locator(".widget-html", has_text="precision")
            figure = explorer.locator("img")
            expect(scores).to_contain_text("recall")
            expect(figure).to_be_visible()
            scores_before, figure_before = scores.inner_text(), figure.get_attribute("src")
            pixels_before = hashlib.sha256(figure.screenshot()).hexdigest()
            explorer.screenshot(path=SCREENSHOTS / "explorer_before.png")

            handle = slider.locator(".noUi-handle")
            track = slider.locator(".noUi-target").bounding_box()
            start = handle.bounding_box()
            page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
            page.mouse.down()
            page.mouse.move(track["x"] + 0.85 * track["width"], start["y"], steps=10)
            page.mouse.up()

            expect(scores).not_to_have_text(scores_before)
            expect(figure).not_to_have_attribute("src", figure_before)
            figure.evaluate("image => image.decode()")  # its new pixels are ready to read
            explorer.screenshot(path=SCREENSHOTS / "explorer_after.png")
            page.screenshot(path=SCREENSHOTS / "jupyterlab_after.png")
            assert hashlib.sha256(figure.screenshot()).hexdigest() != pixels_before
            assert "precision" in scores.inner_text() and "recall" in scores.inner_text()
        except Exception:
            page.screenshot(path=SCREENSHOTS / "failure.png")  # what the browser showed
            raise
        finally:
            browser.close()
