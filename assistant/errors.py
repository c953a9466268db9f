"""The project's errors. Each message says what went wrong and what to do about it."""


class SendAssistantError(Exception):
    """Base class: an error the user can act on. Edges turn it into exit codes or chat text."""


class ConfigError(SendAssistantError):
    """A setting is missing or invalid."""


class IndexMissingError(SendAssistantError):
    """No complete index exists yet."""

    def __init__(self, where: str) -> None:
        super().__init__(
            f"No index was found at {where}. Build it with: send-assistant ingest"
        )


class IndexMismatchError(SendAssistantError):
    """The index was built with another embedding model or chunking settings."""

    def __init__(self, field: str, stored: object, wanted: object) -> None:
        super().__init__(
            f"The index was built with {field}={stored!r} but the settings ask for {wanted!r}. "
            "Rebuild it with: send-assistant ingest --rebuild"
        )


class StoreUnavailableError(SendAssistantError):
    """The Chroma server cannot be reached."""


class IndexWriteError(SendAssistantError):
    """Writing the index failed (a full disk, a folder that cannot be written). The pointer was
    not moved, so whatever index was live before is still the one served."""

    def __init__(self, place: str, detail: str, serving: bool) -> None:
        kept = "the previous index is still serving" if serving else "no index was made yet"
        super().__init__(
            f"{place} is full or cannot be written: {detail}. Free some space and run the "
            f"ingest again; {kept}."
        )


class DocumentError(SendAssistantError):
    """One input document cannot be read; ingest reports it and skips the file."""


class QuestionError(SendAssistantError):
    """A question cannot be answered as typed (empty, too long). The message is shown to users."""


class DeadlineError(SendAssistantError):
    """A deadline cannot be worked out as asked: an unknown kind, or a date that cannot be read
    or does not exist. The message names the text and says what to type instead."""


class LetterError(SendAssistantError):
    """A model letter template is missing or malformed; the message names the file and field."""
