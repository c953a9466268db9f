"""Model letters: the shipped templates, matching, filling from the user's words, .docx output."""

from __future__ import annotations

import re
from datetime import date
from io import BytesIO
from pathlib import Path

import docx
import pytest
import yaml

from assistant.errors import LetterError
from assistant.letters import (
    PLACEHOLDERS,
    LetterTemplate,
    fields_from_conversation,
    fill,
    load_letters,
    match_letter,
    to_docx,
)

ROOT = Path(__file__).parents[2]
CORPUS = ROOT / "corpus"
SEEDS = ROOT.parent / "shared" / "sources" / "seeds"
IDS = {"request-ehc-needs-assessment", "request-sen-support-meeting",
       "request-reasons-in-writing", "formal-complaint-to-school",
       "request-mediation-certificate"}
TODAY = date(2026, 3, 10)


@pytest.fixture(scope="module")
def templates() -> dict[str, LetterTemplate]:
    return load_letters()


def note_authorities(path: Path) -> set[str]:
    """The authorities in a corpus note's front matter."""
    meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n", 2)[1])
    return {str(a) for a in meta.get("authorities") or []}


def test_all_five_load_and_validate(templates: dict[str, LetterTemplate]) -> None:
    assert set(templates) == IDS
    for t in templates.values():
        assert t.to in ("council", "school", "mediation-adviser")
        assert t.title and t.summary and t.authorities and t.triggers
        assert 150 <= len(t.body.split()) <= 300, t.id


def test_placeholders_are_known(templates: dict[str, LetterTemplate]) -> None:
    for t in templates.values():
        used = set(re.findall(r"\{([^{}]*)\}", t.body))
        assert used <= set(PLACEHOLDERS), t.id
        assert "child_name" in used


def test_doc_ids_and_authorities_come_from_the_corpus(
        templates: dict[str, LetterTemplate]) -> None:
    notes = {p.stem: p for p in CORPUS.glob("*.md")}
    everywhere = set().union(*(note_authorities(p) for p in notes.values()))
    for t in templates.values():
        assert t.doc_id in notes, f"{t.id}: no corpus note {t.doc_id}"
        own = note_authorities(notes[t.doc_id])
        for a in t.authorities:
            assert a in own or a in everywhere, f"{t.id}: {a!r} is not in the corpus"
        assert t.authorities[0] in own, f"{t.id}: its first authority should be its note's"


def test_render_without_fields_leaves_prompts(templates: dict[str, LetterTemplate]) -> None:
    for t in templates.values():
        text = t.render()
        assert "{" not in text and "}" not in text
        assert "[your child's full name]" in text and "[date]" in text
        assert text.rstrip().splitlines()[-1].endswith("; ".join(t.authorities))


def test_render_with_fields(templates: dict[str, LetterTemplate]) -> None:
    fields = {"child_name": "Amy Jones", "school": "Oakfield Primary School",
              "council": "Leeds City Council", "parent_name": "Sara Jones", "child_dob": " "}
    text = templates["request-ehc-needs-assessment"].render(fields, TODAY)
    assert "Amy Jones" in text and "Oakfield Primary School" in text
    assert "Leeds City Council" in text and "10 March 2026" in text
    assert "[your child's full name]" not in text
    assert "[your child's date of birth]" in text  # blank counts as missing
    assert "{" not in text


@pytest.mark.parametrize(("question", "wanted"), [
    ("How do I ask for an EHC needs assessment?", "request-ehc-needs-assessment"),
    ("can you help me write to the council to request an EHCP assessment",
     "request-ehc-needs-assessment"),
    ("Please draft a letter asking the council to assess my son", "request-ehc-needs-assessment"),
    ("template letter to complain to school", "formal-complaint-to-school"),
    ("how do I get the mediation certificate", "request-mediation-certificate"),
    ("I don't want mediation, I just want the certificate so I can appeal",
     "request-mediation-certificate"),
    ("I'd like to ask the school for a meeting with the SENCO about his support",
     "request-sen-support-meeting"),
    ("Can I get a copy of my daughter's SEN support plan?", "request-sen-support-meeting"),
    ("The council refused on the phone. How do I get the reasons in writing?",
     "request-reasons-in-writing"),
    ("help me ask the council for its reasons for refusing an EHC needs assessment",
     "request-reasons-in-writing"),
    ("the SENCO won't meet me, I want to make a formal complaint", "formal-complaint-to-school"),
    ("How do I request a mediation certificate after the council refused an assessment?",
     "request-mediation-certificate"),
])
def test_matches_when_the_user_wants_to_act(
        templates: dict[str, LetterTemplate], question: str, wanted: str) -> None:
    found = match_letter(question, templates)
    assert found is not None and found.id == wanted


@pytest.mark.parametrize("question", [
    "How long does the council have to decide on an assessment?",
    "what is mediation?",
    "Does the school have to agree to a request?",
    "What is the legal test for an EHC needs assessment?",
    "How often should the school meet me about my child's SEN support?",
    "Do I need a diagnosis to request an assessment?",
    "How long does it take to get a mediation certificate if I don't want mediation?",
    "What should the refusal letter say?",
    "Can the school request an EHC assessment for my child?",
    "Does the council have to give reasons in writing?",
    "I want to ask for an EHCP review",
])
def test_no_match_for_questions_about_facts(
        templates: dict[str, LetterTemplate], question: str) -> None:
    assert match_letter(question, templates) is None


@pytest.mark.parametrize(("text", "name"), [
    ("my son Sam has autism", "Sam"),
    ("my daughter, Amy, is 9 and struggles with reading", "Amy"),
    ("his name is Tom", "Tom"),
    ("my child Leo is 7", "Leo"),
    ("she is called Maya", "Maya"),
    ("My son's name is Oliver-James", "Oliver-James"),
])
def test_takes_a_child_name_the_user_typed(text: str, name: str) -> None:
    assert fields_from_conversation(text, []).get("child_name") == name


@pytest.mark.parametrize("text", [
    "my son School refuses to go in", "my son Is struggling", "my son is struggling",
    "My son Has ADHD", "my son. He is 8", "How do I ask for an EHC needs assessment?",
])
def test_never_invents_a_child_name(text: str) -> None:
    assert "child_name" not in fields_from_conversation(text, [])


def test_only_user_turns_are_read() -> None:
    history = [{"role": "assistant", "content": "Is your son called Sam? Kent County Council"},
               {"role": "user", "content": "We are in Leeds."}]
    assert fields_from_conversation("help me write to the council", history) == {}
    history.append({"role": "user", "content": "my son Ben goes to Oakfield Academy"})
    assert fields_from_conversation("help me write it", history) == {
        "child_name": "Ben", "school": "Oakfield Academy"}


def test_school_council_and_decision_date() -> None:
    got = fields_from_conversation(
        "Leeds City Council sent a decision letter dated 3 March 2026; he is at Oakfield "
        "Primary School", [])
    assert got == {"school": "Oakfield Primary School", "council": "Leeds City Council",
                   "decision_date": "3 March 2026"}
    assert fields_from_conversation("Kent County Council decided on 14/02/2026", [])[
        "decision_date"] == "14 February 2026"
    assert fields_from_conversation("he was born 3 March 2017", []) == {}
    assert fields_from_conversation("The Council wrote to the Primary School", []) == {}


def test_fill_uses_the_users_words(templates: dict[str, LetterTemplate]) -> None:
    letter = fill(templates["request-mediation-certificate"],
                  "The decision letter dated 3 March 2026 from Leeds City Council refused to "
                  "assess my son Sam", [], TODAY)
    assert "Sam" in letter.text and "dated 3 March 2026" in letter.text
    assert "Leeds City Council" in letter.text and "10 March 2026" in letter.text
    data = letter.to_dict()
    assert set(data) == {"id", "title", "summary", "authorities", "text"}
    assert data["authorities"] == list(templates["request-mediation-certificate"].authorities)


def test_filename_never_holds_the_childs_name(templates: dict[str, LetterTemplate]) -> None:
    letter = fill(templates["request-ehc-needs-assessment"], "my son Sam", [], TODAY)
    assert "Sam" in letter.text
    for ext in ("txt", ".docx"):
        name = letter.filename(ext)
        assert "sam" not in name.lower()
        assert name.startswith("request-ehc-needs-assessment.")
    with pytest.raises(ValueError):
        letter.filename("../x")


def test_to_docx_is_a_word_document(templates: dict[str, LetterTemplate]) -> None:
    letter = fill(templates["formal-complaint-to-school"], "my daughter Amy", [], TODAY)
    document = docx.Document(BytesIO(to_docx(letter)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Formal complaint about special educational needs support: Amy" in text
    assert "Education Act 2002, s.29" in text
    assert len(document.paragraphs) == len(re.split(r"\n\s*\n", letter.text.strip()))


GOOD = """---
id: {id}
title: "A title"
to: school
doc_id: complaints-about-school
authorities:
  - "Education Act 2002, s.29"
summary: "One sentence."
triggers:
  - '{trigger}'
---
Dear {{school}},
{body}
"""


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"trigger": "complain(("}, "field 'triggers'"),
    ({"body": "About {child}."}, "unknown placeholder {child}"),
    ({"id": "other-id"}, "field 'id'"),
])
def test_a_broken_template_names_the_file_and_field(
        tmp_path: Path, kwargs: dict[str, str], field: str) -> None:
    values = {"id": "broken", "trigger": "complain", "body": "Thanks."} | kwargs
    (tmp_path / "broken.md").write_text(GOOD.format(**values), encoding="utf-8")
    with pytest.raises(LetterError) as err:
        load_letters(tmp_path)
    assert "broken.md" in str(err.value) and field in str(err.value)


def test_missing_field_and_missing_front_matter(tmp_path: Path) -> None:
    text = GOOD.format(id="broken", trigger="x", body="").replace('summary: "One sentence."\n', "")
    (tmp_path / "broken.md").write_text(text, encoding="utf-8")
    with pytest.raises(LetterError, match=r"broken\.md.*field 'summary' is missing"):
        load_letters(tmp_path)
    (tmp_path / "broken.md").write_text("Dear school,\n", encoding="utf-8")
    with pytest.raises(LetterError, match=r"broken\.md.*front matter"):
        load_letters(tmp_path)


def _runs(text: str, n: int = 12) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower().replace("’", "'").replace("'", ""))
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def test_templates_do_not_copy_the_seed_pages(templates: dict[str, LetterTemplate]) -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} is absent, so there is nothing to compare the templates with")
    seeds = set().union(*(_runs(p.read_text(encoding="utf-8", errors="replace"))
                          for p in SEEDS.iterdir() if p.is_file()))
    for t in templates.values():
        shared = _runs(t.body) & seeds
        assert not shared, f"{t.id} shares {' '.join(next(iter(shared)))!r} with a seed page"
