"""Gateway errors that arrive as ordinary answers, with status 200.

Argo answers an unregistered user with an "AUTHENTICATION NOTICE FROM ARGO"
as the model's text, and its legacy chat API answers a request carrying both
``messages`` and a ``system`` field with a complaint in the same place. Proxies
pass some of these through as text (argo-proxy does when the notice is split
across stream chunks). Taken for an answer, they would end a run as if it had
succeeded.
"""

from __future__ import annotations

import re

from argo_mcp_client.errors import GatewayError

# argo-proxy names the notice "ArgoAuthWarning" when it turns it into a stream error event.
_AUTH_NOTICE = re.compile(
    r"AUTHENTICATION\s+NOTICE\s+FROM\s+ARGO|ARGO authentication error|ArgoAuthWarning", re.IGNORECASE
)
_SYSTEM_AND_MESSAGES = re.compile(
    r"You passed a messages field along with a system and or prompt field", re.IGNORECASE
)

AUTH_FIX = (
    "Argo did not accept the user name it was sent: set `user` in argo-proxy's config.yaml "
    "(or the bridge's user) to your ANL domain user name, one registered for the Argo API"
)
SYSTEM_FIX = (
    "the gateway was sent a system field next to messages, which Argo's chat API refuses: "
    "configure the proxy or bridge to send the system prompt inside messages, or upgrade it"
)


def notice_error(text: str | None, *, model: str) -> GatewayError | None:
    """The error a gateway notice in ``text`` stands for, or ``None`` for an ordinary answer."""
    if not text:
        return None
    if _AUTH_NOTICE.search(text):
        return GatewayError(f"model {model!r}: {AUTH_FIX}", model=model)
    if _SYSTEM_AND_MESSAGES.search(text):
        return GatewayError(f"model {model!r}: {SYSTEM_FIX}", model=model)
    return None
