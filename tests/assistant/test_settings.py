from pathlib import Path

import pytest

from assistant.errors import ConfigError
from assistant.settings import Settings


def test_defaults_are_local_and_private() -> None:
    s = Settings.from_env({})
    assert s.chroma_host is None  # embedded Chroma unless a server is named
    assert s.host == "127.0.0.1" and s.port == 7860
    assert s.log_questions is False
    assert s.chunk_tokens <= 256


def test_reads_every_variable_from_the_environment(tmp_path: Path) -> None:
    s = Settings.from_env({
        "SEND_INDEX_DIR": str(tmp_path),
        "SEND_CHROMA_HOST": "127.0.0.1",
        "SEND_CHROMA_PORT": "9001",
        "SEND_CHUNK_TOKENS": "128",
        "SEND_SOURCE_PATHS": f"{tmp_path}/a:{tmp_path}/b",
        "SEND_LOG_QUESTIONS": "true",
        "SEND_LLM_PROVIDER": "ollama",
        "SEND_LLM_MODEL": "llama3",
    })
    assert s.index_dir == tmp_path
    assert (s.chroma_host, s.chroma_port, s.chunk_tokens) == ("127.0.0.1", 9001, 128)
    assert s.source_paths == (tmp_path / "a", tmp_path / "b")
    assert s.log_questions and s.llm_provider == "ollama"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SEND_CHUNK_TOKENS": "512"}, "embedding model's window"),
        ({"SEND_CHUNK_TOKENS": "big"}, "whole number"),
        ({"SEND_LLM_PROVIDER": "skynet"}, "none, openai or ollama"),
        ({"SEND_LLM_PROVIDER": "openai"}, "SEND_LLM_MODEL"),
    ],
)
def test_bad_values_say_what_to_fix(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_env_example_lists_every_variable() -> None:
    example = (Path(__file__).parents[2] / ".env.example").read_text()
    source = (Path(__file__).parents[2] / "assistant" / "settings.py").read_text()
    import re

    used = set(re.findall(r'"(SEND_[A-Z_]+)"', source))
    listed = set(re.findall(r"^(SEND_[A-Z_]+)=", example, re.M))
    assert used and used == listed
