"""Circuit breakers, under their earlier public path.

Import them from ``argo_mcp_client``; this module stays so that older imports keep working.
"""

from argo_mcp_client._models.breaker import BreakerBoard, BreakerSettings, CircuitBreaker

__all__ = ["BreakerBoard", "BreakerSettings", "CircuitBreaker"]
