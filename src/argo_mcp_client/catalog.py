"""Server status, resources and prompts, under their earlier public path.

Import them from ``argo_mcp_client``; this module stays so that older imports keep working.
"""

from argo_mcp_client._mcp.catalog import Catalog
from argo_mcp_client._mcp.info import PromptInfo, ResourceContent, ResourceInfo, ServerStatus

__all__ = ["Catalog", "PromptInfo", "ResourceContent", "ResourceInfo", "ServerStatus"]
