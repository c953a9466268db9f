"""Structure-aware chunking.

Split on headings first; inside a section keep paragraphs, numbered paragraphs and list items
whole where they fit; measure in tiktoken tokens; never exceed the budget. Every chunk is
stamped with its provenance and gets an id that is a hash of what is embedded.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from assistant.authorities import authorities_in
from assistant.cards import card_payload
from assistant.tokens import count_tokens
from assistant.types import Chunk
from ingest.loaders import Document

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•+]|\d+[.)]|\([a-z0-9]+\))\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(“\"'£])")
# Bumped when the embedded text's shape changes, so old vectors are not reused.
CHUNK_FORMAT = "v2"


@dataclass
class _Section:
    path: tuple[str, ...]
    blocks: list[str]


def _sections(text: str) -> Iterator[_Section]:
    path: list[tuple[int, str]] = []
    blocks: list[str] = []
    current: list[str] = []

    def end_block() -> None:
        if current:
            blocks.append("\n".join(current).strip())
            current.clear()

    for line in text.split("\n"):
        m = _HEADING.match(line)
        if m:
            end_block()
            if blocks:
                yield _Section(tuple(h for _, h in path), blocks)
                blocks = []
            level = len(m.group(1))
            path = [(lv, h) for lv, h in path if lv < level] + [(level, m.group(2).strip())]
            continue
        if not line.strip():
            end_block()
        elif _LIST_ITEM.match(line):
            end_block()  # each list item is a block of its own
            current.append(line.strip())
        else:
            current.append(line.strip())
    end_block()
    if blocks:
        yield _Section(tuple(h for _, h in path), blocks)


def _split_long(block: str, budget: int) -> list[str]:
    """Break a block that alone exceeds the budget: by sentences, then by words."""
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(block):
        candidate = f"{current} {sentence}".strip()
        if count_tokens(candidate) <= budget:
            current = candidate
            continue
        if current:
            pieces.append(current)
        if count_tokens(sentence) <= budget:
            current = sentence
        else:
            words, current = sentence.split(), ""
            for w in words:
                candidate = f"{current} {w}".strip()
                if count_tokens(candidate) > budget and current:
                    pieces.append(current)
                    current = w
                else:
                    current = candidate
    if current:
        pieces.append(current)
    return pieces


def header(title: str, section: str) -> str:
    """The context line embedded above each chunk's text."""
    return f"{title} — {section}" if section and section != title else title


def embed_text(chunk: Chunk) -> str:
    if chunk.kind == "passage":
        return f"{header(chunk.title, chunk.section)}\n{chunk.text}"
    return chunk.text  # a note's question, or one wording of an answer card


def card_records(doc: Document) -> list[Chunk]:
    """One record per wording of each of the document's answer cards, carrying the card."""
    out = []
    for card in doc.cards:
        payload = card_payload(card)
        for i, wording in enumerate(card.wordings):
            out.append(Chunk(id=chunk_id("card", doc.doc_id, card.id, wording, payload),
                             text=wording, doc_id=doc.doc_id, title=doc.title,
                             publisher=doc.publisher, authorities=doc.authorities, url=doc.url,
                             position=i, doc_hash=doc.content_hash,
                             source_path=doc.source_path, topics=doc.topics, kind="card",
                             parent=card.id, payload=payload))
    return out


def chunk_id(*parts: str) -> str:
    h = hashlib.sha256(CHUNK_FORMAT.encode())
    for p in parts:
        h.update(b"\0" + p.encode("utf-8"))
    return h.hexdigest()[:32]


def chunk_document(doc: Document, budget: int) -> list[Chunk]:
    """The document's passages, one record per front-matter question, then its card wordings."""
    chunks: list[Chunk] = []
    doc_hash = doc.content_hash
    for section in _sections(doc.text):
        section_name = " > ".join(section.path)
        room = budget - count_tokens(header(doc.title, section_name) + "\n")
        room = max(room, 24)
        units: list[str] = []
        for block in section.blocks:
            units.extend([block] if count_tokens(block) <= room else _split_long(block, room))
        current: list[str] = []
        for unit in units:
            candidate = "\n\n".join([*current, unit])
            if current and count_tokens(candidate) > room:
                chunks.append(_make(doc, section_name, "\n\n".join(current), len(chunks),
                                    doc_hash))
                current = [unit]
            else:
                current.append(unit)
        if current:
            chunks.append(_make(doc, section_name, "\n\n".join(current), len(chunks), doc_hash))
    for i, q in enumerate(doc.questions):
        chunks.append(
            Chunk(
                id=chunk_id("question", doc.doc_id, q),
                text=q,
                doc_id=doc.doc_id,
                title=doc.title,
                publisher=doc.publisher,
                authorities=doc.authorities,
                url=doc.url,
                position=i,
                doc_hash=doc_hash,
                source_path=doc.source_path,
                topics=doc.topics,
                kind="question",
                myth=doc.myth,
            )
        )
    return chunks + card_records(doc)


def _make(doc: Document, section: str, text: str, position: int, doc_hash: str) -> Chunk:
    # A chunk's authorities are the ones it cites itself; failing that, the document's own.
    cited = authorities_in(text)
    own = [a for a in doc.authorities if a in cited]
    authorities = tuple(dict.fromkeys([*own, *cited])) or doc.authorities
    chunk = Chunk(
        id="",
        text=text,
        doc_id=doc.doc_id,
        title=doc.title,
        section=section,
        publisher=doc.publisher,
        authorities=authorities,
        url=doc.url,
        position=position,
        doc_hash=doc_hash,
        source_path=doc.source_path,
        topics=doc.topics,
        myth=doc.myth,
    )
    return replace(chunk, id=chunk_id("passage", doc.doc_id, embed_text(chunk)))
