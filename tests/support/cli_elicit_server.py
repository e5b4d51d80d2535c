"""The host-features test server over stdio, so the command line can be asked things by a server.

python tests/support/cli_elicit_server.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support.host_server import host_server

if __name__ == "__main__":
    host_server().run()
