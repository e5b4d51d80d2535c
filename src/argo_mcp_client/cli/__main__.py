"""``python -m argo_mcp_client.cli``: the same as the ``argo-mcp`` command."""

from argo_mcp_client.cli import main

main()
