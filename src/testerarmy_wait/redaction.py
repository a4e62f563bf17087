"""Secrets given to the program, found so they can be masked and taken out of messages."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from testerarmy_wait.config import SETTINGS_BY_NAME

SECRET_SETTINGS = ("api-key", "group-webhook-url")
KEY_LIKE = re.compile(r"sk_[A-Za-z0-9_\-]+")


def secrets_in(env: Mapping[str, str], argv: Sequence[str] = ()) -> list[str]:
    """Every secret value given to the program, to be masked before anything is logged:
    the key, the webhook URL and its secret part, and anything key-like on argv."""
    found: list[str] = []
    for name in SECRET_SETTINGS:
        setting = SETTINGS_BY_NAME[name]
        for var in (setting.input_var, setting.env_var):
            value = env.get(var, "").strip()
            if value:
                found.append(value)
                if name == "group-webhook-url":
                    path = urlsplit(value).path.rstrip("/")
                    found.append(path.rsplit("/", 1)[-1])
    for arg in argv:
        found.extend(KEY_LIKE.findall(arg))
    return [s for s in dict.fromkeys(found) if s]


def redact(text: str, secrets: Sequence[str]) -> str:
    """A message that may quote user input, with every secret taken out."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return KEY_LIKE.sub("sk_***", text)
