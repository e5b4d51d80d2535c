"""MkDocs hook: render reStructuredText roles left in docstrings as plain code.

Docstrings write ``:class:`RunTimeout``` in places; Markdown turns that into
``:class:<code>RunTimeout</code>``. The role prefix means nothing on the page, so it goes.
"""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(r":(?:class|meth|func|attr|mod|exc|data|obj):(?=<code>)")


def on_page_content(html: str, **kwargs: Any) -> str:
    return _ROLE.sub("", html)
