"""The organisations answers refer people to, loaded from the signposts data file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from assistant.errors import ConfigError
from assistant.types import ANSWER_KINDS, Signpost

NATIONS = {"england", "wales", "scotland", "northern-ireland", "uk"}


@dataclass(frozen=True)
class SignpostEntry:
    signpost: Signpost
    kinds: tuple[str, ...]
    nation: str


class Signposts:
    def __init__(self, entries: list[SignpostEntry]) -> None:
        self.entries = entries
        self.by_id = {e.signpost.id: e for e in entries}

    def get(self, *ids: str) -> list[Signpost]:
        return [self.by_id[i].signpost for i in ids if i in self.by_id]

    def for_kind(self, kind: str, nation: str | None = None) -> list[Signpost]:
        return [
            e.signpost
            for e in self.entries
            if kind in e.kinds and (nation is None or e.nation in (nation, "uk"))
        ]


def load_signposts(path: Path) -> Signposts:
    """Read and validate the file; a problem names the entry and the field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"The signposts file {path} is missing; set SEND_SIGNPOSTS.") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"The signposts file {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or data.get("version") != 1:
        raise ConfigError(f"{path}: expected 'version: 1' and a 'signposts' list.")
    problems: list[str] = []
    entries: list[SignpostEntry] = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("signposts") or []):
        sid = raw.get("id") if isinstance(raw, dict) else None
        label = f"signpost {sid or i}"
        if not isinstance(raw, dict):
            problems.append(f"{label}: must be a mapping")
            continue
        for key in ("id", "name", "for", "contact"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                problems.append(f"{label}: {key} must be a non-empty string")
        if sid in seen:
            problems.append(f"{label}: duplicate id")
        seen.add(str(sid))
        kinds = raw.get("kinds")
        if not isinstance(kinds, list) or not kinds or any(k not in ANSWER_KINDS for k in kinds):
            problems.append(f"{label}: kinds must list some of {', '.join(ANSWER_KINDS)}")
            kinds = []
        if raw.get("nation") not in NATIONS:
            problems.append(f"{label}: nation must be one of {', '.join(sorted(NATIONS))}")
        url = raw.get("url", "")
        if url and not str(url).startswith(("https://", "http://")):
            problems.append(f"{label}: url must start with https://")
        entries.append(
            SignpostEntry(
                Signpost(str(sid), str(raw.get("name", "")), str(raw.get("for", "")),
                         str(raw.get("contact", "")), str(url or "")),
                tuple(kinds),
                str(raw.get("nation", "")),
            )
        )
    if not entries:
        problems.append("no signposts listed")
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems))
    return Signposts(entries)
