"""The guidance notes themselves: valid front matter, every checkable fact mapped to notes that
exist and state its figures, and no sentence copied from the scraped seed pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingest.frontmatter import FrontMatterError, split_front_matter, validate_note
from ingest.pipeline import Summary, load_all
from tests.ingest.helpers import CORPUS

NOTES = sorted(CORPUS.glob("*.md"))
FACT_IDS = [f"F{i:02d}" for i in range(1, 57)]


def coverage() -> dict[str, Any]:
    data = yaml.safe_load((CORPUS / "facts_coverage.yaml").read_text(encoding="utf-8"))
    assert data["version"] == 1
    return dict(data["facts"])


def body(note_id: str) -> str:
    return (CORPUS / f"{note_id}.md").read_text(encoding="utf-8")


# -- front matter -------------------------------------------------------------------------------


def test_the_corpus_is_all_there() -> None:
    assert len(NOTES) == 64


@pytest.mark.parametrize("path", NOTES, ids=[p.stem for p in NOTES])
def test_every_note_has_valid_front_matter(path: Path) -> None:
    data, text = split_front_matter(path.read_text(encoding="utf-8"))
    assert data is not None, "the note has no front matter"
    meta = validate_note(data, expected_id=path.stem)
    assert meta.nation == "england" or meta.id == "other-nations-scope"
    assert re.search(r"^## \S", text, re.M), "the body needs at least one ## heading"


def test_note_ids_are_unique_and_every_note_loads() -> None:
    summary = Summary()
    docs = load_all([CORPUS], summary)
    assert summary.skipped == []
    assert sorted(d.doc_id for d in docs) == sorted(p.stem for p in NOTES)


def test_the_validator_rejects_a_bad_note() -> None:
    """The check above can fail: a note with several faults is refused, naming each."""
    data, _ = split_front_matter((CORPUS / "local-offer.md").read_text(encoding="utf-8"))
    assert data is not None
    bad = {**data, "audience": "everyone", "sources": ["not a url"], "questions": ["One?"],
           "summary": "no full stop", "authorities": ["Some Act, s.1"]}
    with pytest.raises(FrontMatterError) as err:
        validate_note(bad, expected_id="local-offer")
    for problem in ("audience must be one of", "sources must be URLs", "questions must hold",
                    "summary must be one sentence", "authorities:"):
        assert problem in str(err.value)


# -- facts coverage -----------------------------------------------------------------------------


def test_facts_coverage_maps_every_fact_to_notes_that_exist() -> None:
    facts = coverage()
    assert list(facts) == FACT_IDS
    existing = {p.stem for p in NOTES}
    for fact, entry in facts.items():
        notes = entry.get("notes")
        assert isinstance(notes, list), fact
        if not notes:
            assert str(entry.get("reason", "")).strip(), f"{fact} has no notes and no reason"
        missing = [n for n in notes if n not in existing]
        assert not missing, f"{fact} names notes that do not exist: {missing}"


def _facts_md(shared_dir: Path) -> str:
    path = shared_dir / "sources" / "statutory" / "FACTS.md"
    if not path.exists():
        pytest.skip(f"{path} is not present")
    return path.read_text(encoding="utf-8")


def _fact_text(facts_md: str, fact: str) -> str:
    """One fact's paragraph from FACTS.md, bold marks removed."""
    m = re.search(rf"^\*\*{fact}\..*?(?=^\*\*F\d\d\.|^## |\Z)", facts_md, re.M | re.S)
    assert m, f"{fact} is not in FACTS.md"
    return m.group(0).replace("**", "")


def test_every_fact_in_facts_md_is_in_facts_coverage(shared_dir: Path) -> None:
    in_facts_md = re.findall(r"^\*\*(F\d\d)\.", _facts_md(shared_dir), re.M)
    assert len(in_facts_md) == len(set(in_facts_md)) == 56
    assert set(in_facts_md) - set(coverage()) == set(), "facts with no coverage entry"
    assert set(coverage()) - set(in_facts_md) == set(), "coverage entries for no fact"


# (fact, the note mapped to it that must state the figure, figures). Each figure is in the
# fact's own text in FACTS.md as well, checked below when that file is present.
KEY_FIGURES: list[tuple[str, str, tuple[str, ...]]] = [
    ("F18", "senco-qualification", ("3 years",)),
    ("F21", "school-funding-notional-sen-budget", ("£6,000",)),
    ("F27", "six-week-decision-to-assess", ("6 weeks",)),
    ("F30", "advice-gathered-during-assessment", ("6 weeks",)),
    ("F31", "sixteen-week-decision-to-issue", ("16 weeks",)),
    ("F32", "draft-plan-15-days", ("15 days",)),
    ("F33", "final-plan-20-weeks", ("20 weeks",)),
    ("F40", "annual-review", ("12 months",)),
    ("F41", "annual-review", ("3 to 6 months",)),
    ("F42", "annual-review-meeting", ("2 weeks",)),
    ("F43", "after-the-annual-review", ("4 weeks",)),
    ("F44", "after-the-annual-review", ("15 days", "8 weeks")),
    ("F45", "phase-transfer-deadlines", ("15 February", "31 March", "5 months")),
    ("F48", "tribunal-appeals", ("2 months", "1 month")),
    ("F49", "mediation-and-the-certificate", ("2 months", "3 working days", "30 days")),
    ("F50", "mediation-and-the-certificate", ("2 weeks",)),
    ("F51", "tribunal-health-and-social-care-recommendations", ("3 April 2018", "5 weeks")),
    ("F52", "disability-discrimination-claims", ("6 months",)),
]


def _states(text: str, figure: str) -> bool:
    # "6 weeks" must not be found inside "16 weeks", nor "1 month" inside "1 months".
    return re.search(rf"(?<![\w.,]){re.escape(figure)}(?!\w)", text) is not None


@pytest.mark.parametrize(("fact", "note", "figures"), KEY_FIGURES,
                         ids=[f"{f}-{n}" for f, n, _ in KEY_FIGURES])
def test_key_figures_appear_in_the_note_mapped_to_them(
    fact: str, note: str, figures: tuple[str, ...]
) -> None:
    assert note in coverage()[fact]["notes"], f"{note} is not mapped to {fact}"
    _, text = split_front_matter(body(note))
    for figure in figures:
        assert _states(text, figure), f"{note} does not state {figure!r} ({fact})"


@pytest.mark.parametrize(("fact", "note", "figures"), KEY_FIGURES,
                         ids=[f"{f}-{n}" for f, n, _ in KEY_FIGURES])
def test_key_figures_are_the_ones_in_facts_md(
    shared_dir: Path, fact: str, note: str, figures: tuple[str, ...]
) -> None:
    text = _fact_text(_facts_md(shared_dir), fact)
    for figure in figures:
        assert _states(text, figure), f"FACTS.md {fact} does not say {figure!r}"


def test_the_figure_check_is_not_fooled_by_longer_numbers() -> None:
    assert _states("within 6 weeks of the request", "6 weeks")
    assert not _states("within 16 weeks of the request", "6 weeks")
    assert not _states("within 1.6 weeks", "6 weeks")


# -- nothing copied from the seed pages ---------------------------------------------------------

RUN = 12


def _words(text: str) -> list[str]:
    text = re.sub(r"https?://\S+|www\.\S+", " ", text.lower())
    text = re.sub(r"['’‘`]", "", text)  # child's and child’s are one word either way
    return re.findall(r"[a-z0-9£]+", text)


def _runs(text: str, n: int = RUN) -> set[tuple[str, ...]]:
    w = _words(text)
    return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}


@pytest.fixture
def seed_runs(shared_dir: Path) -> set[tuple[str, ...]]:
    seeds = sorted((shared_dir / "sources" / "seeds").glob("*"))
    if not seeds:
        pytest.skip("no seed pages in ../shared/sources/seeds")
    runs: set[tuple[str, ...]] = set()
    for f in seeds:
        runs |= _runs(f.read_text(encoding="utf-8", errors="replace"))
    assert len(runs) > 1000
    return runs


def test_no_note_copies_a_run_of_words_from_a_seed_page(seed_runs: set[tuple[str, ...]]) -> None:
    copied = {}
    for note in NOTES:
        shared = _runs(note.read_text(encoding="utf-8")) & seed_runs
        if shared:
            copied[note.stem] = [" ".join(r) for r in sorted(shared)[:3]]
    assert not copied, copied


def test_the_copy_check_finds_a_copied_sentence(
    shared_dir: Path, seed_runs: set[tuple[str, ...]]
) -> None:
    seed = sorted((shared_dir / "sources" / "seeds").glob("*"))[0].read_text(encoding="utf-8")
    sentence = max(re.split(r"(?<=[.?!])\s+", seed), key=len)
    # Re-cased, re-punctuated and with a link added: still a copy.
    disguised = sentence.upper().replace(",", ";") + " (see https://example.org/page)"
    note = f"## Copied\n\nAs one site puts it: {disguised}\n"
    assert _runs(note) & seed_runs
