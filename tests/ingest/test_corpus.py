"""The guidance notes themselves: valid front matter and answer cards, every checkable fact
mapped to notes that exist and state its figures, nothing copied from the shared sources, and
no card wording that copies an eval question."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.types import Card
from evals.cases import load_cases
from evals.runner import SPLITS
from ingest.cards import CardError, check_corpus, parse_cards
from ingest.frontmatter import FrontMatterError, NoteMeta, split_front_matter, validate_note
from ingest.pipeline import Summary, load_all
from tests.ingest.helpers import CORPUS

NOTES = sorted(CORPUS.glob("*.md"))
FACT_IDS = [f"F{i:02d}" for i in range(1, 115)]
MIN_NOTES, MIN_CARDS, MIN_CARDS_A_NOTE = 100, 500, 5


def meta(path: Path) -> NoteMeta:
    data, text = split_front_matter(path.read_text(encoding="utf-8"))
    assert data is not None, f"{path.name} has no front matter"
    return validate_note(data, expected_id=path.stem, body=text)


def all_cards() -> list[Card]:
    return [c for p in NOTES for c in meta(p).cards]


def coverage() -> dict[str, Any]:
    data = yaml.safe_load((CORPUS / "facts_coverage.yaml").read_text(encoding="utf-8"))
    assert data["version"] == 1
    return dict(data["facts"])


def body(note_id: str) -> str:
    return (CORPUS / f"{note_id}.md").read_text(encoding="utf-8")


# -- front matter -------------------------------------------------------------------------------


def test_the_corpus_is_all_there() -> None:
    assert len(NOTES) >= MIN_NOTES
    assert len(all_cards()) >= MIN_CARDS


@pytest.mark.parametrize("path", NOTES, ids=[p.stem for p in NOTES])
def test_every_note_has_valid_front_matter_and_cards(path: Path) -> None:
    note = meta(path)
    _, text = split_front_matter(path.read_text(encoding="utf-8"))
    assert note.nation == "england" or note.id == "other-nations-scope"
    assert re.search(r"^## \S", text, re.M), "the body needs at least one ## heading"
    assert len(note.cards) >= MIN_CARDS_A_NOTE, f"{len(note.cards)} cards"
    # Every authority a card cites is cited in the note's own text (the ingest checks this).
    for card in note.cards:
        for point in card.points:
            assert point.authority in text, (card.id, point.authority)


def test_cards_across_the_corpus_fit_together() -> None:
    """Ids unique, no two cards with one canonical question, every `next` a real card, and
    every `also` wording different from its card's question."""
    cards = all_cards()
    assert check_corpus(cards) == []
    for c in cards:
        assert all(a.strip().lower() != c.q.strip().lower() for a in c.also), c.id


def test_the_card_checks_can_fail() -> None:
    """A card citing an authority its note never states is refused, naming the card; so are
    a yes/no question answered without Yes or No, a figure the note lacks, and a `next` id
    that names no card."""
    body = ("## Deadline\nThe council must decide within 6 weeks "
            "(SEND Regulations 2014, reg 5(1)).\n")
    raw = [{"id": "bad-card", "q": "Must the council decide quickly?",
            "also": ["a", "b", "c", "d"], "answer": "It must decide within 9 weeks.",
            "points": [{"text": "The council must decide within 6 weeks.",
                        "authority": "Children and Families Act 2014, s.36(8)"}],
            "next": ["no-such-card"]}]
    with pytest.raises(CardError) as err:
        parse_cards(raw, "doc", body)
    for problem in ("card bad-card", "never cites 'Children and Families Act 2014, s.36(8)'",
                    "must open with Yes or No", "figure(s) 9"):
        assert problem in str(err.value)
    good = {**raw[0], "answer": "Yes. It must decide within 6 weeks.",
            "points": [{"text": "The council must decide within 6 weeks.",
                        "authority": "SEND Regulations 2014, reg 5(1)"}]}
    [card] = parse_cards([good], "doc", body)
    assert check_corpus([card]) == ["card bad-card: next names 'no-such-card', which is no card"]


# -- no card wording copies an eval question ------------------------------------------------

#: A card wording copies an eval question when they share a run of this many words (the length
#: the no-copy rule uses; shorter runs are common phrasing, such as "how long does the council
#: have to decide whether to"), or when nearly all their words are the same.
COPY_RUN, COPY_OVERLAP = 12, 0.85


def _eval_questions() -> list[str]:
    return [c.question for path in SPLITS.values() if path.exists() for c in load_cases(path)]


def copies(wording: str, question: str) -> bool:
    a, b = _words(wording), _words(question)
    if not a or not b:
        return False
    if len(set(a) & set(b)) / len(set(a) | set(b)) >= COPY_OVERLAP:
        return True
    runs = {tuple(b[i : i + COPY_RUN]) for i in range(len(b) - COPY_RUN + 1)}
    return any(tuple(a[i : i + COPY_RUN]) in runs for i in range(len(a) - COPY_RUN + 1))


def test_no_card_wording_copies_an_eval_question() -> None:
    questions = _eval_questions()
    assert len(questions) > 500
    copied = [(c.id, w, q) for c in all_cards() for w in c.wordings for q in questions
              if copies(w, q)]
    assert not copied, copied[:5]


def test_the_eval_copy_check_can_fail() -> None:
    q = "My son's school says he can't have an assessment until he is diagnosed, is that right?"
    assert copies(q.upper().replace(",", ""), q)
    assert copies("he can't have an assessment until he is diagnosed, is that right? thanks", q)
    assert not copies("Does my child need a diagnosis before an EHC needs assessment?", q)


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
           "summary": "no full stop", "authorities": ["Some Act, s.1"],
           "confidence": "medium"}
    with pytest.raises(FrontMatterError) as err:
        validate_note(bad, expected_id="local-offer")
    for problem in ("audience must be one of", "sources must be URLs", "questions must hold",
                    "summary must be one sentence", "authorities:",
                    "must name its unconfirmed points"):
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
    """FACTS.md and FACTS-2.md, one after the other."""
    paths = [shared_dir / "sources" / "statutory" / name for name in ("FACTS.md", "FACTS-2.md")]
    missing = [p for p in paths if not p.exists()]
    if missing:
        pytest.skip(f"{missing[0]} is not present")
    return "\n".join(p.read_text(encoding="utf-8") for p in paths)


def _fact_text(facts_md: str, fact: str) -> str:
    """One fact's paragraph from FACTS.md, bold marks removed."""
    m = re.search(rf"^\*\*{fact}\..*?(?=^\*\*F\d{{2,3}}\.|^## |\Z)", facts_md, re.M | re.S)
    assert m, f"{fact} is not in FACTS.md"
    return m.group(0).replace("**", "")


def test_every_fact_in_facts_md_is_in_facts_coverage(shared_dir: Path) -> None:
    in_facts_md = re.findall(r"^\*\*(F\d{2,3})\.", _facts_md(shared_dir), re.M)
    assert len(in_facts_md) == len(set(in_facts_md)) == 114
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
    ("F65", "home-to-school-transport", ("2 miles", "3 miles")),
    ("F74", "attendance-and-sen", ("£80", "£160")),
    ("F76", "education-for-children-too-ill-for-school", ("15 school days",)),
    ("F77", "education-after-exclusion", ("sixth school day",)),
    ("F97", "discrimination-claims-time-limits", ("6 months",)),
    ("F99", "reassessment-of-a-plan", ("14 weeks",)),
    ("F109", "ombudsman-time-limits-and-limits", ("12 months",)),
    ("F111", "send-reform-2026", ("23 February 2026",)),
    ("F114", "home-education-law-changes-2026", ("29 April 2026",)),
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
    """Every 12-word run of the shared sources: the seed pages and the facts files."""
    seeds = sorted((shared_dir / "sources" / "seeds").glob("*"))
    if not seeds:
        pytest.skip("no seed pages in ../shared/sources/seeds")
    seeds += sorted((shared_dir / "sources" / "statutory").glob("*.md"))
    runs: set[tuple[str, ...]] = set()
    for f in seeds:
        runs |= _runs(f.read_text(encoding="utf-8", errors="replace"))
    assert len(runs) > 1000
    return runs


def test_no_note_copies_a_run_of_words_from_a_seed_page(seed_runs: set[tuple[str, ...]]) -> None:
    copied = {}
    data_files = [CORPUS / "signposts.yaml", CORPUS / "not_covered.yaml"]
    for note in [*NOTES, *data_files]:
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
