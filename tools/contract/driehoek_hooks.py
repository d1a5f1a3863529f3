"""Schemathesis hooks for Driehoek (loaded through SCHEMATHESIS_HOOKS).

A client sends a fresh Idempotency-Key with each new request and the same key only
when it retries that very request. Generated cases draw keys from a small pool and
send one key with different bodies, which the server rightly refuses
(422 `idempotency_key_reused`); each case gets a key of its own instead.
"""

import uuid
from typing import Any

import schemathesis


@schemathesis.hook
def map_headers(ctx: Any, headers: dict[str, Any] | None) -> dict[str, Any] | None:
    if headers:
        for name in list(headers):
            if name.lower() == "idempotency-key":
                headers[name] = f"schemathesis-{uuid.uuid4()}"
    return headers

