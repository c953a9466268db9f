"""Hand-made passages for composer tests."""

from assistant.types import Chunk, Passage


def passage(text: str, rank: int = 1, doc_id: str = "doc", myth: str = "",
            authorities: tuple[str, ...] = ("SEND Regulations 2014, reg 5(1)",)) -> Passage:
    chunk = Chunk(id=f"{doc_id}-{rank}", text=text, doc_id=doc_id, title=f"Title of {doc_id}",
                  section="Section", authorities=authorities, url="https://example.org/x",
                  myth=myth)
    return Passage(chunk, 1.0 / rank, rank)
