"""A software security key: real WebAuthn credentials and assertions, made with `cryptography`.

It answers the server's real challenges as a browser and an authenticator would (ES256,
"none" attestation), so the tests exercise py_webauthn's verification, not a mock of it.
"""

import base64
import hashlib
import json
import os
import struct

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse

ORIGIN = "http://localhost:8000"
RP_ID = "localhost"
FLAG_USER_PRESENT = 0x01
FLAG_USER_VERIFIED = 0x04
FLAG_ATTESTED = 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftKey:
    def __init__(self, *, origin: str = ORIGIN, rp_id: str = RP_ID):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.sign_count = 0
        self.origin = origin
        self.rp_id = rp_id

    def _cose_public_key(self) -> bytes:
        numbers = self.private_key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                            -3: numbers.y.to_bytes(32, "big")})

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin,
                           "crossOrigin": False}).encode()

    def _rp_hash(self) -> bytes:
        return hashlib.sha256(self.rp_id.encode()).digest()

    def attestation(self, options: dict) -> dict:
        """The browser's answer to navigator.credentials.create(options)."""
        auth_data = (self._rp_hash() + bytes([FLAG_USER_PRESENT | FLAG_USER_VERIFIED
                                              | FLAG_ATTESTED])
                     + struct.pack(">I", self.sign_count) + bytes(16)
                     + struct.pack(">H", len(self.credential_id)) + self.credential_id
                     + self._cose_public_key())
        attestation_object = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64url(self.credential_id), "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(self._client_data("webauthn.create",
                                                           options["challenge"])),
                "attestationObject": b64url(attestation_object),
                "transports": ["usb"],
            },
            "clientExtensionResults": {},
        }

    def assertion(self, options: dict, *, signer=None) -> dict:
        """The browser's answer to navigator.credentials.get(options); `signer` forges it."""
        self.sign_count += 1
        auth_data = (self._rp_hash() + bytes([FLAG_USER_PRESENT | FLAG_USER_VERIFIED])
                     + struct.pack(">I", self.sign_count))
        client_data = self._client_data("webauthn.get", options["challenge"])
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = (signer or self.private_key).sign(signed, ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64url(self.credential_id), "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {"authenticatorData": b64url(auth_data),
                         "clientDataJSON": b64url(client_data),
                         "signature": b64url(signature), "userHandle": None},
            "clientExtensionResults": {},
        }


def _post_json(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def register(client, key: SoftKey):
    """Run the registration ceremony through the real endpoints; return the last response."""
    begin = _post_json(client, reverse("otp_webauthn:credential-registration-begin"))
    if begin.status_code != 200:
        return begin
    return _post_json(client, reverse("otp_webauthn:credential-registration-complete"),
                      key.attestation(begin.json()))


def begin_authentication(client):
    return _post_json(client, reverse("otp_webauthn:credential-authentication-begin"))


def complete_authentication(client, answer: dict, *, next_url: str = ""):
    url = reverse("otp_webauthn:credential-authentication-complete")
    if next_url:
        url += "?next=" + next_url
    return _post_json(client, url, answer)


def authenticate(client, key: SoftKey, **kwargs):
    begin = begin_authentication(client)
    if begin.status_code != 200:
        return begin
    return complete_authentication(client, key.assertion(begin.json(), **kwargs))
