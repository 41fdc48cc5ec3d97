"""A small WebDriver BiDi client for Firefox's own remote agent (Debian's
``firefox-esr``; there is no geckodriver package): start headless Firefox with a fresh
profile, open ``file://`` pages, evaluate script, send real key presses, collect console
errors. Only what the site's browser tests need."""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Self

from websocket import WebSocketException, create_connection

logger = logging.getLogger(__name__)

# Background features off, so the browser reaches for nothing on the network.
PREFS = {
    "app.update.enabled": False,
    "app.update.auto": False,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "toolkit.telemetry.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "extensions.update.enabled": False,
    "browser.aboutwelcome.enabled": False,
}
KEYS = {
    "Tab": "\ue004",
    "Enter": "\ue006",
    "Escape": "\ue00c",
    "ArrowDown": "\ue015",
    " ": " ",
}


def firefox_path() -> str | None:
    return shutil.which("firefox-esr") or shutil.which("firefox")


class Firefox:
    """``with Firefox() as ff: ff.open(url); ff.js("return 1")``."""

    def __init__(self, width: int = 1280, height: int = 800):
        self.width, self.height = width, height
        self.errors: list[dict[str, Any]] = []
        self._id = 0
        self.socket: Any = None

    def __enter__(self) -> Self:
        self.profile = Path(tempfile.mkdtemp(prefix="nlp-view-firefox-"))
        (self.profile / "user.js").write_text(
            "".join(
                f"user_pref({json.dumps(k)}, {json.dumps(v)});\n"
                for k, v in PREFS.items()
            ),
            encoding="utf-8",
        )
        self.process = subprocess.Popen(
            [
                firefox_path(),
                "--headless",
                "--no-remote",
                "--profile",
                str(self.profile),
                "--remote-debugging-port",
                "0",
                f"--width={self.width}",
                f"--height={self.height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            self._connect()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _connect(self) -> None:
        """Read the agent's address from Firefox's output, open a session on it."""
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line and self.process.poll() is not None:
                break
            match = re.search(r"WebDriver BiDi listening on (ws://\S+)", line)
            if match:
                url = match.group(1)
        if url is None:
            raise RuntimeError("Firefox did not start its WebDriver BiDi agent")
        # Keep reading Firefox's output, or a full pipe would stall the browser.
        threading.Thread(target=self.process.stderr.read, daemon=True).start()
        self.socket = create_connection(
            url.rstrip("/") + "/session", timeout=60, suppress_origin=True
        )
        self.send("session.new", {"capabilities": {}})
        self.send("session.subscribe", {"events": ["log.entryAdded"]})
        tree = self.send("browsingContext.getTree", {})
        self.context = tree["contexts"][0]["context"]
        self.send(
            "browsingContext.setViewport",
            {
                "context": self.context,
                "viewport": {"width": self.width, "height": self.height},
            },
        )

    def __exit__(self, *exc: object) -> None:
        try:
            if self.socket is not None:
                try:
                    self.send("session.end", {})
                except (OSError, RuntimeError, ValueError, WebSocketException):
                    logger.debug("Firefox was gone before session.end")
                self.socket.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            shutil.rmtree(self.profile, ignore_errors=True)

    def send(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self._id += 1
        self.socket.send(
            json.dumps({"id": self._id, "method": method, "params": params})
        )
        while True:
            message = json.loads(self.socket.recv())
            if message.get("type") == "event":
                if message.get("method") == "log.entryAdded":
                    entry = message["params"]
                    if entry.get("level") in ("error", "warn"):
                        self.errors.append(entry)
                continue
            if message.get("id") != self._id:
                continue
            if message.get("type") == "error":
                raise RuntimeError(f"{method}: {message.get('message')}")
            return message["result"]

    def open(self, url: str) -> None:
        self.send(
            "browsingContext.navigate",
            {"context": self.context, "url": url, "wait": "complete"},
        )
        deadline = time.monotonic() + 20
        while not self.js(
            "return document.documentElement.getAttribute('data-view-ready') === '1'"
        ):
            if time.monotonic() > deadline:
                raise TimeoutError(url)
            time.sleep(0.05)

    def js(self, body: str) -> Any:
        """Run ``body`` as a function body; its JSON-able return value."""
        result = self.send(
            "script.evaluate",
            {
                "expression": f"JSON.stringify((() => {{ {body} }})())",
                "target": {"context": self.context},
                "awaitPromise": False,
            },
        )
        if result.get("type") == "exception":
            raise RuntimeError(result["exceptionDetails"].get("text"))
        value = result["result"].get("value")
        return None if value is None else json.loads(value)

    def press(self, key: str) -> None:
        value = KEYS[key]
        self.send(
            "input.performActions",
            {
                "context": self.context,
                "actions": [
                    {
                        "type": "key",
                        "id": "keyboard",
                        "actions": [
                            {"type": "keyDown", "value": value},
                            {"type": "keyUp", "value": value},
                        ],
                    }
                ],
            },
        )
