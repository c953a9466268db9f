"""Topics the guidance leaves to others: the data file, checked, and matched by meaning."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import ConfigError
from assistant.not_covered import NotCovered, load_topics
from assistant.settings import Settings
from assistant.signposts import load_signposts
from tests.conftest import FakeEmbedder


def test_the_shipped_topics_name_real_signposts() -> None:
    s = Settings()
    topics = load_topics(s.not_covered_path)
    known = set(load_signposts(s.signposts_path).by_id)
    assert {t.id for t in topics} >= {"benefit-amounts", "named-school-quality",
                                      "medicine-doses", "local-waiting-lists",
                                      "legal-representation"}
    for t in topics:
        assert t.reply and len(t.examples) >= 3 and set(t.signposts) <= known, t.id


def test_a_question_is_matched_to_the_closest_topic() -> None:
    e = FakeEmbedder()
    nc = NotCovered(load_topics(Settings().not_covered_path), e)
    found = nc.match([e.embed_query("How much Disability Living Allowance will my child get?")])
    assert found is not None and found.topic.id == "benefit-amounts" and found.score > 0.9


def test_a_bad_file_names_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "topics.yaml"
    bad.write_text("version: 1\ntopics:\n  - id: x\n    examples: [one]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="topic x: needs a reply; topic x: needs at least 3"):
        load_topics(bad)
    with pytest.raises(ConfigError, match="SEND_NOT_COVERED"):
        load_topics(tmp_path / "missing.yaml")
