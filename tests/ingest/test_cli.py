"""`send-assistant ingest`: the summary as JSON or text, exit codes, and errors that say what to
do. In-process with the fake embedder put where the command loads its model; once with the real
model; and the installed command itself in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import ingest.cli
from assistant.cli import main
from assistant.settings import PROJECT_ROOT, Settings
from assistant.store import ChunkStore, IndexInfo
from tests.ingest.helpers import copy_notes, pdf_bytes

SEND_ASSISTANT = Path(sys.executable).with_name("send-assistant")


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = copy_notes(tmp_path / "docs", ["local-offer", "senco-role"])
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a PDF")
    (folder / "guide.pdf").write_bytes(pdf_bytes(
        ["Talking to the school", "Ask the SENCO for a meeting and take notes."]))
    return folder


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_summary(env: Path, docs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "ingest", str(docs), "--json", "--no-progress")
    assert code == 0, err
    s: dict[str, Any] = json.loads(out)
    assert sorted(s["added"]) == ["guide", "local-offer", "senco-role"]
    assert s["changed"] == [] and s["unchanged"] == [] and s["removed"] == []
    [skipped] = s["skipped"]
    assert set(skipped) == {"path", "reason"} and skipped["path"] == str(docs / "broken.pdf")
    assert skipped["reason"].startswith("the PDF is damaged or not a PDF")
    assert s["documents"] == {"added": 3, "changed": 0, "unchanged": 0, "removed": 0,
                              "skipped": 1}
    assert isinstance(s["chunks"], int) and s["chunks"] > 3
    assert isinstance(s["seconds"], float) and s["seconds"] >= 0
    assert s["written"] is True and s["embedded"] > s["chunks"]
    assert (env / "chroma.sqlite3").exists()  # the index went where SEND_INDEX_DIR says

    # Again: everything unchanged, nothing embedded, the index left as it was.
    code, out, _ = run_cli(capsys, "ingest", str(docs), "--json")
    again = json.loads(out)
    assert code == 0 and sorted(again["unchanged"]) == sorted(s["added"])
    assert again["embedded"] == 0 and again["written"] is False

    # A removed and a changed document.
    (docs / "senco-role.md").unlink()
    (docs / "guide.pdf").write_bytes(pdf_bytes(["Talking to the school", "Bring a friend."]))
    code, out, _ = run_cli(capsys, "ingest", str(docs), "--json")
    third = json.loads(out)
    assert (third["removed"], third["changed"], third["unchanged"]) == (
        ["senco-role"], ["guide"], ["local-offer"])


def test_text_summary(env: Path, docs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "ingest", str(docs), "--no-progress")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "documents: 3 added, 0 changed, 0 unchanged, 0 removed, 1 skipped"
    assert lines[1].startswith("chunks: ") and "records embedded" in lines[1]
    assert lines[2].startswith("seconds: ")
    assert f"skipped {docs / 'broken.pdf'}: the PDF is damaged or not a PDF" in out


def test_default_paths_come_from_the_settings(
    env: Path, docs: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEND_SOURCE_PATHS", str(docs))
    code, out, _ = run_cli(capsys, "ingest", "--json")
    assert code == 0 and sorted(json.loads(out)["added"]) == ["guide", "local-offer",
                                                              "senco-role"]


def test_a_missing_path_is_a_clear_error(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-folder"
    code, out, err = run_cli(capsys, "ingest", str(missing), "--json")
    assert code != 0 and out == ""
    assert err.startswith(f"error: The path {missing} does not exist.")


def test_a_folder_of_only_corrupt_files_exits_non_zero(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "letter.docx").write_bytes(b"plain text, not a Word file")
    (bad / "broken.pdf").write_bytes(b"%PDF-1.4 junk")
    code, out, err = run_cli(capsys, "ingest", str(bad), "--json")
    assert code == 1 and out == ""
    assert "No document could be ingested (3 skipped" in err
    assert "The previous index, if any, is unchanged." in err


def test_other_settings_need_rebuild_and_rebuild_works(
    env: Path, docs: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_cli(capsys, "ingest", str(docs), "--json")[0] == 0
    monkeypatch.setenv("SEND_CHUNK_TOKENS", "128")
    code, out, err = run_cli(capsys, "ingest", str(docs), "--json")
    assert code == 1 and out == ""
    assert "chunk_tokens=200" in err and "send-assistant ingest --rebuild" in err
    code, out, err = run_cli(capsys, "ingest", str(docs), "--json", "--rebuild")
    s = json.loads(out)
    assert code == 0 and s["written"] is True and s["reused"] == 0


def test_a_bad_setting_is_a_configuration_error(
    env: Path, docs: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEND_CHUNK_TOKENS", "512")
    code, _, err = run_cli(capsys, "ingest", str(docs))
    assert code == 2 and "SEND_CHUNK_TOKENS must be between 32 and 256" in err


# -- the real command ---------------------------------------------------------------------------


def _clean_env(index: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEND_")}
    return {**env, "SEND_INDEX_DIR": str(index), "ANONYMIZED_TELEMETRY": "False",
            "HF_HUB_OFFLINE": "1"}


@pytest.mark.slow
def test_the_real_command_reports_every_bad_file_on_stderr(tmp_path: Path) -> None:
    if not SEND_ASSISTANT.exists():
        pytest.skip(f"{SEND_ASSISTANT} is not installed (make install)")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "letter.docx").write_bytes(b"plain text, not a Word file")
    r = subprocess.run([str(SEND_ASSISTANT), "ingest", str(bad), "--json"], cwd=PROJECT_ROOT,
                       env=_clean_env(tmp_path / "index"), capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 1 and r.stdout == ""
    assert f"skipped {bad / 'empty.txt'}: the file is empty" in r.stderr
    assert f"skipped {bad / 'letter.docx'}: the .docx is not a valid Word file" in r.stderr
    assert "error: No document could be ingested (2 skipped" in r.stderr


@pytest.mark.slow
def test_ingest_with_the_real_model(
    tmp_path: Path, real_embedder: Any, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The command with the packaged model (the session's, so it is loaded once per run)."""
    for name in list(os.environ):
        if name.startswith("SEND_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SEND_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setattr(ingest.cli, "load_embedder", lambda settings: real_embedder)
    note = copy_notes(tmp_path / "one", ["senco-qualification"]) / "senco-qualification.md"
    code, out, err = run_cli(capsys, "ingest", str(note), "--json", "--no-progress")
    assert code == 0, err
    s = json.loads(out)
    assert s["added"] == ["senco-qualification"] and s["skipped"] == []
    assert s["chunks"] >= 1 and s["embedded"] > s["chunks"] and s["written"] is True
    store = ChunkStore.open(Settings(index_dir=tmp_path / "index"))
    store.require(IndexInfo("all-MiniLM-L6-v2", 384, Settings().chunk_tokens))
    assert store.count() == s["embedded"]
    [(best, _)] = store.query(real_embedder.embed_query("Does the SENCO need a qualification?"),
                              k=1)
    assert best.doc_id == "senco-qualification"
