"""Random public identifiers such as ``da_x7k2p9`` (datasets) or ``jo_4hq8w0m2za`` (jobs)."""

import secrets
import string

UID_ALPHABET = string.ascii_lowercase + string.digits


def random_uid(prefix: str, length: int = 6) -> str:
    """``prefix`` + ``_`` + ``length`` random lowercase letters and digits, from a CSPRNG."""
    return f"{prefix}_" + "".join(secrets.choice(UID_ALPHABET) for _ in range(length))


def new_dataset_uid() -> str:
    return random_uid("da")
