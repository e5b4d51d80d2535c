"""Resources and prompts of the servers, as the client hands them out."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

import mcp.types as mcp_types

from argo_mcp_client._mcp.info import (
    PromptInfo,
    ResourceContent,
    ResourceInfo,
    ResourceTemplateInfo,
    ServerStatus,
    TaskResult,
)
from argo_mcp_client._mcp.render import render_content, render_result
from argo_mcp_client.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from argo_mcp_client._mcp.connection import ServerConnection

__all__ = ["Catalog"]


def resource_info(server: str, resource: mcp_types.Resource) -> ResourceInfo:
    return ResourceInfo(
        server=server,
        uri=str(resource.uri),
        name=resource.name,
        description=resource.description,
        mime_type=resource.mime_type,
    )


def template_info(server: str, template: mcp_types.ResourceTemplate) -> ResourceTemplateInfo:
    return ResourceTemplateInfo(
        server=server,
        uri_template=template.uri_template,
        name=template.name,
        description=template.description,
        mime_type=template.mime_type,
    )


def resource_contents(result: mcp_types.ReadResourceResult) -> list[ResourceContent]:
    contents: list[ResourceContent] = []
    for item in result.contents:
        if isinstance(item, mcp_types.TextResourceContents):
            contents.append(ResourceContent(uri=str(item.uri), mime_type=item.mime_type, text=item.text))
        elif isinstance(item, mcp_types.BlobResourceContents):
            try:
                data = base64.b64decode(item.blob)
            except (binascii.Error, ValueError):
                data = item.blob.encode()
            contents.append(ResourceContent(uri=str(item.uri), mime_type=item.mime_type, data=data))
    return contents


def prompt_info(server: str, prompt: mcp_types.Prompt) -> PromptInfo:
    arguments = prompt.arguments or []
    return PromptInfo(
        server=server,
        name=prompt.name,
        description=prompt.description,
        arguments=tuple(a.name for a in arguments),
        required=tuple(a.name for a in arguments if a.required),
    )


def prompt_messages(messages: Sequence[mcp_types.PromptMessage]) -> list[dict[str, Any]]:
    """A prompt's messages in OpenAI chat format, ready to start or seed a run."""
    return [{"role": m.role, "content": render_content(m.content)} for m in messages]


class Catalog:
    """The resources and prompts of a client's servers, looked up across them."""

    def __init__(self, connections: Mapping[str, ServerConnection]) -> None:
        self._connections = connections

    def connection(self, server: str) -> ServerConnection:
        try:
            return self._connections[server]
        except KeyError:
            raise ConfigError(
                f"no server named {server!r}; the servers are {list(self._connections)}"
            ) from None

    async def list_resources(self, server: str | None) -> list[ResourceInfo]:
        resources: list[ResourceInfo] = []
        for connection in self._chosen(server):
            if await connection.offers("resources"):
                resources += [resource_info(connection.name, r) for r in await connection.list_resources()]
        return resources

    async def list_resource_templates(self, server: str | None) -> list[ResourceTemplateInfo]:
        templates: list[ResourceTemplateInfo] = []
        for connection in self._chosen(server):
            if await connection.offers("resources"):
                templates += [
                    template_info(connection.name, t) for t in await connection.list_resource_templates()
                ]
        return templates

    async def read_resource(self, uri: str, *, server: str | None) -> list[ResourceContent]:
        if server is None:
            owners = {r.server for r in await self.list_resources(None) if r.uri == uri}
            server = _only(
                owners, f"cannot tell which server to read {uri!r} from", "lists it", "all list it"
            )
        return resource_contents(await self.connection(server).read_resource(uri))

    async def list_prompts(self, server: str | None) -> list[PromptInfo]:
        prompts: list[PromptInfo] = []
        for connection in self._chosen(server):
            if await connection.offers("prompts"):
                prompts += [prompt_info(connection.name, p) for p in await connection.list_prompts()]
        return prompts

    async def get_prompt(
        self, name: str, arguments: Mapping[str, str] | None, *, server: str | None
    ) -> list[dict[str, Any]]:
        if server is None:
            owners = {p.server for p in await self.list_prompts(None) if p.name == name}
            server = _only(
                owners, f"cannot tell which server's prompt {name!r} to use", "offers it", "all offer it"
            )
        result = await self.connection(server).get_prompt(name, dict(arguments or {}))
        return prompt_messages(result.messages)

    async def task_result(self, server: str, task_id: str) -> TaskResult:
        status, result = await self.connection(server).task_result(task_id)
        return TaskResult(
            server=server,
            task_id=task_id,
            status=status,
            output=render_result(result),
            structured_content=result.structured_content,
            is_error=bool(result.is_error),
        )

    def statuses(self) -> dict[str, ServerStatus]:
        return {name: c.status() for name, c in self._connections.items()}

    def _chosen(self, server: str | None) -> list[ServerConnection]:
        return list(self._connections.values()) if server is None else [self.connection(server)]


def _only(owners: set[str], problem: str, none: str, several: str) -> str:
    if len(owners) == 1:
        return owners.pop()
    where = f"no server {none}" if not owners else f"servers {sorted(owners)} {several}"
    raise ConfigError(f"{problem}: {where}; pass server=")
