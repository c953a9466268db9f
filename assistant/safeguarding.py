"""Is a child at risk? Words that say so, phrases that hint at it, and closeness in meaning.

Parents rarely write "abuse" or "suicide"; they write "marks on her wrists after respite" or
"he said we'd be better off without him". So each sentence of a message is compared with its
nearest neighbours among the risk messages of `data/safeguarding.yaml`, and among ordinary text:
that file's ordinary messages that share their words ("he kills it at football") and every
wording of every answer card, which are what ordinary SEND questions look like. A sentence whose
nearest risk messages are closer than its nearest ordinary ones, by the knob
`safeguarding_threshold`, gets crisis signposting first. Recall matters most: a false alarm
adds crisis signposts above a normal answer; a miss can cost a life.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

from assistant.knobs import Knobs

#: Words that say outright that a child may be at risk: decisive on their own.
_SAYS_RISK = re.compile(
    r"\b(?:"
    r"suicid\w*|kill(?:ing|ed)? (?:him|her|them|my)sel(?:f|ves)|kill myself|"
    r"end (?:his|her|my|their) (?:own )?life|take (?:his|her|my|their) (?:own )?life|"
    r"want(?:s|ed)? to die|"
    r"(?:does ?n[o']t|do ?n[o']t|doesnt|dont) want to (?:live|be alive)|"
    r"better off (?:dead|without (?:him|her|me|them))|self[- ]?harm\w*|"
    r"(?:cutting|cuts|cut|hurting|hurts|harming|burning) (?:him|her|them|my)sel(?:f|ves)|"
    r"overdos\w*|"
    r"sexual(?:ly)? (?:abus|assault|touch)\w*|(?:child|physical|emotional) abuse|"
    r"abus(?:ed|ing) (?:him|her|them|my)|molest\w*|groom(?:ed|ing)|"
    r"touched (?:him|her|them|me) inappropriately|inappropriate(?:ly)? touch\w*|"
    r"(?:hits|hitting|beats|beating|beaten|punch(?:es|ed|ing)|kick(?:s|ed|ing)|"
    r"slap(?:s|ped|ping)|chok(?:es|ed|ing)) (?:him|her|them|my (?:\w+ )?(?:son|daughter|"
    r"child|kid|boy|girl))|"
    r"not safe at home|scared to go home|afraid to go home|"
    r"ran away from home|missing from home|run(?:s|ning)? away from home|"
    r"threaten(?:s|ed|ing)? to (?:hurt|kill|stab)"
    r")\b",
    re.I,
)
_BY_OTHERS = re.compile(r"abus|molest|groom|touch|\bhit|beat|punch|kick|slap|chok|home|"
                        r"threaten", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class RiskVerdict:
    at_risk: bool
    #: Harm by someone else (abuse, injuries, exploitation, neglect), not harm to self.
    harm_by_others: bool = False
    risk: float = 0.0  # the highest closeness to risk over the message's sentences
    by_words: bool = False


#: Where one clause of a run-on sentence ends and the next begins: a worry is often one
#: clause of a long sentence about something else ("…, but she's terrified of going to her
#: grandad's, and…"), and the rest of the sentence would drown it.
_CLAUSE = re.compile(r"[,;:()]|\s[-–—]\s|\s(?:but|and|because|so|although|though)\s", re.I)


def pieces(text: str) -> list[str]:
    """What is compared with the banks: the message's sentences, and the clauses of each
    sentence that has more than one (each of at least three words)."""
    parts = [p.strip() for p in _SENTENCE.split(text) if len(p.split()) >= 3]
    clauses = [c.strip() for p in parts for c in _CLAUSE.split(p)
               if len(c.split()) >= 3 and c.strip() != p]
    return list(dict.fromkeys(parts + clauses)) or [text.strip()]


@lru_cache(maxsize=1)
def bank_data() -> dict[str, Any]:
    text = resources.files("assistant").joinpath("data/safeguarding.yaml").read_text("utf-8")
    return dict(yaml.safe_load(text))


_VECTORS: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
class RiskBank:
    def __init__(self, embedder: Any, knobs: Knobs, ordinary: Sequence[np.ndarray] = (),
                 data: dict[str, Any] | None = None) -> None:
        """`ordinary`: more vectors of ordinary text (the card wordings) to compare with."""
        data = data or bank_data()
        self.knobs = knobs
        self.hints = [(re.compile(p, re.I), category != "harm-to-self")
                      for category, patterns in (data.get("hints") or {}).items()
                      for p in patterns]
        self.risk_texts: list[str] = []
        self.risk_others: list[bool] = []
        for category, messages in (data.get("risk") or {}).items():
            for m in messages:
                self.risk_texts.append(str(m))
                self.risk_others.append(category != "harm-to-self")
        self.ordinary_texts = [str(m) for m in data.get("ordinary") or []]
        key = (str(getattr(embedder, "model_id", "")), hashlib.sha1(
            "\n".join(self.risk_texts + ["--"] + self.ordinary_texts).encode()).hexdigest())
        if key not in _VECTORS:  # the banks are the same for every engine of a process
            _VECTORS[key] = (_unit(embedder.embed_documents(self.risk_texts)),
                             _unit(embedder.embed_documents(self.ordinary_texts)))
        self._risk, own_ordinary = _VECTORS[key]
        self._ordinary = np.vstack([own_ordinary, *(_unit(m) for m in ordinary if len(m))])

    def closeness(self, vectors: Sequence[Sequence[float]]) -> np.ndarray:
        """For each vector: how much closer its nearest risk messages are than its nearest
        ordinary text (mean similarity of the k nearest of each; above 0, nearer to risk)."""
        q = _unit(vectors)
        k = int(self.knobs.safeguarding_neighbours)
        risk = np.sort(q @ self._risk.T, axis=1)[:, -k:].mean(axis=1)
        ordinary = np.sort(q @ self._ordinary.T, axis=1)[:, -k:].mean(axis=1)
        return risk - ordinary

    def assess(self, text: str, vectors: Sequence[Sequence[float]]) -> RiskVerdict:
        """The verdict for a message whose pieces (see `pieces`) have these vectors."""
        hinted = [others for rx, others in self.hints if rx.search(text)]
        words = bool(_SAYS_RISK.search(text)) or bool(hinted)
        if not len(vectors):
            return RiskVerdict(words, any(hinted), by_words=words)
        p = self.closeness(vectors)
        row = int(np.argmax(p))
        modelled = bool(p[row] >= self.knobs.safeguarding_threshold)
        nearest = int(np.argmax(_unit(vectors)[row] @ self._risk.T))
        if hinted:
            others = any(hinted)
        elif modelled:
            others = self.risk_others[nearest]
        else:
            others = bool(_BY_OTHERS.search(text))
        at_risk = words or modelled
        return RiskVerdict(at_risk, at_risk and others, float(p[row]), words)


def _unit(vectors: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    m = np.asarray(vectors, dtype=np.float32)
    if m.ndim == 1:
        m = m.reshape(1, -1)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.where(norms == 0, 1.0, norms)
