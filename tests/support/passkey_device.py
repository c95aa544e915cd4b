"""A software passkey authenticator for in-process tests: it makes and uses ES256 keys.

It answers the options the server sends as a browser and a platform authenticator
would (``none`` attestation, user present and verified), in the JSON the page script
posts. Browser journeys use Chromium's virtual authenticator instead.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from tests.support.accounts import AuthActions

UP_UV = 0x01 | 0x04
ATTESTED = 0x40


def b64(data: bytes) -> str:
    """base64url without padding, as WebAuthn's JSON uses."""
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64(text: str) -> bytes:
    """The bytes of base64url text, padded or not."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Held:
    """One credential the device holds."""

    credential_id: bytes
    key: ec.EllipticCurvePrivateKey
    user_handle: bytes
    sign_count: int = 0


@dataclass
class PasskeyDevice:
    """A platform authenticator for ``origin``; it remembers the passkeys it made."""

    origin: str = "http://localhost"
    held: list[Held] = field(default_factory=list)

    def _client_data(self, kind: str, challenge: str) -> bytes:
        body = {"type": kind, "challenge": challenge, "origin": self.origin}
        return json.dumps(body).encode()

    def create(self, options: dict[str, Any]) -> dict[str, Any]:
        """Answer registration options with a new credential."""
        key = ec.generate_private_key(ec.SECP256R1())
        numbers = key.public_key().public_numbers()
        cose = {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32), -3: numbers.y.to_bytes(32)}
        credential_id = secrets.token_bytes(32)
        self.held.append(Held(credential_id, key, unb64(options["user"]["id"])))
        auth_data = (
            hashlib.sha256(options["rp"]["id"].encode()).digest()
            + bytes([UP_UV | ATTESTED])
            + struct.pack(">I", 0)
            + bytes(16)
            + struct.pack(">H", len(credential_id))
            + credential_id
            + cbor2.dumps(cose)
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"])
        return {
            "id": b64(credential_id),
            "rawId": b64(credential_id),
            "type": "public-key",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64(client_data),
                "attestationObject": b64(attestation),
                "transports": ["internal"],
            },
        }

    def get(self, options: dict[str, Any], rp_id: str = "localhost") -> dict[str, Any]:
        """Answer authentication options with the first allowed (or any held) credential."""
        allowed = {unb64(c["id"]) for c in options.get("allowCredentials") or []}
        held = next(h for h in self.held if not allowed or h.credential_id in allowed)
        held.sign_count += 1
        auth_data = (
            hashlib.sha256(rp_id.encode()).digest()
            + bytes([UP_UV])
            + struct.pack(">I", held.sign_count)
        )
        client_data = self._client_data("webauthn.get", options["challenge"])
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = held.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64(held.credential_id),
            "rawId": b64(held.credential_id),
            "type": "public-key",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64(client_data),
                "authenticatorData": b64(auth_data),
                "signature": b64(signature),
                "userHandle": b64(held.user_handle),
            },
        }


def add_passkey(auth: AuthActions, device: PasskeyDevice, name: str = "laptop") -> Any:
    """Register a passkey of ``device`` for the signed-in account, as the page script does."""
    headers = {"X-CSRFToken": auth.csrf(), "Accept": "application/json"}
    options = auth.client.post("/account/passkeys/options", headers=headers).get_json()
    credential = device.create(options)
    body = {"name": name, "credential": credential}
    return auth.client.post("/account/passkeys", json=body, headers=headers)


def sign_in_with_passkey(auth: AuthActions, device: PasskeyDevice) -> Any:
    """Use ``device`` on the sign-in page (passwordless) or the second step."""
    headers = {"X-CSRFToken": auth.csrf(), "Accept": "application/json"}
    options = auth.client.post("/signin/passkey/options", headers=headers).get_json()
    body = {"credential": device.get(options)}
    return auth.client.post("/signin/passkey", json=body, headers=headers)
