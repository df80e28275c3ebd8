"""Standard Webhooks v1 signatures: what receivers verify with the `standardwebhooks` library.

The signed content is "{webhook-id}.{webhook-timestamp}.{body}"; the signature is
"v1," + base64(HMAC-SHA256(secret key, content)), where the key is the base64 part of
the secret "whsec_<base64>". During a secret's rotation both the new and the previous
secret sign, space-separated in one webhook-signature header, so a receiver holding
either verifies (https://www.standardwebhooks.com/, spec "Signature scheme").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24


def secret_new() -> str:
    """A fresh signing secret: "whsec_" + base64 of 24 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _key(secret: str) -> bytes:
    raw = secret[len(SECRET_PREFIX) :] if secret.startswith(SECRET_PREFIX) else secret
    return base64.b64decode(raw)


def sign(secret: str, webhook_id: str, timestamp: int, body: str) -> str:
    """One signature, "v1,<base64>", of id.timestamp.body with `secret`."""
    content = f"{webhook_id}.{timestamp}.{body}".encode()
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(
    secrets_in_use: list[str], webhook_id: str, timestamp: int, body: str
) -> dict[str, str]:
    """The three Standard Webhooks headers, signed with every secret in use."""
    signatures = " ".join(sign(s, webhook_id, timestamp, body) for s in secrets_in_use if s)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signatures,
        "content-type": "application/json",
    }
