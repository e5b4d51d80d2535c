"""The peer libraries: each pinned here, installed in its own venv, driven by its own script.

A peer's venv is ``.cache/bench-peers/<name>-venv``, made on first use (``python -m venv`` and
``pip install``, which needs PyPI) and reused while its marker file matches what this module
asks for; a venv without a matching marker (a half-finished install, a changed pin) is made
anew. Besides its pin, every install is constrained to the versions of this .venv's packages
(openai, mcp, httpx2, pydantic, anyio, ...), so every side runs on the same SDKs.

The drivers (``bench/peer_*.py``) run with the peer venv's python, ``cwd`` the project root,
and import only ``bench.script`` from this project.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.script import BenchFailure

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "bench-peers"
INSTALL_TIMEOUT = 900  # seconds


@dataclass(frozen=True)
class Peer:
    name: str  # the column's name, and the venv's
    requirement: str  # exact pin
    module: str  # the driver, run as ``python -m``

    @property
    def version(self) -> str:
        return self.requirement.rpartition("==")[2]

    @property
    def venv(self) -> Path:
        return CACHE / f"{self.name}-venv"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"


PEERS = (
    Peer("openai-agents", "openai-agents==0.24.0", "bench.peer_agents"),
    Peer("pydantic-ai", "pydantic-ai-slim[openai,mcp]==2.68.0", "bench.peer_pydantic_ai"),
)


def constraints() -> list[str]:
    """This .venv's packages at their versions (not the project itself)."""
    own = {"argo-mcp-client", "pip", "setuptools", "wheel"}
    pins = {
        dist.metadata["Name"].lower(): f"{dist.metadata['Name']}=={dist.version}"
        for dist in metadata.distributions()
    }
    return sorted(pin for name, pin in pins.items() if name not in own)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _reason(exc: subprocess.CalledProcessError | subprocess.TimeoutExpired | OSError) -> str:
    if isinstance(exc, subprocess.CalledProcessError):
        lines = [line.strip() for line in str(exc.stderr or "").splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("ERROR")]
        return (errors or lines or [f"exit status {exc.returncode}"])[-1][:200]
    if isinstance(exc, subprocess.TimeoutExpired):
        return f"install took over {INSTALL_TIMEOUT} s"
    return str(exc)[:200]


def ensure(peer: Peer) -> Path | str:
    """The python of the peer's venv, made if need be; or why it could not be made."""
    wanted = {"requirement": peer.requirement, "constraints": constraints(), "python": sys.version}
    marker = peer.venv / "bench-installed.json"
    with _locked(CACHE / f"{peer.name}.lock"):
        if marker.is_file() and json.loads(marker.read_text()) == wanted:
            return peer.python
        print(f"installing {peer.requirement} into {peer.venv.relative_to(ROOT)} ...", file=sys.stderr)
        shutil.rmtree(peer.venv, ignore_errors=True)
        try:
            subprocess.run(
                [sys.executable, "-m", "venv", str(peer.venv)], check=True, capture_output=True, text=True
            )
            pins = peer.venv / "constraints.txt"
            pins.write_text("\n".join(wanted["constraints"]) + "\n")
            subprocess.run(
                [str(peer.python), "-m", "pip", "install", "-q", "-c", str(pins), peer.requirement],
                check=True,
                capture_output=True,
                text=True,
                timeout=INSTALL_TIMEOUT,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            return _reason(exc)
        marker.write_text(json.dumps(wanted))
    return peer.python


def clean_env() -> dict[str, str]:
    """The environment of a driver or child process: no venv of ours leaks in; bytecode caches on."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return env | {"PYTHONDONTWRITEBYTECODE": ""}


def run_json(command: list[str], *, what: str, timeout: float) -> Any:
    """Run a driver or child process from the project root; its last stdout line, parsed."""
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False, env=clean_env()
    )
    if done.returncode != 0:
        raise BenchFailure(f"{what} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
