"""How an applicant's identity is verified against their ID card: one interface, two backends.

A real adapter (a card reader's data plus a face-compare service) implements `IdentityBackend`:
it receives what the applicant typed and the reader's data, answers verified or not, and keeps
nothing — biometric data is never stored by Minsheng (only the outcome and its time are).

- "officer": a registrar confirms the person at the window before a license is issued
  (the default: it needs no hardware and no contract with a verification service).
- "demo": accepts everyone; every screen and the printed license say 演示, and `minsheng demo`
  configures its offices with it.
The office row (`licensing_office.identity_backend`) names the backend each kiosk uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Claim:
    """Who the applicant says they are."""

    name: str
    id_number: str


@dataclass(frozen=True)
class CardReading:
    """What a second-generation ID card reader returns (GA 467): name and number read from the
    chip. A photo may come too; it is passed on for the face check and never kept."""

    name: str
    id_number: str
    photo: bytes | None = None


@dataclass(frozen=True)
class Outcome:
    verified: bool  # True: the backend vouches for the person; False: an officer must confirm
    message: str  # shown to the applicant, in Chinese


class IdentityBackend(Protocol):
    code: str
    label: str
    demo: bool  # the screens and the license say 演示

    def verify(self, *, claim: Claim, card: CardReading | None, face: bytes | None) -> Outcome: ...


class OfficerConfirmation:
    """No machine check: a registrar sees the card and the person and confirms at the desk."""

    code = "officer"
    label = "窗口人工核验"
    demo = False

    def verify(self, *, claim: Claim, card: CardReading | None, face: bytes | None) -> Outcome:
        return Outcome(False, "领取执照前，请带身份证到窗口，由登记人员核验身份。")


class DemoIdentity:
    """Accepts everyone, for trying the kiosk: never for real registrations."""

    code = "demo"
    label = "演示（不核验身份）"
    demo = True

    def verify(self, *, claim: Claim, card: CardReading | None, face: bytes | None) -> Outcome:
        return Outcome(True, "演示环境：身份核验自动通过。")


BACKENDS: dict[str, IdentityBackend] = {b.code: b for b in (OfficerConfirmation(), DemoIdentity())}


def backend(code: str) -> IdentityBackend:
    """The backend an office names; an unknown name falls back to the officer, never to demo."""
    return BACKENDS.get(code, BACKENDS["officer"])
