"""Benchmarks of argo-mcp-client against a hand-written minimal loop; see docs/performance.md."""
