"""The ingest run against a real Chroma in tmp_path with the fake embedder: content-hash ids,
nothing re-embedded when nothing changed, changed and removed documents replaced, and an index
that refuses other settings until `ingest --rebuild`."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import IndexMismatchError, IndexMissingError
from assistant.settings import Settings
from assistant.store import KINDS, ChunkStore, IndexInfo, kind_collection
from ingest.frontmatter import FrontMatterError, split_front_matter, validate_note
from ingest.pipeline import Summary, build_chunks, load_all, run_ingest
from tests.conftest import FakeEmbedder
from tests.ingest.helpers import copy_notes, expected_ids, stored_ids

NOTES = [
    "six-week-decision-to-assess",
    "sixteen-week-decision-to-issue",
    "draft-plan-15-days",
    "final-plan-20-weeks",
    "local-offer",
    "senco-role",
]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return copy_notes(tmp_path / "corpus", NOTES)


def ingest(corpus: Path, settings: Settings, embedder: FakeEmbedder,
           rebuild: bool = False) -> Summary:
    return run_ingest([corpus], settings, ChunkStore.open(settings), lambda: embedder,
                      rebuild=rebuild)


def doc_ids_in(store: ChunkStore, doc_id: str) -> set[str]:
    return {c.id for c, _ in store.iter_records() if c.doc_id == doc_id}


def test_a_first_run_stores_every_record_with_its_provenance(
    corpus: Path, settings: Settings
) -> None:
    embedder = FakeEmbedder()
    summary = ingest(corpus, settings, embedder)
    assert sorted(summary.added) == sorted(NOTES)
    assert summary.written and not summary.changed and not summary.removed
    store = ChunkStore.open(settings)
    want = expected_ids([corpus], settings.chunk_tokens)
    assert stored_ids(store) == want and store.count() == len(want)
    assert embedder.texts_embedded == summary.embedded == len(want)
    assert summary.chunks == sum(1 for c, _ in store.iter_records() if c.kind == "passage")
    assert store.info() == IndexInfo(FakeEmbedder.model_id, FakeEmbedder.dim, settings.chunk_tokens)
    for c, _ in store.iter_records(kind="passage"):
        assert c.doc_id in NOTES and c.title and c.url.startswith("https://")
        assert c.publisher == "SEND assistant guidance notes" and c.authorities
        assert c.source_path.startswith(str(corpus))
    # What is stored is what the chunker made, field for field.
    made = {c.id: c for c in build_chunks(load_all([corpus], Summary()), settings.chunk_tokens)}
    for c, vector in store.iter_records(with_embeddings=True):
        assert c == made[c.id]
        assert len(vector) == FakeEmbedder.dim


def test_stored_vectors_answer_queries(corpus: Path, settings: Settings) -> None:
    embedder = FakeEmbedder()
    ingest(corpus, settings, embedder)
    store = ChunkStore.open(settings)
    [(best, score)] = store.query(embedder.embed_query(
        "The council must publish its local offer of SEN provision"), k=1)
    assert best.doc_id == "local-offer" and score > 0.3


def test_a_second_run_over_an_unchanged_corpus_embeds_and_writes_nothing(
    corpus: Path, settings: Settings
) -> None:
    ingest(corpus, settings, FakeEmbedder())
    store = ChunkStore.open(settings)
    live = store.active_name()
    before = stored_ids(store)

    def no_model() -> FakeEmbedder:
        raise AssertionError("the model must not even be loaded when nothing changed")

    summary = run_ingest([corpus], settings, store, no_model)
    assert sorted(summary.unchanged) == sorted(NOTES)
    assert not (summary.added or summary.changed or summary.removed)
    assert summary.embedded == 0 and not summary.written
    assert store.active_name() == live and stored_ids(store) == before


def test_a_changed_document_is_replaced_and_only_its_new_text_embedded(
    corpus: Path, settings: Settings
) -> None:
    ingest(corpus, settings, FakeEmbedder())
    store = ChunkStore.open(settings)
    old_all = stored_ids(store)
    old_doc = doc_ids_in(store, "local-offer")
    note = corpus / "local-offer.md"
    note.write_text(note.read_text(encoding="utf-8")
                    + "\n## A new section\n\nThe council must say where its local offer is.\n")

    embedder = FakeEmbedder()
    summary = ingest(corpus, settings, embedder)
    assert summary.changed == ["local-offer"] and sorted(summary.unchanged) == sorted(
        n for n in NOTES if n != "local-offer")
    new_all = stored_ids(store)
    assert new_all == expected_ids([corpus], settings.chunk_tokens)
    new_doc = doc_ids_in(store, "local-offer")
    assert new_doc - old_doc  # the new section's records are there
    assert any(c.section == "A new section" for c, _ in store.iter_records(kind="passage"))
    # Only records whose text is new were embedded; the rest were copied from the live index.
    assert embedder.texts_embedded == summary.embedded == len(new_all - old_all) > 0
    assert summary.reused == len(new_all & old_all)
    # Every record of the document carries the new document hash, reused or not.
    hashes = {c.doc_hash for c, _ in store.iter_records() if c.doc_id == "local-offer"}
    assert len(hashes) == 1


def _still_valid(path: Path, text: str) -> bool:
    data, body = split_front_matter(text)
    try:
        validate_note(data or {}, expected_id=path.stem, body=body)
    except FrontMatterError:
        return False
    return True


def test_an_edited_sentence_removes_the_old_records(corpus: Path, settings: Settings) -> None:
    ingest(corpus, settings, FakeEmbedder())
    note = corpus / "senco-role.md"
    text = note.read_text(encoding="utf-8")
    # A sentence no answer card rests on: replacing it leaves the note valid.
    old_sentence = next(
        s for s in text.split("---", 2)[2].split("\n") if len(s) > 60 and not s.startswith("#")
        and _still_valid(note, text.replace(s, "The SENCO coordinates SEN support in the school.")))
    note.write_text(text.replace(old_sentence, "The SENCO coordinates SEN support in the school."))
    ingest(corpus, settings, FakeEmbedder())
    texts = [c.text for c, _ in ChunkStore.open(settings).iter_records()]
    assert not any(old_sentence.strip() in t for t in texts)
    assert any("The SENCO coordinates SEN support in the school." in t for t in texts)


def test_a_removed_document_leaves_the_index(corpus: Path, settings: Settings) -> None:
    ingest(corpus, settings, FakeEmbedder())
    store = ChunkStore.open(settings)
    assert doc_ids_in(store, "senco-role")
    (corpus / "senco-role.md").unlink()
    embedder = FakeEmbedder()
    summary = ingest(corpus, settings, embedder)
    assert summary.removed == ["senco-role"] and summary.written
    assert embedder.texts_embedded == 0  # the rest is copied, not re-embedded
    assert not doc_ids_in(store, "senco-role")
    assert stored_ids(store) == expected_ids([corpus], settings.chunk_tokens)


def test_an_added_document_is_embedded_alone(corpus: Path, settings: Settings) -> None:
    ingest(corpus, settings, FakeEmbedder())
    copy_notes(corpus, ["tribunal-appeals"])
    embedder = FakeEmbedder()
    summary = ingest(corpus, settings, embedder)
    assert summary.added == ["tribunal-appeals"]
    added = doc_ids_in(ChunkStore.open(settings), "tribunal-appeals")
    assert added and embedder.texts_embedded == len(added)


def test_old_generations_are_dropped_keeping_the_one_before_the_live(
    corpus: Path, settings: Settings
) -> None:
    live: list[str | None] = []
    for i in range(4):  # quick runs: several generations are made within one second
        (corpus / "extra.md").write_text(f"# Extra\n\nVersion {i} of an extra note.\n")
        ingest(corpus, settings, FakeEmbedder())
        live.append(ChunkStore.open(settings).active_name())
    assert len(set(live)) == 4
    assert ChunkStore.open(settings)._generation_names() == live[-2:]


# -- settings the index was not built with ------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"embedding_model_id": "another-model"}, "model_id"),
        ({"chunk_tokens": 128}, "chunk_tokens"),
    ],
)
def test_other_settings_are_refused_with_the_command_that_fixes_it(
    corpus: Path, settings: Settings, change: dict[str, object], field: str
) -> None:
    ingest(corpus, settings, FakeEmbedder())
    before = stored_ids(ChunkStore.open(settings))
    other = settings.with_(**change)
    embedder = FakeEmbedder()
    with pytest.raises(IndexMismatchError, match=field) as err:
        ingest(corpus, other, embedder)
    assert "ingest --rebuild" in str(err.value)
    assert embedder.calls == 0
    # Readers are refused the same way, and the index is untouched.
    store = ChunkStore.open(other)
    with pytest.raises(IndexMismatchError, match="send-assistant ingest --rebuild"):
        store.require(IndexInfo(other.embedding_model_id, FakeEmbedder.dim, other.chunk_tokens))
    assert stored_ids(store) == before


def test_rebuild_re_embeds_everything_under_the_new_settings(
    corpus: Path, settings: Settings
) -> None:
    ingest(corpus, settings, FakeEmbedder())
    other = settings.with_(chunk_tokens=128)
    embedder = FakeEmbedder()
    summary = ingest(corpus, other, embedder, rebuild=True)
    store = ChunkStore.open(other)
    want = expected_ids([corpus], 128)
    assert summary.written and stored_ids(store) == want
    assert embedder.texts_embedded == len(want)  # nothing reused from the old vectors
    assert store.info() == IndexInfo(FakeEmbedder.model_id, FakeEmbedder.dim, 128)
    store.require(IndexInfo(FakeEmbedder.model_id, FakeEmbedder.dim, 128))
    # And from then on the new settings are the index's own.
    again = FakeEmbedder()
    assert not ingest(corpus, other, again).written and again.texts_embedded == 0


def test_rebuild_with_unchanged_settings_still_re_embeds(corpus: Path, settings: Settings) -> None:
    ingest(corpus, settings, FakeEmbedder())
    embedder = FakeEmbedder()
    summary = ingest(corpus, settings, embedder, rebuild=True)
    assert summary.written and embedder.texts_embedded == len(
        expected_ids([corpus], settings.chunk_tokens))


def test_reading_before_any_ingest_says_how_to_build_the_index(settings: Settings) -> None:
    store = ChunkStore.open(settings)
    assert store.info() is None and store.count() == 0
    with pytest.raises(IndexMissingError, match="Build it with: send-assistant ingest") as err:
        store.require(IndexInfo(FakeEmbedder.model_id, FakeEmbedder.dim, settings.chunk_tokens))
    assert f"No index was found at {settings.index_dir}." in str(err.value)


def test_progress_reports_every_embedded_record(corpus: Path, settings: Settings) -> None:
    totals: list[int] = []
    steps: list[int] = []
    summary = run_ingest([corpus], settings, ChunkStore.open(settings), FakeEmbedder,
                         progress=steps.append, on_total=totals.append)
    assert totals == [summary.embedded] and sum(steps) == summary.embedded


def test_summary_as_dict_has_counts_and_reasons(corpus: Path, settings: Settings) -> None:
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 nonsense")
    d = ingest(corpus, settings, FakeEmbedder()).as_dict()
    assert d["documents"] == {"added": len(NOTES), "changed": 0, "unchanged": 0, "removed": 0,
                              "skipped": 1}
    skipped = d["skipped"]
    assert isinstance(skipped, list) and len(skipped) == 1
    assert skipped[0]["path"] == str(corpus / "broken.pdf")
    assert skipped[0]["reason"].startswith("the PDF is damaged")
    assert isinstance(d["seconds"], float) and isinstance(d["chunks"], int) and d["chunks"] > 0


def test_each_kind_has_its_own_collection_so_queries_need_no_filter(
    corpus: Path, settings: Settings
) -> None:
    embedder = FakeEmbedder()
    ingest(corpus, settings, embedder)
    store = ChunkStore.open(settings)
    active = store.active_name()
    assert active is not None
    for kind in KINDS:
        coll = store.client.get_collection(kind_collection(active, kind), embedding_function=None)
        got = coll.get(include=["metadatas"])
        assert got["ids"] and {m["kind"] for m in got["metadatas"]} == {kind}
        [(hit, _)] = store.query(embedder.embed_query("the local offer"), k=1, kind=kind)
        assert hit.kind == kind


def test_an_index_in_the_older_one_collection_layout_is_still_read_and_then_replaced(
    corpus: Path, settings: Settings
) -> None:
    embedder = FakeEmbedder()
    chunks = build_chunks(load_all([corpus], Summary()), settings.chunk_tokens)
    vectors = embedder.embed_documents([c.text for c in chunks])
    store = ChunkStore.open(settings)
    info = IndexInfo(FakeEmbedder.model_id, FakeEmbedder.dim, settings.chunk_tokens)
    # What an ingest wrote before the layout changed: every kind in one collection, and a
    # pointer that names no layout.
    old = store.client.create_collection("send_guidance__g1_old", embedding_function=None,
                                         metadata={"hnsw:space": "cosine"})
    old.add(ids=[c.id for c in chunks], documents=[c.text for c in chunks],
            metadatas=[c.metadata() for c in chunks], embeddings=vectors)
    store._pointer.modify(metadata={"active": old.name, **info.as_metadata()})

    reader = ChunkStore.open(settings)
    assert reader.count() == len(chunks)
    assert {c.kind for c, _ in reader.iter_records(kind="question")} == {"question"}
    [(hit, _)] = reader.query(embedder.embed_query("the local offer"), k=1, kind="question")
    assert hit.kind == "question"

    # The next ingest, with nothing changed, rewrites it once in the new layout, reusing every
    # stored vector; the one after that has nothing to do.
    fresh = FakeEmbedder()
    summary = ingest(corpus, settings, fresh)
    assert summary.written and fresh.texts_embedded == 0 and summary.reused == len(chunks)
    after = ChunkStore.open(settings)
    assert after.active_name() != old.name and after.current_layout()
    assert not ingest(corpus, settings, fresh).written
    assert stored_ids(after) == expected_ids([corpus], settings.chunk_tokens)


def test_a_reader_follows_a_new_generation_once_its_pointer_read_is_stale(
    corpus: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from assistant import store as store_module

    monkeypatch.setattr(store_module, "POINTER_TTL", 0.2)
    embedder = FakeEmbedder()
    ingest(corpus, settings, embedder)
    reader = ChunkStore.open(settings)
    probe = embedder.embed_query("Brand new guidance about wombats and tribunals")
    before = {c.doc_id for c, _ in reader.query(probe, k=100)}
    (corpus / "wombats.md").write_text(
        (corpus / "local-offer.md").read_text(encoding="utf-8").replace(
            "id: local-offer", "id: wombats")
        + "\n\nBrand new guidance about wombats and tribunals.\n", encoding="utf-8")
    ingest(corpus, settings, embedder)  # another store object moves the pointer
    time.sleep(0.3)
    after = {c.doc_id for c, _ in reader.query(probe, k=100)}
    assert "wombats" not in before and "wombats" in after
    # Reads other than queries always follow the pointer at once.
    assert "wombats" in {c.doc_id for c, _ in ChunkStore.open(settings).iter_records()}
