"""Headless Chromium for page tests: Debian's ``chromium`` driven by ``playwright-core`` from npm.

playwright-core is installed once with this machine's npm into ``<repo>/.cache/playwright-core``
(git-ignored) and never downloads a browser: it launches the system Chromium through
``executablePath``. A test describes what to do in a small Node.js script (CommonJS),
which gets ``require("playwright-core")`` working and the launch options ready, and
prints one JSON line with what it saw.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.reference_servers import CACHE, npm_install

PLAYWRIGHT_PACKAGE = "playwright-core"
PLAYWRIGHT_VERSION = "1.65.1"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)
"""Flags this machine's Chromium needs as root with no screen and a closed network."""

_PRELUDE = """\
"use strict";
const config = JSON.parse(process.env.BROWSER_TEST_CONFIG);
const { chromium } = require(config.playwright);

async function withPage(body) {
  const context = await chromium.launchPersistentContext(config.userDataDir, {
    executablePath: config.chromium,
    headless: true,
    args: config.flags,
    viewport: { width: 1100, height: 800 },
  });
  const errors = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(`console error: ${message.text()}`);
    });
    page.setDefaultTimeout(config.stepTimeoutMs);
    const result = await body(page, config.args);
    process.stdout.write(JSON.stringify({ ...result, errors }) + "\\n");
  } finally {
    await context.close();
  }
}

"""


class BrowserUnavailable(Exception):
    """The browser or Node.js is not on this machine; the message says what to install."""


@dataclass(frozen=True)
class Browser:
    chromium: Path
    node: str
    playwright: Path
    """The playwright-core package folder, for ``require``."""

    def run(
        self,
        script: str,
        args: dict[str, Any],
        *,
        work: Path,
        step_timeout: float = 60.0,
        timeout: float = 300.0,
    ) -> dict[str, Any]:
        """Run ``script`` (a body for ``withPage(async (page, args) => ...)``) and return what it printed.

        Each run gets a fresh Chromium profile under ``work``.
        """
        work.mkdir(parents=True, exist_ok=True)
        profile = work / "chromium-profile"
        shutil.rmtree(profile, ignore_errors=True)
        program = work / "browser_test.cjs"
        program.write_text(_PRELUDE + script)
        config = {
            "playwright": str(self.playwright),
            "chromium": str(self.chromium),
            "flags": list(CHROMIUM_FLAGS),
            "userDataDir": str(profile),
            "stepTimeoutMs": int(step_timeout * 1000),
            "args": args,
        }
        done = subprocess.run(
            [self.node, str(program)],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "BROWSER_TEST_CONFIG": json.dumps(config)},
            cwd=work,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"the browser script failed (exit {done.returncode}):\n{done.stderr}")
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if not lines:
            raise AssertionError(f"the browser script printed no result:\n{done.stdout}\n{done.stderr}")
        result: dict[str, Any] = json.loads(lines[-1])
        return result


def find_chromium() -> Path:
    """Debian's Chromium, or :class:`BrowserUnavailable` saying how to install it."""
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), *CHROMIUM_CANDIDATES):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    raise BrowserUnavailable(
        "Chromium is not installed: the browser tests need Debian's chromium package "
        "(apt-get install -y chromium), or CHROMIUM=/path/to/chromium"
    )


def install_playwright(cache: Path = CACHE) -> Path:
    """Install playwright-core (once) into the cache and return its package folder.

    Raises:
        BrowserUnavailable: no Node.js/npm on this machine.
        support.reference_servers.RegistryUnreachable: npm could not reach its registry.
        InstallError: anything else went wrong.
    """
    npm = shutil.which("npm")
    if npm is None:
        raise BrowserUnavailable(
            "npm is not on PATH: the browser tests need Node.js and npm (apt-get install -y npm)"
        )
    # --ignore-scripts: playwright-core must never download a browser of its own.
    target = cache / "playwright-core"
    return npm_install(
        target, PLAYWRIGHT_PACKAGE, PLAYWRIGHT_VERSION, lambda: npm, extra=["--ignore-scripts"]
    )


def browser() -> Browser:
    """Chromium with playwright-core ready to drive it.

    Raises:
        BrowserUnavailable, RegistryUnreachable, InstallError: see :func:`install_playwright`.
    """
    chromium = find_chromium()
    node = shutil.which("node")
    if node is None:
        raise BrowserUnavailable(
            "node is not on PATH: the browser tests need Node.js (apt-get install -y nodejs)"
        )
    return Browser(chromium=chromium, node=node, playwright=install_playwright())
