"""A command run in a real terminal: a detached tmux session on a private socket."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

POLL = 0.05
"""Seconds between looks at the screen while waiting for something."""


def tmux_missing() -> bool:
    """Whether the tmux binary is unavailable."""
    return shutil.which("tmux") is None


@dataclass
class Terminal:
    """One tmux session running one command; its exit status lands in ``status_file``."""

    socket: Path
    status_file: Path
    session: str = "cli"

    def _tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-S", str(self.socket), *args], capture_output=True, text=True, timeout=30, check=False
        )

    def start(self, command: list[str], *, cwd: Path, width: int = 110) -> None:
        """Start ``command`` (without ``ARGO_*`` variables) in a detached session of fixed size.

        Its exit status is written to ``status_file`` when it ends.
        """
        unset = "env -u ARGO_BASE_URL -u ARGO_API_KEY -u ARGO_MODEL"
        line = f"{unset} {shlex.join(command)}; echo $? > {shlex.quote(str(self.status_file))}"
        started = self._tmux(
            "new-session", "-d", "-s", self.session, "-x", str(width), "-y", "40", "-c", str(cwd), line
        )
        assert started.returncode == 0, started.stderr

    def send(self, text: str) -> None:
        """Type ``text`` literally, then Enter."""
        self._tmux("send-keys", "-t", self.session, "-l", text)
        self._tmux("send-keys", "-t", self.session, "Enter")

    def press(self, key: str) -> None:
        """Press one key by its tmux name (``C-c``)."""
        self._tmux("send-keys", "-t", self.session, key)

    def screen(self) -> str:
        """The visible screen as text."""
        return self._tmux("capture-pane", "-p", "-t", self.session).stdout

    def wait_for(self, *texts: str, within: float = 60) -> str:
        """The screen once it shows all of ``texts``; fails with the screen after ``within`` seconds."""
        deadline = time.monotonic() + within
        screen = self.screen()
        while not all(text in screen for text in texts):
            if time.monotonic() > deadline or self.ended():
                raise AssertionError(f"the terminal never showed {texts!r}; it shows:\n{screen}")
            time.sleep(POLL)
            screen = self.screen()
        return screen

    def ended(self) -> bool:
        """Whether the session is gone (the command exited)."""
        return self._tmux("has-session", "-t", self.session).returncode != 0

    def exit_status(self, within: float = 60) -> int:
        """The command's exit status, once it has ended (fails after ``within`` seconds)."""
        deadline = time.monotonic() + within
        while not (self.ended() and self.status_file.exists() and self.status_file.read_text().strip()):
            if time.monotonic() > deadline:
                raise AssertionError(f"the command did not end; the terminal shows:\n{self.screen()}")
            time.sleep(POLL)
        return int(self.status_file.read_text())

    def close(self) -> None:
        """Kill this session's tmux server, if it still runs."""
        self._tmux("kill-server")
