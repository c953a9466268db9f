"""Flags kept by the helpline, and `send-assistant review list|export` over them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.errors import QuestionError
from assistant.types import Answer, Citation
from assistant.web.flags import FILE_NAME, Flag, FlagStore
from evals.cases import load_cases

CITATION = Citation(1, "six-week", "The 6-week decision", "The deadline",
                    ["SEND Regulations 2014, reg 5(1)"], "https://example.org/reg5",
                    "The council must decide within 6 weeks.", "The council must decide.", "p1")
ANSWER = Answer("answer", "The council has 16 weeks. [1]\n\nThis is general information, not "
                "legal advice.", [CITATION], card="assessment-decision-time",
                answering="How long does the council get to decide?")


@pytest.fixture
def index_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "index"
    monkeypatch.setenv("SEND_INDEX_DIR", str(folder))
    return folder


def flag(**changes: str) -> Flag:
    fields = {"verdict": "wrong", "reason": "It says 16 weeks; the law says 6.",
              "right_answer": "No. The council has 6 weeks.",
              "authority": "SEND Regulations 2014, reg 5(1)", **changes}
    return Flag.of(ANSWER, "How long does the council have to decide? Call me on 07700 900123",
                   **fields)


def test_a_flag_is_checked_before_it_is_kept() -> None:
    with pytest.raises(QuestionError, match="say why"):
        flag(reason="  ")
    with pytest.raises(QuestionError, match="wrong or unhelpful"):
        flag(verdict="fine")
    with pytest.raises(QuestionError, match="too long"):
        flag(authority="x" * 201)


def test_flags_are_kept_in_sqlite_under_the_index_folder(index_dir: Path) -> None:
    store = FlagStore(index_dir / FILE_NAME)
    assert store.all() == [] and not store.path.exists()  # nothing until the first flag
    assert store.add(flag()) == 1
    assert store.add(flag(verdict="unhelpful", right_answer="", authority="")) == 2
    first, second = store.all()
    assert (first.id, first.verdict, second.verdict) == (1, "wrong", "unhelpful")
    assert first.question == "How long does the council have to decide? Call me on [phone]"
    assert first.citations == (CITATION.full(),) and first.card == "assessment-decision-time"
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (1,)


def test_review_list_shows_the_flags(index_dir: Path, capsys: pytest.CaptureFixture[str]
                                     ) -> None:
    assert main(["review", "list"]) == 0
    assert "No flags yet" in capsys.readouterr().out
    FlagStore(index_dir / FILE_NAME).add(flag())
    assert main(["review", "list"]) == 0
    out = capsys.readouterr().out
    assert "#1" in out and "wrong" in out and "assessment-decision-time" in out
    assert "It says 16 weeks" in out and "right answer: No. The council has 6 weeks." in out
    assert main(["review", "list", "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["authority"] == "SEND Regulations 2014, reg 5(1)"


def test_review_export_writes_eval_cases_an_evaluator_can_finish(
        index_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "flagged.yaml"
    assert main(["review", "export", str(out)]) == 1
    assert "no flags" in capsys.readouterr().err
    store = FlagStore(index_dir / FILE_NAME)
    store.add(flag())
    store.add(flag(verdict="unhelpful", right_answer="", authority=""))
    assert main(["review", "export", str(out)]) == 0
    assert "Wrote 2 cases" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    assert "# flag 1 (" in text and "# answered by: card assessment-decision-time" in text
    first, second = load_cases(out)  # the eval's own loader accepts the file as it is
    assert first.id.startswith("flag-1-how-long-does-the-council")
    assert first.question.endswith("Call me on [phone]")
    assert first.expect.outcome == "answer" and first.expect.polarity == "no"
    assert [p.pattern for p in first.expect.cites] == [r"SEND Regulations 2014, reg 5\(1\)"]
    assert first.expect.cites[0].search(CITATION.authorities[0])
    assert first.expect.facts == () and first.expect.card == ()  # left for the evaluator
    assert first.tags == ("flagged", "flagged-wrong")
    assert second.expect.outcome == "answer" and second.expect.cites == ()
    assert main(["review", "export", str(out)]) == 1  # never overwritten by accident
    assert "--force" in capsys.readouterr().err
    assert main(["review", "export", str(out), "--force"]) == 0
